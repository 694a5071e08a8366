"""POST /api/suggest and the staff letter's `suggested`: which category (and so which department)
a letter is probably about, from the category model.

The model is a port (`Context.category_model`: a function giving a scorer with
`scores(subject, body)` and `info`); the composition root passes the committed artifact's
loader (adapters/category_model.py), which reads it on first use. The department of a category
is the first department of content/departments.yaml that lists it; a category no department
lists is left out.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from ..domain.departments import Department
from ..domain.errors import StoreError
from .commands import Suggest

TOP = 3


class CategoryScorer(Protocol):
    @property
    def info(self) -> dict[str, Any]: ...

    def scores(self, subject: str | None, body: str | None) -> list[tuple[str, float]]: ...


def department_of(departments: Mapping[str, Department], category: str) -> str | None:
    for dept in departments.values():
        if category in dept.categories:
            return dept.id
    return None


def suggestions(ctx: Any, subject: str | None, body: str | None,
                top: int = TOP) -> list[dict[str, Any]]:
    """Up to `top` categories with their department and score (0..1), best first."""
    scorer = _scorer(ctx)
    found: list[dict[str, Any]] = []
    for category, score in scorer.scores(subject, body):
        department = department_of(ctx.departments, category)
        if department is None:
            continue
        found.append({"category": category, "department": department,
                      "score": round(score, 4)})
        if len(found) == top:
            break
    return found


def suggest(ctx: Any, command: Suggest) -> dict[str, Any]:
    """POST /api/suggest."""
    return {"suggestions": suggestions(ctx, command.subject, command.body),
            "model": dict(_scorer(ctx).info)}


def _scorer(ctx: Any) -> CategoryScorer:
    load = getattr(ctx, "category_model", None)
    if load is None:
        raise StoreError("no category model configured")
    scorer: CategoryScorer = load()
    return scorer

