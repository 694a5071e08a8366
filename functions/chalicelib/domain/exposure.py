"""The exposure board (曝光台): overdue work, derived from a letter's recorded history.

The sources publish overdue work by department. A letter contributes one entry per missed limit:
a sign-in (签收) after its due date, a reply (答复) after its due date (a re-do's reply against the
re-do's limit), and, while a clock is still running past its due date, the open overdue itself
(`done_at` None, lateness counted to `now`). Sign and reply events carry the due date they were
measured against (`data.due`), so the board needs nothing but the history and the calendar; the
store's `overdue_letters(now)` finds the open ones without a scan.

What of an entry may be shown is the publisher's business: a letter the writer kept private
shows its department and lateness only, never its subject (DESIGN.md invariant 2).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from .deadlines import CHINA_TZ, Due, Light, WorkCalendar, working_days_between
from .letters import ACTIVE, SIGN_CLOCK, Letter


@dataclass(frozen=True)
class Entry:
    letter_id: str
    department: str
    clock: str                   # "sign" | "reply"
    due: date
    done_at: datetime | None     # when it was signed or replied; None while still overdue
    late_working_days: float     # working time past the deadline, in days of 24 h
    late_days: int               # calendar days from the due date to done_at (or now)

    @property
    def open(self) -> bool:
        return self.done_at is None


def _entry(cal: WorkCalendar, letter: Letter, department: str, clock: str, due: date,
           done_at: datetime | None, now: datetime) -> Entry:
    end = done_at or now
    deadline = Due(due).deadline()
    return Entry(letter_id=letter.id, department=department, clock=clock, due=due,
                 done_at=done_at,
                 late_working_days=round(working_days_between(cal, deadline, end), 2),
                 late_days=max((end.astimezone(CHINA_TZ).date() - due).days, 0))


def entries(letter: Letter, cal: WorkCalendar, now: datetime) -> list[Entry]:
    """Every missed limit of one letter, in the order they happened."""
    out: list[Entry] = []
    department: str | None = None
    for e in letter.history:
        if e.action == "dispatch":
            department = e.data.get("department")
        elif e.action in ("sign", "reply") and e.data.get("on_time") is False \
                and e.data.get("due"):
            dept = e.data.get("department") or department or ""
            out.append(_entry(cal, letter, dept, e.action, date.fromisoformat(e.data["due"]),
                              e.at, now))
    due = letter.current_due
    if letter.status in ACTIVE and due is not None and now >= due.deadline():
        clock = "sign" if letter.status in SIGN_CLOCK else "reply"
        out.append(_entry(cal, letter, letter.department or "", clock, due.date, None, now))
    return out


# --- the board --------------------------------------------------------------------------------
#
# The published board must be a function of the store alone (the publisher's invariant 1: a
# page rebuilt after a change equals the same page of a full build made at any later time), so
# it is never measured against the wall clock. It is measured "as of" the latest red light the
# scheduled job recorded on a letter still on the board: the job's own record of when it last
# found work overdue. A letter is on the board while its clock runs and its recorded light is
# red (a stored decision of the job, like every light), so the board changes only with changes
# to letters that went red or were late (`touches_board`), which is what lets the publisher
# rebuild it incrementally.

def on_board(letter: Letter) -> bool:
    """The clock runs and the scheduled job has recorded the light red."""
    return letter.status in ACTIVE and letter.light == Light.red


def red_recorded_at(letter: Letter) -> datetime | None:
    """When the scheduled job last recorded this letter's light turning red."""
    return next((e.at for e in reversed(letter.history)
                 if e.action == "light" and e.data.get("to") == Light.red), None)


def touches_board(letter: Letter) -> bool:
    """Whether a change to this letter can change the board: it went red at some time, or it
    was signed for or answered late (the board's late-work figures count those)."""
    return any((e.action == "light" and e.data.get("to") == Light.red)
               or (e.action in ("sign", "reply") and e.data.get("on_time") is False)
               for e in letter.history)


@dataclass(frozen=True)
class Board:
    as_of: datetime | None           # the latest recorded red light among the letters on it
    entries: list[Entry]             # open overdue work, longest overdue first


def board(letters: list[Letter], cal: WorkCalendar) -> Board:
    """The open part of the exposure board from the letters whose clock runs (any superset of
    those on the board will do: the others are left out)."""
    listed = [letter for letter in letters if on_board(letter)]
    times = [t for t in (red_recorded_at(letter) for letter in listed) if t is not None]
    if not times:
        return Board(as_of=None, entries=[])
    as_of = max(times)
    out = [e for letter in listed for e in entries(letter, cal, as_of) if e.open]
    out.sort(key=lambda e: (-e.late_working_days, e.due, e.department, e.letter_id))
    return Board(as_of=as_of, entries=out)


def late_work(counters: Mapping[str, int]) -> int:
    """Late work in one statistics row: limits missed (`overdue`), late replies, late sign-ins."""
    return (int(counters.get("overdue", 0)) + int(counters.get("late_replies", 0))
            + int(counters.get("signed", 0)) - int(counters.get("signed_on_time", 0)))
