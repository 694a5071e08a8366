"""The three rates of Beijing's 12345 hotline (响应率、解决率、满意率) and ranking by size class
(分档).

Beijing's monthly public ranking of its 16 districts and 343 streets keeps response, resolution
and satisfaction apart (seeds: 接诉即办 "三率"), and ranks units against units of similar volume,
so that a street with 5 letters is not ranked against one with 500. This module holds what the
platform adds for that; `statistics` folds it into the league figures:

- `Resolution`: the writer's own answer, given with the rating, to "was the problem solved?"
  (已解决 / 部分解决 / 未解决, like 人民网's 解决程度); the counters `resolved`,
  `partly_resolved`, `unresolved`.
- the formulas, exact (`Fraction`), which the league page prints in both languages:
  response rate 响应率 = signed_on_time ÷ received (Beijing counts a letter as responded to when
  the unit makes contact within the response limit; here the department's sign-in within its
  limit, 按时签收, is that contact); resolution rate 解决率 = (resolved + ½ · partly_resolved)
  ÷ resolution_answers (ratings that answered the question); satisfaction rate 满意率 stays
  (satisfied + basically_satisfied) ÷ rated, as before.
- size classes: a department's class in a period is the range of `received` it falls in; the
  lower bounds of the classes after the first are configured (content/site.yaml
  `league.size_classes`, default 20 and 100: classes 1–19, 20–99 and 100+); a department with no
  letters has no class. `class_ranks` ranks within each class in the overall order.

Only the standard library (the domain is pure).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from fractions import Fraction
from typing import Any


class Resolution(StrEnum):
    """Whether the writer's problem was solved (解决程度), asked with the rating."""

    yes = "yes"
    partly = "partly"
    no = "no"


# the statistics counter each answer adds to
RESOLUTION_COUNTERS: dict[str, str] = {"yes": "resolved", "partly": "partly_resolved",
                                       "no": "unresolved"}
COUNTERS: tuple[str, ...] = ("resolved", "partly_resolved", "unresolved")

DEFAULT_SIZE_CLASSES: tuple[int, ...] = (20, 100)


def resolution_answers(c: Any) -> int:
    """Ratings that answered "was it solved?" (the resolution rate's denominator)."""
    return int(c.get("resolved", 0)) + int(c.get("partly_resolved", 0)) \
        + int(c.get("unresolved", 0))


def resolution_fraction(resolved: int, partly: int, answers: int) -> Fraction | None:
    """(resolved + ½ · partly) ÷ answers, exact; None with no answers."""
    if answers <= 0:
        return None
    return Fraction(2 * resolved + partly, 2 * answers)


def response_fraction(signed_on_time: int, received: int) -> Fraction | None:
    """signed_on_time ÷ received, exact; None with no letters."""
    return Fraction(signed_on_time, received) if received > 0 else None


def check_size_classes(bounds: Sequence[int]) -> tuple[int, ...]:
    """The class boundaries as configured: whole numbers above 1, strictly increasing."""
    out = tuple(bounds)
    if any(isinstance(b, bool) or not isinstance(b, int) or b < 2 for b in out):
        raise ValueError("size classes: whole numbers of letters, each at least 2")
    if list(out) != sorted(set(out)):
        raise ValueError("size classes: strictly increasing")
    return out


def size_class(received: int, bounds: Sequence[int]) -> str | None:
    """The class label of a department with `received` letters: "1-19", "20-99", "100+" for
    bounds (20, 100); None with no letters."""
    if received <= 0:
        return None
    low = 1
    for b in bounds:
        if received < b:
            return f"{low}-{b - 1}"
        low = b
    return f"{low}+"


def size_classes(bounds: Sequence[int]) -> list[str]:
    """Every class label, smallest first."""
    lows = [1, *bounds]
    return [f"{lo}-{hi - 1}" for lo, hi in zip(lows, bounds, strict=False)] + [f"{lows[-1]}+"]


def class_ranks(table: Iterable[dict[str, Any]], bounds: Sequence[int]) -> None:
    """Set `size_class` and `class_rank` on each row of a ranked league table (in place): the
    rank among the ranked rows of the same class, in the overall order (rows sharing an overall
    rank share their class rank too). An unranked row has no class rank."""
    rows = list(table)
    for r in rows:
        r["size_class"] = size_class(int(r.get("received") or 0), bounds)
        r["class_rank"] = None
    by_class: dict[str, list[dict[str, Any]]] = {}
    for r in sorted((r for r in rows if r.get("rank") is not None and r["size_class"]),
                    key=lambda r: r["rank"]):
        by_class.setdefault(r["size_class"], []).append(r)
    for members in by_class.values():
        position, previous = 0, None
        for i, r in enumerate(members, 1):
            if r["rank"] != previous:
                position, previous = i, r["rank"]
            r["class_rank"] = position


def by_class(table: Iterable[dict[str, Any]], bounds: Sequence[int]
             ) -> list[tuple[str, list[dict[str, Any]]]]:
    """The rows of a league table (after `class_ranks`) grouped by size class, largest class
    first, each in class-rank order (the unranked after the ranked, by department); classes
    with no department left out, as are departments with no letters."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in table:
        if r.get("size_class"):
            groups.setdefault(r["size_class"], []).append(r)
    out = []
    for label in reversed(size_classes(bounds)):
        rows = groups.get(label)
        if rows:
            rows.sort(key=lambda r: (r["class_rank"] is None, r["class_rank"] or 0,
                                     r["department"]))
            out.append((label, rows))
    return out
