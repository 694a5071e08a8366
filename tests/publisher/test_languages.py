"""The English site: every zh-CN page has its counterpart under /en/ (and back), says its language,
links to its counterpart, and shows English chrome around the citizens' and departments' text,
which stays in Chinese and is marked lang="zh-CN"."""
from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser

import pytest
from fake_store import FakeStore, month_of_letters, published_letter
from sitecheck import VOID

from fakes import cst
from publisher import i18n
from publisher.build import full_build
from publisher.render import Renderer
from publisher.sinks import MemorySink

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
CHECKED_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder", "content")


@pytest.fixture(scope="module")
def site(content) -> dict[str, bytes]:
    """A small site: two months of letters (one page of a month is the second), league figures,
    a department the content does not know, and letters with and without a known category."""
    store = FakeStore()
    month_of_letters(store, cst(2026, 10, 1, 8), 3, prefix="o")
    letters = month_of_letters(store, cst(2026, 11, 1, 8), 52)
    letters[0].publication.category = "城乡建设"
    letters[1].publication.category = "其他"
    letters[2].publication.name = None
    letters[3].ratings = []
    store.add(published_letter("gone1", cst(2026, 11, 20, 9), department="old-dept"))
    figures = {"received": 10, "signed": 10, "signed_on_time": 9, "replied": 8,
               "replied_on_time": 6, "rated": 5, "satisfied": 3, "basically_satisfied": 1,
               "unsatisfied": 1, "reply_wd_x100": 2400}
    for period in ("2026-10", "2026-11", "2026-Q4", "2026", "all"):
        store.stats_rows[period] = {"housing": dict(figures), "old-dept": {"received": 2}}
    sink = MemorySink()
    full_build(store, content, sink)
    return sink.files


def html_pages(site: dict[str, bytes]) -> list[str]:
    return sorted(p for p in site if p.endswith(".html"))


def counterpart(path: str) -> str:
    return path.removeprefix("en/") if path.startswith("en/") else "en/" + path


def url_of(path: str) -> str:
    return "/" + path.removesuffix("index.html")


def test_every_page_has_its_counterpart_in_the_other_language(site):
    pages = html_pages(site)
    english = [p for p in pages if p.startswith("en/")]
    chinese = [p for p in pages if not p.startswith("en/")]
    assert len(english) == len(chinese) > 60
    assert sorted(counterpart(p) for p in chinese) == english
    for path in ("en/index.html", "en/letters/index.html", "en/letters/archive/index.html",
                 "en/letters/2026/11/index.html", "en/letters/2026/11/page/2/index.html",
                 "en/letters/gone1/index.html", "en/departments/index.html",
                 "en/departments/housing/index.html", "en/departments/old-dept/index.html",
                 "en/league/index.html", "en/league/2026-Q4/index.html", "en/exposure/index.html",
                 "en/notices/index.html",
                 "en/notices/privacy/index.html", "en/write/index.html", "en/track/index.html",
                 "en/staff/index.html", "en/404.html"):
        assert path in site, path


def test_data_feeds_and_sitemaps_stay_single(site):
    assert not [p for p in site if p.startswith("en/") and not p.endswith(".html")]
    assert "data/league-all.json" in site and "feeds/all.atom.xml" in site


def test_each_page_says_its_language(site):
    for path in html_pages(site):
        head = site[path][:60].decode()
        lang = "en" if path.startswith("en/") else "zh-CN"
        assert head.startswith(f'<!doctype html>\n<html lang="{lang}">'), path


SWITCH = re.compile(r'<a class="lang-switch" href="([^"]+)" hreflang="([^"]+)" lang="([^"]+)">')
ALTERNATE = re.compile(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">')


def test_the_language_switch_and_alternates_point_at_the_counterpart(site, content):
    base = content.site.base_url
    for path in html_pages(site):
        page = site[path].decode()
        (href, hreflang, lang), = SWITCH.findall(page)
        assert href == url_of(counterpart(path)), path
        assert hreflang == lang == ("zh-CN" if path.startswith("en/") else "en")
        if path.endswith("index.html"):
            zh = url_of(path.removeprefix("en/"))
            assert ALTERNATE.findall(page) == [("zh-CN", base + zh), ("en", base + "/en" + zh),
                                               ("x-default", base + zh)], path
            assert f'<link rel="canonical" href="{base}{url_of(path)}">' in page
    # the switch text names the other language in that language
    assert '<a class="lang-switch" href="/letters/" hreflang="zh-CN" lang="zh-CN">中文</a>' in \
        site["en/letters/index.html"].decode()
    assert '<a class="lang-switch" href="/en/letters/" hreflang="en" lang="en">English</a>' in \
        site["letters/index.html"].decode()


class LangText(HTMLParser):
    """Collects Chinese text (and attribute values) of a page's body whose language, by the
    nearest `lang` attribute, is not zh-CN."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str]] = []
        self.unmarked: list[str] = []

    def _lang(self, attrs: dict) -> str:
        return attrs.get("lang") or (self.stack[-1][1] if self.stack else "")

    def _in_body(self) -> bool:
        return any(tag == "body" for tag, _ in self.stack)

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        lang = self._lang(names)
        if self._in_body() and not lang.startswith("zh"):
            self.unmarked += [f"<{tag} {k}={v!r}>" for k, v in attrs
                              if k in CHECKED_ATTRIBUTES and v and CJK.search(v)]
        if tag not in VOID:
            self.stack.append((tag, lang))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self._in_body() and CJK.search(data) and not self._lang({}).startswith("zh"):
            self.unmarked.append(data.strip()[:80])


def test_english_pages_mark_every_chinese_text_as_zh_cn(site):
    for path in html_pages(site):
        if path.startswith("en/"):
            parser = LangText()
            parser.feed(site[path].decode())
            assert parser.unmarked == [], path


def test_english_letter_page_has_english_chrome_around_the_letter(site):
    page = site["en/letters/m0000/index.html"].decode()
    assert '<a class="tag" href="/en/letters/types/consultation/">Consultation</a>' in page
    assert ('<a class="tag" href="/en/letters/categories/urban-rural/">Urban and rural '
            'development</a>') in page     # a known category, linked to its board
    assert '<h1 lang="zh-CN">主题</h1>' in page and '<p lang="zh-CN">正文</p>' in page
    assert '<span lang="zh-CN">王**</span>' in page
    assert ">Reply from the Housing and Urban-Rural Development Bureau</h2>" in page
    assert 'href="/en/departments/housing/"' in page and 'href="/en/letters/2026/11/"' in page
    assert "Letters published in November 2026" in page
    other = site["en/letters/m0001/index.html"].decode()
    # an unknown category: as written
    assert '<span class="tag"><span lang="zh-CN">其他</span></span>' in other
    assert "<dd>Anonymous</dd>" in site["en/letters/m0002/index.html"].decode()
    assert "<dd>匿名</dd>" in site["letters/m0002/index.html"].decode()


def test_english_listings_link_to_english_pages(site):
    for path in ("en/index.html", "en/letters/index.html", "en/letters/2026/11/index.html",
                 "en/departments/housing/index.html", "en/league/index.html"):
        page = site[path].decode()
        main = page.split('<main', 1)[1].split("</main>", 1)[0]
        local = re.findall(r'href="(/[^"]*)"', main)
        assert local, path
        outside = [h for h in local
                   if not h.startswith("/en/") and not h.startswith(("/data/", "/feeds/"))]
        assert outside == [], path


def test_english_league_and_month_labels(site):
    league = site["en/league/index.html"].decode()
    assert "<caption>League table: November 2026</caption>" in league
    assert "<caption>League table: All time</caption>" in league
    assert 'href="/en/league/2026-Q4/">Q4 2026</a>' in league
    assert "100 × (0.6 × efficiency + 0.4 × quality)" in league
    assert '<th scope="row"><a href="/en/departments/housing/">Housing and Urban-Rural ' \
           'Development Bureau</a></th>' in league
    page2 = site["en/letters/2026/11/page/2/index.html"].decode()
    assert "<h1>Letters published in November 2026<small>page 2</small></h1>" in page2
    assert '<a rel="prev" href="/en/letters/2026/11/">Previous page</a>' in page2


def test_forms_in_english_use_english_labels(site):
    write = site["en/write/index.html"].decode()
    assert '<label for="w-type-complaint">Complaint</label>' in write
    assert '<option value="housing">Housing and Urban-Rural Development Bureau</option>' in write
    assert 'id="w-track-link" href="/en/track/"' in write
    track = site["en/track/index.html"].decode()
    assert '<label for="r-basically-satisfied">Basically satisfied</label>' in track
    staff = site["en/staff/index.html"].decode()
    assert '<option value="transfer_requested">Sent back for re-dispatch</option>' in staff
    assert '<option value="red">Red</option>' in staff


@pytest.mark.parametrize("path", ["en/letters/m0000/index.html", "en/index.html",
                                  "en/departments/housing/index.html", "en/league/index.html"])
def test_no_personal_data_in_english_pages(site, path):
    page = site[path].decode()
    for private in ("王小明", "13812345678", "w@example.com", "WZM0000"):
        assert private not in page


def test_notice_in_english_when_the_front_matter_has_it(content):
    renderer = Renderer(FakeStore(), content)
    files = dict(renderer.render(("notice", "privacy")))
    page = files["en/notices/privacy/index.html"].decode()
    assert "<h1>How letters are published and personal data protected</h1>" in page
    assert '<span lang="zh-CN">关于来信选登和个人信息保护的说明</span>' in page
    assert "Personal Information Protection Law" in page and "Chinese only" not in page
    zh = files["notices/privacy/index.html"].decode()
    assert "Personal Information Protection Law" not in zh
    assert '<span lang="en">How letters are published and personal data protected</span>' in zh


def test_notice_without_english_shows_the_chinese_with_a_note(content):
    bare = dataclasses.replace(content, notices=tuple(
        dataclasses.replace(n, title_en=None, summary_en=None, html_en=None)
        for n in content.notices))
    renderer = Renderer(FakeStore(), bare)
    page = dict(renderer.render(("notice", "privacy")))["en/notices/privacy/index.html"].decode()
    assert '<h1 lang="zh-CN">关于来信选登和个人信息保护的说明</h1>' in page
    assert "This notice is published in Chinese only." in page
    assert '<div class="prose" lang="zh-CN">' in page
    listing = dict(renderer.render(("notices",)))["en/notices/index.html"].decode()
    assert ('<a href="/en/notices/privacy/" lang="zh-CN">关于来信选登和个人信息保护的说明</a>'
            in listing)


def test_both_languages_render_from_one_read_of_the_store(content):
    store = FakeStore()
    month_of_letters(store, cst(2026, 11, 1, 8), 3)
    store.calls.clear()
    outputs = Renderer(store, content).render(("letter", "m0001"))
    assert [p for p, _ in outputs] == ["letters/m0001/index.html", "en/letters/m0001/index.html"]
    assert store.calls == ["get_letter"]


@pytest.mark.parametrize("month, lang, text", [
    ("2026-11", "zh", "2026年11月"), ("2026-11", "en", "November 2026"),
    ("2026-01", "en", "January 2026"),
])
def test_month_labels(month, lang, text):
    assert i18n.month_label(month, lang) == text


@pytest.mark.parametrize("period, zh, en", [
    ("all", "累计", "All time"), ("2026", "2026年", "2026"),
    ("2026-Q4", "2026年第4季度", "Q4 2026"),
    ("2026-03", "2026年3月", "March 2026"),
])
def test_period_labels(period, zh, en):
    assert i18n.period_label(period, "zh") == zh and i18n.period_label(period, "en") == en


def test_every_category_has_an_english_name():
    from publisher.content import CATEGORIES
    assert set(i18n.CATEGORIES_EN) == set(CATEGORIES)
