"""The open data (开放数据): `/data/letters-{YYYY-MM}.json` and `.csv`, every letter received in a
month (China time), one row each, personal data left out (`chalicelib.domain.open_data`), and the
index of the data files, `/data/` (both languages).

Rows. A month's letters are numbered 1, 2, … in the order they were submitted (then by id, for
letters submitted in the same microsecond): `row` says nothing of a letter's id, and it is
stable, since a letter's submission time never changes and later letters are submitted later
(an import of old letters into a month renumbers that month only, whose file it changes anyway).
So a month's file changes only when one of its letters does.

What it reads: the month file of each letter a change names (the store already holds the
change's result: a submission, dispatch, sign-in, reply, rating, re-do, extension, transfer,
approval…): one read per letter and one read of that month, streamed a batch at a time into the
two files (`publisher.spool`), so that a month of any size takes a batch of memory. The index
lists the months with letters and the league periods: it is stale when a month gets its first
letter or the change moved figures (a league period may have come).
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

from chalicelib.domain import channels as channel_domain
from chalicelib.domain import open_data
from chalicelib.domain.statistics import month_of
from chalicelib.services.ports import Change

from ..content import Content
from ..i18n import period_label
from ..keys import MONTH, PageKey, is_letter_id, league_periods, periods_of
from ..snapshot import Snapshot
from ..spool import Spool
from . import channels
from .family import Family

if TYPE_CHECKING:
    from ..render import Output, Renderer

FORMULAS_URL = "/league/#formula-h"   # the league page's "how the figures are calculated"


def data_path(month: str, ext: str) -> str:
    return f"data/letters-{month}.{ext}"


def reads(change: Change, snap: Snapshot, content: Content) -> set[PageKey]:
    keys: set[PageKey] = set()
    for letter_id in change.letters:
        letter = snap.get_letter(letter_id) if isinstance(letter_id, str) else None
        if letter is None:
            continue
        month = month_of(letter.submitted_at)
        keys.add(("letters_data", month))
        if snap.count_submitted_in_month(month) <= 1:
            keys.add(("data_index",))       # the month's first letter: a new month file
    if periods_of(change):
        keys.add(("data_index",))
    return keys


def _numbered(n: int, row: dict) -> dict:
    """A stored row numbered `n`, the columns in their order, and a url only where the
    letter's id can be one (as its page is skipped otherwise, `is_letter_id`)."""
    url = row.get("url")
    if url and not is_letter_id(url.removeprefix("/letters/").removesuffix("/")):
        url = None
    return {c: n if c == "row" else url if c == "url" else
            [open_data.complete_stint(s) for s in row.get(c) or []] if c == "stints"
            else row.get(c) for c in open_data.COLUMNS}


BATCH = 500     # rows formatted before they are written to the month's files


def letters_data(r: Renderer, month: str) -> Output:
    """The month's JSON and CSV, written a batch of rows at a time into spools (`spool`):
    the rows are the store's, beside the letters (one small read each), read in batches and
    never held together, so a month of any size costs a batch of memory."""
    rows_json, csv_file = Spool(), Spool()
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(open_data.COLUMNS)
    parts: list[str] = []
    # the month's channel counts from the rows as they go by, so the channel files (rendered
    # after every month file in a full build) never read a month's rows again
    cells: channel_domain.Cells = {}

    def flush() -> None:
        if parts:
            rows_json.write((",\n" if rows_json.size else "").encode()
                            + ",\n".join(parts).encode("utf-8"))
            parts.clear()
        csv_file.write(buf.getvalue().encode("utf-8"))
        buf.seek(0)
        buf.truncate()

    def numbered() -> Iterator[dict]:
        for n, stored in enumerate(r.snap.open_rows_in_month(month), 1):
            channel_domain.add_row(cells, stored)
            row = _numbered(n, stored)
            parts.append(json.dumps(row, ensure_ascii=False))
            writer.writerow([_cell(row[c]) for c in open_data.COLUMNS])
            if len(parts) >= BATCH:
                flush()
            yield row

    # received, valid, duplicate, invalid: `open_data.month_counts` (from `status` and
    # `duplicate`; valid = received - invalid - duplicate), counted as the rows are written
    counts = open_data.month_counts(numbered())
    flush()
    if not counts["received"]:
        return []
    channels.remember_cells(r.snap, month, cells)
    doc = {
        "period": month, "period_label": period_label(month),
        **counts,
        "generated_from": "every letter submitted in the month (China time), one row each; "
                          "personal data, ids and texts left out; url only for a letter "
                          "published on the site",
        "formulas": FORMULAS_URL,
        "league_data": f"/data/league-{month}.json",
        "recompute": ("for each stint, add it to (stint.department, month of "
                      "stint.dispatched_at): received 1, signed (signed_at set), "
                      "signed_on_time, transferred, rejected, replied (replied_at set), "
                      "replied_on_time, reply_working_days, overdue, extensions, redos, "
                      "late_replies (count, and days from due to the China date of "
                      "replied_at), published, rated and each score from ratings, kept, "
                      "duplicates (duplicate), resolved / partly_resolved / unresolved "
                      "(each yes / partly / no of resolutions); the "
                      "month rolls up into its quarter, its year and all; then the formulas "
                      "of the league data files"),
        "columns": list(open_data.COLUMNS),
        "stint_columns": list(open_data.STINT_FIELDS),
    }
    head = json.dumps(doc, ensure_ascii=False)[:-1]
    body = Spool()
    body.write((head + ', "rows": [\n').encode("utf-8"))
    body.extend(rows_json)
    body.write(b"\n]}\n")
    rows_json.close()
    return [(data_path(month, "csv"), csv_file), (data_path(month, "json"), body)]


def _cell(value: object) -> object:
    """A CSV cell: empty for none, JSON for the stints (a list in one cell)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value


def data_index(r: Renderer) -> Output:
    months = list(reversed(r.snap.submitted_months()))
    # all time, then the years, the quarters and the months, newest first
    periods = sorted(league_periods(r.snap), reverse=True)
    periods = ([p for p in periods if p == "all"] + [p for p in periods if len(p) == 4]
               + [p for p in periods if "-Q" in p] + [p for p in periods if MONTH.match(p)])
    # the channel figures (families/channels.py): their periods, the latest year's table
    year = channels.latest_year(r.snap)
    channel_periods = sorted(channels.periods(r.snap), reverse=True)
    channel_periods = ([p for p in channel_periods if p == "all"]
                       + [p for p in channel_periods if len(p) == 4]
                       + [p for p in channel_periods if "-Q" in p]
                       + [p for p in channel_periods if MONTH.match(p)])
    return r.html("data/index.html", "data.html", "league", months=months, periods=periods,
                  weeks=r.snap.list_weeks(), columns=open_data.COLUMNS,
                  stint_columns=open_data.STINT_FIELDS, channel_periods=channel_periods,
                  channel_year=year, channel_labels=channel_domain.LABELS,
                  channel_table=channels.figures(r.snap, year) if year else None)


def site_pages(snap: Snapshot, content: Content) -> list[PageKey]:
    return [("data_index",)] + [("letters_data", m) for m in snap.submitted_months()]


def owns(key: PageKey) -> list[str] | None:
    if key[0] == "letters_data" and MONTH.match(key[1]):
        return [data_path(key[1], "csv"), data_path(key[1], "json")]
    return None


FAMILY = Family(
    name="open_data",
    renderers={"letters_data": letters_data, "data_index": data_index},
    pages=site_pages,
    reads=reads,
    owns=owns,
    deferred=True,
)
