"""Due dates and lights on China's OFFICIAL 2026 calendar (chinese-calendar through
`calendars.OfficialCalendar`, no override files): weekends, the Spring Festival (Feb 15–23) with
its adjusted working Saturdays (Feb 14 and Feb 28), the Mid-autumn Festival and National Day
(Sep 25–27, Oct 1–7) with theirs (Sun Sep 20, Sat Oct 10).

Default limits: sign within 1 working day, reply within 5, yellow at 1/3 of the working time
(the Beijing rule), red once the due date has ended.
"""
from __future__ import annotations

from datetime import date, datetime

import pytest

from chalicelib.adapters.calendars import OfficialCalendar
from chalicelib.domain.deadlines import Light, add_working_days, extend, light_at
from chalicelib.domain.letters import Letter, LetterType, Limits
from fakes import cst

CAL = OfficialCalendar(None)
G, Y, R = Light.green, Light.yellow, Light.red


def test_the_calendar_is_the_official_one():
    assert CAL.year_source(2026).startswith("chinese-calendar")
    assert CAL.is_workday(date(2026, 2, 14)) and CAL.is_workday(date(2026, 2, 28))   # Saturdays
    assert CAL.is_workday(date(2026, 9, 20)) and CAL.is_workday(date(2026, 10, 10))
    assert not CAL.is_workday(date(2026, 2, 16)) and not CAL.is_workday(date(2026, 10, 5))
    assert not CAL.is_provisional(date(2026, 10, 5))


# (dispatched at, sign due, reply due)
DUE_DATES = [
    # an ordinary week: Friday afternoon -> Monday; five working days -> next Friday
    (cst(2026, 11, 27, 15), "2026-11-30", "2026-12-04"),
    # the last weekday before the Spring Festival: the adjusted working Saturday Feb 14 counts,
    # the holiday Feb 15-23 does not
    (cst(2026, 2, 13, 15), "2026-02-14", "2026-02-27"),
    # dispatched on the adjusted working Saturday itself: that day never counts; Feb 24-27 and
    # the next working Saturday Feb 28 do
    (cst(2026, 2, 14, 10), "2026-02-24", "2026-02-28"),
    # dispatched during the holiday: the clock waits; the working Saturday Feb 28 counts
    (cst(2026, 2, 18, 10), "2026-02-24", "2026-02-28"),
    # dispatched on the working Saturday Feb 28: Sunday Mar 1 is a rest day
    (cst(2026, 2, 28, 10), "2026-03-02", "2026-03-06"),
    # Friday before the working Sunday Sep 20 (Saturday Sep 19 is a rest day)
    (cst(2026, 9, 18, 16), "2026-09-20", "2026-09-24"),
    # the day before Mid-autumn (Sep 25-27) and across National Day (Oct 1-7)
    (cst(2026, 9, 24, 10), "2026-09-28", "2026-10-09"),
    # the last working day before National Day: Oct 8, 9, 10 (Saturday, working), 12, 13
    (cst(2026, 9, 30, 10), "2026-10-08", "2026-10-13"),
    # dispatched on National Day itself
    (cst(2026, 10, 1, 9), "2026-10-08", "2026-10-13"),
]


@pytest.mark.parametrize(("dispatched", "sign_due", "reply_due"), DUE_DATES,
                         ids=[d[0].date().isoformat() for d in DUE_DATES])
def test_due_dates(dispatched: datetime, sign_due: str, reply_due: str):
    letter = Letter(id="x", tracking_code="WZX", secret_hash="h", type=LetterType.help,
                    subject="s", body="b", public=True, submitted_at=dispatched)
    letter.dispatch("housing", "office", dispatched, CAL, Limits())
    assert letter.sign_due.date.isoformat() == sign_due
    assert letter.reply_due.date.isoformat() == reply_due
    assert not letter.sign_due.provisional and not letter.reply_due.provisional


def test_an_extension_across_national_day_lands_on_the_working_saturday():
    # Tue Sep 22 + 5: Sep 23, 24, (Mid-autumn 25-27), 28, 29, 30
    due = add_working_days(CAL, cst(2026, 9, 22, 10), 5)
    assert due.date == date(2026, 9, 30)
    assert extend(CAL, due, 3).date == date(2026, 10, 10)


# (clock start, working days, [(now, light)])
LIGHTS = [
    # sign clock across the Spring Festival eve: Fri 15:00 -> due Sat Feb 14 (working);
    # 9 h + 24 h = 33 h, a third is 11 h: Saturday 02:00
    (cst(2026, 2, 13, 15), 1, [
        (cst(2026, 2, 14, 1, 59), G), (cst(2026, 2, 14, 2, 0), Y),
        (cst(2026, 2, 14, 23, 59), Y), (cst(2026, 2, 15, 0, 0), R),
        (cst(2026, 2, 20, 12), R)]),
    # reply clock over the holiday: 9 h + 24 h + 4 * 24 h = 129 h, a third is 43 h, reached
    # Feb 24 at 10:00; the nine holiday days use none of the limit
    (cst(2026, 2, 13, 15), 5, [
        (cst(2026, 2, 15, 12), G), (cst(2026, 2, 23, 23, 59), G),
        (cst(2026, 2, 24, 9, 59), G), (cst(2026, 2, 24, 10, 0), Y),
        (cst(2026, 2, 27, 23, 59), Y), (cst(2026, 2, 28, 0, 0), R)]),
    # dispatched during the holiday: nothing elapses until Feb 24; 5 * 24 h = 120 h, a third is
    # 40 h: Feb 25 at 16:00; red from Mar 1 (after the working Saturday Feb 28)
    (cst(2026, 2, 18, 10), 5, [
        (cst(2026, 2, 23, 23), G), (cst(2026, 2, 25, 15, 59), G), (cst(2026, 2, 25, 16), Y),
        (cst(2026, 2, 28, 23, 59), Y), (cst(2026, 3, 1, 0), R)]),
    # National Day: Sep 30 10:00, 5 days -> Oct 13; 14 h + 5 * 24 h = 134 h, a third is 44 h 40
    # min: Sep 30 (14 h) + Oct 8 (24 h) + 6 h 40 min of Oct 9
    (cst(2026, 9, 30, 10), 5, [
        (cst(2026, 10, 5, 12), G), (cst(2026, 10, 9, 6, 39), G), (cst(2026, 10, 9, 6, 40), Y),
        (cst(2026, 10, 11, 12), Y), (cst(2026, 10, 13, 23, 59), Y), (cst(2026, 10, 14), R)]),
    # and its sign clock: due Oct 8; 14 h + 24 h = 38 h, a third is 12 h 40 min: Sep 30 22:40
    (cst(2026, 9, 30, 10), 1, [
        (cst(2026, 9, 30, 22, 39), G), (cst(2026, 9, 30, 22, 40), Y),
        (cst(2026, 10, 7, 23, 59), Y), (cst(2026, 10, 8, 23, 59), Y), (cst(2026, 10, 9), R)]),
    # a weekend: Fri Nov 27 15:00, 1 day -> Mon Nov 30; 9 h + 24 h = 33 h, a third is 11 h:
    # Monday 02:00, not Friday night
    (cst(2026, 11, 27, 15), 1, [
        (cst(2026, 11, 28, 12), G), (cst(2026, 11, 29, 23), G), (cst(2026, 11, 30, 2), Y),
        (cst(2026, 12, 1), R)]),
]


@pytest.mark.parametrize(("start", "days", "expected"), LIGHTS,
                         ids=[f"{s.date()}+{n}" for s, n, _ in LIGHTS])
def test_lights(start: datetime, days: int, expected: list[tuple[datetime, Light]]):
    due = add_working_days(CAL, start, days)
    got = [(now, light_at(CAL, start, due, now)) for now, _ in expected]
    assert got == expected


def test_a_letter_walked_through_national_day_records_each_light_once():
    letter = Letter(id="x", tracking_code="WZX", secret_hash="h", type=LetterType.help,
                    subject="s", body="b", public=True, submitted_at=cst(2026, 9, 30, 9))
    letter.dispatch("housing", "office", cst(2026, 9, 30, 10), CAL, Limits())
    letter.sign("clerk", cst(2026, 9, 30, 11))
    seen = []
    for now in (cst(2026, 10, 3, 12), cst(2026, 10, 9, 6), cst(2026, 10, 9, 7),
                cst(2026, 10, 10, 12), cst(2026, 10, 14, 0, 5), cst(2026, 10, 15, 9)):
        seen += [(now, e.data["to"]) for e in letter.catch_up_lights(CAL, now, Limits())]
    assert seen == [(cst(2026, 10, 9, 7), "yellow"), (cst(2026, 10, 14, 0, 5), "red")]
    assert letter.history[-2].data["since"] == "2026-10-09T06:40:00+08:00"
    assert letter.history[-1].data["since"] == "2026-10-14T00:00:00+08:00"
