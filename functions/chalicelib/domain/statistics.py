"""Department statistics, derived from each letter's recorded history (全内容全状态留档).

A letter contributes to the figures of each department it was dispatched to ("a stint"), in the
month the department received it (China time). `contributions(letter)` folds the history into
those figures; the store keeps running totals per (period, department) by adding the difference
between a letter's contributions before and after a change, in the same transaction as the
change. A full recomputation from history (`recompute`) must give the same totals: a test holds
the store to that.

Periods: a month `YYYY-MM`, a quarter `YYYY-Qn`, a year `YYYY` and `all`.

The second half turns one (period, department) row of counters into the league table's figures:
rates with their 95 % Wilson score intervals (`wilson`), the assessment score (考核得分) after the
Beijing conduct hotline's scheme (seeds/002: efficiency = timely sign-in, timely reply, extension
requests; quality = wrong sign-ins, wrongly closed letters, complaints about replies, real
resolution), the rank, and the rank change against the previous period. Everything here is a
pure function of counters and `Weights` (content/site.yaml `league:`), so the publisher renders
a league page from the stats rows alone, never from letters.
"""
from __future__ import annotations

import functools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from . import rates as three_rates
from .deadlines import CHINA_TZ

COUNTERS: tuple[str, ...] = (
    "received", "signed", "signed_on_time", "transferred", "rejected", "replied",
    "replied_on_time", "reply_wd_x100", "overdue", "extensions", "redos", "published",
    "rated", "satisfied", "basically_satisfied", "unsatisfied",
    # every reply (a re-do's too) given after its due date, and the calendar days it was late:
    # the exposure board's late replies (exposure.py lists the same replies one by one)
    "late_replies", "late_reply_days",
    # replies the office kept (维持答复) after a 不满意 rating instead of a re-do: they stay
    # counted as unsatisfied, this says how many of those the office stood by
    "kept",
    # letters rejected as duplicates of another (重复件): counted in `rejected` too, so
    # valid = received − rejected (invalid and duplicate letters alike)
    "duplicates",
    # the writer's answer to "was it solved?" with the rating (rates.py: 解决率)
    *three_rates.COUNTERS,

    # conduct complaints (效能投诉) received about the department (domain/oversight.py): counted
    # for the department named, at submission; the supervising office handles the letter
    "conduct_complaints",
)

Key = tuple[str, str]  # (department, month)


def month_of(at: datetime) -> str:
    return at.astimezone(CHINA_TZ).strftime("%Y-%m")


def periods_of_month(month: str) -> tuple[str, str, str, str]:
    """The four league periods a month's figures roll up into."""
    year, mm = month.split("-")
    return (month, f"{year}-Q{(int(mm) - 1) // 3 + 1}", year, "all")


def contributions(history: Iterable[Any]) -> dict[Key, Counter[str]]:
    """Fold one letter's history into per-(department, month) counters."""
    out: dict[Key, Counter[str]] = defaultdict(Counter)
    key: Key | None = None
    replied_in_stint = False
    overdue_in_stint = False
    published = False
    reply_dept: dict[int, Key] = {}
    for e in history:
        a = e.action
        if a == "submit" and e.data.get("about"):
            out[(e.data["about"], month_of(e.at))]["conduct_complaints"] += 1
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
            if e.data.get("duplicate_of"):
                out[key]["duplicates"] += 1
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
            if e.data.get("on_time") is False and e.data.get("due"):
                out[key]["late_replies"] += 1
                out[key]["late_reply_days"] += _days_late(e.data["due"], e.at)
        elif a == "approve" and e.data.get("publish") and not published:
            published = True
            out[key]["published"] += 1
        elif a == "redo":
            out[key]["redos"] += 1
        elif a == "rate":
            k = reply_dept.get(e.data.get("reply_n", 0), key)
            out[k]["rated"] += 1
            out[k][e.data["score"]] += 1
            if e.data.get("resolved"):
                out[k][three_rates.RESOLUTION_COUNTERS[e.data["resolved"]]] += 1
        elif a == "keep_reply":
            out[reply_dept.get(e.data.get("reply_n", 0), key)]["kept"] += 1
    return {k: v for k, v in out.items() if any(v.values())}


def _days_late(due: str, at: datetime) -> int:
    """Calendar days from a due date to the China-local day of `at` (as exposure.Entry)."""
    return max((at.astimezone(CHINA_TZ).date() - date.fromisoformat(due)).days, 0)


def difference(before: Mapping[Key, Counter[str]], after: Mapping[Key, Counter[str]]
               ) -> dict[Key, dict[str, int]]:
    """What to add to the running totals when a letter goes from `before` to `after`."""
    delta: dict[Key, dict[str, int]] = {}
    for key in set(before) | set(after):
        b, a = before.get(key, Counter()), after.get(key, Counter())
        d = {c: a.get(c, 0) - b.get(c, 0) for c in COUNTERS if a.get(c, 0) != b.get(c, 0)}
        if d:
            delta[key] = d
    return delta


def by_period(delta: Mapping[Key, Mapping[str, int]]) -> dict[tuple[str, str], dict[str, int]]:
    """Spread (department, month) deltas over the month, quarter, year and all-time rows."""
    out: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for (dept, month), d in delta.items():
        for period in periods_of_month(month):
            out[(period, dept)].update(d)
    return {k: {c: n for c, n in v.items() if n} for k, v in out.items()
            if any(v.values())}


def recompute(histories: Iterable[Iterable[Any]]) -> dict[tuple[str, str], dict[str, int]]:
    """Totals per (period, department) from scratch, from every letter's history."""
    totals: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for history in histories:
        for key, d in by_period(contributions(history)).items():
            totals[key].update(d)
    return {k: {c: n for c, n in v.items() if n} for k, v in totals.items() if any(v.values())}


# --- periods --------------------------------------------------------------------------------

def previous_period(period: str) -> str | None:
    """The period a league table is compared with: the month, quarter or year before; none for
    `all`."""
    if period == "all":
        return None
    if len(period) == 4:
        return f"{int(period) - 1:04d}"
    year, part = period.split("-")
    if part.startswith("Q"):
        q = int(part[1:])
        return f"{year}-Q{q - 1}" if q > 1 else f"{int(year) - 1:04d}-Q4"
    n = int(year) * 12 + int(part) - 2
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def next_period(period: str) -> str | None:
    """The period whose rank changes are measured against this one."""
    if period == "all":
        return None
    if len(period) == 4:
        return f"{int(period) + 1:04d}"
    year, part = period.split("-")
    if part.startswith("Q"):
        q = int(part[1:])
        return f"{year}-Q{q + 1}" if q < 4 else f"{int(year) + 1:04d}-Q1"
    n = int(year) * 12 + int(part)
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


# --- the assessment weights -------------------------------------------------------------------

@dataclass(frozen=True)
class Weights:
    """The assessment score's weights (考核), after the Beijing scheme (seeds/002): the score is
    `efficiency` × 办理效率 + `quality` × 办理质量 (shares that add up to 1), each a weighted mean
    of its parts (each group's part weights add up to 1 too). Configured in content/site.yaml
    `league:`, where each weight is documented; printed on the league page.

    A department that received fewer than `min_received` letters, or whose replies were rated
    fewer than `min_rated` times, in a period is listed but not ranked: its rates rest on too
    few letters to compare (WhatDoTheyKnow does the same)."""

    efficiency: float = 0.6
    quality: float = 0.4
    min_received: int = 5
    min_rated: int = 0
    # 办理效率 (efficiency): 及时签收, 及时回复, 申请延期 (fewer is better), and the reply rate,
    # so that a department cannot keep its on-time rate up by not replying at all
    sign_on_time: float = 0.25
    reply_on_time: float = 0.35
    replied: float = 0.2
    extensions: float = 0.2
    # 办理质量 (quality): 误签收 (sent back), 误办结 (re-done), 对回复的投诉 (不满意),
    # 实质性办结 (rated 满意)
    transfers: float = 0.2
    redos: float = 0.2
    complaints: float = 0.3
    satisfied: float = 0.3
    # 分档: lower bounds of the size classes after the first, in letters received in the
    # period (rates.py); departments are ranked within their class as well as overall
    size_classes: tuple[int, ...] = three_rates.DEFAULT_SIZE_CLASSES

    def __post_init__(self) -> None:
        # a data file's header gives a list back: keep the weights hashable and comparable
        object.__setattr__(self, "size_classes", tuple(self.size_classes))

    EFFICIENCY_PARTS = ("sign_on_time", "reply_on_time", "replied", "extensions")
    QUALITY_PARTS = ("transfers", "redos", "complaints", "satisfied")

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# --- honest rates ----------------------------------------------------------------------------

Z95 = 1.96   # the normal quantile of a two-sided 95 % interval


def wilson(k: float, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion k/n (95 % by default), rounded to 4 places;
    None when n is 0. Unlike "p ± z·se" it stays inside [0, 1] and is honest about small n:
    8/10 gives [0.4902, 0.9433], 80/100 [0.7112, 0.8666] (E. B. Wilson, JASA 22, 1927)."""
    if n <= 0:
        return None
    k = min(max(k, 0), n)
    p = k / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    margin = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    return (round(max(0.0, centre - margin), 4), round(min(1.0, centre + margin), 4))


def ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


# rate: (numerator, denominator), over the counters of `figures` (`satisfied_any` and `handled`
# are derived there). Each gets `{rate}_low` and `{rate}_high`, its 95 % Wilson interval.
RATES: dict[str, tuple[str, str]] = {
    "reply_rate": ("replied", "handled"),
    "on_time_rate": ("replied_on_time", "replied"),
    "sign_on_time_rate": ("signed_on_time", "signed"),
    "satisfaction_rate": ("satisfied_any", "rated"),
    "satisfied_rate": ("satisfied", "rated"),
    "unsatisfied_rate": ("unsatisfied", "rated"),
    "extension_rate": ("extensions", "handled"),
    "transfer_rate": ("transferred", "received"),
    "redo_rate": ("redos", "replied"),
}


def figures(counters: Mapping[str, int]) -> dict[str, Any]:
    """Rates and averages of one department-period row, with the formulas of the league page."""
    c = {name: int(counters.get(name, 0)) for name in COUNTERS}
    values = {**c, "handled": c["received"] - c["transferred"] - c["rejected"],
              "satisfied_any": c["satisfied"] + c["basically_satisfied"]}
    out: dict[str, Any] = {k: c[k] for k in COUNTERS if k != "reply_wd_x100"}
    out["handled"] = values["handled"]
    out["valid"] = c["received"] - c["rejected"]       # received less invalid and duplicates
    for name, (num, den) in RATES.items():
        n, d = values[num], max(values[den], 0)
        out[name] = ratio(n, d)
        interval = wilson(n, d)
        out[f"{name}_low"], out[f"{name}_high"] = interval if interval else (None, None)
    # 解决率 (rates.py): (resolved + ½ · partly_resolved) ÷ answers; its interval is Wilson's
    # with p that rate and n the answers
    answers = three_rates.resolution_answers(c)
    # 响应率 (rates.py): a letter signed for within its limit counts as responded to (kept out
    # of RATES, whose intervals the data files list in their own order)
    out["responded"] = c["signed_on_time"]
    out["response_rate"] = ratio(c["signed_on_time"], c["received"])
    interval = wilson(c["signed_on_time"], c["received"])
    out["response_rate_low"], out["response_rate_high"] = interval if interval else (None, None)
    out["resolution_answers"] = answers
    out["resolution_rate"] = ratio(2 * c["resolved"] + c["partly_resolved"], 2 * answers)
    interval = wilson(c["resolved"] + c["partly_resolved"] / 2, answers)
    out["resolution_rate_low"], out["resolution_rate_high"] = (interval if interval
                                                               else (None, None))
    out["avg_working_days"] = (round(c["reply_wd_x100"] / 100 / c["replied"], 2)
                               if c["replied"] else None)
    out["avg_days_late"] = (round(c["late_reply_days"] / c["late_replies"], 1)
                            if c["late_replies"] else None)
    return out


# --- the assessment score ----------------------------------------------------------------------

def _share(num: int, den: int) -> Fraction | None:
    return Fraction(min(max(num, 0), den), den) if den > 0 else None


def _fewer(num: int, den: int) -> Fraction | None:
    """1 − num/den, for "fewer is better" counts (0 when there are as many as letters)."""
    share = _share(num, den)
    return None if share is None else 1 - share


def parts(f: Mapping[str, Any]) -> dict[str, Fraction | None]:
    """The eight parts of the score, each in [0, 1] (None when its denominator is 0)."""
    return {
        "sign_on_time": _share(f["signed_on_time"], f["signed"]),
        "reply_on_time": _share(f["replied_on_time"], f["replied"]),
        "replied": _share(f["replied"], f["handled"]),
        "extensions": _fewer(f["extensions"], f["handled"]),
        "transfers": _fewer(f["transferred"], f["received"]),
        "redos": _fewer(f["redos"], f["replied"]),
        "complaints": _fewer(f["unsatisfied"], f["rated"]),
        "satisfied": _share(f["satisfied"], f["rated"]),
    }


@functools.lru_cache(maxsize=256)
def _weight(value: float) -> Fraction:
    return Fraction(str(value))     # 0.6 is 3/5, not the float nearest to it


def _mean(values: Mapping[str, Fraction | None], names: Iterable[str],
          weights: Weights) -> Fraction | None:
    """The weighted mean of the parts that can be measured (a part with nothing to measure, such
    as satisfaction with no ratings, leaves the mean of the others)."""
    total = weight = Fraction(0)
    for name in names:
        v, w = values[name], _weight(getattr(weights, name))
        if v is not None and w > 0:
            total += w * v
            weight += w
    return total / weight if weight else None


def _round(value: Fraction, places: int) -> float:
    """Half up, on the exact value (so a hand computation gives the same digits)."""
    scale: int = 10 ** places
    return math.floor(value * scale + Fraction(1, 2)) / scale


def assessment(f: Mapping[str, Any], weights: Weights) -> tuple[Fraction | None, Fraction | None,
                                                      Fraction | None]:
    """(efficiency, quality, score out of 100), exact. The score is
    100 × (w_e × efficiency + w_q × quality); when one of the two cannot be measured, 100 × the
    other; None when neither can."""
    p = parts(f)
    efficiency = _mean(p, Weights.EFFICIENCY_PARTS, weights)
    quality = _mean(p, Weights.QUALITY_PARTS, weights)
    if efficiency is None and quality is None:
        return None, None, None
    if efficiency is None or quality is None:
        only = efficiency if efficiency is not None else quality
        assert only is not None
        return efficiency, quality, Fraction(100) * only
    score_ = 100 * (_weight(weights.efficiency) * efficiency + _weight(weights.quality) * quality)
    return efficiency, quality, score_


def score(f: Mapping[str, Any], weights: Weights) -> float | None:
    """The assessment score out of 100, to one decimal (see `assessment`)."""
    value = assessment(f, weights)[2]
    return None if value is None else _round(value, 1)


def scored(f: dict[str, Any], weights: Weights) -> dict[str, Any]:
    """`f` with `efficiency`, `quality` (0–1, 4 places) and `score` (0–100, 1 place)."""
    efficiency, quality, score_ = assessment(f, weights)
    f["efficiency"] = None if efficiency is None else _round(efficiency, 4)
    f["quality"] = None if quality is None else _round(quality, 4)
    f["score"] = None if score_ is None else _round(score_, 1)
    return f


# --- the league table ------------------------------------------------------------------------

def unranked_reason(f: Mapping[str, Any], weights: Weights) -> str | None:
    """Why a listed department has no rank: too few letters, too few ratings, or no score."""
    if f["received"] < weights.min_received:
        return "few_received"
    if f["rated"] < weights.min_rated:
        return "few_rated"
    if f["score"] is None:
        return "no_score"
    return None


@functools.lru_cache(maxsize=4096)
def _scored_row(counters: tuple[tuple[str, int], ...], weights: Weights) -> dict[str, Any]:
    """`scored(figures(counters))`, kept by its counters: a publish recomputes the league
    tables of four periods, and one change moves one department's row of each (the exact
    arithmetic of the rest is not done again). Callers copy the row before adding to it."""
    return scored(figures(dict(counters)), weights)


def league(rows: Mapping[str, Mapping[str, int]], departments: Iterable[str],
           weights: Weights) -> list[dict[str, Any]]:
    """One row per department (all listed, even with no letters), ranked by score, then letters
    received; equal scores share a rank. A department with fewer than `min_received` letters or
    `min_rated` ratings is listed but not ranked (`rank` None, `unranked_reason` says why)."""
    table = []
    for dept in departments:
        counters = rows.get(dept, {})
        f = dict(_scored_row(tuple(sorted((k, int(v)) for k, v in counters.items())),
                             weights))
        f["department"] = dept
        f["unranked_reason"] = unranked_reason(f, weights)
        f["ranked"] = f["unranked_reason"] is None
        table.append(f)
    ranked = sorted((r for r in table if r["ranked"]),
                    key=lambda r: (-r["score"], -r["received"], r["department"]))
    position = 0
    previous: tuple[Any, ...] | None = None
    for i, r in enumerate(ranked, 1):
        if (r["score"], r["received"]) != previous:
            position, previous = i, (r["score"], r["received"])
        r["rank"] = position
    for r in table:
        r.setdefault("rank", None)
    three_rates.class_ranks(table, weights.size_classes)
    table.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["department"]))
    return table


def with_rank_changes(table: list[dict[str, Any]], previous: list[dict[str, Any]] | None
                      ) -> list[dict[str, Any]]:
    """Each row with `previous_rank`, `rank_change` (places gained: + up, − down) and `movement`:
    `up`, `down`, `same`, `new` (ranked now but not in the previous period) or None (not ranked
    now, or no previous period to compare with)."""
    before = {r["department"]: r.get("rank") for r in previous or []}
    for r in table:
        was = before.get(r["department"])
        r["previous_rank"] = was
        r["rank_change"] = None
        r["movement"] = None
        if previous is None or r.get("rank") is None:
            continue
        if was is None:
            r["movement"] = "new"
            continue
        r["rank_change"] = was - r["rank"]
        r["movement"] = ("up" if r["rank_change"] > 0 else
                         "down" if r["rank_change"] < 0 else "same")
    return table


def totals(rows: Mapping[str, Mapping[str, int]]) -> dict[str, Any]:
    """The whole city's figures for a period (sum over departments)."""
    sums: Counter[str] = Counter()
    for counters in rows.values():
        sums.update({k: int(v) for k, v in counters.items()})
    return figures(sums)
