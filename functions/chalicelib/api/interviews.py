"""HTTP routes of the interview programme (API.md "Interview programme and evaluators"): a
blueprint app.py registers under /api beside the others; `view` maps errors the same way."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint

from ..services import interviews as iv
from . import parse_interviews as parse
from .letters import JSON_TYPES, _actor, _ctx, _object, view

staff = Blueprint(__name__)


@staff.route("/staff/comments/{comment_id}/classify", methods=["POST"],
             content_types=JSON_TYPES)
@view(staff)
def classify_question(comment_id: str) -> tuple[int, Any]:
    actor = _actor(staff)
    return 200, iv.classify_question(_ctx(), actor, comment_id,
                                     parse.classify_question(_object(staff)))


@staff.route("/staff/topics/{topic_id}/evaluation", methods=["POST"],
             content_types=JSON_TYPES)
@view(staff)
def evaluate_session(topic_id: str) -> tuple[int, Any]:
    actor = _actor(staff)
    answer = iv.evaluate_session(_ctx(), actor, topic_id, parse.evaluate_session(_object(staff)))
    return (201 if answer["created"] else 200), answer


@staff.route("/staff/evaluations", methods=["GET"])
@view(staff)
def evaluator_sessions() -> tuple[int, Any]:
    return 200, iv.evaluator_sessions(_ctx(), _actor(staff))
