"""Supervision in the domain, without a store: lights caught up in order, the rating follow-up,
the re-do queue flags, and the notifications each history event causes (pure notifications.py).
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from chalicelib.domain import notifications
from chalicelib.domain.deadlines import Due, Light, yellow_from
from chalicelib.domain.errors import InvalidTransition
from chalicelib.domain.letters import Letter, LetterType, Limits, Publication, Status
from chalicelib.domain.notifications import (
    Channel,
    Delivery,
    Kind,
    Notification,
    NotifyConfig,
    RetryPolicy,
    digest,
    for_events,
    mobile,
)
from fakes import FakeCalendar, cst

CAL = FakeCalendar()                      # weekends off
MON = cst(2026, 11, 23, 9, 0)             # a Monday
CONFIG = NotifyConfig(site_url="https://wenzheng.test/", office_email="office@city.example",
                      department_emails={"housing": "housing@city.example"},
                      signature="江城市市长公开电话办公室")
SECRET = "the-writers-secret-never-sent"


def letter(**over) -> Letter:
    fields = dict(id="abc", tracking_code="WZABCDEFGH", secret_hash="h", subject="小区门口道路破损",
                  type=LetterType.complaint, body="道路破损严重。", public=True, submitted_at=MON,
                  name="王小明", phone="13812345678", email="wang@example.com")
    fields.update(over)
    new = Letter(**fields)
    new.record_submission(MON)
    return new


def publication(at) -> Publication:
    return Publication(subject="s", body=["b"], reply=["r"], reply_department="housing",
                       reply_at=at, name="王**", category=None, approved_at=at,
                       first_published_at=at)


def answered(at=MON + timedelta(days=1), **over) -> Letter:
    new = letter(**over)
    new.dispatch("housing", "office", MON, CAL, Limits())
    new.sign("clerk", MON + timedelta(hours=1))
    new.reply("已修复。", "clerk", MON + timedelta(hours=5), CAL)
    new.approve("office", at, publish=True, category=None, public_version=publication(at))
    return new


# --- lights caught up -----------------------------------------------------------------------

def test_yellow_from_is_the_first_instant_the_light_is_yellow():
    # dispatched Monday 09:00 with 1 working day: due Tuesday; 15 h + 24 h = 39 h of working
    # time to the deadline, a third is 13 h: Monday 22:00
    due = Due(date(2026, 11, 24))
    assert yellow_from(CAL, MON, due) == cst(2026, 11, 23, 22, 0)
    assert yellow_from(CAL, MON, due, 1.0) == due.deadline()
    assert yellow_from(CAL, MON, due, 0.0) == MON


def test_a_late_job_records_yellow_then_red_each_once_with_when_they_happened():
    new = letter()
    new.dispatch("housing", "office", MON, CAL, Limits())          # sign due Tuesday
    late = cst(2026, 11, 26, 10, 0)                                 # Thursday
    events = new.catch_up_lights(CAL, late, Limits())
    assert [(e.data["from"], e.data["to"]) for e in events] == [("green", "yellow"),
                                                                ("yellow", "red")]
    assert [e.at for e in events] == [late, late]
    assert [e.data["since"] for e in events] == ["2026-11-23T22:00:00+08:00",
                                                "2026-11-25T00:00:00+08:00"]
    assert events[0].data["clock"] == "sign" and events[0].data["due"] == "2026-11-24"
    assert new.catch_up_lights(CAL, late, Limits()) == []
    assert new.catch_up_lights(CAL, late + timedelta(days=3), Limits()) == []


def test_a_light_without_yellow_time_goes_straight_to_red():
    new = letter()
    new.dispatch("housing", "office", MON, CAL, Limits())
    events = new.catch_up_lights(CAL, cst(2026, 11, 26, 10), Limits(yellow_fraction=1.0))
    assert [e.data["to"] for e in events] == ["red"]


def test_signing_starts_the_reply_clock_and_its_light():
    new = letter()
    new.dispatch("housing", "office", MON, CAL, Limits())
    new.catch_up_lights(CAL, cst(2026, 11, 25, 9), Limits())        # sign clock: red
    new.sign("clerk", cst(2026, 11, 25, 10))
    # reply due 2026-11-30: 15 h + 5 * 24 h = 135 h from dispatch; a third (45 h) is reached
    # on Wednesday at 06:00
    events = new.catch_up_lights(CAL, cst(2026, 11, 25, 11), Limits())
    assert [(e.data["from"], e.data["to"], e.data["clock"]) for e in events] == [
        ("red", "yellow", "reply")]


# --- the rating follow-up and the re-do queue ------------------------------------------------

def test_the_follow_up_is_due_n_working_days_after_release_and_recorded_once():
    released = cst(2026, 11, 27, 16, 0)                                # a Friday
    new = answered(released)
    assert new.released_at == released
    assert new.awaiting_rating_followup
    due = new.rating_followup_due(CAL, Limits(rating_followup_days=3))
    assert due == cst(2026, 12, 3, 0, 0)                               # end of Wednesday
    event = new.record_rating_followup(due, due)
    assert event.action == "rating_followup" and event.data["reply_n"] == 1
    assert not new.awaiting_rating_followup
    with pytest.raises(InvalidTransition):
        new.record_rating_followup(due, due)


@pytest.mark.parametrize("over", [{"email": None, "phone": None}])
def test_a_writer_who_left_no_contact_is_never_asked(over):
    assert not answered(**over).awaiting_rating_followup


def test_a_rated_reply_needs_no_follow_up_and_unsatisfied_enters_the_redo_queue():
    new = answered()
    new.rate("unsatisfied", "没有解决", MON + timedelta(days=2))
    assert not new.awaiting_rating_followup
    assert new.rated_unsatisfied and new.awaiting_redo_decision(Limits(max_redos=1))
    new.order_redo("群众不满意", "office", MON + timedelta(days=2), CAL, Limits())
    assert new.status == Status.redo and not new.rated_unsatisfied
    new.reply("补充答复", "clerk", MON + timedelta(days=3), CAL)
    new.approve("office", MON + timedelta(days=3), publish=True, category=None,
                public_version=publication(MON + timedelta(days=3)))
    # the re-done reply is released: it can be rated (and followed up) again
    assert new.current_rating is None and new.awaiting_rating_followup
    new.rate("unsatisfied", None, MON + timedelta(days=4))
    assert new.rated_unsatisfied
    assert not new.awaiting_redo_decision(Limits(max_redos=1))       # the one re-do is used
    assert new.awaiting_redo_decision(Limits(max_redos=2))


# --- which notifications an event causes ---------------------------------------------------

def test_yellow_and_red_lights_tell_the_department():
    new = letter()
    new.dispatch("housing", "office", MON, CAL, Limits())
    events = new.catch_up_lights(CAL, cst(2026, 11, 26, 10), Limits())
    yellow, red = for_events(new, events, CONFIG)
    assert (yellow.kind, yellow.channel, yellow.to) == (Kind.light_yellow, Channel.email,
                                                         "housing@city.example")
    assert red.kind == Kind.light_red and red.id == f"abc.{events[1].seq}.email"
    assert "黄灯" in yellow.subject and "红灯" in red.subject
    assert "2026年11月24日" in red.body and "WZABCDEFGH" in red.body
    assert "https://wenzheng.test/staff/" in red.body
    assert "13812345678" not in red.body and "wang@example.com" not in red.body
    assert yellow.letter_id == "abc" and yellow.status == Delivery.pending
    assert yellow.not_after == events[0].at + CONFIG.expire_after


def test_a_department_without_an_address_gets_nothing():
    new = letter()
    new.dispatch("education", "office", MON, CAL, Limits())
    events = new.catch_up_lights(CAL, cst(2026, 11, 26, 10), Limits())
    assert len(events) == 2 and for_events(new, events, CONFIG) == []


@pytest.mark.parametrize(("frm", "to"), [(Light.red, Light.yellow), (Light.red, Light.green),
                                         (Light.yellow, Light.green)])
def test_a_light_that_eases_warns_nobody(frm, to):
    # e.g. red on the sign clock, then signed: the reply clock is only yellow
    new = letter()
    new.dispatch("housing", "office", MON, CAL, Limits())
    new.record_light(frm, MON + timedelta(days=1))
    new.record_light(to, MON + timedelta(days=2))
    assert for_events(new, new.history[-1:], CONFIG) == []
    assert len(for_events(new, new.history[-2:-1], CONFIG)) == 1


def test_a_redo_order_tells_the_department_the_reason_and_the_new_limit():
    new = answered()
    new.order_redo("答复未说明整改时限", "office", MON + timedelta(days=2), CAL, Limits())
    (note,) = for_events(new, new.history[-1:], CONFIG)
    assert note.kind == Kind.redo and note.to == "housing@city.example"
    assert "答复未说明整改时限" in note.body and "2026年12月2日" in note.body


def test_a_released_reply_tells_the_writer_by_email_and_sms_with_the_tracking_link():
    new = answered()
    email, sms = for_events(new, new.history[-1:], CONFIG)
    link = "https://wenzheng.test/track/?code=WZABCDEFGH"
    assert (email.channel, email.to, email.kind) == (Channel.email, "wang@example.com",
                                                     Kind.reply_released)
    assert (sms.channel, sms.to) == (Channel.sms, "+8613812345678")
    for note in (email, sms):
        assert link in note.body and SECRET not in note.body and "secret" not in note.body
    assert "已在网站公开" in email.body
    assert len(sms.body) < 120


def test_the_follow_up_asks_for_a_rating_and_expires_from_its_due_time():
    new = answered()
    due = cst(2026, 11, 30, 0, 0)
    event = new.record_rating_followup(cst(2026, 12, 20, 9, 0), due)
    email, sms = for_events(new, [event], CONFIG)
    assert email.kind == Kind.rating_followup and "还没有评价" in email.body
    assert email.not_after == due + CONFIG.expire_after
    assert "/track/?code=WZABCDEFGH" in sms.body


@pytest.mark.parametrize(("phone", "expected"), [
    ("13812345678", "+8613812345678"), ("+86 138-1234-5678", "+8613812345678"),
    ("02712345678", None), ("1234567", None), (None, None)])
def test_sms_goes_to_mainland_mobile_numbers_only(phone, expected):
    assert mobile(phone) == expected


# --- delivery state -------------------------------------------------------------------------

def note(**over) -> Notification:
    fields = dict(id="abc.5.email", kind=Kind.light_red, channel=Channel.email,
                  to="housing@city.example", subject="s", body="b", created_at=MON,
                  not_after=MON + timedelta(days=3), letter_id="abc")
    fields.update(over)
    return Notification(**fields)


def test_retries_back_off_and_give_up_after_the_last_attempt():
    policy = RetryPolicy(max_attempts=3, first_delay=timedelta(minutes=5), multiplier=3,
                         max_delay=timedelta(minutes=30))
    assert [policy.delay(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m)
                                                      for m in (5, 15, 30, 30)]
    n = note()
    assert n.next_attempt_at == MON and n.is_due(MON)
    n.claim(MON, policy)
    assert n.attempts == 1 and not n.is_due(MON + timedelta(minutes=5))
    n.failed(MON, "timeout", policy)
    assert n.status == Delivery.pending and n.next_attempt_at == MON + timedelta(minutes=5)
    for _ in range(2):
        n.claim(MON, policy)
        n.failed(MON, "timeout", policy)
    assert n.status == Delivery.failed and n.attempts == 3 and n.last_error == "timeout"


def test_a_notification_round_trips_as_a_dict():
    n = note()
    n.claim(MON, RetryPolicy())
    n.delivered(MON + timedelta(seconds=1), "msg-1")
    again = Notification.from_dict(n.to_dict(), version=n.version)
    assert again == n


def test_the_digest_lists_lights_by_department_and_the_red_letters():
    board = {"active": {"total": 3, "by_light": {"green": 1, "yellow": 1, "red": 1},
                        "by_department": [{"department": "housing", "green": 1, "yellow": 1,
                                           "red": 1, "total": 3}]},
             "awaiting_dispatch": 2, "awaiting_approval": 1, "awaiting_redo_decision": 1,
             "pending_extensions": 0,
             "red": [{"id": "abc", "tracking_code": "WZABCDEFGH", "subject": "道路破损",
                      "department": "housing", "due": "2026-11-24", "status": "dispatched",
                      "clock": "sign"}]}
    made = digest(date(2026, 11, 26), cst(2026, 11, 26, 8, 5), board,
                  {"housing": "市住房和城乡建设局"}, CONFIG)
    assert made.id == notifications.digest_id(date(2026, 11, 26)) == "digest.2026-11-26.email"
    assert made.to == "office@city.example" and "红灯 1 件" in made.subject
    assert "市住房和城乡建设局：1 / 1 / 1" in made.body
    assert "WZABCDEFGH 《道路破损》 市住房和城乡建设局，时限 2026年11月24日" in made.body
    assert "待决定是否重办 1 件" in made.body
    assert digest(date(2026, 11, 26), MON, board, {}, NotifyConfig()) is None


# --- the exposure board's entries -----------------------------------------------------------

def test_exposure_entries_are_each_missed_limit_with_how_late():
    from chalicelib.domain import exposure
    new = letter()
    new.dispatch("housing", "office", MON, CAL, Limits())                # sign due Tue Nov 24
    new.sign("clerk", cst(2026, 11, 25, 12, 0))                         # 12 h late
    now = cst(2026, 12, 2, 12, 0)                                        # reply due Mon Nov 30
    (late_sign, open_reply) = exposure.entries(new, CAL, now)
    assert (late_sign.clock, late_sign.department, late_sign.due) == ("sign", "housing",
                                                                       date(2026, 11, 24))
    assert late_sign.late_working_days == 0.5 and late_sign.late_days == 1
    assert late_sign.done_at == cst(2026, 11, 25, 12, 0) and not late_sign.open
    assert open_reply.open and open_reply.clock == "reply"
    assert open_reply.late_working_days == 1.5 and open_reply.late_days == 2
    new.reply("答复", "clerk", now, CAL)
    (_, late_reply) = exposure.entries(new, CAL, now + timedelta(days=30))
    assert late_reply.done_at == now and late_reply.late_working_days == 1.5
    assert exposure.entries(answered(), CAL, now) == []                  # all on time
