"""The search index's state (`SearchState`, publisher/search/index.py) on every store: marks and
built records by key, written at once, read back whole; and the full cycle of marking a change,
finding the unit stale, and recording it built."""
from __future__ import annotations

from datetime import datetime

from chalicelib.services.ports import Change
from publisher.search.index import mark_changes, stale_units


def test_records_are_kept_by_key_and_replaced_whole(store):
    assert store.search_state() == {}
    store.put_search_state("mark:2026-11", {"token": "a"})
    store.put_search_state("manifest", {"shards": [{"id": "2026", "records": 3}]})
    store.put_search_state("mark:2026-11", {"token": "b"})
    state = store.search_state()
    assert set(state) == {"mark:2026-11", "manifest"}
    assert state["mark:2026-11"]["token"] == "b"
    assert state["manifest"]["shards"] == [{"id": "2026", "records": 3}]


def test_a_marked_unit_is_stale_until_built_with_that_mark(store):
    change = Change(id="c1", at=datetime(2026, 11, 23, 9, 0), months=["2026-11"], public=True)
    assert mark_changes(store, [change]) == {"2026-11"}
    stale = stale_units(store.search_state())
    assert list(stale) == ["2026-11"]
    store.put_search_state("built:2026-11", {"token": stale["2026-11"]})
    assert stale_units(store.search_state()) == {}
    mark_changes(store, [change])               # marked again: a fresh token, stale again
    assert list(stale_units(store.search_state())) == ["2026-11"]


def test_a_private_change_marks_nothing_and_a_public_topic_marks_the_site_shard(store):
    private = Change(id="c2", at=datetime(2026, 11, 23, 9, 0), months=["2026-11"], public=False)
    topic = Change(id="c3", at=datetime(2026, 11, 23, 9, 0), kind="topic", topics=["t1"],
                   public=True)
    pending = Change(id="c4", at=datetime(2026, 11, 23, 9, 0), kind="topic", topics=["t1"])
    assert mark_changes(store, [private, pending]) == set()
    assert mark_changes(store, [topic]) == {"site"}
    assert list(stale_units(store.search_state())) == ["site"]
