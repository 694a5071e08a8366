"""Issue 15, items 8 and 9 in a real browser against `wenzheng serve` (the demo city): 顶/踩 on
a published hearing comment updates its count without a reload, and a suggestion sent through
the open winter drive's page is a letter counted in the drive's tally after the rebuild."""
from __future__ import annotations

import json
import time

from playwright.sync_api import expect

HEARING = "/consultations/taxi-fares-2026/"
DRIVE = "/consultations/winter-services-2026/"


def test_a_vote_on_a_comment_updates_its_count_without_a_reload(server, page):
    page.goto(server.base + HEARING)
    box = page.locator(".comment-votes").first
    box.locator("button.vote-up").wait_for()
    before = int(box.locator('[data-count="up"]').inner_text())
    page.evaluate("window.__same_page = true")
    box.locator("button.vote-up").click()
    # "正在提交……" first, then the answer: wait for the answer, not for any text
    expect(box.locator(".vote-status")).to_contain_text("谢谢", timeout=15_000)
    assert int(box.locator('[data-count="up"]').inner_text()) == before + 1
    assert page.evaluate("window.__same_page") is True       # no reload happened
    assert box.locator("button.vote-up").get_attribute("aria-pressed") == "true"
    assert page.js_errors == []


def test_a_suggestion_sent_through_the_drive_page_counts_in_its_tally(server, page):
    _, before = server.get("/data/topics/winter-services-2026.json")
    received = json.loads(before)["drive"]["received"]
    page.goto(server.base + DRIVE)
    page.wait_for_selector("#w-submit:not([disabled])")
    assert page.is_checked("#w-type-suggestion")
    page.fill("#w-subject", "建议在主干道设置融雪剂存放点")
    page.fill("#w-body", "下雪时主干道结冰严重，建议提前在路口设置融雪剂存放点。")
    page.click("#w-submit")
    page.wait_for_selector("#write-result:not([hidden])")
    assert page.inner_text("#w-code").startswith("WZ")
    end = time.monotonic() + 20
    while time.monotonic() < end:
        _, body = server.get("/data/topics/winter-services-2026.json")
        if json.loads(body)["drive"]["received"] == received + 1:
            break
        time.sleep(0.3)
    else:
        raise AssertionError("the drive's tally did not count the suggestion")
    assert page.js_errors == []


def test_the_drive_page_reads_without_javascript(server, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390,
                                                                        "height": 844})
    pg = context.new_page()
    pg.goto(server.base + "/en" + DRIVE)
    assert "The drive in figures" in pg.inner_text("main")
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390
    pg.goto(server.base + "/consultations/citizen-month-2026-07/")
    assert "已采纳" in pg.inner_text("main")
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
