"""Rendering: the published files' shapes, and what templates may and may not see."""
from __future__ import annotations

import csv
import gzip
import io
import json

import pytest
from fake_store import FakeStore, month_of_letters, published_letter

from fakes import cst
from publisher import render as R
from publisher.build import full_build
from publisher.families.fixed import form_context
from publisher.render import Renderer
from publisher.sinks import MemorySink

API_COLUMNS = ["department", "received", "replied", "reply_rate", "replied_on_time", "overdue",
               "rated", "satisfied", "basically_satisfied", "unsatisfied", "satisfaction_rate",
               "score", "rank"]


@pytest.fixture
def figures_store() -> FakeStore:
    store = FakeStore()
    housing = {"received": 10, "signed": 10, "signed_on_time": 9, "replied": 8,
               "replied_on_time": 6, "rated": 5, "satisfied": 3, "basically_satisfied": 1,
               "unsatisfied": 1, "reply_wd_x100": 2400}
    transport = {"received": 6, "signed": 6, "signed_on_time": 6, "replied": 6,
                 "replied_on_time": 6, "rated": 3, "satisfied": 3}
    for period in ("2026-10", "2026-Q4", "2026", "all"):
        store.stats_rows[period] = {"housing": dict(housing), "transport": dict(transport)}
    store.stats_rows["2025"] = {"housing": {"received": 1}}
    return store


def test_league_data_has_the_api_columns_for_every_department(figures_store, content):
    files = dict(Renderer(figures_store, content).render(("league_data", "2026-Q4")))
    doc = json.loads(files["data/league-2026-Q4.json"])
    assert doc["period"] == "2026-Q4"
    rows = doc["rows"]
    assert [r["department"] for r in rows][:2] == ["transport", "housing"]    # ranked by score
    assert {r["department"] for r in rows} == set(content.department_ids())
    for row in rows:
        assert set(API_COLUMNS) <= set(row)
    housing = next(r for r in rows if r["department"] == "housing")
    assert housing["reply_rate"] == 0.8 and housing["satisfaction_rate"] == 0.8
    # efficiency 0.25 * 0.9 + 0.35 * 0.75 + 0.2 * 0.8 + 0.2 * 1 = 0.8475; quality 0.2 + 0.2
    # + 0.3 * 0.8 + 0.3 * 0.6 = 0.82; score 100 * (0.6 * 0.8475 + 0.4 * 0.82) = 83.65 -> 83.7
    # (transport: 100.0)
    assert housing["score"] == 83.7 and housing["rank"] == 2
    assert next(r for r in rows if r["department"] == "water")["rank"] is None
    table = list(csv.DictReader(io.StringIO(files["data/league-2026-Q4.csv"].decode())))
    assert [r["department"] for r in table] == [r["department"] for r in rows]
    assert table[1]["reply_rate"] == "0.8" and table[-1]["rank"] == ""


def test_league_page_shows_the_latest_periods_with_data_and_the_formula(figures_store, content):
    (path, data), _en = Renderer(figures_store, content).render(("league",))
    page = data.decode()
    assert path == "league/index.html"
    for caption in ("2026年10月排行榜", "2026年排行榜", "累计排行榜"):
        assert f"<caption>{caption}</caption>" in page
    assert "2025年排行榜</caption>" not in page
    assert 'href="/league/2025/"' in page                  # past periods stay reachable
    assert "100 × (0.6 × 办理效率 + 0.4 × 办理质量)" in page
    assert "(满意 + 基本满意) ÷ 评价件数" in page
    assert '<th scope="col">满意率</th>' in page


def test_department_page_depends_only_on_its_own_figures(figures_store, content):
    renderer = Renderer(figures_store, content)
    before = renderer.render(("department", "housing"))
    figures_store.stats_rows["2026-10"]["transport"]["received"] = 99   # another department
    assert Renderer(figures_store, content).render(("department", "housing")) == before
    page = before[0][1].decode()
    assert "<th scope=\"col\">2026年10月</th>" in page and "<th scope=\"col\">累计</th>" in page


def test_feed_updated_is_the_newest_entry_not_the_build_time(content):
    store = FakeStore()
    month_of_letters(store, cst(2026, 11, 1, 8), 3)
    (path, data), = Renderer(store, content).render(("feed",))
    feed = data.decode()
    assert path == "feeds/all.atom.xml"
    assert feed.count("<entry>") == 3
    assert "<updated>2026-11-01T10:00:00+08:00</updated>" in feed.split("<entry>")[0]
    (_, empty), = Renderer(FakeStore(), content).render(("dept_feed", "water"))
    assert f"<updated>{R.EMPTY_FEED_UPDATED}</updated>" in empty.decode()


def test_feed_escapes_citizen_text_twice_in_html_content(content):
    store = FakeStore()
    store.add(published_letter("x1", cst(2026, 11, 3, 9), subject="<script>alert(1)</script>"))
    store.letters["x1"].publication.body = ["a<b>c</b>"]
    (_, data), = Renderer(store, content).render(("feed",))
    feed = data.decode()
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>" in feed
    assert "&lt;p&gt;a&amp;lt;b&amp;gt;c&amp;lt;/b&amp;gt;&lt;/p&gt;" in feed


def test_templates_see_only_the_public_version(content):
    store = FakeStore()
    letter = store.add(published_letter("p1", cst(2026, 11, 3, 9)))
    view = Renderer(store, content).letter_view(letter)
    assert "phone" not in view and "email" not in view and "tracking_code" not in view
    assert view["name"] == "王**"
    (_, page), _en = Renderer(store, content).render(("letter", "p1"))
    text = page.decode()
    for private in ("王小明", "13812345678", "w@example.com", "WZP1"):
        assert private not in text


def test_form_pages_get_departments_and_letter_types(content):
    ctx = form_context(Renderer(FakeStore(), content))
    assert ctx["departments"][0] == {"id": "housing", "name": "市住房和城乡建设局",
                                     "name_en": "Housing and Urban-Rural Development Bureau"}
    assert {"code": "complaint", "zh": "投诉", "en": "Complaint"} in ctx["letter_types"]
    for key in (("write",), ("track",), ("staff",)):
        (path, data), _en = Renderer(FakeStore(), content).render(key)
        assert path == f"{key[0]}/index.html" and data.startswith(b"<!doctype html>")


def test_letter_page_with_css_fits_the_first_round_trip(content):
    store = FakeStore()
    letter = store.add(published_letter("big1", cst(2026, 11, 3, 9), subject="长" * 60))
    letter.publication.body = ["来信内容很长。" * 40] * 6
    letter.publication.reply = ["答复内容很长。" * 40] * 6
    renderer = Renderer(store, content)
    css = dict(renderer.render(("static",)))["theme/css/site.css"]
    assert len(css) < 8 * 1024
    for path, page in renderer.render(("letter", "big1")):      # zh-CN and English
        assert len(gzip.compress(page, 9)) + len(gzip.compress(css, 9)) <= 14 * 1024, path


def test_static_assets_are_copied_and_versioned_by_content(content):
    renderer = Renderer(FakeStore(), content)
    files = dict(renderer.render(("static",)))
    assert "theme/css/site.css" in files
    (_, home), _en = renderer.render(("home",))
    import hashlib
    version = hashlib.sha256(files["theme/css/site.css"]).hexdigest()[:10]
    assert f'href="/theme/css/site.css?v={version}"'.encode() in home


def test_robots_and_sitemaps_point_at_the_base_url(content):
    store = FakeStore()
    month_of_letters(store, cst(2026, 11, 1, 8), 51)
    sink = MemorySink()
    full_build(store, content, sink)
    base = content.site.base_url
    assert f"Sitemap: {base}/sitemap.xml".encode() in sink.files["robots.txt"]
    index = sink.files["sitemap.xml"].decode()
    for name in ("pages.xml", "letters-2026-11.xml", "letters-2026-11-2.xml"):
        assert f"<loc>{base}/sitemaps/{name}</loc>" in index
    letters = sink.files["sitemaps/letters-2026-11-2.xml"].decode()
    # page 2 itself and its one letter, each in zh-CN and English, naming each other
    assert letters.count("<url>") == 4
    assert f"<loc>{base}/letters/2026/11/page/2/</loc>" in letters
    assert f"<loc>{base}/en/letters/2026/11/page/2/</loc>" in letters
    assert (f'<xhtml:link rel="alternate" hreflang="en" href="{base}/en/letters/2026/11/page/2/"/>'
            in letters)
    pages = sink.files["sitemaps/pages.xml"].decode()
    assert f"<loc>{base}/en/league/</loc>" in pages and f"<loc>{base}/league/</loc>" in pages
    assert "Disallow: /en/staff/" in sink.files["robots.txt"].decode()


def test_month_pages_link_only_to_neighbours(content):
    store = FakeStore()
    month_of_letters(store, cst(2026, 11, 1, 8), 101)
    renderer = Renderer(store, content)
    (_, p1), _en = renderer.render(("month", "2026-11", 1))
    (_, p2), _en = renderer.render(("month", "2026-11", 2))
    (_, p3), _en = renderer.render(("month", "2026-11", 3))
    assert b'rel="prev"' not in p1 and b'href="/letters/2026/11/page/2/"' in p1
    assert b'href="/letters/2026/11/"' in p2 and b'href="/letters/2026/11/page/3/"' in p2
    assert b'rel="next"' not in p3 and b'<ol class="letters" start="101">' in p3
    assert renderer.render(("month", "2026-11", 4)) == []


def test_notices_are_rendered_from_markdown(content):
    renderer = Renderer(FakeStore(), content)
    (path, data), _en = renderer.render(("notice", "league-rules"))
    assert path == "notices/league-rules/index.html"
    assert "<h2>计分办法</h2>" in data.decode()
    (_, listing), _en = renderer.render(("notices",))
    assert listing.decode().index("league-rules") < listing.decode().index("platform-launch")


def test_literal_language_choices_compile_to_constants_with_the_same_output():
    """`t("中文", "English")` and `u("/path/")` with literal arguments are folded at compile time
    (render.FoldLanguage); any other call still goes to the globals, and the output is the same
    in both languages, escaping included."""
    env = R.environment(str(R.default_theme_dir().resolve()))
    source = ('{{ t("问&答", "Q&A") }}|{{ u("/letters/") }}|{{ t(word, "b") }}|'
              '{{ d.t("k", "v") }}|{{ t("甲", "A") ~ "!" }}|{{ u(path) }}')
    tpl = env.from_string(source)
    common = {"word": "<a>", "d": {"t": lambda a, b: a + b}, "path": "/x/"}
    assert tpl.render(lang="zh", en=False, **common) == "问&amp;答|/letters/|&lt;a&gt;|kv|甲!|/x/"
    assert tpl.render(lang="en", en=True, **common) == "Q&amp;A|/en/letters/|b|kv|A!|/en/x/"
    folded = env.compile('{{ t("甲", "A") }}{{ u("/x/") }}', raw=True)
    assert "resolve('t')" not in folded and "resolve('u')" not in folded
    # any other call is the same helper as a filter: called directly, not by Context.call
    other = env.compile("{{ t(a, 'A') }}", raw=True)
    assert "context.call" not in other and "t_1(context, " in other


def test_helper_calls_compile_as_filters_with_the_same_output():
    """FoldLanguage's other rewrites: `t(a, b)`, `u(x)`, `label(x)` with expressions (nested,
    filtered, with keyword arguments) become filter calls, and `asset("…")` its versioned
    address; the output in both languages is what the globals give."""
    env = R.environment(str(R.default_theme_dir().resolve()))
    source = ('{{ t(x ~ "甲", "A" ~ (m | month_label)) }}|{{ u(p) }}|{{ label(s) }}|'
              '{{ t(t("内", "in") ~ y, u(p ~ "z/")) }}|{{ rate_cell(row, "r", label="L") }}|'
              "{{ asset('css/site.css') }}|{% set c = t(x, y) %}{{ c }}|"
              "{{ [t(x, y), u(p)] | join(',') }}")
    row = {"r": 0.5, "r_low": None}
    common = {"x": "<x>", "y": "<y>", "m": "2026-11", "p": "/letters/", "s": "satisfied",
              "row": row}
    asset = env.globals["asset"]("css/site.css")
    assert "?v=" in asset
    assert env.from_string(source).render(lang="zh", en=False, **common) == (
        f"&lt;x&gt;甲|/letters/|满意|内&lt;y&gt;|<td data-label=\"L\">50.0%</td>|{asset}|&lt;x&gt;|"
        "&lt;x&gt;,/letters/")
    assert env.from_string(source).render(lang="en", en=True, **common) == (
        "ANovember 2026|/en/letters/|Satisfied|/en/letters/z/|<td data-label=\"L\">50.0%</td>|"
        f"{asset}|&lt;y&gt;|&lt;y&gt;,/en/letters/")
    compiled = env.compile(source, raw=True)
    assert "context.call" not in compiled and "resolve('asset')" not in compiled


def test_department_page_shows_the_current_month_even_without_letters_in_it(figures_store,
                                                                             content):
    # housing's last letters came in October; transport had one in November
    for period in ("2026-11", "2026-Q4", "2026", "all"):
        figures_store.stats_rows.setdefault(period, {})["transport"] = {"received": 1}
    (_, zh), (_, en) = Renderer(figures_store, content).render(("department", "housing"))
    page = zh.decode()
    heads = page.split("<tbody>")[0]
    assert '<th scope="col">2026年11月</th><th scope="col">2026年</th>' in heads
    assert "2026年10月</th>" not in heads
    received = page.split('<th scope="row">受理</th>')[1].split("</tr>")[0]
    assert received == "<td>0</td><td>10</td><td>10</td>"      # nothing yet this month
    assert "截至2026年11月" in page                               # the 12-month trend too
    assert '<th scope="col">November 2026</th>' in en.decode()


def test_the_site_has_a_small_favicon_every_page_links(content):
    sink = MemorySink()
    full_build(FakeStore(), content, sink)
    ico = sink.files["favicon.ico"]
    assert ico[:4] == b"\0\0\1\0" and len(ico) < 2048          # an ICO, and a small one
    svg = sink.files["theme/favicon.svg"]
    assert svg.startswith(b"<svg") and len(svg) < 1024
    for path in ("index.html", "en/index.html", "404.html", "write/index.html"):
        assert b'<link rel="icon" href="/theme/favicon.svg?v=' in sink.files[path], path
