"""The city's departments, as the web team lists them in content/departments.yaml.

One reading for the function (which routes letters and reminders by them) and for the
publisher (which gives each a page and a feed), so the two can never disagree on which
departments exist or accept a file the other refuses.

    departments:
      - id: housing                  # a slug: a-z, 0-9, '-'; used in addresses
        name: 市住房和城乡建设局
        name_en: Housing and Urban-Rural Development Bureau
        categories: [城乡建设]        # the letter categories it handles (import routing)
        email: housing@example.gov.cn  # optional: where its supervision reminders go
        supervises_conduct: true       # optional: handles conduct complaints (效能投诉); one only
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Addresses (departments, topics, notices) are slugs.
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")

# The seven top-level categories of the citizen-letter data (问政西地省, TipDM 2020 附件1): an
# import maps a letter's category to the first department that lists it.
CATEGORIES: tuple[str, ...] = (
    "城乡建设", "劳动和社会保障", "教育文体", "商贸旅游", "环境保护", "卫生计生", "交通运输",
)


@dataclass(frozen=True)
class Department:
    id: str
    name: str
    name_en: str
    categories: tuple[str, ...] = ()
    email: str | None = None       # where its supervision reminders go
    supervises_conduct: bool = False   # the office handling conduct complaints (oversight.py)


class DepartmentError(ValueError):
    """A bad entry: `field` says where (e.g. "departments[2].id"), the message what."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def parse_departments(data: Any) -> tuple[Department, ...]:
    """The departments of a parsed departments.yaml (a list, or a mapping with `departments`)."""
    if isinstance(data, Mapping):
        data = data.get("departments")
    if not isinstance(data, list) or not data:
        raise DepartmentError("departments", "must be a non-empty list")
    seen: set[str] = set()
    out: list[Department] = []
    for i, item in enumerate(data):
        where = f"departments[{i}]"
        if not isinstance(item, Mapping):
            raise DepartmentError(where, "must be a mapping")
        name, name_en, dept_id = (_text(item, key, where) for key in ("name", "name_en", "id"))
        if not SLUG.match(dept_id):
            raise DepartmentError(f"{where}.id", f"{dept_id!r} must be a slug (a-z, 0-9, '-')")
        if dept_id in seen:
            raise DepartmentError(f"{where}.id", f"duplicate department id {dept_id!r}")
        seen.add(dept_id)
        cats = item.get("categories") or []
        if not isinstance(cats, list):
            raise DepartmentError(f"{where}.categories", "must be a list")
        for j, cat in enumerate(cats):
            if cat not in CATEGORIES:
                raise DepartmentError(f"{where}.categories[{j}]",
                                      f"unknown category {cat!r} (known: {', '.join(CATEGORIES)})")
        email = item.get("email")
        if email is not None and not is_email(email):
            raise DepartmentError(f"{where}.email", f"department {dept_id!r}: email must be an "
                                                    f"e-mail address, got {email!r}")
        conduct = item.get("supervises_conduct", False)
        if not isinstance(conduct, bool):
            raise DepartmentError(f"{where}.supervises_conduct", "must be true or false")
        if conduct and any(d.supervises_conduct for d in out):
            raise DepartmentError(f"{where}.supervises_conduct",
                                  "only one department may supervise conduct")
        out.append(Department(dept_id, name, name_en, tuple(cats), email, conduct))
    return tuple(out)


def conduct_office(departments: Mapping[str, Department]) -> str | None:
    """The id of the department that handles conduct complaints (效能投诉), if one does."""
    return next((d.id for d in departments.values() if d.supervises_conduct), None)


def is_email(value: Any) -> bool:
    if not isinstance(value, str) or " " in value:
        return False
    local, at, domain = value.partition("@")
    return bool(at and local and "." in domain)


def _text(item: Mapping[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise DepartmentError(f"{where}.{key}", "is required")
    if not isinstance(value, str):
        raise DepartmentError(f"{where}.{key}", f"must be text, not {type(value).__name__}")
    return value.strip()
