"""Personal data over time (domain/retention.py): the retention purge, a writer's erasure
request, and the record of staff reads of a letter's private fields.

- `purge_past_retention` (the scheduled job's daily step and `wenzheng privacy purge`): the
  letters on the `KEEP` list finished before the retention period, each purged in its own unit
  of work (a history event `personal_data_purged`, committed with the letter and its change
  record, so the publisher re-renders what shows the letter; its public version is unchanged).
- `services/erasure.py` (POST /api/staff/letters/{id}/erase, the office): the same at once.
- `record_read` / `access_log`: who read a letter's name, phone and e-mail, when, through which
  route; one small write per read; the admin reads the list (GET .../access).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain import retention
from ..domain.errors import ConcurrentUpdate, NotFound
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
