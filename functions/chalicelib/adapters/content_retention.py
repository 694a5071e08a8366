"""content/retention.yaml (domain/retention.py): optional, checked strictly like the other
settings files (an unknown key or a value of the wrong type is a `ContentError`)."""
from __future__ import annotations

from pathlib import Path

from ..domain.retention import Retention
from .content_files import ContentError, read_mapping
from .content_limits import _unknown, _whole

_KEYS = {"contact_years", "redact_private_text", "per_run"}


def load_retention(content_dir: Path) -> Retention:
    path = Path(content_dir) / "retention.yaml"
    if not path.exists():
        return Retention()
    raw = read_mapping(path)
    _unknown(path, "", raw, _KEYS)
    redact = raw.get("redact_private_text", True)
    if not isinstance(redact, bool):
        raise ContentError(path, "redact_private_text", f"must be true or false, got {redact!r}")
    default = Retention()
    years = _whole(path, "contact_years", raw.get("contact_years", 3), 1)
    return Retention(contact_days=365 * years, redact_private_text=redact,
                     per_run=_whole(path, "per_run", raw.get("per_run", default.per_run), 1))
