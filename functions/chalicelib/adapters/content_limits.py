"""The function's settings files in `content/`: the time limits (limits.yaml), the abuse limits
(abuse.yaml) and who is notified how (notifications.yaml), each optional and checked strictly:
an unknown key or a value of the wrong type is a `ContentError` naming the file and the key.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..domain.departments import is_email
from ..domain.letters import LetterType, Limits
from ..domain.notifications import RetryPolicy
from ..services.abuse import AbuseLimits
from .content_files import ContentError, read_mapping


def _unknown(path: Path, where: str, raw: Mapping[Any, Any], allowed: set[str]) -> None:
    extra = sorted(str(k) for k in raw if k not in allowed)
    if extra:
        raise ContentError(path, f"{where}{extra[0]}", "unknown key (expected one of "
                           f"{', '.join(sorted(allowed))})")


def _whole(path: Path, key: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ContentError(path, key, f"must be a whole number >= {minimum}, got {value!r}")
    return value


def _fraction(path: Path, key: str, value: Any) -> float:
    """A share of the limit: a number from 0 to 1, or a fraction written "1/3" (exact)."""
    try:
        if isinstance(value, bool):
            raise ValueError
        frac = Fraction(value) if isinstance(value, str) else Fraction(float(value))
    except (TypeError, ValueError, ZeroDivisionError):
        raise ContentError(path, key, "must be a number from 0 to 1 or a fraction like"
                           f" \"1/3\", got {value!r}") from None
    if not 0 <= frac <= 1:
        raise ContentError(path, key, f"must be from 0 to 1, got {value!r}")
    return frac.numerator / frac.denominator


_LIMIT_KEYS = {f.name for f in fields(Limits)}


def _limits(path: Path, where: str, raw: Any, base: Limits) -> Limits:
    if raw is None:
        return base
    if not isinstance(raw, dict):
        raise ContentError(path, where.rstrip("."), "must be a mapping of limits")
    _unknown(path, where, raw, _LIMIT_KEYS)
    values = dict(base.__dict__)
    for key, value in raw.items():
        here = f"{where}{key}"
        if key == "yellow_fraction":
            values[key] = _fraction(path, here, value)
        else:
            values[key] = _whole(path, here, value, 0 if key == "max_redos" else 1)
    return Limits(**values)


def load_limits(content_dir: Path) -> dict[str, Limits]:
    """Time limits per letter type from content/limits.yaml (working days), else the defaults."""
    path = content_dir / "limits.yaml"
    if not path.exists():
        return {"default": Limits()}
    raw = read_mapping(path)
    _unknown(path, "", raw, {"default", "types"})
    base = _limits(path, "default.", raw.get("default"), Limits())
    out = {"default": base}
    types = raw.get("types") or {}
    if not isinstance(types, dict):
        raise ContentError(path, "types", "must be a mapping of letter type to limits")
    _unknown(path, "types.", types, set(LetterType.__members__))
    for kind, values in types.items():
        out[kind] = _limits(path, f"types.{kind}.", values, base)
    return out


def load_abuse_limits(content_dir: Path) -> AbuseLimits:
    """The abuse limits (services/abuse.py) from content/abuse.yaml, else the defaults; every
    key is a whole number >= 1 named as in `AbuseLimits`."""
    path = content_dir / "abuse.yaml"
    if not path.exists():
        return AbuseLimits()
    raw = read_mapping(path)
    _unknown(path, "", raw, {f.name for f in fields(AbuseLimits)})
    return AbuseLimits(**{key: _whole(path, key, value, 1) for key, value in raw.items()})


@dataclass(frozen=True)
class NotifyFile:
    """content/notifications.yaml as written; the composition root adds the departments'
    e-mails, site.yaml and the settings (`bootstrap.notify_config`)."""

    office_email: str | None = None
    digest_hour: int = 8
    texts: Mapping[str, str] = field(default_factory=dict)   # mail_from, site_url, signature
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    expire_after: timedelta = timedelta(hours=72)
    escalated: Mapping[str, str] = field(default_factory=dict)   # content_leaders.py


_NOTIFY_KEYS = {"office", "digest_hour", "mail_from", "site_url", "signature", "retry",
                "expire_after_hours", "escalated"}
_RETRY_KEYS = {"max_attempts", "first_delay_minutes", "multiplier", "max_delay_minutes",
               "lease_minutes"}


def escalation_wording(path: Path, raw: Any) -> dict[str, str]:
    """notifications.yaml `escalated:`: the wording of a key letter sent up to a leader
    (keys of `domain.leaders.ESCALATION_WORDING`, each a template using its placeholders)."""
    from ..domain.leaders import ESCALATION_WORDING
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ContentError(path, "escalated", "must be a mapping of texts")
    _unknown(path, "escalated.", raw, set(ESCALATION_WORDING))
    out: dict[str, str] = {}
    sample = {"title": "", "name": "", "subject": "", "code": "", "note": "", "link": ""}
    for key, value in raw.items():
        if not isinstance(value, str) or not value.strip():
            raise ContentError(path, f"escalated.{key}", "must be text")
        try:
            value.format(**sample)
        except (KeyError, IndexError, ValueError) as exc:
            raise ContentError(path, f"escalated.{key}",
                               f"unknown placeholder or bad braces: {exc}") from None
        out[key] = value.strip()
    return out


def load_notify_file(content_dir: Path) -> NotifyFile:
    """Who gets which notification and how sending is retried, from content/notifications.yaml."""
    path = content_dir / "notifications.yaml"
    raw = read_mapping(path) if path.exists() else {}
    _unknown(path, "", raw, _NOTIFY_KEYS)
    office = raw.get("office") or {}
    if not isinstance(office, dict):
        raise ContentError(path, "office", "must be a mapping with an email")
    _unknown(path, "office.", office, {"email"})
    office_email = office.get("email")
    if office_email is not None and not is_email(office_email):
        raise ContentError(path, "office.email", f"must be an e-mail address, got {office_email!r}")
    hour = raw.get("digest_hour", 8)
    if isinstance(hour, bool) or not isinstance(hour, int) or not 0 <= hour <= 23:
        raise ContentError(path, "digest_hour", f"must be an hour from 0 to 23, got {hour!r}")
    texts: dict[str, str] = {}
    for key in ("mail_from", "site_url", "signature"):
        value = raw.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ContentError(path, key, f"must be text, got {value!r}")
        if value:
            texts[key] = value.strip()
    if "mail_from" in texts and not is_email(texts["mail_from"]):
        raise ContentError(path, "mail_from", "must be an e-mail address")
    return NotifyFile(office_email=office_email, digest_hour=hour, texts=texts,
                      retry=_retry(path, raw.get("retry") or {}),
                      expire_after=timedelta(hours=_whole(
                          path, "expire_after_hours", raw.get("expire_after_hours", 72), 1)),
                      escalated=escalation_wording(path, raw.get("escalated")))


def load_reports_file(content_dir: Path) -> tuple[str, ...]:
    """Who receives the leaders' weekly report (周报), from content/reports.yaml
    (`weekly: [addresses]`; no file, nobody)."""
    path = content_dir / "reports.yaml"
    raw = read_mapping(path) if path.exists() else {}
    _unknown(path, "", raw, {"weekly"})
    weekly = raw.get("weekly") or []
    if not isinstance(weekly, list):
        raise ContentError(path, "weekly", "must be a list of e-mail addresses")
    out: list[str] = []
    for i, address in enumerate(weekly):
        if not isinstance(address, str) or not is_email(address.strip()):
            raise ContentError(path, f"weekly[{i}]", f"must be an e-mail address, got {address!r}")
        if address.strip() not in out:
            out.append(address.strip())
    return tuple(out)


def _retry(path: Path, raw: Any) -> RetryPolicy:
    if not isinstance(raw, dict):
        raise ContentError(path, "retry", "must be a mapping")
    _unknown(path, "retry.", raw, _RETRY_KEYS)
    default = RetryPolicy()

    def minutes(key: str, fallback: timedelta) -> timedelta:
        value = raw.get(key, int(fallback.total_seconds() // 60))
        return timedelta(minutes=_whole(path, f"retry.{key}", value, 1))

    multiplier = raw.get("multiplier", default.multiplier)
    if isinstance(multiplier, bool) or not isinstance(multiplier, (int, float)) or multiplier < 1:
        raise ContentError(path, "retry.multiplier", f"must be a number >= 1, got {multiplier!r}")
    return RetryPolicy(
        max_attempts=_whole(path, "retry.max_attempts",
                            raw.get("max_attempts", default.max_attempts), 1),
        first_delay=minutes("first_delay_minutes", default.first_delay),
        multiplier=float(multiplier),
        max_delay=minutes("max_delay_minutes", default.max_delay),
        lease=minutes("lease_minutes", default.lease))
