"""The official calendar adapter: package data, override files, and the provisional rule.

2026 is pinned against the State Council's notice for 2026 (published November 2025), as
carried by chinese-calendar 1.11; 2027 has no notice yet and must come out of the provisional
rule of 《全国年节及纪念日放假办法》 (国务院令第795号), flagged.
"""
from __future__ import annotations

import re
import textwrap
from datetime import date, datetime, time, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from lunardate import LunarDate

from chalicelib.adapters.calendars import (
    CalendarFileError,
    OfficialCalendar,
    ProvisionalYearError,
    provisional_holidays,
)
from chalicelib.domain.deadlines import CHINA_TZ, Due, add_working_days, extend

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def cal() -> OfficialCalendar:
    return OfficialCalendar(None)


@pytest.fixture
def calendar_dir(tmp_path: Path) -> Path:
    d = tmp_path / "content" / "calendar"
    d.mkdir(parents=True)
    return d


def at(d: date, hour: int = 9) -> datetime:
    return datetime.combine(d, time(hour), CHINA_TZ)


# -- 2026: the official notice ---------------------------------------------------------------

REST_WEEKDAYS_2026 = [
    date(2026, 1, 1), date(2026, 1, 2),                                       # 元旦
    *(date(2026, 2, d) for d in (16, 17, 18, 19, 20, 23)),                    # 春节 Feb 15–23
    date(2026, 4, 6),                                                         # 清明 Apr 4–6
    date(2026, 5, 1), date(2026, 5, 4), date(2026, 5, 5),                     # 劳动节 May 1–5
    date(2026, 6, 19),                                                        # 端午 Jun 19–21
    date(2026, 9, 25),                                                        # 中秋 Sep 25–27
    *(date(2026, 10, d) for d in (1, 2, 5, 6, 7)),                            # 国庆 Oct 1–7
]
WORKING_WEEKENDS_2026 = [
    date(2026, 1, 4),    # Sunday after 元旦
    date(2026, 2, 14),   # Saturday before 春节
    date(2026, 2, 28),   # Saturday after 春节
    date(2026, 5, 9),    # Saturday after 劳动节
    date(2026, 9, 20),   # Sunday before 国庆
    date(2026, 10, 10),  # Saturday after 国庆
]


@pytest.mark.parametrize("d", REST_WEEKDAYS_2026)
def test_2026_holiday_weekdays_are_rest_days(cal, d):
    assert d.weekday() < 5
    assert not cal.is_workday(d)
    assert not cal.is_provisional(d)


@pytest.mark.parametrize("d", WORKING_WEEKENDS_2026)
def test_2026_adjusted_weekends_are_working_days(cal, d):
    assert d.weekday() >= 5
    assert cal.is_workday(d)


@pytest.mark.parametrize(("d", "works"), [
    (date(2026, 2, 13), True),    # Friday before the Spring Festival
    (date(2026, 2, 15), False),   # Sunday, first day of the holiday
    (date(2026, 2, 24), True),    # Tuesday after it
    (date(2026, 3, 7), False),    # an ordinary Saturday
    (date(2026, 3, 9), True),     # an ordinary Monday
])
def test_2026_ordinary_days(cal, d, works):
    assert cal.is_workday(d) is works


def test_the_2026_pins_agree_with_the_package(cal):
    d = date(2026, 1, 1)
    while d.year == 2026:
        assert cal.is_workday(d) is chinese_calendar.is_workday(d), d
        d += timedelta(days=1)


def test_year_source_names_the_package_for_2026(cal):
    assert cal.year_source(2026).startswith("chinese-calendar")


def test_dispatched_before_the_2026_spring_festival(cal):
    # Friday 13 Feb: the next working day is the adjusted Saturday 14 Feb, then Tuesday 24 Feb.
    assert add_working_days(cal, at(date(2026, 2, 13)), 1) == Due(date(2026, 2, 14), False)
    assert add_working_days(cal, at(date(2026, 2, 13)), 2) == Due(date(2026, 2, 24), False)


# -- 2027: the provisional rule -------------------------------------------------------------

def test_2027_lunar_new_year_is_6_february():
    assert LunarDate(2027, 1, 1).to_solar_date() == date(2027, 2, 6)
    eve = LunarDate.from_solar_date(2027, 2, 5)
    assert (eve.year, eve.month, eve.day) == (2026, 12, 29)   # a short 12th month: 除夕 is 腊月廿九


@pytest.mark.parametrize("d", [
    date(2027, 1, 1),                                        # 元旦, Friday
    date(2027, 2, 5), date(2027, 2, 8),                      # 春节: 除夕 Fri .. 初三 Mon
    date(2027, 2, 9), date(2027, 2, 10),                     # 补假 for 初一 Sat and 初二 Sun
    date(2027, 4, 5),                                        # 清明, Monday
    date(2027, 5, 3), date(2027, 5, 4),                      # 补假 for 劳动节 on Sat and Sun
    date(2027, 6, 9),                                        # 端午 (lunar 5/5), Wednesday
    date(2027, 9, 15),                                       # 中秋 (lunar 8/15), Wednesday
    date(2027, 10, 1), date(2027, 10, 4), date(2027, 10, 5),  # 国庆 Fri + 补假 for Sat, Sun
])
def test_2027_statutory_holidays_are_provisional_rest_days(cal, d):
    assert not cal.is_workday(d)
    assert cal.is_provisional(d)


@pytest.mark.parametrize("d", [
    date(2027, 2, 4), date(2027, 2, 11),   # around the Spring Festival
    date(2027, 4, 6), date(2027, 5, 5),
    date(2027, 10, 6),
])
def test_2027_other_weekdays_are_provisional_working_days(cal, d):
    assert cal.is_workday(d)
    assert cal.is_provisional(d)


def test_no_adjusted_working_weekend_is_guessed(cal):
    d = date(2027, 1, 1)
    while d.year == 2027:
        if d.weekday() >= 5:
            assert not cal.is_workday(d), d
        d += timedelta(days=1)


def test_2027_spring_festival_is_new_years_eve_through_the_third_day():
    names = provisional_holidays(2027)
    assert [d for d, n in sorted(names.items()) if n == "春节"] == [
        date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8)]


def test_new_years_eve_after_a_long_twelfth_month_is_the_30th():
    # Lunar 2029 has a 30-day 12th month: 除夕 2030 is 腊月三十, 2 February.
    eve = LunarDate.from_solar_date(2030, 2, 2)
    assert (eve.month, eve.day) == (12, 30)
    assert min(d for d, n in provisional_holidays(2030).items() if n == "春节") == date(2030, 2, 2)


@pytest.mark.parametrize("year", range(2008, 2027))
def test_qingming_matches_the_official_tomb_sweeping_holiday(year):
    # 清明 has been a public holiday since 2008; the notices always include its day.
    qingming = [d for d, n in provisional_holidays(year).items() if n == "清明"]
    assert len(qingming) == 1
    assert chinese_calendar.get_holiday_detail(qingming[0]) == (True, "Tomb-sweeping Day")


@pytest.mark.parametrize(("year", "day"), [(2027, 5), (2028, 4), (2029, 4), (2030, 5), (2031, 5)])
def test_qingming_in_coming_years(year, day):
    assert date(year, 4, day) in provisional_holidays(year)


def test_year_source_says_provisional(cal):
    assert cal.year_source(2027).startswith("provisional")


def test_a_due_date_across_new_year_2027_is_flagged_provisional(cal):
    # Wednesday 30 Dec 2026, 3 working days: Thu 31 Dec, (元旦 Fri, weekend), Mon 4, Tue 5 Jan.
    assert add_working_days(cal, at(date(2026, 12, 30)), 3) == Due(date(2027, 1, 5), True)


def test_a_due_date_inside_2026_is_not_provisional(cal):
    assert add_working_days(cal, at(date(2026, 12, 30)), 1) == Due(date(2026, 12, 31), False)


def test_an_extension_into_2027_becomes_provisional(cal):
    assert extend(cal, Due(date(2026, 12, 31), False), 1) == Due(date(2027, 1, 4), True)


def test_a_year_beyond_the_lunar_tables_cannot_be_guessed(cal):
    with pytest.raises(ProvisionalYearError, match="2100.yaml"):
        cal.is_workday(date(2100, 3, 1))


# -- override files ----------------------------------------------------------------------

NOTICE_2027 = """\
year: 2027
source: "国务院办公厅关于2027年部分节假日安排的通知 (test copy)"
holidays:
  - {name: 元旦, from: 2027-01-01, to: 2027-01-03}
  - {name: 春节, from: 2027-02-05, to: 2027-02-12}
workdays:
  - 2027-02-20
"""


def test_a_file_makes_2027_official(calendar_dir):
    (calendar_dir / "2027.yaml").write_text(NOTICE_2027, encoding="utf-8")
    cal = OfficialCalendar(calendar_dir)
    assert not cal.is_provisional(date(2027, 3, 1))
    assert not cal.is_workday(date(2027, 2, 11))      # inside the file's Spring Festival
    assert cal.is_workday(date(2027, 2, 20))          # the file's working Saturday
    assert cal.is_workday(date(2027, 10, 4))          # the file says nothing: a plain Monday
    assert cal.year_source(2027).endswith("(test copy)")
    assert add_working_days(cal, at(date(2026, 12, 30)), 3) == Due(date(2027, 1, 5), False)


def test_a_file_wins_over_the_package(calendar_dir):
    (calendar_dir / "2026.yaml").write_text(
        "year: 2026\nsource: a corrected notice\n"
        "holidays:\n  - {name: 测试, from: 2026-03-02, to: 2026-03-02}\nworkdays: []\n",
        encoding="utf-8")
    cal = OfficialCalendar(calendar_dir)
    assert not cal.is_workday(date(2026, 3, 2))       # the file's holiday
    assert not cal.is_workday(date(2026, 2, 14))      # the package's working Saturday is gone
    assert cal.is_workday(date(2026, 2, 16))          # and so is its Spring Festival
    assert not cal.is_provisional(date(2026, 3, 2))


def test_a_notice_reaching_back_into_december_changes_the_previous_year(calendar_dir):
    # Like the 2019 notice (2018-12-30..2019-01-01 off, Saturday 2018-12-29 on).
    (calendar_dir / "2027.yaml").write_text(
        "year: 2027\nsource: x\n"
        "holidays:\n  - {name: 元旦, from: 2026-12-31, to: 2027-01-01}\n"
        "workdays:\n  - 2026-12-26\n", encoding="utf-8")
    cal = OfficialCalendar(calendar_dir)
    assert not cal.is_workday(date(2026, 12, 31))
    assert cal.is_workday(date(2026, 12, 26))
    assert not cal.is_provisional(date(2026, 12, 31))
    assert cal.is_workday(date(2026, 12, 30))


def test_other_files_in_the_folder_are_ignored(calendar_dir):
    (calendar_dir / "README.md").write_text("# not a calendar", encoding="utf-8")
    assert OfficialCalendar(calendar_dir).is_workday(date(2026, 3, 9))


def test_a_missing_folder_means_no_overrides(tmp_path):
    cal = OfficialCalendar(tmp_path / "nowhere")
    assert cal.is_workday(date(2026, 2, 14))
    assert cal.is_provisional(date(2027, 1, 4))


GOOD_HEAD = 'year: 2027\nsource: "a notice"\n'


@pytest.mark.parametrize(("text", "field"), [
    ("year: [2027\n", "(file)"),
    ("- 2027-01-01\n", "(file)"),
    ("", "(file)"),
    ('source: "a notice"\nholidays: []\n', "year"),
    ('year: 2028\nsource: "a notice"\n', "year"),
    ('year: "2027"\nsource: "a notice"\n', "year"),
    ("year: 2027\nholidays: []\n", "source"),
    ('year: 2027\nsource: "  "\n', "source"),
    (GOOD_HEAD + "workday: [2027-02-20]\n", "workday"),
    (GOOD_HEAD + "holidays: {name: 元旦}\n", "holidays"),
    (GOOD_HEAD + "holidays:\n  - 2027-01-01\n", "holidays[0]"),
    (GOOD_HEAD + "holidays:\n  - {from: 2027-01-01, to: 2027-01-01}\n", "holidays[0].name"),
    (GOOD_HEAD + "holidays:\n  - {name: 元旦, from: 2027-01-01, to: 2027-01-01, days: 1}\n",
     "holidays[0].days"),
    (GOOD_HEAD + "holidays:\n  - {name: 元旦, to: 2027-01-01}\n", "holidays[0].from"),
    (GOOD_HEAD + "holidays:\n  - {name: 春节, from: 2027-02-30, to: 2027-03-01}\n",
     "holidays[0].from"),
    (GOOD_HEAD + "holidays:\n  - {name: 元旦, from: 2027-01-01, to: 1/3}\n", "holidays[0].to"),
    (GOOD_HEAD + "holidays:\n  - {name: 元旦, from: 2027-12-31, to: 2028-01-01}\n",
     "holidays[0].to"),
    (GOOD_HEAD + "holidays:\n  - {name: 元旦, from: 2026-11-30, to: 2026-12-01}\n",
     "holidays[0].from"),
    (GOOD_HEAD + "holidays:\n  - {name: 元旦, from: 2027-01-03, to: 2027-01-01}\n",
     "holidays[0].to"),
    (GOOD_HEAD + "holidays:\n  - {name: 元旦, from: 2027-01-01, to: 2027-01-01}\n"
     "  - {name: 春节, from: 2027-02-05, to: 2027-02-12}\nworkdays:\n  - 2027-02-06\n",
     "workdays[0]"),                                     # a working day inside a holiday
    (GOOD_HEAD + "workdays: 2027-02-20\n", "workdays"),
    (GOOD_HEAD + "workdays:\n  - 2027-02-20\n  - 2027-02-22\n", "workdays[1]"),   # a Monday
    (GOOD_HEAD + "workdays:\n  - 2027-02-20 08:00:00\n", "workdays[0]"),
    (GOOD_HEAD + "workdays:\n  - 2028-01-08\n", "workdays[0]"),
    (GOOD_HEAD + "workdays:\n  - next saturday\n", "workdays[0]"),
])
def test_a_malformed_file_names_the_file_and_the_field(calendar_dir, text, field):
    path = calendar_dir / "2027.yaml"
    path.write_text(text, encoding="utf-8")
    cal = OfficialCalendar(calendar_dir)
    with pytest.raises(CalendarFileError) as caught:
        cal.is_workday(date(2027, 3, 1))
    assert caught.value.path == path
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{path}: {field}: ")


def test_a_malformed_next_year_file_is_found_from_the_year_before(calendar_dir):
    # December may come from next year's file, so a broken one cannot be silently skipped.
    (calendar_dir / "2027.yaml").write_text("year: 2026\nsource: x\n", encoding="utf-8")
    with pytest.raises(CalendarFileError, match="2027.yaml: year"):
        OfficialCalendar(calendar_dir).is_workday(date(2026, 6, 1))


def test_dates_may_be_quoted_strings(calendar_dir):
    (calendar_dir / "2027.yaml").write_text(
        GOOD_HEAD + 'holidays:\n  - {name: 元旦, from: "2027-01-01", to: "2027-01-03"}\n'
        'workdays: ["2027-02-20"]\n', encoding="utf-8")
    cal = OfficialCalendar(calendar_dir)
    assert cal.is_workday(date(2027, 2, 20))
    assert not cal.is_workday(date(2027, 1, 1))


def check_calendar_folder(folder: Path) -> list[int]:
    """Every YYYY.yaml of a folder read as the platform reads it: each year it names is then
    official, not provisional. Returns the years checked."""
    cal = OfficialCalendar(folder, allow_provisional=False)
    years = sorted(int(p.stem) for p in folder.glob("*.yaml"))
    for year in years:
        assert not cal.is_provisional(date(year, 6, 1)), year
        cal.is_workday(date(year, 1, 1))            # parsed, not just listed
    return years


def test_every_committed_calendar_file_is_valid(calendar_dir):
    """The committed files, and the worked example in content/calendar/README.md (which the web
    team copies when the State Council's notice appears): at least one file is always read, so
    the test cannot pass by finding nothing. The 2027 notice is not committed: it could not be
    checked from here, and a guessed calendar would be worse than the provisional rule."""
    committed = check_calendar_folder(REPO / "content" / "calendar")
    readme = (REPO / "content" / "calendar" / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(.*?)```", readme, re.S)
    assert example, "content/calendar/README.md lost its example file"
    text = textwrap.dedent(example.group(1))
    found = re.search(r"^year: (\d{4})", text, re.M)
    assert found, "the example names no year"
    year = int(found.group(1))
    (calendar_dir / f"{year}.yaml").write_text(text, encoding="utf-8")
    assert check_calendar_folder(calendar_dir) == [year]
    assert all(year >= 2004 for year in committed)
    cal = OfficialCalendar(calendar_dir)
    assert not cal.is_workday(date(year, 1, 1))      # the example's 元旦 is a holiday


# -- allow_provisional=False ------------------------------------------------------------------

def test_strict_calendar_refuses_a_provisional_year(calendar_dir):
    cal = OfficialCalendar(calendar_dir, allow_provisional=False)
    assert cal.is_workday(date(2026, 3, 9))
    with pytest.raises(ProvisionalYearError, match="content/calendar/2027.yaml"):
        cal.is_workday(date(2027, 3, 1))
    with pytest.raises(ProvisionalYearError):
        cal.is_provisional(date(2027, 3, 1))


def test_strict_calendar_refuses_a_due_date_crossing_into_a_provisional_year(calendar_dir):
    cal = OfficialCalendar(calendar_dir, allow_provisional=False)
    with pytest.raises(ProvisionalYearError):
        add_working_days(cal, at(date(2026, 12, 30)), 3)


def test_check_years_names_only_the_missing_years(calendar_dir):
    cal = OfficialCalendar(calendar_dir, allow_provisional=False)
    cal.check_years([2025, 2026])
    with pytest.raises(ProvisionalYearError) as caught:
        cal.check_years([2026, 2027, 2028])
    assert caught.value.years == [2027, 2028]
    message = str(caught.value)
    assert "content/calendar/2027.yaml" in message and "content/calendar/2028.yaml" in message
    assert "2026.yaml" not in message
    # having been checked does not make the year usable
    with pytest.raises(ProvisionalYearError):
        cal.is_workday(date(2027, 3, 1))


def test_check_years_passes_once_the_file_is_there(calendar_dir):
    (calendar_dir / "2027.yaml").write_text(NOTICE_2027, encoding="utf-8")
    cal = OfficialCalendar(calendar_dir, allow_provisional=False)
    cal.check_years([2026, 2027])
    assert add_working_days(cal, at(date(2026, 12, 30)), 3) == Due(date(2027, 1, 5), False)


def test_check_years_validates_files_even_when_provisional_is_allowed(calendar_dir):
    (calendar_dir / "2027.yaml").write_text("year: 2027\n", encoding="utf-8")
    with pytest.raises(CalendarFileError, match="source"):
        OfficialCalendar(calendar_dir).check_years([2027])
