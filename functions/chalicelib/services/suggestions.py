"""POST /api/suggest and the staff letter's `suggested`: which category (and so which department)
a letter is probably about, from the category model.

The model is a port (`Context.category_model`: a function giving a scorer with
`scores(subject, body)` and `info`); the composition root passes the committed artifact's
loader (adapters/category_model.py), which reads it on first use. The department of a category
is the one the office chose most often for letters of that category, once the city has that
history (a model retrained with `wenzheng model train --from-store` carries it as
`departments`), else the first department of content/departments.yaml that lists it; a
category no department lists is left out.

What the office finally chose is recorded: each dispatch event keeps the first suggestion shown
(`suggested`) beside the department chosen, and the approval the category the office set;
`wenzheng model report` counts how often the office took the suggestion, and `wenzheng model
train --from-store` retrains on those choices.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from ..domain.departments import Department
from ..domain.errors import StoreError
from ..domain.letters import Letter
from .commands import Suggest

TOP = 3
log = logging.getLogger("wenzheng.suggestions")


class CategoryScorer(Protocol):
    @property
    def info(self) -> dict[str, Any]: ...

    def scores(self, subject: str | None, body: str | None) -> list[tuple[str, float]]: ...


def department_of(departments: Mapping[str, Department], category: str,
                  history: Mapping[str, str] | None = None) -> str | None:
    """The department a letter of `category` goes to: the one the office chose most often for
    that category (`history`, from a model trained on the store), if it still exists, else the
    first department of content/departments.yaml that lists the category."""
    chosen = (history or {}).get(category)
    if chosen and chosen in departments:
        return chosen
    for dept in departments.values():
        if category in dept.categories:
            return dept.id
    return None


def suggestions(ctx: Any, subject: str | None, body: str | None,
                top: int = TOP) -> list[dict[str, Any]]:
    """Up to `top` categories with their department and score (0..1), best first."""
    scorer = _scorer(ctx)
    history = getattr(scorer, "departments", None)
    found: list[dict[str, Any]] = []
    for category, score in scorer.scores(subject, body):
        department = department_of(ctx.departments, category, history)
        if department is None:
            continue
        found.append({"category": category, "department": department,
                      "score": round(score, 4)})
        if len(found) == top:
            break
    return found


def first(ctx: Any, subject: str | None, body: str | None) -> dict[str, str] | None:
    """The first suggestion as the dispatch event records it (`{"category", "department"}`),
    or None without a model. A model that fails to load never stops a dispatch: it is logged."""
    if getattr(ctx, "category_model", None) is None:
        return None
    try:
        found = suggestions(ctx, subject, body, top=1)
    except (OSError, ValueError, KeyError) as exc:
        log.warning("category model unavailable at dispatch: %s", exc)
        return None
    return {"category": found[0]["category"], "department": found[0]["department"]} \
        if found else None


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



def office_category(letter: Letter) -> str | None:
    """The category the office set at the letter's latest approval (published or not)."""
    for event in reversed(letter.history):
        if event.action == "approve":
            category = event.data.get("category")
            return str(category).strip() or None if category else None
    return None


def acceptance(letters: Iterable[Letter]) -> dict[str, Any]:
    """How often the office took the suggestion shown at dispatch: `dispatched` counts the
    dispatch events that recorded one, `department_taken` those sent to the suggested
    department; `categorised` counts those letters the office approved with a category and
    `category_taken` the ones whose category was the suggested one (the latest approval)."""
    dispatched = taken = categorised = category_taken = 0
    for letter in letters:
        shown = None
        for event in letter.history:
            if event.action != "dispatch" or not event.data.get("suggested"):
                continue
            shown = event.data["suggested"]
            dispatched += 1
            taken += event.data.get("department") == shown.get("department")
        category = office_category(letter)
        if shown is not None and category:
            categorised += 1
            category_taken += category == shown.get("category")
    return {"dispatched": dispatched, "department_taken": taken,
            "department_rate": round(taken / dispatched, 4) if dispatched else None,
            "categorised": categorised, "category_taken": category_taken,
            "category_rate": round(category_taken / categorised, 4) if categorised else None}
