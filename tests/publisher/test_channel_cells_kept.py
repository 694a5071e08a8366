"""The channel files' month counts kept in the store between publishes (issue 16: an
incremental publish recounts only the months its changes touched, not every letter)."""
from __future__ import annotations

import json

from publisher_city import make_city

from chalicelib.domain import channels
from chalicelib.domain.statistics import month_of
from publisher.build import full_build
from publisher.families.channels import CELLS_KEY
from publisher.sinks import MemorySink
from publisher.snapshot import month_bounds


def kept(store) -> dict[str, list]:
    return {k.removeprefix(CELLS_KEY): d["cells"] for k, d in store.search_state().items()
            if k.startswith(CELLS_KEY)}


def test_untouched_months_come_from_the_store_and_touched_ones_from_the_rows(tmp_path, content):
    city = make_city(tmp_path, content)
    city.sink = MemorySink()
    full_build(city.ctx.store, content, city.sink)
    first = city.full_cycle(dept="housing")
    city.clock.advance(days=40)
    city.full_cycle(dept="transport")
    store = city.ctx.store
    months = sorted(kept(store))
    old = month_of(store.get_letter(first["id"]).submitted_at)
    assert old in months and len(months) == 2
    # every kept month equals a recount of its rows
    for month in months:
        cells = channels.cells_of(store.open_rows(*month_bounds(month)))
        assert kept(store)[month] == [[ch, dept, dict(c)] for (ch, dept), c in
                                      sorted(cells.items(), key=lambda kv: (kv[0][0],
                                                                            kv[0][1] or ""))]
    # a change in the new month does not recount the old one: the kept counts are read
    doc = store.search_state()[CELLS_KEY + old]
    doc["cells"][0][2]["received"] = 99
    store.put_search_state(CELLS_KEY + old, {"cells": doc["cells"]})
    city.full_cycle(dept="transport")
    all_time = json.loads(city.sink.files["data/channels-all.json"])
    assert all_time["total"]["received"] == 99 + 2
    # a full build recounts every month from the rows (and keeps the truth again)
    sink = MemorySink()
    full_build(store, content, sink)
    assert json.loads(sink.files["data/channels-all.json"])["total"]["received"] == 3
    assert kept(store)[old][0][2]["received"] == 1
