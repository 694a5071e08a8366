"""Listed supervision (挂牌督办) and conduct complaints (效能投诉) through the HTTP API:
`POST /api/staff/letters/{id}/supervise` with its role matrix and refusals, and `POST
/api/letters` of type `efficiency`, which the named department's clerks never learn of: every
staff route answers them as it answers an id that does not exist."""
from __future__ import annotations

import pytest

from chalicelib.api.letters import ACTIONS
from chalicelib.domain.departments import Department
from chalicelib.services import auth, supervision
from fakes import DEPARTMENTS, cst, letter_payload

CONDUCT_OFFICE = Department("efficiency-office", "市纪委监委效能办",
                            "Efficiency Supervision Office", supervises_conduct=True)
NO_SUCH_ID = "zz00000000"


@pytest.fixture
def oapi(api, ctx, clock):
    """The API with a supervising office (and its clerk, `clerk-e`) among the departments."""
    clock.at = cst(2026, 11, 2, 9, 0)
    ctx.departments = {**DEPARTMENTS, CONDUCT_OFFICE.id: CONDUCT_OFFICE}
    ctx.store.put_account(auth.new_account("clerk-e", "correct horse", "clerk",
                                           CONDUCT_OFFICE.id, clock()))
    status, body = api.call("POST", "/api/staff/login",
                            {"username": "clerk-e", "password": "correct horse"})
    assert status == 200, body
    api.tokens["clerk-e"] = body["token"]
    return api


def submit(api, **over):
    status, body = api.call("POST", "/api/letters", letter_payload(**over))
    assert status == 201, body
    return body


def act(api, lid, action, body, user="office-1"):
    return api.call("POST", f"/api/staff/letters/{lid}/{action}", body, as_user=user)


def ok(answer):
    status, body = answer
    assert status == 200, body
    return body


def dispatched(api, dept="housing", **over):
    letter = submit(api, **over)
    ok(act(api, letter["id"], "dispatch", {"department": dept}))
    return letter


COMPLAINT = {"type": "efficiency", "subject": "窗口工作人员态度恶劣", "department": None,
             "about": {"department": "housing", "person": "张三丰"}}


# --- listed supervision ---------------------------------------------------------------------

class TestSupervise:
    def test_the_office_lists_a_letter_with_its_reason_and_date(self, oapi):
        letter = dispatched(oapi)
        view = ok(act(oapi, letter["id"], "supervise", {"reason": "群众反映强烈",
                                                         "due": "2026-11-20"}))
        assert view["listing"]["reason"] == "群众反映强烈"
        assert view["listing"]["due"] == "2026-11-20" and view["listing"]["active"]
        assert view["history"][-1]["action"] == "supervised"
        assert view["listed"] and view["listing_due"] == "2026-11-20"

    def test_no_date_means_the_letters_reply_due(self, oapi):
        letter = dispatched(oapi)
        view = ok(act(oapi, letter["id"], "supervise", {"reason": "重点", "due": None}))
        assert view["listing"]["due"] == view["reply_due"]

    @pytest.mark.parametrize("user, status", [
        (None, 401), ("clerk-h", 403), ("clerk-t", 403), ("clerk-e", 403), ("admin-1", 403),
        ("office-1", 200)])
    def test_only_the_office_may_list(self, oapi, user, status):
        letter = dispatched(oapi)
        got, body = oapi.call("POST", f"/api/staff/letters/{letter['id']}/supervise",
                              {"reason": "重点", "due": None}, as_user=user)
        assert got == status, body
        if status != 200:
            assert set(body["error"]) >= {"code", "message", "field"}

    @pytest.mark.parametrize("body, code, field", [
        ({"due": None}, "required", "reason"),
        ({"reason": "  ", "due": None}, "empty", "reason"),
        ({"reason": "理" * 501, "due": None}, "too_long", "reason"),
        ({"reason": 5, "due": None}, "wrong_type", "reason"),
        ({"reason": "重点", "due": "2026-11-01"}, "invalid_date", "due"),      # yesterday
        ({"reason": "重点", "due": "20261120"}, "invalid_date", "due"),
        ({"reason": "重点", "due": "2026-02-30"}, "invalid_date", "due"),
        ({"reason": "重点", "due": 20261120}, "invalid_date", "due"),
        ({"reason": "重点", "due": None, "lift": True}, "unknown_field", "lift"),
    ])
    def test_bad_input_is_a_400_naming_the_field(self, oapi, body, code, field):
        letter = dispatched(oapi)
        status, answer = act(oapi, letter["id"], "supervise", body)
        assert status == 400, answer
        assert answer["error"]["code"] == code and answer["error"]["field"] == field

    def test_a_second_listing_while_listed_is_a_conflict(self, oapi):
        letter = dispatched(oapi)
        ok(act(oapi, letter["id"], "supervise", {"reason": "重点", "due": None}))
        status, body = act(oapi, letter["id"], "supervise", {"reason": "再次", "due": None})
        assert status == 409 and body["error"]["code"] == "already_listed"

    def test_an_answered_or_rejected_letter_cannot_be_listed(self, oapi):
        letter = dispatched(oapi)
        ok(act(oapi, letter["id"], "sign", {}, "clerk-h"))
        ok(act(oapi, letter["id"], "reply", {"body": "已处理。"}, "clerk-h"))
        status, body = act(oapi, letter["id"], "supervise", {"reason": "重点", "due": None})
        assert status == 409 and body["error"]["code"] == "invalid_transition"
        rejected = submit(oapi)
        ok(act(oapi, rejected["id"], "reject", {"reason": "无效"}))
        status, body = act(oapi, rejected["id"], "supervise", {"reason": "重点", "due": None})
        assert status == 409 and body["error"]["code"] == "invalid_transition"
        assert act(oapi, NO_SUCH_ID, "supervise", {"reason": "重点", "due": None})[0] == 404

    def test_the_clerk_sees_the_listing_and_the_reply_ends_it(self, oapi, ctx):
        letter = dispatched(oapi)
        ok(act(oapi, letter["id"], "supervise", {"reason": "重点", "due": "2026-11-30"}))
        rows = ok(oapi.call("GET", "/api/staff/letters", as_user="clerk-h"))["rows"]
        row = next(r for r in rows if r["id"] == letter["id"])
        assert row["listed"] and row["listing_due"] == "2026-11-30"
        view = ok(oapi.call("GET", f"/api/staff/letters/{letter['id']}", as_user="clerk-h"))
        assert view["listing"]["due"] == "2026-11-30" and view["listing"]["active"]
        assert [x.id for x in ctx.store.listed_letters()] == [letter["id"]]
        ok(act(oapi, letter["id"], "sign", {}, "clerk-h"))
        view = ok(act(oapi, letter["id"], "reply", {"body": "已处理。"}, "clerk-h"))
        assert not view["listing"]["active"] and view["listing"]["on_time"] is True
        assert not view["listed"] and ctx.store.listed_letters() == []

    def test_the_tick_records_a_passed_office_date_once(self, oapi, ctx, clock):
        letter = dispatched(oapi)
        ok(act(oapi, letter["id"], "supervise", {"reason": "重点", "due": "2026-11-03"}))
        clock.at = cst(2026, 11, 3, 23, 0)
        assert supervision.tick(ctx, clock.at)["listings_overdue"] == []
        clock.at = cst(2026, 11, 4, 0, 30)
        assert supervision.tick(ctx, clock.at)["listings_overdue"] == [letter["id"]]
        assert supervision.tick(ctx, clock.at)["listings_overdue"] == []
        view = ok(oapi.call("GET", f"/api/staff/letters/{letter['id']}", as_user="office-1"))
        assert view["listing"]["overdue"]
        assert [e["action"] for e in view["history"]].count("supervision_overdue") == 1


# --- conduct complaints -----------------------------------------------------------------------

class TestConductSubmission:
    def test_a_complaint_is_private_and_goes_to_the_supervising_office(self, oapi):
        answer = submit(oapi, **{**COMPLAINT, "public": True})
        view = ok(oapi.call("GET", f"/api/staff/letters/{answer['id']}", as_user="office-1"))
        assert view["type"] == "efficiency" and view["public"] is False
        assert view["requested_department"] == CONDUCT_OFFICE.id
        assert view["about"] == {"department": {"id": "housing", "name": "市住房和城乡建设局",
                                                "name_en": "Housing and Urban-Rural Development"},
                                 "person": "张三丰"}

    @pytest.mark.parametrize("over, code, field", [
        ({"about": None}, "required", "about"),
        ({"about": "housing"}, "wrong_type", "about"),
        ({"about": {"person": "张三"}}, "required", "about.department"),
        ({"about": {"department": "nowhere"}}, "unknown_department", "about.department"),
        ({"about": {"department": "housing", "person": "张" * 41}}, "too_long", "person"),
        ({"about": {"department": "housing", "rank": 1}}, "unknown_field", "about.rank"),
        ({"department": "housing"}, "invalid", "department"),
        ({"type": "complaint"}, "invalid", "about"),
    ])
    def test_bad_about_is_a_400(self, oapi, over, code, field):
        status, body = oapi.call("POST", "/api/letters", letter_payload(**{**COMPLAINT, **over}))
        assert status == 400, body
        assert body["error"]["code"] == code and body["error"]["field"] == field

    def test_without_a_supervising_office_it_is_refused(self, api):
        status, body = api.call("POST", "/api/letters", letter_payload(**COMPLAINT))
        assert status == 409 and body["error"]["code"] == "invalid_transition"

    def test_it_is_dispatched_to_the_supervising_office_only(self, oapi):
        answer = submit(oapi, **COMPLAINT)
        status, body = act(oapi, answer["id"], "dispatch", {"department": "housing"})
        assert status == 409 and body["error"]["code"] == "conduct_office_only"
        ok(act(oapi, answer["id"], "dispatch", {"department": CONDUCT_OFFICE.id}))
        ok(act(oapi, answer["id"], "sign", {}, "clerk-e"))
        ok(act(oapi, answer["id"], "reply", {"body": "已核实。"}, "clerk-e"))
        view = ok(act(oapi, answer["id"], "approve", {"publish": True}))
        assert view["status"] == "closed" and view["published_url"] is None


def _routes(lid: str) -> list[tuple[str, str, dict | None]]:
    """Every staff route that names a letter, with a body each accepts."""
    bodies = {"dispatch": {"department": "housing"}, "reject": {"reason": "无效"},
              "sign": {}, "transfer": {"reason": "不属于本部门"},
              "extension": {"working_days": 3, "reason": "需要调查"},
              "reply": {"body": "已处理。"}, "approve": {"publish": True},
              "redo": {"reason": "不具体"}, "keep": {"reason": "答复得当"},
              "supervise": {"reason": "重点", "due": None},
              "escalate": {"leader": "mayor", "note": "请阅示"},
              "instruction": {"text": "请抓紧办理。", "leader": "mayor"},
              "erase": {"reason": "来信人要求删除"}}
    assert set(bodies) >= set(ACTIONS), "a new action needs a row here"
    routes: list[tuple[str, str, dict | None]] = [
        ("GET", f"/api/staff/letters/{lid}", None),
        ("GET", f"/api/staff/letters/{lid}/preview", None),
        ("POST", f"/api/staff/letters/{lid}/preview", {}),
        ("POST", f"/api/staff/letters/{lid}/extension/approve", {}),
        ("POST", f"/api/staff/letters/{lid}/extension/deny", {"reason": "不同意"}),
    ]
    routes += [("POST", f"/api/staff/letters/{lid}/{a}", bodies[a]) for a in sorted(ACTIONS)]
    return routes


class TestHiddenFromTheNamedDepartment:
    @pytest.fixture
    def complaint(self, oapi):
        """A conduct complaint about housing, with the phone and words of a housing letter,
        dispatched to the supervising office and signed for there."""
        answer = submit(oapi, **COMPLAINT, phone="13700001234")
        ok(act(oapi, answer["id"], "dispatch", {"department": CONDUCT_OFFICE.id}))
        ok(act(oapi, answer["id"], "sign", {}, "clerk-e"))
        return answer

    @pytest.mark.parametrize("user", ["clerk-h", "clerk-t"])
    def test_every_letter_route_answers_as_for_no_such_letter(self, oapi, complaint, user):
        for (method, path, body), (_, unknown, _) in zip(_routes(complaint["id"]),
                                                         _routes(NO_SUCH_ID), strict=True):
            status, answer = oapi.call(method, path, body, as_user=user)
            expected, expected_body = oapi.call(method, unknown, body, as_user=user)
            assert status == expected and status in (403, 404), (path, answer)
            assert answer["error"]["code"] == expected_body["error"]["code"], path
        view = ok(oapi.call("GET", f"/api/staff/letters/{complaint['id']}",
                            as_user="office-1"))
        assert view["status"] == "signed"        # nothing changed

    @pytest.mark.parametrize("query", [
        "", "?status=signed", "?status=submitted", "?department=housing", "?light=green",
        "?light=none", "?rating=satisfied", "?status=replied&rating=unsatisfied",
        "?q=窗口工作人员", "?q=13700001234", "?page=1&per_page=100"])
    def test_the_inbox_never_lists_it(self, oapi, complaint, query):
        status, body = oapi.call("GET", f"/api/staff/letters{query}", as_user="clerk-h")
        assert status == 200, body
        assert complaint["id"] not in str(body) and "张三丰" not in str(body)

    def test_nor_the_tracking_code_search(self, oapi, complaint):
        status, body = oapi.call("GET", f"/api/staff/letters?q={complaint['tracking_code']}",
                                 as_user="clerk-h")
        assert status == 200 and body["rows"] == [] and body["total"] == 0

    def test_nor_similar_letters_of_the_department(self, oapi, complaint):
        mine = dispatched(oapi, **{**COMPLAINT, "type": "complaint", "about": None,
                                   "phone": "13700001234"})
        view = ok(oapi.call("GET", f"/api/staff/letters/{mine['id']}", as_user="clerk-h"))
        assert complaint["id"] not in [s["id"] for s in view["similar"]]
        office = ok(oapi.call("GET", f"/api/staff/letters/{mine['id']}", as_user="office-1"))
        assert complaint["id"] in [s["id"] for s in office["similar"]]

    def test_the_dashboard_is_the_offices(self, oapi, complaint):
        assert oapi.call("GET", "/api/staff/dashboard", as_user="clerk-h")[0] == 403

    def test_the_supervising_office_handles_it(self, oapi, complaint):
        rows = ok(oapi.call("GET", "/api/staff/letters", as_user="clerk-e"))["rows"]
        assert [r["id"] for r in rows] == [complaint["id"]]
        view = ok(oapi.call("GET", f"/api/staff/letters/{complaint['id']}", as_user="clerk-e"))
        assert view["about"]["person"] == "张三丰"
