"""An operator takes every kind of letter the web form takes, except a drive's suggestion: a
call to the mayor's line goes to the mayor's board, and a conduct complaint (效能投诉) by
phone is, as on the web, private and for the supervising office only."""
from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.departments import Department
from chalicelib.domain.leaders import Leader
from chalicelib.services import auth
from chalicelib.services.context import Context
from fakes import DEPARTMENTS, NOTIFY, letter_payload

CONDUCT_OFFICE = Department("efficiency-office", "市纪委监委效能办",
                            "Efficiency Supervision Office", supervises_conduct=True)
LEADERS = {"mayor": Leader("mayor", "林远舟", "Lin Yuanzhou", "市长", "Mayor", 1)}


@pytest.fixture
def ctx(store, calendar, clock) -> Context:
    return Context(store=store, calendar=calendar, clock=clock,
                   departments={**DEPARTMENTS, CONDUCT_OFFICE.id: CONDUCT_OFFICE},
                   notify=NOTIFY, leaders=LEADERS)


@pytest.fixture
def hotline(api, ctx, clock):
    ctx.store.put_account(auth.new_account("op-1", "correct horse", "operator", None, clock()))
    status, body = api.call("POST", "/api/staff/login",
                            {"username": "op-1", "password": "correct horse"})
    assert status == 200, body
    api.tokens["op-1"] = body["token"]
    return api


def take(api, clock, **over):
    body = letter_payload(**{"channel": "phone",
                             "received_at": (clock() - timedelta(hours=1)).isoformat(), **over})
    return api.call("POST", "/api/staff/letters", body, as_user="op-1")


def test_a_call_to_the_mayors_line_is_a_letter_to_the_mayors_board(hotline, store, clock):
    status, answer = take(hotline, clock, leader="mayor")
    assert status == 201, answer
    assert store.get_letter(answer["id"]).leader == "mayor"
    status, body = take(hotline, clock, leader="nobody")
    assert status == 400 and body["error"]["code"] == "leader_unknown"


def test_a_conduct_complaint_by_phone_is_private_and_for_the_supervising_office(hotline, store,
                                                                               clock):
    status, answer = take(hotline, clock, type="efficiency", department=None, public=True,
                          about={"department": "housing", "person": "窗口工作人员"})
    assert status == 201, answer
    letter = store.get_letter(answer["id"])
    assert letter.public is False and letter.requested_department == CONDUCT_OFFICE.id
    assert letter.about.department == "housing" and letter.source == "phone"
    # the named department's clerk does not see it
    status, rows = hotline.call("GET", "/api/staff/letters", as_user="clerk-h")
    assert status == 200 and answer["id"] not in {r["id"] for r in rows["rows"]}
    status, _ = hotline.call("GET", f"/api/staff/letters/{answer['id']}", as_user="clerk-h")
    assert status == 404
    status, body = take(hotline, clock, type="efficiency", department=None)
    assert status == 400 and body["error"]["field"] == "about"


def test_a_drives_campaign_is_the_web_forms_alone(hotline, clock):
    status, body = take(hotline, clock, type="suggestion", campaign="ideas")
    assert status == 400 and body["error"]["field"] == "campaign"


def test_a_conduct_complaint_escalated_to_the_mayor_is_the_mayors_to_read(hotline, ctx, clock):
    ctx.store.put_account(auth.new_account("mayor-1", "correct horse", "leader", "mayor",
                                           clock()))
    status, body = hotline.call("POST", "/api/staff/login",
                                {"username": "mayor-1", "password": "correct horse"})
    assert status == 200, body
    hotline.tokens["mayor-1"] = body["token"]
    status, answer = take(hotline, clock, type="efficiency", department=None,
                          about={"department": "housing", "person": None})
    assert status == 201, answer
    lid = answer["id"]
    assert hotline.call("GET", f"/api/staff/letters/{lid}", as_user="mayor-1")[0] == 403
    status, body = hotline.call("POST", f"/api/staff/letters/{lid}/escalate",
                                {"leader": "mayor", "note": "请阅"}, as_user="office-1")
    assert status == 200, body
    status, view = hotline.call("GET", f"/api/staff/letters/{lid}", as_user="mayor-1")
    assert status == 200 and view["about"]["department"]["id"] == "housing"
    # the department it is about still finds nothing
    assert hotline.call("GET", f"/api/staff/letters/{lid}", as_user="clerk-h")[0] == 404
