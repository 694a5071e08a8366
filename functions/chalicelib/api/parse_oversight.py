"""Request bodies of listed supervision (挂牌督办) and conduct complaints (效能投诉), checked
like every body in `parse.py` (which reads a conduct complaint's `about` itself,
`parse.about`)."""
from __future__ import annotations

from datetime import date
from typing import Any

from ..domain.errors import Invalid
from ..domain.oversight import REASON_MAX
from ..services import commands as cmd
from .parse import obj, required_text


def supervise_letter(payload: Any) -> cmd.SuperviseLetter:
    """POST /api/staff/letters/{id}/supervise: `reason` (1..500) and `due`, a date
    (YYYY-MM-DD) or null (the use case refuses a date in the past)."""
    body = obj(payload, "reason", "due")
    reason = required_text(body, "reason", max_len=REASON_MAX, line=False)
    due = body.get("due")
    if due is None:
        return cmd.SuperviseLetter(reason, None)
    if not isinstance(due, str) or len(due) != 10:
        raise Invalid("supervise_due_format", field="due")
    try:
        return cmd.SuperviseLetter(reason, date.fromisoformat(due))
    except ValueError:
        raise Invalid("supervise_due_format", field="due") from None
