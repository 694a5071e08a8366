"""HTTP routes of consultations (API.md: topics, comments, surveys, and their staff routes), as
two blueprints that app.py registers under /api beside those of `api.py`, whose `view` maps
errors the same way.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalice import Blueprint

from ..services import comment_votes
from ..services import topics as ts
from ..services.abuse import recorded, take_vote_quota
from . import parse
from .letters import JSON_TYPES, _actor, _ctx, _object, client_hash, view

public = Blueprint(__name__)
staff = Blueprint(__name__ + ".staff")


@public.route("/topics", methods=["GET"])
@view(public)
def list_topics() -> tuple[int, Any]:
    return 200, ts.list_topics(_ctx())


@public.route("/topics/{topic_id}", methods=["GET"])
@view(public)
def get_topic(topic_id: str) -> tuple[int, Any]:
    return 200, ts.get_topic(_ctx(), topic_id)


@public.route("/topics/{topic_id}/comments", methods=["POST"], content_types=JSON_TYPES)
@view(public)
@recorded("comments", _ctx)
def add_comment(topic_id: str) -> tuple[int, Any]:
    command = parse.add_comment(_object(public))
    return 202, ts.add_comment(_ctx(), topic_id, command, client_hash(public)).body


@public.route("/surveys/{survey_id}/responses", methods=["POST"], content_types=JSON_TYPES)
@view(public)
@recorded("responses", _ctx)
def add_response(survey_id: str) -> tuple[int, Any]:
    command = parse.add_response(_object(public))
    return 202, ts.add_response(_ctx(), survey_id, command, client_hash(public)).body


@public.route("/comments/{comment_id}/votes", methods=["POST"], content_types=JSON_TYPES)
@view(public)
@recorded("votes", _ctx)
def vote_comment(comment_id: str) -> tuple[int, Any]:
    """顶/踩 on a published comment or interview answer (services/comment_votes.py)."""
    command = parse.vote(_object(public))       # bad input is a 400 and uses no quota
    client = client_hash(public)
    take_vote_quota(_ctx(), client)
    return 202, comment_votes.vote_comment(_ctx(), comment_id, command, client)


@staff.route("/staff/topics", methods=["GET"])
@view(staff)
def staff_topics() -> tuple[int, Any]:
    return 200, ts.staff_topics(_ctx(), _actor(staff))


@staff.route("/staff/comments", methods=["GET"])
@view(staff)
def list_comments() -> tuple[int, Any]:
    query: Mapping[str, str] = staff.current_request.query_params or {}
    return 200, ts.list_staff_comments(_ctx(), _actor(staff), dict(query))


@staff.route("/staff/comments/{comment_id}/approve", methods=["POST"], content_types=JSON_TYPES)
@view(staff)
def approve_comment(comment_id: str) -> tuple[int, Any]:
    actor = _actor(staff)
    return 200, ts.approve_comment(_ctx(), actor, comment_id,
                                   parse.approve_comment(_object(staff)))


@staff.route("/staff/comments/{comment_id}/reject", methods=["POST"], content_types=JSON_TYPES)
@view(staff)
def reject_comment(comment_id: str) -> tuple[int, Any]:
    actor = _actor(staff)
    return 200, ts.reject_comment(_ctx(), actor, comment_id,
                                  parse.reject_comment(_object(staff)))


@staff.route("/staff/comments/{comment_id}/answer", methods=["POST"], content_types=JSON_TYPES)
@view(staff)
def answer_comment(comment_id: str) -> tuple[int, Any]:
    actor = _actor(staff)
    return 200, ts.answer_comment(_ctx(), actor, comment_id,
                                  parse.answer_comment(_object(staff)))


@staff.route("/staff/topics/{topic_id}/outcome", methods=["POST"], content_types=JSON_TYPES)
@view(staff)
def publish_outcome(topic_id: str) -> tuple[int, Any]:
    actor = _actor(staff)
    return 200, ts.publish_outcome(_ctx(), actor, topic_id,
                                   parse.publish_outcome(_object(staff)))
