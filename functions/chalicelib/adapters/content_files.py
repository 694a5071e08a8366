"""Reading the files of `content/`: safe YAML, front matter, and the one error every problem in
them raises (`ContentError`, naming the file and the field).

Shared by the content loader (`content.py`), its settings files (`content_limits.py`) and the
consultation topics (`topic_files.py`); departments.yaml is read here, as all three need it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..config import StartupError
from ..domain.departments import Department, DepartmentError, parse_departments


class ContentError(StartupError, ValueError):
    """A content file is missing, malformed or has a bad field; `file` and `field` say where.

    A `StartupError` too: a function or a build does not start on bad content."""

    def __init__(self, file: str | Path, field: str | None, message: str) -> None:
        self.file = str(file)
        self.field = field
        self.message = message
        where = f"{self.file}: {field}" if field else self.file
        super().__init__(f"{where}: {message}")


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML (libyaml when present) with dates and times left as text, so a bad one is our
    error naming the field (China time when no offset is written), not a parser crash."""


_Loader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def parse_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


def read_text(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(file, None, "cannot be read: file not found") from None
    except UnicodeDecodeError as exc:
        raise ContentError(file, None, f"cannot be read: not UTF-8 ({exc.reason})") from None
    except OSError as exc:
        raise ContentError(file, None, f"cannot be read: {exc}") from None


def read_yaml(file: Path) -> Any:
    """The parsed YAML of a file."""
    text = read_text(file)
    try:
        return parse_yaml(text)
    except (yaml.YAMLError, ValueError) as exc:
        raise ContentError(file, None, f"cannot be read: invalid YAML: {exc}") from None


def read_mapping(file: Path) -> dict[str, Any]:
    """A YAML file that holds a mapping; an empty file is an empty mapping."""
    raw = read_yaml(file)
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ContentError(file, None, "must be a mapping")
    return raw


def load_departments(content_dir: Path) -> dict[str, Department]:
    """content/departments.yaml by id, in file order (`domain.departments.parse_departments`)."""
    file = content_dir / "departments.yaml"
    try:
        return {d.id: d for d in parse_departments(read_yaml(file))}
    except DepartmentError as exc:
        raise ContentError(file, exc.field, exc.message) from None


def split_front_matter(path: Path, raw: str) -> tuple[dict[str, Any], str]:
    """The front matter (a mapping) and the Markdown body of one file."""
    raw = raw.lstrip("\ufeff")
    lines = raw.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise ContentError(path, None, "must start with a YAML front matter block between "
                                       "'---' lines")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        raise ContentError(path, None, "the front matter block is not closed with '---'")
    try:
        meta = parse_yaml("".join(lines[1:end]))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise ContentError(path, None, f"the front matter is not valid YAML{where}: "
                                       f"{getattr(exc, 'problem', exc)}") from None
    if not isinstance(meta, dict):
        raise ContentError(path, None, "the front matter must be a mapping of fields")
    return meta, "".join(lines[end + 1:])
