"""Listed supervision (挂牌督办) and complaints about a civil servant's conduct (效能投诉).

Listed supervision (Lanzhou): the office lists a letter for supervision with a reason and its
own deadline. The listing is an event of the letter's history (`supervised`) and a `Listing` on
the letter; it ends with the first reply after it (or a rejection): the end is *derived* from
that reply event (`listing_ended_at`), not recorded a second time, so a letter can never be
"answered but still listed". Whether the office's deadline has passed is a recorded decision
like a light: the scheduled job records `supervision_overdue` once (`record_overdue`), so the
published exposure board never reads the wall clock (incremental equals full).

Efficiency complaints (Qingdao 2007): a letter of type `efficiency` names the department (and
optionally the person) it is about (`About`). It is handled by the supervising office named in
content/departments.yaml (`supervises_conduct: true`), never by the named department, whose
clerks must not learn it exists; it is private (the writer cannot make it public), and counts
in the named department's figures as `conduct_complaints` (statistics.py, from the `submit`
event's `about`, the department only: the person is personal data and stays in the letter).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from .deadlines import CHINA_TZ
from .errors import Invalid, InvalidTransition

if TYPE_CHECKING:
    from .letters import Letter

REASON_MAX = 500
EFFICIENCY = "efficiency"            # the LetterType code of a conduct complaint
# states a letter may be listed in: not yet answered (replied, published, closed) nor rejected
LISTABLE = frozenset({"submitted", "dispatched", "signed", "extension_requested",
                      "transfer_requested", "redo"})
# events that end a listing: the answer (a reply), or the letter is not accepted after all
ENDS = frozenset({"reply", "reject"})


@dataclass(frozen=True)
class About:
    """Whom a conduct complaint is about: a department id and, optionally, a person's name
    (personal data: never published, never shown to the named department)."""

    department: str
    person: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"department": self.department, "person": self.person}

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> About | None:
        if not d:
            return None
        return cls(department=str(d["department"]), person=d.get("person") or None)


@dataclass(frozen=True)
class Listing:
    """The office's listing of a letter for supervision: why, until when (its own date, or
    the letter's reply due when it gave none), by whom and when."""

    reason: str
    due: date | None
    listed_at: datetime
    by: str
    seq: int                       # the `supervised` event's place in the history

    def to_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "due": self.due.isoformat() if self.due else None,
                "listed_at": self.listed_at.isoformat(), "by": self.by, "seq": self.seq}

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> Listing | None:
        if not d:
            return None
        return cls(reason=d["reason"], due=date.fromisoformat(d["due"]) if d.get("due") else None,
                   listed_at=datetime.fromisoformat(d["listed_at"]), by=d["by"],
                   seq=int(d["seq"]))


def supervise(letter: Letter, reason: str, due: date | None, by: str, at: datetime) -> Listing:
    """List `letter` for supervision (挂牌督办): a `supervised` event and its `Listing`.

    409 when it is listed already or answered or rejected; 400 for a missing reason or a
    date in the past (China time)."""
    if not isinstance(reason, str) or not reason.strip():
        raise Invalid("reason_required", field="reason")
    if is_listed(letter):
        raise InvalidTransition("already_listed", field="status")
    if str(letter.status) not in LISTABLE:
        raise InvalidTransition("supervise_answered", field="status", status=str(letter.status))
    if due is not None and due < at.astimezone(CHINA_TZ).date():
        raise Invalid("supervise_due_past", field="due")
    office_due = due or (letter.reply_due.date if letter.reply_due else None)
    event = letter._record("supervised", by, at, None, None, reason,
                           {"due": office_due.isoformat() if office_due else None,
                            "department": letter.department})
    letter.listing = Listing(reason=reason, due=office_due, listed_at=at, by=by, seq=event.seq)
    return letter.listing


def listing_ended_at(letter: Letter) -> datetime | None:
    """When the listing ended: the first reply (or rejection) recorded after it."""
    listing = letter.listing
    if listing is None:
        return None
    return next((e.at for e in letter.history if e.seq > listing.seq and e.action in ENDS),
                None)


def is_listed(letter: Letter) -> bool:
    """Listed and not yet answered."""
    return letter.listing is not None and listing_ended_at(letter) is None


def overdue_recorded(letter: Letter) -> datetime | None:
    """When the scheduled job recorded the office's deadline as passed, for this listing."""
    listing = letter.listing
    if listing is None:
        return None
    return next((e.at for e in letter.history
                 if e.seq > listing.seq and e.action == "supervision_overdue"), None)


def due_passed(listing: Listing, now: datetime) -> bool:
    """The office's date has ended (China time): the day after it has begun."""
    return listing.due is not None and now.astimezone(CHINA_TZ).date() > listing.due


def record_overdue(letter: Letter, now: datetime) -> bool:
    """Record once that a listed letter is past the office's date; False when not (yet)."""
    listing = letter.listing
    if listing is None or not is_listed(letter) or not due_passed(listing, now) \
            or overdue_recorded(letter) is not None:
        return False
    letter._record("supervision_overdue", "system", now, None, None, None,
                   {"due": listing.due.isoformat() if listing.due else None})
    return True


def listing_key(letter: Letter) -> str | None:
    """The sort key of a listed letter in the stores' list (`{office due}#{id}`, no date
    first as `9999-12-31`), or None when it is not listed."""
    if not is_listed(letter):
        return None
    assert letter.listing is not None
    due = letter.listing.due.isoformat() if letter.listing.due else "9999-12-31"
    return f"{due}#{letter.id}"


def listing_changed(letter: Letter, new_events: list[dict[str, Any]]) -> bool:
    """Whether the events of a commit put the letter on the list or took it off (what an
    adapter that keeps the list as items of their own must write)."""
    actions = {e.get("action") for e in new_events}
    return "supervised" in actions or (letter.listing is not None and bool(actions & ENDS))


def answered_on_time(letter: Letter) -> bool | None:
    """Whether the listing ended by the office's date (None while listed or without a date)."""
    listing, ended = letter.listing, listing_ended_at(letter)
    if listing is None or ended is None or listing.due is None:
        return None
    return ended.astimezone(CHINA_TZ).date() <= listing.due


def public_listing(letter: Letter) -> dict[str, Any] | None:
    """What the site may show of a listing: dates and whether the office's date was kept
    (never the reason on a letter's page, never who listed it)."""
    listing = letter.listing
    if listing is None:
        return None
    ended = listing_ended_at(letter)
    return {"listed_at": listing.listed_at, "due": listing.due, "ended_at": ended,
            "active": ended is None, "overdue": overdue_recorded(letter) is not None,
            "on_time": answered_on_time(letter)}


# --- efficiency complaints ------------------------------------------------------------------

def is_conduct_complaint(letter: Letter) -> bool:
    return str(letter.type) == EFFICIENCY


def hidden_from(letter: Letter, role: str, department: str | None) -> bool:
    """A conduct complaint does not exist for a clerk of any department but the one handling
    it (the supervising office): least of all for the department it is about. The office sees
    it, and so does a leader it was addressed or escalated to (services/leaders.check_read
    keeps a leader to those letters)."""
    return (is_conduct_complaint(letter) and role not in ("office", "leader")
            and (letter.department is None or letter.department != department))
