"""The reply board by type and by category (分类选登): its pages in both languages, its stable
monthly pages, its feeds and sitemaps, and the pages a new reply re-renders."""
from __future__ import annotations

from datetime import datetime, timedelta
from xml.etree import ElementTree

import pytest
from fake_store import FakeStore, published_letter

from chalicelib.domain.departments import CATEGORIES, SLUG
from chalicelib.domain.letters import Letter, LetterType
from chalicelib.services.ports import Change
from fakes import cst
from publisher import pages as P
from publisher.build import full_build, publish_changes
from publisher.keys import CATEGORY_SLUGS, facet_boards, facet_url
from publisher.sinks import MemorySink

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NOV = cst(2026, 11, 1, 8)


def letter(letter_id: str, at: datetime, kind: LetterType = LetterType.complaint,
           category: str | None = "城乡建设") -> Letter:
    found = published_letter(letter_id, at)
    found.type = kind
    assert found.publication is not None
    found.publication.category = category
    return found


def board(store: FakeStore, n: int, start: datetime = NOV, prefix: str = "c", **kw) -> list:
    return [store.add(letter(f"{prefix}{i:04d}", start + timedelta(hours=i), **kw))
            for i in range(n)]


def change(*letters: str, types=("complaint",), categories=("城乡建设",), months=("2026-11",),
           published=()) -> Change:
    return Change(id="c1", at=cst(2026, 11, 30), letters=list(letters),
                  departments=["housing"], months=list(months), public=True,
                  published=list(published), types=list(types),
                  categories=list(categories))


def text(sink: MemorySink, path: str) -> str:
    return sink.files[path].decode()


# --- addresses ----------------------------------------------------------------------------------

def test_every_category_has_a_stable_ascii_slug():
    assert set(CATEGORY_SLUGS) == set(CATEGORIES)
    assert all(SLUG.match(s) for s in CATEGORY_SLUGS.values())
    assert len(set(CATEGORY_SLUGS.values())) == len(CATEGORY_SLUGS)


def test_every_type_and_every_category_of_the_departments_has_a_board(content):
    boards = facet_boards(content)
    # but conduct complaints (效能投诉), which are never published
    assert [v for f, v in boards if f == "type"] == [
        str(t) for t in LetterType if t != LetterType.efficiency]
    assert [v for f, v in boards if f == "category"] == list(CATEGORIES)
    assert facet_url("type", "complaint") == "/letters/types/complaint/"
    assert facet_url("category", "城乡建设", "2026-11", 2) == \
        "/letters/categories/urban-rural/2026/11/page/2/"


# --- the pages ----------------------------------------------------------------------------------

@pytest.fixture
def built(content):
    store = FakeStore()
    board(store, 51)                                               # two November pages
    store.add(letter("s0001", cst(2026, 12, 2, 9), kind=LetterType.suggestion,
                     category="交通运输"))
    store.add(letter("h0001", cst(2026, 12, 3, 9), kind=LetterType.help, category=None))
    sink = MemorySink()
    full_build(store, content, sink)
    return store, sink


def test_each_facet_lists_its_boards_with_their_feeds_in_both_languages(built):
    _, sink = built
    zh = text(sink, "letters/types/index.html")
    assert "<h1>按类型浏览来信选登</h1>" in zh
    for code in ("consultation", "help", "complaint", "report", "suggestion", "criticism"):
        assert f'href="/letters/types/{code}/"' in zh
        assert f'href="/feeds/types/{code}.atom.xml"' in zh
    assert 'href="/letters/categories/"' in zh
    en = text(sink, "en/letters/categories/index.html")
    assert "<h1>Published letters by category</h1>" in en
    assert 'href="/en/letters/categories/urban-rural/"' in en and ">Transport<" in en
    assert 'href="/feeds/categories/urban-rural.atom.xml" hreflang="zh-CN"' in en
    # the boards link back to their list
    assert 'href="/letters/types/"' in text(sink, "letters/types/complaint/index.html")
    assert 'href="/en/letters/categories/"' in text(sink, "en/letters/index.html")


def test_boards_exist_in_both_languages_with_their_letters(built):
    _, sink = built
    for lang in ("", "en/"):
        for path in ("letters/types/complaint/index.html", "letters/types/report/index.html",
                     "letters/categories/urban-rural/index.html",
                     "letters/categories/transport/index.html",
                     "letters/types/complaint/2026/11/index.html",
                     "letters/types/complaint/2026/11/page/2/index.html",
                     "letters/categories/transport/2026/12/index.html"):
            assert lang + path in sink.files, lang + path
    zh = text(sink, "letters/types/complaint/index.html")
    assert "<h1>投诉类来信选登</h1>" in zh and 'href="/letters/c0050/"' in zh
    assert 'href="/letters/types/complaint/2026/11/"' in zh          # its months
    assert 'href="/letters/s0001/"' not in zh                       # another type's
    en = text(sink, "en/letters/categories/transport/index.html")
    assert "<h1>Published letters on Transport</h1>" in en
    assert 'href="/en/letters/s0001/"' in en
    assert "No letters have been published yet." in text(sink, "en/letters/types/report/index.html")
    # a letter without a category is on its type's board only
    assert 'href="/letters/h0001/"' in text(sink, "letters/types/help/index.html")
    assert not any('href="/letters/h0001/"' in text(sink, p) for p in sink.files
                   if p.startswith("letters/categories/"))


def test_monthly_pages_ascend_by_first_publication_fifty_a_page(built):
    _, sink = built
    first = text(sink, "letters/types/complaint/2026/11/index.html")
    assert first.index('href="/letters/c0000/"') < first.index('href="/letters/c0049/"')
    assert 'href="/letters/c0050/"' not in first
    assert 'rel="next" href="/letters/types/complaint/2026/11/page/2/"' in first
    second = text(sink, "en/letters/types/complaint/2026/11/page/2/index.html")
    assert 'href="/en/letters/c0050/"' in second and '<ol class="letters" start="51">' in second
    assert 'rel="prev" href="/en/letters/types/complaint/2026/11/"' in second


def test_old_monthly_pages_do_not_change_when_new_replies_arrive(built, content):
    store, sink = built
    before = dict(sink.files)
    new = store.add(letter("c9999", cst(2026, 12, 20, 9)))
    keys = publish_changes(store, content, sink, [change(new.id, months=("2026-12",),
                                                         published=(new.id,))])
    assert ("facet_month", "type", "complaint", "2026-12", 1) in keys
    for path in ("letters/types/complaint/2026/11/index.html",
                 "letters/types/complaint/2026/11/page/2/index.html",
                 "en/letters/categories/urban-rural/2026/11/index.html"):
        assert sink.files[path] == before[path]
    assert 'href="/letters/c9999/"' in text(sink, "letters/types/complaint/index.html")


def test_feeds_are_atom_with_the_boards_latest_replies(built):
    _, sink = built
    feed = ElementTree.fromstring(sink.files["feeds/types/complaint.atom.xml"])
    assert feed.tag == ATOM + "feed"
    entries = feed.findall(ATOM + "entry")
    assert len(entries) == 20
    assert entries[0].find(ATOM + "link").get("href").endswith("/letters/c0050/")
    assert feed.find(ATOM + "title").text.endswith("投诉答复选登")
    other = ElementTree.fromstring(sink.files["feeds/categories/transport.atom.xml"])
    assert [e.find(ATOM + "link").get("href").rsplit("/", 2)[-2]
            for e in other.findall(ATOM + "entry")] == ["s0001"]
    empty = ElementTree.fromstring(sink.files["feeds/types/report.atom.xml"])
    assert empty.findall(ATOM + "entry") == []


def test_sitemaps_list_every_board_and_monthly_page_in_both_languages(built, content):
    _, sink = built
    index = ElementTree.fromstring(sink.files["sitemap.xml"])
    listed = {e.text for e in index.iter(SITEMAP + "loc")}
    base = content.site.base_url
    assert base + "/sitemaps/types-complaint.xml" in listed
    assert base + "/sitemaps/categories-urban-rural.xml" in listed
    urls = {e.text for e in ElementTree.fromstring(
        sink.files["sitemaps/types-complaint.xml"]).iter(SITEMAP + "loc")}
    assert {base + "/letters/types/complaint/", base + "/en/letters/types/complaint/",
            base + "/letters/types/complaint/2026/11/",
            base + "/letters/types/complaint/2026/11/page/2/",
            base + "/en/letters/types/complaint/2026/11/page/2/"} <= urls


def test_the_letters_board_and_each_letter_link_the_boards(built):
    _, sink = built
    zh = text(sink, "letters/index.html")
    assert '<a href="/letters/types/">按类型</a>：' in zh
    assert '<a href="/letters/categories/">按分类</a>：' in zh
    assert 'href="/letters/types/suggestion/"' in zh
    assert 'href="/letters/categories/health-family-planning/"' in zh
    en = text(sink, "en/letters/index.html")
    assert 'href="/en/letters/categories/transport/">Transport</a>' in en
    page = text(sink, "letters/s0001/index.html")
    assert '<a class="tag" href="/letters/types/suggestion/">建议</a>' in page
    assert '<a class="tag" href="/letters/categories/transport/">交通运输</a>' in page


# --- what a change re-renders ------------------------------------------------------------------

def facet_keys(keys: set) -> set:
    return {k for k in keys if k[0].startswith(("facet", "sitemap_facet"))}


def test_a_new_reply_re_renders_only_its_boards_month_page_and_feeds(content):
    store = FakeStore()
    board(store, 10)
    new = store.add(letter("c0100", NOV + timedelta(days=5)))
    store.calls.clear()
    keys = P.affected_pages(change(new.id, published=(new.id,)), store, content)
    assert facet_keys(keys) == {
        ("facet", "type", "complaint"), ("facet_feed", "type", "complaint"),
        ("facet_month", "type", "complaint", "2026-11", 1),
        ("facet", "category", "城乡建设"), ("facet_feed", "category", "城乡建设"),
        ("facet_month", "category", "城乡建设", "2026-11", 1)}
    for scan in ("iter_published", "published_months", "count_published", "facet_months"):
        assert scan not in store.calls
    # rendering them reads the boards' months by name, not by counting their letters
    store.calls.clear()
    publish_changes(store, content, MemorySink(), [change(new.id, published=(new.id,))])
    assert "facet_month_names" in store.calls
    for scan in ("iter_published", "published_months", "count_published", "facet_months"):
        assert scan not in store.calls


def test_a_reply_first_on_a_new_page_touches_the_page_before_and_the_boards_sitemap(content):
    store = FakeStore()
    letters = board(store, 51)
    keys = P.affected_pages(change(letters[50].id, published=(letters[50].id,)), store, content)
    assert {("facet_month", "type", "complaint", "2026-11", 2),
            ("facet_month", "type", "complaint", "2026-11", 1),
            ("sitemap_facet", "type", "complaint")} <= keys


def test_a_vote_re_renders_the_letters_month_page_not_the_boards_sitemap(content):
    store = FakeStore()
    letters = board(store, 60)
    keys = P.affected_pages(change(letters[55].id), store, content)
    assert ("facet_month", "type", "complaint", "2026-11", 2) in keys
    assert ("facet_month", "type", "complaint", "2026-11", 1) not in keys
    assert not any(k[0] == "sitemap_facet" for k in keys)


def test_a_reply_moved_to_another_category_re_renders_both_boards_months(content):
    store = FakeStore()
    letters = board(store, 60)
    moved = letters[3]
    assert moved.publication is not None
    moved.publication.category = "交通运输"
    keys = P.affected_pages(change(moved.id, categories=("交通运输", "城乡建设")), store,
                            content)
    # its old board: every letter after it moved up, across the month's pages
    assert {("facet_month", "category", "城乡建设", "2026-11", p) for p in (1, 2, 3)} <= keys
    assert ("facet_month", "category", "交通运输", "2026-11", 1) in keys
    assert ("sitemap_facet", "category", "城乡建设") in keys
    assert ("facet_month", "type", "complaint", "2026-11", 1) in keys
    assert ("facet_month", "type", "complaint", "2026-11", 2) not in keys   # same type


def test_a_withdrawn_reply_leaves_its_boards_and_empty_pages_go(content):
    store = FakeStore()
    letters = board(store, 51)
    sink = MemorySink()
    full_build(store, content, sink)
    assert "en/letters/types/complaint/2026/11/page/2/index.html" in sink.files
    gone = letters[3]
    gone.publication = None
    publish_changes(store, content, sink, [change(gone.id)])
    assert "letters/types/complaint/2026/11/page/2/index.html" not in sink.files
    assert "en/letters/categories/urban-rural/2026/11/page/2/index.html" not in sink.files
    again = MemorySink()
    full_build(store, content, again)
    assert again.files == sink.files


def test_a_record_from_before_the_boards_still_takes_a_letter_off_them(content):
    store = FakeStore()
    letters = board(store, 5)
    sink = MemorySink()
    full_build(store, content, sink)
    gone = letters[1]
    gone.publication = None
    old = Change.from_dict({"id": "old", "at": "2026-11-30T00:00:00+08:00",
                            "letters": [gone.id], "departments": ["housing"],
                            "months": ["2026-11"], "periods": [], "public": True})
    publish_changes(store, content, sink, [old])
    again = MemorySink()
    full_build(store, content, again)
    assert again.files == sink.files
