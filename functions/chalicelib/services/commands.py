"""What a use case is asked to do: one frozen dataclass per verb, already checked.

The API layer (`api/parse.py`) turns a request body into one of these — types, lengths and
choices checked, text cleaned as stored — so a use case starts from values it can trust and
never sees a payload or an HTTP status. Local tools (the demo city, the importer, the bench)
and tests build them directly or through the same parser. What can only be checked against
stored records (a paragraph of this draft, a question of this survey, a comment of this topic,
a transition of this letter) stays with the use case and the domain.

Use cases answer with plain data (the JSON of API.md); an idempotent one answers with an
`Answer`, whose `replayed` says the same request came again and got the stored first answer.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from ..domain.consultations import Decision, Stance
from ..domain.letters import LetterType, Score
from ..domain.oversight import About
from ..domain.rates import Resolution

# limits of what a writer or the staff may send (API.md)
SUBJECT_MAX = 100
BODY_MAX = 6000
REPLY_MAX = 20000
NAME_MAX = 40
REASON_MAX = 1000
COMMENT_MAX = 1000
CATEGORY_MAX = 40
PHONE_MAX = 30
EMAIL_MAX = 254
CONTACT_MAX = 254
KEY_MAX = 128
EXTENSION_DAYS = (1, 30)


@dataclass(frozen=True)
class Once:
    """An idempotent request: the client's key, and a fingerprint of everything else it sent
    (the same key with another request is refused)."""

    key: str
    request_hash: str


@dataclass(frozen=True)
class Answer:
    """An idempotent use case's answer: the body, and whether it is the stored first answer
    given again to a replay of the same request."""

    body: dict[str, Any]
    replayed: bool = False


# --- citizens: letters ---------------------------------------------------------------------

@dataclass(frozen=True)
class SubmitLetter:
    type: LetterType
    subject: str
    body: str
    department: str | None = None           # the department the writer asks for
    name: str | None = None
    phone: str | None = None                # digits only, +86 dropped
    email: str | None = None
    public: bool = False
    once: Once | None = None
    campaign: str | None = None             # a suggestion drive (domain/drive.py)
    leader: str | None = None               # a leader's board (domain/leaders.py)
    about: About | None = None              # a conduct complaint's department and person


@dataclass(frozen=True)
class TakeLetter:
    """POST /api/staff/letters: a letter an operator took from another channel (channels.py)."""
    letter: SubmitLetter                    # the body of POST /api/letters, idempotency aside
    channel: str                            # one of domain.channels.TAKEN
    received_at: datetime                   # when the hotline received it, with its offset
    once: Once | None = None


@dataclass(frozen=True)
class RateReply:
    score: Score
    comment: str | None = None
    resolved: Resolution | None = None      # 已解决 / 部分解决 / 未解决 (rates.py)


@dataclass(frozen=True)
class ResetSecret:
    contact: str                            # a phone number or an e-mail address


@dataclass(frozen=True)
class Suggest:
    subject: str
    body: str | None


@dataclass(frozen=True)
class Vote:
    direction: Literal["up", "down"]


# --- staff: letters ------------------------------------------------------------------------

@dataclass(frozen=True)
class DispatchLetter:
    department: str


@dataclass(frozen=True)
class RejectLetter:
    reason: str
    # the letter this one repeats (重复件), or None for an invalid letter
    duplicate_of: str | None = None


@dataclass(frozen=True)
class SignLetter:
    pass


@dataclass(frozen=True)
class TransferLetter:
    reason: str


@dataclass(frozen=True)
class RequestExtension:
    working_days: int
    reason: str


@dataclass(frozen=True)
class ApproveExtension:
    pass


@dataclass(frozen=True)
class DenyExtension:
    reason: str


@dataclass(frozen=True)
class ReplyToLetter:
    body: str


@dataclass(frozen=True)
class PublicDraft:
    """The office's wording of the public version; None keeps the earlier (or own) wording."""

    subject: str | None = None
    body: str | None = None
    reply: str | None = None


@dataclass(frozen=True)
class ApproveReply:
    publish: bool = True
    category: str | None = None
    draft: PublicDraft = field(default_factory=PublicDraft)
    adopted: bool | None = None             # a drive's suggestion: adopted or not (None: as is)


@dataclass(frozen=True)
class OrderRedo:
    reason: str


@dataclass(frozen=True)
class KeepReply:
    reason: str


@dataclass(frozen=True)
class SuperviseLetter:
    """挂牌督办: the office's reason and its own date (None: the letter's reply due)."""

    reason: str
    due: date | None = None


# --- consultations -------------------------------------------------------------------------

@dataclass(frozen=True)
class AddComment:
    body: str
    name: str | None = None
    stance: Stance | None = None
    paragraph: int | None = None            # checked against the draft by the use case
    department: str | None = None           # an interview's guest; checked against the topic
    once: Once | None = None


@dataclass(frozen=True)
class AddResponse:
    answers: Mapping[str, Any]              # checked against the survey's questions
    once: Once | None = None


@dataclass(frozen=True)
class ApproveComment:
    pass


@dataclass(frozen=True)
class RejectComment:
    reason: str


@dataclass(frozen=True)
class AnswerComment:
    body: str


@dataclass(frozen=True)
class OutcomeDraftItem:
    """One opinion's decision; `where` names it in errors (`items[3]`)."""

    comment_id: str | None
    decision: Decision
    reason: str
    opinion: str | None
    where: str = ""


@dataclass(frozen=True)
class PublishOutcome:
    summary: str
    items: tuple[OutcomeDraftItem, ...] = ()


@dataclass(frozen=True)
class EscalateLetter:
    """The office sends a key letter up to a leader (呈报, services/leaders.py)."""

    leader: str
    note: str | None = None


@dataclass(frozen=True)
class RecordInstruction:
    """A leader's instruction (批示); `leader` is named by the office, None from a leader."""

    text: str
    leader: str | None = None


# the verbs of POST /api/staff/letters/{id}/{action} and the command each takes
StaffCommand = (DispatchLetter | RejectLetter | SignLetter | TransferLetter | RequestExtension
                | ApproveExtension | DenyExtension | ReplyToLetter | ApproveReply | OrderRedo
                | KeepReply | EscalateLetter | RecordInstruction)
