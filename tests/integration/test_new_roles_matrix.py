"""The three roles of issue 15 against every staff route of the API document: an operator
(话务员) may only take letters, an evaluator (评议人) only score interviews, a leader only read
and instruct the letters sent to that leader. Each route is called with real ids (a letter
dispatched to a department, an approved interview question, an interview), so a refusal is the
role check and not a missing record; a route added later is called too, because the list comes
from the document."""
from __future__ import annotations

import pytest

from chalicelib.api import openapi
from chalicelib.domain.leaders import Leader
from chalicelib.services import auth
from chalicelib.services import topics as topic_services
from chalicelib.services.context import Actor, Context
from fakes import DEPARTMENTS, NOTIFY, letter_payload, topic

LEADERS = {"mayor": Leader("mayor", "林远舟", "Lin Yuanzhou", "市长", "Mayor", 1)}

# what each role may do: (method, path) → the statuses it may answer (never a 403)
ALLOWED = {
    "operator": {("POST", "/api/staff/letters")},
    "evaluator": {("POST", "/api/staff/topics/{topic_id}/evaluation"),
                  ("GET", "/api/staff/evaluations")},
    # a leader's own list: the letters addressed or escalated to that leader (none here)
    "leader": {("GET", "/api/staff/letters")},
}
USERS = {"operator": ("op-1", None), "evaluator": ("eval-1", "deputy"),
         "leader": ("mayor-1", "mayor")}


@pytest.fixture
def ctx(store, calendar, clock) -> Context:
    return Context(store=store, calendar=calendar, clock=clock, departments=DEPARTMENTS,
                   notify=NOTIFY, leaders=LEADERS)


@pytest.fixture
def world(api, ctx, clock):
    """A dispatched letter, an interview with an approved question, and the three accounts."""
    for role, (username, extra) in USERS.items():
        ctx.store.put_account(auth.new_account(username, "correct horse", role, extra, clock()))
        status, body = api.call("POST", "/api/staff/login",
                                {"username": username, "password": "correct horse"})
        assert status == 200, body
        api.tokens[username] = body["token"]
    status, letter = api.call("POST", "/api/letters", letter_payload())
    assert status == 201, letter
    status, body = api.call("POST", f"/api/staff/letters/{letter['id']}/dispatch",
                            {"department": "housing"}, as_user="office-1")
    assert status == 200, body
    topic_services.register_topics(ctx, [topic("interview", "talk")])
    cid = topic_services.add_comment(ctx, "talk", _question()).body["id"]
    topic_services.approve_comment(ctx, Actor("office-1", "office"), cid)
    return {"letter_id": letter["id"], "comment_id": cid, "topic_id": "talk",
            "week": "2026-W47"}


def _question():
    from chalicelib.api import parse
    return parse.add_comment({"body": "公交线路什么时候调整？"})


# a body each route accepts, so that a refusal is the role check and not the body's
BODIES = {"dispatch": {"department": "housing"}, "reject": {"reason": "无效来信"}, "sign": {},
          "transfer": {"reason": "不属于本部门"}, "extension": {"working_days": 3,
                                                               "reason": "需要调查"},
          "approve": {"publish": True}, "deny": {"reason": "理由不足"},
          "reply": {"body": "已处理。"}, "redo": {"reason": "答复不具体"},
          "keep": {"reason": "答复得当"}, "escalate": {"leader": "mayor", "note": "请阅示"},
          "instruction": {"text": "请抓紧办理。", "leader": "mayor"},
          "supervise": {"reason": "群众反映强烈", "due": None}, "preview": {},
          "erase": {"reason": "来信人要求删除个人信息"},
          "answer": {"body": "下月调整。"},
          "classify": {"kind": "consultation", "verdict": None, "letter": False},
          "outcome": {"summary": "采纳情况", "items": []},
          "evaluation": {"scores": {}, "comment": "好"}}


def _body(method: str, path: str) -> dict | None:
    if method != "POST":
        return None
    if path == "/api/staff/letters":
        return {**letter_payload(), "channel": "phone",
                "received_at": "2026-11-23T09:00:00+08:00"}
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if path.endswith(("/comments/{comment_id}/approve", "/extension/approve")):
        return {}
    if path.endswith("/comments/{comment_id}/reject"):
        return {"reason": "与主题无关"}
    return BODIES[last]


def _staff_routes() -> list[tuple[str, str]]:
    doc = openapi.document(DEPARTMENTS)
    return sorted((method.upper(), path) for path, ops in doc["paths"].items()
                  if path.startswith("/api/staff/") and path != "/api/staff/login"
                  for method in ops)


def test_the_route_list_comes_from_the_document():
    routes = _staff_routes()
    assert ("POST", "/api/staff/letters/{letter_id}/escalate") in routes
    assert ("POST", "/api/staff/comments/{comment_id}/classify") in routes
    assert len(routes) >= 30


@pytest.mark.parametrize("role", sorted(USERS))
def test_each_new_role_is_refused_every_route_it_was_not_given(api, world, role):
    username = USERS[role][0]
    refused, allowed = [], []
    for method, path in _staff_routes():
        url = path.format(**world)
        status, body = api.call(method, url, _body(method, path), as_user=username)
        assert status < 500, (method, path, body)
        if (method, path) in ALLOWED[role]:
            allowed.append((method, path, status))
            assert status != 403, (method, path, body)
        else:
            refused.append((method, path, status))
            # a refusal: forbidden, or (a letter not addressed to a leader) as if it did not
            # exist; never an answer, never an invalid-input 400 that a valid body would pass
            assert status in (403, 404), (role, method, path, status, body)
            assert set(body["error"]) >= {"code", "message", "field"}
    assert len(allowed) == len(ALLOWED[role])
    assert len(refused) >= 25


def test_what_the_new_roles_were_given_works(api, world):
    status, body = api.call("POST", "/api/staff/letters",
                            {**letter_payload(), "channel": "phone",
                             "received_at": "2026-11-23T09:00:00+08:00"}, as_user="op-1")
    assert status == 201, body
    status, rows = api.call("GET", "/api/staff/letters", as_user="mayor-1")
    assert status == 200 and rows["rows"] == []
    status, body = api.call("GET", "/api/staff/evaluations", as_user="eval-1")
    assert status == 200, body
