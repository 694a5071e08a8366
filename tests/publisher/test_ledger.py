"""A full build into the bucket keeps its bookkeeping on disk (publisher/ledger.py): the maps
behave as the sink needs them, the file goes with the ledger, and the sink's memory does not
grow with the pages of the site."""
from __future__ import annotations

import gc
import os
import tracemalloc

from bench.sink_memory import StandIn, page, path
from publisher.ledger import Ledger
from publisher.sinks import S3Sink


def test_a_map_is_the_dict_the_sink_uses_in_key_order():
    ledger = Ledger()
    etags, entries = ledger.map("etags"), ledger.map("entries")
    assert len(etags) == 0 and etags.get("a") is None and "a" not in etags
    etags["www/b.html"] = "e2"
    etags.update([("www/a.html", "e1"), ("www/c/index.html", "e3"), ("other/x", "e4")])
    entries["a.html"] = ["sha-a", "e1"]
    assert etags["www/a.html"] == "e1" and "www/b.html" in etags and len(etags) == 4
    assert entries.get("a.html") == ["sha-a", "e1"] and len(entries) == 1   # maps apart
    assert list(etags) == ["other/x", "www/a.html", "www/b.html", "www/c/index.html"]
    assert list(etags.keys("www/c")) == ["www/c/index.html"]
    assert etags.pop("www/b.html") == "e2" and etags.pop("www/b.html", "gone") == "gone"
    etags["www/a.html"] = "e1b"                                   # replaced, not added
    assert dict(etags.items("www/")) == {"www/a.html": "e1b", "www/c/index.html": "e3"}
    entries.clear()
    assert len(entries) == 0 and len(etags) == 3
    ledger.close()
    assert not os.path.exists(ledger.path)


def test_a_walk_reads_pages_and_survives_deletes_on_the_way(monkeypatch):
    from publisher import ledger as ledger_module
    monkeypatch.setattr(ledger_module, "PAGE", 3)
    ledger = Ledger()
    m = ledger.map("m")
    m.update((f"k{i:02d}", i) for i in range(10))
    seen = []
    for key in m.keys():
        seen.append(key)
        m.pop(key)                                  # what a prune does while it walks
    assert seen == [f"k{i:02d}" for i in range(10)] and len(m) == 0
    ledger.close()


def test_the_live_generations_entries_are_those_whose_object_is_unchanged():
    ledger = Ledger()
    manifest, listing, sources = ledger.map("man"), ledger.map("lst"), ledger.map("src")
    manifest.update([("a.html", ["sa", "e1"]), ("b.html", ["sb", "e2"]),
                     ("c.html", ["sc", "e3"])])
    listing.update([("_site/g1/a.html", "e1"), ("_site/g1/b.html", "changed-since"),
                    ("_site/g0/c.html", "e3")])
    sources.fill_matching(manifest, listing, "_site/g1/")
    assert dict(sources.items()) == {"a.html": ["sa", "e1"]}
    ledger.close()


def _traced_peak(n: int) -> tuple[int, int]:
    bucket = StandIn(n)        # bench.sink_memory: holds nothing per page
    sink = S3Sink("site", client=bucket)
    gc.collect()
    tracemalloc.start()
    try:
        sink.begin(full=True)
        for i in range(n):
            sink.write(path(i), page(i) + (b"!" if i % 500 == 0 else b""))   # 1 in 500 new
        changed = sink.finish()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(changed) == len(range(0, n, 500))
    return peak, bucket.puts


def test_a_full_build_into_the_bucket_holds_no_page_in_memory():
    """A second full build of 2,000 and of 20,000 pages, one in 500 changed: the same traced
    memory (with the maps in dicts, ~815 bytes a page: ten times as much for ten times the
    pages); only the changed pages and the manifest are uploaded."""
    small, small_puts = _traced_peak(2_000)
    large, large_puts = _traced_peak(20_000)
    assert (small_puts, large_puts) == (4 + 1, 40 + 1)           # the pages, then the manifest
    assert large < small + 1_000_000, (small, large)
