"""The office's listed supervision (挂牌督办) and conduct complaints (效能投诉): the use cases
and the rules the other use cases ask (domain/oversight.py holds the rules themselves).

- `supervise_letter` (in `oversight_actions.py`, beside casework): POST
  /api/staff/letters/{id}/supervise (office).
- `record_listings_overdue`: the scheduled job records, once, each listed letter past the
  office's date (so the exposure board's "past its date" is a recorded decision).
- `submission`: what a conduct complaint's submission stores (the named department checked,
  private, addressed to the supervising office).
- `check_dispatch`: a conduct complaint goes to the supervising office only.
- `check_visible`: a conduct complaint does not exist (404) for any clerk but the office's.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from ..domain import oversight
from ..domain.departments import conduct_office
from ..domain.errors import ConcurrentUpdate, Forbidden, InvalidTransition, NotFound
from ..domain.letters import Letter
from .commands import SubmitLetter
from .context import Actor, Context, save

log = logging.getLogger("wenzheng.oversight")


def record_listings_overdue(ctx: Context, now: datetime) -> list[str]:
    """Record each listed letter whose office date has ended, once (safe to run twice)."""
    done: list[str] = []
    for letter in ctx.store.listed_letters():
        listing = letter.listing
        if listing is None or not oversight.due_passed(listing, now) \
                or oversight.overdue_recorded(letter) is not None:
            continue
        try:
            with ctx.store.unit_of_work() as uow:
                fresh = uow.get_letter(letter.id)
                if fresh is None or not oversight.record_overdue(fresh, now):
                    continue
                save(ctx, uow, fresh)
                uow.commit()
                done.append(letter.id)
        except ConcurrentUpdate:
            log.info("listing of %s changed meanwhile; the next tick looks again", letter.id)
    return done


def submission(ctx: Context, command: SubmitLetter) -> tuple[bool, str | None]:
    """(public, requested department) of a new letter: a conduct complaint names a known
    department, is private and goes to the supervising office (the writer's `department`
    is refused by the parser); any other letter as the writer asked."""
    if command.about is None:
        return command.public, command.department
    ctx.department(command.about.department, "about.department")
    office = conduct_office(ctx.departments)
    if office is None:
        raise InvalidTransition("no_conduct_office", field="type")
    return False, office


def check_dispatch(ctx: Context, letter: Letter, department: str) -> None:
    """A conduct complaint may be dispatched to the supervising office only (409)."""
    if oversight.is_conduct_complaint(letter) and department != conduct_office(ctx.departments):
        raise InvalidTransition("conduct_office_only", field="department")


def check_visible(actor: Actor, letter: Letter) -> None:
    """A clerk sees only the department's letters (403); a conduct complaint not handled by
    the clerk's department does not exist for the clerk (404, as an unknown id)."""
    if actor.role == "office":
        return
    if oversight.hidden_from(letter, actor.role, actor.department):
        raise NotFound("letter_not_found")
    if actor.role == "clerk" and letter.department != actor.department:
        raise Forbidden("letter_other_department")


def staff_fields(ctx: Context, letter: Letter) -> dict[str, Any]:
    """The staff view's `listing` (while listed and after) and `about` (a conduct complaint:
    only the office and the supervising office's clerks ever see the letter)."""
    listing = letter.listing
    ended = oversight.listing_ended_at(letter)
    return {
        "listing": None if listing is None else {
            "reason": listing.reason, "due": listing.due.isoformat() if listing.due else None,
            "listed_at": listing.listed_at.isoformat(), "by": listing.by,
            "active": ended is None, "ended_at": ended.isoformat() if ended else None,
            "overdue": oversight.overdue_recorded(letter) is not None,
            "on_time": oversight.answered_on_time(letter)},
        "about": None if letter.about is None else {
            "department": _department_ref(ctx, letter.about.department),
            "person": letter.about.person},
    }


def _department_ref(ctx: Context, dept_id: str) -> dict[str, Any]:
    """As `views.department_ref` (which imports this module)."""
    d = ctx.departments.get(dept_id)
    return {"id": dept_id, "name": d.name if d else dept_id,
            "name_en": d.name_en if d else dept_id}


def row_fields(letter: Letter) -> dict[str, Any]:
    """The inbox row's badge: listed, and the office's date."""
    listed = oversight.is_listed(letter)
    due = letter.listing.due if listed and letter.listing else None
    return {"listed": listed, "listing_due": due.isoformat() if due else None}
