"""The full build on every core (publisher.parallel) writes the same files, byte for byte, as
the one-process full build (issue 16: a million letters on two cores)."""
from __future__ import annotations

from functools import partial
from pathlib import Path

from fake_store import FakeStore, month_of_letters
from publisher_city import make_city

from chalicelib.adapters.sqlite import SqliteStore
from chalicelib.domain.letters import LetterType
from fakes import cst
from publisher import pages as P
from publisher import parallel
from publisher.build import full_build
from publisher.sinks import LocalFolderSink
from publisher.snapshot import Snapshot


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_parallel_full_build_equals_full_build(tmp_path, content):
    city = make_city(tmp_path / "city", content)
    for n in range(7):                            # letters over two months, several depts
        city.full_cycle(dept=("housing", "transport")[n % 2], rate="satisfied" if n % 3 else None)
        city.clock.advance(days=9)
    store_path = tmp_path / "city" / "wenzheng.sqlite3"
    one = tmp_path / "one"
    full_build(SqliteStore(store_path), content, LocalFolderSink(one))
    many = tmp_path / "many"
    result = parallel.parallel_full_build(partial(SqliteStore, store_path),
                                          partial(LocalFolderSink, many),
                                          content, workers=2, slice_size=1,
                                          site_chunk=2)
    a, b = tree(one), tree(many)
    assert sorted(a) == sorted(b)
    assert [p for p in a if a[p] != b[p]] == []
    assert result.files == len(b) and result.letters == 7


def test_slices_cover_every_archive_page_once():
    parts = parallel.plan_slices([("2026-01", 120), ("2026-02", 1)], size=2)
    pages = [(s.month, p) for s in parts for p in range(s.first, s.last + 1)]
    assert pages == [("2026-01", 1), ("2026-01", 2), ("2026-01", 3), ("2026-02", 1)]


def test_site_plan_keeps_every_key_once():
    keys = [("home",), ("league",)] + [("facet_month", "x", f"2026-{m:02}") for m in range(1, 6)]
    chunks = parallel.plan_site(keys, size=2)
    assert chunks[0] == [("home",), ("league",)]
    assert sorted(k for c in chunks for k in c) == sorted(keys)
    assert all(len(c) <= 2 for c in chunks[1:])


def test_wenzheng_build_on_two_processes_writes_what_one_writes(tmp_path, content, monkeypatch,
                                                                capsys):
    """`wenzheng build --out DIR --workers 2` renders on two processes into the new tree; the
    tree equals the one-process build through Pelican (`--workers 1`, the default)."""
    from wenzheng.cli import main
    data = tmp_path / "data"
    city = make_city(data, content)
    for n in range(4):
        city.full_cycle(dept=("housing", "transport")[n % 2])
        city.clock.advance(days=20)
    monkeypatch.setenv("WENZHENG_DATA", str(data))
    monkeypatch.delenv("WENZHENG_STORE", raising=False)
    assert main(["build", "--out", str(tmp_path / "one"), "--no-search"]) == 0
    assert main(["build", "--out", str(tmp_path / "two"), "--no-search", "--workers", "2"]) == 0
    assert "published letters" in capsys.readouterr().out
    a, b = tree((tmp_path / "one").resolve()), tree((tmp_path / "two").resolve())
    assert sorted(a) == sorted(b) and len(a) > 100
    assert [p for p in a if a[p] != b[p]] == []
    assert main(["build", "--out", str(tmp_path / "x"), "--workers", "-1"]) == 2


def test_the_parallel_plan_renders_every_key_of_the_one_process_build_once(content):
    """The site chunks and the archive slices (with the boards' monthly pages that follow their
    archive pages) are `all_pages`, each key once, with slices of one archive page."""
    store = FakeStore()
    month_of_letters(store, cst(2026, 10, 1, 8), 3, prefix="o")
    for n, letter in enumerate(month_of_letters(store, cst(2026, 11, 1, 8), 120)):
        if n % 2:
            letter.type = LetterType.complaint
    site, parts = parallel.plan(Snapshot(store), content, slice_size=1, site_chunk=2)
    keys = [k for chunk in site for k in chunk]
    keys += [k for part in parts for k in parallel._slice_keys(Snapshot(store), part)]
    expected = list(P.all_pages(store, content))
    assert len(keys) == len(set(keys)) == len(expected)
    assert set(keys) == set(expected)
    follow = {key: (part.month, page) for part in parts for page, ks in part.follow for key in ks}
    # the complaint board has half the month: its page 1 ends near the month's 100th letter
    assert follow[("facet_month", "type", "complaint", "2026-11", 1)] == ("2026-11", 2)
    assert follow[("facet_month", "type", "complaint", "2026-11", 2)] == ("2026-11", 3)
    assert follow[("facet_month", "type", "consultation", "2026-10", 1)] == ("2026-10", 1)
    assert not any(k[0] == "facet_month" for k in site[0])
    # the one-process build streams them the same way
    at = expected.index
    board = ("facet_month", "type", "complaint", "2026-11", 1)
    assert at(("month", "2026-11", 2)) < at(board) < at(("month", "2026-11", 3))
