"""The weekly records (hot topics and the leaders' report) against every store: written once in
a unit of work with one change record of kind "week", a second write refused (and nothing of
it written), read back, listed newest first; and the week's letters read by submission time."""
from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.errors import ConcurrentUpdate
from fakes import cst


def _record(week: str, n: int = 1) -> dict:
    return {"week": week, "computed_at": "2026-12-07T00:05:00+08:00",
            "topics": [{"name": "五矿万境", "terms": ["五矿万境", "噪音"], "letters": 5 + n,
                        "previous_weekly": 0.0, "growth": 3.0, "votes": 2, "hot": 25.1,
                        "departments": [["housing", 5]], "published": []}],
            "figures": {"received": {"total": 5 + n}}}


def test_a_week_is_written_once_with_one_change_record(store):
    store.mark_changes_done([c.id for c in store.pending_changes(1000)])
    with store.unit_of_work() as uow:
        uow.add_week(_record("2026-W49"))
        uow.commit()
    assert store.get_week("2026-W49") == _record("2026-W49")
    changes = store.pending_changes(1000)
    assert [(c.kind, c.public) for c in changes] == [("week", True)]
    store.mark_changes_done([c.id for c in changes])

    with pytest.raises(ConcurrentUpdate), store.unit_of_work() as uow:
        uow.add_week(_record("2026-W49", n=9))
        uow.commit()
    assert store.get_week("2026-W49") == _record("2026-W49")      # the first one stays
    assert store.pending_changes(1000) == []                       # the loser wrote nothing


def test_weeks_are_listed_newest_first(store):
    assert store.list_weeks() == []
    assert store.get_week("2026-W48") is None
    for week in ("2026-W48", "2025-W52", "2026-W49"):
        with store.unit_of_work() as uow:
            uow.add_week(_record(week))
            uow.commit()
    assert store.list_weeks() == ["2026-W49", "2026-W48", "2025-W52"]


def test_the_letters_of_a_week_by_submission_time(store, make_letter):
    """What the weekly step reads: every letter submitted in [Monday, next Monday), private
    ones too (only aggregated figures leave the store)."""
    monday = cst(2026, 11, 30)
    at = [monday - timedelta(minutes=1), monday, monday + timedelta(days=3),
          monday + timedelta(days=7) - timedelta(seconds=1), monday + timedelta(days=7)]
    ids = []
    for i, t in enumerate(at):
        letter = make_letter(i + 1, t, public=i % 2 == 0)
        with store.unit_of_work() as uow:
            uow.add_letter(letter)
            uow.commit()
        ids.append(letter.id)
    got = store.submitted_between(monday, monday + timedelta(days=7))
    assert [x.id for x in got] == ids[1:4]
    assert all(x.votes_up == 0 for x in got)
