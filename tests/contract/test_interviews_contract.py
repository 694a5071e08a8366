"""The store contract for the interview programme, against every adapter (SQLite, moto
DynamoDB, the in-memory store): a question's classification and the letter a demand becomes
commit together with one change record naming the topic and the letter, or not at all; an
evaluation is kept with its topic (under the topic's key), survives a new commit of the
topic's definition and is guarded by the topic's version.
"""
from __future__ import annotations

import dataclasses

import pytest

from chalicelib.domain.consultations import Comment
from chalicelib.domain.errors import ConcurrentUpdate
from chalicelib.domain.interviews import Criterion, Programme, QuestionKind
from chalicelib.services import interviews as iv
from chalicelib.services import topics as topic_services
from chalicelib.services.context import Actor, Context
from fakes import DEPARTMENTS, NOTIFY, FakeCalendar, cst, topic

OFFICE = Actor("office-1", "office")
DEPUTY = Actor("deputy-1", "evaluator", "deputy")
CRITERIA = (Criterion("preparation", "准备充分", "Preparation"),
            Criterion("clarity", "表达清晰", "Clarity"))


@pytest.fixture
def ctx(store, clock) -> Context:
    c = Context(store=store, calendar=FakeCalendar(), clock=clock, departments=DEPARTMENTS,
                notify=NOTIFY, interviews=Programme(criteria=CRITERIA, window_days=3))
    topic_services.register_topics(c, [topic("interview", "live",
                                             departments=("transport", "housing"))])
    return c


def ask(store, n: int = 1) -> Comment:
    comment = Comment(id=f"q{n:03d}", topic_id="live", body="路灯坏了，请修", name="王小明",
                      created_at=cst(2026, 11, 23, 9, n), department="housing")
    with store.unit_of_work() as uow:
        uow.add_comment(comment)
        uow.commit()
    return comment


def demand() -> iv.ClassifyQuestion:
    return iv.ClassifyQuestion(QuestionKind.demand, None, True)


def test_a_demand_and_its_letter_commit_together(ctx, store):
    ask(store)
    before = len(store.pending_changes(10_000))
    answer = iv.classify_question(ctx, OFFICE, "q001", demand())
    letter = store.get_letter(answer["letter_id"])
    assert letter is not None and letter.department == "housing"
    assert [e.action for e in letter.history] == ["submit", "from_interview", "dispatch"]
    comment = store.get_comment("q001")
    assert comment.classification["kind"] == "demand"
    assert comment.letter_id == letter.id
    changes = store.pending_changes(10_000)[before:]
    assert len(changes) == 1
    assert changes[0].topics == ["live"] and changes[0].letters == [letter.id]
    assert "housing" in changes[0].departments
    # the tallies are untouched by classifying
    assert store.topic_tallies("live") == {"asked:housing": 1, "comments": 1,
                                           "status:pending": 1}


def test_the_loser_of_a_race_makes_no_letter(ctx, store):
    ask(store)
    with store.unit_of_work() as stale:
        comment = stale.get_comment("q001")
        iv.classify_question(ctx, OFFICE, "q001", demand())      # another commit wins
        comment.classification = {"kind": "consultation", "verdict": None, "by": "x",
                                  "at": cst(2026, 11, 23, 10).isoformat(), "letter_id": None}
        stale.save_comment(comment)
        with pytest.raises(ConcurrentUpdate):
            stale.commit()
    assert len(store.list_letters()) == 1
    assert store.get_comment("q001").classification["kind"] == "demand"


def test_an_evaluation_is_kept_with_its_topic(ctx, store):
    answer = iv.evaluate_session(ctx, DEPUTY, "live",
                                 iv.EvaluateSession({"preparation": 5, "clarity": 3}, "好"))
    assert answer["created"]
    assert store.pending_changes(10_000)[-1].topics == ["live"]
    stored = store.get_topic("live").evaluations["deputy-1"]
    assert stored["scores"] == {"clarity": 3, "preparation": 5}
    assert stored["kind"] == "deputy" and stored["revision"] == 1
    # a new commit of the topic's definition keeps the evaluations
    changed = dataclasses.replace(topic("interview", "live", departments=("transport", "housing")),
                                  title="改过的标题")
    assert topic_services.register_topics(ctx, [changed])["updated"] == ["live"]
    assert store.get_topic("live").evaluations["deputy-1"]["scores"]["preparation"] == 5
    assert [t.evaluations for t in store.list_topics() if t.id == "live"][0]


def test_two_evaluations_of_one_topic_cannot_overwrite_each_other(ctx, store):
    with store.unit_of_work() as stale:
        loaded = stale.get_topic("live")
        iv.evaluate_session(ctx, DEPUTY, "live",
                            iv.EvaluateSession({"preparation": 5, "clarity": 3}, None))
        loaded.evaluations["expert-1"] = {"evaluator": "expert-1", "kind": "expert",
                                          "scores": {"preparation": 1, "clarity": 1},
                                          "comment": None, "at": cst(2026, 11, 23).isoformat(),
                                          "revision": 1}
        stale.put_topic(loaded)
        with pytest.raises(ConcurrentUpdate):
            stale.commit()
    assert sorted(store.get_topic("live").evaluations) == ["deputy-1"]
