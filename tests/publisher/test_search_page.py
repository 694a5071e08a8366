"""The search page (/search/, /en/search/) and the search box in every page's header: what a
citizen gets before any script runs, in both languages, from content/ alone."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
from fake_store import FakeStore, month_of_letters
from sitecheck import html_errors

from chalicelib.domain.letters import label
from chalicelib.services.ports import Change
from fakes import cst
from publisher import pages as P
from publisher.build import full_build
from publisher.families.search import categories
from publisher.keys import BOARD_TYPES, CATEGORY_SLUGS
from publisher.sinks import MemorySink


@pytest.fixture(scope="module")
def site(content) -> dict[str, bytes]:
    store = FakeStore()
    month_of_letters(store, cst(2026, 11, 1, 8), 3)
    sink = MemorySink()
    full_build(store, content, sink)
    return sink.files


class Page(HTMLParser):
    """The forms, links, options and the labels block of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, str | None]] = []
        self.inputs: list[dict[str, str | None]] = []
        self.links: list[str] = []
        self.options: dict[str, list[tuple[str, str]]] = {}
        self.labels_json = ""
        self._select: str | None = None
        self._option: str | None = None
        self._in_labels = False
        self.noscript = ""
        self._in_noscript = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(a)
        elif tag == "input":
            self.inputs.append(a)
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        elif tag == "select":
            self._select = a.get("name")
            self.options[self._select or ""] = []
        elif tag == "option":
            self._option = a.get("value") or ""
        elif tag == "script" and a.get("id") == "search-labels":
            self._in_labels = True
        elif tag == "noscript":
            self._in_noscript = True

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "script":
            self._in_labels = False
        elif tag == "noscript":
            self._in_noscript = False

    def handle_data(self, data):
        if self._option is not None and self._select is not None:
            self.options[self._select].append((self._option, data.strip()))
            self._option = None
        if self._in_labels:
            self.labels_json += data
        if self._in_noscript:
            self.noscript += data


def parse(site: dict[str, bytes], path: str) -> Page:
    page = Page()
    page.feed(site[path].decode("utf-8"))
    return page


@pytest.mark.parametrize("path", ["search/index.html", "en/search/index.html"])
def test_the_search_page_is_a_get_form_whose_box_is_q(site, path):
    page = parse(site, path)
    prefix = "/en" if path.startswith("en/") else ""
    assert html_errors(site[path].decode("utf-8")) == []
    forms = [f for f in page.forms if f.get("role") == "search"]
    assert len(forms) == 1, "the header box is left out on the search page itself"
    assert forms[0]["action"] == f"{prefix}/search/" and forms[0]["method"] == "get"
    boxes = [i for i in page.inputs if i.get("name") == "q"]
    assert len(boxes) == 1 and boxes[0]["type"] == "search"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_filters_are_labelled_in_the_page_language(site, content, lang):
    page = parse(site, "en/search/index.html" if lang == "en" else "search/index.html")
    departments = dict(page.options["dept"][1:])
    assert departments == {d.id: (d.name_en if lang == "en" else d.name)
                           for d in content.departments}
    # every type that can be published (a conduct complaint, 效能投诉, never is)
    assert dict(page.options["type"][1:]) == {t: label(t, lang) for t in BOARD_TYPES}
    assert [c for c, _ in page.options["category"][1:]] == categories(content)
    if lang == "en":
        assert dict(page.options["category"])["城乡建设"] == "Urban and rural development"
    assert [k for k, _ in page.options["kind"][1:]] == ["letter", "notice", "consultation"]
    # the years come from the index's manifest in the browser: the page holds no letter
    assert page.options["year"] == [("", "全部年份" if lang == "zh" else "All years")]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_script_gets_the_labels_from_content(site, content, lang):
    page = parse(site, "en/search/index.html" if lang == "en" else "search/index.html")
    labels = json.loads(page.labels_json)
    housing = content.department("housing")
    assert labels["dept"]["housing"] == (housing.name_en if lang == "en" else housing.name)
    assert labels["type"]["complaint"] == label("complaint", lang)
    assert labels["kind"]["notice"] == ("Notice" if lang == "en" else "公告")
    assert set(labels["category"]) == set(categories(content))


@pytest.mark.parametrize("path, prefix", [("search/index.html", ""),
                                          ("en/search/index.html", "/en")])
def test_without_javascript_the_page_says_how_to_browse(site, content, path, prefix):
    page = parse(site, path)
    assert "JavaScript" in page.noscript
    wanted = [f"{prefix}/letters/archive/", f"{prefix}/departments/", f"{prefix}/notices/",
              f"{prefix}/consultations/"]
    wanted += [f"{prefix}/letters/types/{t}/" for t in BOARD_TYPES]
    wanted += [f"{prefix}/letters/categories/{CATEGORY_SLUGS[c]}/" for c in categories(content)]
    links = [unquote(h) for h in page.links]
    assert [w for w in wanted if w not in links] == []


def test_every_page_has_a_search_box_in_its_header(site):
    pages = [p for p in site if p.endswith(".html") and "/search/" not in "/" + p]
    assert len(pages) > 20
    for path in pages:
        text = site[path].decode("utf-8")
        header = text[text.index('<header class="site-header">'):text.index("</header>")]
        prefix = "/en" if path.startswith("en/") else ""
        assert f'<form class="site-search" action="{prefix}/search/" method="get" role="search"' \
            in header, path
        assert re.search(r'<label class="vh" for="site-q">[^<]+</label>', header), path
        assert 'name="q" type="search"' in header, path


def test_the_write_page_offers_already_answered_letters_without_sending_anything(site):
    for path in ("write/index.html", "en/write/index.html"):
        text = site[path].decode("utf-8")
        assert 'id="w-similar"' in text and "js/search.js" in text
        heading = "May already be answered" if path.startswith("en/") else "可能已有答复"
        assert heading in text
        labels = json.loads(parse(site, path).labels_json)
        assert "housing" in labels["dept"]


def test_the_search_page_is_built_and_no_store_change_makes_it_stale(content):
    store = FakeStore()
    letters = month_of_letters(store, cst(2026, 11, 1, 8), 3)
    assert ("search_page",) in P.site_pages(store, content)
    change = Change(id="c1", at=cst(2026, 11, 30), letters=[letters[0].id],
                    departments=["housing"], months=["2026-11"],
                    periods=["2026-11", "2026-Q4", "2026", "all"], public=True)
    assert ("search_page",) not in P.affected_pages(change, store, content)


def test_the_search_page_is_in_the_sitemap_in_both_languages(site):
    sitemap = site["sitemaps/pages.xml"].decode()
    assert "/search/</loc>" in sitemap and "/en/search/" in sitemap


def test_the_search_and_suggestion_scripts_write_citizens_text_as_text_only():
    """Results, snippets and suggestions come from letters people wrote: the scripts build
    elements and set `textContent`, never parse a string as HTML (invariant: citizen text is
    inert), so a subject like <script>… shows as the characters it is."""
    import re
    from pathlib import Path
    js = Path(__file__).resolve().parents[2] / "site" / "theme" / "static" / "js"
    for name in ("search.js", "suggest.js"):
        source = (js / name).read_text(encoding="utf-8")
        assert "textContent" in source or "createTextNode" in source, name
        assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|"
                             r"\beval\(|new Function", source), name
