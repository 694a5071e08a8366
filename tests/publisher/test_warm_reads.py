"""A warm publisher reuses what it computed before (issue 16, the incremental publish at a
million letters): the SQLite store's decoded archive letters and the league rows. Reused, never
stale: a letter changed since is decoded again, and a league row handed out can be changed by
its caller without changing the next table."""
from __future__ import annotations

from publisher_city import make_city

from chalicelib.domain.statistics import Weights, league
from fakes import cst


def test_a_letter_changed_since_the_last_list_read_is_read_again(tmp_path, content):
    city = make_city(tmp_path, content, at=cst(2026, 11, 2, 9))
    first = city.full_cycle("housing")
    city.full_cycle("transport")
    store = city.ctx.store
    before = store.latest_published(10)
    again = store.latest_published(10)
    # the same decoded letters, handed out again (no second decoding)
    assert [id(x) for x in again] == [id(x) for x in before]
    city.vote(first, "voter-1")
    after = {x.id: x for x in store.latest_published(10)}
    assert after[first["id"]].votes_up == 1
    assert after[first["id"]].version > next(x for x in before if x.id == first["id"]).version
    # the other letter is still the one decoded before
    other = next(x for x in before if x.id != first["id"])
    assert after[other.id] is other
    # a read that is not a short archive list never reuses (a month's whole open data)
    month = store.published_in_month(store.latest_published(1)[0].publication
                                     .first_published_at.strftime("%Y-%m"), 0, -1)
    assert all(x is not after.get(x.id) for x in month)
    store.close()


def test_league_rows_are_reused_but_each_table_is_its_own():
    weights = Weights()
    rows = {"a": {"received": 40, "replied": 30, "replied_on_time": 25, "signed": 38,
                  "signed_on_time": 36, "rated": 20, "satisfied": 15},
            "b": {"received": 35, "replied": 35, "replied_on_time": 35, "signed": 35,
                  "signed_on_time": 35, "rated": 12, "satisfied": 12}}
    first = league(rows, ["a", "b", "c"], weights)
    for row in first:
        row["score"] = -1           # a caller changing its rows
        row["extra"] = "x"
    second = league(rows, ["a", "b", "c"], weights)
    assert all(r["score"] != -1 and "extra" not in r for r in second)
    # the same as computed from nothing
    from chalicelib.domain import statistics
    statistics._scored_row.cache_clear()
    assert league(rows, ["a", "b", "c"], weights) == second
