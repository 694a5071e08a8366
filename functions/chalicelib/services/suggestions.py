"""POST /api/suggest and the staff letter's `suggested`: which category (and so which department)
a letter is probably about, from the category model.

The model is a port (`Context.category_model`: a function giving a scorer with
`scores(subject, body)` and `info`); the composition root passes the committed artifact's
loader (adapters/category_model.py), which reads it on first use.

The department of a category: once the city has history, the one the office chose for letters
of that category — the artifact's `departments`, which `wenzheng model train --from-store`
computes from the store (the letter's last dispatch, for letters whose approved category is
that one, at least `HISTORY_MIN` of them) and writes into the artifact, so inference stays a
lookup and no running counter is kept in the store; otherwise (and when that department is no
longer in content/) the first department of content/departments.yaml that lists it. A category
with neither is left out.

What the office was shown is recorded with what it chose: the dispatch event carries the first
suggestion (`suggested`: {category, department}, computed again at dispatch, the same as the
console showed unless the model changed in between) beside `department`, and an approval that
sets a category carries it beside `category`. `acceptance` counts how often the office took it
(`wenzheng model report`).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from ..domain.departments import Department
from ..domain.errors import StoreError
from .commands import Suggest

TOP = 3
HISTORY_MIN = 5     # letters of a category before its history decides its department


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
    chosen: Mapping[str, str] = getattr(scorer, "departments", None) or {}
    found: list[dict[str, Any]] = []
    for category, score in scorer.scores(subject, body):
        department = chosen.get(category)
        if department not in ctx.departments:
            department = department_of(ctx.departments, category)
        if department is None:
            continue
        found.append({"category": category, "department": department,
                      "score": round(score, 4)})
        if len(found) == top:
            break
    return found


def first_suggestion(ctx: Any, subject: str | None, body: str | None) -> dict[str, str] | None:
    """The first suggestion as recorded in the history ({category, department}), or None
    when no model is configured, it cannot be read, or it suggests nothing."""
    if getattr(ctx, "category_model", None) is None:
        return None
    try:
        found = suggestions(ctx, subject, body, top=1)
    except (OSError, ValueError, KeyError):
        # a missing or unreadable artifact must not stop the office dispatching: the record
        # of the suggestion is for counting, the dispatch is the work
        return None
    return {"category": found[0]["category"], "department": found[0]["department"]} \
        if found else None


def acceptance(histories: Iterable[Iterable[Any]]) -> dict[str, dict[str, int]]:
    """How often the office took the first suggestion: over dispatches that recorded one, how
    many went to the suggested department; over approvals that set a category and recorded a
    suggestion, how many set the suggested category."""
    out = {"dispatch": {"shown": 0, "taken": 0}, "category": {"shown": 0, "taken": 0}}
    for history in histories:
        for e in history:
            shown = e.data.get("suggested")
            if not shown:
                continue
            if e.action == "dispatch":
                out["dispatch"]["shown"] += 1
                out["dispatch"]["taken"] += e.data.get("department") == shown.get("department")
            elif e.action == "approve" and e.data.get("category"):
                out["category"]["shown"] += 1
                out["category"]["taken"] += e.data["category"] == shown.get("category")
    return out


def chosen_departments(histories: Iterable[Iterable[Any]], minimum: int = HISTORY_MIN
                       ) -> dict[str, str]:
    """category -> the department the office chose most for letters of that category (the
    letter's last dispatch; its category the last approval's), for categories with at least
    `minimum` such letters; ties go to the department id first in order."""
    counts: dict[str, dict[str, int]] = {}
    for history in histories:
        category = department = None
        for e in history:
            if e.action == "dispatch":
                department = e.data.get("department")
            elif e.action == "approve" and e.data.get("category"):
                category = e.data["category"]
        if category and department:
            row = counts.setdefault(category, {})
            row[department] = row.get(department, 0) + 1
    return {c: min(row, key=lambda d: (-row[d], d)) for c, row in sorted(counts.items())
            if sum(row.values()) >= minimum}


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

