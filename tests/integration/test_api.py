"""The HTTP contract of API.md through the real Chalice app: the letter loop and its errors."""
from __future__ import annotations

import json

import pytest

from fakes import letter_payload


def submit(api, **over):
    status, body = api.call("POST", "/api/letters", letter_payload(**over))
    assert status == 201, body
    return body


def track(api, answer):
    return api.call("GET", f"/api/letters/{answer['tracking_code']}",
                    headers={"X-Letter-Secret": answer["secret"]})


def test_health_and_departments(api):
    assert api.call("GET", "/api/health") == (200, {"status": "ok"})
    status, body = api.call("GET", "/api/departments")
    assert status == 200
    assert {"id": "housing", "name": "市住房和城乡建设局",
            "name_en": "Housing and Urban-Rural Development"} in body


def test_the_letter_loop_end_to_end(api, clock):
    answer = submit(api)
    assert answer["status"] == "submitted" and answer["tracking_code"].startswith("WZ")
    lid = answer["id"]
    assert api.call("POST", f"/api/staff/letters/{lid}/dispatch", {"department": "housing"},
                    as_user="office-1")[0] == 200
    status, view = track(api, answer)
    assert status == 200 and view["status"] == "dispatched"
    assert view["department"]["id"] == "housing" and view["due"] == "2026-11-24"
    assert view["light"] == "green"
    clock.advance(hours=2)
    assert api.call("POST", f"/api/staff/letters/{lid}/sign", {}, as_user="clerk-h")[0] == 200
    clock.advance(hours=20)
    api.login_all()                      # tokens last 8 hours
    status, body = api.call("POST", f"/api/staff/letters/{lid}/reply",
                            {"body": "您好，道路已于本周修复。"}, as_user="clerk-h")
    assert status == 200 and body["status"] == "replied"
    # the writer cannot see or rate the reply before the office approves it
    assert track(api, answer)[1]["reply"] is None
    assert api.call("POST", f"/api/letters/{answer['tracking_code']}/rating",
                    {"score": "satisfied"}, headers={"X-Letter-Secret": answer["secret"]})[0] == 409
    status, body = api.call("POST", f"/api/staff/letters/{lid}/approve",
                            {"publish": True, "category": "城乡建设"}, as_user="office-1")
    assert status == 200 and body["status"] == "published"
    assert body["published_url"] == f"/letters/{lid}/"
    status, view = track(api, answer)
    assert view["reply"]["body"] == "您好，道路已于本周修复。" and view["can_rate"]
    assert all("actor" not in h for h in view["history"])   # no staff names for the public
    rate = lambda score: api.call("POST", f"/api/letters/{answer['tracking_code']}/rating",
                                  {"score": score, "comment": "很快"},
                                  headers={"X-Letter-Secret": answer["secret"]})
    assert rate("satisfied")[0] == 201
    status, body = rate("unsatisfied")
    assert status == 409 and body["error"]["code"] == "already_rated"
    assert api.call("POST", f"/api/letters/{lid}/votes", {"direction": "up"})[0] == 202
    staff = api.call("GET", f"/api/staff/letters/{lid}", as_user="office-1")[1]
    assert [h["action"] for h in staff["history"]] == [
        "submit", "dispatch", "sign", "reply", "approve", "rate"]
    assert staff["phone"] == "13812345678"


def test_wrong_secret_is_not_found(api):
    answer = submit(api)
    for secret in ("wrong", "", answer["secret"] + "x"):
        status, body = api.call("GET", f"/api/letters/{answer['tracking_code']}",
                                headers={"X-Letter-Secret": secret})
        assert status == 404 and body["error"]["code"] == "not_found"
    status, _ = api.call("GET", f"/api/letters/{answer['tracking_code']}")
    assert status == 404


def test_idempotency_key_returns_first_answer(api, store):
    first = api.call("POST", "/api/letters", letter_payload(idempotency_key="k-1"))
    again = api.call("POST", "/api/letters", letter_payload(idempotency_key="k-1"))
    assert first[0] == 201 and again[0] == 200 and again[1] == first[1]
    assert len(store.list_letters()) == 1
    status, body = api.call("POST", "/api/letters",
                            letter_payload(idempotency_key="k-1", subject="另一件事"))
    assert status == 409 and body["error"]["code"] == "idempotency_key_reused"
    assert len(store.list_letters()) == 1


BAD_LETTERS = [
    ({"type": "praise"}, "type"),
    ({"type": None}, "type"),
    ({"subject": ""}, "subject"),
    ({"subject": "   "}, "subject"),
    ({"subject": None}, "subject"),
    ({"subject": 42}, "subject"),
    ({"subject": "长" * 101}, "subject"),
    ({"body": ""}, "body"),
    ({"body": ["a"]}, "body"),
    ({"body": "字" * 6001}, "body"),
    ({"department": "nowhere"}, "department"),
    ({"department": 3}, "department"),
    ({"name": "名" * 41}, "name"),
    ({"phone": "call me"}, "phone"),
    ({"email": "not-an-email"}, "email"),
    ({"public": "yes"}, "public"),
    ({"idempotency_key": 12}, "idempotency_key"),
    ({"idempotency_key": "k" * 129}, "idempotency_key"),
]


@pytest.mark.parametrize("over,field", BAD_LETTERS)
def test_bad_letters_get_a_clear_400_and_nothing_is_written(api, store, over, field):
    status, body = api.call("POST", "/api/letters", letter_payload(**over))
    assert status == 400, body
    assert body["error"]["field"] == field
    assert body["error"]["message"] and body["error"]["message_en"]
    assert store.list_letters() == []


@pytest.mark.parametrize("over, message", [
    ({"subject": "   "}, "主题不能为空"),
    ({"subject": "\u200b\ufeff"}, "主题不能为空"),
    ({"body": "字" * 6001}, "内容不能超过 6000 个字（现为 6001 个字）"),
    ({"subject": None}, "请填写主题"),
])
def test_error_messages_name_the_field_in_chinese(api, over, message):
    """The form shows `message` as it is: a citizen reads 主题, never the field's code."""
    status, body = api.call("POST", "/api/letters", letter_payload(**over))
    assert status == 400
    assert body["error"]["message"] == message
    assert "subject" not in body["error"]["message"] and "body" not in body["error"]["message"]


@pytest.mark.parametrize("raw", [b"{", b"[1,2]", b"\xff\xfe", b'"text"', b"null"])
def test_malformed_bodies_are_400(api, store, raw):
    status, body = api.call("POST", "/api/letters", raw=raw)
    assert status == 400 and body["error"]["code"] in ("invalid_json", "wrong_type")
    assert store.list_letters() == []


def test_oversize_body_is_413(api, store):
    status, body = api.call("POST", "/api/letters",
                            raw=json.dumps(letter_payload(body="x" * 70_000)).encode())
    assert status == 413 and body["error"]["code"] == "too_large"
    assert store.list_letters() == []


def test_staff_routes_need_a_valid_token(api):
    answer = submit(api)
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"}):
        status, body = api.call("GET", "/api/staff/letters", headers=headers)
        assert status == 401 and body["error"]["code"] in ("not_logged_in", "token_expired")
    status, _ = api.call("POST", f"/api/staff/letters/{answer['id']}/dispatch",
                         {"department": "housing"})
    assert status == 401


def test_expired_token_is_401(api, clock):
    clock.advance(hours=9)
    status, body = api.call("GET", "/api/staff/letters", as_user="office-1")
    assert status == 401 and body["error"]["code"] == "token_expired"


def test_bad_credentials_are_401(api):
    for creds in ({"username": "office-1", "password": "wrong"},
                  {"username": "nobody", "password": "correct horse"}, {"username": 1}, {}):
        status, body = api.call("POST", "/api/staff/login", creds)
        assert status == 401 and body["error"]["code"] == "bad_credentials"


def test_roles_and_departments_are_checked(api):
    answer = submit(api)
    lid = answer["id"]
    # a clerk may not dispatch; the office may not sign
    assert api.call("POST", f"/api/staff/letters/{lid}/dispatch", {"department": "housing"},
                    as_user="clerk-h")[0] == 403
    api.call("POST", f"/api/staff/letters/{lid}/dispatch", {"department": "housing"},
             as_user="office-1")
    assert api.call("POST", f"/api/staff/letters/{lid}/sign", {}, as_user="office-1")[0] == 403
    # another department's clerk gets 403 on read and on every action
    assert api.call("GET", f"/api/staff/letters/{lid}", as_user="clerk-t")[0] == 403
    assert api.call("POST", f"/api/staff/letters/{lid}/sign", {}, as_user="clerk-t")[0] == 403
    assert api.call("GET", "/api/staff/letters?department=housing", as_user="clerk-t")[0] == 403
    rows = api.call("GET", "/api/staff/letters", as_user="clerk-t")[1]["rows"]
    assert rows == []
    rows = api.call("GET", "/api/staff/letters", as_user="clerk-h")[1]["rows"]
    assert [r["id"] for r in rows] == [lid]
    assert api.call("GET", "/api/staff/letters", as_user="admin-1")[0] == 403


def test_wrong_state_is_409_invalid_transition_and_changes_nothing(api, store):
    answer = submit(api)
    lid = answer["id"]
    before = store.get_letter(lid)
    status, body = api.call("POST", f"/api/staff/letters/{lid}/approve", {"publish": True},
                            as_user="office-1")
    assert status == 409 and body["error"]["code"] == "invalid_transition"
    after = store.get_letter(lid)
    assert after.version == before.version and len(after.history) == len(before.history)


def test_unknown_letter_and_action(api):
    assert api.call("GET", "/api/staff/letters/nope", as_user="office-1")[0] == 404
    assert api.call("POST", "/api/staff/letters/nope/sign", {}, as_user="clerk-h")[0] == 404
    answer = submit(api)
    assert api.call("POST", f"/api/staff/letters/{answer['id']}/explode", {},
                    as_user="office-1")[0] == 404
    assert api.call("POST", "/api/letters/nope/votes", {"direction": "up"})[0] == 404


def test_script_in_every_field_is_stored_as_text(api, store):
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    answer = submit(api, subject=evil, body=evil, name=evil[:40])
    letter = store.get_letter(answer["id"])
    assert letter.subject == evil and letter.body == evil
    staff = api.call("GET", f"/api/staff/letters/{answer['id']}", as_user="office-1")
    assert staff[1]["subject"] == evil       # JSON; the console inserts it as text


def test_openapi_lists_every_route(api, chalice_app):
    status, doc = api.call("GET", "/api/openapi.json")
    assert status == 200 and doc["openapi"].startswith("3.")
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    routed = set()
    for path, methods in chalice_app.routes.items():
        for method in methods:
            routed.add((method, path))
    # every route is documented (the generic {action} routes are documented per action)
    generic = {("POST", "/api/staff/letters/{letter_id}/{action}"),
               ("POST", "/api/staff/letters/{letter_id}/extension/{decision}")}
    normal = lambda p: (p.replace("{ref}/votes", "{letter_id}/votes")
                        .replace("{ref}", "{tracking_code}"))
    for method, path in routed - generic:
        assert (method, normal(path)) in documented, (method, path)
    assert ("POST", "/api/staff/letters/{letter_id}/extension/approve") in documented


def test_a_reset_or_disabled_account_loses_its_earlier_tokens(api, composed, clock):
    from chalicelib.services import auth
    store = composed.ctx.store
    assert api.call("GET", "/api/staff/letters", as_user="clerk-h")[0] == 200
    auth.replace_account(store, auth.new_account("clerk-h", "a new password", "clerk",
                                                 "housing", clock()))
    status, body = api.call("GET", "/api/staff/letters", as_user="clerk-h")
    assert status == 401 and body["error"]["code"] == "token_revoked"
    assert body["error"]["message"] and body["error"]["message_en"]
    status, body = api.call("POST", "/api/staff/login",
                            {"username": "clerk-h", "password": "a new password"})
    assert status == 200
    api.tokens["clerk-h"] = body["token"]
    assert api.call("GET", "/api/staff/letters", as_user="clerk-h")[0] == 200
    auth.set_disabled(store, "clerk-h", True)
    status, body = api.call("GET", "/api/staff/letters", as_user="clerk-h")
    assert status == 401 and body["error"]["code"] == "token_revoked"
    # a disabled account cannot log in either
    assert api.call("POST", "/api/staff/login",
                    {"username": "clerk-h", "password": "a new password"})[0] == 401
