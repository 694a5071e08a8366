"""Comments (moderated: pending → approved | rejected, questions answered by guests) and
survey responses on a topic, the answers a response may give, and the running tallies the
store adds as differences (`comment_counts`, `response_counts`, `recompute`)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .. import text
from ..errors import Invalid, InvalidTransition
from .topics import (
    COMMENT_MAX,
    CommentStatus,
    QuestionKind,
    Stance,
    Topic,
    datetime_or_none,
    iso_or_none,
    label,
)

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
    # an interview question's classification (interviews.Classification.to_dict), with the
    # id of the letter a demand became
    classification: dict[str, Any] | None = None

    @property
    def letter_id(self) -> str | None:
        return (self.classification or {}).get("letter_id")

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
            "moderated_by": self.moderated_by, "moderated_at": iso_or_none(self.moderated_at),
            "answer": None if a is None else {"body": a.body, "by": a.by,
                                              "department": a.department,
                                              "at": a.at.isoformat()},
            "version": self.version, "history": self.history,
            "classification": self.classification,
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
            moderated_at=datetime_or_none(d.get("moderated_at")),
            answer=None if not a else Answer(a["body"], a["by"], a["department"],
                                             datetime.fromisoformat(a["at"])),
            version=int(d.get("version", 0)), history=list(d.get("history") or []),
            classification=d.get("classification"))


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
