"""Hot topics (热点) on the demo city's site, and the weekly report (周报) in the staff console:
the report of the week that ended last is there from the first tick, bilingual, printable."""
from __future__ import annotations

from test_letter_loop import login


def test_the_hot_page_shows_the_demo_weeks_topic_and_the_formula(server, page):
    page.goto(server.base + "/hot/")
    assert "H = n × (1 + g) + ln(1 + v)" in page.inner_text("main")
    assert page.locator(".hot-topics > li").count() >= 1
    assert "江城花园" in page.inner_text(".hot-topics")
    page.goto(server.base + "/en/hot/")
    assert "How the hot index is calculated" in page.inner_text("main")
    assert page.js_errors == []


def test_the_office_reads_and_prints_the_weekly_report(server, page):
    login(page, server.base, "demo-office")
    assert page.is_visible("#nav-reports")
    page.click("#nav-reports")
    page.wait_for_selector("#report", state="visible")
    title = page.inner_text("#report-title")
    assert "周报" in title and "-W" in title
    body = page.inner_text("#report-body")
    assert "按渠道" in body and "热点问题" in body and "江城花园" in body
    assert page.locator("#reports-weeks a").count() >= 1
    page.evaluate("window.__printed = 0; window.print = () => { window.__printed += 1; }; 0")
    page.click("#report-print")
    assert page.evaluate("window.__printed") == 1
    page.emulate_media(media="print")
    assert page.is_hidden(".wz-console-nav") and page.is_visible("#report-body")
    page.emulate_media(media="screen")
    # on a 390 px phone, in English (longer department names), nothing wider than the screen
    page.goto(server.base + "/en/staff/#/reports")
    page.set_viewport_size({"width": 390, "height": 800})
    page.wait_for_selector("#report-body table")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.js_errors == []


def test_a_clerk_has_no_reports_link(server, page):
    login(page, server.base, "demo-clerk")
    page.wait_for_selector("#inbox-section", state="visible")
    assert page.is_hidden("#nav-reports-item")
