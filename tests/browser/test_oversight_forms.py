"""效能投诉 on /write/ and 挂牌督办 in the console, in a real browser: choosing the conduct
complaint type shows the "which department, whom" fieldset (and hides the department and
publication choices), and the letter goes in; the office lists a letter from its view, the inbox
shows the badge, and the demo's listed letters are on /exposure/."""
from __future__ import annotations

import pytest
from browserkit import AXE, axe_problems, need
from test_letter_loop import login

pytestmark = pytest.mark.browser


def test_a_conduct_complaint_names_the_department_and_goes_in(server, page):
    page.goto(server.base + "/write/")
    page.wait_for_selector("#w-submit:not([disabled])")
    assert page.locator("#w-about").is_hidden()
    page.check("#w-type-efficiency")
    assert page.locator("#w-about").is_visible()
    assert page.locator("#w-department").is_hidden() and page.locator("#w-public").is_hidden()
    need(AXE, "axe-core")
    assert axe_problems(page, "/write/ with a conduct complaint") == []
    page.fill("#w-subject", "窗口工作人员态度生硬")
    page.fill("#w-body", "办理业务时工作人员不耐烦，说不清需要什么材料。")
    page.select_option("#w-about-department", "housing")
    page.fill("#w-about-person", "窗口 3 号")
    sent = []
    page.on("request", lambda r: sent.append(r.post_data_json)
            if r.url.endswith("/api/letters") and r.method == "POST" else None)
    page.click("#w-submit")
    page.wait_for_selector("#write-result:not([hidden])", timeout=15000)
    assert sent and sent[0]["about"] == {"department": "housing", "person": "窗口 3 号"}
    assert sent[0]["department"] is None and sent[0]["public"] is False
    assert not page.js_errors


def test_the_office_lists_a_letter_and_the_inbox_shows_it(server, page):
    login(page, server.base, "demo-office")
    page.goto(server.base + "/staff/#/?status=dispatched")
    page.wait_for_selector("#inbox-body tr a")
    page.locator("#inbox-body tr a").first.click()
    page.wait_for_selector("#a-supervise", state="visible")
    page.fill("#a-supervise-reason", "群众多次反映，挂牌督办")
    page.click("#a-supervise-submit")
    page.wait_for_selector("#d-listing strong")
    assert "督办中" in page.inner_text("#d-listing")
    assert page.locator("#a-supervise").is_hidden()           # listed: no second listing
    page.goto(server.base + "/staff/#/")
    page.wait_for_selector("#inbox-body .wz-badge-listed")
    assert not page.js_errors


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_exposure_board_lists_the_demo_listings(server, page, prefix):
    page.goto(server.base + prefix + "/exposure/")
    section = page.locator("section[aria-labelledby=listed-h]")
    assert section.locator("tbody tr").count() >= 2
    assert ("已逾期" if not prefix else "Yes, overdue") in section.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
