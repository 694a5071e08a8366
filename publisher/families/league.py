"""The league tables (排行榜): `/league/` (the current month, quarter and year and the whole
time), `/league/{period}/` for every period with figures, and their data files
`/data/league-{period}.json` and `.csv` (every counter and rate, for people's programs).

What it reads: the statistics of a change's periods. A period's table shows each department's
rank change against the period before, so a change to October's figures re-renders November's
table too. The HTML pages show no counter of `LEAGUE_PAGES_OMIT`: a change that moved only those
(an approval that publishes: `published`) leaves them as they are; the data files have every
counter.
"""
from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING

from chalicelib.domain.rates import by_class, size_classes
from chalicelib.domain.statistics import (
    RATES,
    league,
    next_period,
    previous_period,
    with_rank_changes,
)
from chalicelib.services.ports import Change

from ..content import Content
from ..i18n import period_label
from ..keys import MONTH, PageKey, is_department_id, league_periods, periods_of
from ..snapshot import Snapshot
from .family import Family

if TYPE_CHECKING:
    from ..render import Output, Renderer

# statistics counters no league page (HTML) shows: only the data files and department pages
LEAGUE_PAGES_OMIT = frozenset({"published"})

# names are stable (people's programs read them): add new columns at the end, never rename.
DATA_COLUMNS: tuple[str, ...] = (
    "rank", "department", "department_name", "received", "replied", "reply_rate",
    "replied_on_time", "on_time_rate", "overdue", "rated", "satisfied", "basically_satisfied",
    "unsatisfied", "satisfaction_rate", "score", "ranked", "handled", "transferred", "rejected",
    "signed", "signed_on_time", "sign_on_time_rate", "avg_working_days", "extensions", "redos",
    "published",
    # the assessment (考核) and the rank change against the previous period
    "efficiency", "quality", "unranked_reason", "previous_rank", "rank_change", "movement",
    "satisfied_rate", "unsatisfied_rate", "extension_rate", "transfer_rate", "redo_rate",
    "late_replies", "late_reply_days", "avg_days_late",
    # each rate's 95 % Wilson score interval
    *(f"{rate}_{end}" for rate in RATES for end in ("low", "high")),
    # replies rated 不满意 that the office kept instead of a re-do (they stay in `unsatisfied`)
    "kept",
    # screening (重复件): letters rejected as duplicates (also in `rejected`), and the valid ones
    "duplicates", "valid",
    # the three rates of Beijing's 12345 (响应率、解决率、满意率) and ranking by size class
    # (分档): domain/rates.py
    "responded", "response_rate", "response_rate_low", "response_rate_high",
    "resolved", "partly_resolved", "unresolved", "resolution_answers", "resolution_rate",
    "resolution_rate_low", "resolution_rate_high", "size_class", "class_rank",

    # conduct complaints (效能投诉) received about the department (not letters it handled)
    "conduct_complaints",
)


def reads(change: Change, snap: Snapshot, content: Content) -> set[PageKey]:
    periods = periods_of(change)
    if not periods:
        return set()
    keys: set[PageKey] = set()
    pages = change.counters is None or bool(set(change.counters) - LEAGUE_PAGES_OMIT)
    if pages:
        keys.add(("league",))
    existing = set(league_periods(snap))
    for period in periods:
        # the next period's table shows rank changes against this one
        following = next_period(period)
        for p in (period, following) if following in existing else (period,):
            keys.add(("league_data", p))
            if pages:
                keys.add(("league_period", p))
    return keys


# --- the pages ----------------------------------------------------------------------------------

def _league(r: Renderer, period: str) -> list[dict]:
    """The period's table with each department's rank change against the period before
    (which is why a change to October's figures re-renders November's page too)."""
    leagues = r.memo("league")
    cached = leagues.get(period)
    if cached is None:
        before = previous_period(period)
        previous = (_base_league(r, before)
                    if before and before in league_periods(r.snap) else None)
        cached = leagues[period] = with_rank_changes(
            [dict(row) for row in _base_league(r, period)], previous)
    return [dict(row) for row in cached]


def _base_league(r: Renderer, period: str) -> list[dict]:
    bases = r.memo("league_base")
    cached = bases.get(period)
    if cached is None:
        cached = bases[period] = _compute_league(r, period)
    return cached


def _compute_league(r: Renderer, period: str) -> list[dict]:
    rows = r.snap.stats(period)
    ids = list(r.content.department_ids())
    ids += sorted(d for d in rows if d not in ids and is_department_id(d))
    table = league(rows, ids, r.weights)
    for row in table:
        info = r.dept(row["department"])
        row["department_name"] = info["name"]  # type: ignore[index]
        row["department_name_en"] = info["name_en"]  # type: ignore[index]
    return table


def _periods(r: Renderer) -> dict[str, list[str]]:
    periods = league_periods(r.snap)
    return {"months": [p for p in periods if MONTH.match(p)],
            "quarters": [p for p in periods if "-Q" in p],
            "years": [p for p in periods if len(p) == 4]}


def _table(r: Renderer, period: str) -> dict:
    before = previous_period(period)
    rows = _league(r, period)
    return {"period": period, "rows": rows,
            "previous": before if before in league_periods(r.snap) else None,
            # 分档: the same rows by size class (domain/rates.py), for `_rates.html`
            "classes": by_class(rows, r.weights.size_classes)}


def league_page(r: Renderer) -> Output:
    groups = _periods(r)
    current = [groups[k][-1] for k in ("months", "quarters", "years") if groups[k]]
    current.append("all")
    tables = [_table(r, p) for p in current]
    history = {k: list(reversed(v)) for k, v in groups.items()}
    return r.html("league/index.html", "league.html", "league", tables=tables,
                  history=history, weights=r.weights)


def league_period(r: Renderer, period: str) -> Output:
    return r.html(f"league/{period}/index.html", "league_period.html", "league",
                  period=period, table=_table(r, period), weights=r.weights)


def league_data(r: Renderer, period: str) -> Output:
    rows = [{c: row.get(c) for c in DATA_COLUMNS} for row in _league(r, period)]
    w = r.weights
    doc = {
        "period": period, "period_label": period_label(period),
        "previous_period": _table(r, period)["previous"],
        "weights": w.as_dict(),
        "formulas": {
            "reply_rate": "replied / (received - transferred - rejected)",
            "on_time_rate": "replied_on_time / replied",
            "sign_on_time_rate": "signed_on_time / signed",
            "satisfaction_rate": "(satisfied + basically_satisfied) / rated",
            "satisfied_rate": "satisfied / rated",
            "unsatisfied_rate": "unsatisfied / rated",
            "extension_rate": "extensions / (received - transferred - rejected)",
            "transfer_rate": "transferred / received",
            "conduct_complaints": "complaints about the department's conduct (效能投诉), "
                                  "counted in the month received; handled by the "
                                  "supervising office, so not in this row's received",
            "valid": "received - rejected (rejected counts invalid and duplicate letters; "
                     "duplicates: those rejected as a duplicate of another letter)",
            "redo_rate": "redos / replied",
            "efficiency": (f"weighted mean of sign_on_time_rate ({w.sign_on_time}), "
                           f"on_time_rate ({w.reply_on_time}), reply_rate ({w.replied}) "
                           f"and 1 - extension_rate ({w.extensions}), over the parts that "
                           "can be measured; each rate capped to 0..1"),
            "quality": (f"weighted mean of 1 - transfer_rate ({w.transfers}), 1 - redo_rate "
                        f"({w.redos}), 1 - unsatisfied_rate ({w.complaints}) and "
                        f"satisfied_rate ({w.satisfied}), over the parts that can be "
                        "measured; each rate capped to 0..1"),
            "score": (f"100 * ({w.efficiency} * efficiency + {w.quality} * quality), "
                      "rounded half up to 0.1; 100 * the other when efficiency or quality "
                      "cannot be measured"),
            "rank": (f"by score, then received; only with received >= {w.min_received} "
                     f"and rated >= {w.min_rated}"),
            "rank_change": "previous_rank - rank (positive: up), against previous_period",
            "interval": "{rate}_low and {rate}_high: the 95% Wilson score interval",
            "response_rate": "signed_on_time / received (responded = signed_on_time: a "
                             "letter signed for within its limit counts as responded to)",
            "resolution_rate": "(resolved + partly_resolved / 2) / resolution_answers "
                               "(resolution_answers = resolved + partly_resolved + "
                               "unresolved: ratings that answered whether the problem was "
                               "solved); interval: Wilson 95% with p = resolution_rate, "
                               "n = resolution_answers",
            "size_class": ("letters received in the period: "
                           + ", ".join(size_classes(w.size_classes))
                           + "; none with no letters"),
            "class_rank": "rank among the ranked departments of the same size_class, "
                          "in the order of rank",
        },
        "columns": list(DATA_COLUMNS), "rows": rows,
    }
    body = _json_rows(doc)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(DATA_COLUMNS)
    for row in rows:
        writer.writerow(["" if row[c] is None else row[c] for c in DATA_COLUMNS])
    return [(f"data/league-{period}.csv", buf.getvalue().encode("utf-8")),
            (f"data/league-{period}.json", body.encode("utf-8"))]


def _json_rows(doc: dict) -> str:
    """JSON with one table row per line: readable, and fast (the C encoder does the rows)."""
    rows = doc.pop("rows")
    head = json.dumps(doc, ensure_ascii=False)[:-1]
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    return head + ', "rows": [\n' + ",\n".join(lines) + "\n]}\n"


def site_pages(snap: Snapshot, content: Content) -> list[PageKey]:
    keys: list[PageKey] = [("league",)]
    for period in league_periods(snap):
        keys += [("league_period", period), ("league_data", period)]
    return keys


FAMILY = Family(
    name="league",
    renderers={"league": league_page, "league_period": league_period, "league_data": league_data},
    pages=site_pages,
    reads=reads,
)
