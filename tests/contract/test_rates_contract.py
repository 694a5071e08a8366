"""The resolution answer given with a rating (已解决 / 部分解决 / 未解决) on every store: it round
trips with the letter, its counters keep step with a recomputation from history, and the
open-data row kept beside the letter carries it (rates.py, the resolution rate 解决率)."""
from __future__ import annotations

from datetime import timedelta

from chalicelib.domain import statistics
from chalicelib.domain.rates import Resolution

D = timedelta(days=1)


def _rated(desk, make_letter, t0, n: int, score: str, resolved: str | None):
    desk.handle(make_letter(n, t0), "housing", t0 + D)
    return desk.act(f"l{n:04d}", lambda l: l.rate(score, None, t0 + 2 * D, resolved))


def test_resolution_answer_round_trips_with_the_letter(store, desk, make_letter, t0):
    _rated(desk, make_letter, t0, 1, "basically_satisfied", "partly")
    _rated(desk, make_letter, t0, 2, "satisfied", None)
    got = store.get_letter("l0001")
    assert got.ratings[0].resolved is Resolution.partly
    assert got.history[-1].data["resolved"] == "partly"
    unanswered = store.get_letter("l0002")
    assert unanswered.ratings[0].resolved is None
    assert "resolved" not in unanswered.history[-1].data


def test_resolution_counters_match_a_recomputation(store, desk, make_letter, t0):
    for n, (score, resolved) in enumerate([("satisfied", "yes"), ("basically_satisfied", "partly"),
                                           ("unsatisfied", "no"), ("satisfied", None),
                                           ("satisfied", "yes")], 1):
        _rated(desk, make_letter, t0, n, score, resolved)
    month = statistics.month_of(t0 + D - timedelta(hours=3))
    row = store.stats(month)["housing"]
    assert (row["resolved"], row["partly_resolved"], row["unresolved"], row["rated"]) \
        == (2, 1, 1, 5)
    expected = statistics.recompute([letter.history for letter in store.iter_letters()])
    for period in store.stats_periods():
        assert store.stats(period) == {d: r for (p, d), r in expected.items() if p == period}


def test_open_data_row_carries_the_answer(store, desk, make_letter, t0):
    _rated(desk, make_letter, t0, 1, "unsatisfied", "no")
    _rated(desk, make_letter, t0, 2, "satisfied", None)
    rows = store.open_rows(t0 - D, t0 + 9 * D)
    assert [r["resolved"] for r in rows] == ["no", None]
    assert [r["stints"][0]["resolutions"] for r in rows] == [["no"], []]
