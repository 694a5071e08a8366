"""Request bodies of personal-data requests (services/erasure.py), checked like every body in
`parse.py`."""
from __future__ import annotations

from typing import Any

from ..services.erasure import EraseLetter
from .parse import obj, required_text

REASON_MAX = 500


def erase_letter(payload: Any) -> EraseLetter:
    """POST /api/staff/letters/{id}/erase: `reason` (1..500)."""
    body = obj(payload, "reason")
    return EraseLetter(required_text(body, "reason", max_len=REASON_MAX, line=False))
