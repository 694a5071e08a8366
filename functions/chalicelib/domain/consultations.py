"""Consultations: hearings (网上听证), citizen deliberation (市民议政), solicitations on a draft
(意见征集), surveys (网上调查) and online interviews (在线访谈).

The web team defines a topic by commit (`content/consultations.md`; `topic_files.py` reads the
files); `parse_topic` checks one definition and names the field that is wrong. Citizens comment
on a topic (with a stance, a paragraph of the draft, or as a question to an interview's guests)
and answer surveys, only while the topic is open; the office moderates comments
(`pending → approved | rejected`), guests answer interview questions, and after closing the
office publishes the outcome (反馈: each opinion adopted, partly adopted or not adopted, why).

Running tallies per topic are counters (`comment_counts`, `response_counts`) that the store
adds, as differences, in the same transaction as the change, like the letter statistics;
`recompute` folds every stored record into the same counters, and a test holds the store to it.
Counter names:

- `comments`, `status:{pending|approved|rejected}`: every comment (survey text answers too);
- `stance:{support|oppose|neutral|none}`: approved comments (not survey text answers);
- `paragraph:{n}`: approved comments on paragraph n of a solicitation's draft;
- `text:{question}`: approved free-text answers to a survey question;
- `asked:{department}`, `answered:{department}`: interview questions not rejected, and those
  answered, by the department they are addressed to (the answering guest's department);
- `responses`, `question:{question}`, `choice:{question}:{choice}`: survey responses, those
  that answered a question, those that picked a choice.

`public_view` is what the site shows of a topic (the results page and
`/data/topics/{topic_id}.json`): only approved comments, their text redacted (privacy.redact)
and the writer's name masked. Pure: the standard library and the domain only; `now` is always a
parameter.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from . import privacy, text
from .deadlines import CHINA_TZ
from .departments import SLUG as SLUG  # the publisher reads topic ids with it
from .errors import Gone, Invalid, InvalidTransition


class Kind(StrEnum):
    hearing = "hearing"
    deliberation = "deliberation"
    solicitation = "solicitation"
    survey = "survey"
    interview = "interview"


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
                            "interviews": Kind.interview}

LABELS: dict[str, tuple[str, str]] = {
    "hearing": ("网上听证", "Online hearing"),
    "deliberation": ("市民议政", "Citizen deliberation"),
    "solicitation": ("意见征集", "Call for comments"),
    "survey": ("网上调查", "Survey"),
    "interview": ("在线访谈", "Online interview"),
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
            raise Gone("topic_not_open", opens=_local(self.opens))
        if status == TopicStatus.closed:
            raise Gone("topic_closed", closes=_local(self.closes, end=True))

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
            "starts": _iso(self.starts), "ends": _iso(self.ends),
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
                "registered_at": _iso(self.registered_at), "phase": self.phase,
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
            starts=_pdt(d.get("starts")), ends=_pdt(d.get("ends")),
            guests=tuple(Guest(g["department"], g["name"], g["title"])
                         for g in d.get("guests", [])),
            source=d.get("source"), version=int(d.get("version", 0)),
            registered_at=_pdt(d.get("registered_at")), phase=d.get("phase"),
            outcome=None if not o else Outcome(
                summary=o["summary"], by=o["by"], at=datetime.fromisoformat(o["at"]),
                revision=int(o.get("revision", 1)),
                items=tuple(OutcomeItem(i.get("comment_id"), Decision(i["decision"]),
                                        i["reason"], i.get("opinion")) for i in o["items"])))


# --- comments and responses ----------------------------------------------------------------

# action -> (statuses it may start from, status it ends in): the one transitions table
TRANSITIONS: dict[str, tuple[frozenset[CommentStatus], CommentStatus]] = {
    "approve": (frozenset({CommentStatus.pending}), CommentStatus.approved),
    # the office may also take down a comment it approved
    "reject": (frozenset({CommentStatus.pending, CommentStatus.approved}),
               CommentStatus.rejected),
    # answering a question publishes it: the guest chose it for the transcript
    "answer": (frozenset({CommentStatus.pending, CommentStatus.approved}),
               CommentStatus.approved),
}


@dataclass
class Answer:
    """A guest's (or the office's) answer to an interview question."""

    body: str
    by: str
    department: str
    at: datetime


@dataclass
class Comment:
    """A comment on a topic: an opinion with a stance (hearing, deliberation), on a paragraph of
    the draft (solicitation), a question to the guests (interview, `department` addressed) or a
    free-text survey answer (`question`, `response_id`), moderated before it is public."""

    id: str
    topic_id: str
    body: str
    created_at: datetime
    stance: Stance | None = None
    paragraph: int | None = None
    question: str | None = None
    response_id: str | None = None
    department: str | None = None
    name: str | None = None
    client: str | None = None
    status: CommentStatus = CommentStatus.pending
    reason: str | None = None
    moderated_by: str | None = None
    moderated_at: datetime | None = None
    answer: Answer | None = None
    version: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def public(self) -> bool:
        return self.status == CommentStatus.approved

    def _move(self, action: str, by: str, at: datetime, reason: str | None = None) -> None:
        allowed, target = TRANSITIONS[action]
        if self.status not in allowed:
            raise InvalidTransition("comment_transition", field="status",
                                    status_label=label(self.status), action=action,
                                    status=str(self.status))
        self.history.append({"at": at.isoformat(), "actor": by, "action": action,
                             "from": str(self.status), "to": str(target), "reason": reason})
        if self.status != target:
            self.moderated_by, self.moderated_at = by, at
        self.status = target

    def approve(self, by: str, at: datetime) -> None:
        self._move("approve", by, at)
        self.reason = None

    def reject(self, reason: str, by: str, at: datetime) -> None:
        if not isinstance(reason, str) or not reason.strip():
            raise Invalid("reason_required", field="reason")
        self._move("reject", by, at, reason)
        self.reason = reason

    def answer_with(self, body: str, by: str, department: str, at: datetime) -> Answer:
        if self.answer is not None:
            raise InvalidTransition("question_already_answered", field="status")
        self._move("answer", by, at)
        self.history[-1]["department"] = department
        # the question is counted for the department that took it
        self.department = department
        self.answer = Answer(body=body, by=by, department=department, at=at)
        return self.answer

    def to_dict(self) -> dict[str, Any]:
        a = self.answer
        return {
            "id": self.id, "topic_id": self.topic_id, "body": self.body,
            "created_at": self.created_at.isoformat(),
            "stance": str(self.stance) if self.stance else None, "paragraph": self.paragraph,
            "question": self.question, "response_id": self.response_id,
            "department": self.department, "name": self.name, "client": self.client,
            "status": str(self.status), "reason": self.reason,
            "moderated_by": self.moderated_by, "moderated_at": _iso(self.moderated_at),
            "answer": None if a is None else {"body": a.body, "by": a.by,
                                              "department": a.department,
                                              "at": a.at.isoformat()},
            "version": self.version, "history": self.history,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Comment:
        a = d.get("answer")
        return cls(
            id=d["id"], topic_id=d["topic_id"], body=d["body"],
            created_at=datetime.fromisoformat(d["created_at"]),
            stance=Stance(d["stance"]) if d.get("stance") else None,
            paragraph=d.get("paragraph"), question=d.get("question"),
            response_id=d.get("response_id"), department=d.get("department"),
            name=d.get("name"), client=d.get("client"), status=CommentStatus(d["status"]),
            reason=d.get("reason"), moderated_by=d.get("moderated_by"),
            moderated_at=_pdt(d.get("moderated_at")),
            answer=None if not a else Answer(a["body"], a["by"], a["department"],
                                             datetime.fromisoformat(a["at"])),
            version=int(d.get("version", 0)), history=list(d.get("history") or []))


@dataclass
class Response:
    """One survey response: question id → a choice id or a list of choice ids (`answers`); a
    free-text answer is a comment, to be moderated, and `texts` maps its question to it."""

    id: str
    topic_id: str
    answers: dict[str, str | list[str]]
    created_at: datetime
    texts: dict[str, str] = field(default_factory=dict)
    client: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "topic_id": self.topic_id, "answers": self.answers,
                "texts": self.texts, "created_at": self.created_at.isoformat(),
                "client": self.client}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Response:
        return cls(id=d["id"], topic_id=d["topic_id"], answers=dict(d["answers"]),
                   texts=dict(d.get("texts") or {}),
                   created_at=datetime.fromisoformat(d["created_at"]), client=d.get("client"))


def validate_answers(topic: Topic, answers: Any) -> dict[str, str | list[str]]:
    """A response's answers checked against the survey's questions; raises `Invalid` with the
    field `answers.{question}`. Unanswered questions (null, "", []) are left out."""
    if not isinstance(answers, Mapping):
        raise Invalid("answers_not_object", field="answers")
    known = {q.id for q in topic.questions}
    for qid in answers:
        if qid not in known:
            raise Invalid("unknown_question", field=f"answers.{qid}", question=qid)
    out: dict[str, str | list[str]] = {}
    for q in topic.questions:
        name = f"answers.{q.id}"
        value = answers.get(q.id)
        if value is None or value == "" or value == []:
            if q.required:
                raise Invalid("question_required", field=name, question_text=q.text,
                              question=q.id)
            continue
        if q.kind == QuestionKind.single:
            if not isinstance(value, str) or value not in q.choice_ids():
                raise Invalid("choose_one_choice", field=name)
            out[q.id] = value
        elif q.kind == QuestionKind.multiple:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise Invalid("choices_not_list", field=name)
            if len(set(value)) != len(value):
                raise Invalid("duplicate_choice", field=name)
            if any(v not in q.choice_ids() for v in value):
                raise Invalid("unknown_choice", field=name)
            limit = q.max or len(q.choices)
            if len(value) > limit:
                raise Invalid("too_many_choices", field=name, limit=limit)
            order = q.choice_ids()
            out[q.id] = sorted(value, key=order.index)
        else:
            if not isinstance(value, str):
                raise Invalid("answer_not_text", field=name)
            if not value.strip():
                if q.required:
                    raise Invalid("question_required", field=name, question_text=q.text,
                                  question=q.id)
                continue
            out[q.id] = text.clean(value, max_len=COMMENT_MAX, field=name, label="回答")
    if not out:
        raise Invalid("answers_empty", field="answers")
    return out


# --- tallies -------------------------------------------------------------------------------

def comment_counts(comment: Comment) -> dict[str, int]:
    """The counters one comment adds to its topic's tallies, as it is now."""
    out: Counter[str] = Counter({"comments": 1, f"status:{comment.status}": 1})
    if comment.department is not None and comment.question is None:
        # an interview question: counted unless rejected
        if comment.status != CommentStatus.rejected:
            out[f"asked:{comment.department}"] += 1
            if comment.answer is not None:
                out[f"answered:{comment.department}"] += 1
    if comment.status == CommentStatus.approved:
        if comment.question is not None:
            out[f"text:{comment.question}"] += 1
        elif comment.department is None:
            out[f"stance:{comment.stance or 'none'}"] += 1
            if comment.paragraph is not None:
                out[f"paragraph:{comment.paragraph}"] += 1
    return dict(out)


def response_counts(response: Response) -> dict[str, int]:
    """The counters one survey response adds (its free-text answers count as answered here
    and, once approved, as `text:` through their comments)."""
    out: Counter[str] = Counter({"responses": 1})
    for qid, value in response.answers.items():
        out[f"question:{qid}"] += 1
        for choice in (value if isinstance(value, list) else [value]):
            out[f"choice:{qid}:{choice}"] += 1
    for qid in response.texts:
        out[f"question:{qid}"] += 1
    return dict(out)


def difference(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, int]:
    delta = Counter(after)
    delta.subtract(before)
    return {k: n for k, n in sorted(delta.items()) if n}


def recompute(comments: Iterable[Comment], responses: Iterable[Response]) -> dict[str, int]:
    """A topic's tallies from every stored record; equal to the running ones."""
    total: Counter[str] = Counter()
    for comment in comments:
        total.update(comment_counts(comment))
    for response in responses:
        total.update(response_counts(response))
    return {k: n for k, n in sorted(total.items()) if n}


# --- defining topics -----------------------------------------------------------------------

class TopicError(ValueError):
    """A topic definition is wrong; `field` names the field (e.g. `questions[1].max`)."""

    def __init__(self, field: str | None, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


COMMON_KEYS = {"id", "title", "title_en", "summary", "summary_en", "departments", "opens",
               "closes"}
KIND_KEYS: dict[Kind, set[str]] = {
    Kind.hearing: set(), Kind.deliberation: set(), Kind.solicitation: {"draft"},
    Kind.survey: {"questions"}, Kind.interview: {"starts", "ends", "guests"},
}


def parse_topic(kind: Kind | str, raw: Mapping[str, Any], *, background: str = "",
                departments: Collection[str], source: str | None = None) -> Topic:
    """One topic definition (front matter `raw`, Markdown body `background`) checked against
    the schema of content/consultations.md; raises `TopicError` naming the field."""
    try:
        kind = Kind(kind)
    except ValueError:
        raise TopicError("kind", f"unknown kind {kind!r} (expected one of "
                                 f"{', '.join(Kind)})") from None
    if not isinstance(raw, Mapping):
        raise TopicError(None, "the front matter must be a mapping")
    allowed = COMMON_KEYS | KIND_KEYS[kind]
    for key in raw:
        if key not in allowed:
            raise TopicError(str(key), f"unknown field for a {kind} (expected one of "
                                       f"{', '.join(sorted(allowed))})")
    topic_id = raw.get("id")
    if not isinstance(topic_id, str) or not SLUG.match(topic_id):
        raise TopicError("id", "must be a slug: lower-case letters, digits and '-' "
                               f"(at most 64), got {topic_id!r}")
    title = _text(raw, "title", required=True, max_len=TITLE_MAX)
    depts = raw.get("departments")
    if not isinstance(depts, list) or not depts:
        raise TopicError("departments", "must be a non-empty list of department ids "
                                        "(the first is the lead department)")
    for i, d in enumerate(depts):
        if not isinstance(d, str) or d not in departments:
            raise TopicError(f"departments[{i}]", f"unknown department {d!r} (see "
                                                  "content/departments.yaml)")
    if len(set(depts)) != len(depts):
        raise TopicError("departments", "lists a department twice")
    opens = parse_time(raw.get("opens"), "opens")
    closes = parse_time(raw.get("closes"), "closes", end_of_day=True)
    if closes <= opens:
        raise TopicError("closes", f"must be after opens ({opens.isoformat()})")
    topic = Topic(id=topic_id, kind=kind, title=title or "", departments=tuple(depts),
                  opens=opens, closes=closes, background=background.strip(),
                  title_en=_text(raw, "title_en", required=False, max_len=200),
                  summary=_text(raw, "summary", required=False, max_len=SUMMARY_MAX),
                  summary_en=_text(raw, "summary_en", required=False, max_len=SUMMARY_MAX * 3),
                  source=source)
    if kind == Kind.solicitation:
        topic.paragraphs = _draft(raw.get("draft"))
    elif kind == Kind.survey:
        topic.questions = _questions(raw.get("questions"))
    elif kind == Kind.interview:
        _interview(topic, raw)
    return topic


def parse_time(value: Any, name: str, *, end_of_day: bool = False) -> datetime:
    """An ISO 8601 date-time (China time when it has no offset) or a date: the start of that
    day, or with `end_of_day` (for `closes`) the end of it, i.e. the next midnight."""
    if isinstance(value, datetime):
        at = value
    elif isinstance(value, date):
        at = datetime.combine(value + (timedelta(days=1) if end_of_day else timedelta()), time())
    elif isinstance(value, str) and value.strip():
        s = value.strip()
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
                day = date.fromisoformat(s)
                at = datetime.combine(day + (timedelta(days=1) if end_of_day else timedelta()),
                                      time())
            else:
                at = datetime.fromisoformat(s.replace("Z", "+00:00"))
        except ValueError:
            raise TopicError(name, f"not a date or date-time: {value!r} (write "
                                   "2026-11-01 or 2026-11-01T09:00)") from None
    else:
        raise TopicError(name, "is required: a date or date-time such as 2026-11-01T09:00")
    if at.tzinfo is None:
        at = at.replace(tzinfo=CHINA_TZ)
    return at


def _text(raw: Mapping[str, Any], name: str, *, required: bool, max_len: int) -> str | None:
    value = raw.get(name)
    if value is None or (isinstance(value, str) and not value.strip() and not required):
        if required:
            raise TopicError(name, "is required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise TopicError(name, f"must be text, got {value!r}")
    value = " ".join(value.split())
    if len(value) > max_len:
        raise TopicError(name, f"must be at most {max_len} characters (it has {len(value)})")
    return value


def _draft(draft: Any) -> tuple[Paragraph, ...]:
    if not isinstance(draft, list) or not draft:
        raise TopicError("draft", "a solicitation needs its draft: a list of paragraph texts, "
                                  "numbered 1..n in order")
    if len(draft) > PARAGRAPHS_MAX:
        raise TopicError("draft", f"at most {PARAGRAPHS_MAX} paragraphs")
    out = []
    for i, p in enumerate(draft):
        if not isinstance(p, str) or not p.strip():
            raise TopicError(f"draft[{i}]", "each paragraph must be non-empty text")
        out.append(Paragraph(i + 1, p.strip()))
    return tuple(out)


def _questions(raw: Any) -> tuple[Question, ...]:
    if not isinstance(raw, list) or not raw:
        raise TopicError("questions", "a survey needs a non-empty list of questions")
    if len(raw) > QUESTIONS_MAX:
        raise TopicError("questions", f"at most {QUESTIONS_MAX} questions")
    out: list[Question] = []
    seen: set[str] = set()
    for i, q in enumerate(raw):
        where = f"questions[{i}]"
        if not isinstance(q, Mapping):
            raise TopicError(where, "must be a mapping with id, kind, text")
        extra = sorted(str(k) for k in q if k not in {"id", "kind", "text", "required", "max",
                                                     "choices"})
        if extra:
            raise TopicError(f"{where}.{extra[0]}", "unknown field (expected id, kind, text, "
                                                    "required, max, choices)")
        qid = q.get("id")
        if not isinstance(qid, str) or not ITEM_ID.match(qid):
            raise TopicError(f"{where}.id", "must be a short id: lower-case letters, digits, "
                                            f"'-' and '_', got {qid!r}")
        if qid in seen:
            raise TopicError(f"{where}.id", f"duplicate question id {qid!r}")
        seen.add(qid)
        try:
            kind = QuestionKind(str(q.get("kind")))
        except ValueError:
            raise TopicError(f"{where}.kind", "must be single, multiple or text, got "
                                              f"{q.get('kind')!r}") from None
        qtext = q.get("text")
        if not isinstance(qtext, str) or not qtext.strip():
            raise TopicError(f"{where}.text", "is required")
        required = q.get("required", False)
        if not isinstance(required, bool):
            raise TopicError(f"{where}.required", f"must be true or false, got {required!r}")
        choices = _choices(where, kind, q.get("choices"))
        maximum = q.get("max")
        if maximum is not None:
            if kind != QuestionKind.multiple:
                raise TopicError(f"{where}.max", "only a multiple-choice question has a max")
            if isinstance(maximum, bool) or not isinstance(maximum, int) or maximum < 1:
                raise TopicError(f"{where}.max", f"must be a whole number >= 1, got {maximum!r}")
            if maximum > len(choices):
                raise TopicError(f"{where}.max", f"is {maximum} but the question has only "
                                                 f"{len(choices)} choices")
        elif kind == QuestionKind.multiple:
            maximum = len(choices)
        out.append(Question(qid, kind, " ".join(qtext.split()), required, maximum, choices))
    return tuple(out)


def _choices(where: str, kind: QuestionKind, raw: Any) -> tuple[Choice, ...]:
    if kind == QuestionKind.text:
        if raw not in (None, []):
            raise TopicError(f"{where}.choices", "a text question has no choices")
        return ()
    if not isinstance(raw, list) or len(raw) < 2:
        raise TopicError(f"{where}.choices", f"a {kind} question needs at least two choices")
    if len(raw) > CHOICES_MAX:
        raise TopicError(f"{where}.choices", f"at most {CHOICES_MAX} choices")
    out: list[Choice] = []
    for j, c in enumerate(raw):
        here = f"{where}.choices[{j}]"
        if not isinstance(c, Mapping):
            raise TopicError(here, "must be a mapping with id and label")
        extra = sorted(str(k) for k in c if k not in {"id", "label"})
        if extra:
            raise TopicError(f"{here}.{extra[0]}", "unknown field (expected id, label)")
        cid, lab = c.get("id"), c.get("label")
        if not isinstance(cid, str) or not ITEM_ID.match(cid):
            raise TopicError(f"{here}.id", f"must be a short id, got {cid!r}")
        if any(o.id == cid for o in out):
            raise TopicError(f"{here}.id", f"duplicate choice id {cid!r}")
        if not isinstance(lab, str) or not lab.strip():
            raise TopicError(f"{here}.label", "is required")
        out.append(Choice(cid, " ".join(lab.split())))
    return tuple(out)


def _interview(topic: Topic, raw: Mapping[str, Any]) -> None:
    topic.starts = parse_time(raw.get("starts"), "starts")
    topic.ends = parse_time(raw.get("ends"), "ends")
    if topic.ends <= topic.starts:
        raise TopicError("ends", "must be after starts")
    if topic.starts < topic.opens:
        raise TopicError("starts", "must not be before opens (questions are collected from "
                                   "opens, before the session)")
    if topic.ends > topic.closes:
        raise TopicError("closes", "must not be before the session ends")
    guests = raw.get("guests")
    if not isinstance(guests, list) or not guests:
        raise TopicError("guests", "an interview needs a list of guests "
                                   "(department, name, title)")
    out = []
    for i, g in enumerate(guests):
        where = f"guests[{i}]"
        if not isinstance(g, Mapping):
            raise TopicError(where, "must be a mapping with department, name, title")
        extra = sorted(str(k) for k in g if k not in {"department", "name", "title"})
        if extra:
            raise TopicError(f"{where}.{extra[0]}", "unknown field (expected department, "
                                                   "name, title)")
        dept = g.get("department")
        if dept not in topic.departments:
            raise TopicError(f"{where}.department", f"{dept!r} is not among the topic's "
                                                    "departments")
        for key in ("name", "title"):
            v = g.get(key)
            if not isinstance(v, str) or not v.strip():
                raise TopicError(f"{where}.{key}", "is required")
        out.append(Guest(dept, g["name"].strip(), g["title"].strip()))
    topic.guests = tuple(out)


# --- the public view -----------------------------------------------------------------------

def public_comment(comment: Comment) -> dict[str, Any]:
    """An approved comment as published: text redacted, the writer's name masked."""
    names = [comment.name] if comment.name else []
    body = privacy.redact(comment.body, names=names)
    a = comment.answer
    answer = None
    if a is not None:
        answer_body = privacy.redact(a.body, names=names)
        answer = {"body": answer_body, "paragraphs": text.paragraphs(answer_body),
                  "department": a.department, "at": _local_iso(a.at)}
    return {"id": comment.id, "name": privacy.mask_name(comment.name), "body": body,
            "paragraphs": text.paragraphs(body),
            "stance": str(comment.stance) if comment.stance else None,
            "paragraph": comment.paragraph, "question": comment.question,
            "department": comment.department, "created_at": _local_iso(comment.created_at),
            "answer": answer}


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def public_view(topic: Topic, comments: Iterable[Comment], tallies: Mapping[str, int],
                outcome: Outcome | None = None, *, now: datetime | None = None) -> dict[str, Any]:
    """What the results page and `/data/topics/{topic_id}.json` show (shape documented in
    content/consultations.md). Only approved comments, oldest first; counts from `tallies`.
    `outcome` defaults to the topic's; `status` is null unless `now` is given."""
    outcome = outcome if outcome is not None else topic.outcome
    approved = sorted((c for c in comments if c.public and c.topic_id == topic.id),
                      key=lambda c: (c.created_at, c.id))
    shown = {c.id: public_comment(c) for c in approved}
    opinions = [shown[c.id] for c in approved if c.question is None and c.department is None]
    def tally(key: str) -> int:
        return int(tallies.get(key, 0))

    stance = {s: tally(f"stance:{s}") for s in ("support", "oppose", "neutral", "none")}

    paragraphs = []
    for p in topic.paragraphs:
        on_it = [v for v in opinions if v["paragraph"] == p.n]
        paragraphs.append({"n": p.n, "text": p.text, "comment_count": tally(f"paragraph:{p.n}"),
                           "comments": on_it})
    known = {p.n for p in topic.paragraphs}
    general = [v for v in opinions if v["paragraph"] not in known] if topic.paragraphs else []

    questions = []
    for q in topic.questions:
        respondents = tally(f"question:{q.id}")
        questions.append({
            "id": q.id, "kind": str(q.kind), "text": q.text, "required": q.required,
            "max": q.max, "respondents": respondents,
            "choices": [{"id": c.id, "label": c.label, "count": tally(f"choice:{q.id}:{c.id}"),
                         "share": _rate(tally(f"choice:{q.id}:{c.id}"), respondents)}
                        for c in q.choices],
            "answers": [shown[c.id] for c in approved if c.question == q.id],
            "answer_count": tally(f"text:{q.id}")})

    interview = None
    transcript: list[dict[str, Any]] = []
    waiting: list[dict[str, Any]] = []
    if topic.kind == Kind.interview:
        depts = list(topic.departments)
        depts += sorted({k.split(":", 1)[1] for k in tallies
                         if k.startswith(("asked:", "answered:"))} - set(depts))
        rows: list[dict[str, Any]] = [
            {"department": d, "asked": tally(f"asked:{d}"), "answered": tally(f"answered:{d}"),
             "answer_rate": _rate(tally(f"answered:{d}"), tally(f"asked:{d}"))}
            for d in depts]
        asked = sum(r["asked"] for r in rows)
        answered = sum(r["answered"] for r in rows)
        interview = {"asked": asked, "answered": answered, "answer_rate": _rate(answered, asked),
                     "departments": rows}
        questions_asked = [c for c in approved if c.department is not None
                           and c.question is None]
        transcript = [shown[c.id] for c in sorted(
            (c for c in questions_asked if c.answer is not None),
            key=lambda c: (c.answer.at, c.id))]  # type: ignore[union-attr]
        waiting = [shown[c.id] for c in questions_asked if c.answer is None]

    return {
        "id": topic.id, "kind": str(topic.kind), "kind_label": label(topic.kind),
        "kind_label_en": label(topic.kind, "en"), "title": topic.title,
        "title_en": topic.title_en, "summary": topic.summary, "summary_en": topic.summary_en,
        "url": topic.url, "data_url": f"/data/topics/{topic.id}.json",
        "department": topic.department, "departments": list(topic.departments),
        "opens": _local_iso(topic.opens), "closes": _local_iso(topic.closes),
        "starts": _local_iso(topic.starts), "ends": _local_iso(topic.ends),
        "status": str(topic.status(now)) if now is not None else None,
        "background": topic.background,
        "guests": [{"department": g.department, "name": g.name, "title": g.title}
                   for g in topic.guests],
        "figures": {"comments": sum(stance.values()), "stance": stance,
                    "responses": tally("responses")},
        "comments": opinions,
        "paragraphs": paragraphs,
        "general_comments": general,
        "questions": questions,
        "interview": interview,
        "transcript": transcript,
        "waiting": waiting,
        "outcome": _public_outcome(outcome, shown),
    }


def _public_outcome(outcome: Outcome | None, shown: Mapping[str, dict[str, Any]]
                    ) -> dict[str, Any] | None:
    if outcome is None:
        return None
    counts = {str(d): 0 for d in Decision}
    items = []
    for item in outcome.items:
        counts[str(item.decision)] += 1
        items.append({"comment_id": item.comment_id,
                      "comment": shown.get(item.comment_id) if item.comment_id else None,
                      "decision": str(item.decision), "decision_label": label(item.decision),
                      "decision_label_en": label(item.decision, "en"),
                      "reason": privacy.redact(item.reason),
                      "opinion": privacy.redact(item.opinion) if item.opinion else None})
    summary = privacy.redact(outcome.summary)
    return {"summary": summary, "summary_paragraphs": text.paragraphs(summary),
            "at": _local_iso(outcome.at), "revision": outcome.revision, "counts": counts,
            "items": items}


# --- helpers -------------------------------------------------------------------------------

def _iso(v: datetime | None) -> str | None:
    return v.isoformat() if v else None


def _local_iso(v: datetime | None) -> str | None:
    return v.astimezone(CHINA_TZ).isoformat() if v else None


def _pdt(v: str | None) -> datetime | None:
    return datetime.fromisoformat(v) if v else None


def _local(at: datetime, end: bool = False) -> str:
    """China time for a message; with `end`, midnight is the end of the day before (24:00)."""
    local = at.astimezone(CHINA_TZ)
    if end and local.time() == time():
        return (local - timedelta(days=1)).strftime("%Y-%m-%d 24:00")
    return local.strftime("%Y-%m-%d %H:%M")
