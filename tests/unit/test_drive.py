"""domain/drive.py: the counters a drive letter and a comment vote add to a topic's tallies."""
from __future__ import annotations

import pytest

from chalicelib.domain import drive
from chalicelib.domain.letters import Letter, LetterType, Publication, Status
from fakes import cst

T0 = cst(2026, 7, 10, 9)


def letter(status: Status = Status.submitted, **over) -> Letter:
    base = {"id": "l1", "tracking_code": "WZ1", "secret_hash": "x", "type": LetterType.suggestion,
            "subject": "建议", "body": "内容", "public": True, "submitted_at": T0,
            "campaign": "july"}
    base.update(over)
    return Letter(status=status, **base)


def publication() -> Publication:
    return Publication(subject="建议", body=["内容"], reply=["答复"], reply_department="transport",
                       reply_at=T0, name="王**", category=None, approved_at=T0,
                       first_published_at=T0)


@pytest.mark.parametrize("status, expected", [
    (Status.submitted, {"drive:received": 1}),
    (Status.signed, {"drive:received": 1}),
    (Status.redo, {"drive:received": 1}),
    (Status.replied, {"drive:received": 1, "drive:answered": 1}),
    (Status.closed, {"drive:received": 1, "drive:answered": 1}),
    (Status.rejected, {}),
])
def test_a_drive_letter_counts_by_its_state(status, expected):
    assert drive.letter_counts(letter(status)) == expected


def test_an_adopted_published_letter_counts_everywhere():
    counts = drive.letter_counts(letter(Status.published, adopted=True,
                                        publication=publication()))
    assert counts == {"drive:received": 1, "drive:answered": 1, "drive:adopted": 1,
                      "published:l1": 1}


def test_a_letter_sent_to_no_drive_counts_nowhere():
    assert drive.letter_counts(letter(Status.published, campaign=None, adopted=True)) == {}


def test_figures_and_rates_from_the_tallies():
    tallies = {"drive:received": 4, "drive:answered": 2, "drive:adopted": 1,
               "published:b": 1, "published:a": 1, "published:gone": 0, "stance:support": 3}
    assert drive.figures(tallies) == {"received": 4, "answered": 2, "adopted": 1,
                                      "answer_rate": 0.5, "adoption_rate": 0.5,
                                      "published": ["a", "b"]}
    assert drive.figures({})["answer_rate"] is None


def test_vote_counters_are_apart_from_the_recomputable_tallies():
    tallies = {"up:c1": 3, "down:c1": 1, "stance:support": 2, "drive:received": 1}
    assert drive.comment_votes(tallies, "c1") == {"up": 3, "down": 1}
    assert drive.comment_votes(tallies, "c2") == {"up": 0, "down": 0}
    assert drive.without_drive_counters(tallies) == {"stance:support": 2}
    assert drive.vote_counter("c1", "up") == "up:c1"
    assert drive.vote_counter("c1", "down") == "down:c1"


def test_only_suggestions_go_to_a_drive():
    assert [t for t in LetterType if drive.campaign_allowed(t)] == [LetterType.suggestion]
