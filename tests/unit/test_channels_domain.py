"""The hotline's channels (domain/channels.py): when a letter may have been received, and the
channel figures counted from open-data rows."""
from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain import channels
from chalicelib.domain.errors import Invalid
from fakes import cst

NOW = cst(2026, 11, 23, 9, 0)


@pytest.mark.parametrize(("at", "code"), [
    (NOW + timedelta(minutes=6), "received_in_future"),
    (NOW - timedelta(days=30, minutes=1), "received_too_long_ago"),
    (NOW.replace(tzinfo=None), "invalid_datetime"),
])
def test_a_received_time_outside_the_window_is_refused(at, code):
    with pytest.raises(Invalid) as err:
        channels.check_received_at(at, NOW)
    assert (err.value.code, err.value.field) == (code, "received_at")


def test_a_time_a_little_ahead_counts_as_now_and_a_past_one_as_it_is():
    assert channels.check_received_at(NOW + timedelta(minutes=4), NOW) == NOW
    then = NOW - timedelta(days=29)
    assert channels.check_received_at(then, NOW) == then


def row(channel, department="housing", status="published", replied=True, rating=None):
    return {"channel": channel, "department": department, "status": status,
            "replied_at": "2026-11-20T10:00:00+08:00" if replied else None, "rating": rating}


def test_the_table_counts_rows_by_channel_and_department_with_totals():
    rows = [row("phone", rating="satisfied"), row("phone", rating="unsatisfied"),
            row("phone", "transport", replied=False), row("sms", None, "rejected", False),
            row("import"), row("web", rating="basically_satisfied")]
    t = channels.table(rows, {"housing": "市住房局", "transport": "市交通局"})
    keys = [(r["channel"], r["department"]) for r in t["rows"]]
    # web first (an unknown provenance such as "import" is web, as in the open data)
    assert keys == [("web", "housing"), ("phone", "housing"), ("phone", "transport"),
                    ("sms", None)]
    phone = t["rows"][1]
    assert (phone["received"], phone["replied"], phone["rated"], phone["satisfied"],
            phone["unsatisfied"]) == (2, 2, 2, 1, 1)
    assert phone["satisfaction_rate"] == 0.5 and phone["department_name"] == "市住房局"
    sms = t["rows"][3]
    assert (sms["valid"], sms["reply_rate"], sms["department_name"]) == (0, None, "未转办")
    totals = {c["channel"]: c for c in t["channels"]}
    assert totals["phone"]["received"] == 3 and totals["phone"]["reply_rate"] == round(2 / 3, 4)
    assert totals["web"]["received"] == 2 and totals["web"]["channel_name"] == "网站"
    assert t["total"]["received"] == 6 and t["total"]["valid"] == 5
    assert list(t["rows"][0]) == list(channels.COLUMNS)


def test_periods_and_months():
    assert channels.periods_of_months(["2026-11", "2026-12"]) == [
        "2026", "2026-11", "2026-12", "2026-Q4", "all"]
    assert channels.months_in("2026-Q4", ["2026-09", "2026-10", "2026-12"]) == [
        "2026-10", "2026-12"]


def test_web_is_not_a_channel_an_operator_takes():
    assert channels.WEB not in channels.TAKEN and set(channels.ALL) == {"web", *channels.TAKEN}
