"""Department statistics, derived from each letter's recorded history (全内容全状态留档).

A letter contributes to the figures of each department it was dispatched to ("a stint"), in the
month the department received it (China time). `contributions(letter)` folds the history into
those figures; the store keeps running totals per (period, department) by adding the difference
between a letter's contributions before and after a change, in the same transaction as the
change. A full recomputation from history (`recompute`) must give the same totals: a test holds
the store to that.

Periods: a month `YYYY-MM`, a quarter `YYYY-Qn`, a year `YYYY` and `all`.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Mapping

from .deadlines import CHINA_TZ

COUNTERS: tuple[str, ...] = (
    "received", "signed", "signed_on_time", "transferred", "rejected", "replied",
    "replied_on_time", "reply_wd_x100", "overdue", "extensions", "redos", "published",
    "rated", "satisfied", "basically_satisfied", "unsatisfied",
)

Key = tuple[str, str]  # (department, month)


def month_of(at: datetime) -> str:
    return at.astimezone(CHINA_TZ).strftime("%Y-%m")


def periods_of_month(month: str) -> tuple[str, str, str, str]:
    """The four league periods a month's figures roll up into."""
    year, mm = month.split("-")
    return (month, f"{year}-Q{(int(mm) - 1) // 3 + 1}", year, "all")


def contributions(history: Iterable) -> dict[Key, Counter]:
    """Fold one letter's history into per-(department, month) counters."""
    out: dict[Key, Counter] = defaultdict(Counter)
    key: Key | None = None
    replied_in_stint = False
    overdue_in_stint = False
    published = False
    reply_dept: dict[int, Key] = {}
    for e in history:
        a = e.action
        if a == "dispatch":
            key = (e.data["department"], month_of(e.at))
            out[key]["received"] += 1
            replied_in_stint = overdue_in_stint = False
        elif key is None:
            continue
        elif a == "sign":
            out[key]["signed"] += 1
            out[key]["signed_on_time"] += 1 if e.data.get("on_time") else 0
        elif a == "transfer":
            out[key]["transferred"] += 1
        elif a == "reject":
            out[key]["rejected"] += 1
        elif a == "request_extension":
            out[key]["extensions"] += 1
        elif a == "light" and e.data.get("to") == "red" and not overdue_in_stint:
            out[key]["overdue"] += 1
            overdue_in_stint = True
        elif a == "reply":
            reply_dept[e.data.get("reply_n", 0)] = key
            if not replied_in_stint:
                replied_in_stint = True
                out[key]["replied"] += 1
                if e.data.get("on_time"):
                    out[key]["replied_on_time"] += 1
                elif not overdue_in_stint:
                    out[key]["overdue"] += 1
                    overdue_in_stint = True
                out[key]["reply_wd_x100"] += int(e.data.get("working_days_x100", 0))
        elif a == "approve" and e.data.get("publish") and not published:
            published = True
            out[key]["published"] += 1
        elif a == "redo":
            out[key]["redos"] += 1
        elif a == "rate":
            k = reply_dept.get(e.data.get("reply_n", 0), key)
            out[k]["rated"] += 1
            out[k][e.data["score"]] += 1
    return {k: v for k, v in out.items() if any(v.values())}


def difference(before: Mapping[Key, Counter], after: Mapping[Key, Counter]) -> dict[Key, dict]:
    """What to add to the running totals when a letter goes from `before` to `after`."""
    delta: dict[Key, dict] = {}
    for key in set(before) | set(after):
        b, a = before.get(key, Counter()), after.get(key, Counter())
        d = {c: a.get(c, 0) - b.get(c, 0) for c in COUNTERS if a.get(c, 0) != b.get(c, 0)}
        if d:
            delta[key] = d
    return delta


def by_period(delta: Mapping[Key, Mapping[str, int]]) -> dict[tuple[str, str], dict[str, int]]:
    """Spread (department, month) deltas over the month, quarter, year and all-time rows."""
    out: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for (dept, month), d in delta.items():
        for period in periods_of_month(month):
            out[(period, dept)].update(d)
    return {k: {c: n for c, n in v.items() if n} for k, v in out.items()
            if any(v.values())}


def recompute(histories: Iterable[Iterable]) -> dict[tuple[str, str], dict[str, int]]:
    """Totals per (period, department) from scratch, from every letter's history."""
    totals: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for history in histories:
        for key, d in by_period(contributions(history)).items():
            totals[key].update(d)
    return {k: {c: n for c, n in v.items() if n} for k, v in totals.items() if any(v.values())}


# --- figures for the league table ----------------------------------------------------------

@dataclass(frozen=True)
class Weights:
    """Assessment score weights (考核), after the Beijing scheme: efficiency and quality."""

    efficiency: float = 0.6
    quality: float = 0.4
    min_received: int = 5


def ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def figures(counters: Mapping[str, int]) -> dict:
    """Rates and averages of one department-period row, with the formulas of the league page."""
    c = {name: int(counters.get(name, 0)) for name in COUNTERS}
    handled = c["received"] - c["transferred"] - c["rejected"]
    satisfied_any = c["satisfied"] + c["basically_satisfied"]
    return {
        **{k: c[k] for k in COUNTERS if k != "reply_wd_x100"},
        "handled": handled,
        "reply_rate": ratio(c["replied"], handled),
        "on_time_rate": ratio(c["replied_on_time"], c["replied"]),
        "sign_on_time_rate": ratio(c["signed_on_time"], c["signed"]),
        "avg_working_days": (round(c["reply_wd_x100"] / 100 / c["replied"], 2)
                             if c["replied"] else None),
        "satisfaction_rate": ratio(satisfied_any, c["rated"]),
    }


def score(f: Mapping, weights: Weights) -> float | None:
    """Score out of 100: efficiency = mean of reply rate, on-time rate and signed-on-time rate;
    quality = satisfaction rate (a department with no ratings takes its efficiency)."""
    parts = [f[k] for k in ("reply_rate", "on_time_rate", "sign_on_time_rate") if f[k] is not None]
    if not parts:
        return None
    efficiency = sum(parts) / len(parts)
    quality = f["satisfaction_rate"] if f["satisfaction_rate"] is not None else efficiency
    return round(100 * (weights.efficiency * efficiency + weights.quality * quality), 1)


def league(rows: Mapping[str, Mapping[str, int]], departments: Iterable[str],
           weights: Weights) -> list[dict]:
    """One row per department (all listed, even with no letters), ranked by score; a department
    that received fewer than `weights.min_received` letters is listed but not ranked."""
    table = []
    for dept in departments:
        f = figures(rows.get(dept, {}))
        f["department"] = dept
        f["score"] = score(f, weights)
        f["ranked"] = f["received"] >= weights.min_received and f["score"] is not None
        table.append(f)
    ranked = sorted((r for r in table if r["ranked"]),
                    key=lambda r: (-r["score"], -r["received"], r["department"]))
    position = 0
    previous: float | None = None
    for i, r in enumerate(ranked, 1):
        if r["score"] != previous:
            position, previous = i, r["score"]
        r["rank"] = position
    for r in table:
        r.setdefault("rank", None)
    table.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["department"]))
    return table


def totals(rows: Mapping[str, Mapping[str, int]]) -> dict:
    """The whole city's figures for a period (sum over departments)."""
    sums: Counter = Counter()
    for counters in rows.values():
        sums.update({k: int(v) for k, v in counters.items()})
    return figures(sums)
