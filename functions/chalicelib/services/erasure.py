"""A writer's erasure request (PIPL art. 47), handled by the office as a casework use case:
the writer's personal data removed at once, as the retention purge does (domain/retention.py),
recorded in the letter's history with the office's reason."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..domain import retention
from ..domain.letters import Letter
from .casework import _change
from .context import Actor, Context
from .privacy import forget_in_notifications


@dataclass(frozen=True)
class EraseLetter:
    """Why (the writer's request, how it came); 1..500 characters."""

    reason: str


def erase_letter(ctx: Context, actor: Actor, letter_id: str, command: EraseLetter
                 ) -> dict[str, Any]:
    """POST /api/staff/letters/{id}/erase (the office)."""
    def act(letter: Letter, now: datetime) -> None:
        retention.check_erasable(letter)            # before the notifications are touched
        forget_in_notifications(ctx, letter)        # before the commit (`privacy`)
        retention.purge(letter, actor.username, now, why="erasure", reason=command.reason,
                        policy=ctx.retention)
    return _change(ctx, actor, letter_id, ("office",), act)
