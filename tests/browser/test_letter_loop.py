"""A citizen writes, the office and a clerk handle it in the console, the reply is published
and rated: all through the real pages in headless Chromium against `wenzheng serve`."""
from __future__ import annotations

import re

from browserkit import at_server_time


def login(page, base, username):
    page.goto(base + "/staff/")
    if page.is_visible("#s-logout"):
        page.click("#s-logout")
    page.fill("#s-username", username)
    page.fill("#s-password", "demo")
    page.click("#s-login-submit")
    page.wait_for_selector("#console", state="visible")


def act(page, base, letter_id, form, fill=None):
    page.goto(f"{base}/staff/#/letters/{letter_id}")
    page.wait_for_selector(f"#{form}", state="visible")
    for selector, value in (fill or {}).items():
        if selector.endswith("department"):
            page.select_option(selector, value)
        else:
            page.fill(selector, value)
    page.click(f"#{form}-submit")
    page.wait_for_selector("#action-status.is-ok", timeout=10_000)


def test_write_handle_publish_read_and_rate(server, page):
    base = server.base
    _, departments = server.json("/api/departments")
    clerk_dept = departments[0]["id"]

    # a citizen writes, with personal data and markup in the text
    page.goto(base + "/")
    page.click("a[href='/write/']")
    page.check("#w-type-complaint")
    page.fill("#w-subject", "小区路灯长期不亮<script>alert(1)</script>")
    page.fill("#w-body", "我叫赵六六，电话 139 1234 5678，小区东门路灯坏了三个月。\n\n请尽快修复。")
    page.fill("#w-name", "赵六六")
    page.fill("#w-phone", "13912345678")
    page.fill("#w-email", "zhao@example.com")
    page.check("#w-public")
    page.click("#w-submit")
    page.wait_for_selector("#write-result", state="visible")
    code = page.inner_text("#w-code").strip()
    secret = page.inner_text("#w-secret").strip()
    assert re.fullmatch(r"WZ[0-9A-Z]{8}", code)
    status, view = server.json(f"/api/letters/{code}", {"X-Letter-Secret": secret})
    assert status == 200 and view["status"] == "submitted"
    letter_id = view["id"]

    # the office dispatches, the clerk signs and replies, the office approves
    login(page, base, "demo-office")
    act(page, base, letter_id, "a-dispatch", {"#a-dispatch-department": clerk_dept})
    login(page, base, "demo-clerk")
    act(page, base, letter_id, "a-sign")
    act(page, base, letter_id, "a-reply", {"#a-reply-body": "您好！东门路灯已于今日更换完毕。"})
    login(page, base, "demo-office")
    page.goto(f"{base}/staff/#/letters/{letter_id}")
    page.wait_for_selector("#a-approve", state="visible")
    page.check("#a-approve-publish")
    page.click("#a-approve-submit")
    page.wait_for_selector("#action-status.is-ok")

    # the published page appears, with the name masked and personal data redacted
    html = server.wait_for(f"/letters/{letter_id}/").decode()
    page.goto(f"{base}/letters/{letter_id}/")
    text = page.inner_text("main")
    assert "东门路灯已于今日更换完毕" in text
    assert "赵**" in text and "赵六六" not in html
    assert "139 1234 5678" not in html and "13912345678" not in html
    assert "zhao@example.com" not in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    for path in ("/", "/letters/"):
        assert letter_id in server.get(path)[1].decode()

    # the writer tracks it and rates the reply
    page.goto(f"{base}/track/?code={code}")
    page.fill("#t-secret", secret)
    page.click("#t-submit")
    page.wait_for_selector("#t-reply-body", state="visible")
    assert "东门路灯已于今日更换完毕" in page.inner_text("#t-reply-body")
    page.check("#r-satisfied")
    page.check("#r-resolved-partly")           # and whether it was solved (解决程度)
    page.click("#r-submit")
    page.wait_for_selector("#t-rating", state="visible")
    rating = server.json(f"/api/letters/{code}", {"X-Letter-Secret": secret})[1]["rating"]
    assert (rating["score"], rating["resolved"]) == ("satisfied", "partly")
    assert "部分解决" in page.inner_text("#t-rating-score")
    assert "部分解决" in page.inner_text("#t-history")       # and the history shows it
    assert page.js_errors == []


def test_pages_read_without_javascript(server, browser):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    page.goto(server.base + "/letters/")
    link = page.locator("main a[href^='/letters/']").first
    href = link.get_attribute("href")
    page.goto(server.base + href)
    assert page.locator("main p").count() >= 2
    page.goto(server.base + "/league/")
    assert page.locator("table").count() >= 1
    context.close()


def test_english_pages_speak_english_in_the_browser(server, browser):
    """The English forms take their labels and messages from <html lang="en">: API errors in
    English next to the field, links to the English pages, English labels in the tracking view
    and on the vote buttons."""
    context = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844})
    page = at_server_time(context.new_page())
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    base = server.base

    page.goto(base + "/letters/")
    page.click("a.lang-switch")
    assert page.url == base + "/en/letters/"
    assert page.get_attribute("html", "lang") == "en"

    page.goto(base + "/en/write/")
    page.check("#w-type-suggestion")
    page.fill("#w-subject", "More benches in the riverside park")
    page.fill("#w-body", "Please add benches along the riverside path.")
    page.fill("#w-phone", "not a phone")
    page.click("#w-submit")
    page.wait_for_selector("#w-phone-error:not([hidden])")
    assert page.inner_text("#w-phone-error") == "Phone number is not valid"
    assert "Phone number is not valid" in page.inner_text("#write-status")

    page.fill("#w-phone", "")
    page.click("#w-submit")
    page.wait_for_selector("#write-result", state="visible")
    code = page.inner_text("#w-code").strip()
    secret = page.inner_text("#w-secret").strip()
    assert page.get_attribute("#w-track-link", "href") == f"/en/track/?code={code}"

    page.click("#w-track-link")
    page.fill("#t-secret", secret)
    page.click("#t-submit")
    page.wait_for_selector("#track-result", state="visible")
    assert page.inner_text("#t-type") == "Suggestion"
    assert page.inner_text("#t-status") == "Submitted"
    assert page.inner_text("#t-department") == "Not yet dispatched"
    assert "Submitted" in page.inner_text("#t-history")

    page.goto(base + "/en/letters/")
    page.click("main ul.letters a >> nth=0")
    assert "/en/letters/" in page.url
    page.wait_for_selector("button.vote-up")
    assert page.inner_text("button.vote-up") == "Up"
    assert page.get_attribute("button.vote-down", "aria-label") == \
        "Down (disagree with this reply)"
    assert errors == []
    context.close()

    # a missing English page gets the English "not found" page
    status, body = server.get("/en/no-such-page/")
    assert status == 404 and b'<html lang="en">' in body and b"Page not found" in body
    status, body = server.get("/no-such-page/")
    assert status == 404 and b'<html lang="zh-CN">' in body
