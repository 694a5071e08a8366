"""China's official working-day calendar: the adapter behind `deadlines.WorkCalendar`.

Each December the General Office of the State Council publishes next year's holiday notice
(国务院办公厅关于YYYY年部分节假日安排的通知): which weekdays are rest days and which weekend days
are adjusted working days (调休上班). Deadlines depend on it, so for each year this module takes,
in order:

1. ``content/calendar/YYYY.yaml`` when it exists: the notice transcribed by the web team, by
   commit. It is authoritative, even for a year the package below knows.
2. the ``chinese-calendar`` package (official notices 2004–2026).
3. otherwise a PROVISIONAL rule: the statutory holidays of 《全国年节及纪念日放假办法》 as amended
   by 国务院令第795号 (2024-11-10, in force 2025-01-01), article 2 — 元旦 1 day (Jan 1), 春节
   4 days (lunar New Year's Eve through lunar 1/3), 清明 1 day (the day of the Qingming solar
   term), 劳动节 2 days (May 1–2), 端午 1 day (lunar 5/5), 中秋 1 day (lunar 8/15), 国庆 3 days
   (Oct 1–3) — with weekends as rest days and a holiday that falls on a Saturday or Sunday made
   up on the next weekday, as the same 办法 requires (适逢星期六、星期日，应当在工作日补假). No
   adjusted working weekend (调休) is guessed: those are the notice's choice, not the law's. Every
   date in such a year answers ``is_provisional() == True`` so that due dates computed across it
   are shown as provisional, never guessed silently.

The YAML schema (see also content/calendar/README.md)::

    year: 2027
    source: "国务院办公厅关于2027年部分节假日安排的通知 (国办发明电〔2026〕N号)"
    holidays:        # rest days (including weekend days moved into a holiday)
      - {name: 元旦, from: 2027-01-01, to: 2027-01-03}
    workdays:        # adjusted working weekends (调休上班)
      - 2027-02-07

Dates must lie in the file's year, or in the December before it: notices do reach back (the
2019 notice made 2018-12-31 a rest day and 2018-12-29 a working Saturday), and such dates are
applied on top of the previous year's calendar. Anything else wrong in a file raises
`CalendarFileError` naming the file and the field.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar
import yaml
from lunardate import LunarDate

_DAY = timedelta(days=1)
_TOP_KEYS = frozenset({"year", "source", "holidays", "workdays"})
_HOLIDAY_KEYS = frozenset({"name", "from", "to"})


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so a bad one (2027-02-30) is reported with its field
    instead of failing inside PyYAML."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class CalendarFileError(Exception):
    """A ``content/calendar/YYYY.yaml`` file that cannot be trusted; names the file and field."""

    def __init__(self, path: Path, field: str, problem: str) -> None:
        super().__init__(f"{path}: {field}: {problem}")
        self.path = path
        self.field = field
        self.problem = problem


class ProvisionalYearError(Exception):
    """A year has no official calendar and provisional answers are not allowed."""

    def __init__(self, years: Iterable[int], overrides_dir: Path | None, why: str = "") -> None:
        years = sorted(set(years))
        files = ", ".join(f"content/calendar/{y}.yaml" for y in years)
        where = f" (looked in {overrides_dir})" if overrides_dir is not None else ""
        super().__init__(
            f"no official working-day calendar for {', '.join(map(str, years))}{why}: "
            f"add {files} from the State Council's holiday notice{where}")
        self.years = years


@dataclass(frozen=True)
class _Year:
    """One year's answers: rest weekdays, working weekend days, and where they came from."""

    rest: frozenset[date]
    work: frozenset[date]
    provisional: bool
    source: str


@dataclass(frozen=True)
class CalendarFile:
    """A parsed ``YYYY.yaml``; its dates may include the December before `year`."""

    year: int
    source: str
    rest: frozenset[date]
    work: frozenset[date]


def provisional_holidays(year: int) -> dict[date, str]:
    """The statutory rest days of `year` by 国务院令第795号, with 补假 for weekend holidays.

    Article 2 gives the days; a holiday that falls on a Saturday or Sunday is made up on the
    next free weekday (the 办法's 补假 rule). Two festivals on one day (中秋 on Oct 1–3) earn no
    extra day here: the law does not say, so only the year's notice can.
    """
    try:
        new_year = LunarDate(year, 1, 1).to_solar_date()
        festivals: list[tuple[str, list[date]]] = [
            ("元旦", [date(year, 1, 1)]),
            ("春节", [new_year - _DAY + k * _DAY for k in range(4)]),  # 除夕 is the day before 初一
            ("清明", [_qingming(year)]),
            ("劳动节", [date(year, 5, 1), date(year, 5, 2)]),
            ("端午", [LunarDate(year, 5, 5).to_solar_date()]),
            ("中秋", [LunarDate(year, 8, 15).to_solar_date()]),
            ("国庆", [date(year, 10, d) for d in (1, 2, 3)]),
        ]
    except (ValueError, NotImplementedError) as exc:
        raise ProvisionalYearError([year], None, f" (outside the provisional rule's range: {exc})"
                                   ) from exc
    statutory = {d for _, days in festivals for d in days}
    result: dict[date, str] = {}
    for name, days in sorted(festivals, key=lambda f: f[1][0]):
        for d in days:
            result.setdefault(d, name)
        for _ in range(sum(d.weekday() >= 5 for d in days)):
            d = max(days) + _DAY
            while d.weekday() >= 5 or d in statutory or d in result:
                d += _DAY
            result[d] = f"{name}（补假）"
    return result


def _qingming(year: int) -> date:
    """The day (China time) of the Qingming solar term.

    chinese-calendar computes solar terms for 1900–2100 with the 寿星 formula; for 清明 it agrees
    with its own official holiday data 2008–2026 and with an astronomical (Meeus) computation
    for every year 2004–2099 (tests/unit/test_calendars.py pins the former).
    """
    for d, name in chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 30)):
        if name == "清明":
            return d
    raise ValueError(f"no Qingming found in April {year}")  # pragma: no cover


def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


class OfficialCalendar:
    """`WorkCalendar` from override files, then chinese-calendar, then the provisional rule.

    Each year is worked out once and cached as two sets, so `is_workday` is a dict lookup and
    a set lookup: it is called in loops.
    """

    def __init__(self, overrides_dir: Path | None, allow_provisional: bool = True) -> None:
        self.overrides_dir = Path(overrides_dir) if overrides_dir is not None else None
        self.allow_provisional = allow_provisional
        self._years: dict[int, _Year] = {}  # every year built so far
        self._usable: dict[int, _Year] = {}  # those the allow_provisional setting lets us answer
        self._files: dict[int, CalendarFile | None] = {}

    # -- WorkCalendar ---------------------------------------------------------------------

    def is_workday(self, d: date) -> bool:
        """True on a working day, adjusted working weekends included."""
        y = self._usable.get(d.year) or self._year(d.year)
        if d in y.work:
            return True
        if d in y.rest:
            return False
        return d.weekday() < 5

    def is_provisional(self, d: date) -> bool:
        """True when `d`'s year comes from the provisional rule, not an official notice."""
        return (self._usable.get(d.year) or self._year(d.year)).provisional

    # -- start-up and display --------------------------------------------------------------

    def check_years(self, years: Iterable[int]) -> None:
        """Load `years` now (validating their files) and fail if any would be provisional.

        Start-up calls it with this year and the next so a missing notice is found at deploy
        time rather than when the first letter is dispatched in late December.
        """
        missing = [y for y in sorted(set(years)) if self._build(y).provisional]
        if missing:
            raise ProvisionalYearError(missing, self.overrides_dir)

    def year_source(self, year: int) -> str:
        """Where `year`'s working days come from (the notice, the package, or the rule)."""
        return self._year(year).source

    # -- building years ---------------------------------------------------------------------

    def _year(self, year: int) -> _Year:
        y = self._build(year)
        if y.provisional and not self.allow_provisional:
            raise ProvisionalYearError([year], self.overrides_dir)
        self._usable[year] = y
        return y

    def _build(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        own = self._file(year)
        if own is not None:
            rest = {d for d in own.rest if d.year == year}
            work = {d for d in own.work if d.year == year}
            provisional, source = False, own.source
        elif _package_knows(year):
            rest, work = set(), set()
            d = date(year, 1, 1)
            while d.year == year:
                official = chinese_calendar.is_workday(d)
                if d.weekday() < 5 and not official:
                    rest.add(d)
                elif d.weekday() >= 5 and official:
                    work.add(d)
                d += _DAY
            provisional, source = False, f"chinese-calendar {chinese_calendar.__version__}"
        else:
            rest = set(provisional_holidays(year))
            work = set()
            provisional = True
            source = "provisional: 全国年节及纪念日放假办法 (国务院令第795号), no notice yet"
        # Next year's notice may reach back into this December; it is the newer word.
        following = self._file(year + 1)
        if following is not None:
            for d in following.rest:
                if d.year == year:
                    rest.add(d)
                    work.discard(d)
            for d in following.work:
                if d.year == year:
                    work.add(d)
                    rest.discard(d)
        built = _Year(frozenset(rest), frozenset(work), provisional, source)
        self._years[year] = built
        return built

    def _file(self, year: int) -> CalendarFile | None:
        if year not in self._files:
            path = self.overrides_dir / f"{year}.yaml" if self.overrides_dir else None
            self._files[year] = load_calendar_file(path, year) if path and path.is_file() else None
        return self._files[year]


# -- the override file --------------------------------------------------------------------

def load_calendar_file(path: Path, year: int) -> CalendarFile:
    """Parse and validate one ``YYYY.yaml``; every problem names the file and the field."""
    def fail(field: str, problem: str) -> CalendarFileError:
        return CalendarFileError(path, field, problem)

    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # a SafeLoader
    except (yaml.YAMLError, ValueError) as exc:
        raise fail("(file)", f"not valid YAML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise fail("(file)", f"cannot be read: {exc}") from exc
    if not isinstance(doc, dict):
        raise fail("(file)", "must be a mapping with year, source, holidays, workdays")
    unknown = sorted(str(k) for k in doc if k not in _TOP_KEYS)
    if unknown:
        raise fail(unknown[0], f"unknown field (expected {', '.join(sorted(_TOP_KEYS))})")

    got_year = doc.get("year")
    if isinstance(got_year, bool) or not isinstance(got_year, int):
        raise fail("year", f"must be a year number, got {got_year!r}")
    if got_year != year:
        raise fail("year", f"is {got_year} but the file is for {year}")
    source = doc.get("source")
    if not isinstance(source, str) or not source.strip():
        raise fail("source", "must name the State Council notice the dates come from")

    first, last = date(year - 1, 12, 1), date(year, 12, 31)

    def a_date(value: Any, field: str) -> date:
        if isinstance(value, datetime):
            raise fail(field, f"must be a date without a time, got {value!r}")
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value.strip())
            except ValueError:
                raise fail(field, f"not a date (YYYY-MM-DD): {value!r}") from None
        if not isinstance(value, date):
            raise fail(field, f"not a date (YYYY-MM-DD): {value!r}")
        if not first <= value <= last:
            raise fail(field, f"{value} is outside {year} (only {year} and December "
                              f"{year - 1} may appear)")
        return value

    holidays = doc.get("holidays", [])
    if holidays is None:
        holidays = []
    if not isinstance(holidays, list):
        raise fail("holidays", "must be a list of {name, from, to}")
    rest: set[date] = set()
    for i, item in enumerate(holidays):
        here = f"holidays[{i}]"
        if not isinstance(item, dict):
            raise fail(here, "must be a mapping {name, from, to}")
        extra = sorted(str(k) for k in item if k not in _HOLIDAY_KEYS)
        if extra:
            raise fail(f"{here}.{extra[0]}", "unknown field (expected name, from, to)")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise fail(f"{here}.name", "must be the holiday's name")
        start = a_date(item.get("from"), f"{here}.from")
        end = a_date(item.get("to"), f"{here}.to")
        if end < start:
            raise fail(f"{here}.to", f"{end} is before from ({start})")
        d = start
        while d <= end:
            rest.add(d)
            d += _DAY

    workdays = doc.get("workdays", [])
    if workdays is None:
        workdays = []
    if not isinstance(workdays, list):
        raise fail("workdays", "must be a list of dates")
    work: set[date] = set()
    for i, value in enumerate(workdays):
        field = f"workdays[{i}]"
        d = a_date(value, field)
        if d.weekday() < 5:
            # Weekdays are working days anyway: listing one is a typo for some other date.
            raise fail(field, f"{d} is a weekday; only adjusted working weekends belong here")
        if d in rest:
            raise fail(field, f"{d} is also inside a holiday")
        work.add(d)
    return CalendarFile(year, source.strip(), frozenset(rest), frozenset(work))
