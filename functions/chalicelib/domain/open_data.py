"""Letter-level open data (`/data/letters-{YYYY-MM}.json` and `.csv`): one row per letter received
in a month, with nothing private in it, from which anyone can recompute every league figure.

A row holds the fields of API.md in their order (`FIELDS`), then the extensions (`EXTENSIONS`,
README "Extensions"): `stints`, the letter's time with each department it was dispatched to, in
the words of `statistics.contributions`. The league counts a letter once per dispatch ("a stint"),
in the month the department received it, so a transferred letter counts for two departments;
a letter re-done after an unsatisfied rating is rated twice; a red light recorded by the
scheduled job makes a letter overdue even if it was answered later. None of that can be told
from one department and one rating per letter, so each stint says it. Summing the stints of
every row by (department, month of `dispatched_at`) gives the league's counters exactly
(`tests/publisher/test_open_data.py` recomputes every published league file from these rows).

Privacy (DESIGN.md invariant 2): a row never holds the letter's id, tracking code, subject, body,
reply, name or contact details; only a letter on the public site has its `url` (which names its
id, as its page does). Everything else is dates, codes and counts.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from . import channels
from .deadlines import CHINA_TZ
from .letters import Letter

FIELDS: tuple[str, ...] = (
    "row", "type", "category", "department", "channel", "submitted_at", "dispatched_at",
    "signed_at", "replied_at", "sign_due", "reply_due", "status", "rating", "redos",
    "extensions", "transferred", "url",
)
# added after `url`, never renamed (people's programs read them)
EXTENSIONS: tuple[str, ...] = ("stints", "duplicate",
                                # the last rating's answer to "was it solved?": yes, partly,
                                # no or null (rates.py, the resolution rate 解决率)
                                "resolved")
COLUMNS: tuple[str, ...] = FIELDS + EXTENSIONS

# the channels of API.md ("Channels, leaders and supervision"); a letter's `source` names one,
# or is a provenance such as "import" (the real published messages, written on the web mailbox)
CHANNELS = frozenset(channels.ALL)

# the keys of one stint, in order
STINT_FIELDS: tuple[str, ...] = (
    "department", "dispatched_at", "signed_at", "sign_on_time", "replied_at", "reply_on_time",
    "reply_working_days", "overdue", "transferred", "rejected", "extensions", "redos",
    "late_replies", "published", "ratings", "kept",
    # rejected as a duplicate of another letter (重复件; `rejected` is true too)
    "duplicate",
    # each rating's answer to "was it solved?" (yes, partly, no), where the writer gave one
    "resolutions",
)


def iso(at: datetime | None) -> str | None:
    """China time to the second, with its offset (as every data file writes times)."""
    return at.astimezone(CHINA_TZ).replace(microsecond=0).isoformat() if at else None


def _stint(department: str, at: datetime | None) -> dict[str, Any]:
    return {"department": department, "dispatched_at": iso(at), "signed_at": None,
            "sign_on_time": None, "replied_at": None, "reply_on_time": None,
            "reply_working_days": None, "overdue": False, "transferred": False,
            "rejected": False, "extensions": 0, "redos": 0, "late_replies": [],
            "published": False, "ratings": [], "kept": 0, "duplicate": False,
            "resolutions": []}


def complete_stint(stint: dict[str, Any]) -> dict[str, Any]:
    """A stored stint with every field of `STINT_FIELDS`, in order: a row stored before a field
    was added (`resolutions`) gets the field's empty value, which is what its history gives."""
    if list(stint) == list(STINT_FIELDS):
        return stint
    empty = _stint("", None)
    return {f: stint[f] if f in stint else empty[f] for f in STINT_FIELDS}


def stints(history: Iterable[Any]) -> list[dict[str, Any]]:
    """A letter's stints, folded from its history exactly as `statistics.contributions` folds
    it into counters (the same events, the same once-per-stint rules)."""
    out: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    published = False
    by_reply: dict[int, dict[str, Any]] = {}
    for e in history:
        a = e.action
        if a == "dispatch":
            current = _stint(e.data["department"], e.at)
            out.append(current)
        elif current is None:
            continue
        elif a == "sign":
            current["signed_at"] = iso(e.at)
            current["sign_on_time"] = bool(e.data.get("on_time"))
        elif a == "transfer":
            current["transferred"] = True
        elif a == "reject":
            current["rejected"] = True
            current["duplicate"] = bool(e.data.get("duplicate_of"))
        elif a == "request_extension":
            current["extensions"] += 1
        elif a == "light" and e.data.get("to") == "red":
            current["overdue"] = True
        elif a == "reply":
            by_reply[e.data.get("reply_n", 0)] = current
            if current["replied_at"] is None:
                current["replied_at"] = iso(e.at)
                current["reply_on_time"] = bool(e.data.get("on_time"))
                current["reply_working_days"] = int(e.data.get("working_days_x100", 0)) / 100
                if not e.data.get("on_time"):
                    current["overdue"] = True
            if e.data.get("on_time") is False and e.data.get("due"):
                current["late_replies"].append({"replied_at": iso(e.at), "due": e.data["due"]})
        elif a == "approve" and e.data.get("publish") and not published:
            published = current["published"] = True
        elif a == "redo":
            current["redos"] += 1
        elif a == "rate":
            rated = by_reply.get(e.data.get("reply_n", 0), current)
            rated["ratings"].append(e.data["score"])
            if e.data.get("resolved"):
                rated["resolutions"].append(e.data["resolved"])
        elif a == "keep_reply":
            by_reply.get(e.data.get("reply_n", 0), current)["kept"] += 1
    return out


def _last(history: Iterable[Any], action: str) -> Any:
    found = None
    for e in history:
        if e.action == action:
            found = e
    return found


def row(letter: Letter, n: int, url: str | None) -> dict[str, Any]:
    """The open-data row of one letter: `n` its row number in its month, `url` its page when it
    is on the public site (None otherwise: a private letter shows only its counts)."""
    parts = stints(letter.history)
    last = parts[-1] if parts else None
    approve = _last(letter.history, "approve")
    rate = _last(letter.history, "rate")
    replies = [e for e in letter.history if e.action == "reply"]
    return {
        "row": n,
        "type": str(letter.type),
        "category": (approve.data.get("category") or None) if approve else None,
        "department": last["department"] if last else None,
        "channel": letter.source if letter.source in CHANNELS else "web",
        "submitted_at": iso(letter.submitted_at),
        "dispatched_at": last["dispatched_at"] if last else None,
        "signed_at": last["signed_at"] if last else None,
        "replied_at": iso(replies[-1].at) if replies else None,
        "sign_due": letter.sign_due.date.isoformat() if letter.sign_due else None,
        "reply_due": letter.reply_due.date.isoformat() if letter.reply_due else None,
        "status": str(letter.status),
        "rating": rate.data["score"] if rate else None,
        "redos": sum(s["redos"] for s in parts),
        "extensions": sum(s["extensions"] for s in parts),
        "transferred": sum(1 for s in parts if s["transferred"]),
        "url": url,
        "stints": parts,
        # rejected as a duplicate (重复件), whether or not it was ever dispatched: with `status`
        # the month's received, valid and duplicate letters (`month_counts`)
        "duplicate": letter.duplicate_of is not None,
        "resolved": (rate.data.get("resolved") or None) if rate else None,
    }


def month_counts(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    """A month's letters as the office counts them (Yibin: 46,938 received, 11,381 valid):
    `received` every row, `duplicate` those rejected as duplicates, `invalid` the other
    rejected ones, `valid` = received − invalid − duplicate."""
    received = duplicate = rejected = 0
    for r in rows:
        received += 1
        duplicate += bool(r.get("duplicate"))
        rejected += r.get("status") == "rejected"
    return {"received": received, "valid": received - rejected,
            "duplicate": duplicate, "invalid": rejected - duplicate}


def stored_row(letter: Letter) -> dict[str, Any]:
    """The row the stores keep beside the letter, written in the same transaction (so a month
    file is a read of small rows, not of every letter with its history); `row` is numbered
    when the month is written, `url` named when the letter is on the public site."""
    public = letter.publication is not None and letter.public
    return row(letter, 0, f"/letters/{letter.id}/" if public else None)
