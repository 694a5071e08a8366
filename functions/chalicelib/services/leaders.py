"""The leaders' use cases (domain/leaders.py): the office escalates a key letter to a leader
(呈报, with the SMS and e-mail to the leader in the same commit), the office or the leader's
own account records the leader's instruction (批示), and a leader's console lists the letters
addressed or escalated to that leader.

A `leader` account keeps its leader's id in `Account.department` (`Actor.department`), the
slot a clerk's department uses: one scope per account, checked the same way by the token.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..domain import leaders
from ..domain.errors import Forbidden, Invalid, NotFound
from ..domain.leaders import Leader
from ..domain.letters import Letter
from .commands import EscalateLetter, RecordInstruction
from .context import Actor, Context, require, save
from .ports import LetterWork
from .privacy import record_read
from .views import inbox_row, staff_view

# the store's leader index (adapters/leader_index.py): `staff#{leader}` lists the letters
# addressed or escalated to a leader, newest first
STAFF = "staff"


def key(kind: str, leader_id: str) -> str:
    return f"{kind}#{leader_id}"


def leader_of(actor: Actor) -> str | None:
    """The leader a `leader` account speaks for (None for every other role)."""
    return actor.department if actor.role == "leader" else None


def check_read(actor: Actor, letter: Letter) -> None:
    """A leader's account reads only the letters addressed or escalated to its leader."""
    if actor.role == "leader" and not leaders.may_read(letter, leader_of(actor)):
        raise Forbidden("leader_other_letter")


def _letter(uow: LetterWork, actor: Actor, letter_id: str) -> Letter:
    letter = uow.get_letter(letter_id)
    if letter is None:
        raise NotFound("letter_not_found")
    check_read(actor, letter)
    return letter


def _leader(ctx: Context, leader_id: Any) -> Leader:
    return ctx.leaders[leaders.known(ctx.leaders, leader_id)]


def escalate_letter(ctx: Context, actor: Actor, letter_id: str, command: EscalateLetter
                    ) -> dict[str, Any]:
    """POST /api/staff/letters/{id}/escalate: the office sends a key letter up to a leader."""
    require(actor, "office")
    leader = _leader(ctx, command.leader)
    with ctx.store.unit_of_work() as uow:
        letter = _letter(uow, actor, letter_id)
        now = ctx.clock()
        leaders.escalate(letter, leader.id, command.note or "", actor.username, now)
        for note in leaders.escalation_messages(letter, leader, letter.history[-1].seq, now,
                                                ctx.notify):
            uow.add_notification(note)
        save(ctx, uow, letter)
        uow.commit()
    record_read(ctx, actor, letter.id, "action")    # the answer shows them
    return staff_view(ctx, letter)


def record_instruction(ctx: Context, actor: Actor, letter_id: str,
                       command: RecordInstruction) -> dict[str, Any]:
    """POST /api/staff/letters/{id}/instruction: the office records a named leader's
    instruction (批示), or a leader records their own on a letter addressed or escalated to
    them (another leader's account: 403)."""
    require(actor, "office", "leader")
    if actor.role == "leader":
        if command.leader is not None and command.leader != leader_of(actor):
            raise Forbidden("leader_other_letter")
        leader_id = leader_of(actor)
    else:
        if command.leader is None:
            raise Invalid("instruction_needs_leader", field="leader")
        leader_id = command.leader
    leader = _leader(ctx, leader_id)
    with ctx.store.unit_of_work() as uow:
        letter = _letter(uow, actor, letter_id)
        leaders.record_instruction(letter, leader.id, command.text, actor.username, ctx.clock())
        save(ctx, uow, letter)
        uow.commit()
    record_read(ctx, actor, letter.id, "action")    # the answer shows them
    return staff_view(ctx, letter)


def leader_inbox(ctx: Context, actor: Actor, query: Mapping[str, str], page: int,
                 per_page: int) -> dict[str, Any]:
    """`GET /api/staff/letters` for a leader: the letters addressed or escalated to them,
    newest first, in the inbox's shape (`{"rows", "total", "page", "per_page", "complete"}`)."""
    leader_id = leader_of(actor) or ""
    index = key(STAFF, leader_id)
    letters = ctx.store.leader_letters(index, offset=(page - 1) * per_page, limit=per_page)
    now = ctx.clock()
    return {"rows": [inbox_row(ctx, x, now) for x in letters],
            "total": ctx.store.count_leader_letters(index), "page": page,
            "per_page": per_page, "complete": True}
