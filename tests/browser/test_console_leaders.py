"""The leaders in the console (js/staff_leaders.js), headless Chromium against a `wenzheng
serve` of its own: the office escalates a letter to the mayor; `demo-mayor` signs in, finds it
in the inbox and records the instruction (批示) without choosing a leader; the housing clerk
sees the instruction box at the top of the letter. Citizen text stays text."""
from __future__ import annotations

import pytest
from browserkit import at_server_time, post_json, serving

SUBJECT = "幸福里小区电梯停运<script>alert(1)</script>"


@pytest.fixture(scope="module")
def leaders_server(tmp_path_factory):
    with serving(tmp_path_factory.mktemp("leaders-serve"), ready_paths=("/api/health",)) as srv:
        yield srv


def _sign_in(browser, server, user: str):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    at_server_time(page)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda d: errors.append("dialog: " + d.message))
    page.goto(server.base + "/staff/")
    page.fill("#s-username", user)
    page.fill("#s-password", "demo")
    page.click("#s-login-submit")
    page.wait_for_selector("#console", state="visible")
    return context, page, errors


def test_escalate_instruct_and_the_clerk_sees_the_instruction(leaders_server, browser):
    status, made = post_json(leaders_server, "/api/letters", {
        "type": "help", "subject": SUBJECT, "body": "电梯停运两个月。", "department": None,
        "name": "李桂芳", "phone": None, "email": None, "public": True,
        "idempotency_key": None, "leader": None})
    assert status == 201, made
    lid = made["id"]

    context, page, errors = _sign_in(browser, leaders_server, "demo-office")
    page.goto(f"{leaders_server.base}/staff/#/letters/{lid}")
    page.wait_for_selector("#a-dispatch", state="visible")
    page.select_option("#a-dispatch-department", "housing")
    page.click("#a-dispatch-submit")
    # the escalate form shows before the dispatch too: wait until the dispatch has landed (its
    # form goes), or the escalation races the view's reload
    page.wait_for_selector("#a-dispatch", state="hidden")
    page.wait_for_selector("#a-escalate", state="visible")
    page.select_option("#a-escalate-leader", "mayor")
    page.fill("#a-escalate-note", "请市长阅示")
    page.click("#a-escalate-submit")
    page.wait_for_function("document.getElementById('d-escalations').textContent.includes('林远舟')")
    assert page.locator("#a-instruction-leader-wrap").is_visible()     # the office names one
    assert not errors, errors
    context.close()

    context, page, errors = _sign_in(browser, leaders_server, "demo-mayor")
    page.wait_for_selector(f"#inbox-body a[href='#/letters/{lid}']")
    page.goto(f"{leaders_server.base}/staff/#/letters/{lid}")
    page.wait_for_selector("#a-instruction", state="visible")
    assert not page.locator("#a-instruction-leader-wrap").is_visible()
    assert not page.locator("#a-dispatch").is_visible()
    page.fill("#a-instruction-text", "请住建局三日内协调修复。")
    page.click("#a-instruction-submit")
    page.wait_for_selector("#d-instructions", state="visible")
    assert "请住建局三日内协调修复。" in page.locator("#d-instructions").inner_text()
    assert not errors, errors
    context.close()

    context, page, errors = _sign_in(browser, leaders_server, "demo-clerk")
    page.goto(f"{leaders_server.base}/staff/#/letters/{lid}")
    page.wait_for_selector("#d-instructions", state="visible")
    box = page.locator("#d-instructions").inner_text()
    assert "请住建局三日内协调修复。" in box and "林远舟" in box
    assert "<script>" in page.locator("#d-subject").inner_text()       # shown as text
    assert not errors, errors
    context.close()
