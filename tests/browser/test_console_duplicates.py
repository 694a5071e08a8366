"""Duplicates in the console (重复件): the office sees a repeated letter's similar letters, rejects
it as a duplicate of the original from that list, and the writer's tracking page then follows
the original's progress, in Chinese and in English, without the original's writer or text."""
from __future__ import annotations

import json
import urllib.request

import pytest
from browserkit import at_server_time, serving

ORIGINAL = {"type": "complaint", "subject": "东门路灯坏了三个月", "department": None,
            "body": "小区东门的路灯坏了三个月，晚上很黑，请尽快修复。", "name": "钱原信",
            "phone": "13766665555", "email": "qian@example.com", "public": False,
            "idempotency_key": None}
REPEAT = {**ORIGINAL, "subject": "东门路灯坏了三个月了", "name": "孙重复", "phone": "13988887777",
          "email": None, "public": True, "body": "小区东门的路灯坏了三个月，晚上很黑，请尽快修复！"}


def _post(base: str, path: str, body: dict) -> dict:
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


@pytest.fixture(scope="module")
def dup_server(tmp_path_factory):
    with serving(tmp_path_factory.mktemp("dup-serve"), ready_paths=("/api/health",)) as srv:
        yield srv


def _page(browser, lang: str = "zh-CN"):
    context = browser.new_context(locale=lang, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    at_server_time(page)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return page


def _login(page, base: str, username: str) -> None:
    page.goto(base + "/staff/")
    if page.is_visible("#s-logout"):
        page.click("#s-logout")
    page.fill("#s-username", username)
    page.fill("#s-password", "demo")
    page.click("#s-login-submit")
    page.wait_for_selector("#console", state="visible")


def _track(page, base: str, prefix: str, answer: dict) -> None:
    page.goto(f"{base}{prefix}/track/?code={answer['tracking_code']}")
    page.fill("#t-secret", answer["secret"])
    page.click("#t-submit")
    page.wait_for_selector("#track-result", state="visible")


def test_reject_as_a_duplicate_in_the_console_and_the_writer_follows_the_original(
        dup_server, browser):
    base = dup_server.base
    original = _post(base, "/api/letters", ORIGINAL)
    repeat = _post(base, "/api/letters", REPEAT)
    _, departments = dup_server.json("/api/departments")

    page = _page(browser)
    _login(page, base, "demo-office")
    page.goto(f"{base}/staff/#/letters/{repeat['id']}")
    row = page.locator(f"#d-similar-body tr[data-id='{original['id']}']")
    row.wait_for(state="visible")
    assert "文字相近" in row.inner_text()
    row.locator("button").click()
    assert page.input_value("#a-reject-duplicate-of") == original["id"]
    page.fill("#a-reject-reason", "与此前来信反映同一事项，合并办理。")
    page.click("#a-reject-submit")
    page.wait_for_selector("#action-status.is-ok", timeout=10_000)
    assert original["id"] in page.inner_text("#d-duplicates")
    assert page.inner_text("#d-status").strip() == "不予受理"
    # the list stays after the action, without the pick buttons of a letter still open
    assert row.count() == 1 and row.locator("button").count() == 0

    # the original names its repeat, and the office dispatches it
    page.goto(f"{base}/staff/#/letters/{original['id']}")
    page.wait_for_selector(f"#d-duplicates a[href='#/letters/{repeat['id']}']")
    page.select_option("#a-dispatch-department", departments[0]["id"])
    page.click("#a-dispatch-submit")
    page.wait_for_selector("#action-status.is-ok", timeout=10_000)
    assert page.js_errors == []

    # the repeat's writer sees the original's progress, never its writer or its words
    citizen = _page(browser)
    _track(citizen, base, "", repeat)
    citizen.wait_for_selector("#t-merged", state="visible")
    assert citizen.inner_text("#t-merged-status").strip() == "已转办"
    assert citizen.inner_text("#t-merged-department").strip() == departments[0]["name"]
    assert "已转办" in citizen.inner_text("#t-merged-history")
    assert citizen.is_hidden("#t-merged-reply")
    shown = citizen.inner_text("#track-result")
    for private in ("钱原信", "13766665555", "qian@example.com", original["tracking_code"],
                    original["id"]):
        assert private not in shown
    assert citizen.js_errors == []

    english = _page(browser, "en-GB")
    _track(english, base, "/en", repeat)
    english.wait_for_selector("#t-merged", state="visible")
    assert "Merged with another letter" in english.inner_text("#t-merged-title")
    assert english.inner_text("#t-merged-status").strip() == "Dispatched"
    assert english.js_errors == []
