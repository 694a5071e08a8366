"""The office's dispatch form shows the model's suggestion (the staff letter's `suggested`):
category, department and score, a button that chooses the department, the categories offered
to the approve form; the dispatch it confirms records the suggestion shown beside the choice.
Both languages, at 1280 px and on a 390 px phone."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_console_public_text import call, console, open_letter, token

SUBJECT = "地铁站出口的公交接驳线路太少"
BODY = "地铁三号线星沙站出口没有公交接驳，早晚高峰打不到车，希望增加公交线路和站点。"


def submitted(server, source):
    status, answer = call(server, "POST", "/letters", {
        "type": "suggestion", "subject": SUBJECT, "body": BODY, "public": True}, source=source)
    assert status == 201, answer
    return answer["id"]


@pytest.mark.parametrize("lang,source,width", [("zh-CN", "127.0.0.31", 1280),
                                               ("en", "127.0.0.32", 390)])
def test_the_dispatch_form_offers_the_suggestion_and_the_office_confirms(
        server, browser, tmp_path, lang, source, width):
    shots = Path(os.environ.get("WENZHENG_SCREENSHOTS") or tmp_path)
    lid = submitted(server, source)
    office, _ = token(server, "demo-office")
    status, view = call(server, "GET", f"/staff/letters/{lid}", token=office)
    assert status == 200 and view["suggested"], view
    first = view["suggested"][0]

    context, page, staff = console(browser, server, lang)
    page.set_viewport_size({"width": width, "height": 900})
    open_letter(page, staff, lid)
    page.wait_for_selector("#a-dispatch-suggested", state="visible")
    items = page.locator("#a-dispatch-suggested-list li")
    assert items.count() == len(view["suggested"])
    assert first["category"] in items.first.inner_text()
    score = first["score"]
    shown = ">99%" if score >= 0.995 else "<1%" if score < 0.005 else f"{round(score * 100)}%"
    assert f"({shown})" in items.first.inner_text()
    page.select_option("#a-dispatch-department", "")
    items.first.locator("button").click()
    assert page.input_value("#a-dispatch-department") == first["department"]
    # the approve form is offered the suggested categories
    options = page.locator("#a-approve-category-suggested option")
    assert [options.nth(i).get_attribute("value") for i in range(options.count())] == \
        [s["category"] for s in view["suggested"]]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(shots / f"dispatch-suggested-{width}-{lang}.png"), full_page=True)
    page.click("#a-dispatch-submit")
    page.wait_for_function("document.getElementById('d-status').textContent.length > 0 && "
                           "document.getElementById('a-dispatch').hidden")
    assert page.js_errors == []
    context.close()

    status, after = call(server, "GET", f"/staff/letters/{lid}", token=office)
    dispatch = [e for e in after["history"] if e["action"] == "dispatch"][-1]
    assert dispatch["data"]["department"] == first["department"]
    assert dispatch["data"]["suggested"] == {"category": first["category"],
                                             "department": first["department"]}
