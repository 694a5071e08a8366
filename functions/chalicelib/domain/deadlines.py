"""Deadlines in working days, and the light (红黄绿灯) computed from them.

Every time limit in the sources is in working days (工作日): "reply within 5 working days"
(Yibin, Qingdao), a sign-in limit and a handling limit per category (Beijing). Which days are
working days is China's official calendar, adjusted working weekends (调休上班) included; this
module only asks a `WorkCalendar` and never knows where its answer comes from (the adapter is
calendars.py). A calendar may answer provisionally for a year the State Council has not yet
published; that flag travels with every due date (`Due.provisional`) so it can be shown, never
guessed silently.

All datetimes are aware. Deadlines are counted on China-local calendar dates (UTC+8; China has
no daylight saving time, so every day is exactly 24 hours long).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum
from fractions import Fraction
from typing import Protocol

CHINA_TZ = timezone(timedelta(hours=8))

_DAY = timedelta(days=1)
_DAY_US = 86_400 * 1_000_000
# A walk that meets no working day in ten years has a broken calendar, not a long holiday.
_MAX_WALK_DAYS = 3660


class WorkCalendar(Protocol):
    """Which China-local dates are working days (the port calendars.py implements)."""

    def is_workday(self, d: date) -> bool:
        """True on a working day, including an adjusted working weekend (调休上班)."""
        ...

    def is_provisional(self, d: date) -> bool:
        """True when the answer for `d` was computed by a rule, not read from an official notice."""
        ...


@dataclass(frozen=True)
class Due:
    """A due date: the work is on time until the end of `date`, China time.

    `provisional` is True when any day used to compute it came from a provisional year, so the
    date may still move once the State Council publishes that year's holidays.
    """

    date: date
    provisional: bool = False

    def deadline(self) -> datetime:
        """The exclusive end of the due date: the next day at 00:00 China time.

        Being on time means `at < due.deadline()`; the last on-time instant is 23:59:59.999999.
        """
        return datetime.combine(self.date + _DAY, time(0), CHINA_TZ)


class Light(StrEnum):
    """Deadline supervision state (红黄绿灯); `none` when no clock is running."""

    green = "green"
    yellow = "yellow"
    red = "red"
    none = "none"


def _local(at: datetime) -> datetime:
    """`at` in China time; naive datetimes are refused because their instant is unknown."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"aware datetime required, got naive {at.isoformat()}")
    return at.astimezone(CHINA_TZ)


def _walk(cal: WorkCalendar, after: date, n: int) -> Due:
    """The n-th working day strictly after `after`; provisional if any day looked at is."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a whole number of working days >= 1, got {n!r}")
    provisional = cal.is_provisional(after)
    d = after
    for _ in range(_MAX_WALK_DAYS):
        d += _DAY
        provisional = provisional or cal.is_provisional(d)
        if cal.is_workday(d):
            n -= 1
            if n == 0:
                return Due(d, provisional)
    raise ValueError(f"calendar has too few working days after {after.isoformat()}")


def add_working_days(cal: WorkCalendar, start: datetime, n: int) -> Due:
    """The n-th working day strictly after the China-local date of `start` (n >= 1).

    The day of dispatch never counts, whatever the hour: dispatched Friday with n=1 is due
    Monday, and so is a letter dispatched on Saturday.
    """
    return _walk(cal, _local(start).date(), n)


def extend(cal: WorkCalendar, due: Due, n: int) -> Due:
    """The due date moved n working days later (an approved extension, 延期)."""
    moved = _walk(cal, due.date, n)
    return Due(moved.date, due.provisional or moved.provisional)


def _working_microseconds(cal: WorkCalendar, a: datetime, b: datetime) -> int:
    """Exact integer form of `working_seconds`, so rule boundaries are not blurred by rounding."""
    a, b = _local(a), _local(b)
    if b <= a:
        return 0
    total = 0
    d = a.date()
    last = b.date()
    while d <= last:
        if cal.is_workday(d):
            day_start = datetime.combine(d, time(0), CHINA_TZ)
            lo = max(a, day_start)
            hi = min(b, day_start + _DAY)
            if hi > lo:
                span = hi - lo
                total += (span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds
        d += _DAY
    return total


def working_seconds(cal: WorkCalendar, a: datetime, b: datetime) -> float:
    """Seconds between a and b that fall on working days (each one 24 h); 0 if b <= a."""
    return _working_microseconds(cal, a, b) / 1_000_000


def working_days_between(cal: WorkCalendar, a: datetime, b: datetime) -> float:
    """Working time from a to b in days of 24 h (for "average working days to reply")."""
    return _working_microseconds(cal, a, b) / _DAY_US


def _instant_after(cal: WorkCalendar, start: datetime, us: int) -> datetime:
    """The first instant at which `us` microseconds of working time have passed since `start`."""
    a = _local(start)
    d = a.date()
    for _ in range(_MAX_WALK_DAYS):
        if cal.is_workday(d):
            day_start = datetime.combine(d, time(0), CHINA_TZ)
            lo = max(a, day_start)
            span = day_start + _DAY - lo
            available = (span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds
            if us <= available:
                return lo + timedelta(microseconds=us)
            us -= available
        d += _DAY
    raise ValueError(f"calendar has too few working days after {a.date().isoformat()}")


def yellow_from(cal: WorkCalendar, start: datetime, due: Due,
                yellow_fraction: float = 1 / 3) -> datetime:
    """The instant the light turns yellow (see `light_at`); the deadline itself if the fraction
    leaves no yellow time."""
    frac = Fraction(yellow_fraction).limit_denominator(1_000_000)
    limit = _working_microseconds(cal, start, due.deadline())
    # the least elapsed time e with e * den >= num * limit
    needed = -(-frac.numerator * limit // frac.denominator)
    if needed <= 0:
        return _local(start)
    return min(_instant_after(cal, start, needed), due.deadline())


def light_at(cal: WorkCalendar, start: datetime, due: Due, now: datetime,
             yellow_fraction: float = 1 / 3) -> Light:
    """The light at `now` for work whose clock started at `start` and is due at `due`.

    Red once the due date has ended; yellow once `yellow_fraction` of the working time from
    start to the deadline has elapsed ("超过处理时限1/3，黄灯会自动亮起": the Beijing hotline's
    rule, seeds/002); green before that.
    """
    if not 0 <= yellow_fraction <= 1:
        raise ValueError(f"yellow_fraction must be between 0 and 1, got {yellow_fraction!r}")
    deadline = due.deadline()
    if _local(now) >= deadline:
        return Light.red
    # The fraction is made exact (1/3, not 0.333…) and compared in integers so that the light
    # turns yellow at exactly one third of the limit, not a rounding error either side of it.
    frac = Fraction(yellow_fraction).limit_denominator(1_000_000)
    elapsed = _working_microseconds(cal, start, now)
    limit = _working_microseconds(cal, start, deadline)
    if elapsed * frac.denominator >= frac.numerator * limit:
        return Light.yellow
    return Light.green
