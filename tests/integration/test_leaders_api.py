"""Leaders' boards, escalations (呈报) and instructions (批示) through the HTTP API: a letter
addressed to a board, the office escalating it (the leader's SMS and e-mail queued in the same
commit, never the writer's contact), the instruction by the office or the leader, the leader's
console, and every refusal: the role × route matrix and each 4xx.
"""
from __future__ import annotations

import pytest

from chalicelib.domain.leaders import Leader
from chalicelib.domain.notifications import Channel, Kind
from chalicelib.services import auth
from chalicelib.services.context import Context
from fakes import DEPARTMENTS, NOTIFY, letter_payload

LEADERS = {
    "mayor": Leader("mayor", "林远舟", "Lin Yuanzhou", "市长", "Mayor", 1,
                    phone="13800000001", email="mayor@city.example"),
    "vice-he": Leader("vice-he", "何嘉树", "He Jiashu", "副市长", "Vice Mayor", 2,
                      email="vice-he@city.example"),
}


@pytest.fixture
def ctx(store, calendar, clock) -> Context:
    return Context(store=store, calendar=calendar, clock=clock, departments=DEPARTMENTS,
                   notify=NOTIFY, leaders=LEADERS)


@pytest.fixture
def lapi(api, ctx, clock):
    """The API with two leader accounts logged in: the mayor's and the vice mayor's."""
    for username, leader in (("leader-mayor", "mayor"), ("leader-he", "vice-he")):
        ctx.store.put_account(auth.new_account(username, "correct horse", "leader", leader,
                                               clock()))
        status, body = api.call("POST", "/api/staff/login",
                                {"username": username, "password": "correct horse"})
        assert status == 200, body
        api.tokens[username] = body["token"]
    return api


def submit(api, **over) -> str:
    status, body = api.call("POST", "/api/letters", letter_payload(**over))
    assert status == 201, body
    return body["id"]


def dispatch(api, lid: str, dept: str = "housing") -> None:
    status, body = api.call("POST", f"/api/staff/letters/{lid}/dispatch",
                            {"department": dept}, as_user="office-1")
    assert status == 200, body


def escalate(api, lid: str, leader: str = "mayor", note: str = "群众反映强烈，请阅示。"):
    return api.call("POST", f"/api/staff/letters/{lid}/escalate",
                    {"leader": leader, "note": note}, as_user="office-1")


# --- letters to a board --------------------------------------------------------------------

def test_a_letter_addressed_to_a_board_keeps_its_leader_and_is_dispatched_as_usual(lapi):
    lid = submit(lapi, leader="mayor")
    dispatch(lapi, lid)
    status, view = lapi.call("GET", f"/api/staff/letters/{lid}", as_user="clerk-h")
    assert status == 200
    assert view["leader"] == {"id": "mayor", "name": "林远舟", "name_en": "Lin Yuanzhou",
                              "title": "市长", "title_en": "Mayor"}
    assert view["department"] == "housing"


@pytest.mark.parametrize("leader", ["nobody", 7, "", ["mayor"]])
def test_an_unknown_leader_on_a_letter_is_400_leader_unknown(lapi, leader):
    status, body = lapi.call("POST", "/api/letters", letter_payload(leader=leader))
    assert status == 400
    assert body["error"]["code"] == "leader_unknown" and body["error"]["field"] == "leader"


def test_a_null_leader_is_a_letter_to_no_board(lapi):
    lid = submit(lapi, leader=None)
    status, view = lapi.call("GET", f"/api/staff/letters/{lid}", as_user="office-1")
    assert view["leader"] is None and view["escalations"] == []


# --- escalation ----------------------------------------------------------------------------

def test_escalation_is_an_event_and_queues_the_leaders_sms_and_email(lapi, ctx):
    lid = submit(lapi)
    dispatch(lapi, lid)
    status, view = escalate(lapi, lid)
    assert status == 200, view
    event = view["history"][-1]
    assert event["action"] == "escalated" and event["data"] == {"leader": "mayor"}
    assert event["reason"] == "群众反映强烈，请阅示。" and event["actor"] == "office-1"
    assert view["escalations"][0]["leader"]["id"] == "mayor"
    sent = [n for n in ctx.store.list_notifications(lid) if n.kind == Kind.escalated]
    assert {(n.channel, n.to) for n in sent} == {(Channel.email, "mayor@city.example"),
                                                 (Channel.sms, "+8613800000001")}
    for n in sent:
        assert f"/staff/#/letters/{lid}" in n.body
        assert "For your instruction" in n.body or "instruction" in n.body   # both languages
        # the writer's contact and name never go to the leader
        assert "13812345678" not in n.body and "wang@example.com" not in n.body
        assert "王小明" not in n.body


def test_escalating_twice_to_the_same_leader_is_409_but_another_leader_is_fine(lapi):
    lid = submit(lapi)
    assert escalate(lapi, lid)[0] == 200
    status, body = escalate(lapi, lid)
    assert status == 409 and body["error"]["code"] == "already_escalated"
    assert escalate(lapi, lid, "vice-he")[0] == 200


@pytest.mark.parametrize("body, code", [
    ({"leader": "nobody"}, "leader_unknown"),
    ({"leader": None}, "leader_unknown"),
    ({}, "leader_unknown"),
    ({"leader": "mayor", "note": "x" * 501}, "too_long"),
    ({"leader": "mayor", "colour": "red"}, "unknown_field"),
])
def test_bad_escalations_are_400(lapi, body, code):
    lid = submit(lapi)
    status, answer = lapi.call("POST", f"/api/staff/letters/{lid}/escalate", body,
                               as_user="office-1")
    assert status == 400, answer
    assert answer["error"]["code"] == code


def test_a_rejected_letter_cannot_be_escalated_nor_instructed(lapi):
    lid = submit(lapi, leader="mayor")
    assert lapi.call("POST", f"/api/staff/letters/{lid}/reject", {"reason": "无效"},
                     as_user="office-1")[0] == 200
    status, body = escalate(lapi, lid)
    assert status == 409 and body["error"]["code"] == "invalid_transition"
    status, body = lapi.call("POST", f"/api/staff/letters/{lid}/instruction",
                             {"text": "请办理"}, as_user="leader-mayor")
    assert status == 409 and body["error"]["code"] == "invalid_transition"


def test_escalating_an_unknown_letter_is_404(lapi):
    status, body = escalate(lapi, "nosuchletter")
    assert status == 404


# --- instruction ---------------------------------------------------------------------------

def test_the_leader_records_an_instruction_the_clerk_sees_it(lapi):
    lid = submit(lapi)
    dispatch(lapi, lid)
    escalate(lapi, lid)
    status, view = lapi.call("POST", f"/api/staff/letters/{lid}/instruction",
                             {"text": "请住建局三日内现场核查并答复群众。"}, as_user="leader-mayor")
    assert status == 200, view
    status, clerk_view = lapi.call("GET", f"/api/staff/letters/{lid}", as_user="clerk-h")
    assert clerk_view["instructions"][0]["text"] == "请住建局三日内现场核查并答复群众。"
    assert clerk_view["instructions"][0]["leader"]["id"] == "mayor"
    assert clerk_view["history"][-1]["action"] == "instruction"
    assert clerk_view["history"][-1]["data"]["leader"] == "mayor"


def test_the_office_records_an_instruction_naming_the_leader(lapi):
    lid = submit(lapi)
    escalate(lapi, lid)
    status, body = lapi.call("POST", f"/api/staff/letters/{lid}/instruction",
                             {"text": "请办理"}, as_user="office-1")
    assert status == 400 and body["error"]["code"] == "required"
    assert body["error"]["field"] == "leader"
    status, view = lapi.call("POST", f"/api/staff/letters/{lid}/instruction",
                             {"text": "请办理", "leader": "mayor"}, as_user="office-1")
    assert status == 200 and view["instructions"][0]["by"] == "office-1"


@pytest.mark.parametrize("body, code", [
    ({"text": ""}, "empty"),
    ({}, "required"),
    ({"text": "x" * 2001}, "too_long"),
    ({"text": 5}, "wrong_type"),
    ({"text": "好", "extra": 1}, "unknown_field"),
])
def test_bad_instructions_are_400(lapi, body, code):
    lid = submit(lapi, leader="mayor")
    status, answer = lapi.call("POST", f"/api/staff/letters/{lid}/instruction", body,
                               as_user="leader-mayor")
    assert status == 400, answer
    assert answer["error"]["code"] == code


def test_a_leader_cannot_instruct_in_another_leaders_name(lapi):
    lid = submit(lapi, leader="mayor")
    status, body = lapi.call("POST", f"/api/staff/letters/{lid}/instruction",
                             {"text": "好", "leader": "vice-he"}, as_user="leader-mayor")
    assert status == 403


def test_an_office_instruction_for_an_unknown_leader_is_400(lapi):
    lid = submit(lapi)
    status, body = lapi.call("POST", f"/api/staff/letters/{lid}/instruction",
                             {"text": "好", "leader": "nobody"}, as_user="office-1")
    assert status == 400 and body["error"]["code"] == "leader_unknown"


# --- the leader's console ------------------------------------------------------------------

def test_a_leaders_inbox_is_exactly_the_letters_addressed_or_escalated_to_them(lapi, clock):
    to_mayor = submit(lapi, leader="mayor", subject="写给市长")
    clock.advance(minutes=1)
    escalated = submit(lapi, subject="呈报市长")
    escalate(lapi, escalated)
    clock.advance(minutes=1)
    to_he = submit(lapi, leader="vice-he", subject="写给何副市长")
    submit(lapi, subject="普通来信")
    status, page = lapi.call("GET", "/api/staff/letters", as_user="leader-mayor")
    assert status == 200
    assert [r["id"] for r in page["rows"]] == [escalated, to_mayor]     # newest first
    assert page["total"] == 2 and page["complete"] is True
    status, page = lapi.call("GET", "/api/staff/letters?per_page=1&page=2",
                             as_user="leader-mayor")
    assert [r["id"] for r in page["rows"]] == [to_mayor]
    status, page = lapi.call("GET", "/api/staff/letters", as_user="leader-he")
    assert [r["id"] for r in page["rows"]] == [to_he]


# --- the role × route matrix ---------------------------------------------------------------

ROUTES = [
    ("POST", "/api/staff/letters/{id}/escalate", {"leader": "vice-he", "note": "请阅"}),
    ("POST", "/api/staff/letters/{id}/instruction", {"text": "请办理", "leader": "mayor"}),
    ("GET", "/api/staff/letters/{id}", None),
    ("GET", "/api/staff/letters", None),
]
# who may: office everywhere; the mayor (the letter is addressed to the mayor) may instruct
# (without naming another leader) and read; the other leader may not; clerks read their own
# department's letter only (and list their inbox); admin nothing on letters
EXPECTED = {
    "office-1": (200, 200, 200, 200),
    "leader-mayor": (403, 403, 200, 200),       # instruction naming "mayor" as itself: 200
    "leader-he": (403, 403, 403, 200),
    "clerk-h": (403, 403, 200, 200),
    "clerk-t": (403, 403, 403, 200),
    "admin-1": (403, 403, 403, 403),
}


@pytest.mark.parametrize("user", sorted(EXPECTED))
@pytest.mark.parametrize("i", range(len(ROUTES)))
def test_role_route_matrix(lapi, user, i):
    lid = submit(lapi, leader="mayor")
    dispatch(lapi, lid)
    method, path, body = ROUTES[i]
    if user == "leader-mayor" and i == 1:
        body = {"text": "请办理"}
        expected = 200
    else:
        expected = EXPECTED[user][i]
    status, answer = lapi.call(method, path.format(id=lid), body, as_user=user)
    assert status == expected, answer
    if expected >= 400:
        assert set(answer["error"]) >= {"code", "message", "field"}


@pytest.mark.parametrize("i", range(len(ROUTES)))
def test_anonymous_is_401(lapi, i):
    lid = submit(lapi, leader="mayor")
    method, path, body = ROUTES[i]
    status, answer = lapi.call(method, path.format(id=lid), body)
    assert status == 401 and answer["error"]["code"] == "not_logged_in"


def test_a_leader_may_not_sign_reply_or_dispatch(lapi):
    lid = submit(lapi, leader="mayor")
    for action, body in (("dispatch", {"department": "housing"}), ("sign", {}),
                         ("reply", {"body": "答复"}), ("reject", {"reason": "x"})):
        status, _ = lapi.call("POST", f"/api/staff/letters/{lid}/{action}", body,
                              as_user="leader-mayor")
        assert status == 403, action
