"""Defining topics: `parse_topic` checks one definition from `content/` and names the field
that is wrong (`TopicError`)."""
from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from ..deadlines import CHINA_TZ
from ..departments import SLUG
from .topics import (
    CHOICES_MAX,
    ITEM_ID,
    PARAGRAPHS_MAX,
    QUESTIONS_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    Choice,
    Guest,
    Kind,
    Paragraph,
    Question,
    QuestionKind,
    Topic,
)

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
    Kind.drive: set(),       # `departments`: those the drive suggests writing to
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
