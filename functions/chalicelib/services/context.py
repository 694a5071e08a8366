"""What every use case runs with, and the few things they all do the same way.

`Context` is the composition root's bundle (store, calendar, clock, departments, limits); an
`Actor` is who is calling. Beside them: the one retry of a unit of work that lost a race
(`retry_on_conflict`), the one idempotency rule (`once`), saving a letter with the
notifications its new events cause (`save`), role checks and the codes letters and comments
are named by. Letters, consultations and supervision all build on this module and on nothing
of each other's, except supervision's tick, which records consultations' phases.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from ..domain import notifications
from ..domain.deadlines import WorkCalendar
from ..domain.departments import Department
from ..domain.errors import ConcurrentUpdate, Conflict, Forbidden, Invalid
from ..domain.interviews import Programme
from ..domain.leaders import Leader
from ..domain.letters import Letter, Limits
from ..domain.notifications import NotifyConfig
from ..domain.retention import Retention
from .abuse import AbuseLimits
from .commands import Answer, Once
from .ports import Store, StoredAnswer, UnitOfWork

__all__ = ["Actor", "SYSTEM", "Context", "Department", "retry_on_conflict", "once", "save",
           "require", "new_code", "hash_secret"]

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"   # no 0/O, 1/I/L, U: easy to read out
# StoredAnswer.status of the port predates answers without HTTP statuses: the API picks the
# status of a replay (201 first, 200 again for a letter); what is stored there is not read
STATUS_NOT_KEPT = 0

T = TypeVar("T")


@dataclass(frozen=True)
class Actor:
    """Who is calling: a staff account (from a verified token) or the system."""

    username: str
    role: str                      # clerk | office | admin | system
    department: str | None = None


SYSTEM = Actor("system", "system")


@dataclass
class Context:
    store: Store
    calendar: WorkCalendar
    clock: Callable[[], datetime]
    departments: Mapping[str, Department]
    limits: Mapping[str, Limits] = field(default_factory=dict)
    notify: NotifyConfig = field(default_factory=NotifyConfig)
    abuse: AbuseLimits = field(default_factory=AbuseLimits)
    # the category model's loader (services/suggest.py), None where nothing suggests
    category_model: Callable[[], Any] | None = None
    # the city leadership (content/leaders.yaml, domain/leaders.py) by id
    leaders: Mapping[str, Leader] = field(default_factory=dict)

    # the interview programme's plans and the evaluators' criteria (content/interviews/)
    interviews: Programme = field(default_factory=Programme)
    # how long personal data is kept (content/retention.yaml, domain/retention.py)
    retention: Retention = field(default_factory=Retention)

    def limits_for(self, letter_type: str) -> Limits:
        return self.limits.get(letter_type) or self.limits.get("default") or Limits()

    def department(self, dept_id: Any, field_name: str = "department") -> str:
        if not isinstance(dept_id, str) or dept_id not in self.departments:
            raise Invalid("unknown_department", field=field_name)
        return dept_id


def retry_on_conflict(attempts: int, attempt: Callable[[], T]) -> T:
    """Run `attempt` — one unit of work that reads, decides and commits — again when another
    writer committed first (`ConcurrentUpdate`), `attempts` times in all; the last loss goes
    to the caller (a clean 409). A fresh attempt reads the winner's records, so it decides on
    what is there now."""
    for _ in range(attempts - 1):
        try:
            return attempt()
        except ConcurrentUpdate:
            continue
    return attempt()


def once(ctx: Context, scope: str, request: Once | None,
         make: Callable[[UnitOfWork], dict[str, Any]]) -> Answer:
    """Commit what `make` adds to a unit of work and answer what it returns — once per
    idempotency key in `scope`: the same key and request again get the stored answer
    (`replayed`), the same key with another request 409. The answer is stored in the same
    commit as the records, so a retry after a lost response never makes a second letter or
    comment; when two requests with one key race, the loser's commit fails and it returns the
    winner's answer."""

    def attempt() -> Answer:
        with ctx.store.unit_of_work() as uow:
            if request is not None:
                prior = uow.idempotent_answer(scope, request.key)
                if prior is not None:
                    if prior.request_hash != request.request_hash:
                        raise Conflict("idempotency_key_reused", field="idempotency_key")
                    return Answer(prior.body, replayed=True)
            body = make(uow)
            if request is not None:
                uow.remember_answer(scope, request.key,
                                    StoredAnswer(STATUS_NOT_KEPT, body, request.request_hash))
            uow.commit()
            return Answer(body)

    # without a key a lost race is the caller's 409; with one, the winner's answer is returned
    return retry_on_conflict(2 if request is not None else 1, attempt)


def save(ctx: Context, uow: UnitOfWork, letter: Letter) -> None:
    """Save a changed letter together with the notifications its new events cause, so that
    they commit (or fail) with the change itself."""
    for n in notifications.for_events(letter, letter.new_events, ctx.notify):
        uow.add_notification(n)
    uow.save_letter(letter)


def require(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise Forbidden("role_forbidden")


def new_code(n: int) -> str:
    """`n` random characters of `CODE_ALPHABET` (ids and tracking codes)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(n))


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
