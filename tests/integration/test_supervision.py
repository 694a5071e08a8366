"""The scheduled job through the use cases and a real SQLite store: lights recorded once even when
the job runs twice, late or concurrently; notifications written with their cause and sent
exactly once, retried with backoff, never blocking a change; the rating follow-up; the office's
daily digest; the office calendar through National Day.
"""
from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.adapters.calendars import OfficialCalendar
from chalicelib.api import parse
from chalicelib.domain.notifications import Delivery, Kind
from chalicelib.services import casework, supervision
from chalicelib.services import letters as services
from chalicelib.services.commands import (
    ApproveReply,
    DispatchLetter,
    OrderRedo,
    ReplyToLetter,
    SignLetter,
)
from fakes import HOUSING_CLERK, OFFICE, FakeSender, cst, letter_payload, receipts_sent

MON = cst(2026, 11, 23, 9, 0)


def dispatched(ctx, **over) -> dict:
    answer = services.submit_letter(ctx, parse.submit_letter(letter_payload(**over))).body
    receipts_sent(ctx, answer['id'])
    casework.dispatch_letter(ctx, OFFICE, answer["id"], DispatchLetter(department="housing"))
    return answer


def released(ctx, clock, **over) -> dict:
    answer = dispatched(ctx, **over)
    clock.advance(hours=1)
    casework.sign_letter(ctx, HOUSING_CLERK, answer["id"], SignLetter())
    clock.advance(hours=2)
    casework.reply_to_letter(ctx, HOUSING_CLERK, answer["id"], ReplyToLetter(body="已安排维修。"))
    clock.advance(hours=1)
    casework.approve_reply(ctx, OFFICE, answer["id"], ApproveReply(publish=True))
    return answer


def lights(store, letter_id) -> list[str]:
    return [e.data["to"] for e in store.get_letter(letter_id).history if e.action == "light"]


def kinds(store, letter_id) -> list[str]:
    return [str(n.kind) for n in store.list_notifications(letter_id) if n.kind != Kind.receipt]


# --- idempotence -------------------------------------------------------------------------------

def test_a_second_tick_for_the_same_time_changes_nothing_and_sends_nothing(ctx, store, clock,
                                                                           sender):
    a = dispatched(ctx)
    now = cst(2026, 11, 24, 10, 0)                     # sign due today: yellow since Mon 22:00
    first = supervision.run_scheduled(ctx, sender, now)
    assert first["lights_changed"] == [a["id"]]
    assert first["digest"] == "digest.2026-11-24.email"
    assert sorted(first["notifications"]["sent"]) == sorted(
        [f"{a['id']}.3.email", "digest.2026-11-24.email"])
    letter, changes, sent = store.get_letter(a["id"]), len(store.pending_changes(1000)), len(
        sender.sent)

    second = supervision.run_scheduled(ctx, sender, now)
    assert second == {"at": now.isoformat(), "lights_changed": [], "rating_followups": [],
                      "digest": None, "topic_phases": [], "weekly": None,
                      "listings_overdue": [], "personal_data_purged": [],
                      "notifications": {"sent": [], "retrying": [], "failed": [],
                                        "expired": []}}
    assert store.get_letter(a["id"]) == letter and store.get_letter(a["id"]).version == \
        letter.version
    assert len(store.pending_changes(1000)) == changes and len(sender.sent) == sent


def test_a_tick_two_days_late_records_yellow_then_red_each_once(ctx, store, sender):
    a = dispatched(ctx)                                 # Monday 09:00, sign due Tuesday
    result = supervision.run_scheduled(ctx, sender, cst(2026, 11, 26, 11, 0))   # Thursday
    assert result["lights_changed"] == [a["id"]]
    assert lights(store, a["id"]) == ["yellow", "red"]
    events = [e for e in store.get_letter(a["id"]).history if e.action == "light"]
    assert [e.data["since"] for e in events] == ["2026-11-23T22:00:00+08:00",
                                                "2026-11-25T00:00:00+08:00"]
    assert kinds(store, a["id"]) == ["light_yellow", "light_red"]
    assert [n.id for n in sender.sent if n.letter_id] == [f"{a['id']}.3.email",
                                                          f"{a['id']}.4.email"]
    for later in (cst(2026, 11, 26, 11, 0), cst(2026, 11, 26, 11, 15), cst(2026, 11, 27, 9)):
        again = supervision.run_scheduled(ctx, sender, later)
        assert again["lights_changed"] == []
        assert set(again["notifications"]["sent"]) <= {again["digest"]}    # a new day's digest
    assert lights(store, a["id"]) == ["yellow", "red"]
    assert len([n for n in sender.sent if n.letter_id]) == 2
    assert store.stats("all")["housing"]["overdue"] == 1


def test_two_ticks_at_once_record_and_send_everything_exactly_once(ctx, store, clock, sender):
    open_ids = [dispatched(ctx, subject=f"第{i}封")["id"] for i in range(4)]
    answered = [released(ctx, clock, subject=f"已答复{i}")["id"] for i in range(2)]
    before = {n.id for n in store.list_notifications()}     # the reply notifications
    assert len(supervision.deliver_notifications(ctx, sender, clock())["sent"]) == 4
    now = cst(2026, 11, 27, 9, 0)         # every clock red, every follow-up due, a digest due

    barrier = threading.Barrier(4)
    errors: list[BaseException] = []
    results: list[dict] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(supervision.run_scheduled(ctx, sender, now))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    # across the four jobs, each letter changed once, each follow-up and the digest made once
    assert sorted(lid for r in results for lid in r["lights_changed"]) == sorted(open_ids)
    assert sorted(lid for r in results for lid in r["rating_followups"]) == sorted(answered)
    assert [r["digest"] for r in results if r["digest"]] == ["digest.2026-11-27.email"]
    for lid in open_ids:
        assert lights(store, lid) == ["yellow", "red"]
        assert kinds(store, lid) == ["light_yellow", "light_red"]
    for lid in answered:
        history = [e.action for e in store.get_letter(lid).history]
        assert history.count("rating_followup") == 1
    everything = {n.id for n in store.list_notifications()}
    assert everything - before == {
        *(f"{lid}.{seq}.email" for lid in open_ids for seq in (3, 4)),
        *(f"{lid}.6.{ch}" for lid in answered for ch in ("email", "sms")),
        "digest.2026-11-27.email"}
    receipts = {n.id for n in store.list_notifications() if n.kind == Kind.receipt}
    assert sorted(sender.ids) == sorted(everything - receipts)   # each sent exactly once
    assert sorted(i for r in results for i in r["notifications"]["sent"]) == sorted(
        everything - before)
    assert all(n.status == Delivery.sent for n in store.list_notifications())


# --- delivery: retries, expiry, and a change never waits for a send ----------------------------

def test_failed_sends_are_retried_with_backoff_and_the_change_stands(ctx, store, clock):
    flaky = FakeSender(failures=3)
    a = released(ctx, clock)                       # approve: e-mail and SMS to the writer
    letter = store.get_letter(a["id"])
    assert letter.status == "published"
    ids = sorted(n.id for n in store.list_notifications(a["id"]) if n.kind != Kind.receipt)
    assert ids == [f"{a['id']}.5.email", f"{a['id']}.5.sms"]

    now = clock()
    first = supervision.deliver_notifications(ctx, flaky, now)
    assert sorted(first["retrying"]) == ids and first["sent"] == []
    note = store.get_notification(ids[0])
    assert note.attempts == 1 and note.last_error == "mail server unavailable (fake)"
    assert note.next_attempt_at == now + timedelta(minutes=5)
    assert supervision.deliver_notifications(ctx, flaky, now + timedelta(minutes=4)) == {
        "sent": [], "retrying": [], "failed": [], "expired": []}
    second = supervision.deliver_notifications(ctx, flaky, now + timedelta(minutes=5))
    assert len(second["retrying"]) == 1 and len(second["sent"]) == 1
    third = supervision.deliver_notifications(ctx, flaky, now + timedelta(minutes=20))
    assert len(third["sent"]) == 1
    assert flaky.tries == 5 and sorted(flaky.ids) == ids
    assert {store.get_notification(i).status for i in ids} == {Delivery.sent}
    assert store.get_letter(a["id"]) == letter            # delivery never touches the letter


def test_a_send_that_keeps_failing_gives_up_after_the_last_attempt(ctx, store, clock):
    ctx.notify = replace(ctx.notify, retry=replace(ctx.notify.retry, max_attempts=3))
    broken = FakeSender(failures=1000)
    a = released(ctx, clock, phone=None)
    outcome, at = {}, clock()
    for _ in range(3):
        outcome = supervision.deliver_notifications(ctx, broken, at)
        at += timedelta(days=1)
    assert outcome["failed"] == [f"{a['id']}.5.email"]
    note = store.get_notification(f"{a['id']}.5.email")
    assert note.status == Delivery.failed and note.attempts == 3
    assert supervision.deliver_notifications(ctx, broken, at + timedelta(days=1))["sent"] == []
    assert broken.tries == 3
    # the office and the clerk carried on meanwhile
    services.rate_reply(ctx, a["tracking_code"], a["secret"],
                        parse.rate_reply({"score": "satisfied"}))


def test_a_notification_not_sent_in_time_expires(ctx, store, clock, sender):
    a = released(ctx, clock, phone=None)
    late = clock() + ctx.notify.expire_after + timedelta(seconds=1)
    assert supervision.deliver_notifications(ctx, sender, late)["expired"] == [
        f"{a['id']}.5.email"]
    assert sender.sent == []
    assert store.get_notification(f"{a['id']}.5.email").status == Delivery.expired


def test_a_crashed_delivery_is_picked_up_again_after_its_lease(ctx, store, clock, sender):
    a = released(ctx, clock, phone=None)
    note = store.get_notification(f"{a['id']}.5.email")
    note.claim(clock(), ctx.notify.retry)          # a job took it, then died before sending
    store.update_notification(note)
    assert supervision.deliver_notifications(ctx, sender, clock())["sent"] == []
    after = clock() + ctx.notify.retry.lease
    assert supervision.deliver_notifications(ctx, sender, after)["sent"] == [note.id]
    assert store.get_notification(note.id).attempts == 2


# --- the rating follow-up -----------------------------------------------------------------------

def test_the_writer_is_asked_once_to_rate_after_three_working_days(ctx, store, clock, sender):
    clock.at = cst(2026, 11, 27, 10, 0)                  # a Friday
    a = released(ctx, clock)                             # released Friday 14:00
    quiet = released(ctx, clock, email=None, phone=None)
    rated = released(ctx, clock)
    services.rate_reply(ctx, rated["tracking_code"], rated["secret"],
                        parse.rate_reply({"score": "satisfied"}))

    # due at the end of the third working day after the release: Wednesday Dec 2
    assert supervision.tick(ctx, cst(2026, 12, 2, 23, 59))["rating_followups"] == []
    result = supervision.run_scheduled(ctx, sender, cst(2026, 12, 3, 0, 0))
    assert result["rating_followups"] == [a["id"]]
    assert {n.kind for n in sender.sent if n.letter_id == a["id"]} == {Kind.rating_followup}
    email = next(n for n in sender.sent if n.letter_id == a["id"] and n.channel == "email")
    assert f"https://wenzheng.test/track/?code={a['tracking_code']}" in email.body
    assert a["secret"] not in email.body
    again = supervision.run_scheduled(ctx, sender, cst(2026, 12, 9, 9, 0))
    assert again["rating_followups"] == []
    for lid in (quiet["id"], rated["id"]):
        assert "rating_followup" not in [e.action for e in store.get_letter(lid).history]
    view = services.track_letter(ctx, a["tracking_code"], a["secret"])
    assert "rating_followup" not in [h["action"] for h in view["history"]]
    assert view["can_rate"]


# --- the office digest ---------------------------------------------------------------------------

def test_the_office_gets_one_digest_a_day_from_the_digest_hour(ctx, store, sender):
    a = dispatched(ctx)
    assert supervision.tick(ctx, cst(2026, 11, 25, 7, 59))["digest"] is None
    made = supervision.run_scheduled(ctx, sender, cst(2026, 11, 25, 8, 0))
    assert made["digest"] == "digest.2026-11-25.email"
    (digest,) = [n for n in sender.sent if n.kind == Kind.digest]
    assert digest.to == "office@city.example"
    assert "在办来信 1 件：绿灯 0，黄灯 0，红灯 1。" in digest.body
    assert f"{a['tracking_code']} 《小区门口道路破损》 市住房和城乡建设局，时限 2026年11月24日" \
        in digest.body
    assert supervision.tick(ctx, cst(2026, 11, 25, 18, 0))["digest"] is None
    assert supervision.tick(ctx, cst(2026, 11, 26, 8, 0))["digest"] == "digest.2026-11-26.email"


def test_no_office_address_no_digest(ctx):
    ctx.notify = replace(ctx.notify, office_email=None)
    assert supervision.tick(ctx, cst(2026, 11, 25, 9, 0))["digest"] is None


# --- the official calendar, through the job ----------------------------------------------------

def test_the_job_on_the_official_calendar_across_national_day(ctx, store, clock, sender):
    ctx.calendar = OfficialCalendar(None)
    clock.at = cst(2026, 9, 30, 10, 0)
    a = dispatched(ctx)                                  # sign due Oct 8, reply due Oct 13
    clock.at = cst(2026, 9, 30, 11, 0)
    casework.sign_letter(ctx, HOUSING_CLERK, a["id"], SignLetter())
    seen = []
    for now in (cst(2026, 10, 1, 9), cst(2026, 10, 5, 9), cst(2026, 10, 8, 9),
                cst(2026, 10, 9, 6, 30), cst(2026, 10, 9, 7), cst(2026, 10, 10, 9),
                cst(2026, 10, 11, 9), cst(2026, 10, 13, 23, 45), cst(2026, 10, 14, 0, 15),
                cst(2026, 10, 14, 0, 30)):
        if supervision.run_scheduled(ctx, sender, now)["lights_changed"]:
            seen.append((now, lights(store, a["id"])[-1]))
    assert seen == [(cst(2026, 10, 9, 7), "yellow"), (cst(2026, 10, 14, 0, 15), "red")]
    assert services.track_letter(ctx, a["tracking_code"], a["secret"])["due"] == "2026-10-13"
    assert [n.kind for n in sender.sent if n.letter_id] == [Kind.light_yellow, Kind.light_red]


@pytest.mark.parametrize("days", [1, 2])
def test_max_redos_is_configurable(ctx, store, clock, days):
    from chalicelib.domain.errors import InvalidTransition
    from chalicelib.domain.letters import Limits
    ctx.limits = {"default": Limits(max_redos=days)}
    a = released(ctx, clock)
    for n in range(days):
        casework.order_redo(ctx, OFFICE, a["id"], OrderRedo(reason=f"第{n + 1}次重办"))
        casework.reply_to_letter(ctx, HOUSING_CLERK, a["id"], ReplyToLetter(body="补充答复"))
        casework.approve_reply(ctx, OFFICE, a["id"], ApproveReply(publish=True))
    with pytest.raises(InvalidTransition):
        casework.order_redo(ctx, OFFICE, a["id"], OrderRedo(reason="再次重办"))
    assert kinds(store, a["id"]).count("redo") == days


def test_a_scheduled_run_sends_a_backlog_larger_than_one_batch(ctx, store, clock, sender):
    """Receipts of 7 letters (14: e-mail and SMS each) in batches of 4: one run sends them all,
    so a second run at the same time sends nothing (`wenzheng tick` twice changes nothing)."""
    ids = [services.submit_letter(ctx, parse.submit_letter(letter_payload(subject=f"第{i}封")))
           .body["id"] for i in range(7)]
    due = [n.id for n in store.list_notifications() if n.letter_id in ids]
    assert len(due) == 14
    assert len(supervision.deliver_notifications(ctx, sender, clock(), limit=4)["sent"]) == 4
    first = supervision.deliver_due(ctx, sender, clock(), limit=4)
    assert len(first["sent"]) == 10
    assert supervision.deliver_due(ctx, sender, clock(), limit=4)["sent"] == []
    assert sorted(n.id for n in sender.sent) == sorted(due)
    # a bounded run: at most `batches` × `limit` go out, the rest next time
    more = [services.submit_letter(ctx, parse.submit_letter(letter_payload(subject=f"又{i}")))
            .body["id"] for i in range(5)]
    assert len(more) == 5
    assert len(supervision.deliver_due(ctx, sender, clock(), limit=4, batches=2)["sent"]) == 8
    assert len(supervision.deliver_due(ctx, sender, clock(), limit=4)["sent"]) == 2
