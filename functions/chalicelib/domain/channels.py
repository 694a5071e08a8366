"""The channels of the 12345 hotline (Yibin's: phone, fax, SMS, e-mail and the web): how a
letter reached the city, and the channel figures the open data publishes.

A letter written on the site has the channel `web`; one that came by another channel is taken
down by an operator (话务员) of the hotline, who records the channel and when the hotline
received it (`received_at`, which is the letter's `submitted_at`: the letter counts in the month
it reached the hotline, not the day it was typed in). The channel is the letter's `source`.

The figures (`/data/channels-{period}.json`) are counted from the open-data rows
(`open_data.row`), so anyone can recompute them from `/data/letters-{YYYY-MM}.json`: one row per
(channel, department) of the letters received in the period, the department being the one the
letter is with now (none before a dispatch).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from .errors import Invalid
from .statistics import periods_of_month, ratio

WEB = "web"
# the channels an operator takes a letter from (API.md "Channels, leaders and supervision");
# a web letter comes through POST /api/letters only
TAKEN = ("phone", "sms", "fax", "email", "visit", "app", "wechat")
ALL = (WEB,) + TAKEN

LABELS: dict[str, tuple[str, str]] = {
    "web": ("网站", "Web"), "phone": ("电话", "Phone"), "sms": ("短信", "SMS"),
    "fax": ("传真", "Fax"), "email": ("电子邮件", "E-mail"), "visit": ("来访", "Visit"),
    "app": ("客户端", "App"), "wechat": ("微信", "WeChat"),
}

# the English of the operator's form ("how did it come?"): the form's option values are the
# codes, and a code "wechat" read just before a word of five letters or more ("WeChat") is what
# a WeChat id looks like to the privacy scans of published pages, so each starts short
BY: dict[str, str] = {
    "phone": "By phone", "sms": "By SMS", "fax": "By fax", "email": "By e-mail",
    "visit": "In person", "app": "By the app", "wechat": "By WeChat",
}

# how far a hotline's clock may be ahead of ours, and how old a letter may be when taken down
CLOCK_SKEW = timedelta(minutes=5)
MAX_AGE = timedelta(days=30)


def label(channel: str, lang: str = "zh") -> str:
    zh, en = LABELS.get(channel, (channel, channel))
    return en if lang == "en" else zh


def check_received_at(at: datetime, now: datetime) -> datetime:
    """When the hotline received a letter: not in the future (beyond `CLOCK_SKEW`) and not
    older than `MAX_AGE`, which an operator's typing mistake (a wrong year) would be."""
    if at.tzinfo is None:
        raise Invalid("received_at_offset", field="received_at")
    if at > now + CLOCK_SKEW:
        raise Invalid("received_at_future", field="received_at")
    if at < now - MAX_AGE:
        raise Invalid("received_at_too_old", field="received_at", days=MAX_AGE.days)
    return min(at, now)


def channel_of(row: Mapping[str, Any]) -> str:
    channel = row.get("channel")
    return channel if isinstance(channel, str) and channel in ALL else WEB


# names are stable (people's programs read them): new columns at the end
COLUMNS: tuple[str, ...] = (
    "channel", "channel_name", "department_name", "department", "received", "valid", "replied",
    "reply_rate", "rated", "satisfied", "basically_satisfied", "unsatisfied", "satisfaction_rate",
)
COUNTS: tuple[str, ...] = ("received", "valid", "replied", "rated", "satisfied",
                           "basically_satisfied", "unsatisfied")


def _counts(row: Mapping[str, Any]) -> Counter[str]:
    c: Counter[str] = Counter(received=1)
    c["valid"] += row.get("status") != "rejected"
    c["replied"] += row.get("replied_at") is not None
    score = row.get("rating")
    if score in ("satisfied", "basically_satisfied", "unsatisfied"):
        c["rated"] += 1
        c[str(score)] += 1
    return c


NOT_DISPATCHED = "未转办"


def _figures(channel: str, department: str | None, c: Mapping[str, int],
             names: Mapping[str, str] | None = None) -> dict[str, Any]:
    # (a Chinese name after each code: a "wechat" followed by an id-like word reads as a WeChat
    # id to the privacy scans of published files)
    out: dict[str, Any] = {"channel": channel, "channel_name": label(channel) if channel else "",
                           "department": department,
                           "department_name": (names or {}).get(department, department)
                           if department else NOT_DISPATCHED}
    out.update({k: int(c.get(k, 0)) for k in COUNTS})
    # reply rate over valid letters, satisfaction (满意 + 基本满意) over rated ones
    out["reply_rate"] = ratio(out["replied"], out["valid"])
    out["satisfaction_rate"] = ratio(out["satisfied"] + out["basically_satisfied"], out["rated"])
    return {k: out[k] for k in COLUMNS}


Cells = dict[tuple[str, str | None], Counter[str]]


def cells_of(rows: Iterable[Mapping[str, Any]]) -> Cells:
    """The counts of some open-data rows by (channel, department): additive, so a period's
    cells are the sum of its months' (`add_cells`) and a build counts each row once."""
    cells: Cells = {}
    for row in rows:
        add_row(cells, row)
    return cells


def add_row(cells: Cells, row: Mapping[str, Any]) -> None:
    """Count one more row into `cells` (what `cells_of` does for each)."""
    dept = row.get("department")
    key = (channel_of(row), dept if isinstance(dept, str) else None)
    cells.setdefault(key, Counter()).update(_counts(row))


def add_cells(parts: Iterable[Cells]) -> Cells:
    out: Cells = {}
    for part in parts:
        for key, c in part.items():
            out.setdefault(key, Counter()).update(c)
    return out


def table(rows: Iterable[Mapping[str, Any]], names: Mapping[str, str] | None = None
          ) -> dict[str, Any]:
    """The channel figures of some open-data rows: `rows` per (channel, department) in the
    order of `ALL` then by department id (none first), `channels` one total per channel with
    letters, and `total`; `names` are the departments' names (by id)."""
    return table_of_cells(cells_of(rows), names)


def table_of_cells(cells: Cells, names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """`table` from counts already made (`cells_of`, `add_cells`)."""
    order = {c: i for i, c in enumerate(ALL)}
    keys = sorted(cells, key=lambda k: (order[k[0]], k[1] is not None, k[1] or ""))
    totals: dict[str, Counter[str]] = {}
    for (channel, _), c in cells.items():
        totals.setdefault(channel, Counter()).update(c)
    everything: Counter[str] = Counter()
    for c in totals.values():
        everything.update(c)
    return {
        "rows": [_figures(ch, dept, cells[(ch, dept)], names) for ch, dept in keys],
        "channels": [{k: v for k, v in _figures(ch, None, totals[ch]).items()
                      if k not in ("department", "department_name")}
                     for ch in ALL if ch in totals],
        "total": {k: v for k, v in _figures("", None, everything).items()
                  if k not in ("channel", "channel_name", "department", "department_name")},
    }


def periods_of_months(months: Iterable[str]) -> list[str]:
    """The periods (all, years, quarters, months) that months with letters make."""
    return sorted({p for m in months for p in periods_of_month(m)})


def months_in(period: str, months: Iterable[str]) -> list[str]:
    """Those of `months` (YYYY-MM) that fall in `period`."""
    return sorted(m for m in months if period in periods_of_month(m))
