"""The write form's honeypot: invisible to people (off screen, out of the tab order, hidden from
assistive technology), and a bot that fills it is refused by the API with nothing stored."""
from __future__ import annotations

import re


def test_the_honeypot_is_hidden_from_people_and_filling_it_is_refused(server, page):
    page.goto(server.base + "/write/")
    field = page.locator("#w-website")
    assert field.get_attribute("tabindex") == "-1"
    assert field.get_attribute("autocomplete") == "off"
    assert page.locator(".wz-hp").get_attribute("aria-hidden") == "true"
    box = field.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 0          # off screen
    # not in the accessibility tree, and never reached with the keyboard
    tree = page.locator("#write-form").aria_snapshot()
    assert "请勿填写" not in tree and "website" not in tree
    page.focus("#w-email")
    for _ in range(6):
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") != "w-website"

    # a bot fills every field, the hidden one too
    page.check("#w-type-suggestion")
    page.fill("#w-subject", "蜜罐测试")
    page.fill("#w-body", "机器人填写的来信。")
    page.evaluate("document.getElementById('w-website').value = 'http://spam.example/'")
    page.click("#w-submit")
    status = page.locator("#write-status")
    status.filter(has_text=re.compile("未被接受")).wait_for(timeout=10_000)
    assert page.locator("#write-result").is_hidden()
