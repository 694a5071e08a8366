"""Statistics derive from the recorded history: running totals equal a recomputation."""
from __future__ import annotations

from chalicelib import services, statistics
from chalicelib.statistics import Weights
from fakes import cst, HOUSING_CLERK, OFFICE, TRANSPORT_CLERK, letter_payload


def drive(ctx, clock, clerk, dept, *, reply=True, late=False, rate=None, public=True):
    _, a = services.submit_letter(ctx, letter_payload(public=public))
    services.dispatch_letter(ctx, OFFICE, a["id"], {"department": dept})
    clock.advance(hours=1)
    services.sign_letter(ctx, clerk, a["id"], {})
    if reply:
        clock.advance(days=9 if late else 1)
        services.reply_to_letter(ctx, clerk, a["id"], {"body": "已办理"})
        services.approve_reply(ctx, OFFICE, a["id"], {"publish": True})
        if rate:
            services.rate_reply(ctx, a["tracking_code"], a["secret"], {"score": rate})
    return a


def test_running_totals_equal_recomputation_from_history(ctx, store, clock):
    clock.at = cst(2026, 10, 5, 9)
    drive(ctx, clock, HOUSING_CLERK, "housing", rate="satisfied")
    drive(ctx, clock, HOUSING_CLERK, "housing", late=True, rate="unsatisfied")
    drive(ctx, clock, HOUSING_CLERK, "housing", reply=False)
    drive(ctx, clock, TRANSPORT_CLERK, "transport", rate="basically_satisfied", public=False)
    a = drive(ctx, clock, TRANSPORT_CLERK, "transport", reply=False)
    services.transfer_letter(ctx, TRANSPORT_CLERK, a["id"], {"reason": "非本部门"})
    services.dispatch_letter(ctx, OFFICE, a["id"], {"department": "housing"})
    clock.advance(days=40)                         # into the next month
    b = drive(ctx, clock, HOUSING_CLERK, "housing", rate="unsatisfied")
    services.order_redo(ctx, OFFICE, b["id"], {"reason": "答复不具体"})
    services.reply_to_letter(ctx, HOUSING_CLERK, b["id"], {"body": "补充答复"})
    services.approve_reply(ctx, OFFICE, b["id"], {"publish": True})
    services.rate_reply(ctx, b["tracking_code"], b["secret"], {"score": "satisfied"})

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


def test_league_figures_by_hand():
    rows = {"housing": {"received": 10, "replied": 8, "replied_on_time": 6, "signed": 10,
                        "signed_on_time": 9, "rated": 5, "satisfied": 3,
                        "basically_satisfied": 1, "unsatisfied": 1, "transferred": 0},
            "transport": {"received": 2, "replied": 2, "replied_on_time": 2, "signed": 2,
                          "signed_on_time": 2},
            }
    table = statistics.league(rows, ["housing", "transport", "education"], Weights())
    by = {r["department"]: r for r in table}
    h = by["housing"]
    assert h["reply_rate"] == 0.8 and h["on_time_rate"] == 0.75
    assert h["satisfaction_rate"] == 0.8
    # efficiency = (0.8 + 0.75 + 0.9) / 3 = 0.81667; score = 100 * (0.6 * e + 0.4 * 0.8) = 81.0
    assert h["score"] == 81.0
    assert h["rank"] == 1
    assert by["transport"]["rank"] is None and by["transport"]["ranked"] is False   # < 5 letters
    assert by["education"]["received"] == 0 and by["education"]["rank"] is None
