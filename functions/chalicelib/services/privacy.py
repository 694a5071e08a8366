"""Personal data over time (domain/retention.py): the retention purge, a writer's erasure
request, and the record of staff reads of a letter's private fields.

- `purge_past_retention` (the scheduled job's daily step and `wenzheng privacy purge`): the
  letters on the `KEEP` list finished before the retention period, each purged in its own unit
  of work (a history event `personal_data_purged`, committed with the letter and its change
  record, so the publisher re-renders what shows the letter; its public version is unchanged).
- `services/erasure.py` (POST /api/staff/letters/{id}/erase, the office): the same at once.
- `forget_in_notifications` (both of them): the letter's notifications lose the writer's address
  and words (`Notification.forget_writer`), before the letter's commit, so a crash between the
  two leaves the letter to be purged again, never an address behind a purged letter.
- `record_read` / `access_log`: who read a letter's name, phone and e-mail, when, through which
  route; one small write per read; the admin reads the list (GET .../access).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain import retention
from ..domain.errors import ConcurrentUpdate, NotFound
from ..domain.letters import Letter
from .context import Actor, Context, require, save

SYSTEM = "system"


def purge_past_retention(ctx: Context, now: datetime | None = None, *, dry_run: bool = False,
                         limit: int | None = None) -> dict[str, Any]:
    """Purge the letters past the retention period at `now` (`limit` at most; None: all);
    with `dry_run`, only list them. Safe to run twice or in two processes at once."""
    now = now or ctx.clock()
    policy = ctx.retention
    before = policy.closed_before(now)
    due = ctx.store.letters_past_retention(before, limit)
    if dry_run:
        return {"at": now.isoformat(), "finished_before": before.isoformat(),
                "dry_run": True, "due": [x.id for x in due], "purged": []}
    purged: list[str] = []
    for letter in due:
        try:
            with ctx.store.unit_of_work() as uow:
                fresh = uow.get_letter(letter.id)
                if fresh is None or not retention.past_retention(fresh, policy, now):
                    continue
                forget_in_notifications(ctx, fresh)
                retention.purge(fresh, SYSTEM, now, why="retention", policy=policy)
                save(ctx, uow, fresh)
                uow.commit()
                purged.append(fresh.id)
        except ConcurrentUpdate:
            continue            # changed meanwhile (a re-do, another purge): looked at next run
    return {"at": now.isoformat(), "finished_before": before.isoformat(), "dry_run": False,
            "due": [x.id for x in due], "purged": purged}


def daily_purge(ctx: Context, now: datetime) -> list[str]:
    """The scheduled job's step: at most `per_run` letters (the rest follow the next runs);
    one index query when nothing is due."""
    purged: list[str] = purge_past_retention(ctx, now, limit=ctx.retention.per_run)["purged"]
    return purged


def forget_in_notifications(ctx: Context, letter: Letter, tries: int = 3) -> list[str]:
    """Take the writer's personal data out of every notification about `letter` (read before
    its purge: its name is what the words lose). A notification a delivery job is writing at
    the same moment is read again and done again (`tries` times); the ids changed."""
    names = [letter.name] if letter.name else []
    changed = []
    for note in ctx.store.list_notifications(letter.id):
        for _ in range(tries):
            if not note.forget_writer(names):
                break
            try:
                ctx.store.update_notification(note)
            except ConcurrentUpdate:
                fresh = ctx.store.get_notification(note.id)
                if fresh is None:
                    break
                note = fresh
                continue
            changed.append(note.id)
            break
        else:
            raise ConcurrentUpdate(field="notifications")
    return changed


def record_read(ctx: Context, actor: Actor, letter_id: str, what: str) -> None:
    """Record that `actor` read the letter's private fields through `what` (a route name)."""
    ctx.store.record_access(letter_id, actor.username, ctx.clock(), what)


def access_log(ctx: Context, actor: Actor, letter_id: str) -> dict[str, Any]:
    """GET /api/staff/letters/{id}/access (the admin): every recorded read, oldest first."""
    require(actor, "admin")
    if ctx.store.get_letter(letter_id) is None:
        raise NotFound("letter_not_found")
    return {"letter_id": letter_id, "records": [
        {k: r[k] for k in ("at", "who", "what")} for r in ctx.store.access_records(letter_id)]}
