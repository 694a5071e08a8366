"""Page planning: the pages of the site, and the pages one change touches."""
from __future__ import annotations

import pytest
from fake_store import FakeStore, month_of_letters, published_letter

from chalicelib.services.ports import Change
from fakes import cst
from publisher import pages as P
from publisher.build import full_build, publish_changes
from publisher.sinks import MemorySink


def change(*letters: str, departments=("housing",), months=("2026-11",), periods=(),
           public=True) -> Change:
    return Change(id="c1", at=cst(2026, 11, 30), letters=list(letters),
                  departments=list(departments), months=list(months), periods=list(periods),
                  public=public)


@pytest.mark.parametrize("position, page", [(0, 1), (49, 1), (50, 2), (99, 2), (100, 3)])
def test_fifty_letters_per_month_page(position, page):
    assert P.page_of(position) == page


@pytest.mark.parametrize("month, page, path", [
    ("2026-11", 1, "letters/2026/11/index.html"),
    ("2026-11", 3, "letters/2026/11/page/3/index.html"),
])
def test_month_page_paths_are_the_stable_urls(month, page, path):
    assert P.month_page_path(month, page) == path


@pytest.mark.parametrize("bad", ["../x", "a/b", "", "a b", "-x" * 40, "<x>"])
def test_letter_ids_that_cannot_be_urls_are_refused(bad):
    with pytest.raises(ValueError):
        P.check_letter_id(bad)


def test_new_letter_at_the_end_of_a_page_touches_only_its_page(content):
    store = FakeStore()
    letters = month_of_letters(store, cst(2026, 11, 1, 8), 30)
    keys = P.affected_pages(change(letters[-1].id), store, content)
    assert ("letter", letters[-1].id) in keys
    assert ("month", "2026-11", 1) in keys and ("sitemap_month", "2026-11", 1) in keys
    assert ("sitemap",) not in keys and ("archive",) not in keys
    assert {("board",), ("home",), ("feed",), ("department", "housing"),
            ("dept_feed", "housing")} <= keys
    assert not any(k[0].startswith("league") for k in keys)     # no figures moved


def test_first_letter_of_a_new_page_also_touches_the_previous_page_and_the_index(content):
    store = FakeStore()
    letters = month_of_letters(store, cst(2026, 11, 1, 8), 51)
    keys = P.affected_pages(change(letters[50].id), store, content)
    assert {("month", "2026-11", 2), ("month", "2026-11", 1), ("sitemap",),
            ("sitemap_month", "2026-11", 2)} <= keys
    assert ("archive",) not in keys


def test_first_letter_of_a_month_touches_the_month_list(content):
    store = FakeStore()
    month_of_letters(store, cst(2026, 10, 1, 8), 3, prefix="o")
    first = store.add(published_letter("n0001", cst(2026, 11, 2, 9)))
    keys = P.affected_pages(change(first.id), store, content)
    assert {("archive",), ("sitemap",), ("month", "2026-11", 1)} <= keys


def test_figures_only_change_touches_league_and_departments_not_letters(content):
    store = FakeStore()
    keys = P.affected_pages(change("zzz1", public=False, months=(),
                                   periods=("2026-11", "2026-Q4", "2026", "all")),
                            store, content)
    assert not any(k[0] in ("letter", "month", "board", "feed", "dept_feed", "sitemap_month")
                   for k in keys)
    assert {("league",), ("league_period", "2026-11"), ("league_data", "2026-Q4"),
            ("league_data", "all"), ("department", "housing"), ("home",),
            ("departments",)} <= keys


def test_publishing_a_change_does_not_scan_the_archive(content):
    store = FakeStore()
    letters = month_of_letters(store, cst(2026, 11, 1, 8), 120)
    # (transport has November figures too: this change does not start the month, which would
    # re-render every department page, see the test below)
    store.stats_rows = {p: {"housing": {"received": 120}, "transport": {"received": 1}}
                        for p in ("2026-11", "2026-Q4", "2026", "all")}
    store.calls.clear()
    keys = publish_changes(store, content, MemorySink(), [
        change(letters[77].id, periods=("2026-11", "2026-Q4", "2026", "all"))])
    assert ("month", "2026-11", 2) in keys
    for scan in ("iter_published", "published_months", "count_published"):
        assert scan not in store.calls
    # an approval of a letter that was never late leaves the exposure board (and its read of
    # every running letter) alone
    assert ("exposure",) not in keys and "overdue_letters" not in store.calls
    assert store.calls.count("latest_published") == 2      # site-wide and the department


def test_a_letter_that_stops_being_public_is_deleted_and_its_month_renumbered(content):
    store = FakeStore()
    letters = month_of_letters(store, cst(2026, 11, 1, 8), 51)
    sink = MemorySink()
    full_build(store, content, sink)
    gone = letters[3]
    assert f"letters/{gone.id}/index.html" in sink.files
    assert "letters/2026/11/page/2/index.html" in sink.files
    assert "en/letters/2026/11/page/2/index.html" in sink.files
    gone.publication = None                     # as an un-publish would leave it
    keys = publish_changes(store, content, sink, [change(gone.id)])
    assert ("month", "2026-11", 2) in keys
    assert f"letters/{gone.id}/index.html" not in sink.files
    assert f"en/letters/{gone.id}/index.html" not in sink.files
    assert "letters/2026/11/page/2/index.html" not in sink.files   # 50 letters fit on page 1
    assert "en/letters/2026/11/page/2/index.html" not in sink.files
    assert "sitemaps/letters-2026-11-2.xml" not in sink.files
    again = MemorySink()
    full_build(store, content, again)
    assert again.files == sink.files


def test_all_pages_lists_every_page_once_and_counts_them(content):
    store = FakeStore()
    month_of_letters(store, cst(2026, 10, 1, 8), 3, prefix="o")
    month_of_letters(store, cst(2026, 11, 1, 8), 60)
    store.stats_rows = {"2026-11": {"housing": {"received": 2}},
                        "all": {"housing": {"received": 2}}}
    keys = list(P.all_pages(store, content))
    assert len(keys) == len(set(keys)) == P.count_all_pages(store, content)
    assert ("month", "2026-11", 2) in keys and ("month", "2026-10", 1) in keys
    assert ("league_data", "2026-11") in keys and ("league_period", "all") in keys
    assert sum(1 for k in keys if k[0] == "letter") == 63
    # an archive page's letters and sitemap come right after it, before the next archive page
    # (streaming: the build holds one page of letters at a time)
    i = keys.index(("month", "2026-11", 2))
    after = keys[i + 1:i + 12]
    assert keys[i + 1][0] == "letter" and ("sitemap_month", "2026-11", 2) in after
    assert {k[0] for k in after} == {"letter", "sitemap_month"}


@pytest.mark.parametrize("key, paths", [
    (("letter", "k3x9"), ["letters/k3x9/index.html", "en/letters/k3x9/index.html"]),
    (("month", "2026-11", 2), ["letters/2026/11/page/2/index.html",
                               "en/letters/2026/11/page/2/index.html"]),
    (("sitemap_month", "2026-11", 1), ["sitemaps/letters-2026-11.xml"]),   # one, not per language
])
def test_a_page_that_can_disappear_owns_its_files_in_every_language(key, paths):
    assert P.output_paths(key) == paths


def test_the_first_figures_of_a_month_re_render_every_department_page(content):
    from fake_store import FakeStore
    store = FakeStore()
    store.stats_rows["2026-10"] = {"housing": {"received": 3}, "transport": {"received": 2}}
    store.stats_rows["2026-11"] = {"transport": {"received": 1}}
    first = Change(id="c1", at=cst(2026, 11, 2), departments=["transport"],
                   periods=["2026-11", "2026-Q4", "2026", "all"])
    departments = {k for k in P.affected_pages(first, store, content) if k[0] == "department"}
    assert departments == {("department", d) for d in P.department_ids(store, content)}
    # once another department has November's figures, a change re-renders its own page only
    store.stats_rows["2026-11"]["housing"] = {"received": 1}
    second = Change(id="c2", at=cst(2026, 11, 3), departments=["housing"],
                    periods=["2026-11", "2026-Q4", "2026", "all"])
    departments = {k for k in P.affected_pages(second, store, content) if k[0] == "department"}
    assert departments == {("department", "housing")}
    # a batch of both, published together, still moves every page on to November
    departments = {k for k in P.affected_by_all([first, second], store, content)
                   if k[0] == "department"}
    assert departments == {("department", d) for d in P.department_ids(store, content)}
    # a change to October's figures only leaves the others alone
    october = Change(id="c3", at=cst(2026, 11, 4), departments=["housing"],
                     periods=["2026-10", "2026-Q4", "2026", "all"])
    departments = {k for k in P.affected_pages(october, store, content) if k[0] == "department"}
    assert departments == {("department", "housing")}


def test_every_page_kind_belongs_to_one_family_that_says_what_it_reads(content):
    """A page kind the full build lists is rendered by exactly one family, and that family
    declares which changes make its pages stale (the registry refuses a kind declared twice)."""
    from publisher.families import FAMILIES, FAMILY_OF

    store = FakeStore()
    month_of_letters(store, cst(2026, 11, 1, 8), 3)
    store.stats_rows = {"2026-11": {"housing": {"received": 2}},
                        "all": {"housing": {"received": 2}}}
    kinds = {key[0] for key in P.all_pages(store, content)}
    assert kinds <= set(FAMILY_OF)
    # every kind a family renders is one the full build lists (no page only an increment makes)
    # no topics and no weekly records registered here
    assert set(FAMILY_OF) - kinds <= {"topic", "topic_data", "hot_week", "hot_data"}
    assert all(callable(f.reads) for f in FAMILIES)
    assert len({f.name for f in FAMILIES}) == len(FAMILIES)
