"""The console's interview programme against the demo city: the office classifies a question
of an interview (a demand becomes a letter, linked from the question); an evaluator (demo-deputy)
sees the sessions and revises its scores; /interviews/ reads without JavaScript, fits 390 px and
passes axe in both languages."""
from __future__ import annotations

from browserkit import AXE, axe_problems, need
from test_console_consultations import api, token
from test_letter_loop import login

INTERVIEW = "traffic-congestion-2026-11"


def _questions(server) -> list[dict]:
    code, rows = api(server, "GET", f"/api/staff/comments?topic={INTERVIEW}",
                     token=token(server))
    assert code == 200, rows
    return [c for c in rows if c["status"] != "rejected"]


def test_the_office_classifies_a_question(page, server):
    # a suggestion judged (a demand made a letter is the API tests' and the demo's: a letter
    # here would change the inbox the other browser tests read)
    target = next(c for c in _questions(server) if not c.get("classification"))
    login(page, server.base, "demo-office")
    page.goto(f"{server.base}/staff/#/topics/{INTERVIEW}")
    item = f"#iq-{target['id']}"
    page.wait_for_selector(f"{item} .wz-classify select", state="visible")
    assert page.is_hidden(f"#cl-{target['id']}-verdict")
    page.select_option(f"#cl-{target['id']}-kind", "demand")
    assert page.is_visible(f"#cl-{target['id']}-letter")
    page.select_option(f"#cl-{target['id']}-kind", "suggestion")
    assert page.is_hidden(f"#cl-{target['id']}-letter")
    page.click(f"{item} .wz-classify button[type=submit]")       # no verdict: 400, shown
    page.wait_for_selector(f"#cl-{target['id']}-verdict-error", state="visible")
    page.select_option(f"#cl-{target['id']}-verdict", "typical")
    page.click(f"{item} .wz-classify button[type=submit]")
    page.wait_for_function(
        "sel => ((document.querySelector(sel + ' .wz-classify .wz-meta') || {}).textContent"
        " || '').indexOf('典型案例') >= 0", arg=item)
    stored = next(c for c in _questions(server) if c["id"] == target["id"])
    assert stored["classification"]["kind"] == "suggestion"
    assert stored["classification"]["verdict"] == "typical" and not stored["letter_id"]


def test_an_evaluator_scores_a_session(page, server):
    login(page, server.base, "demo-deputy")
    page.wait_for_selector("#evaluations-section", state="visible")
    assert page.is_hidden("#inbox-section")
    form = f"#ev-{INTERVIEW} form"
    page.wait_for_selector(form, state="visible")
    for select in page.query_selector_all(f"{form} select"):
        select.select_option("4")
    page.fill(f"#ev-{INTERVIEW}-comment", "嘉宾准备充分")
    page.click(f"{form} button[type=submit]")
    page.wait_for_function(
        "id => (document.querySelector('#ev-' + id + ' .form-status') || {}).textContent"
        " === '评分已保存。'", arg=INTERVIEW)
    need(AXE, "axe-core")
    assert not axe_problems(page, "evaluator console")


def test_the_programme_page_without_javascript_at_phone_width(browser, server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                  java_script_enabled=False)
    page = context.new_page()
    try:
        for path in ("/interviews/", "/en/interviews/"):
            page.goto(server.base + path)
            assert page.is_visible("table")
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        page.goto(server.base + "/interviews/")
        assert "每周一期" in page.content()
    finally:
        context.close()


def test_the_programme_page_passes_axe(page, server):
    need(AXE, "axe-core")
    problems: list[str] = []
    for path in ("/interviews/", "/en/interviews/", f"/consultations/{INTERVIEW}/"):
        page.goto(server.base + path)
        problems += axe_problems(page, path)
    assert not problems, "\n".join(problems)
