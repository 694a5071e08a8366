"""Sinks: atomic local writes, S3 uploads of changed files only, one CDN invalidation."""
from __future__ import annotations

import os

import pytest
from fake_store import FakeStore, month_of_letters, published_letter

from chalicelib.services.ports import Change
from fakes import cst
from publisher.build import full_build, publish_changes
from publisher.sinks import (
    PAGE_MAX_AGE,
    LocalFolderSink,
    MemorySink,
    S3Sink,
    cache_control,
    clean_path,
    content_type,
    edge_urls,
)


class FakeCdn:
    """Records invalidations instead of calling a CDN."""

    def __init__(self) -> None:
        self.invalidations: list[list[str]] = []

    def __call__(self, paths: list[str]) -> None:
        self.invalidations.append(list(paths))


@pytest.mark.parametrize("path, kind", [
    ("index.html", "text/html; charset=utf-8"),
    ("feeds/all.atom.xml", "application/atom+xml; charset=utf-8"),
    ("sitemap.xml", "application/xml; charset=utf-8"),
    ("data/league-all.json", "application/json; charset=utf-8"),
    ("data/league-all.csv", "text/csv; charset=utf-8"),
    ("theme/css/site.css", "text/css; charset=utf-8"),
    ("theme/js/api.js", "text/javascript; charset=utf-8"),
    ("robots.txt", "text/plain; charset=utf-8"),
])
def test_content_types_carry_a_charset(path, kind):
    assert content_type(path) == kind


@pytest.mark.parametrize("bad", ["../etc/passwd", "a/../../b", "", "a\\b", "//host/x"])
def test_paths_outside_the_site_are_refused(bad):
    with pytest.raises(ValueError):
        clean_path(bad)


def test_local_folder_writes_atomically_and_skips_unchanged(tmp_path):
    sink = LocalFolderSink(tmp_path / "site")
    assert sink.write("letters/a/index.html", b"one") is True
    first = (tmp_path / "site/letters/a/index.html").stat()
    assert sink.write("letters/a/index.html", b"one") is False          # same bytes: untouched
    assert (tmp_path / "site/letters/a/index.html").stat().st_mtime_ns == first.st_mtime_ns
    assert sink.write("letters/a/index.html", b"two") is True
    assert (tmp_path / "site/letters/a/index.html").read_bytes() == b"two"
    assert oct((tmp_path / "site/letters/a/index.html").stat().st_mode & 0o777) == "0o644"
    assert not [p for p in (tmp_path / "site").rglob(".tmp-*")]         # no temp files left
    assert sink.delete("letters/a/index.html") is True
    assert sink.delete("letters/a/index.html") is False
    assert not (tmp_path / "site/letters").exists()                     # emptied folders go
    assert list(sink.paths()) == []
    assert sink.write("letters/a/index.html", b"three") is True         # and come back
    assert sink.write("robots.txt", b"r") is True                        # at the root too
    assert sorted(sink.paths()) == ["letters/a/index.html", "robots.txt"]
    big = bytes(range(256)) * 40_000                                     # 10 MB, several writes
    assert sink.write("data/big.bin", big) is True
    assert (tmp_path / "site/data/big.bin").read_bytes() == big


def test_memory_sink_reports_what_changed():
    sink = MemorySink()
    sink.begin()
    sink.write("a.html", b"1")
    sink.write("b.html", b"2")
    assert sink.finish() == ["a.html", "b.html"]
    sink.begin()
    sink.write("a.html", b"1")
    sink.delete("b.html")
    assert sink.finish() == ["b.html"]


def _objects(client) -> dict[str, dict]:
    out = {}
    for obj in client.list_objects_v2(Bucket="site").get("Contents", []):
        head = client.head_object(Bucket="site", Key=obj["Key"])
        out[obj["Key"]] = head
    return out


def test_s3_full_build_uploads_then_second_publish_only_changed(s3, content):
    store = FakeStore()
    letters = month_of_letters(store, cst(2026, 11, 1, 8), 5)
    cdn = FakeCdn()
    sink = S3Sink("site", prefix="www", client=s3, invalidate=cdn)
    full_build(store, content, sink)
    objects = _objects(s3)
    assert "www/index.html" in objects and "www/theme/css/site.css" in objects
    page = objects[f"www/letters/{letters[0].id}/index.html"]
    assert page["ContentType"] == "text/html; charset=utf-8"
    assert page["CacheControl"] == cache_control("letters/x/index.html")
    assert len(cdn.invalidations) == 1

    # a second full build of the same state uploads nothing and invalidates nothing
    sink.begin(full=True)
    full_build(store, content, sink)
    assert sink.writes > 0 and sink.finish() == []
    assert len(cdn.invalidations) == 1

    # one more letter: an incremental publish uploads only what changed; the new pages and the
    # lists are refreshed at the edge by their max-age, so the CDN is told nothing
    new = store.add(published_letter("n0001", cst(2026, 11, 2, 8)))
    puts = []
    s3.meta.events.register("before-call.s3.PutObject", lambda **kw: puts.append(1))
    publish_changes(store, content, sink, [Change(
        id="c", at=cst(2026, 11, 2, 8), letters=[new.id], departments=["housing"],
        months=["2026-11"], public=True, published=[new.id])])
    assert len(cdn.invalidations) == 1
    changed = sink.changed
    assert f"letters/{new.id}/index.html" in changed and "index.html" in changed
    assert f"en/letters/{new.id}/index.html" in changed          # the English pages too
    assert f"letters/{letters[0].id}/index.html" not in changed
    # one PUT per changed file, no more (each HTML page twice: zh-CN and English; the open
    # data of the month the letter was received, JSON and CSV, and the channel files of its
    # month, quarter, year and all)
    assert len(puts) == len(set(changed)) < 31
    assert "data/letters-2026-10.json" in changed
    assert s3.get_object(Bucket="site", Key=f"www/letters/{new.id}/index.html")["Body"].read()

    # the office corrects the public text (a re-approval): the page leaves the CDN at once,
    # one wildcard per language; a vote on the same page is left to its max-age
    store.add(published_letter("n0001", cst(2026, 11, 2, 8), subject="已更正的标题"))
    publish_changes(store, content, sink, [Change(
        id="d", at=cst(2026, 11, 2, 9), letters=[new.id], departments=["housing"],
        months=["2026-11"], public=True, published=[new.id])])
    assert cdn.invalidations[-1] == [f"/en/letters/{new.id}/*", f"/letters/{new.id}/*"]


def test_only_withdrawals_and_corrections_are_told_to_the_cdn():
    urls = edge_urls(
        changed=["index.html", "letters/a1/index.html", "letters/b2/index.html",
                 "data/letters-2026-11.json", "letters/2026/11/index.html"],
        deleted=["letters/w9/index.html", "en/letters/w9/index.html",
                 "letters/2026/11/3/index.html"],
        overwritten=["letters/a1/index.html", "letters/b2/index.html", "index.html"],
        urgent={"a1", "w9"})
    assert urls == ["/en/letters/w9/*", "/letters/2026/11/3/", "/letters/2026/11/3/index.html",
                    "/letters/a1/*", "/letters/w9/*"]
    assert edge_urls(["index.html"], [], ["index.html"], set()) == []


def test_pages_stay_at_the_edge_a_minute_and_theme_assets_a_day():
    assert cache_control("letters/a1/index.html") == (
        f"public, max-age={PAGE_MAX_AGE}, stale-while-revalidate=30")
    assert PAGE_MAX_AGE <= 60
    assert cache_control("theme/css/site.css") == "public, max-age=86400"


def test_s3_incremental_compares_with_head_not_a_listing(s3, content):
    store = FakeStore()
    month_of_letters(store, cst(2026, 11, 1, 8), 2)
    sink = S3Sink("site", client=s3)
    full_build(store, content, sink)
    lists = []
    s3.meta.events.register("before-call.s3.ListObjectsV2", lambda **kw: lists.append(1))
    publish_changes(store, content, sink, [Change(
        id="c", at=cst(2026, 11, 2), letters=["m0001"], departments=["housing"],
        months=["2026-11"], public=True)])
    assert lists == []
    assert sink.finish() == []          # nothing changed: every page was already there


def test_local_folder_full_build_prune_removes_stale_files(tmp_path, content):
    store = FakeStore()
    month_of_letters(store, cst(2026, 11, 1, 8), 2)
    sink = LocalFolderSink(tmp_path)
    (tmp_path / "stale.html").write_text("old")
    result = full_build(store, content, sink, prune=True)
    assert "stale.html" in result.deleted and not (tmp_path / "stale.html").exists()
    assert os.path.exists(tmp_path / "letters/m0000/index.html")


# --- listing one folder (the search indexer's shard folders) ------------------------------------

SHARD_FILES = ["search/shards/2026-11/fragment/a.pf_fragment",
               "search/shards/2026-11/pagefind-entry.json",
               "search/shards/2026-110/x.json",                 # a sibling sharing the name's start
               "search/shards/2025/index/b.pf_index",
               "search/shards.json", "letters/a/index.html"]


def _filled(sink) -> None:
    for path in SHARD_FILES:
        sink.write(path, path.encode())


@pytest.mark.parametrize("make", ["memory", "folder", "s3"])
def test_paths_under_lists_one_folder_only(make, tmp_path, s3):
    sink = {"memory": MemorySink, "folder": lambda: LocalFolderSink(tmp_path / "site"),
            "s3": lambda: S3Sink("site", prefix="www", client=s3)}[make]()
    _filled(sink)
    assert list(sink.paths_under("search/shards/2026-11/")) == [
        "search/shards/2026-11/fragment/a.pf_fragment", "search/shards/2026-11/pagefind-entry.json"]
    # a prefix without the slash is a prefix of names, as search.index's fallback filters
    assert list(sink.paths_under("search/shards/2026-11")) == [
        "search/shards/2026-11/fragment/a.pf_fragment", "search/shards/2026-11/pagefind-entry.json",
        "search/shards/2026-110/x.json"]
    assert list(sink.paths_under("search/shards/1999/")) == []
    assert list(sink.paths_under("nowhere/")) == []
    assert list(sink.paths_under("")) == sorted(SHARD_FILES) == sorted(sink.paths())
    with pytest.raises(ValueError):
        list(sink.paths_under("../etc/"))


def test_s3_paths_under_is_one_prefixed_listing_and_pages_through(s3):
    sink = S3Sink("site", prefix="www", client=s3)
    many = [f"search/shards/2026-11/fragment/{i:04d}.pf_fragment" for i in range(1005)]
    for path in [*many, "search/shards/2025/x", "index.html"]:
        s3.put_object(Bucket="site", Key=f"www/{path}", Body=b"x")
    calls: list[dict] = []
    s3.meta.events.register("provide-client-params.s3.ListObjectsV2",
                            lambda params, **kw: calls.append(dict(params)))
    assert list(sink.paths_under("search/shards/2026-11/")) == many
    assert len(calls) == 2                               # 1,000 keys a page: two pages
    assert {c["Prefix"] for c in calls} == {"www/search/shards/2026-11/"}
    # after a full listing, the same answer without another call
    sink.begin(full=True)
    calls.clear()
    assert list(sink.paths_under("search/shards/2026-11/")) == many
    assert calls == []


def test_the_indexer_finds_a_shards_files_through_paths_under(s3):
    from publisher.search.index import paths_under
    sink = S3Sink("site", client=s3)
    _filled(sink)
    lists: list[dict] = []
    s3.meta.events.register("provide-client-params.s3.ListObjectsV2",
                            lambda params, **kw: lists.append(dict(params)))
    assert paths_under(sink, "search/shards/2025/") == ["search/shards/2025/index/b.pf_index"]
    assert [c.get("Prefix") for c in lists] == ["search/shards/2025/"]
