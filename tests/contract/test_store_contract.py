"""The store contract: every adapter (SQLite, DynamoDB) gives the same answers in the same order,
commits all or nothing, and lets only one of two racing commits win (DESIGN.md invariants 4, 5).

Every test here but the last section runs once per adapter through the `store` fixture.
"""
from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import boto3
import pytest

from chalicelib.adapters import dynamodb_table as table
from chalicelib.adapters.dynamodb import DynamoStore, TransactionTooLarge
from chalicelib.domain import statistics
from chalicelib.domain.deadlines import Light
from chalicelib.domain.errors import ConcurrentUpdate
from chalicelib.domain.letters import Letter, LetterType, Limits, PublicEdits
from chalicelib.domain.notifications import Channel, Delivery, Kind, Notification, RetryPolicy
from chalicelib.services.ports import Account, StoredAnswer
from fakes import cst

H = timedelta(hours=1)
D = timedelta(days=1)


def ids(letters) -> list[str]:
    return [letter.id for letter in letters]


def assert_stats_match_history(store) -> None:
    """The running totals equal a recomputation from every letter's history."""
    expected = statistics.recompute([letter.history for letter in store.iter_letters()])
    periods = sorted({period for period, _ in expected})
    assert store.stats_periods() == periods
    for period in periods:
        assert store.stats(period) == {dept: row for (p, dept), row in expected.items()
                                       if p == period}


def pending_count(store) -> int:
    return len(store.pending_changes(1000))


def everything(store) -> dict:
    """A snapshot of what a commit can touch, to show that a failed one touched nothing."""
    return {"letters": [(letter, letter.history) for letter in store.iter_letters()],
            "stats": {p: store.stats(p) for p in store.stats_periods()},
            "changes": [c.to_dict() for c in store.pending_changes(1000)]}


# --- letters: add, get, save ------------------------------------------------------------------

class TestLetters:
    def test_added_letter_round_trips_by_id_and_by_tracking_code(self, make_letter, store, desk,
            cal, t0):
        letter = make_letter(1, t0)
        letter.dispatch("housing", "office-1", t0 + H, cal, Limits())
        letter.sign("clerk-h", t0 + 2 * H)
        letter.request_extension(3, "需要现场勘查", "clerk-h", t0 + 3 * H)
        letter.approve_extension("office-1", t0 + 4 * H, cal)
        letter.reply("已安排维修。\n\n感谢来信。", "clerk-h", t0 + D, cal)
        letter.approve("office-1", t0 + 2 * D, publish=True, category="城乡建设",
                       public_version=desk.public_version(letter, t0 + 2 * D))
        letter.rate("satisfied", "很好", t0 + 3 * D)
        letter.votes_up, letter.votes_down = 3, 1
        desk.add(letter)

        got = store.get_letter("l0001")
        assert got == letter
        assert got.publication == letter.publication and got.ratings == letter.ratings
        assert [e.action for e in got.history] == [
            "submit", "dispatch", "sign", "request_extension", "approve_extension", "reply",
            "approve", "rate"]
        assert [e.seq for e in got.history] == list(range(1, 9))
        assert got.version == letter.version == 1
        assert letter.new_events == [] and got.new_events == []
        with store.unit_of_work() as uow:
            assert uow.get_letter_by_code("WZ00000001") == letter
            assert uow.get_letter("l0001") == letter

    def test_the_offices_public_wording_round_trips(self, make_letter, store, desk, cal, t0):
        letter = make_letter(1, t0)
        letter.dispatch("housing", "office-1", t0 + H, cal, Limits())
        letter.sign("clerk-h", t0 + 2 * H)
        letter.reply("已安排维修。", "clerk-h", t0 + D, cal)
        edits = PublicEdits(subject="某小区道路破损", body="道路破损。\n\n请修复。",
                            reply="已维修。", reply_n=1)
        letter.approve("office-1", t0 + 2 * D, publish=True, category=None,
                       public_version=desk.public_version(letter, t0 + 2 * D), edits=edits)
        desk.add(letter)
        got = store.get_letter("l0001")
        assert got.public_edits == edits and got == letter
        desk.act("l0001", lambda l: setattr(l, "public_edits", PublicEdits(body="只改内容")))
        assert store.get_letter("l0001").public_edits == PublicEdits(body="只改内容")

    def test_letter_without_optional_fields_round_trips(self, store, desk, t0):
        letter = Letter(id="bare", tracking_code="WZBARE001", secret_hash="0" * 64,
                        type=LetterType.suggestion, subject="建议", body="增设公交线路",
                        public=False, submitted_at=t0)
        letter.record_submission(t0)
        desk.add(letter)
        assert store.get_letter("bare") == letter

    def test_unknown_letter_and_code_are_none(self, make_letter, store, desk, t0):
        desk.add(make_letter(1, t0))
        assert store.get_letter("nope") is None
        with store.unit_of_work() as uow:
            assert uow.get_letter("nope") is None
            assert uow.get_letter_by_code("WZNOPE") is None

    def test_saving_appends_new_events_to_history_in_order(self, make_letter, store, desk, t0):
        desk.add(make_letter(1, t0))
        desk.dispatch("l0001", "housing", t0 + H)
        saved = desk.sign("l0001", t0 + 2 * H)

        got = store.get_letter("l0001")
        assert [(e.seq, e.action) for e in got.history] == [
            (1, "submit"), (2, "dispatch"), (3, "sign")]
        assert got.version == saved.version == 3
        assert got == saved

    def test_saving_a_letter_not_loaded_in_the_unit_of_work_is_refused(self, make_letter, store,
            desk, t0):
        letter = desk.add(make_letter(1, t0))
        with store.unit_of_work() as uow, pytest.raises(KeyError):
            uow.save_letter(letter)

    def test_the_suggestion_recorded_beside_the_choice_round_trips(self, make_letter, store,
            desk, t0):
        shown = {"category": "城乡建设", "department": "housing"}
        desk.add(make_letter(1, t0))
        desk.act("l0001", lambda l: l.dispatch("water", "office-1", t0 + H, desk.cal,
                                               desk.limits, suggested=shown))
        desk.sign("l0001", t0 + 2 * H)
        desk.reply("l0001", t0 + 3 * H)
        desk.act("l0001", lambda l: l.approve("office-1", t0 + 4 * H, publish=False,
                                              category="环境保护", public_version=None,
                                              suggested=shown))
        got = {e.action: e.data for e in store.get_letter("l0001").history}
        assert got["dispatch"]["department"] == "water"
        assert got["dispatch"]["suggested"] == shown
        assert got["approve"]["category"] == "环境保护" and got["approve"]["suggested"] == shown

    def test_iter_letters_yields_every_letter_in_id_order(self, make_letter, store, desk, t0):
        for n in (5, 3, 1, 4, 2):
            desk.add(make_letter(n, t0 + n * H))
        assert ids(store.iter_letters()) == ["l0001", "l0002", "l0003", "l0004", "l0005"]


# --- races: the loser writes nothing ----------------------------------------------------------

class TestConcurrency:
    def test_second_of_two_racing_commits_is_concurrent_update_and_writes_nothing(
            self, make_letter, store, desk, t0):
        desk.add(make_letter(1, t0))
        desk.dispatch("l0001", "housing", t0 + H)
        with store.unit_of_work() as first, store.unit_of_work() as second:
            a = first.get_letter("l0001")
            b = second.get_letter("l0001")
            a.sign("clerk-h", t0 + 2 * H)
            first.save_letter(a)
            first.commit()
            before = everything(store)

            b.request_transfer("不属于本部门职责", "clerk-h", t0 + 3 * H)
            second.save_letter(b)
            second.remember_answer("letters", "k-lost", StoredAnswer(200, {"x": 1}, "h"))
            with pytest.raises(ConcurrentUpdate) as info:
                second.commit()
            assert info.value.field == "version"
            assert b.version == 2          # back to the version it was loaded at

        assert everything(store) == before
        assert [e.action for e in store.get_letter("l0001").history] == [
            "submit", "dispatch", "sign"]
        with store.unit_of_work() as uow:
            assert uow.idempotent_answer("letters", "k-lost") is None

    def test_racing_saves_without_new_events_conflict_on_the_version(self, make_letter, store,
                                                                     desk, t0):
        # two different voters: no history events, so only the version guard stops a lost update
        desk.handle(make_letter(1, t0), "housing", t0 + D)
        with store.unit_of_work() as first, store.unit_of_work() as second:
            a, b = first.get_letter("l0001"), second.get_letter("l0001")
            for uow, letter, voter in ((first, a, "voter-a"), (second, b, "voter-b")):
                assert uow.add_vote(letter.id, voter)
                letter.vote("up", t0 + 2 * D)
                uow.save_letter(letter)
            first.commit()
            with pytest.raises(ConcurrentUpdate) as info:
                second.commit()
            assert info.value.field == "version"
        assert store.get_letter("l0001").votes_up == 1
        with store.unit_of_work() as uow:
            assert uow.add_vote("l0001", "voter-b") is True

    def test_adding_a_letter_whose_tracking_code_exists_is_concurrent_update(
            self, make_letter, store, desk, t0):
        desk.add(make_letter(1, t0, code="WZSAMECODE"))
        before = everything(store)
        with pytest.raises(ConcurrentUpdate):
            desk.add(make_letter(2, t0 + H, code="WZSAMECODE"))
        assert store.get_letter("l0002") is None
        assert everything(store) == before
        with store.unit_of_work() as uow:
            assert uow.get_letter_by_code("WZSAMECODE").id == "l0001"

    def test_adding_a_letter_whose_id_exists_is_concurrent_update(self, make_letter, store,
            desk, t0):
        desk.add(make_letter(1, t0))
        before = everything(store)
        with pytest.raises(ConcurrentUpdate):
            desk.add(make_letter(2, t0 + H, letter_id="l0001"))
        assert everything(store) == before
        with store.unit_of_work() as uow:
            assert uow.get_letter_by_code("WZ00000002") is None


# --- idempotency answers and votes ------------------------------------------------------------

class TestIdempotencyAndVotes:
    def test_remembered_answer_is_replayed(self, make_letter, store, desk, t0):
        answer = StoredAnswer(201, {"id": "l0001", "tracking_code": "WZ00000001",
                                    "note": "已收到"}, "a" * 64)
        with store.unit_of_work() as uow:
            assert uow.idempotent_answer("letters", "key-1") is None
            uow.add_letter(make_letter(1, t0))
            uow.remember_answer("letters", "key-1", answer)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.idempotent_answer("letters", "key-1") == answer
            assert uow.idempotent_answer("other-scope", "key-1") is None
            assert uow.idempotent_answer("letters", "key-2") is None

    def test_reusing_an_idempotency_key_is_concurrent_update_and_adds_no_letter(
            self, make_letter, store, desk, t0):
        with store.unit_of_work() as uow:
            uow.add_letter(make_letter(1, t0))
            uow.remember_answer("letters", "key-1", StoredAnswer(201, {"id": "l0001"}, "h1"))
            uow.commit()
        before = everything(store)
        with store.unit_of_work() as uow:
            uow.add_letter(make_letter(2, t0 + H))
            uow.remember_answer("letters", "key-1", StoredAnswer(201, {"id": "l0002"}, "h2"))
            with pytest.raises(ConcurrentUpdate):
                uow.commit()
        assert store.get_letter("l0002") is None
        assert everything(store) == before
        with store.unit_of_work() as uow:
            assert uow.idempotent_answer("letters", "key-1").body == {"id": "l0001"}

    def test_an_answer_alone_commits_without_a_change_record(self, store):
        with store.unit_of_work() as uow:
            uow.remember_answer("ratings", "k", StoredAnswer(200, {"ok": True}, "h"))
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.idempotent_answer("ratings", "k") == StoredAnswer(200, {"ok": True}, "h")
        assert store.pending_changes() == []

    def test_a_voter_counts_once_per_letter(self, make_letter, store, desk, t0):
        desk.handle(make_letter(1, t0), "housing", t0 + D)

        def vote(voter: str, direction: str) -> bool:
            with store.unit_of_work() as uow:
                letter = uow.get_letter("l0001")
                counted = uow.add_vote("l0001", voter)
                if counted:
                    letter.vote(direction, t0 + 2 * D)
                    uow.save_letter(letter)
                    uow.commit()
                return counted

        assert vote("voter-a", "up") is True
        assert vote("voter-a", "down") is False
        assert vote("voter-b", "down") is True
        got = store.get_letter("l0001")
        assert (got.votes_up, got.votes_down) == (1, 1)

    def test_the_same_vote_racing_twice_counts_once(self, make_letter, store, desk, t0):
        desk.handle(make_letter(1, t0), "housing", t0 + D)
        desk.handle(make_letter(2, t0), "housing", t0 + D)
        with store.unit_of_work() as first, store.unit_of_work() as second:
            assert first.add_vote("l0001", "voter-a") is True
            assert second.add_vote("l0001", "voter-a") is True
            first.commit()
            before = everything(store)
            with pytest.raises(ConcurrentUpdate):
                second.commit()
        assert everything(store) == before
        with store.unit_of_work() as uow:
            assert uow.add_vote("l0001", "voter-a") is False
            assert uow.add_vote("l0002", "voter-a") is True


# --- running statistics -----------------------------------------------------------------------

class TestStatistics:
    def test_running_totals_equal_a_recomputation_from_history(self, make_letter, store, desk,
            cal, t0):
        # A: dispatched, signed, replied on time, published, rated satisfied
        desk.add(make_letter(1, t0))
        desk.dispatch("l0001", "housing", t0 + H)
        assert_stats_match_history(store)
        desk.sign("l0001", t0 + 2 * H)
        desk.reply("l0001", t0 + D)
        desk.approve("l0001", t0 + 2 * D)
        desk.rate("l0001", "satisfied", t0 + 3 * D)
        assert_stats_match_history(store)

        # B: transferred and re-dispatched, extended, replied late, closed, rated unsatisfied,
        # redone, replied again and published
        desk.add(make_letter(2, t0 + H))
        desk.dispatch("l0002", "housing", t0 + 2 * H)
        desk.act("l0002", lambda l: l.request_transfer("不属于本部门", "clerk-h", t0 + 3 * H))
        assert_stats_match_history(store)
        desk.dispatch("l0002", "transport", t0 + 4 * H)
        desk.sign("l0002", t0 + 5 * H)
        desk.act("l0002", lambda l: l.request_extension(2, "需要协调", "clerk-t", t0 + D))
        desk.act("l0002", lambda l: l.approve_extension("office-1", t0 + D + H, cal))
        desk.reply("l0002", cst(2026, 12, 14, 10, 0))          # after the extended due date
        desk.approve("l0002", cst(2026, 12, 14, 11, 0), publish=False)
        desk.rate("l0002", "unsatisfied", cst(2026, 12, 15, 9, 0))
        assert_stats_match_history(store)
        desk.act("l0002", lambda l: l.order_redo("答复不满意", "office-1",
                                                 cst(2026, 12, 15, 10, 0), cal, Limits()))
        desk.reply("l0002", cst(2026, 12, 16, 10, 0), body="重新答复。")
        desk.approve("l0002", cst(2026, 12, 16, 11, 0))
        assert_stats_match_history(store)
        # ... rated unsatisfied again, and the office keeps that reply (维持答复)
        desk.rate("l0002", "unsatisfied", cst(2026, 12, 17, 9, 0))
        desk.act("l0002", lambda l: l.keep_reply("已按政策答复", "office-1",
                                                 cst(2026, 12, 17, 10, 0)))
        assert_stats_match_history(store)

        # C: overdue before signing (red light recorded), then rejected
        desk.add(make_letter(3, t0))
        desk.dispatch("l0003", "education", t0 + H)
        desk.act("l0003", lambda l: l.record_light(Light.red, t0 + 3 * D))
        desk.act("l0003", lambda l: l.reject("重复来信", "office-1", t0 + 4 * D))
        # D: dispatched in the next month (China time) and signed
        desk.add(make_letter(4, cst(2026, 11, 30, 23, 0)))
        desk.dispatch("l0004", "housing", cst(2026, 12, 1, 0, 30))
        desk.sign("l0004", cst(2026, 12, 1, 9, 0))
        # E: rejected straight away: never dispatched, counts nowhere
        desk.add(make_letter(5, t0))
        desk.act("l0005", lambda l: l.reject("无效信件", "office-1", t0 + H))
        assert_stats_match_history(store)

        assert store.stats_periods() == ["2026", "2026-11", "2026-12", "2026-Q4", "all"]
        nov = store.stats("2026-11")
        assert nov["housing"] == {"received": 2, "signed": 1, "signed_on_time": 1,
                                  "transferred": 1, "replied": 1, "replied_on_time": 1,
                                  "reply_wd_x100": nov["housing"]["reply_wd_x100"],
                                  "published": 1, "rated": 1, "satisfied": 1}
        assert nov["transport"]["overdue"] == 1 and nov["transport"]["redos"] == 1
        assert (nov["transport"]["unsatisfied"], nov["transport"]["kept"]) == (2, 1)
        assert store.stats("2026-12") == {"housing": {"received": 1, "signed": 1,
                                                      "signed_on_time": 1}}
        assert store.stats("1999") == {}

    def test_a_failed_commit_leaves_the_totals_alone(self, make_letter, store, desk, t0):
        desk.add(make_letter(1, t0))
        with store.unit_of_work() as first, store.unit_of_work() as second:
            a, b = first.get_letter("l0001"), second.get_letter("l0001")
            a.dispatch("housing", "office-1", t0 + H, desk.cal, Limits())
            b.dispatch("transport", "office-1", t0 + H, desk.cal, Limits())
            first.save_letter(a)
            second.save_letter(b)
            first.commit()
            with pytest.raises(ConcurrentUpdate):
                second.commit()
        assert set(store.stats("all")) == {"housing"}
        assert_stats_match_history(store)


    def test_corrections_add_to_the_totals_with_one_change_record(self, make_letter, store,
            desk, t0):
        desk.add(make_letter(1, t0))
        desk.dispatch("l0001", "housing", t0 + H)
        store.mark_changes_done([c.id for c in store.pending_changes()])
        before = store.stats("2026-11")["housing"]
        with store.unit_of_work() as uow:
            uow.correct_stats({("2026-11", "housing"): {"received": 2, "late_replies": 1},
                               ("all", "transport"): {"received": 1}})
            uow.commit()
        assert store.stats("2026-11")["housing"] == {**before, "received": before["received"] + 2,
                                                      "late_replies": 1}
        assert store.stats("all")["transport"] == {"received": 1}
        [change] = store.pending_changes()
        assert change.kind == "statistics" and change.letters == []
        assert change.periods == ["2026-11", "all"]
        assert change.departments == ["housing", "transport"]
        assert change.counters == ["late_replies", "received"]     # kept through the store
        with store.unit_of_work() as uow:      # and back: the totals equal history again
            uow.correct_stats({("2026-11", "housing"): {"received": -2, "late_replies": -1},
                               ("all", "transport"): {"received": -1}})
            uow.commit()
        assert store.stats("2026-11")["housing"] == before
        every = store.stats("all")
        assert "transport" not in every or not any(every["transport"].values())


# --- the staff console's lists ----------------------------------------------------------------

class TestListLetters:
    @pytest.fixture
    def five(self, make_letter, desk, t0) -> None:
        # l0002 and l0003 were submitted at the same instant; l0003 is stored first
        for n, at in ((1, t0), (3, t0 + H), (2, t0 + H), (4, t0 + 2 * H), (5, t0 + 3 * H)):
            desk.add(make_letter(n, at))
        desk.dispatch("l0001", "housing", t0 + 4 * H)
        desk.dispatch("l0002", "housing", t0 + 4 * H)
        desk.dispatch("l0003", "transport", t0 + 4 * H)
        desk.sign("l0002", t0 + 5 * H)
        desk.dispatch("l0005", "housing", t0 + 4 * H)

    # (query, expected ids); one table per test, because building the letters on moto is slow
    QUERIES = [
        ({}, ["l0005", "l0004", "l0002", "l0003", "l0001"]),
        ({"limit": 3}, ["l0005", "l0004", "l0002"]),        # the cut falls inside a tie
        ({"limit": 4}, ["l0005", "l0004", "l0002", "l0003"]),
        ({"limit": 0}, []),
        ({"status": "dispatched"}, ["l0005", "l0003", "l0001"]),
        ({"status": "submitted"}, ["l0004"]),
        ({"status": "signed"}, ["l0002"]),
        ({"status": "published"}, []),
        ({"department": "housing"}, ["l0005", "l0002", "l0001"]),
        ({"department": "housing", "limit": 2}, ["l0005", "l0002"]),
        ({"department": "transport"}, ["l0003"]),
        ({"department": "education"}, []),
        ({"status": "dispatched", "department": "housing"}, ["l0005", "l0001"]),
        ({"status": "dispatched", "department": "housing", "limit": 1}, ["l0005"]),
        ({"status": "signed", "department": "transport"}, []),
    ]

    def test_filters_and_newest_first_order(self, store, five):
        got = [(query, ids(store.list_letters(**query))) for query, _ in self.QUERIES]
        assert got == self.QUERIES

    def test_listed_letters_are_whole(self, store, five):
        (letter,) = store.list_letters(status="signed")
        assert letter == store.get_letter("l0002")
        assert [e.action for e in letter.history] == ["submit", "dispatch", "sign"]


# --- the public archive -----------------------------------------------------------------------

class TestArchive:
    @pytest.fixture
    def archive(self, make_letter, desk, t0) -> None:
        """Published: p1, p2 in November (China time), p3 just after midnight on 1 December
        (still November in UTC), p4 and p5 at the same instant. Not published: n6 (private),
        n7 (closed without publication), n8 (replied, not approved)."""
        desk.handle(make_letter(1, t0, letter_id="p1"), "housing", cst(2026, 11, 25, 10, 0))
        desk.handle(make_letter(2, t0, letter_id="p2"), "transport", cst(2026, 11, 30, 23, 30))
        desk.handle(make_letter(3, t0, letter_id="p3"), "housing", cst(2026, 12, 1, 0, 30))
        desk.handle(make_letter(5, t0, letter_id="p5"), "transport", cst(2026, 12, 2, 9, 0))
        desk.handle(make_letter(4, t0, letter_id="p4"), "housing", cst(2026, 12, 2, 9, 0))
        desk.handle(make_letter(6, t0, letter_id="n6", public=False), "housing",
                    cst(2026, 11, 26, 9, 0))
        desk.handle(make_letter(7, t0, letter_id="n7"), "housing", cst(2026, 11, 27, 9, 0),
                    publish=False)
        desk.add(make_letter(8, t0, letter_id="n8"))
        desk.dispatch("n8", "housing", t0 + H)
        desk.sign("n8", t0 + 2 * H)
        desk.reply("n8", t0 + 3 * H)

    ORDER = ["p1", "p2", "p3", "p4", "p5"]

    def test_iter_published_and_counts(self, store, archive):
        assert ids(store.iter_published()) == self.ORDER
        assert store.count_published() == 5
        assert store.count_published("housing") == 3
        assert store.count_published("transport") == 2
        assert store.count_published("education") == 0

    LATEST = [
        ((3, None), ["p5", "p4", "p3"]),
        ((10, None), ["p5", "p4", "p3", "p2", "p1"]),
        ((0, None), []),
        ((2, "housing"), ["p4", "p3"]),
        ((10, "transport"), ["p5", "p2"]),
        ((10, "education"), []),
    ]

    def test_latest_published_newest_first(self, store, archive):
        got = [(args, ids(store.latest_published(*args))) for args, _ in self.LATEST]
        assert got == self.LATEST

    def test_months_in_china_time_with_counts(self, store, archive):
        assert store.published_months() == [("2026-11", 2), ("2026-12", 3)]

    MONTH_PAGES = [
        (("2026-11", 0, 10), ["p1", "p2"]),
        (("2026-12", 0, 2), ["p3", "p4"]),
        (("2026-12", 2, 2), ["p5"]),
        (("2026-12", 1, 1), ["p4"]),
        (("2026-12", 3, 5), []),
        (("2027-01", 0, 10), []),
    ]

    def test_a_month_in_archive_order(self, store, archive):
        got = [(args, ids(store.published_in_month(*args))) for args, _ in self.MONTH_PAGES]
        assert got == self.MONTH_PAGES

    def test_position_within_the_month(self, store, archive):
        positions = {lid: store.published_position(store.get_letter(lid))
                     for lid in (*self.ORDER, "n6", "n7", "n8")}
        assert positions == {"p1": 0, "p2": 1, "p3": 0, "p4": 1, "p5": 2,
                             "n6": 0, "n7": 0, "n8": 0}

    def test_a_redone_reply_keeps_its_place(self, store, desk, archive, cal):
        redo_at = cst(2026, 12, 10, 9, 0)
        desk.act("p1", lambda l: l.order_redo("答复不完整", "office-1", redo_at, cal,
                                              Limits()))
        desk.reply("p1", cst(2026, 12, 11, 9, 0), body="补充答复。")
        desk.approve("p1", cst(2026, 12, 11, 10, 0))

        p1 = store.get_letter("p1")
        assert p1.publication.reply == ["补充答复。"]
        assert p1.publication.first_published_at == cst(2026, 11, 25, 10, 0)
        assert ids(store.iter_published()) == self.ORDER
        assert store.published_months() == [("2026-11", 2), ("2026-12", 3)]
        assert store.published_position(p1) == 0

    def test_empty_archive(self, make_letter, store, desk, t0):
        desk.add(make_letter(1, t0))
        assert store.published_months() == []
        assert store.latest_published(10) == []
        assert list(store.iter_published()) == []
        assert store.count_published() == 0


# --- refusals (abuse counters) ----------------------------------------------------------------

class TestRefusals:
    def test_counts_per_china_day_and_kind_from_a_day_on(self, store):
        assert store.refusals(date(2026, 1, 1)) == {}
        # 23:30 UTC on the 22nd is already the 23rd in China
        for at, kind in ((cst(2026, 11, 22, 10, 0), "login"),
                         (cst(2026, 11, 23, 7, 30), "letters"),
                         (cst(2026, 11, 23, 9, 0), "letters"),
                         (cst(2026, 11, 23, 9, 5), "tracking"),
                         (cst(2026, 11, 24, 0, 10), "honeypot")):
            store.count_refusal(kind, at)
        store.count_refusal("letters", datetime(2026, 11, 22, 23, 30, tzinfo=UTC))
        assert store.refusals(date(2026, 11, 22)) == {
            "2026-11-22": {"login": 1},
            "2026-11-23": {"letters": 3, "tracking": 1},
            "2026-11-24": {"honeypot": 1}}
        assert list(store.refusals(date(2026, 11, 23))) == ["2026-11-23", "2026-11-24"]
        assert store.refusals(date(2026, 11, 25)) == {}


# --- accounts ---------------------------------------------------------------------------------

class TestAccounts:
    def test_put_get_and_replace(self, store):
        clerk = Account(username="clerk-h", password_hash="$argon2id$v=19$x", role="clerk",
                        department="housing", created_at=cst(2026, 11, 1, 9, 0))
        store.put_account(clerk)
        assert store.get_account("clerk-h") == clerk
        disabled = Account(username="clerk-h", password_hash="$argon2id$v=19$y", role="clerk",
                           department="housing", created_at=cst(2026, 11, 1, 9, 0),
                           disabled=True, demo=True)
        store.put_account(disabled)
        assert store.get_account("clerk-h") == disabled
        assert store.get_account("nobody") is None

    def test_token_version_is_stored_and_a_reset_or_disable_revokes_tokens(self, store):
        """A token issued before a password reset or before the account was disabled is refused
        by either store (the version it carries is behind the stored account's)."""
        from chalicelib.domain.errors import Unauthorized
        from chalicelib.services import auth
        from fakes import FakeClock
        clock = FakeClock(cst(2026, 11, 23, 9, 0))
        signer = auth.TokenSigner("s" * 40, clock)
        store.put_account(auth.new_account("clerk-h", "old-pass", "clerk", "housing", clock()))
        assert store.get_account("clerk-h").token_version == 0
        token, _ = signer.issue(store.get_account("clerk-h"))
        assert auth.current_actor(signer, store, token).username == "clerk-h"

        auth.replace_account(store, auth.new_account("clerk-h", "new-pass", "clerk", "housing",
                                                     clock()))
        assert store.get_account("clerk-h").token_version == 1
        with pytest.raises(Unauthorized) as err:
            auth.current_actor(signer, store, token)
        assert err.value.code == "token_revoked"
        fresh, _ = signer.issue(store.get_account("clerk-h"))
        assert auth.current_actor(signer, store, fresh).username == "clerk-h"

        auth.set_disabled(store, "clerk-h", True)
        stored = store.get_account("clerk-h")
        assert stored.disabled and stored.token_version == 2
        with pytest.raises(Unauthorized):
            auth.current_actor(signer, store, fresh)
        # enabling again does not bring the old tokens back
        auth.set_disabled(store, "clerk-h", False)
        with pytest.raises(Unauthorized):
            auth.current_actor(signer, store, fresh)
        assert auth.set_disabled(store, "nobody", True) is None

    def test_list_accounts_by_username(self, store):
        for name in ("office-1", "admin", "clerk-h"):
            store.put_account(Account(username=name, password_hash="x", role="office",
                                      department=None, created_at=cst(2026, 11, 1, 9, 0)))
        assert [a.username for a in store.list_accounts()] == ["admin", "clerk-h", "office-1"]


# --- the outbox -------------------------------------------------------------------------------

class TestOutbox:
    def test_each_commit_writes_one_change_with_what_it_touched(self, make_letter, store, desk, t0):
        desk.add(make_letter(1, t0))
        desk.dispatch("l0001", "housing", t0 + H)
        desk.act("l0001", lambda l: l.request_transfer("不属于本部门", "clerk-h", t0 + 2 * H))
        desk.dispatch("l0001", "transport", t0 + 3 * H)
        desk.handle(make_letter(2, t0), "housing", cst(2026, 12, 1, 0, 30))

        submitted, dispatched, transferred, redispatched, published = store.pending_changes()
        all_periods = ["2026", "2026-11", "2026-Q4", "all"]
        assert (submitted.letters, submitted.departments, submitted.months,
                submitted.periods, submitted.public) == (["l0001"], [], [], [], False)
        assert (dispatched.letters, dispatched.departments, dispatched.periods,
                dispatched.public) == (["l0001"], ["housing"], all_periods, False)
        assert transferred.departments == ["housing"]
        assert redispatched.departments == ["housing", "transport"]
        assert (published.letters, published.departments, published.months,
                published.periods, published.public) == (
            ["l0002"], ["housing"], ["2026-12"], all_periods, True)
        assert all(c.kind == "letter" for c in (submitted, published))
        assert submitted.at < dispatched.at < published.at

    def test_pending_changes_oldest_first_until_marked_done(self, make_letter, store, desk, t0):
        for n in range(1, 5):
            desk.add(make_letter(n, t0))
        changes = store.pending_changes()
        assert [c.letters for c in changes] == [["l0001"], ["l0002"], ["l0003"], ["l0004"]]
        assert store.pending_changes(2) == changes[:2]
        store.mark_changes_done([changes[0].id, changes[2].id, "no-such-change"])
        assert store.pending_changes() == [changes[1], changes[3]]
        store.mark_changes_done([c.id for c in changes])
        assert store.pending_changes() == []

    def test_a_commit_with_no_changes_writes_no_change_record(self, make_letter, store, desk, t0):
        desk.add(make_letter(1, t0))
        before = store.pending_changes()
        with store.unit_of_work() as uow:
            uow.get_letter("l0001")
            uow.commit()
        with store.unit_of_work() as uow:
            uow.commit()
        assert store.pending_changes() == before

    def test_a_vote_alone_writes_a_change_record(self, make_letter, store, desk, t0):
        desk.handle(make_letter(1, t0), "housing", t0 + D)
        store.mark_changes_done([c.id for c in store.pending_changes()])
        with store.unit_of_work() as uow:
            uow.add_vote("l0001", "voter-a")
            uow.commit()
        (change,) = store.pending_changes()
        assert change.letters == []

    def test_a_failed_commit_writes_no_change_record(self, make_letter, store, desk, t0):
        desk.add(make_letter(1, t0, code="WZDUP"))
        with pytest.raises(ConcurrentUpdate):
            desk.add(make_letter(2, t0, code="WZDUP"))
        assert pending_count(store) == 1


# --- DynamoDB only: the table itself ----------------------------------------------------------

class TestDynamoTable:
    def test_nothing_connects_at_construction(self):
        store = DynamoStore("never-created")
        assert store._client is None

    def test_table_has_a_new_and_old_images_stream_ttl_and_pitr(self, dynamo):
        client = dynamo.client
        desc = client.describe_table(TableName=dynamo.table_name)["Table"]
        assert desc["StreamSpecification"] == {"StreamEnabled": True,
                                               "StreamViewType": "NEW_AND_OLD_IMAGES"}
        assert {i["IndexName"] for i in desc["GlobalSecondaryIndexes"]} == {
            table.BY_KIND, table.ALL_LETTERS, table.BY_STATUS, table.BY_DEPARTMENT,
            table.PUBLISHED, table.PUBLISHED_BY_MONTH, table.PUBLISHED_BY_DEPARTMENT,
            table.PENDING_CHANGES, table.SCHEDULE, table.TOPIC_ITEMS, table.FACETS}
        ttl = client.describe_time_to_live(TableName=dynamo.table_name)
        assert ttl["TimeToLiveDescription"] == {"TimeToLiveStatus": "ENABLED",
                                                "AttributeName": "ttl"}
        backups = client.describe_continuous_backups(TableName=dynamo.table_name)
        pitr = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
        assert pitr["PointInTimeRecoveryStatus"] == "ENABLED"

    def test_cloudformation_properties_describe_the_same_table(self):
        props = table.table_properties("wenzheng")
        kwargs = table.create_table_kwargs("wenzheng")
        for name in ("TableName", "BillingMode", "AttributeDefinitions", "KeySchema",
                     "GlobalSecondaryIndexes"):
            assert props[name] == kwargs[name]
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
        used = {k["AttributeName"] for k in props["KeySchema"]} | {
            k["AttributeName"] for i in props["GlobalSecondaryIndexes"] for k in i["KeySchema"]}
        assert {a["AttributeName"] for a in props["AttributeDefinitions"]} == used
        assert "TableName" not in table.table_properties(None)

    def test_a_committed_change_reaches_the_stream_as_an_insert(self, dynamo, dynamo_desk,
                                                                 make_letter, t0):
        dynamo_desk.add(make_letter(1, t0))
        (change,) = dynamo.pending_changes()

        arn = dynamo.client.describe_table(TableName=dynamo.table_name)["Table"][
            "LatestStreamArn"]
        streams = boto3.client("dynamodbstreams")
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records = streams.get_records(ShardIterator=iterator)["Records"]
        outbox = [r for r in records
                  if r["dynamodb"]["Keys"]["pk"]["S"].startswith("CHANGE#")]
        assert [r["eventName"] for r in outbox] == ["INSERT"]
        image = outbox[0]["dynamodb"]["NewImage"]
        assert image["pk"]["S"] == f"CHANGE#{change.id}"
        assert json.loads(image["doc"]["S"]) == change.to_dict()
        assert outbox[0]["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"

    def test_an_expired_answer_is_ignored_and_may_be_replaced(self, dynamo, clock):
        with dynamo.unit_of_work() as uow:
            uow.remember_answer("letters", "k", StoredAnswer(201, {"id": "a"}, "h"))
            uow.commit()
        clock.advance(hours=25)
        with dynamo.unit_of_work() as uow:
            assert uow.idempotent_answer("letters", "k") is None
            uow.remember_answer("letters", "k", StoredAnswer(201, {"id": "b"}, "h"))
            uow.commit()
        with dynamo.unit_of_work() as uow:
            assert uow.idempotent_answer("letters", "k").body == {"id": "b"}

    def test_a_commit_beyond_one_transaction_is_refused_whole(self, make_letter, dynamo, t0):
        letter = make_letter(1, t0)
        for i in range(120):
            letter.record_light(Light.red if i % 2 == 0 else Light.green, t0 + i * H)
        with dynamo.unit_of_work() as uow:
            uow.add_letter(letter)
            with pytest.raises(TransactionTooLarge):
                uow.commit()
        assert dynamo.get_letter("l0001") is None
        assert letter.version == 0


# --- notifications: written with the change that causes them, exactly once ----------------------

def _note(nid: str, at, *, letter_id: str | None = "l0001", kind: Kind = Kind.light_red,
          next_at=None) -> Notification:
    return Notification(id=nid, kind=kind, channel=Channel.email, to="housing@city.example",
                        subject="【红灯督办】", body="来信已超期", created_at=at,
                        not_after=at + 3 * D, letter_id=letter_id, next_attempt_at=next_at)


class TestNotifications:
    def test_a_notification_commits_with_the_change_that_causes_it(self, make_letter, store,
                                                                     desk, t0):
        desk.add(make_letter(1, t0))
        desk.dispatch("l0001", "housing", t0 + H)
        with store.unit_of_work() as uow:
            letter = uow.get_letter("l0001")
            letter.record_light(Light.red, t0 + 3 * D)
            uow.save_letter(letter)
            note = _note(f"l0001.{letter.history[-1].seq}.email", t0 + 3 * D)
            uow.add_notification(note)
            uow.add_notification(note)          # the same one twice is one notification
            uow.commit()
        assert note.version == 1
        got = store.get_notification(note.id)
        assert got == note and got.status == Delivery.pending and got.version == 1
        assert store.list_notifications("l0001") == [note]
        assert store.list_notifications("l0002") == []
        assert store.list_notifications() == [note]
        assert store.get_notification("nope") is None

    def test_an_existing_notification_fails_the_whole_commit(self, make_letter, store, desk, t0):
        desk.add(make_letter(1, t0))
        desk.dispatch("l0001", "housing", t0 + H)
        with store.unit_of_work() as uow:
            uow.add_notification(_note("digest.2026-11-26.email", t0, letter_id=None,
                                       kind=Kind.digest))
            uow.commit()
        assert store.pending_changes()[-1].letters == ["l0001"]   # a digest writes no change
        before = everything(store)
        with store.unit_of_work() as uow:
            letter = uow.get_letter("l0001")
            letter.record_light(Light.yellow, t0 + D)
            uow.save_letter(letter)
            uow.add_notification(_note("digest.2026-11-26.email", t0 + D, letter_id=None))
            with pytest.raises(ConcurrentUpdate):
                uow.commit()
        assert everything(store) == before
        assert store.get_notification("digest.2026-11-26.email").kind == Kind.digest

    def test_the_loser_of_a_race_writes_no_notification(self, make_letter, store, desk, t0):
        desk.add(make_letter(1, t0))
        desk.dispatch("l0001", "housing", t0 + H)
        with store.unit_of_work() as first, store.unit_of_work() as second:
            for uow, nid in ((first, "l0001.3.email"), (second, "l0001.3.sms")):
                letter = uow.get_letter("l0001")
                letter.record_light(Light.red, t0 + 3 * D)
                uow.save_letter(letter)
                uow.add_notification(_note(nid, t0 + 3 * D))
            first.commit()
            with pytest.raises(ConcurrentUpdate):
                second.commit()
        assert [n.id for n in store.list_notifications("l0001")] == ["l0001.3.email"]

    def test_due_notifications_are_pending_ones_oldest_first(self, store, t0):
        with store.unit_of_work() as uow:
            uow.add_notification(_note("b.1.email", t0, next_at=t0 + 2 * H))
            uow.add_notification(_note("a.1.email", t0, next_at=t0 + 2 * H))
            uow.add_notification(_note("c.1.email", t0, next_at=t0 + H))
            uow.add_notification(_note("d.1.email", t0, next_at=t0 + 5 * H))
            uow.commit()
        assert [n.id for n in store.due_notifications(t0)] == []
        assert [n.id for n in store.due_notifications(t0 + 2 * H)] == [
            "c.1.email", "a.1.email", "b.1.email"]
        assert [n.id for n in store.due_notifications(t0 + 2 * H, limit=2)] == [
            "c.1.email", "a.1.email"]
        assert store.due_notifications(t0 + 9 * H, limit=0) == []

        sent = store.get_notification("c.1.email")
        sent.claim(t0 + 2 * H, RetryPolicy())
        store.update_notification(sent)
        assert sent.version == 2
        assert [n.id for n in store.due_notifications(t0 + 2 * H)] == ["a.1.email", "b.1.email"]
        sent.delivered(t0 + 2 * H, "m-1")
        store.update_notification(sent)
        assert [n.id for n in store.due_notifications(t0 + 9 * H)] == [
            "a.1.email", "b.1.email", "d.1.email"]
        assert store.get_notification("c.1.email") == sent
        assert sent.version == 3 and store.get_notification("c.1.email").status == Delivery.sent

    def test_a_stale_notification_update_is_concurrent_update(self, store, t0):
        with store.unit_of_work() as uow:
            uow.add_notification(_note("a.1.email", t0))
            uow.commit()
        mine, theirs = store.get_notification("a.1.email"), store.get_notification("a.1.email")
        mine.claim(t0, RetryPolicy())
        store.update_notification(mine)
        theirs.claim(t0, RetryPolicy())
        with pytest.raises(ConcurrentUpdate):
            store.update_notification(theirs)
        assert theirs.version == 1
        assert store.get_notification("a.1.email") == mine


# --- supervision lists: the scheduled job and the office never scan every letter ---------------

class TestSupervisionLists:
    def test_overdue_letters_are_those_whose_due_date_has_ended(self, make_letter, store, desk,
                                                                t0):
        # sign due Tuesday Nov 24 for l0001/l0002 (dispatched Monday), Wednesday for l0003
        for n in (1, 2, 3, 4, 5):
            desk.add(make_letter(n, t0))
        desk.dispatch("l0002", "housing", t0 + H)
        desk.dispatch("l0001", "transport", t0 + H)
        desk.dispatch("l0003", "housing", t0 + D)
        desk.dispatch("l0004", "housing", t0 + H)
        desk.sign("l0004", t0 + 2 * H)                  # reply clock: due Monday Nov 30
        desk.dispatch("l0005", "housing", t0 + H)
        desk.sign("l0005", t0 + 2 * H)
        desk.reply("l0005", t0 + 3 * H)                 # no clock running
        assert ids(store.overdue_letters(cst(2026, 11, 24, 23, 59))) == []
        assert ids(store.overdue_letters(cst(2026, 11, 25, 0, 0))) == ["l0001", "l0002"]
        assert ids(store.overdue_letters(cst(2026, 11, 26, 9, 0))) == [
            "l0001", "l0002", "l0003"]
        assert ids(store.overdue_letters(cst(2026, 12, 1, 0, 0))) == [
            "l0001", "l0002", "l0003", "l0004"]
        desk.sign("l0001", cst(2026, 11, 26, 10, 0))    # now on its reply clock (Nov 30)
        assert ids(store.overdue_letters(cst(2026, 11, 26, 11, 0))) == ["l0002", "l0003"]
        assert store.count_letters("dispatched") == 2
        assert store.count_letters("signed") == 2
        assert store.count_letters("published") == 0

    def test_letters_awaiting_a_rating_follow_up(self, make_letter, store, desk, t0):
        desk.handle(make_letter(1, t0), "housing", t0 + D)
        desk.handle(make_letter(2, t0), "housing", t0 + 2 * D)
        desk.handle(make_letter(3, t0), "housing", t0 + D, publish=False)   # closed counts too
        nobody = make_letter(4, t0)
        nobody.email = nobody.phone = None
        desk.handle(nobody, "housing", t0 + D)
        desk.handle(make_letter(5, t0), "housing", t0 + D)
        desk.rate("l0005", "satisfied", t0 + 2 * D)
        assert ids(store.letters_awaiting_rating(t0 + D)) == ["l0001", "l0003"]
        assert ids(store.letters_awaiting_rating(t0 + D - H)) == []
        assert ids(store.letters_awaiting_rating(t0 + 9 * D)) == ["l0001", "l0003", "l0002"]
        desk.act("l0001", lambda l: l.record_rating_followup(t0 + 5 * D, t0 + 5 * D))
        assert ids(store.letters_awaiting_rating(t0 + 9 * D)) == ["l0003", "l0002"]

    def test_letters_rated_unsatisfied_are_the_redo_queue(self, make_letter, store, desk, cal,
                                                          t0):
        for n in (1, 2, 3):
            desk.handle(make_letter(n, t0), "housing", t0 + D)
        desk.rate("l0002", "unsatisfied", t0 + 2 * D)
        desk.rate("l0001", "unsatisfied", t0 + 3 * D)
        desk.rate("l0003", "satisfied", t0 + 2 * D)
        assert ids(store.letters_rated_unsatisfied()) == ["l0002", "l0001"]
        desk.act("l0002", lambda l: l.order_redo("不满意", "office-1", t0 + 4 * D, cal,
                                                 Limits()))
        assert ids(store.letters_rated_unsatisfied()) == ["l0001"]
        desk.reply("l0002", t0 + 5 * D, body="重新答复")
        desk.approve("l0002", t0 + 5 * D + H)
        # the re-done reply is released and not rated yet: it awaits a rating instead
        assert ids(store.letters_rated_unsatisfied()) == ["l0001"]
        assert ids(store.letters_awaiting_rating(t0 + 9 * D)) == ["l0002"]

    def test_a_kept_reply_leaves_the_redo_queue(self, make_letter, store, desk, cal, t0):
        for n in (1, 2):
            desk.handle(make_letter(n, t0), "housing", t0 + D)
            desk.rate(f"l000{n}", "unsatisfied", t0 + 2 * D)
        assert ids(store.letters_rated_unsatisfied()) == ["l0001", "l0002"]
        desk.act("l0001", lambda l: l.keep_reply("已按政策答复", "office-1", t0 + 3 * D))
        assert ids(store.letters_rated_unsatisfied()) == ["l0002"]
        kept = store.get_letter("l0001")
        assert kept.reply_kept and kept.history[-1].reason == "已按政策答复"

    def test_late_letters_are_those_signed_or_answered_after_their_due_date(
            self, make_letter, store, desk, t0):
        for n in (1, 2, 3, 4):
            desk.add(make_letter(n, t0))
            desk.dispatch(f"l000{n}", "housing", t0 + H)      # sign due Tuesday Nov 24
        desk.sign("l0001", cst(2026, 11, 26, 10, 0))          # signed late
        desk.sign("l0002", t0 + 2 * H)                          # reply due Monday Nov 30
        desk.reply("l0002", cst(2026, 12, 2, 15, 0))          # answered late
        desk.sign("l0003", t0 + 2 * H)
        desk.reply("l0003", t0 + 3 * H)                         # on time: not late work
        assert ids(store.late_letters(cst(2026, 11, 1), 10)) == ["l0002", "l0001"]
        desk.reply("l0001", cst(2026, 12, 8, 9, 0))           # late again: listed once, newest
        assert ids(store.late_letters(cst(2026, 11, 1), 10)) == ["l0001", "l0002"]
        assert ids(store.late_letters(cst(2026, 11, 1), 1)) == ["l0001"]
        assert ids(store.late_letters(cst(2026, 11, 1), 0)) == []
        assert ids(store.late_letters(cst(2026, 11, 27), 10)) == ["l0001", "l0002"]
        assert ids(store.late_letters(cst(2026, 12, 8, 9, 0), 10)) == ["l0001"]
        assert ids(store.late_letters(cst(2026, 12, 8, 9, 1), 10)) == []
        # l0004 is overdue, not late: its clock still runs (the board's other list)
        assert ids(store.overdue_letters(cst(2026, 11, 27))) == ["l0004"]


def test_an_older_sqlite_file_gets_the_supervision_columns(make_letter, tmp_path, clock, cal,
                                                           t0):
    import sqlite3

    from chalicelib.adapters.sqlite import SqliteStore
    path = tmp_path / "old.sqlite3"
    store = SqliteStore(path, clock=clock)
    letter = make_letter(1, t0)
    letter.dispatch("housing", "office-1", t0 + H, cal, Limits())
    with store.unit_of_work() as uow:
        uow.add_letter(letter)
        uow.commit()
    store.close()
    raw = sqlite3.connect(path)
    raw.executescript("DROP INDEX letters_sched; ALTER TABLE letters DROP COLUMN sched;"
                      " ALTER TABLE letters DROP COLUMN sched_at;")
    raw.close()

    reopened = SqliteStore(path, clock=clock)
    assert ids(reopened.overdue_letters(cst(2026, 11, 26, 9, 0))) == ["l0001"]


def test_an_older_sqlite_file_gets_its_late_events_from_history(make_letter, tmp_path, clock,
                                                                cal, t0):
    import sqlite3

    from chalicelib.adapters.sqlite import SqliteStore
    path = tmp_path / "old.sqlite3"
    store = SqliteStore(path, clock=clock)
    letter = make_letter(1, t0)
    letter.dispatch("housing", "office-1", t0 + H, cal, Limits())
    letter.sign("clerk-1", cst(2026, 11, 26, 10, 0))          # after its due date (Nov 24)
    on_time = make_letter(2, t0)
    on_time.dispatch("housing", "office-1", t0 + H, cal, Limits())
    on_time.sign("clerk-1", t0 + 2 * H)
    with store.unit_of_work() as uow:
        uow.add_letter(letter)
        uow.add_letter(on_time)
        uow.commit()
    store.close()
    raw = sqlite3.connect(path)
    raw.execute("DROP TABLE late_events")
    raw.close()

    reopened = SqliteStore(path, clock=clock)
    assert ids(reopened.late_letters(cst(2026, 11, 1), 10)) == ["l0001"]
