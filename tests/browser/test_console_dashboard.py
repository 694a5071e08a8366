"""The office's supervision dashboard in the staff console: counts by light and department as a
table, the queues as links that set the inbox filters, the red letters; in both languages and
passing axe (WCAG 2.1 AA) once it is filled."""
from __future__ import annotations

import pytest
from browserkit import AXE, at_server_time, axe_problems, need
from test_letter_loop import login


def test_the_office_sees_the_dashboard_and_its_links_filter_the_inbox(server, page):
    base = server.base
    login(page, base, "demo-office")
    page.wait_for_selector("#dashboard-section", state="visible")
    page.wait_for_selector("#dashboard-body tr")
    # the table: one row per department with letters being handled, totals in the footer
    rows = page.locator("#dashboard-body tr")
    assert rows.count() >= 1
    foot = page.inner_text("#dashboard-foot")
    assert foot.startswith("合计")
    # the re-do queue link sets both filters of API.md's office queue
    page.click("#dashboard-queues a[href='#/?status=replied&rating=unsatisfied']")
    page.wait_for_function("document.getElementById('inbox-status').textContent.length > 0 &&"
                           " !/正在加载/.test(document.getElementById('inbox-status').textContent)")
    assert page.input_value("#f-status") == "replied"
    assert page.input_value("#f-rating") == "unsatisfied"
    assert page.url.endswith("#/?status=replied&rating=unsatisfied")
    page.click("#dashboard-queues a[href='#/?status=extension_requested']")
    # the hash changes at once, the hashchange event (which applies the filters) a task later
    page.wait_for_function("location.hash === '#/?status=extension_requested' &&"
                           " document.getElementById('f-status').value === 'extension_requested'")
    assert page.input_value("#f-status") == "extension_requested"
    assert page.input_value("#f-rating") == ""
    # a count in the table filters by light and department (and clears the status)
    link = page.locator("#dashboard-body a").first
    href = link.get_attribute("href")
    link.click()
    page.wait_for_function(f"location.hash === {href!r} &&"
                           " document.getElementById('f-department').value !== ''")
    assert page.input_value("#f-status") == ""
    assert page.input_value("#f-department") and page.input_value("#f-department") in href
    page.wait_for_selector("#inbox-body tr")
    assert page.js_errors == []


def test_the_dashboard_counts_requests_refused_as_abuse(server, page):
    """A bot's letter (the honeypot filled) shows in the office's abuse table, per kind."""
    import json
    import urllib.error
    import urllib.request
    body = json.dumps({"type": "suggestion", "subject": "机器人", "body": "机器人来信",
                       "website": "http://spam.example/"}).encode()
    req = urllib.request.Request(server.base + "/api/letters", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        urllib.request.urlopen(req, timeout=10)
        raise AssertionError("a filled honeypot was accepted")
    except urllib.error.HTTPError as err:
        assert err.code == 400
    login(page, server.base, "demo-office")
    page.wait_for_selector("#abuse-body tr")
    kinds = page.locator("#abuse-body tr")
    assert kinds.count() == 9          # abuse.KINDS, with "secret" (new passwords), "suggest"
    row = page.locator("#abuse-body tr[data-kind='honeypot']")
    assert row.locator("th").inner_text() == "疑似机器提交（隐藏字段）"
    today, week, fortnight = (int(x) for x in row.locator("td").all_inner_texts())
    assert today >= 1 and week >= today and fortnight >= week
    assert page.js_errors == []


def test_a_clerk_sees_no_dashboard(server, page):
    login(page, server.base, "demo-clerk")
    page.wait_for_selector("#inbox-section", state="visible")
    assert page.is_hidden("#dashboard-section")


@pytest.mark.parametrize("path, lang", [("/staff/", "zh-CN"), ("/en/staff/", "en")])
def test_the_filled_dashboard_passes_axe(server, browser, path, lang):
    need(AXE, "axe-core")
    context = browser.new_context(viewport={"width": 390, "height": 900}, locale=lang)
    page = at_server_time(context.new_page())
    page.goto(server.base + path)
    page.fill("#s-username", "demo-office")
    page.fill("#s-password", "demo")
    page.click("#s-login-submit")
    page.wait_for_selector("#dashboard-body tr")
    page.wait_for_selector("#inbox-body tr")
    if lang == "en":
        assert page.inner_text("#dashboard-title") == "Supervision dashboard"
        assert "To dispatch" in page.inner_text("#dashboard-queues")
    problems = axe_problems(page, "dashboard")
    context.close()
    assert problems == []
