"""Deferred pages (issue 16): the open-data month files, the channel figures and `/data/` cost
what a month of letters costs, so a stream publish only marks them and the every-minute refresh
renders them. Once the refresh has run, the site is the full build's, byte for byte
(invariant 1); no mark is lost to a refresh running beside a publish; a full build leaves
nothing to refresh."""
from __future__ import annotations

import json

from publisher_city import make_city
from sitecheck import diff_trees, personal_data_on_site

from chalicelib.domain.statistics import month_of
from publisher import deferred
from publisher.build import full_build
from publisher.sinks import MemorySink


def deferred_city(tmp_path, content):
    city = make_city(tmp_path, content)
    city.sink = MemorySink()
    full_build(city.ctx.store, content, city.sink)
    city.defer = True
    return city


def test_a_publish_marks_the_month_files_and_the_refresh_renders_them(tmp_path, content):
    city = deferred_city(tmp_path, content)
    store = city.ctx.store
    a = city.full_cycle(dept="housing", rate="satisfied", resolved="yes")
    month = month_of(store.get_letter(a["id"]).submitted_at)
    # the letter's own page and the boards are published at once
    assert f"letters/{a['id']}/index.html" in city.sink.files
    # its month's open data and the channel figures are only marked
    assert f"data/letters-{month}.json" not in city.sink.files
    assert "data/channels-all.json" not in city.sink.files
    stale = deferred.stale_pages(store.search_state())
    assert {("letters_data", month), ("channels_data", month), ("channels_data", "all"),
            ("data_index",)} <= set(stale)
    assert all(deferred.is_deferred(key) for key in stale)

    refreshed = deferred.refresh_deferred(store, content, city.sink)
    assert set(refreshed) == set(stale)
    rows = json.loads(city.sink.files[f"data/letters-{month}.json"])["rows"]
    assert [r["url"] for r in rows] == [f"/letters/{a['id']}/"]
    assert json.loads(city.sink.files["data/channels-all.json"])["total"]["received"] == 1
    # once refreshed, the site is the full build's
    full = MemorySink()
    full_build(store, content, full)
    assert diff_trees(city.sink.files, full.files) == []
    assert personal_data_on_site(city.sink.files) == []
    # and a second refresh has nothing to do
    assert deferred.refresh_deferred(store, content, city.sink) == []


def test_many_changes_in_a_minute_render_each_page_once(tmp_path, content):
    city = deferred_city(tmp_path, content)
    for dept in ("housing", "transport", "housing"):
        city.full_cycle(dept=dept)
    keys = deferred.refresh_deferred(city.ctx.store, content, city.sink)
    assert len(keys) == len(set(keys))
    assert ("data_index",) in keys
    full = MemorySink()
    full_build(city.ctx.store, content, full)
    assert diff_trees(city.sink.files, full.files) == []


def test_a_mark_made_during_a_refresh_is_rendered_by_the_next(tmp_path, content, monkeypatch):
    city = deferred_city(tmp_path, content)
    store = city.ctx.store
    a = city.full_cycle(dept="housing")
    month = month_of(store.get_letter(a["id"]).submitted_at)
    render = deferred.render_pages

    def publish_beside(renderer, keys, sink, result, *args, **kw):
        # a stream publish marks the month again while the refresh is rendering it
        deferred.mark_pages(store, [("letters_data", month)])
        return render(renderer, keys, sink, result, *args, **kw)

    monkeypatch.setattr(deferred, "render_pages", publish_beside)
    assert ("letters_data", month) in deferred.refresh_deferred(store, content, city.sink)
    monkeypatch.setattr(deferred, "render_pages", render)
    # the mark written during the refresh has a token the refresh did not render
    assert deferred.refresh_deferred(store, content, city.sink) == [("letters_data", month)]
    assert deferred.refresh_deferred(store, content, city.sink) == []


def test_a_full_build_leaves_nothing_to_refresh(tmp_path, content):
    city = deferred_city(tmp_path, content)
    city.full_cycle(dept="housing")
    assert deferred.stale_pages(city.ctx.store.search_state())
    full_build(city.ctx.store, content, MemorySink())
    assert deferred.stale_pages(city.ctx.store.search_state()) == {}


def test_a_refresh_that_fails_keeps_its_marks(tmp_path, content, monkeypatch):
    city = deferred_city(tmp_path, content)
    city.full_cycle(dept="housing")
    before = deferred.stale_pages(city.ctx.store.search_state())

    def broken(*args, **kw):
        raise OSError("disk full")

    monkeypatch.setattr(deferred, "render_pages", broken)
    try:
        deferred.refresh_deferred(city.ctx.store, content, city.sink)
    except OSError:
        pass
    else:
        raise AssertionError("the refresh should have failed")
    assert deferred.stale_pages(city.ctx.store.search_state()) == before


def test_marks_of_a_kind_no_longer_deferred_are_ignored(tmp_path, content):
    city = deferred_city(tmp_path, content)
    store = city.ctx.store
    store.put_search_state(deferred.MARK + '["letter","L1"]', {"token": "t"})
    store.put_search_state(deferred.MARK + '["no_such_kind"]', {"token": "t"})
    store.put_search_state(deferred.MARK + "not json", {"token": "t"})
    assert deferred.stale_pages(store.search_state()) == {}
