"""The built demo site as a citizen and a checker see it: valid HTML (Nu checker), WCAG 2.1 AA
(axe-core in Chromium), and not one piece of personal data in any published file."""
from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browserkit import AXE, VNU, at_server_time, axe_problems, need

from chalicelib.domain.privacy import find_personal_data

DEMO_NAMES = ["王建国", "李娜", "张伟", "刘芳", "陈静"]


def site_files(server) -> list[Path]:
    return sorted(p for p in (server.data / "site").rglob("*") if p.is_file())


def sample_pages(server) -> list[str]:
    site = server.data / "site"
    letter = next(p for p in sorted((site / "letters").iterdir())
                  if re.fullmatch(r"[0-9a-z]{10}", p.name))
    month = next(sorted((site / "letters").glob("20*/*/index.html")).__iter__())
    department = next(sorted((site / "departments").glob("*/index.html")).__iter__())
    notice = next(sorted((site / "notices").glob("*/index.html")).__iter__())
    rel = lambda p: "/" + str(p.relative_to(site)).replace("index.html", "")
    period = sorted((site / "league").glob("20*-[01][0-9]/index.html"))[-1]   # latest month
    pages = ["/", "/letters/", f"/letters/{letter.name}/", rel(month), rel(department),
             "/departments/", "/league/", rel(period), "/exposure/", rel(notice), "/notices/",
             "/write/", "/track/", "/staff/", "/search/",
             # the boards by type and by category (分类选登) and a monthly page of one
             "/letters/types/complaint/", "/letters/categories/urban-rural/",
             "/letters/types/", "/letters/categories/",
             rel(next(sorted((site / "letters" / "types").glob("*/20*/*/index.html"))
                      .__iter__())),
             # consultations: the listing, an open hearing and survey (forms), an interview
             "/consultations/", "/consultations/taxi-fares-2026/",
             "/consultations/public-transport-2026/", "/consultations/traffic-congestion-2026-11/",
             # hot topics (热点): the latest week and one week's page
             "/hot/", rel(next(sorted((site / "hot").glob("20*-W*/index.html")).__iter__()))]
    # the English site (/en/) has the same pages; notices with and without an English body
    english = ["/en" + p for p in pages] + ["/en/notices/league-rules/", "/en/notices/privacy/",
                                            "/en/404.html"]
    return pages + english


def test_every_html_page_is_valid(server):
    need(VNU, "vnu-jar")
    pages = [str(p) for p in site_files(server) if p.suffix == ".html"]
    assert len(pages) > 50
    result = subprocess.run(["java", "-jar", str(VNU), "--errors-only", *pages],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]


@pytest.mark.parametrize("width", [390, 1280])
def test_key_pages_pass_axe_wcag_21_aa(server, browser, width):
    need(AXE, "axe-core")
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = at_server_time(context.new_page())
    problems = []
    for path in sample_pages(server):
        page.goto(server.base + path)
        problems += axe_problems(page, path)
    context.close()
    assert problems == []


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def test_no_personal_data_in_any_published_file(server):
    files = site_files(server)
    assert files
    for path in files:
        if path.suffix not in (".html", ".xml", ".json", ".csv", ".txt"):
            continue
        raw = path.read_text(encoding="utf-8")
        for name in DEMO_NAMES:
            assert name not in raw, (path, name)
        assert "@example.com" not in raw, path
        assert not re.search(r"1390000\d{4}", raw), path
        parser = _Text()
        parser.feed(raw)
        found = find_personal_data(" ".join(parser.parts))
        assert found == [], (path, found)


def test_scripts_from_citizens_never_appear_raw(server):
    for path in site_files(server):
        if path.suffix in (".html", ".xml"):
            raw = path.read_text(encoding="utf-8")
            assert "<script>alert" not in raw, path


def test_the_favicon_is_served_at_the_site_root(server):
    for path in ("/favicon.ico", "/theme/favicon.svg"):
        status, body = server.get(path)
        assert status == 200 and 0 < len(body) < 2048, path
    assert server.get("/favicon.ico")[1][:4] == b"\0\0\1\0"
