"""Request bodies become commands in the API layer (`api/parse.py`): each bad field is a 400
naming the field with API.md's code, and a good body becomes the frozen command the use case
takes, its text cleaned as stored. An idempotent replay says so (`Answer.replayed`), and the
API, not the use case, turns that into 200 instead of 201."""
from __future__ import annotations

import dataclasses

import pytest

from chalicelib.api import parse
from chalicelib.domain.consultations import Decision, Stance
from chalicelib.domain.errors import Conflict, Invalid
from chalicelib.domain.letters import LetterType, Score
from chalicelib.services import commands, letters, topics
from fakes import letter_payload, topic

DEPARTMENTS = {"housing", "transport"}


def submit(**over):
    return parse.submit_letter(letter_payload(**over), DEPARTMENTS)


def staff(route, **body):
    return lambda: getattr(parse, route)(body)


# (case, build, field, code): every way a body can be wrong, one field at a time
BAD = [
    # missing
    ("subject missing", lambda: submit(subject=None), "subject", "required"),
    ("body missing", lambda: submit(body=None), "body", "required"),
    ("type missing", lambda: submit(type=None), "type", "invalid_choice"),
    ("reject without reason", staff("reject_letter"), "reason", "required"),
    ("transfer without reason", staff("transfer_letter"), "reason", "required"),
    ("redo without reason", staff("order_redo"), "reason", "required"),
    ("keep without reason", staff("keep_reply"), "reason", "required"),
    ("deny without reason", staff("deny_extension"), "reason", "required"),
    ("reply without body", staff("reply_to_letter"), "body", "required"),
    ("dispatch without department", staff("dispatch_letter"), "department",
     "unknown_department"),
    ("contact missing", lambda: parse.reset_secret({}), "contact", "required"),
    ("comment without body", lambda: parse.add_comment({}), "body", "required"),
    ("answer without body", staff("answer_comment"), "body", "required"),
    ("outcome without summary", staff("publish_outcome"), "summary", "required"),
    ("outcome item without reason",
     staff("publish_outcome", summary="s", items=[{"decision": "adopted", "opinion": "o"}]),
     "items[0].reason", "required"),
    ("outcome item without comment or opinion",
     staff("publish_outcome", summary="s", items=[{"decision": "adopted", "reason": "r"}]),
     "items[0].opinion", "required"),
    # wrong types
    ("subject a number", lambda: submit(subject=5), "subject", "wrong_type"),
    ("body an object", lambda: submit(body={"a": 1}), "body", "wrong_type"),
    ("name a list", lambda: submit(name=["王"]), "name", "wrong_type"),
    ("public a string", lambda: submit(public="yes"), "public", "wrong_type"),
    ("idempotency key a number", lambda: submit(idempotency_key=7), "idempotency_key",
     "wrong_type"),
    ("idempotency key empty", lambda: submit(idempotency_key=""), "idempotency_key",
     "wrong_type"),
    ("publish a number", staff("approve_reply", publish=1), "publish", "wrong_type"),
    ("working days a string", staff("request_extension", reason="r", working_days="5"),
     "working_days", "invalid"),
    ("working days a boolean", staff("request_extension", reason="r", working_days=True),
     "working_days", "invalid"),
    ("paragraph a string", lambda: parse.add_comment({"body": "b", "paragraph": "2"}),
     "paragraph", "wrong_type"),
    ("paragraph a boolean", lambda: parse.add_comment({"body": "b", "paragraph": True}),
     "paragraph", "wrong_type"),
    ("interview department a number", lambda: parse.add_comment({"body": "b", "department": 3}),
     "department", "wrong_type"),
    ("answers a list", lambda: parse.add_response({"answers": ["a"]}), "answers",
     "wrong_type"),
    ("outcome items an object", staff("publish_outcome", summary="s", items={}), "items",
     "wrong_type"),
    ("outcome item a string", staff("publish_outcome", summary="s", items=["x"]), "items[0]",
     "wrong_type"),
    ("outcome comment id a number",
     staff("publish_outcome", summary="s",
           items=[{"comment_id": 1, "decision": "adopted", "reason": "r"}]),
     "items[0].comment_id", "unknown_comment"),
    ("body not an object", lambda: parse.rate_reply(["satisfied"]), None, "wrong_type"),
    # too long
    ("subject too long", lambda: submit(subject="路" * 101), "subject", "too_long"),
    ("body too long", lambda: submit(body="路" * 6001), "body", "too_long"),
    ("name too long", lambda: submit(name="王" * 41), "name", "too_long"),
    ("idempotency key too long", lambda: submit(idempotency_key="k" * 129), "idempotency_key",
     "wrong_type"),
    ("reason too long", staff("reject_letter", reason="因" * 1001), "reason", "too_long"),
    ("category too long", staff("approve_reply", category="类" * 41), "category", "too_long"),
    ("rating comment too long", lambda: parse.rate_reply({"score": "satisfied",
                                                         "comment": "好" * 1001}),
     "comment", "too_long"),
    ("outcome item reason too long",
     staff("publish_outcome", summary="s",
           items=[{"decision": "adopted", "reason": "因" * 2001, "opinion": "o"}]),
     "items[0].reason", "too_long"),
    ("working days out of range", staff("request_extension", reason="r", working_days=31),
     "working_days", "invalid"),
    # bad choices
    ("unknown type", lambda: submit(type="petition"), "type", "invalid_choice"),
    ("unknown department", lambda: submit(department="police"), "department",
     "unknown_department"),
    ("dispatch to an unknown department",
     lambda: parse.dispatch_letter({"department": "police"}, DEPARTMENTS), "department",
     "unknown_department"),
    ("unknown score", lambda: parse.rate_reply({"score": "great"}), "score", "invalid"),
    ("unknown direction", lambda: parse.vote({"direction": "sideways"}), "direction",
     "invalid_choice"),
    ("unknown stance", lambda: parse.add_comment({"body": "b", "stance": "maybe"}), "stance",
     "invalid_choice"),
    ("unknown decision",
     staff("publish_outcome", summary="s",
           items=[{"decision": "ignored", "reason": "r", "opinion": "o"}]),
     "items[0].decision", "invalid_choice"),
    # malformed values
    ("phone with letters", lambda: submit(phone="call me"), "phone", "invalid"),
    ("e-mail without a domain", lambda: submit(email="wang@"), "email", "invalid"),
    ("contact neither phone nor e-mail", lambda: parse.reset_secret({"contact": "王小明"}),
     "contact", "invalid_contact"),
]


@pytest.mark.parametrize("build,field,code", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_field_is_refused_naming_it(build, field, code):
    with pytest.raises(Invalid) as err:
        build()
    assert (err.value.field, err.value.code) == (field, code)
    assert err.value.message and err.value.message_en


def test_a_good_letter_becomes_a_cleaned_command():
    command = submit(subject="  小区门口   道路破损 ", phone="+86 138-1234-5678",
                     idempotency_key="k1", department="housing")
    assert command == commands.SubmitLetter(
        type=LetterType.complaint, subject="小区门口 道路破损", body="道路破损严重，请尽快修复。",
        department="housing", name="王小明", phone="13812345678", email="wang@example.com",
        public=True, once=command.once)
    assert command.once is not None and command.once.key == "k1"
    with pytest.raises(dataclasses.FrozenInstanceError):
        command.subject = "改"          # type: ignore[misc]


def test_the_request_fingerprint_ignores_the_key_but_not_the_rest():
    a, b = submit(idempotency_key="k1"), submit(idempotency_key="k2")
    c = submit(idempotency_key="k1", subject="另一件事")
    assert a.once and b.once and c.once
    assert a.once.request_hash == b.once.request_hash != c.once.request_hash
    assert submit().once is None


def test_blank_optional_text_is_left_out_and_defaults_apply():
    command = submit(name="  ", phone="", email=None, public=None)
    assert (command.name, command.phone, command.email, command.public) == (None, None, None,
                                                                            False)
    approval = parse.approve_reply({})
    assert approval == commands.ApproveReply(publish=True, category=None,
                                             draft=commands.PublicDraft())


def test_choices_become_their_enums():
    assert parse.rate_reply({"score": "basically_satisfied"}).score is Score.basically_satisfied
    assert parse.add_comment({"body": "b", "stance": "oppose"}).stance is Stance.oppose
    outcome = parse.publish_outcome({"summary": "s", "items": [
        {"comment_id": "c1", "decision": "partly_adopted", "reason": "r"}]})
    assert outcome.items == (commands.OutcomeDraftItem("c1", Decision.partly_adopted, "r", None,
                                                       "items[0]"),)
    assert parse.vote({"direction": "down"}) == commands.Vote("down")
    assert parse.request_extension({"reason": "核查", "working_days": 5}) == \
        commands.RequestExtension(5, "核查")


def test_fields_a_route_does_not_take_are_refused():
    with pytest.raises(Invalid) as err:
        submit(zebra=1, color="blue")
    assert (err.value.code, err.value.field) == ("unknown_field", "color")
    assert err.value.message == "不认识的字段：color"
    with pytest.raises(Invalid) as err:
        parse.sign_letter({"anything": 1})
    assert err.value.field == "anything"
    assert parse.sign_letter({}) == commands.SignLetter()


# --- idempotent replays -------------------------------------------------------------------

def test_a_replayed_letter_is_marked_replayed_with_the_first_answer(ctx, store):
    first = letters.submit_letter(ctx, submit(idempotency_key="same"))
    again = letters.submit_letter(ctx, submit(idempotency_key="same"))
    assert (first.replayed, again.replayed) == (False, True)
    assert again.body == first.body
    assert len(store.list_letters()) == 1


def test_a_key_reused_for_another_letter_is_a_conflict(ctx):
    letters.submit_letter(ctx, submit(idempotency_key="same"))
    with pytest.raises(Conflict) as err:
        letters.submit_letter(ctx, submit(idempotency_key="same", subject="另一件事"))
    assert err.value.code == "idempotency_key_reused"


def test_without_a_key_every_submission_is_new(ctx, store):
    answers = [letters.submit_letter(ctx, submit()) for _ in range(2)]
    assert [a.replayed for a in answers] == [False, False]
    assert len(store.list_letters()) == 2


def test_a_replayed_comment_is_marked_replayed(ctx, store):
    topics.register_topics(ctx, [topic()])
    command = parse.add_comment({"body": "意见", "idempotency_key": "c"})
    first = topics.add_comment(ctx, "hearing-1", command, client="x")
    again = topics.add_comment(ctx, "hearing-1", command, client="x")
    assert (first.replayed, again.replayed) == (False, True) and again.body == first.body
    assert len(store.topic_comments("hearing-1")) == 1
