"""The three rates of Beijing's 12345 (响应率、解决率、满意率) and ranking by size class (分档):
the writer's resolution answer, the exact formulas, the class boundaries and the class ranks."""
from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest

from chalicelib.api import parse
from chalicelib.domain import rates, statistics
from chalicelib.domain.errors import Invalid
from chalicelib.domain.letters import Letter, LetterType, Limits
from chalicelib.domain.rates import Resolution
from chalicelib.domain.statistics import Weights
from fakes import FakeCalendar, cst

T0 = cst(2026, 11, 23, 9, 0)
H = timedelta(hours=1)


# --- the rating's question ----------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("yes", Resolution.yes), ("partly", Resolution.partly), ("no", Resolution.no), (None, None),
])
def test_rating_takes_a_resolution_answer_or_none(value, expected):
    command = parse.rate_reply({"score": "satisfied", "resolved": value})
    assert command.resolved is expected
    assert parse.rate_reply({"score": "satisfied"}).resolved is None


@pytest.mark.parametrize("value", ["solved", "YES", "", 1, True, ["yes"], {"v": "yes"}])
def test_an_unknown_resolution_answer_is_refused_naming_the_field(value):
    with pytest.raises(Invalid) as err:
        parse.rate_reply({"score": "satisfied", "resolved": value})
    assert (err.value.field, err.value.code) == ("resolved", "invalid")
    assert "已解决" in err.value.message and "partly" in err.value.message_en


def _replied() -> Letter:
    letter = Letter(id="abc", tracking_code="WZTEST", secret_hash="x", type=LetterType.complaint,
                    subject="s", body="b", public=True, submitted_at=T0, name="王小明")
    letter.record_submission(T0)
    cal = FakeCalendar()
    letter.dispatch("housing", "office-1", T0 + H, cal, Limits())
    letter.sign("clerk", T0 + 2 * H)
    letter.reply("已修复。", "clerk", T0 + 3 * H, cal)
    letter.approve("office-1", T0 + 4 * H, publish=False, category=None, public_version=None)
    return letter


def test_the_answer_is_stored_on_the_rating_and_in_the_history():
    letter = _replied()
    rating = letter.rate("basically_satisfied", None, T0 + 5 * H, "partly")
    assert rating.resolved is Resolution.partly
    assert letter.history[-1].data["resolved"] == "partly"
    counters = statistics.contributions(letter.history)
    (row,) = counters.values()
    assert row["partly_resolved"] == 1 and row["rated"] == 1
    assert row["resolved"] == row["unresolved"] == 0


def test_the_domain_refuses_an_unknown_answer_too():
    letter = _replied()
    with pytest.raises(Invalid) as err:
        letter.rate("satisfied", None, T0 + 5 * H, "maybe")
    assert err.value.field == "resolved"
    assert letter.ratings == []


# --- the formulas, exact -------------------------------------------------------------------------

def test_resolution_rate_counts_a_partial_answer_half():
    assert rates.resolution_fraction(3, 2, 6) == Fraction(2, 3)        # (3 + 1) / 6
    assert rates.resolution_fraction(0, 1, 1) == Fraction(1, 2)
    assert rates.resolution_fraction(0, 0, 0) is None


def test_response_rate_is_signed_on_time_over_received():
    assert rates.response_fraction(7, 8) == Fraction(7, 8)
    assert rates.response_fraction(0, 0) is None


def test_league_figures_keep_the_three_rates_apart():
    f = statistics.figures({"received": 8, "signed": 8, "signed_on_time": 6, "rated": 7,
                            "satisfied": 3, "basically_satisfied": 2, "unsatisfied": 2,
                            "resolved": 3, "partly_resolved": 2, "unresolved": 1})
    assert f["responded"] == 6
    assert f["response_rate"] == float(Fraction(6, 8))
    assert f["resolution_answers"] == 6
    assert f["resolution_rate"] == round(float(Fraction(4, 6)), 4) == 0.6667
    assert f["satisfaction_rate"] == round(5 / 7, 4)
    # the intervals: Wilson's, with p the rate and n the letters or the answers
    assert (f["response_rate_low"], f["response_rate_high"]) == statistics.wilson(6, 8)
    assert (f["resolution_rate_low"], f["resolution_rate_high"]) == statistics.wilson(4, 6)
    assert f["resolution_rate_low"] < f["resolution_rate"] < f["resolution_rate_high"]


def test_rates_without_answers_are_none_not_zero():
    f = statistics.figures({"received": 3, "rated": 2, "satisfied": 2})
    assert f["resolution_rate"] is None and f["resolution_rate_low"] is None
    assert f["response_rate"] == 0.0
    empty = statistics.figures({})
    assert empty["response_rate"] is None and empty["resolution_answers"] == 0


def test_the_score_is_not_changed_by_resolution_answers():
    base = {"received": 10, "signed": 10, "signed_on_time": 9, "replied": 10,
            "replied_on_time": 8, "rated": 6, "satisfied": 4, "unsatisfied": 2}
    answered = {**base, "resolved": 1, "partly_resolved": 2, "unresolved": 3}
    w = Weights()
    assert statistics.score(statistics.figures(base), w) \
        == statistics.score(statistics.figures(answered), w)


# --- size classes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("received, label", [
    (0, None), (1, "1-19"), (19, "1-19"), (20, "20-99"), (99, "20-99"), (100, "100+"),
    (5000, "100+"),
])
def test_size_class_boundaries(received, label):
    assert rates.size_class(received, (20, 100)) == label


def test_size_class_labels_and_other_bounds():
    assert rates.size_classes((20, 100)) == ["1-19", "20-99", "100+"]
    assert rates.size_classes(()) == ["1+"]
    assert rates.size_class(3, ()) == "1+"
    assert rates.size_class(10, (10,)) == "10+" and rates.size_class(9, (10,)) == "1-9"


@pytest.mark.parametrize("bounds", [(1,), (20, 20), (100, 20), (2.5,), (True,)])
def test_bad_size_class_bounds_are_refused(bounds):
    with pytest.raises(ValueError):
        rates.check_size_classes(bounds)


def _row(received: int, rated: int, satisfied: int) -> dict[str, int]:
    return {"received": received, "signed": received, "signed_on_time": received,
            "replied": received, "replied_on_time": received, "rated": rated,
            "satisfied": satisfied, "unsatisfied": rated - satisfied}


def test_departments_are_ranked_overall_and_within_their_class():
    rows = {
        "big": _row(500, 100, 60),         # 100+
        "mid-a": _row(40, 10, 10),         # 20-99, best of all
        "mid-b": _row(30, 10, 5),          # 20-99
        "small-a": _row(6, 4, 4),          # 1-19, ties mid-a's score but fewer letters
        "small-b": _row(5, 4, 2),
        "tiny": _row(2, 2, 2),             # 1-19 but too few letters: not ranked
        "none": {},
    }
    w = Weights(min_received=5, min_rated=3)
    table = {r["department"]: r for r in statistics.league(rows, list(rows), w)}
    assert [(d, table[d]["rank"], table[d]["size_class"], table[d]["class_rank"])
            for d in rows] == [
        ("big", 3, "100+", 1),
        ("mid-a", 1, "20-99", 1),
        ("mid-b", 4, "20-99", 2),
        ("small-a", 2, "1-19", 1),
        ("small-b", 5, "1-19", 2),
        ("tiny", None, "1-19", None),
        ("none", None, None, None),
    ]


def test_equal_scores_and_letters_share_a_class_rank():
    rows = {"a": _row(30, 10, 5), "b": _row(30, 10, 5), "c": _row(30, 10, 4)}
    table = {r["department"]: r for r in statistics.league(rows, list(rows), Weights())}
    assert [table[d]["class_rank"] for d in "abc"] == [1, 1, 3]
    assert [table[d]["rank"] for d in "abc"] == [1, 1, 3]


def test_configured_classes_change_the_classes():
    rows = {"a": _row(30, 10, 5), "b": _row(8, 4, 4)}
    w = Weights(size_classes=(10,))
    table = {r["department"]: r for r in statistics.league(rows, list(rows), w)}
    assert (table["a"]["size_class"], table["b"]["size_class"]) == ("10+", "1-9")
    assert table["a"]["class_rank"] == table["b"]["class_rank"] == 1
    # the weights as a data file's header gives them back (a list) are the same weights
    assert Weights(**{**w.as_dict(), "size_classes": [10]}) == w


def test_a_stint_stored_before_resolutions_existed_reads_with_none_given():
    from chalicelib.domain.open_data import STINT_FIELDS, complete_stint
    old = {f: None for f in STINT_FIELDS if f != "resolutions"}
    completed = complete_stint(old)
    assert list(completed) == list(STINT_FIELDS) and completed["resolutions"] == []
    assert complete_stint(completed) is completed
