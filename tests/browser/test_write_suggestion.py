"""建议承办部门 / Suggested department on /write/ (js/suggest.js): after a pause in typing, up to
three departments from POST /api/suggest as real buttons under the department select, announced
politely, filling the select when clicked; the English twin says it in English; without
JavaScript the select stays and no box shows."""
from __future__ import annotations

import pytest
from browserkit import axe_problems

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_typing_a_subject_offers_departments_that_fill_the_select(server, page, prefix):
    page.goto(server.base + prefix + "/write/")
    page.wait_for_selector("#w-submit:not([disabled])")
    assert page.locator("#w-suggest section").is_hidden()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if r.url.endswith("/api/suggest") else None)
    page.type("#w-subject", "学校乱收补课费，家长负担重", delay=15)
    page.wait_for_selector("#w-suggest section:not([hidden])", timeout=15000)
    assert len(asked) == 1                       # one request after the pause, not one a key
    heading = "Suggested department" if prefix else "建议承办部门"
    assert page.inner_text("#w-suggest-title") == heading
    buttons = page.locator("#w-suggest li button")
    assert 1 <= buttons.count() <= 3
    assert buttons.first.get_attribute("value") == "education"
    assert buttons.first.get_attribute("type") == "button"
    assert page.get_attribute("#w-suggest [role=status]", "aria-live") == "polite"
    assert page.inner_text("#w-suggest [role=status]").strip()
    assert page.input_value("#w-department") == ""        # nothing chosen for the writer
    buttons.first.click()
    assert page.input_value("#w-department") == "education"
    assert buttons.first.get_attribute("aria-pressed") == "true"
    assert axe_problems(page, prefix + "/write/ with suggested departments") == []
    chosen = "Chosen" if prefix else "已选择"
    assert chosen in page.inner_text("#w-suggest [role=status]")
    # typing the letter asks again with the body
    page.type("#w-body", "孩子所在学校要求周末到校补课，每人收费八百元。", delay=5)
    page.wait_for_function("document.querySelectorAll('#w-suggest li').length > 0")
    page.wait_for_timeout(1200)
    assert len(asked) == 2
    assert not page.js_errors


def test_without_javascript_the_select_is_all_there_is(server, browser):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    page.goto(server.base + "/write/")
    assert page.locator("#w-department option").count() > 1
    assert page.locator("#w-suggest section").is_hidden()
    context.close()
