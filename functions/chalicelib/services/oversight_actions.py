"""The office's listing of a letter for supervision (挂牌督办), as a casework use case (the
rules are in domain/oversight.py, the other use cases' checks in services/oversight.py)."""
from __future__ import annotations

from typing import Any

from ..domain import oversight
from .casework import _change
from .commands import SuperviseLetter
from .context import Actor, Context


def supervise_letter(ctx: Context, actor: Actor, letter_id: str, command: SuperviseLetter
                     ) -> dict[str, Any]:
    """POST /api/staff/letters/{id}/supervise: the office lists a letter with a reason and its
    own date (or the letter's reply due when it gives none)."""
    return _change(ctx, actor, letter_id, ("office",), lambda l, now: oversight.supervise(
        l, command.reason, command.due, actor.username, now))
