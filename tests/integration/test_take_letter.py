"""Letters from every channel of the hotline (issue 15, item 1): an operator takes down a letter
that came by phone, SMS, fax or e-mail (POST /api/staff/letters); the writer gets the code and
secret by SMS or e-mail; the history names the operator and the channel; the channel is the
letter's `source` everywhere the figures read it."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from chalicelib.domain import open_data
from chalicelib.services import auth
from fakes import letter_payload

PATH = "/api/staff/letters"


@pytest.fixture
def hotline(api, composed, clock):
    """The API with an operator logged in as `op-1`."""
    composed.ctx.store.put_account(auth.new_account("op-1", "correct horse", "operator", None,
                                                    clock()))
    status, body = api.call("POST", "/api/staff/login",
                            {"username": "op-1", "password": "correct horse"})
    assert status == 200 and body["role"] == "operator", body
    api.tokens["op-1"] = body["token"]
    return api


def taken(clock, **over) -> dict:
    base = {"channel": "phone", "received_at": (clock() - timedelta(hours=2)).isoformat()}
    return letter_payload(**{**base, **over})


def test_an_operator_takes_a_phone_letter_and_the_writer_gets_code_and_secret(hotline, store,
                                                                            clock):
    status, answer = hotline.call("POST", PATH, taken(clock), as_user="op-1")
    assert status == 201, answer
    assert set(answer) >= {"id", "tracking_code", "secret", "status"}
    assert answer["status"] == "submitted" and answer["channel"] == "phone"
    assert answer["sent_to"] == ["email", "sms"]
    letter = store.get_letter(answer["id"])
    assert letter.source == "phone"
    # the deadlines and figures count from when the hotline received it
    assert letter.submitted_at == clock() - timedelta(hours=2)
    first = letter.history[0]
    assert (first.action, first.actor) == ("submit", "op-1")
    assert first.data["channel"] == "phone" and first.at == letter.submitted_at
    assert first.data["taken_at"] == clock().isoformat()
    # the writer follows it with the code and secret like any letter
    status, view = hotline.call("GET", f"/api/letters/{answer['tracking_code']}",
                                headers={"X-Letter-Secret": answer["secret"]})
    assert status == 200 and view["status"] == "submitted"
    assert "op-1" not in json.dumps(view, ensure_ascii=False)      # no staff names
    # the open data says the channel
    assert open_data.stored_row(letter)["channel"] == "phone"


def test_the_receipt_holds_the_code_and_secret_and_no_other_personal_data(hotline, store, clock):
    body = taken(clock, channel="sms",
                 body="我叫王小明，身份证 110101199003071234，家住幸福路 8 号。")
    status, answer = hotline.call("POST", PATH, body, as_user="op-1")
    assert status == 201, answer
    notes = {str(n.channel): n for n in store.list_notifications(answer["id"])}
    assert set(notes) == {"email", "sms"}
    for n in notes.values():
        assert str(n.kind) == "receipt"
        assert answer["tracking_code"] in n.body and answer["secret"] in n.body
        # as in the web receipt: the subject at most, never the letter, name or other contact
        for private in ("110101199003071234", "幸福路", "王小明"):
            assert private not in n.body and private not in n.subject
    assert notes["sms"].to == "+8613812345678" and "wang@example.com" not in notes["sms"].body
    assert "13812345678" not in notes["email"].body


def test_without_a_mobile_or_address_nothing_is_sent_and_the_answer_carries_the_secret(
        hotline, store, clock):
    status, answer = hotline.call("POST", PATH, taken(clock, channel="fax", phone="010-66668888",
                                                      email=None), as_user="op-1")
    assert status == 201, answer
    assert answer["sent_to"] == [] and answer["secret"]
    assert store.list_notifications(answer["id"]) == []


def test_the_same_idempotency_key_returns_the_first_letter(hotline, store, clock):
    body = taken(clock, idempotency_key="call-2026-11-23-0001")
    first = hotline.call("POST", PATH, body, as_user="op-1")
    again = hotline.call("POST", PATH, body, as_user="op-1")
    assert first[0] == 201 and again[0] == 200
    assert again[1] == first[1]
    other = hotline.call("POST", PATH, {**body, "channel": "email"}, as_user="op-1")
    assert other[0] == 409 and other[1]["error"]["field"] == "idempotency_key"
    # a writer's own key on the web is another scope: no clash with the operator's
    web = hotline.call("POST", "/api/letters",
                       letter_payload(idempotency_key="call-2026-11-23-0001"))
    assert web[0] == 201 and web[1]["id"] != first[1]["id"]


def test_the_office_takes_letters_too(hotline, clock):
    status, answer = hotline.call("POST", PATH, taken(clock, channel="visit"),
                                  as_user="office-1")
    assert status == 201 and answer["channel"] == "visit"


@pytest.mark.parametrize(("over", "status", "code", "field"), [
    ({"channel": "web"}, 400, "web_channel", "channel"),
    ({"channel": "pigeon"}, 400, "invalid_choice", "channel"),
    ({"channel": None}, 400, "invalid_choice", "channel"),
    ({"channel": ["phone"]}, 400, "invalid_choice", "channel"),
    ({"received_at": None}, 400, "required", "received_at"),
    ({"received_at": "yesterday"}, 400, "invalid_datetime", "received_at"),
    ({"received_at": 1764000000}, 400, "invalid_datetime", "received_at"),
    ({"received_at": "2026-11-23T08:00:00"}, 400, "invalid_datetime", "received_at"),
    ({"received_at": "2026-11-23T10:00:00+08:00"}, 400, "received_in_future", "received_at"),
    ({"received_at": "2026-10-01T10:00:00+08:00"}, 400, "received_too_long_ago", "received_at"),
    ({"type": "gossip"}, 400, "invalid_choice", "type"),
    ({"subject": None}, 400, "required", "subject"),
    ({"body": ""}, 400, "empty", "body"),
    ({"department": "nowhere"}, 400, "unknown_department", "department"),
    ({"phone": "call me"}, 400, "invalid", "phone"),
    ({"website": ""}, 400, "unknown_field", "website"),
])
def test_bad_bodies_are_clear_400s(hotline, clock, over, status, code, field):
    body = {**taken(clock), **over}
    got, answer = hotline.call("POST", PATH, body, as_user="op-1")
    assert (got, answer["error"]["code"], answer["error"]["field"]) == (status, code, field), \
        answer
    assert answer["error"]["message"] and answer["error"]["message_en"]


def test_a_missing_channel_or_time_is_refused(hotline, clock):
    body = taken(clock)
    for name in ("channel", "received_at"):
        got, answer = hotline.call("POST", PATH, {k: v for k, v in body.items() if k != name},
                                   as_user="op-1")
        assert got == 400 and answer["error"]["field"] == name, answer


def test_a_small_clock_skew_is_allowed(hotline, clock):
    body = taken(clock, received_at=(clock() + timedelta(minutes=2)).isoformat())
    status, answer = hotline.call("POST", PATH, body, as_user="op-1")
    assert status == 201, answer


# --- who may ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("user", "status"), [
    (None, 401), ("clerk-h", 403), ("clerk-t", 403), ("admin-1", 403),
    ("op-1", 201), ("office-1", 201),
])
def test_the_role_matrix_of_taking_a_letter(hotline, clock, user, status):
    got, answer = hotline.call("POST", PATH, taken(clock), as_user=user)
    assert got == status, answer


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/staff/letters"), ("GET", "/api/staff/dashboard"),
    ("GET", "/api/staff/reports"), ("GET", "/api/staff/comments"),
    ("GET", "/api/staff/topics"),
])
def test_an_operator_gets_no_inbox_nor_any_other_staff_list(hotline, method, path):
    got, answer = hotline.call(method, path, as_user="op-1")
    assert got == 403, (path, answer)


def test_an_operator_cannot_read_or_act_on_a_letter(hotline, clock):
    _, answer = hotline.call("POST", PATH, taken(clock), as_user="op-1")
    lid = answer["id"]
    for method, path, body in (
            ("GET", f"/api/staff/letters/{lid}", None),
            ("GET", f"/api/staff/letters/{lid}/preview", None),
            ("POST", f"/api/staff/letters/{lid}/dispatch", {"department": "housing"}),
            ("POST", f"/api/staff/letters/{lid}/reject", {"reason": "重复"}),
            ("POST", f"/api/staff/letters/{lid}/sign", {})):
        got, body_ = hotline.call(method, path, body, as_user="op-1")
        assert got == 403, (path, body_)


def test_an_operator_account_is_a_role_accounts_can_have(clock):
    account = auth.new_account("op-2", "correct horse", "operator", "housing", clock())
    assert account.role == "operator" and account.department is None
    from chalicelib.domain.errors import Invalid
    with pytest.raises(Invalid) as err:
        auth.new_account("x", "correct horse", "mayor", None, clock())
    assert "operator" in err.value.message_en


def test_the_office_sees_the_channel_and_who_took_the_letter(hotline, clock):
    _, answer = hotline.call("POST", PATH, taken(clock, channel="fax"), as_user="op-1")
    status, letter = hotline.call("GET", f"{PATH}/{answer['id']}", as_user="office-1")
    assert status == 200 and letter["channel"] == "fax"
    first = letter["history"][0]
    assert first["actor"] == "op-1" and first["data"]["channel"] == "fax"
    status, web = hotline.call("POST", "/api/letters", letter_payload())
    assert hotline.call("GET", f"{PATH}/{web['id']}", as_user="office-1")[1]["channel"] == "web"
