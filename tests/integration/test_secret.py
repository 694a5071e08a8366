"""The tracking secret a writer can keep: the receipt sent to the contact they gave, and a new
secret for a lost one (POST /api/letters/{tracking_code}/secret), which answers the same whether
or not the contact matched, is rate-limited, and is recorded without the contact."""
from __future__ import annotations

import email
import email.policy
import json
import logging
from datetime import timedelta

from chalicelib.adapters.senders import LocalOutboxSender
from chalicelib.api import parse
from chalicelib.domain.notifications import SECRET_FORGOTTEN, Delivery, Kind
from chalicelib.services import casework, supervision
from chalicelib.services import letters as services
from chalicelib.services.commands import ApproveReply, DispatchLetter, ReplyToLetter, SignLetter
from fakes import FakeSender, letter_payload


def submit(api, **over) -> dict:
    status, answer = api.call("POST", "/api/letters", letter_payload(**over))
    assert status == 201, answer
    return answer


def track(api, answer, secret):
    return api.call("GET", f"/api/letters/{answer['tracking_code']}",
                    headers={"X-Letter-Secret": secret})


def test_a_new_letter_sends_its_code_and_secret_to_the_writers_phone_and_email(api, store,
                                                                             composed, tmp_path):
    answer = submit(api)
    notes = {str(n.channel): n for n in store.list_notifications(answer["id"])}
    assert set(notes) == {"email", "sms"}
    assert {str(n.kind) for n in notes.values()} == {"receipt"}
    assert notes["email"].to == "wang@example.com" and notes["sms"].to == "+8613812345678"
    for n in notes.values():
        assert answer["tracking_code"] in n.body and answer["secret"] in n.body
    assert "小区门口道路破损" in notes["email"].body

    outbox = tmp_path / "outbox"
    sent = supervision.deliver_notifications(composed.ctx, LocalOutboxSender(outbox))
    assert sorted(sent["sent"]) == sorted(n.id for n in notes.values())
    sms = (outbox / f"{notes['sms'].id}.txt").read_text(encoding="utf-8")
    assert answer["secret"] in sms and answer["tracking_code"] in sms
    mail = email.message_from_bytes((outbox / f"{notes['email'].id}.eml").read_bytes(),
                                    policy=email.policy.default)
    assert answer["secret"] in mail.get_content() and mail["To"] == "wang@example.com"
    # once sent, the store keeps no secret
    for n in store.list_notifications(answer["id"]):
        assert n.status == Delivery.sent and n.body == SECRET_FORGOTTEN
        assert answer["secret"] not in json.dumps(n.to_dict(), ensure_ascii=False)


def test_no_contact_no_receipt_and_a_landline_gets_no_sms(api, store):
    bare = submit(api, phone=None, email=None)
    assert store.list_notifications(bare["id"]) == []
    landline = submit(api, phone="010-66668888", email=None)
    assert store.list_notifications(landline["id"]) == []


def test_a_lost_secret_is_replaced_and_sent_to_the_contact_that_matches(api, store, composed):
    answer = submit(api)
    before = {n.id for n in store.list_notifications(answer["id"])}
    status, body = api.call("POST", f"/api/letters/{answer['tracking_code']}/secret",
                            {"contact": "138-1234-5678"})
    assert status == 202, body
    assert body["status"] == "accepted" and body["message"] and body["message_en"]
    new = [n for n in store.list_notifications(answer["id"]) if n.id not in before]
    assert [(str(n.kind), str(n.channel), n.to) for n in new] == [
        ("new_secret", "sms", "+8613812345678")]
    secret = new[0].body.split("新密码 ")[1].split("（")[0]
    assert secret != answer["secret"]
    assert track(api, answer, answer["secret"])[0] == 404          # the old one is gone
    status, view = track(api, answer, secret)
    assert status == 200
    assert view["history"][-1]["action"] == "secret_reset"
    assert view["history"][-1]["label"] == "重新发送查询密码"
    # the history keeps the channel, never the contact or the secret
    letter = store.get_letter(answer["id"])
    recorded = json.dumps([e.to_dict() for e in letter.history], ensure_ascii=False)
    assert "13812345678" not in recorded and "wang@example.com" not in recorded
    assert secret not in recorded and letter.history[-1].data == {"channel": "sms"}

    # an e-mail address in another case matches the address, and only e-mail is sent
    before = {n.id for n in store.list_notifications(answer["id"])}
    assert api.call("POST", f"/api/letters/{answer['tracking_code'].lower()}/secret",
                    {"contact": "Wang@Example.com"})[0] == 202
    new = [n for n in store.list_notifications(answer["id"]) if n.id not in before]
    assert [(str(n.kind), str(n.channel)) for n in new] == [("new_secret", "email")]


def test_the_answer_is_the_same_whether_or_not_the_contact_or_code_matched(api, store):
    answer = submit(api)
    letter = store.get_letter(answer["id"])
    notes = len(store.list_notifications(answer["id"]))
    right = api.call("POST", f"/api/letters/{answer['tracking_code']}/secret",
                     {"contact": "wang@example.com"})
    wrong = api.call("POST", f"/api/letters/{answer['tracking_code']}/secret",
                     {"contact": "13900000000"})
    unknown = api.call("POST", "/api/letters/WZ22222222/secret", {"contact": "a@b.cn"})
    assert right == wrong == unknown
    assert right[0] == 202
    # the wrong contact changed nothing
    after = store.get_letter(answer["id"])
    assert len(after.history) == len(letter.history) + 1            # only the right one
    assert len(store.list_notifications(answer["id"])) == notes + 1


def test_bad_requests_are_400_in_the_error_shape(api):
    answer = submit(api)
    path = f"/api/letters/{answer['tracking_code']}/secret"
    for body in ({}, {"contact": 138}, {"contact": "nobody"}, [1]):
        status, err = api.call("POST", path, body)
        assert status == 400, (body, err)
        assert set(err["error"]) >= {"code", "message", "message_en"}
    assert api.call("POST", path, {"contact": "no digits"})[1]["error"]["code"] == \
        "invalid_contact"


def test_requests_are_limited_per_letter_and_per_client(api, edge, store):
    answer = submit(api)
    path = f"/api/letters/{answer['tracking_code']}/secret"
    # per letter: three a day from any networks, then 429 for everyone
    for n in range(3):
        assert api.call("POST", path, {"contact": "13900000000"},
                        headers=edge(f"198.51.100.{n + 1}"))[0] == 202
    status, err = api.call("POST", path, {"contact": "13812345678"},
                           headers=edge("198.51.100.9"))
    assert status == 429 and err["error"]["code"] == "too_many_requests"
    assert "新密码" in err["error"]["message"]
    # per client: five an hour on any codes
    for n in range(5):
        assert api.call("POST", f"/api/letters/WZ2222222{n + 2}/secret",
                        {"contact": "13900000000"}, headers=edge("203.0.113.7"))[0] == 202
    assert api.call("POST", "/api/letters/WZ33333333/secret", {"contact": "13900000000"},
                    headers=edge("203.0.113.7"))[0] == 429
    assert api.call("POST", "/api/letters/WZ33333333/secret", {"contact": "13900000000"},
                    headers=edge("203.0.113.8"))[0] == 202
    board = api.call("GET", "/api/staff/dashboard", as_user="office-1")[1]
    kinds = {k["kind"]: k for k in board["abuse"]["kinds"]}
    assert kinds["secret"]["today"] == 2


def test_neither_contact_nor_secret_reaches_the_log(api, store, caplog):
    caplog.set_level(logging.DEBUG)
    answer = submit(api)
    api.call("POST", f"/api/letters/{answer['tracking_code']}/secret",
             {"contact": "13812345678"})
    assert "13812345678" not in caplog.text and answer["secret"] not in caplog.text
    assert "wang@example.com" not in caplog.text


def test_the_sender_gets_the_secret_and_the_store_forgets_it(ctx, store, clock):
    answer = services.submit_letter(ctx, parse.submit_letter(letter_payload())).body
    fake = FakeSender()
    supervision.deliver_notifications(ctx, fake, clock())
    assert all(n.kind in (Kind.receipt, Kind.new_secret) for n in fake.sent)
    assert len(fake.sent) == 2
    assert all(answer["secret"] in fake.bodies[n.id] for n in fake.sent)
    assert all(n.body == SECRET_FORGOTTEN for n in store.list_notifications(answer["id"]))


def test_the_reply_email_says_how_to_get_a_new_password(ctx, store):
    from fakes import HOUSING_CLERK, OFFICE
    a = services.submit_letter(ctx, parse.submit_letter(letter_payload())).body
    casework.dispatch_letter(ctx, OFFICE, a["id"], DispatchLetter(department="housing"))
    casework.sign_letter(ctx, HOUSING_CLERK, a["id"], SignLetter())
    casework.reply_to_letter(ctx, HOUSING_CLERK, a["id"], ReplyToLetter(body="已修复。"))
    casework.approve_reply(ctx, OFFICE, a["id"], ApproveReply(publish=True))
    (mail,) = [n for n in store.list_notifications(a["id"])
               if n.kind == Kind.reply_released and str(n.channel) == "email"]
    assert "申请新密码" in mail.body and a["secret"] not in mail.body


def test_a_receipt_that_expires_or_fails_for_good_forgets_the_secret(ctx, store, clock):
    from dataclasses import replace
    late = services.submit_letter(ctx, parse.submit_letter(letter_payload(phone=None))).body
    supervision.deliver_notifications(ctx, FakeSender(), clock() + timedelta(days=4))
    (note,) = store.list_notifications(late["id"])
    assert note.status == Delivery.expired and note.body == SECRET_FORGOTTEN

    ctx.notify = replace(ctx.notify, retry=replace(ctx.notify.retry, max_attempts=1))
    failing = services.submit_letter(ctx, parse.submit_letter(letter_payload(phone=None))).body
    supervision.deliver_notifications(ctx, FakeSender(failures=5), clock())
    (note,) = store.list_notifications(failing["id"])
    assert note.status == Delivery.failed and note.body == SECRET_FORGOTTEN
    assert failing["secret"] not in json.dumps(note.to_dict(), ensure_ascii=False)
