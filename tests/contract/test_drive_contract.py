"""The store contract for comment votes and suggestion drives (domain/drive.py), against every
adapter (SQLite, moto DynamoDB, memory): a vote is one record per voter and comment plus a
counter in the topic's tallies, committed with a change record naming the topic; a drive
letter's counters follow the letter in its own commit; concurrent votes are counted exactly;
the letter's `campaign` and `adopted` round-trip."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from chalicelib.domain import consultations as C
from chalicelib.domain import drive
from chalicelib.domain.consultations import Comment
from chalicelib.domain.errors import ConcurrentUpdate
from chalicelib.domain.letters import LetterType
from fakes import cst, topic

T0 = cst(2026, 11, 23, 9)


def setup_topic(store) -> Comment:
    with store.unit_of_work() as uow:
        uow.put_topic(topic("hearing", "taxi"))
        uow.put_topic(topic("drive", "july"))
        uow.commit()
    comment = Comment(id="c001", topic_id="taxi", body="意见", created_at=T0)
    comment.approve("office-1", T0)
    with store.unit_of_work() as uow:
        uow.add_comment(comment)
        uow.commit()
    return comment


def cast(store, comment_id: str, voter: str, direction: str = "up") -> bool:
    for _ in range(8):           # a lost race is retried, as the use case does
        try:
            with store.unit_of_work() as uow:
                comment = uow.get_comment(comment_id)
                counted = uow.add_comment_vote(comment, voter, direction)
                if counted:
                    uow.commit()
                return counted
        except ConcurrentUpdate:
            continue
    raise AssertionError("lost every race")


def test_a_vote_is_counted_once_per_voter_with_a_change_record(store):
    comment = setup_topic(store)
    before = len(store.pending_changes(10_000))
    assert cast(store, comment.id, "v1", "up") is True
    assert cast(store, comment.id, "v1", "down") is False
    assert cast(store, comment.id, "v2", "down") is True
    assert drive.comment_votes(store.topic_tallies("taxi"), comment.id) == {"up": 1, "down": 1}
    changes = store.pending_changes(10_000)[before:]
    assert len(changes) == 2 and all(c.topics == ["taxi"] and c.public for c in changes)
    # the comment itself is not rewritten, and the recomputable tallies are untouched
    assert store.get_comment(comment.id).version == 1
    assert drive.without_drive_counters(store.topic_tallies("taxi")) == C.recompute(
        store.topic_comments("taxi"), store.topic_responses("taxi"))


def test_votes_on_comments_and_letters_do_not_mix(store):
    comment = setup_topic(store)
    assert cast(store, comment.id, "v1") is True
    with store.unit_of_work() as uow:
        assert uow.add_vote(comment.id, "v1") is True     # a letter with the same id: apart


def test_interleaved_votes_are_counted_exactly(store):
    """Units of work that all read before any commits (what concurrent requests do): votes of
    different voters are added, never lost; the same voter's second commit loses the race."""
    comment = setup_topic(store)
    uows = [store.unit_of_work() for _ in range(6)]
    for i, uow in enumerate(uows):
        uow.__enter__()
        c = uow.get_comment(comment.id)
        assert uow.add_comment_vote(c, f"v{i}", "up" if i % 3 else "down") is True
    for uow in uows:
        uow.commit()
        uow.__exit__(None, None, None)
    assert drive.comment_votes(store.topic_tallies("taxi"), comment.id) == {"up": 4, "down": 2}
    first, second = store.unit_of_work(), store.unit_of_work()
    for uow in (first, second):
        uow.__enter__()
        assert uow.add_comment_vote(uow.get_comment(comment.id), "same", "up") is True
    first.commit()
    try:
        second.commit()
    except ConcurrentUpdate:
        pass
    else:
        raise AssertionError("the same voter's second vote was committed")
    assert drive.comment_votes(store.topic_tallies("taxi"), comment.id) == {"up": 5, "down": 2}


def test_a_drive_letter_moves_its_counters_in_its_own_commit(store, make_letter):
    setup_topic(store)
    letter = replace(make_letter(1, T0), type=LetterType.suggestion, campaign="july")
    with store.unit_of_work() as uow:
        uow.add_letter(letter)
        uow.commit()
    assert store.pending_changes(10_000)[-1].topics == ["july"]
    assert drive.figures(store.topic_tallies("july"))["received"] == 1
    with store.unit_of_work() as uow:
        stored = uow.get_letter(letter.id)
        assert stored.campaign == "july" and stored.adopted is None
        stored.reject("无效", "office-1", T0 + timedelta(hours=1))
        uow.save_letter(stored)
        uow.commit()
    assert drive.figures(store.topic_tallies("july"))["received"] == 0
    assert store.pending_changes(10_000)[-1].topics == ["july"]


def test_adopted_round_trips(store, make_letter):
    setup_topic(store)
    letter = replace(make_letter(2, T0), type=LetterType.suggestion, campaign="july",
                     adopted=True)
    with store.unit_of_work() as uow:
        uow.add_letter(letter)
        uow.commit()
    stored = store.get_letter(letter.id)
    assert (stored.campaign, stored.adopted) == ("july", True)
    assert drive.figures(store.topic_tallies("july"))["adopted"] == 1
