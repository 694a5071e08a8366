"""The stores' list of letters listed for supervision (挂牌督办, `listed_letters`) and a conduct
complaint's `about`, the same in every adapter: listed while not answered, by the office's date,
from an index (SQLite's listings table, migration 12; DynamoDB's LISTED items), never a scan."""
from __future__ import annotations

import sqlite3
from datetime import date, timedelta

from chalicelib.adapters.sqlite import SqliteStore
from chalicelib.domain import oversight
from chalicelib.domain.letters import LetterType
from chalicelib.domain.oversight import About
from fakes import cst

H = timedelta(hours=1)
T0 = cst(2026, 11, 23, 9, 0)


def ids(letters) -> list[str]:
    return [x.id for x in letters]


def supervise(desk, letter_id, due, at):
    return desk.act(letter_id, lambda l: oversight.supervise(l, "群众反映强烈", due, "office-1",
                                                             at))


class TestListedLetters:
    def test_listed_until_answered_by_the_office_date(self, make_letter, store, desk):
        for n in (1, 2, 3, 4):
            desk.add(make_letter(n, T0))
        desk.dispatch("l0001", "housing", T0 + H)
        desk.dispatch("l0002", "housing", T0 + H)
        supervise(desk, "l0002", date(2026, 12, 4), T0 + 2 * H)
        supervise(desk, "l0001", date(2026, 11, 27), T0 + 2 * H)
        supervise(desk, "l0003", None, T0 + 2 * H)          # no date, not dispatched: last
        assert ids(store.listed_letters()) == ["l0001", "l0002", "l0003"]
        desk.sign("l0001", T0 + 3 * H)
        assert ids(store.listed_letters()) == ["l0001", "l0002", "l0003"]
        desk.reply("l0001", T0 + 4 * H)
        assert ids(store.listed_letters()) == ["l0002", "l0003"]
        desk.act("l0003", lambda l: l.reject("无效", "office-1", T0 + 5 * H))
        assert ids(store.listed_letters()) == ["l0002"]
        got = store.get_letter("l0001")
        assert got.listing is not None and got.listing.due == date(2026, 11, 27)
        assert oversight.listing_ended_at(got) == T0 + 4 * H

    def test_a_recorded_overdue_keeps_it_listed(self, make_letter, store, desk):
        desk.add(make_letter(1, T0))
        supervise(desk, "l0001", date(2026, 11, 24), T0)
        desk.act("l0001", lambda l: oversight.record_overdue(l, cst(2026, 11, 25, 0, 5)))
        [letter] = store.listed_letters()
        assert oversight.overdue_recorded(letter) == cst(2026, 11, 25, 0, 5)

    def test_about_round_trips(self, make_letter, store, desk):
        letter = make_letter(1, T0)
        letter.type = LetterType.efficiency
        letter.about = About("housing", "张三丰")
        desk.add(letter)
        got = store.get_letter("l0001")
        assert got.type == LetterType.efficiency and got.about == About("housing", "张三丰")


def test_an_older_sqlite_file_gets_its_listings_table(tmp_path, clock, cal, make_letter,
                                                      desk_class):
    """Migration 12: a file from before the listings table has it filled when it opens."""
    path = tmp_path / "old.sqlite3"
    store = SqliteStore(path, clock=clock)
    desk = desk_class(store, cal)
    desk.add(make_letter(1, T0))
    desk.add(make_letter(2, T0))
    supervise(desk, "l0002", date(2026, 12, 1), T0 + H)
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE listings")
    conn.commit()
    conn.close()
    again = SqliteStore(path, clock=clock)
    assert ids(again.listed_letters()) == ["l0002"]
    again.close()
