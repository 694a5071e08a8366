"""Working-day deadlines and lights, against the fake calendar (no package, no files).

March 2025 is used for its shape: 2025-03-03 is a Monday, 03-07 a Friday, 03-08 a Saturday.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from chalicelib.domain.deadlines import (
    CHINA_TZ,
    Due,
    Light,
    add_working_days,
    extend,
    light_at,
    working_days_between,
    working_seconds,
)
from fakes import FakeCalendar  # weekends off, `holidays` off, `workdays` on, provisional_from

MON, TUE, WED, THU, FRI, SAT, SUN = (date(2025, 3, d) for d in range(3, 10))
NEXT_MON, NEXT_TUE = date(2025, 3, 10), date(2025, 3, 11)
H = 3600.0


def at(d: date, hour: int = 0, minute: int = 0, *, us: int = 0) -> datetime:
    return datetime.combine(d, time(hour, minute, 0, us), CHINA_TZ)


# -- add_working_days ------------------------------------------------------------------------

def test_dispatched_friday_afternoon_one_day_is_due_monday():
    assert add_working_days(FakeCalendar(), at(FRI, 15), 1) == Due(NEXT_MON, False)


@pytest.mark.parametrize("day", [SAT, SUN])
def test_dispatched_on_weekend_one_day_is_due_monday(day):
    assert add_working_days(FakeCalendar(), at(day, 10), 1).date == NEXT_MON


def test_the_day_of_dispatch_never_counts_even_at_midnight():
    assert add_working_days(FakeCalendar(), at(MON, 0), 1).date == TUE


def test_five_working_days_skip_the_weekend():
    assert add_working_days(FakeCalendar(), at(MON, 9), 5).date == NEXT_MON


def test_a_holiday_is_skipped():
    cal = FakeCalendar(holidays={NEXT_MON})
    assert add_working_days(cal, at(FRI, 15), 1).date == NEXT_TUE


def test_an_adjusted_working_saturday_counts():
    cal = FakeCalendar(workdays={SAT})
    assert add_working_days(cal, at(FRI, 15), 1).date == SAT
    assert add_working_days(cal, at(FRI, 15), 2).date == NEXT_MON


def test_the_china_local_date_of_start_counts_not_the_utc_one():
    # Thursday 17:30 UTC is Friday 01:30 in China: the dispatch day is Friday.
    start = datetime.combine(THU, time(17, 30), UTC)
    assert add_working_days(FakeCalendar(), start, 1).date == NEXT_MON


@pytest.mark.parametrize("n", [0, -1, 1.5, True, "1"])
def test_working_days_must_be_a_whole_number_of_at_least_one(n):
    with pytest.raises(ValueError):
        add_working_days(FakeCalendar(), at(MON, 9), n)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        add_working_days(FakeCalendar(), datetime(2025, 3, 3, 9), 1)


def test_a_calendar_without_working_days_fails_instead_of_looping():
    class NoWork(FakeCalendar):
        def is_workday(self, d: date) -> bool:
            return False

    with pytest.raises(ValueError, match="too few working days"):
        add_working_days(NoWork(), at(MON, 9), 1)


# -- Due -------------------------------------------------------------------------------------

def test_deadline_is_the_exclusive_end_of_the_due_date_in_china_time():
    deadline = Due(FRI, False).deadline()
    assert deadline == at(SAT)
    assert deadline.utcoffset() == timedelta(hours=8)
    assert at(FRI, 23, 59, us=0) + timedelta(seconds=59, microseconds=999_999) < deadline


# -- extend ----------------------------------------------------------------------------------

def test_extension_adds_working_days_after_the_current_due_date():
    assert extend(FakeCalendar(), Due(WED, False), 2) == Due(FRI, False)
    assert extend(FakeCalendar(), Due(WED, False), 3) == Due(NEXT_MON, False)


def test_extension_skips_holidays_and_counts_working_weekends():
    cal = FakeCalendar(holidays={THU}, workdays={SAT})
    assert extend(cal, Due(WED, False), 2).date == SAT


def test_extension_keeps_a_provisional_flag():
    assert extend(FakeCalendar(), Due(WED, True), 1) == Due(THU, True)


@pytest.mark.parametrize("n", [0, -3])
def test_extension_needs_at_least_one_day(n):
    with pytest.raises(ValueError):
        extend(FakeCalendar(), Due(WED, False), n)


# -- provisional propagation ----------------------------------------------------------------

@pytest.mark.parametrize(("provisional_from", "n", "expected"), [
    (None, 5, False),
    (NEXT_MON, 4, False),   # due Friday: the walk never reaches the provisional days
    (NEXT_MON, 5, True),    # due next Monday, itself provisional
    (SAT, 5, True),         # a provisional weekend day was looked at on the way
    (MON, 1, True),         # the start date itself is provisional
])
def test_due_is_provisional_when_any_day_walked_is(provisional_from, n, expected):
    cal = FakeCalendar(provisional_from=provisional_from)
    assert add_working_days(cal, at(MON, 9), n).provisional is expected


def test_extension_into_a_provisional_period_becomes_provisional():
    cal = FakeCalendar(provisional_from=NEXT_MON)
    assert extend(cal, Due(FRI, False), 1) == Due(NEXT_MON, True)


# -- working_seconds ------------------------------------------------------------------------

@pytest.mark.parametrize(("a", "b", "seconds"), [
    (at(MON, 9), at(MON, 17), 8 * H),
    (at(MON, 9), at(TUE, 9), 24 * H),
    (at(FRI, 12), at(NEXT_MON, 12), 24 * H),      # the weekend does not count
    (at(SAT, 8), at(SUN, 20), 0.0),
    (at(MON, 9), at(MON, 9), 0.0),
    (at(TUE, 9), at(MON, 9), 0.0),               # b before a
    (at(MON), at(NEXT_MON), 5 * 24 * H),
])
def test_working_seconds_count_only_working_days(a, b, seconds):
    assert working_seconds(FakeCalendar(), a, b) == seconds


def test_working_seconds_skip_holidays_and_count_working_weekends():
    cal = FakeCalendar(holidays={TUE}, workdays={SAT})
    assert working_seconds(cal, at(MON, 12), at(WED, 12)) == 24 * H
    assert working_seconds(cal, at(FRI, 12), at(SUN, 12)) == 36 * H


def test_working_seconds_accept_any_timezone():
    a = datetime.combine(MON, time(1), UTC)        # Monday 09:00 in China
    b = datetime.combine(MON, time(3, 30), UTC)    # Monday 11:30 in China
    assert working_seconds(FakeCalendar(), a, b) == 2.5 * H


def test_working_days_between_is_working_seconds_in_days():
    assert working_days_between(FakeCalendar(), at(THU, 12), at(NEXT_MON, 18)) == 1.5 + 0.75
    assert working_days_between(FakeCalendar(), at(MON), at(MON)) == 0.0


# -- lights ----------------------------------------------------------------------------------

# Dispatched Monday 09:00 with 2 working days: due Wednesday, deadline Thursday 00:00.
# The limit is 15 h + 24 h + 24 h = 63 h of working time; a third of it is 21 h: Tuesday 06:00.
START = at(MON, 9)
DUE = Due(WED, False)


@pytest.mark.parametrize(("now", "light"), [
    (at(MON, 9), Light.green),
    (at(TUE, 5, 59) + timedelta(seconds=59, microseconds=999_999), Light.green),
    (at(TUE, 6), Light.yellow),                                        # exactly 1/3
    (at(WED, 23, 59) + timedelta(seconds=59, microseconds=999_999), Light.yellow),
    (at(THU), Light.red),                                              # the deadline itself
    (at(NEXT_MON, 12), Light.red),
])
def test_light_turns_yellow_at_one_third_and_red_at_the_deadline(now, light):
    assert add_working_days(FakeCalendar(), START, 2) == DUE
    assert light_at(FakeCalendar(), START, DUE, now) is light


def test_the_weekend_does_not_use_up_the_limit():
    # Friday 18:00, 1 working day: due Monday; limit 6 h + 24 h = 30 h; a third is 10 h,
    # reached at Monday 04:00 after 6 h on Friday.
    start, due = at(FRI, 18), Due(NEXT_MON, False)
    assert light_at(FakeCalendar(), start, due, at(SUN, 23)) is Light.green
    assert light_at(FakeCalendar(), start, due, at(NEXT_MON, 3, 59)) is Light.green
    assert light_at(FakeCalendar(), start, due, at(NEXT_MON, 4)) is Light.yellow


@pytest.mark.parametrize(("fraction", "now", "light"), [
    (0.5, at(TUE, 16, 29), Light.green),    # half of 63 h is 31.5 h: Tuesday 16:30
    (0.5, at(TUE, 16, 30), Light.yellow),
    (1.0, at(WED, 23, 59), Light.green),
    (0.0, at(MON, 9), Light.yellow),
])
def test_yellow_fraction_is_configurable(fraction, now, light):
    assert light_at(FakeCalendar(), START, DUE, now, yellow_fraction=fraction) is light


@pytest.mark.parametrize("fraction", [-0.1, 1.5])
def test_yellow_fraction_outside_zero_to_one_is_refused(fraction):
    with pytest.raises(ValueError):
        light_at(FakeCalendar(), START, DUE, at(MON, 10), yellow_fraction=fraction)


def test_light_codes_are_stable_strings():
    assert [str(x) for x in Light] == ["green", "yellow", "red", "none"]
