"""Use cases of the interview programme (API.md "Interview programme and evaluators").

- `classify_question`: during or after a session, the office or a guest department's clerk
  says what a question was: a consultation answered live, a suggestion judged (adopted, a
  typical case, not adopted), or a demand that becomes a letter (`letter: true`) dispatched at
  once to the department the question was addressed to, with the usual deadlines. The comment
  and the new letter commit together, the comment guarded by its version, so of two
  concurrent classifications one makes the letter and the other, retried, finds it (nothing
  asked live is lost, nothing is made twice);
- `evaluate_session`: a third-party evaluator scores a session on the published criteria;
  one evaluation per evaluator and session, revised while the window is open; stored with the
  topic (so the topic's change record re-renders its page and /interviews/);
- `evaluator_sessions`: the evaluator's console list.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from ..domain import interviews as I
from ..domain import notifications
from ..domain.consultations import Comment, Kind, Topic
from ..domain.consultations.topics import local_text
from ..domain.errors import Conflict, Forbidden, Gone, NotFound
from ..domain.letters import Letter, LetterType
from .context import Actor, Context, hash_secret, new_code, require, retry_on_conflict
from .ports import UnitOfWork
from .topics import staff_comment

SUBJECT_CHARS = 40          # the letter's subject: the question's first characters
LETTER_TYPE = LetterType.help


@dataclass(frozen=True)
class ClassifyQuestion:
    kind: I.QuestionKind
    verdict: I.Verdict | None
    letter: bool


@dataclass(frozen=True)
class EvaluateSession:
    scores: dict[str, Any]
    comment: str | None


# --- classifying questions ---------------------------------------------------------------

def classified_view(comment: Comment, topic: Topic | None) -> dict[str, Any]:
    """The comment as the console shows it, with its classification and letter."""
    return {**staff_comment(comment, topic), "classification": comment.classification,
            "letter_id": comment.letter_id}


def _subject(body: str) -> str:
    line = " ".join(body.split())
    short = line if len(line) <= SUBJECT_CHARS else line[:SUBJECT_CHARS - 1] + "…"
    return f"在线访谈提问：{short}"


def letter_from_question(ctx: Context, uow: UnitOfWork, actor: Actor, comment: Comment,
                         topic: Topic) -> Letter:
    """A new letter made of a question: written by the asker (name only, no contact, so no
    receipt goes out), submitted when the question was asked, dispatched now to the department
    the question was addressed to; its history names the topic and the question."""
    now = ctx.clock()
    department = comment.department or topic.department
    letter = Letter(
        id=new_code(10).lower(), tracking_code="WZ" + new_code(8),
        secret_hash=hash_secret(secrets.token_urlsafe(18)), type=LETTER_TYPE,
        subject=_subject(comment.body), body=comment.body, public=True,
        submitted_at=comment.created_at, name=comment.name,
        requested_department=department, source="web")
    letter.record_submission(comment.created_at)
    # the link from the letter to the question (the question's classification links back)
    letter._record("from_interview", actor.username, now, None, None, None,  # noqa: SLF001
                   {"topic": topic.id, "comment": comment.id})
    letter.dispatch(department, actor.username, now, ctx.calendar, ctx.limits_for(letter.type))
    for note in notifications.for_events(letter, letter.new_events, ctx.notify):
        uow.add_notification(note)
    uow.add_letter(letter)
    return letter


def classify_question(ctx: Context, actor: Actor, comment_id: str, command: ClassifyQuestion
                      ) -> dict[str, Any]:
    """POST /api/staff/comments/{id}/classify (office, clerk of a guest department)."""
    require(actor, "office", "clerk")

    def attempt() -> dict[str, Any]:
        with ctx.store.unit_of_work() as uow:
            comment = uow.get_comment(comment_id)
            if comment is None:
                raise NotFound("comment_not_found")
            topic = uow.get_topic(comment.topic_id)
            if topic is None:
                raise NotFound("topic_not_found")
            if actor.role == "clerk" and not (topic.kind == Kind.interview
                                              and actor.department in topic.departments):
                raise Forbidden("not_a_guest")
            if topic.kind != Kind.interview or comment.department is None \
                    or comment.question is not None:
                raise Conflict("not_interview_question", field="id")
            before = (I.Classification.from_dict(comment.classification)
                      if comment.classification else None)
            I.check_classification(command.kind, command.verdict, command.letter, before)
            if before is not None and before.letter_id is not None:
                return classified_view(comment, topic)     # the letter exists: idempotent
            now = ctx.clock()
            letter_id = None
            if command.letter:
                letter_id = letter_from_question(ctx, uow, actor, comment, topic).id
            after = I.Classification(kind=command.kind, verdict=command.verdict,
                                     by=actor.username, at=now, letter_id=letter_id)
            comment.classification = after.to_dict()
            comment.history.append({"at": now.isoformat(), "actor": actor.username,
                                    "action": "classify", "from": str(comment.status),
                                    "to": str(comment.status), "reason": None,
                                    "kind": str(command.kind),
                                    "verdict": str(command.verdict) if command.verdict
                                    else None, "letter_id": letter_id})
            uow.save_comment(comment)
            uow.commit()
            return classified_view(comment, topic)

    return retry_on_conflict(3, attempt)


# --- evaluations ---------------------------------------------------------------------------

def evaluator_kind(actor: Actor) -> I.EvaluatorKind:
    """An evaluator account's kind (人大代表, 政协委员, expert) is kept in its department field."""
    kind = actor.department or "expert"
    return I.EvaluatorKind(kind) if kind in I.EvaluatorKind.__members__ else \
        I.EvaluatorKind.expert


def _interview(topic: Topic | None) -> Topic:
    if topic is None or topic.kind != Kind.interview:
        raise NotFound("interview_not_found")
    return topic


def evaluate_session(ctx: Context, actor: Actor, topic_id: str, command: EvaluateSession
                     ) -> dict[str, Any]:
    """POST /api/staff/topics/{topic_id}/evaluation (evaluator): 201 for the first
    evaluation, 200 for a revision (the answer says which)."""
    require(actor, "evaluator")
    programme = ctx.interviews
    if not programme.criteria:
        raise Conflict("no_criteria")
    scores = I.validate_scores(programme.criteria, command.scores)

    def attempt() -> dict[str, Any]:
        with ctx.store.unit_of_work() as uow:
            topic = _interview(uow.get_topic(topic_id))
            now = ctx.clock()
            starts, until = I.evaluation_window(topic.opens, topic.closes,
                                                programme.window_days)
            if now < starts:
                raise Conflict("evaluation_not_open", field="topic_id",
                               opens=local_text(starts))
            if now >= until:
                raise Gone("evaluation_closed", field="topic_id",
                           until=local_text(until, end=True))
            prior = topic.evaluations.get(actor.username)
            revision = int(prior["revision"]) + 1 if prior else 1
            evaluation = I.Evaluation(evaluator=actor.username, kind=evaluator_kind(actor),
                                      scores=scores, comment=command.comment, at=now,
                                      revision=revision)
            # a revision keeps what it replaces (every change recorded: who, when, what)
            earlier = list(prior.get("earlier", [])) + [
                {k: prior.get(k) for k in ("scores", "comment", "at", "revision")}] \
                if prior else []
            topic.evaluations[actor.username] = {**evaluation.to_dict(), "earlier": earlier}
            uow.put_topic(topic)
            uow.commit()
            return {"topic": topic.id, "revision": revision, "created": prior is None,
                    "scores": dict(sorted(scores.items())), "comment": command.comment,
                    "at": now.isoformat(), "window_closes": until.isoformat(),
                    "averages": session_averages(ctx, topic)}

    return retry_on_conflict(3, attempt)


def evaluations_of(topic: Topic) -> list[I.Evaluation]:
    return [I.Evaluation.from_dict(topic.evaluations[k]) for k in sorted(topic.evaluations)]


def session_averages(ctx: Context, topic: Topic) -> dict[str, Any]:
    return I.averages(evaluations_of(topic), ctx.interviews.criteria)


def criteria_view(programme: I.Programme) -> list[dict[str, Any]]:
    """`"criteria"` of `GET /api/topics/{topic_id}` for an interview."""
    return [{"id": c.id, "label": c.label, "label_en": c.label_en,
             "description": c.description, "description_en": c.description_en}
            for c in programme.criteria]


def evaluator_sessions(ctx: Context, actor: Actor) -> dict[str, Any]:
    """GET /api/staff/evaluations: the interview sessions, newest first, each with the window
    and the evaluator's own evaluation; and the criteria."""
    require(actor, "evaluator")
    now = ctx.clock()
    rows = []
    topics = [t for t in ctx.store.list_topics() if t.kind == Kind.interview]
    topics.sort(key=lambda t: (t.starts or t.opens, t.id), reverse=True)
    for topic in topics:
        starts, until = I.evaluation_window(topic.opens, topic.closes,
                                            ctx.interviews.window_days)
        rows.append({"id": topic.id, "title": topic.title, "title_en": topic.title_en,
                     "departments": list(topic.departments),
                     "starts": topic.starts.isoformat() if topic.starts else None,
                     "window_opens": starts.isoformat(), "window_closes": until.isoformat(),
                     "open": starts <= now < until,
                     "mine": topic.evaluations.get(actor.username)})
    return {"criteria": criteria_view(ctx.interviews), "sessions": rows,
            "kind": str(evaluator_kind(actor))}
