"""A consultation topic as the office defines it: its kind, status and schedule, the
draft's paragraphs, a survey's questions, an interview's guests and the published outcome;
the labels of every code the site shows, the limits on what a definition and a comment may
hold, and the time formats the other modules share."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any

from ..deadlines import CHINA_TZ
from ..errors import Gone


class Kind(StrEnum):
    hearing = "hearing"
    deliberation = "deliberation"
    solicitation = "solicitation"
    survey = "survey"
    interview = "interview"
    drive = "drive"      # a time-boxed suggestion drive (市民月·献计策): letters, not comments


class TopicStatus(StrEnum):
    upcoming = "upcoming"
    open = "open"
    closed = "closed"


class CommentStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class Stance(StrEnum):
    support = "support"
    oppose = "oppose"
    neutral = "neutral"


class QuestionKind(StrEnum):
    single = "single"
    multiple = "multiple"
    text = "text"


class Decision(StrEnum):
    adopted = "adopted"
    partly_adopted = "partly_adopted"
    not_adopted = "not_adopted"


# the folder of content/ each kind is defined in
FOLDERS: dict[str, Kind] = {"hearings": Kind.hearing, "deliberations": Kind.deliberation,
                            "solicitations": Kind.solicitation, "surveys": Kind.survey,
                            "interviews": Kind.interview, "drives": Kind.drive}

LABELS: dict[str, tuple[str, str]] = {
    "hearing": ("网上听证", "Online hearing"),
    "deliberation": ("市民议政", "Citizen deliberation"),
    "solicitation": ("意见征集", "Call for comments"),
    "survey": ("网上调查", "Survey"),
    "interview": ("在线访谈", "Online interview"),
    "drive": ("献计献策", "Suggestion drive"),
    "upcoming": ("即将开始", "Upcoming"),
    "open": ("进行中", "Open"),
    "closed": ("已结束", "Closed"),
    "pending": ("待审核", "Awaiting moderation"),
    "approved": ("已通过", "Approved"),
    "rejected": ("未通过", "Rejected"),
    "support": ("支持", "Support"),
    "oppose": ("反对", "Oppose"),
    "neutral": ("中立", "Neutral"),
    "none": ("未表态", "No stance"),
    "single": ("单选", "Single choice"),
    "multiple": ("多选", "Multiple choice"),
    "text": ("文字", "Free text"),
    "adopted": ("采纳", "Adopted"),
    "partly_adopted": ("部分采纳", "Partly adopted"),
    "not_adopted": ("未采纳", "Not adopted"),
}


def label(code: str, lang: str = "zh") -> str:
    zh, en = LABELS.get(code, (code, code))
    return zh if lang == "zh" else en


ITEM_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")     # question and choice ids
TITLE_MAX = 100
SUMMARY_MAX = 300
PARAGRAPHS_MAX = 200
QUESTIONS_MAX = 40        # a response with every text answer fits in one DynamoDB transaction
CHOICES_MAX = 30
COMMENT_MAX = 2000        # a comment, a question to the guests, a free-text survey answer
NAME_MAX = 40
ANSWER_MAX = 20000
REASON_MAX = 1000
OUTCOME_SUMMARY_MAX = 10000
OUTCOME_ITEMS_MAX = 500


# the per-client limits (comments per topic per clock hour, survey responses per survey per
# China-time day) are abuse.AbuseLimits, with the letters' and the guessing limits


# --- the topic ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Choice:
    id: str
    label: str


@dataclass(frozen=True)
class Question:
    id: str
    kind: QuestionKind
    text: str
    required: bool = False
    max: int | None = None                 # multiple choice only: most choices one may pick
    choices: tuple[Choice, ...] = ()

    def choice_ids(self) -> list[str]:
        return [c.id for c in self.choices]


@dataclass(frozen=True)
class Paragraph:
    n: int
    text: str


@dataclass(frozen=True)
class Guest:
    department: str
    name: str
    title: str


@dataclass(frozen=True)
class OutcomeItem:
    comment_id: str | None
    decision: Decision
    reason: str
    opinion: str | None = None             # the opinion in the office's words (grouped ones)


@dataclass(frozen=True)
class Outcome:
    """The office's feedback (反馈) after closing: a summary of what changed, and a decision with
    a reason per opinion. Publishing it again replaces it (`revision` counts)."""

    summary: str
    items: tuple[OutcomeItem, ...]
    by: str
    at: datetime
    revision: int = 1


@dataclass
class Topic:
    """A topic as defined by commit, plus what the store adds: the outcome and a version."""

    id: str
    kind: Kind
    title: str
    departments: tuple[str, ...]            # the first is the lead department
    opens: datetime
    closes: datetime
    background: str = ""                   # Markdown from the repository (trusted)
    title_en: str | None = None
    summary: str | None = None
    summary_en: str | None = None
    paragraphs: tuple[Paragraph, ...] = ()  # solicitation: the draft, numbered 1..n
    questions: tuple[Question, ...] = ()    # survey
    starts: datetime | None = None          # interview: the session
    ends: datetime | None = None
    guests: tuple[Guest, ...] = ()
    source: str | None = None               # the content file, relative to content/
    outcome: Outcome | None = None
    version: int = 0
    registered_at: datetime | None = None
    # the status last recorded (by registration or the scheduled job), so that opening and
    # closing, which no person does, still write a change record and rebuild the topic's pages
    phase: str | None = None
    # an interview's third-party evaluations by evaluator (interviews.Evaluation.to_dict):
    # stored with the topic, so a revision is guarded by the topic's version
    evaluations: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def department(self) -> str:
        return self.departments[0]

    @property
    def url(self) -> str:
        return f"/consultations/{self.id}/"

    def status(self, now: datetime) -> TopicStatus:
        if now < self.opens:
            return TopicStatus.upcoming
        if now >= self.closes:
            return TopicStatus.closed
        return TopicStatus.open

    def check_open(self, now: datetime) -> None:
        """410 unless comments and responses are accepted at `now`."""
        status = self.status(now)
        if status == TopicStatus.upcoming:
            raise Gone("topic_not_open", opens=local_text(self.opens))
        if status == TopicStatus.closed:
            raise Gone("topic_closed", closes=local_text(self.closes, end=True))

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def paragraph(self, n: int) -> Paragraph | None:
        return next((p for p in self.paragraphs if p.n == n), None)

    def definition(self) -> dict[str, Any]:
        """What the commit defines (not the outcome, version or registration time)."""
        return {
            "id": self.id, "kind": str(self.kind), "title": self.title,
            "title_en": self.title_en, "summary": self.summary, "summary_en": self.summary_en,
            "departments": list(self.departments), "opens": self.opens.isoformat(),
            "closes": self.closes.isoformat(), "background": self.background,
            "paragraphs": [{"n": p.n, "text": p.text} for p in self.paragraphs],
            "questions": [{"id": q.id, "kind": str(q.kind), "text": q.text,
                           "required": q.required, "max": q.max,
                           "choices": [{"id": c.id, "label": c.label} for c in q.choices]}
                          for q in self.questions],
            "starts": iso_or_none(self.starts), "ends": iso_or_none(self.ends),
            "guests": [{"department": g.department, "name": g.name, "title": g.title}
                       for g in self.guests],
            "source": self.source,
        }

    def redefine(self, other: Topic) -> None:
        """Take the definition of `other` (a new commit of the same topic), keep the rest."""
        for name in ("kind", "title", "departments", "opens", "closes", "background",
                     "title_en", "summary", "summary_en", "paragraphs", "questions", "starts",
                     "ends", "guests", "source"):
            setattr(self, name, getattr(other, name))

    def to_dict(self) -> dict[str, Any]:
        o = self.outcome
        return {**self.definition(), "version": self.version,
                "registered_at": iso_or_none(self.registered_at), "phase": self.phase,
                "evaluations": {k: self.evaluations[k] for k in sorted(self.evaluations)},
                "outcome": None if o is None else {
                    "summary": o.summary, "by": o.by, "at": o.at.isoformat(),
                    "revision": o.revision,
                    "items": [{"comment_id": i.comment_id, "decision": str(i.decision),
                               "reason": i.reason, "opinion": i.opinion} for i in o.items]}}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Topic:
        o = d.get("outcome")
        return cls(
            id=d["id"], kind=Kind(d["kind"]), title=d["title"],
            departments=tuple(d["departments"]), opens=datetime.fromisoformat(d["opens"]),
            closes=datetime.fromisoformat(d["closes"]), background=d.get("background") or "",
            title_en=d.get("title_en"), summary=d.get("summary"),
            summary_en=d.get("summary_en"),
            paragraphs=tuple(Paragraph(int(p["n"]), p["text"]) for p in d.get("paragraphs", [])),
            questions=tuple(Question(
                id=q["id"], kind=QuestionKind(q["kind"]), text=q["text"],
                required=bool(q["required"]), max=q.get("max"),
                choices=tuple(Choice(c["id"], c["label"]) for c in q.get("choices", [])))
                for q in d.get("questions", [])),
            starts=datetime_or_none(d.get("starts")), ends=datetime_or_none(d.get("ends")),
            guests=tuple(Guest(g["department"], g["name"], g["title"])
                         for g in d.get("guests", [])),
            source=d.get("source"), version=int(d.get("version", 0)),
            registered_at=datetime_or_none(d.get("registered_at")), phase=d.get("phase"),
            evaluations=dict(d.get("evaluations") or {}),
            outcome=None if not o else Outcome(
                summary=o["summary"], by=o["by"], at=datetime.fromisoformat(o["at"]),
                revision=int(o.get("revision", 1)),
                items=tuple(OutcomeItem(i.get("comment_id"), Decision(i["decision"]),
                                        i["reason"], i.get("opinion")) for i in o["items"])))


# --- the time formats the modules share --------------------------------------------------

def iso_or_none(v: datetime | None) -> str | None:
    return v.isoformat() if v else None


def local_iso_or_none(v: datetime | None) -> str | None:
    return v.astimezone(CHINA_TZ).isoformat() if v else None


def datetime_or_none(v: str | None) -> datetime | None:
    return datetime.fromisoformat(v) if v else None


def local_text(at: datetime, end: bool = False) -> str:
    """China time for a message; with `end`, midnight is the end of the day before (24:00)."""
    local = at.astimezone(CHINA_TZ)
    if end and local.time() == time():
        return (local - timedelta(days=1)).strftime("%Y-%m-%d 24:00")
    return local.strftime("%Y-%m-%d %H:%M")
