"""HTTP routes of API.md as Chalice blueprints. A view parses the body into a command
(`parse.py`), calls one use case and picks the status of its answer; `view` maps every domain
error to its status and the one error body of API.md. Only this layer knows HTTP statuses.
"""
from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from chalice import Blueprint, Response

from .. import bootstrap
from ..domain.errors import (
    DomainError,
    Invalid,
    NotFound,
    StoreError,
    Unauthorized,
    body_for,
    body_of,
)
from ..services import (
    abuse,
    auth,
    casework,
    channels,
    erasure,
    leaders,
    oversight_actions,
    suggestions,
    supervision,
)
from ..services import letters as services
from ..services.context import Actor, Context
from . import clients, parse, parse_oversight, parse_privacy, request_body
from .function_app import HEADERS

log = logging.getLogger("wenzheng.api")

JSON_TYPES = ["application/json", "text/plain"]

public = Blueprint(__name__)
staff = Blueprint(__name__ + ".staff")
T = TypeVar("T")


def _json(status: int, body: Any) -> Response:
    return Response(body=json.dumps(body, ensure_ascii=False), status_code=status,
                    headers=dict(HEADERS))


def view(bp: Blueprint) -> Callable:
    """Run a view; domain errors become their 4xx, anything else a logged 500 (a bug)."""
    def wrap(fn: Callable[..., tuple[int, Any]]) -> Callable[..., Response]:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Response:
            try:
                _check_path(kwargs)
                status, body = fn(*args, **kwargs)
            except DomainError as err:
                return _json(err.status, body_for(err))
            except StoreError:
                log.exception("store failure in %s", fn.__name__)
                return _json(503, body_of("unavailable"))
            except Exception:  # noqa: BLE001 - the one place that turns bugs into a clean 500
                log.exception("unhandled error in %s", fn.__name__)
                return _json(500, body_of("internal"))
            return _json(status, body)
        return run
    return wrap


MAX_PATH_PARAM = 200


def _check_path(params: dict[str, Any]) -> None:
    """Ids, codes and actions in a path are short: a longer one names nothing (and DynamoDB
    refuses keys over 2 KB), so it is a 404 before any store sees it."""
    for value in params.values():
        if not isinstance(value, str) or len(value) > MAX_PATH_PARAM:
            raise NotFound("no_such_resource")


def _body(bp: Blueprint) -> Any:
    return request_body.parse(bp.current_request.raw_body)


def _object(bp: Blueprint) -> dict:
    body = _body(bp)
    if not isinstance(body, dict):
        raise Invalid("body_not_object")
    return body


def _ctx() -> Context:
    return bootstrap.app().ctx


def _header(bp: Blueprint, name: str) -> str | None:
    headers: Mapping[str, str] = bp.current_request.headers or {}
    return headers.get(name) or headers.get(name.lower())


# --- public ---------------------------------------------------------------------------------

@public.route("/health", methods=["GET"])
@view(public)
def health() -> tuple[int, Any]:
    return 200, {"status": "ok"}


@public.route("/departments", methods=["GET"])
@view(public)
def departments() -> tuple[int, Any]:
    return 200, [{"id": d.id, "name": d.name, "name_en": d.name_en}
                 for d in _ctx().departments.values()]


@public.route("/letters", methods=["POST"], content_types=JSON_TYPES)
@view(public)
@abuse.recorded("letters", _ctx)
def submit_letter() -> tuple[int, Any]:
    payload = abuse.check_honeypot(_object(public))
    command = parse.submit_letter(payload, _ctx().departments, leaders=_ctx().leaders)
    answer = services.submit_letter(_ctx(), command, client_hash(public))
    # a replay answers 200 with the first answer (API.md), the first time 201
    return (200 if answer.replayed else 201), answer.body


# API Gateway allows one variable name per path level: {ref} is a tracking code for the writer's
# routes and a letter id for votes (API.md's {tracking_code} and {id}).

@public.route("/letters/{ref}", methods=["GET"])
@view(public)
@abuse.recorded("tracking", _ctx)
def track_letter(ref: str) -> tuple[int, Any]:
    return 200, _guess_secret(ref, lambda: services.track_letter(
        _ctx(), ref, _header(public, "X-Letter-Secret")))


@public.route("/letters/{ref}/rating", methods=["POST"], content_types=JSON_TYPES)
@view(public)
@abuse.recorded("tracking", _ctx)
def rate_reply(ref: str) -> tuple[int, Any]:
    payload = _object(public)
    return 201, _guess_secret(ref, lambda: services.rate_reply(
        _ctx(), ref, _header(public, "X-Letter-Secret"), parse.rate_reply(payload)))


@public.route("/letters/{ref}/secret", methods=["POST"], content_types=JSON_TYPES)
@view(public)
@abuse.recorded("secret", _ctx)
def reset_secret(ref: str) -> tuple[int, Any]:
    """A writer who lost the tracking secret asks for a new one, sent to the contact given."""
    command = parse.reset_secret(_object(public))     # bad input is a 400 and uses no quota
    abuse.take_secret_reset_quota(_ctx(), client_hash(public), abuse.tracking_account(ref))
    # the same 202 whether the contact matched or not
    return 202, services.reset_secret(_ctx(), ref, command)


@public.route("/suggest", methods=["POST"], content_types=JSON_TYPES)
@view(public)
@abuse.recorded("suggest", _ctx)
def suggest() -> tuple[int, Any]:
    """Which department a letter probably goes to (the write form asks as the writer types)."""
    command = parse.suggest(_object(public))            # bad input is a 400 and uses no quota
    abuse.take_suggest_quota(_ctx(), client_hash(public))
    return 200, suggestions.suggest(_ctx(), command)


@public.route("/letters/{ref}/votes", methods=["POST"], content_types=JSON_TYPES)
@view(public)
@abuse.recorded("votes", _ctx)
def vote(ref: str) -> tuple[int, Any]:
    payload = _object(public)
    client = client_hash(public)
    abuse.take_vote_quota(_ctx(), client)
    return 202, services.vote(_ctx(), ref, parse.vote(payload), client)


def _guess_secret(ref: str, attempt: Callable[[], T]) -> T:
    """A tracking-secret check within the guessing limits: a 404 for a secret sent counts as a
    wrong guess."""
    secret = _header(public, "X-Letter-Secret")
    guess = isinstance(secret, str) and bool(secret.strip())     # no secret is no guess
    return abuse.guarded(_ctx(), "tracking", abuse.tracking_account(ref), client_hash(public),
                         attempt, lambda err: guess and isinstance(err, NotFound))


def client_hash(bp: Blueprint) -> str:
    """Who is calling, for one-per-client rules and abuse limits, without keeping the address:
    a keyed hash of the caller's network (`clients.py`: the IPv4 address or IPv6 /64; behind
    CloudFront, in a deployed stage, the viewer's address the edge writes, never a header the
    client chooses)."""
    composed = bootstrap.app()
    req = bp.current_request
    address = clients.client_address(req.headers, req.context,
                                     behind_edge=not composed.settings.is_local)
    return clients.client_key(clients.network_of(address), composed.signer.secret)


@public.route("/openapi.json", methods=["GET"])
@view(public)
def openapi() -> tuple[int, Any]:
    from .openapi import document
    return 200, document()


# --- staff ----------------------------------------------------------------------------------

def _actor(bp: Blueprint = staff) -> Actor:
    header = _header(bp, "Authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("login_first")
    composed = bootstrap.app()
    return auth.current_actor(composed.signer, composed.ctx.store, token.strip())


@staff.route("/staff/login", methods=["POST"], content_types=JSON_TYPES)
@view(staff)
@abuse.recorded("login", _ctx)
def login() -> tuple[int, Any]:
    composed = bootstrap.app()
    payload = _object(staff)
    parse.login(payload)
    # a body without a usable username and password is refused (401) but guesses nothing
    guess = abuse.login_account(payload) is not None and isinstance(payload.get("password"), str)
    return 200, abuse.guarded(
        composed.ctx, "login", abuse.login_account(payload), client_hash(staff),
        lambda: auth.login(composed.ctx.store, composed.signer, payload,
                           allow_demo=composed.settings.is_local),
        lambda err: guess and isinstance(err, Unauthorized))


@staff.route("/staff/letters", methods=["GET"])
@view(staff)
def list_letters() -> tuple[int, Any]:
    query: Mapping[str, str] = staff.current_request.query_params or {}
    return 200, casework.list_staff_letters(_ctx(), _actor(), dict(query))


@staff.route("/staff/letters", methods=["POST"], content_types=JSON_TYPES)
@view(staff)
def take_letter() -> tuple[int, Any]:
    """A letter an operator took from another channel (phone, SMS, fax…): services/channels."""
    actor = _actor()
    command = parse.take_letter(_object(staff), _ctx().departments,
                               leaders=_ctx().leaders)
    answer = channels.take_letter(_ctx(), actor, command)
    return (200 if answer.replayed else 201), answer.body


@staff.route("/staff/dashboard", methods=["GET"])
@view(staff)
def dashboard() -> tuple[int, Any]:
    return 200, supervision.office_dashboard(_ctx(), _actor())


@staff.route("/staff/reports", methods=["GET"])
@view(staff)
def list_reports() -> tuple[int, Any]:
    return 200, supervision.list_reports(_ctx(), _actor())


@staff.route("/staff/reports/{week}", methods=["GET"])
@view(staff)
def get_report(week: str) -> tuple[int, Any]:
    return 200, supervision.get_report(_ctx(), _actor(), week)


@staff.route("/staff/letters/{letter_id}", methods=["GET"])
@view(staff)
def get_letter(letter_id: str) -> tuple[int, Any]:
    return 200, casework.get_staff_letter(_ctx(), _actor(), letter_id)


@staff.route("/staff/letters/{letter_id}/preview", methods=["GET", "POST"],
             content_types=JSON_TYPES)
@view(staff)
def preview_letter(letter_id: str) -> tuple[int, Any]:
    """GET: the public version with the office's current wording; POST: of a draft (unsaved)."""
    actor = _actor()
    draft = (parse.public_draft(_object(staff)) if staff.current_request.method == "POST"
             else None)
    return 200, casework.preview_letter(_ctx(), actor, letter_id, draft)


def _dispatch(payload: Any) -> Any:
    return parse.dispatch_letter(payload, _ctx().departments)


# each action: how its body becomes a command, and the use case that takes it
ACTIONS: dict[str, tuple[Callable[[Any], Any], Callable[..., dict]]] = {
    "dispatch": (_dispatch, casework.dispatch_letter),
    "reject": (parse.reject_letter, casework.reject_letter),
    "sign": (parse.sign_letter, casework.sign_letter),
    "transfer": (parse.transfer_letter, casework.transfer_letter),
    "extension": (parse.request_extension, casework.request_extension),
    "reply": (parse.reply_to_letter, casework.reply_to_letter),
    "approve": (parse.approve_reply, casework.approve_reply),
    "redo": (parse.order_redo, casework.order_redo),
    "keep": (parse.keep_reply, casework.keep_reply),
    "escalate": (parse.escalate_letter, leaders.escalate_letter),
    "instruction": (parse.record_instruction, leaders.record_instruction),
    "supervise": (parse_oversight.supervise_letter, oversight_actions.supervise_letter),
    "erase": (parse_privacy.erase_letter, erasure.erase_letter),      # a writer's request
}


@staff.route("/staff/letters/{letter_id}/{action}", methods=["POST"], content_types=JSON_TYPES)
@view(staff)
def act(letter_id: str, action: str) -> tuple[int, Any]:
    found = ACTIONS.get(action)
    actor = _actor()
    if found is None:
        raise NotFound("unknown_action", action=action)
    command, use_case = found
    return 200, use_case(_ctx(), actor, letter_id, command(_object(staff)))


@staff.route("/staff/letters/{letter_id}/extension/{decision}", methods=["POST"],
             content_types=JSON_TYPES)
@view(staff)
def decide_extension(letter_id: str, decision: str) -> tuple[int, Any]:
    actor = _actor()
    if decision == "approve":
        return 200, casework.approve_extension(_ctx(), actor, letter_id,
                                               parse.approve_extension(_object(staff)))
    if decision == "deny":
        return 200, casework.deny_extension(_ctx(), actor, letter_id,
                                            parse.deny_extension(_object(staff)))
    raise NotFound("unknown_decision", decision=decision)
