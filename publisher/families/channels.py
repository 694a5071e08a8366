"""The channel figures (来信渠道): `/data/channels-{period}.json` and `.csv`, letters received,
replied and rated by channel (web, phone, SMS, fax, e-mail, visit, app, WeChat) and department,
for every period with letters (all, YYYY, YYYY-Qn, YYYY-MM), and the channel table of the
`/data/` page (the latest year with letters).

They are counted from the open-data rows (`chalicelib.domain.channels.table`), so anyone can
recompute them from `/data/letters-{YYYY-MM}.json`: a letter counts in the month it was
received (its `submitted_at`, China time) and under the department it is with now.

What it reads: a change to a letter makes the four periods of its month stale (the month, its
quarter, its year and all) and the `/data/` page's table. A period's file reads the stored rows
of its months, one read per month shared with the month files through the snapshot (so `all`
reads every month's small rows: the cost grows with the months, not the letters' histories).
"""
from __future__ import annotations

import csv
import io
import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from chalicelib.domain import channels
from chalicelib.domain.statistics import month_of, periods_of_month
from chalicelib.services.ports import Change

from ..content import Content
from ..i18n import period_label
from ..keys import PageKey
from ..snapshot import Snapshot
from .family import Family

if TYPE_CHECKING:
    from ..render import Output, Renderer


def data_path(period: str, ext: str) -> str:
    return f"data/channels-{period}.{ext}"


def periods(snap: Snapshot) -> list[str]:
    """The periods with letters: all, the years, the quarters, the months (as the league)."""
    return channels.periods_of_months(snap.submitted_months())


def reads(change: Change, snap: Snapshot, content: Content) -> set[PageKey]:
    keys: set[PageKey] = set()
    memo = getattr(snap, "memo", None)
    stale = memo.setdefault(STALE, set()) if isinstance(memo, dict) else None
    for letter_id in change.letters:
        letter = snap.get_letter(letter_id) if isinstance(letter_id, str) else None
        if letter is None:
            if isinstance(memo, dict):
                memo[STALE] = None     # a month we cannot name: count every month afresh
                stale = None
            continue
        if stale is not None:
            stale.add(month_of(letter.submitted_at))
        for period in periods_of_month(month_of(letter.submitted_at)):
            keys.add(("channels_data", period))
        keys.add(("data_index",))             # its channel table (open_data.data_index)
    return keys


def figures(snap: Snapshot, period: str, content: Content | None = None) -> dict[str, Any]:
    """The channel table of `period` from its months' open-data rows."""
    cells = channels.add_cells(month_cells(snap, month)
                               for month in channels.months_in(period, snap.submitted_months()))
    names = {d.id: d.name for d in content.departments} if content is not None else None
    return channels.table_of_cells(cells, names)


STALE = "channel_stale_months"      # snap.memo: the months this publish's changes touched
CELLS_KEY = "channels:"             # + YYYY-MM: a month's counts, kept in the store


def month_cells(snap: Snapshot, month: str) -> channels.Cells:
    """One month's counts, made once per snapshot: the month, its quarter, its year, `all`
    and the /data/ table of one build all sum them instead of recounting the rows.

    Between builds a month's counts are kept in the store (`put_search_state`, key
    `channels:YYYY-MM`): an incremental publish recounts only the months its changes touched
    (every change to a letter's open-data row is a change naming the letter, and `reads`
    collects their months) and takes the others' as the last publish of them left them, so
    `all` costs the months, not the letters. A full build (no `reads`) recounts every month
    from the rows and stores them again."""
    memo = getattr(snap, "memo", None)
    if not isinstance(memo, dict):
        return channels.cells_of(snap.open_rows_in_month(month))
    cells = memo.setdefault("channel_cells", {}).get(month)
    if cells is not None:
        return cells
    stale = memo.get(STALE)
    if stale is not None and month not in stale:
        kept = _kept_cells(snap).get(month)
        if kept is not None:
            memo["channel_cells"][month] = kept
            return kept
    return remember_cells(snap, month, channels.cells_of(snap.open_rows_in_month(month)))


def remember_cells(snap: Snapshot, month: str, cells: channels.Cells) -> channels.Cells:
    """A month's counts just made from its rows, for this snapshot and in the store (the open
    data file counts them as it writes the rows, `open_data.letters_data`)."""
    memo = getattr(snap, "memo", None)
    if isinstance(memo, dict):
        memo.setdefault("channel_cells", {})[month] = cells
    put = getattr(snap.store, "put_search_state", None)
    if put is not None:
        put(CELLS_KEY + month, {"cells": [[ch, dept, dict(c)] for (ch, dept), c in
                                          sorted(cells.items(), key=lambda kv: (kv[0][0],
                                                                                kv[0][1] or ""))]})
    return cells


def _kept_cells(snap: Snapshot) -> dict[str, channels.Cells]:
    memo = snap.memo
    if "channel_kept" not in memo:
        kept: dict[str, channels.Cells] = {}
        state = getattr(snap.store, "search_state", None)
        for key, doc in (state() if state is not None else {}).items():
            if key.startswith(CELLS_KEY) and isinstance(doc.get("cells"), list):
                kept[key.removeprefix(CELLS_KEY)] = {
                    (ch, dept): Counter(counts) for ch, dept, counts in doc["cells"]}
        memo["channel_kept"] = kept
    return memo["channel_kept"]


def latest_year(snap: Snapshot) -> str | None:
    months = snap.submitted_months()
    return months[-1][:4] if months else None


def channels_data(r: Renderer, period: str) -> Output:
    table = figures(r.snap, period, r.content)
    if not table["rows"]:
        return []
    doc = {
        "period": period,
        "generated_from": "the rows of /data/letters-YYYY-MM.json of the period's months: one "
                          "per letter received (submitted_at, China time), counted under its "
                          "channel and the department it is with now (null: not dispatched)",
        "formulas": {
            "received": "rows", "valid": "rows whose status is not rejected",
            "replied": "rows with replied_at", "reply_rate": "replied / valid",
            "rated": "rows with a rating", "satisfaction_rate":
                "(satisfied + basically_satisfied) / rated",
        },
        "columns": list(channels.COLUMNS),
        # (period_label after the channels: a Chinese string after the last channel's name)
        "channels": table["channels"], "period_label": period_label(period),
        "total": table["total"],
        "rows": table["rows"],
    }
    head = json.dumps({k: v for k, v in doc.items() if k != "rows"}, ensure_ascii=False)[:-1]
    body = (head + ', "rows": [\n'
            + ",\n".join(json.dumps(row, ensure_ascii=False) for row in table["rows"])
            + "\n]}\n")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(channels.COLUMNS)
    for row in table["rows"]:
        writer.writerow(["" if row[c] is None else row[c] for c in channels.COLUMNS])
    return [(data_path(period, "csv"), buf.getvalue().encode("utf-8")),
            (data_path(period, "json"), body.encode("utf-8"))]


def site_pages(snap: Snapshot, content: Content) -> list[PageKey]:
    return [("channels_data", p) for p in periods(snap)]


def owns(key: PageKey) -> list[str] | None:
    if key[0] == "channels_data":
        return [data_path(key[1], "csv"), data_path(key[1], "json")]
    return None


FAMILY = Family(
    name="channels",
    renderers={"channels_data": channels_data},
    pages=site_pages,
    reads=reads,
    owns=owns,
    deferred=True,
)
