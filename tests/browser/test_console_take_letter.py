"""登记来电来信 in the staff console (issue 15, item 1): the demo operator's console is only the
form; a phone letter saved there shows its code and password once, the writer can track it with
them, and the office has the form beside its inbox. Passes axe (WCAG 2.1 AA) at 390 px."""
from __future__ import annotations

import json
import urllib.request

from browserkit import AXE, axe_problems, need
from test_letter_loop import login


def test_an_operator_takes_a_phone_letter_and_reads_out_its_code(server, page):
    base = server.base
    login(page, base, "demo-operator")
    page.wait_for_selector("#take-section", state="visible")
    # only the form: no inbox, no dashboard, no letters link
    assert page.is_hidden("#inbox-section") and page.is_hidden("#dashboard-section")
    assert page.is_hidden("#nav-letters-item") and page.is_visible("#nav-take")
    assert page.input_value("#k-received")          # now, by default
    # nothing chosen: the API's refusal shows on the form, which stays
    page.click("#k-submit")
    page.wait_for_function("document.getElementById('take-status').textContent.length > 0 &&"
                           " !/正在登记/.test(document.getElementById('take-status').textContent)")
    assert page.is_visible("#take-form") and page.is_hidden("#take-result")
    page.select_option("#k-channel", "phone")
    page.select_option("#k-type", "help")
    page.fill("#k-subject", "来电反映小区路灯不亮")
    page.fill("#k-body", "来电人说小区东门路灯坏了一周，晚上很黑。")
    page.fill("#k-name", "周先生")
    page.fill("#k-phone", "010-66668888")             # a landline: no SMS can go there
    page.click("#k-submit")
    page.wait_for_selector("#take-result", state="visible")
    code, secret = page.inner_text("#k-code"), page.inner_text("#k-secret")
    assert code.startswith("WZ") and len(secret) >= 20
    assert "当场告知" in page.inner_text("#k-sent")
    assert code in page.inner_text("#taken-list")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    page.screenshot(path="/tmp/wt-channels-take-letter.png", full_page=True)
    need(AXE, "axe-core")
    assert axe_problems(page, "take") == []
    # the writer tracks it with the code and password read out
    req = urllib.request.Request(f"{base}/api/letters/{code}",
                                 headers={"X-Letter-Secret": secret})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert json.loads(resp.read())["status"] == "submitted"
    # the next letter starts from an empty form
    page.click("#k-again")
    assert page.is_visible("#take-form") and page.input_value("#k-subject") == ""
    assert page.js_errors == []


def test_the_office_has_the_form_beside_its_inbox(server, page):
    login(page, server.base, "demo-office")
    page.wait_for_selector("#inbox-section", state="visible")
    assert page.is_visible("#nav-take") and page.is_visible("#nav-letters")
    page.click("#nav-take")
    page.wait_for_selector("#take-section", state="visible")
    assert page.is_hidden("#inbox-section")
    page.click("#nav-letters")
    page.wait_for_selector("#inbox-section", state="visible")
    assert page.is_hidden("#take-section")
    assert page.js_errors == []
