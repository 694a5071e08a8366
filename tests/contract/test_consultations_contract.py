"""The store contract for consultations, run against every adapter (SQLite, moto DynamoDB):
topics, comments and responses round-trip; a commit writes its records, the tally deltas, the
quotas and one change record naming the topic all or nothing; the loser of a race and a client
over its quota write nothing; the running tallies equal a recomputation from the records.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain import consultations as C
from chalicelib.domain.consultations import Comment, Response, Stance
from chalicelib.domain.errors import ConcurrentUpdate, TooManyRequests
from chalicelib.services.ports import Change, StoredAnswer
from fakes import cst, topic

H = timedelta(hours=1)
T0 = cst(2026, 11, 23, 9)


def register(store, *topics):
    for t in topics:
        with store.unit_of_work() as uow:
            uow.put_topic(t)
            uow.commit()


def new_comment(n: int, topic_id: str = "hearing-1", **kw) -> Comment:
    return Comment(id=f"c{n:03d}", topic_id=topic_id, body=f"意见 {n}",
                   created_at=T0 + n * timedelta(minutes=1), **kw)


def add(store, *records) -> None:
    with store.unit_of_work() as uow:
        for r in records:
            if isinstance(r, Comment):
                uow.add_comment(r)
            else:
                uow.add_response(r)
        uow.commit()


def act(store, comment_id: str, fn) -> Comment:
    with store.unit_of_work() as uow:
        c = uow.get_comment(comment_id)
        fn(c)
        uow.save_comment(c)
        uow.commit()
    return c


def assert_tallies_match_records(store, topic_id: str) -> None:
    assert store.topic_tallies(topic_id) == C.recompute(store.topic_comments(topic_id),
                                                        store.topic_responses(topic_id))


def snapshot(store, topic_id: str) -> dict:
    return {"comments": [c.to_dict() for c in store.topic_comments(topic_id)],
            "responses": [r.to_dict() for r in store.topic_responses(topic_id)],
            "tallies": store.topic_tallies(topic_id),
            "changes": [c.to_dict() for c in store.pending_changes(1000)]}


class TestTopics:
    def test_registered_topics_round_trip_by_id(self, store):
        kinds = [topic(str(k), f"t-{k}") for k in C.Kind]
        register(store, *reversed(kinds))
        assert [t.id for t in store.list_topics()] == sorted(t.id for t in kinds)
        for t in kinds:
            got = store.get_topic(t.id)
            assert got == t and got.version == 1
        assert store.get_topic("nope") is None

    def test_a_changed_topic_is_written_against_its_version(self, store):
        register(store, topic())
        with store.unit_of_work() as first, store.unit_of_work() as second:
            a, b = first.get_topic("hearing-1"), second.get_topic("hearing-1")
            a.title = "新标题"
            first.put_topic(a)
            first.commit()
            b.title = "另一个标题"
            second.put_topic(b)
            with pytest.raises(ConcurrentUpdate):
                second.commit()
            assert b.version == 1
        got = store.get_topic("hearing-1")
        assert got.title == "新标题" and got.version == 2

    def test_adding_a_topic_that_exists_is_concurrent_update(self, store):
        register(store, topic())
        with pytest.raises(ConcurrentUpdate):
            register(store, topic())
        assert len(store.list_topics()) == 1


class TestComments:
    def test_comments_round_trip_and_list_oldest_first_by_status(self, store):
        register(store, topic())
        add(store, new_comment(3, stance=Stance.oppose, name="王小明", client="abc"),
            new_comment(1), new_comment(2, stance=Stance.support))
        act(store, "c002", lambda c: c.approve("office-1", T0 + H))
        act(store, "c003", lambda c: c.approve("office-1", T0 + H))
        assert [c.id for c in store.topic_comments("hearing-1")] == ["c001", "c002", "c003"]
        assert [c.id for c in store.topic_comments("hearing-1", "approved")] == ["c002", "c003"]
        assert [c.id for c in store.topic_comments("hearing-1", "pending")] == ["c001"]
        assert store.topic_comments("hearing-1", "rejected") == []
        assert store.topic_comments("other") == []
        got = store.get_comment("c003")
        assert got.name == "王小明" and got.client == "abc" and got.status == "approved"
        assert got.version == 2 and store.get_comment("nope") is None

    def test_the_loser_of_a_moderation_race_writes_nothing(self, store):
        register(store, topic())
        add(store, new_comment(1, stance=Stance.support))
        with store.unit_of_work() as first, store.unit_of_work() as second:
            a, b = first.get_comment("c001"), second.get_comment("c001")
            a.approve("office-1", T0 + H)
            first.save_comment(a)
            first.commit()
            before = snapshot(store, "hearing-1")
            b.reject("广告", "office-2", T0 + 2 * H)
            second.save_comment(b)
            second.remember_answer("x", "k", StoredAnswer(200, {}, "h"))
            with pytest.raises(ConcurrentUpdate):
                second.commit()
            assert b.version == 1
        assert snapshot(store, "hearing-1") == before
        assert store.get_comment("c001").status == "approved"
        assert_tallies_match_records(store, "hearing-1")

    def test_adding_a_comment_whose_id_exists_is_concurrent_update(self, store):
        register(store, topic())
        add(store, new_comment(1))
        with pytest.raises(ConcurrentUpdate):
            add(store, new_comment(1))
        assert len(store.topic_comments("hearing-1")) == 1


class TestTallies:
    def test_running_tallies_equal_a_recomputation_from_the_records(self, store):
        register(store, topic(), topic("survey", "s"), topic("interview", "iv"))
        add(store, new_comment(1, stance=Stance.support), new_comment(2, stance=Stance.oppose),
            new_comment(3))
        act(store, "c001", lambda c: c.approve("office-1", T0 + H))
        act(store, "c002", lambda c: c.approve("office-1", T0 + H))
        act(store, "c002", lambda c: c.reject("跑题", "office-1", T0 + 2 * H))
        act(store, "c003", lambda c: c.reject("广告", "office-1", T0 + 2 * H))
        add(store, Response("r1", "s", {"mode": "bus", "problems": ["freq", "time"]}, T0,
                            texts={"idea": "c010"}),
            new_comment(10, "s", question="idea", response_id="r1"),
            Response("r2", "s", {"mode": "metro"}, T0 + H))
        act(store, "c010", lambda c: c.approve("office-1", T0 + 3 * H))
        add(store, new_comment(20, "iv", department="transport"),
            new_comment(21, "iv", department="transport"))
        act(store, "c020", lambda c: c.answer_with("已答复", "clerk-h", "housing", T0 + 4 * H))

        assert store.topic_tallies("hearing-1") == {
            "comments": 3, "status:approved": 1, "status:rejected": 2, "stance:support": 1}
        assert store.topic_tallies("s") == {
            "responses": 2, "question:mode": 2, "choice:mode:bus": 1, "choice:mode:metro": 1,
            "question:problems": 1, "choice:problems:freq": 1, "choice:problems:time": 1,
            "question:idea": 1, "text:idea": 1, "comments": 1, "status:approved": 1}
        assert store.topic_tallies("iv") == {
            "comments": 2, "status:approved": 1, "status:pending": 1, "asked:housing": 1,
            "answered:housing": 1, "asked:transport": 1}
        for topic_id in ("hearing-1", "s", "iv"):
            assert_tallies_match_records(store, topic_id)
        assert [r.id for r in store.topic_responses("s")] == ["r1", "r2"]
        assert store.topic_responses("s")[0].texts == {"idea": "c010"}
        assert store.topic_tallies("nope") == {}


class TestQuotas:
    def test_a_client_over_its_quota_writes_nothing(self, store):
        register(store, topic())
        until = T0 + H
        for n in (1, 2):
            with store.unit_of_work() as uow:
                assert uow.quota_used("comment:hearing-1:abc:2026112301") == n - 1
                uow.use_quota("comment:hearing-1:abc:2026112301", 2, until)
                uow.add_comment(new_comment(n))
                uow.commit()
        before = snapshot(store, "hearing-1")
        with store.unit_of_work() as uow:
            uow.use_quota("comment:hearing-1:abc:2026112301", 2, until)
            uow.add_comment(new_comment(3))
            uow.remember_answer("comments/hearing-1", "k3", StoredAnswer(202, {}, "h"))
            with pytest.raises(TooManyRequests):
                uow.commit()
        assert snapshot(store, "hearing-1") == before
        with store.unit_of_work() as uow:
            assert uow.quota_used("comment:hearing-1:abc:2026112301") == 2
            assert uow.idempotent_answer("comments/hearing-1", "k3") is None
            # another client, or the next window, has its own quota
            uow.use_quota("comment:hearing-1:xyz:2026112301", 2, until)
            uow.add_comment(new_comment(4))
            uow.commit()
        assert len(store.topic_comments("hearing-1")) == 3


class TestChanges:
    def test_each_commit_writes_one_change_naming_the_topic(self, store):
        register(store, topic(departments=("transport", "housing")))
        change = store.pending_changes(100)[-1]
        assert change.topics == ["hearing-1"] and change.kind == "topic" and change.public
        assert change.departments == ["housing", "transport"] and change.letters == []

        add(store, new_comment(1))
        change = store.pending_changes(100)[-1]
        assert change.topics == ["hearing-1"] and not change.public    # nothing public yet
        act(store, "c001", lambda c: c.approve("office-1", T0 + H))
        assert store.pending_changes(100)[-1].public
        act(store, "c001", lambda c: c.reject("撤下", "office-1", T0 + 2 * H))
        assert store.pending_changes(100)[-1].public                   # taken off the site
        assert len(store.pending_changes(100)) == 4

    def test_a_topic_read_without_a_change_writes_no_change_record(self, store):
        register(store, topic())
        before = len(store.pending_changes(100))
        with store.unit_of_work() as uow:
            uow.get_topic("hearing-1")
            uow.get_comment("nope")
            uow.commit()
        assert len(store.pending_changes(100)) == before


def test_a_change_record_without_topics_still_reads():
    old = {"id": "c1", "at": "2026-11-23T09:00:00+08:00", "letters": ["l1"], "departments": [],
           "months": [], "periods": [], "public": False}
    change = Change.from_dict(old)
    assert change.topics == [] and Change.from_dict(change.to_dict()) == change
