"""Bodies of the interview programme's routes turned into commands (like `parse.py`, whose
helpers it uses): types, enums and unknown fields refused with the field named."""
from __future__ import annotations

from typing import Any

from ..domain import interviews as I
from ..domain import text
from ..domain.errors import Invalid
from ..services.interviews import ClassifyQuestion, EvaluateSession
from .parse import flag, obj, optional_text


def classify_question(payload: Any) -> ClassifyQuestion:
    """POST /api/staff/comments/{id}/classify: {kind, verdict, letter}."""
    payload = obj(payload, "kind", "verdict", "letter")
    kind = payload.get("kind")
    if not text.is_choice(kind, I.QuestionKind.__members__):
        raise Invalid("question_kind_choice", field="kind")
    verdict = payload.get("verdict")
    if verdict is not None and not text.is_choice(verdict, I.Verdict.__members__):
        raise Invalid("verdict_choice", field="verdict")
    return ClassifyQuestion(kind=I.QuestionKind(kind),
                            verdict=I.Verdict(verdict) if verdict is not None else None,
                            letter=flag(payload, "letter", False))


def evaluate_session(payload: Any) -> EvaluateSession:
    """POST /api/staff/topics/{topic_id}/evaluation: {scores, comment}; the scores are
    checked against the criteria by the use case (`interviews.validate_scores`)."""
    payload = obj(payload, "scores", "comment")
    scores = payload.get("scores")
    if not isinstance(scores, dict):
        raise Invalid("scores_not_object", field="scores")
    comment = optional_text(payload, "comment", max_len=I.EVALUATION_COMMENT_MAX, line=False)
    return EvaluateSession(scores=dict(scores), comment=comment)
