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

from dataclasses import dataclass
from datetime import date, datetime

from .deadlines import CHINA_TZ, Due, WorkCalendar, working_days_between
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
