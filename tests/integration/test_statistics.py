"""Statistics derive from the recorded history: running totals equal a recomputation."""
from __future__ import annotations

import pytest

from chalicelib.api import parse
from chalicelib.domain import statistics
from chalicelib.domain.statistics import Weights
from chalicelib.services import casework
from chalicelib.services import letters as services
from chalicelib.services.commands import (
    ApproveReply,
    DispatchLetter,
    OrderRedo,
    ReplyToLetter,
    SignLetter,
    TransferLetter,
)
from fakes import HOUSING_CLERK, OFFICE, TRANSPORT_CLERK, cst, letter_payload


def drive(ctx, clock, clerk, dept, *, reply=True, late=False, rate=None, public=True):
    a = services.submit_letter(ctx, parse.submit_letter(letter_payload(public=public))).body
    casework.dispatch_letter(ctx, OFFICE, a["id"], DispatchLetter(department=dept))
    clock.advance(hours=1)
    casework.sign_letter(ctx, clerk, a["id"], SignLetter())
    if reply:
        clock.advance(days=9 if late else 1)
        casework.reply_to_letter(ctx, clerk, a["id"], ReplyToLetter(body="已办理"))
        casework.approve_reply(ctx, OFFICE, a["id"], ApproveReply(publish=True))
        if rate:
            services.rate_reply(ctx, a["tracking_code"], a["secret"],
                                parse.rate_reply({"score": rate}))
    return a


def test_running_totals_equal_recomputation_from_history(ctx, store, clock):
    clock.at = cst(2026, 10, 5, 9)
    drive(ctx, clock, HOUSING_CLERK, "housing", rate="satisfied")
    drive(ctx, clock, HOUSING_CLERK, "housing", late=True, rate="unsatisfied")
    drive(ctx, clock, HOUSING_CLERK, "housing", reply=False)
    drive(ctx, clock, TRANSPORT_CLERK, "transport", rate="basically_satisfied", public=False)
    a = drive(ctx, clock, TRANSPORT_CLERK, "transport", reply=False)
    casework.transfer_letter(ctx, TRANSPORT_CLERK, a["id"], TransferLetter(reason="非本部门"))
    casework.dispatch_letter(ctx, OFFICE, a["id"], DispatchLetter(department="housing"))
    clock.advance(days=40)                         # into the next month
    b = drive(ctx, clock, HOUSING_CLERK, "housing", rate="unsatisfied")
    casework.order_redo(ctx, OFFICE, b["id"], OrderRedo(reason="答复不具体"))
    casework.reply_to_letter(ctx, HOUSING_CLERK, b["id"], ReplyToLetter(body="补充答复"))
    casework.approve_reply(ctx, OFFICE, b["id"], ApproveReply(publish=True))
    services.rate_reply(ctx, b["tracking_code"], b["secret"],
                        parse.rate_reply({"score": "satisfied"}))

    recomputed = statistics.recompute(l.history for l in store.iter_letters())
    stored = {(p, d): c for p in store.stats_periods() for d, c in store.stats(p).items()}
    assert stored == recomputed

    nov = store.stats("2026-10")
    assert nov["housing"]["received"] == 4          # three of its own plus the transfer
    assert nov["housing"]["replied"] == 2 and nov["housing"]["replied_on_time"] == 1
    assert nov["transport"]["transferred"] == 1
    every = store.stats("all")
    assert every["housing"]["rated"] == 4            # the redone reply is rated again
    assert every["housing"]["redos"] == 1
    assert every["housing"]["satisfied"] == 2 and every["housing"]["unsatisfied"] == 2
    # the late reply is late work: dispatched Tue Oct 6, due Tue Oct 13 (5 working days),
    # replied Thu Oct 15, 2 calendar days late
    assert nov["housing"]["late_replies"] == 1 and nov["housing"]["late_reply_days"] == 2


def test_league_figures_by_hand():
    rows = {"housing": {"received": 10, "transferred": 1, "signed": 10, "signed_on_time": 9,
                        "replied": 8, "replied_on_time": 6, "extensions": 2, "redos": 1,
                        "rated": 5, "satisfied": 3, "basically_satisfied": 1, "unsatisfied": 1,
                        "reply_wd_x100": 2400},
            "transport": {"received": 6, "signed": 6, "signed_on_time": 6, "replied": 6,
                          "replied_on_time": 6},
            }
    table = statistics.league(rows, ["housing", "transport", "education"], Weights())
    by = {r["department"]: r for r in table}
    h = by["housing"]
    # handled = received - transferred - rejected = 10 - 1 - 0 = 9
    assert h["handled"] == 9
    assert h["reply_rate"] == 0.8889 and h["on_time_rate"] == 0.75     # 8/9, 6/8
    assert h["sign_on_time_rate"] == 0.9 and h["satisfaction_rate"] == 0.8   # 9/10, (3+1)/5
    assert h["extension_rate"] == 0.2222 and h["transfer_rate"] == 0.1       # 2/9, 1/10
    assert h["redo_rate"] == 0.125 and h["unsatisfied_rate"] == 0.2          # 1/8, 1/5
    assert h["satisfied_rate"] == 0.6 and h["avg_working_days"] == 3.0       # 3/5, 24/8
    # efficiency = 0.25 * 9/10 + 0.35 * 6/8 + 0.2 * 8/9 + 0.2 * (1 - 2/9)
    #            = 0.225 + 0.2625 + 0.177778 + 0.155556 = 0.820833
    assert h["efficiency"] == 0.8208
    # quality = 0.2 * (1 - 1/10) + 0.2 * (1 - 1/8) + 0.3 * (1 - 1/5) + 0.3 * 3/5
    #         = 0.18 + 0.175 + 0.24 + 0.18 = 0.775
    assert h["quality"] == 0.775
    # score = 100 * (0.6 * 0.820833 + 0.4 * 0.775) = 100 * (0.4925 + 0.31) = 80.25 exactly,
    # rounded half up -> 80.3 (floating point would give 80.2 or 80.3 by luck)
    assert h["score"] == 80.3
    # transport: every part of efficiency is 1; quality has no ratings, so only its transfer and
    # re-do parts count: (0.2 * 1 + 0.2 * 1) / 0.4 = 1; score = 100 * (0.6 + 0.4) = 100.0
    t = by["transport"]
    assert (t["efficiency"], t["quality"], t["score"]) == (1.0, 1.0, 100.0)
    assert t["satisfaction_rate"] is None and t["satisfaction_rate_low"] is None
    assert [r["department"] for r in table] == ["transport", "housing", "education"]
    assert (t["rank"], h["rank"]) == (1, 2)
    e = by["education"]                                   # listed with nothing: not ranked
    assert e["received"] == 0 and e["score"] is None and e["rank"] is None
    assert e["unranked_reason"] == "few_received" and e["ranked"] is False
    # each rate's 95 % Wilson interval: 8/9 -> [0.5650, 0.9801], 6/8 -> [0.4093, 0.9285]
    assert (h["reply_rate_low"], h["reply_rate_high"]) == (0.565, 0.9801)
    assert (h["on_time_rate_low"], h["on_time_rate_high"]) == (0.4093, 0.9285)
    # 4/5 satisfied -> [0.3755, 0.9638]
    assert (h["satisfaction_rate_low"], h["satisfaction_rate_high"]) == (0.3755, 0.9638)


def test_a_department_with_too_few_ratings_is_listed_but_not_ranked():
    rows = {"housing": {"received": 10, "signed": 10, "signed_on_time": 10, "replied": 10,
                        "replied_on_time": 10, "rated": 3, "satisfied": 3},
            "transport": {"received": 6, "signed": 6, "signed_on_time": 6, "replied": 6,
                          "replied_on_time": 6, "rated": 2, "satisfied": 2},
            "education": {"received": 4, "signed": 4, "signed_on_time": 4, "replied": 4,
                          "replied_on_time": 4, "rated": 4, "satisfied": 4}}
    table = statistics.league(rows, ["housing", "transport", "education"],
                              Weights(min_received=5, min_rated=3))
    by = {r["department"]: r for r in table}
    assert by["housing"]["rank"] == 1 and by["housing"]["unranked_reason"] is None
    # all three score 100.0, yet only housing has enough letters and ratings to be compared
    assert {r["score"] for r in table} == {100.0}
    assert by["transport"]["rank"] is None and by["transport"]["unranked_reason"] == "few_rated"
    assert by["education"]["rank"] is None
    assert by["education"]["unranked_reason"] == "few_received"


def test_equal_scores_and_letters_share_a_rank_and_the_next_rank_skips():
    same = {"received": 5, "signed": 5, "signed_on_time": 5, "replied": 5, "replied_on_time": 4}
    rows = {"a-dept": dict(same), "b-dept": dict(same),
            "c-dept": {**same, "replied_on_time": 3}, "d-dept": {**same, "received": 6,
                                                                  "transferred": 1}}
    table = statistics.league(rows, sorted(rows), Weights())
    # a, b: efficiency 0.25 + 0.35 * 4/5 + 0.2 * 5/5 + 0.2 = 0.93; quality 1 (nothing rated:
    #       transfers and re-dos only) -> 100 * (0.6 * 0.93 + 0.4 * 1) = 95.8
    # d: same efficiency (handled 6 - 1 = 5), quality (0.2 * 5/6 + 0.2 * 1) / 0.4 = 0.916667
    #    -> 100 * (0.558 + 0.366667) = 92.4667 -> 92.5
    # c: efficiency 0.25 + 0.35 * 3/5 + 0.2 + 0.2 = 0.86 -> 100 * (0.516 + 0.4) = 91.6
    assert [(r["department"], r["score"], r["rank"]) for r in table] == [
        ("a-dept", 95.8, 1), ("b-dept", 95.8, 1), ("d-dept", 92.5, 3), ("c-dept", 91.6, 4)]


def test_rank_change_against_the_previous_period():
    w = Weights()
    good = {"received": 5, "signed": 5, "signed_on_time": 5, "replied": 5, "replied_on_time": 5}
    poor = {**good, "replied_on_time": 1}
    october = statistics.league({"a-dept": good, "b-dept": poor, "c-dept": poor},
                                ["a-dept", "b-dept", "c-dept", "d-dept"], w)
    november = statistics.league({"a-dept": poor, "b-dept": good, "c-dept": poor,
                                  "d-dept": good}, ["a-dept", "b-dept", "c-dept", "d-dept"], w)
    table = statistics.with_rank_changes(november, october)
    by = {r["department"]: r for r in table}
    # October: a 1, b and c 2 (equal). November: b and d 1 (equal), a and c 3.
    assert [(d, by[d]["previous_rank"], by[d]["rank"], by[d]["rank_change"], by[d]["movement"])
            for d in ("a-dept", "b-dept", "c-dept", "d-dept")] == [
        ("a-dept", 1, 3, -2, "down"), ("b-dept", 2, 1, 1, "up"),
        ("c-dept", 2, 3, -1, "down"), ("d-dept", None, 1, None, "new")]
    first = statistics.with_rank_changes(statistics.league({"a-dept": good}, ["a-dept"], w), None)
    assert first[0]["movement"] is None and first[0]["rank_change"] is None


@pytest.mark.parametrize("period, before, after", [
    ("2026-11", "2026-10", "2026-12"), ("2026-01", "2025-12", "2026-02"),
    ("2026-12", "2026-11", "2027-01"), ("2026-Q1", "2025-Q4", "2026-Q2"),
    ("2026-Q4", "2026-Q3", "2027-Q1"), ("2026", "2025", "2027"), ("all", None, None)])
def test_previous_and_next_periods(period, before, after):
    assert statistics.previous_period(period) == before
    assert statistics.next_period(period) == after


@pytest.mark.parametrize("k, n, low, high", [
    (8, 10, 0.4902, 0.9433),      # the textbook example: 80 % of 10 is anywhere from 49 % to 94 %
    (80, 100, 0.7112, 0.8666),    # ten times the letters, a third of the width
    (0, 10, 0.0, 0.2775),
    (10, 10, 0.7225, 1.0),
    (1, 2, 0.0945, 0.9055),
    (0, 1, 0.0, 0.7935),
])
def test_wilson_interval_known_values(k, n, low, high):
    assert statistics.wilson(k, n) == (low, high)


def test_wilson_interval_of_nothing_is_none():
    assert statistics.wilson(0, 0) is None
