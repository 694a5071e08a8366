"""Personal data over time (PIPL 个人信息保护法 art. 19: kept no longer than its purpose needs).

A letter's writer leaves a name, a phone number and an e-mail address so that the office and
the department can answer and ask for a rating. Once the letter is finished (published, closed
or rejected) and the retention period of `content/retention.yaml` has passed since, they are
removed: `purge` clears the three fields and, in a private letter, redacts the personal data
written in its text (the text itself is the case record, 全内容全状态留档, and stays); the
public version, the counts and the history stay as they were. A writer's erasure request
(`erase`, the office) does the same at once, whatever the letter's state.

Each removal is a history event, `personal_data_purged`, naming which fields went (never their
values) and why (`retention` or `erasure`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .errors import InvalidTransition
from .letters import Event, Letter, Status
from .privacy import redact

PURGED = "personal_data_purged"
FINISHED = frozenset({Status.published, Status.closed, Status.rejected})
CONTACT_FIELDS = ("name", "phone", "email")


@dataclass(frozen=True)
class Retention:
    """content/retention.yaml: how long personal data is kept after a letter is finished."""

    contact_days: int = 3 * 365          # name, phone, e-mail: 3 years after it closes
    redact_private_text: bool = True     # a private letter's text: its personal data redacted
    per_run: int = 500                   # letters the scheduled job purges in one run at most

    @property
    def period(self) -> timedelta:
        return timedelta(days=self.contact_days)

    def closed_before(self, now: datetime) -> datetime:
        """Letters finished before this instant are past the period at `now`."""
        return now - self.period


def finished_at(letter: Letter) -> datetime | None:
    """When the letter last became finished (published, closed, rejected), if it is."""
    if letter.status not in FINISHED:
        return None
    for event in reversed(letter.history):
        if event.to_status in FINISHED:
            return event.at
    return letter.submitted_at


def holds_personal_data(letter: Letter) -> bool:
    return any(getattr(letter, f) for f in CONTACT_FIELDS)


def check_erasable(letter: Letter) -> None:
    """An erasure of a letter with nothing left to remove is refused (409 already_erased)."""
    if not holds_personal_data(letter):
        raise InvalidTransition("already_erased", field="id")


def past_retention(letter: Letter, policy: Retention, now: datetime) -> bool:
    at = finished_at(letter)
    return (at is not None and holds_personal_data(letter)
            and at < policy.closed_before(now))


def purge(letter: Letter, by: str, at: datetime, *, why: str, reason: str | None = None,
          policy: Retention | None = None) -> Event:
    """Remove the writer's personal data (`why`: `retention` or `erasure`) and record it."""
    policy = policy or Retention()
    if why == "erasure":
        check_erasable(letter)
    removed = [f for f in CONTACT_FIELDS if getattr(letter, f)]
    names = [letter.name] if letter.name else []
    for name in CONTACT_FIELDS:
        setattr(letter, name, None)
    if not letter.public and policy.redact_private_text:
        subject, body = redact(letter.subject, names=names), redact(letter.body, names=names)
        if (subject, body) != (letter.subject, letter.body):
            removed.append("text")
        letter.subject, letter.body = subject, body
    return letter._record(PURGED, by, at, None, None, reason, {"why": why, "fields": removed})
