"""Use cases of consultations, one function per API verb (API.md, "topics" and "comments").

Like `letters.py` for letters: each takes a command (`commands.py`) and a `Context`, runs
inside one unit of work and returns plain data; the API picks the status. Topics come from
`content/` by commit (`register_topics`); citizens
comment and answer surveys only while a topic is open (410 otherwise), once per idempotency key,
within the per-client abuse limits (429); the office moderates, guests answer interview
questions, and after closing the office publishes the outcome. Every commit's change record
names the topic, so the publisher re-renders its pages.
"""
from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from ..domain import consultations as C
from ..domain.consultations import (
    Comment,
    CommentStatus,
    Kind,
    Outcome,
    OutcomeItem,
    QuestionKind,
    Response,
    Topic,
)
from ..domain.deadlines import CHINA_TZ
from ..domain.errors import (
    ConcurrentUpdate,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    TooManyRequests,
)
from ..domain.text import is_choice
from .commands import (
    AddComment,
    AddResponse,
    Answer,
    AnswerComment,
    ApproveComment,
    PublishOutcome,
    RejectComment,
)
from .context import Actor, Context, new_code, once, require, retry_on_conflict
from .ports import UnitOfWork

# --- registration (by commit) ------------------------------------------------------------

def register_topics(ctx: Context, topics: Iterable[Topic]) -> dict[str, list[str]]:
    """Upsert the topics defined in content/: a new one is added, a changed definition replaces
    the stored one (its comments, tallies and outcome stay), an unchanged one is not written.
    A topic id keeps its kind for ever (409 `kind_changed`)."""
    report: dict[str, list[str]] = {"added": [], "updated": [], "unchanged": []}
    seen: set[str] = set()
    for topic in topics:
        if topic.id in seen:
            raise Invalid("duplicate_topic_id", field="id", topic=topic.id)
        seen.add(topic.id)
        for i, dept in enumerate(topic.departments):
            ctx.department(dept, f"departments[{i}]")
        outcome = retry_on_conflict(2, functools.partial(_register, ctx, topic))
        report[outcome].append(topic.id)
    return report


def _register(ctx: Context, topic: Topic) -> str:
    """Add, replace or leave one topic, in one unit of work: "added", "updated" or "unchanged"."""
    with ctx.store.unit_of_work() as uow:
        stored = uow.get_topic(topic.id)
        now = ctx.clock()
        if stored is None:
            uow.put_topic(dataclasses.replace(topic, outcome=None, version=0, registered_at=now,
                                              phase=str(topic.status(now))))
            uow.commit()
            return "added"
        if stored.definition() == topic.definition():
            return "unchanged"
        if stored.kind != topic.kind:
            raise Conflict("kind_changed", field="kind", topic=topic.id,
                           stored_label=C.label(stored.kind), new_label=C.label(topic.kind),
                           stored=stored.kind)
        stored.redefine(topic)
        stored.phase = str(stored.status(now))
        uow.put_topic(stored)
        uow.commit()
        return "updated"


def record_topic_phases(ctx: Context, now: datetime | None = None) -> list[str]:
    """For the scheduled job: each topic that opened or closed since its status was last
    recorded gets the new one, with a change record naming it (its pages show the status and
    offer the forms only while open). A second run at the same time changes nothing."""
    now = now or ctx.clock()
    changed: list[str] = []
    for listed in ctx.store.list_topics():
        if listed.phase == listed.status(now):
            continue
        try:
            with ctx.store.unit_of_work() as uow:
                topic = uow.get_topic(listed.id)
                if topic is None or topic.phase == topic.status(now):
                    continue
                topic.phase = str(topic.status(now))
                uow.put_topic(topic)
                uow.commit()
                changed.append(topic.id)
        except ConcurrentUpdate:
            continue       # changed meanwhile (a registration, an outcome); the next run looks
    return changed


# --- public reads --------------------------------------------------------------------------

def _local(at: datetime | None) -> str | None:
    return at.astimezone(CHINA_TZ).isoformat() if at else None


def topic_summary(topic: Topic, now: datetime) -> dict[str, Any]:
    """A topic as `GET /api/topics` lists it."""
    return {"id": topic.id, "kind": str(topic.kind), "title": topic.title,
            "title_en": topic.title_en, "department": topic.department,
            "departments": list(topic.departments), "opens": _local(topic.opens),
            "closes": _local(topic.closes), "status": str(topic.status(now)), "url": topic.url}


def topic_detail(topic: Topic, now: datetime) -> dict[str, Any]:
    """`GET /api/topics/{topic_id}`: the summary, the background, and what one answers to."""
    out = {**topic_summary(topic, now), "summary": topic.summary,
           "background": topic.background, "has_outcome": topic.outcome is not None}
    if topic.kind == Kind.solicitation:
        out["paragraphs"] = [{"n": p.n, "text": p.text} for p in topic.paragraphs]
    if topic.kind == Kind.survey:
        out["questions"] = [{"id": q.id, "kind": str(q.kind), "text": q.text,
                             "required": q.required, "max": q.max,
                             "choices": [{"id": c.id, "label": c.label} for c in q.choices]}
                            for q in topic.questions]
    if topic.kind == Kind.interview:
        out.update(starts=_local(topic.starts), ends=_local(topic.ends),
                   guests=[{"department": g.department, "name": g.name, "title": g.title}
                           for g in topic.guests])
    return out


def _order(topics: list[Topic]) -> list[Topic]:
    """Newest opening first, then by id."""
    return sorted(sorted(topics, key=lambda t: t.id), key=lambda t: t.opens, reverse=True)


def list_topics(ctx: Context) -> list[dict[str, Any]]:
    now = ctx.clock()
    return [topic_summary(t, now) for t in _order(ctx.store.list_topics())]


def get_topic(ctx: Context, topic_id: str) -> dict[str, Any]:
    topic = ctx.store.get_topic(topic_id)
    if topic is None:
        raise NotFound("topic_not_found")
    out = topic_detail(topic, ctx.clock())
    if topic.kind == Kind.interview:
        # what third-party evaluators score it on (content/interviews/criteria.yaml)
        out["criteria"] = [{"id": c.id, "label": c.label, "label_en": c.label_en}
                           for c in ctx.interviews.criteria]
    return out


def public_topic(store: Any, topic_id: str, now: datetime | None = None) -> dict[str, Any] | None:
    """What the site publishes of one topic (`consultations.public_view`), or None."""
    topic = store.get_topic(topic_id)
    if topic is None:
        return None
    return C.public_view(topic, store.topic_comments(topic_id, CommentStatus.approved),
                         store.topic_tallies(topic_id), now=now)


# --- citizens --------------------------------------------------------------------------------

def _hour_window(now: datetime) -> tuple[str, datetime]:
    start = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return start.strftime("%Y%m%d%H"), start + timedelta(hours=1)


def _day_window(now: datetime) -> tuple[str, datetime]:
    local = now.astimezone(CHINA_TZ)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start.strftime("%Y%m%d"), start + timedelta(days=1)


def _take_quota(uow: Any, key: str, limit: int, expires_at: datetime) -> None:
    if uow.quota_used(key) >= limit:
        raise TooManyRequests("too_many_submissions")
    uow.use_quota(key, limit, expires_at)


def _paragraph(topic: Topic, value: int | None) -> int | None:
    if value is None:
        return None
    if topic.kind != Kind.solicitation:
        raise Invalid("no_paragraphs", field="paragraph")
    if topic.paragraph(value) is None:
        raise Invalid("unknown_paragraph", field="paragraph", paragraph=value)
    return value


def add_comment(ctx: Context, topic_id: str, command: AddComment,
                client: str | None = None) -> Answer:
    """POST /api/topics/{topic_id}/comments: {id, status: pending}; replayed by key."""
    stance = command.stance

    def make(uow: UnitOfWork) -> dict[str, Any]:
        topic = uow.get_topic(topic_id)
        if topic is None:
            raise NotFound("topic_not_found")
        now = ctx.clock()
        topic.check_open(now)
        if topic.kind == Kind.survey:
            raise Invalid("survey_takes_responses")
        if topic.kind == Kind.drive:
            raise Invalid("drive_takes_letters")
        paragraph = _paragraph(topic, command.paragraph)
        department = None
        if topic.kind == Kind.interview:
            if stance is not None:
                raise Invalid("no_stance", field="stance")
            department = command.department or topic.department
            if department not in topic.departments:
                raise Invalid("interview_department_choice", field="department")
        elif command.department is not None:
            raise Invalid("department_not_interview", field="department")
        if client is not None:
            window, ends = _hour_window(now)
            _take_quota(uow, f"comment:{topic.id}:{client}:{window}",
                        ctx.abuse.comments_per_hour, ends)
        comment = Comment(id=new_code(10).lower(), topic_id=topic.id, body=command.body,
                          created_at=now, stance=stance, paragraph=paragraph,
                          department=department, name=command.name, client=client)
        comment.history.append({"at": now.isoformat(), "actor": "citizen",
                                "action": "submit", "from": None, "to": "pending",
                                "reason": None})
        uow.add_comment(comment)
        return {"id": comment.id, "status": str(comment.status)}

    return once(ctx, f"comments/{topic_id}", command.once, make)


def _already_answered(per_day: int) -> Conflict:
    """The survey was answered today from this network (the quota is per network and China-time
    day): a 409 `already_answered`, not a 429 — answering again is not flooding."""
    if per_day == 1:
        return Conflict("survey_answered_today")
    return Conflict("survey_answered_times", per_day=per_day)


def add_response(ctx: Context, survey_id: str, command: AddResponse,
                 client: str | None = None) -> Answer:
    """POST /api/surveys/{survey_id}/responses: {id, status: accepted}; free-text answers
    become comments awaiting moderation; replayed by key."""

    def make(uow: UnitOfWork) -> dict[str, Any]:
        topic = uow.get_topic(survey_id)
        if topic is None or topic.kind != Kind.survey:
            raise NotFound("survey_not_found")
        now = ctx.clock()
        topic.check_open(now)
        answers = C.validate_answers(topic, command.answers)
        if client is not None:
            window, ends = _day_window(now)
            quota = f"response:{topic.id}:{client}:{window}"
            if uow.quota_used(quota) >= ctx.abuse.responses_per_day:
                raise _already_answered(ctx.abuse.responses_per_day)
            uow.use_quota(quota, ctx.abuse.responses_per_day, ends)
        response = Response(id=new_code(10).lower(), topic_id=topic.id, answers={},
                            created_at=now, client=client)
        for q in topic.questions:
            if q.id not in answers:
                continue
            if q.kind == QuestionKind.text:
                comment = Comment(id=new_code(10).lower(), topic_id=topic.id,
                                  body=str(answers[q.id]), created_at=now, question=q.id,
                                  response_id=response.id, client=client)
                comment.history.append({"at": now.isoformat(), "actor": "citizen",
                                        "action": "submit", "from": None, "to": "pending",
                                        "reason": None})
                uow.add_comment(comment)
                response.texts[q.id] = comment.id
            else:
                response.answers[q.id] = answers[q.id]
        uow.add_response(response)
        return {"id": response.id, "status": "accepted"}

    return once(ctx, f"responses/{survey_id}", command.once, make)


# --- staff -----------------------------------------------------------------------------------

def staff_comment(comment: Comment, topic: Topic | None) -> dict[str, Any]:
    """A comment as the console shows it: everything but the client hash."""
    a = comment.answer
    question = topic.question(comment.question) if topic and comment.question else None
    return {
        "id": comment.id, "topic": comment.topic_id,
        "topic_title": topic.title if topic else None,
        "kind": str(topic.kind) if topic else None, "body": comment.body,
        "stance": str(comment.stance) if comment.stance else None,
        "paragraph": comment.paragraph, "question": comment.question,
        "question_text": question.text if question else None,
        "department": comment.department, "name": comment.name,
        "status": str(comment.status), "reason": comment.reason,
        "created_at": _local(comment.created_at), "moderated_by": comment.moderated_by,
        "moderated_at": _local(comment.moderated_at),
        "answer": None if a is None else {"body": a.body, "by": a.by,
                                          "department": a.department, "at": _local(a.at)},
        "version": comment.version, "history": comment.history,
        # an interview question's classification (services/interviews.py) and its letter
        "classification": comment.classification, "letter_id": comment.letter_id,
    }


def _guest_clerk(actor: Actor, topic: Topic) -> bool:
    return (actor.role == "clerk" and topic.kind == Kind.interview
            and actor.department in topic.departments)


def list_staff_comments(ctx: Context, actor: Actor, query: Mapping[str, str]
                        ) -> list[dict[str, Any]]:
    """The moderation queue (office), oldest first; a guest department's clerk sees the
    questions of its interviews (`topic` required)."""
    require(actor, "office", "clerk")
    status = query.get("status") or None
    if status is not None and not is_choice(status, CommentStatus.__members__):
        raise Invalid("comment_status_choice", field="status")
    topic_id = query.get("topic") or None
    if topic_id is not None:
        topic = ctx.store.get_topic(topic_id)
        if topic is None:
            raise NotFound("topic_not_found", field="topic")
        topics = [topic]
    else:
        topics = ctx.store.list_topics()
    if actor.role == "clerk" and not (topic_id and _guest_clerk(actor, topics[0])):
        raise Forbidden("interview_clerk_only")
    rows = []
    for topic in topics:
        rows += [(c.created_at, c.id, staff_comment(c, topic))
                 for c in ctx.store.topic_comments(topic.id, status)]
    rows.sort(key=lambda r: (r[0], r[1]))
    return [r[2] for r in rows]


def staff_outcome(outcome: Outcome | None) -> dict[str, Any] | None:
    """The stored outcome as the console's editor starts from it: unredacted, with the ids of
    the comments it answers (the public view redacts and resolves them)."""
    if outcome is None:
        return None
    return {"summary": outcome.summary, "by": outcome.by, "at": _local(outcome.at),
            "revision": outcome.revision,
            "items": [{"comment_id": i.comment_id, "decision": str(i.decision),
                       "reason": i.reason, "opinion": i.opinion} for i in outcome.items]}


def staff_topics(ctx: Context, actor: Actor) -> list[dict[str, Any]]:
    """Counts per topic for the console: the office sees every topic, a clerk those of its
    department; with the stored outcome, from which the office's editor starts."""
    require(actor, "office", "clerk")
    now = ctx.clock()
    out = []
    for topic in _order(ctx.store.list_topics()):
        if actor.role == "clerk" and actor.department not in topic.departments:
            continue
        tallies = ctx.store.topic_tallies(topic.id)
        out.append({**topic_summary(topic, now),
                    "counts": {s: tallies.get(f"status:{s}", 0) for s in CommentStatus},
                    "responses": tallies.get("responses", 0),
                    "has_outcome": topic.outcome is not None,
                    "outcome": staff_outcome(topic.outcome), "tallies": tallies})
    return out


def _moderate(ctx: Context, actor: Actor, comment_id: str, act: Any,
              allow_guest: bool = False) -> dict[str, Any]:
    with ctx.store.unit_of_work() as uow:
        comment = uow.get_comment(comment_id)
        if comment is None:
            raise NotFound("comment_not_found")
        topic = uow.get_topic(comment.topic_id)
        if topic is None:
            raise NotFound("topic_not_found")
        if actor.role != "office" and not (allow_guest and actor.role == "clerk"):
            raise Forbidden("role_forbidden")
        act(comment, topic, ctx.clock())
        uow.save_comment(comment)
        uow.commit()
    return staff_comment(comment, topic)


def approve_comment(ctx: Context, actor: Actor, comment_id: str,
                    command: ApproveComment = ApproveComment()) -> dict[str, Any]:
    require(actor, "office")
    return _moderate(ctx, actor, comment_id,
                     lambda c, t, now: c.approve(actor.username, now))


def reject_comment(ctx: Context, actor: Actor, comment_id: str, command: RejectComment
                   ) -> dict[str, Any]:
    require(actor, "office")
    return _moderate(ctx, actor, comment_id,
                     lambda c, t, now: c.reject(command.reason, actor.username, now))


def answer_comment(ctx: Context, actor: Actor, comment_id: str, command: AnswerComment
                   ) -> dict[str, Any]:
    """An interview question answered by the office or a guest department's clerk; the
    question is published with its answer at once."""
    require(actor, "office", "clerk")

    def act(comment: Comment, topic: Topic, now: datetime) -> None:
        if topic.kind != Kind.interview or comment.department is None:
            raise Conflict("not_an_interview", field="id")
        if actor.role == "clerk" and not _guest_clerk(actor, topic):
            raise Forbidden("not_a_guest")
        department = actor.department if actor.role == "clerk" else comment.department
        comment.answer_with(command.body, actor.username, department or topic.department, now)
    return _moderate(ctx, actor, comment_id, act, allow_guest=True)


def _check_closed(topic: Topic, now: datetime) -> None:
    if now < topic.closes:
        raise Conflict("topic_open", field="closes")


def publish_outcome(ctx: Context, actor: Actor, topic_id: str, command: PublishOutcome
                    ) -> dict[str, Any]:
    """POST /api/staff/topics/{topic_id}/outcome (office, after the topic closes): the
    summary and a decision with a reason per opinion; publishing again replaces it. Each item
    that names a comment must name an approved comment of this topic, once."""
    require(actor, "office")
    topic = ctx.store.get_topic(topic_id)
    if topic is None:
        raise NotFound("topic_not_found")
    _check_closed(topic, ctx.clock())
    approved = {c.id for c in ctx.store.topic_comments(topic_id, CommentStatus.approved)}
    items: list[OutcomeItem] = []
    seen: set[str] = set()
    for item in command.items:
        where, cid = item.where, item.comment_id
        if cid is not None:
            found = ctx.store.get_comment(cid)
            if found is None or found.topic_id != topic_id:
                raise Invalid("unknown_comment", field=f"{where}.comment_id", where=where)
            if cid not in approved:
                raise Invalid("comment_not_approved", field=f"{where}.comment_id", where=where)
            if cid in seen:
                raise Invalid("duplicate_comment", field=f"{where}.comment_id", where=where)
            seen.add(cid)
        items.append(OutcomeItem(cid, item.decision, item.reason, item.opinion))
    with ctx.store.unit_of_work() as uow:
        topic = uow.get_topic(topic_id)
        if topic is None:
            raise NotFound("topic_not_found")
        now = ctx.clock()
        _check_closed(topic, now)
        revision = topic.outcome.revision + 1 if topic.outcome else 1
        topic.outcome = Outcome(summary=command.summary, items=tuple(items), by=actor.username,
                                at=now, revision=revision)
        uow.put_topic(topic)
        uow.commit()
    return {"topic": topic.id, "url": topic.url, "revision": revision,
            "outcome": C.public_view(topic, ctx.store.topic_comments(topic.id, "approved"),
                                     ctx.store.topic_tallies(topic.id))["outcome"]}
