"""A citizen comments on the demo city's open hearing and answers its open survey through the
real forms; the office approves the comment and the next incremental rebuild publishes it on the
topic page. Headless Chromium against `wenzheng serve`."""
from __future__ import annotations

import json
import time
import urllib.request

from browserkit import post_json as post

HEARING = "/consultations/taxi-fares-2026/"
SURVEY = "/consultations/public-transport-2026/"




def wait_for_text(server, path: str, text: str, timeout: float = 20.0) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        status, body = server.get(path)
        if status == 200 and text in body.decode("utf-8"):
            return body.decode("utf-8")
        time.sleep(0.3)
    raise AssertionError(f"{text!r} did not appear on {path} within {timeout}s")


def test_comment_on_the_open_hearing_then_moderated_and_published(server, page):
    body = f"浏览器测试：支持调价，但请公开成本核算 {int(time.time() * 1000) % 100000}。"
    page.goto(server.base + HEARING)
    page.wait_for_selector("#comment-submit:not([disabled])")
    assert page.is_visible("#comment-form") and not page.is_visible("#topic-gate")

    page.check("#cf-stance-support")
    page.fill("#cf-body", body)
    page.fill("#cf-name", "赵六")
    page.click("#comment-submit")
    page.wait_for_selector("#topic-status.is-ok")
    assert "已提交，审核后公开" in page.inner_text("#topic-status")
    assert page.input_value("#cf-body") == ""          # ready for another comment
    assert body not in page.content()                  # not public before moderation

    # the office approves it (the console's API)
    status, login = post(server, "/api/staff/login", {"username": "demo-office",
                                                      "password": "demo"})
    assert status == 200
    token = login["token"]
    req = urllib.request.Request(
        server.base + "/api/staff/comments?topic=taxi-fares-2026&status=pending",
        headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        queue = json.loads(resp.read())
    mine = next(c for c in queue if c["body"] == body)
    assert mine["stance"] == "support" and mine["name"] == "赵六"
    status, _ = post(server, f"/api/staff/comments/{mine['id']}/approve", {}, token)
    assert status == 200

    # published by the incremental rebuild, name masked, in both languages
    html = wait_for_text(server, HEARING, body)
    assert "<span>赵*</span>" in html and "赵六" not in html
    wait_for_text(server, "/en" + HEARING, body)
    page.goto(server.base + HEARING)
    assert page.locator(f"#c-{mine['id']}").inner_text().find(body) >= 0
    assert page.js_errors == []


def test_answer_the_open_survey(server, page):
    page.goto(server.base + SURVEY)
    page.wait_for_selector("#survey-submit:not([disabled])")
    # the maximum of a multiple-choice question: the fourth box is disabled after three
    for choice in ("frequency", "punctuality", "coverage"):
        page.check(f"#sf-problems-{choice}")
    assert page.is_disabled("#sf-problems-transfer")
    page.check("#sf-mode-metro")
    page.check("#sf-satisfaction-fair")
    page.fill("#sf-suggestion", "浏览器测试：希望地铁延长运营到 24 点。")
    page.click("#survey-submit")
    page.wait_for_selector("#topic-status.is-ok")
    assert "已提交" in page.inner_text("#topic-status")
    assert not page.is_visible("#survey-form")
    assert page.js_errors == []


def test_a_required_question_left_out_is_flagged_next_to_it(server, page):
    page.goto(server.base + SURVEY)
    page.wait_for_selector("#survey-submit:not([disabled])")
    page.evaluate("document.getElementById('survey-form').noValidate = true")
    page.check("#sf-satisfaction-fair")
    page.click("#survey-submit")
    page.wait_for_selector("#sf-mode-error:not([hidden])")
    assert page.inner_text("#sf-mode-error").strip()
    assert page.get_attribute("#sf-mode-bus", "aria-invalid") == "true"


def test_closed_topics_offer_no_form_and_read_without_javascript(server, browser):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    pg = context.new_page()
    pg.goto(server.base + "/consultations/metro-fare-adjustment/")
    assert pg.locator("#comment-form").count() == 0
    assert "的反馈" in pg.inner_text("#outcome-h")
    pg.goto(server.base + HEARING)
    assert "参与需要启用浏览器的 JavaScript" in pg.content()
    assert pg.is_disabled("#comment-submit")
    assert "意见统计" in pg.inner_text("main")
    context.close()


def test_interview_transcript_refreshes_itself_during_the_session(server, page):
    """With the browser's clock inside the session, the page polls its data file every 20 s and
    shows new answers (built as text: markup in them stays inert)."""
    path = "/consultations/traffic-congestion-2026-11/"
    data_url = "/data/topics/traffic-congestion-2026-11.json"
    _, doc = server.json(data_url)
    first = doc["transcript"][0]
    doc["transcript"].append({**first, "id": "live000001", "name": "匿名",
                              "body": "新问题<img src=x onerror=alert(1)>",
                              "paragraphs": ["新问题<img src=x onerror=alert(1)>"],
                              "answer": {**first["answer"], "body": "新答复",
                                         "paragraphs": ["新答复\n第二行"]}})
    page.route("**" + data_url, lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(doc, ensure_ascii=False)))
    page.clock.install(time="2026-11-12T10:00:00+08:00")
    page.goto(server.base + path)
    page.wait_for_selector("#transcript-status:not(:empty)")
    before = page.locator("#transcript-list > li").count()
    page.clock.run_for(21_000)
    page.wait_for_selector("#q-live000001")
    assert page.locator("#transcript-list > li").count() == before + 1
    item = page.locator("#q-live000001")
    assert "新问题<img src=x onerror=alert(1)>" in item.inner_text()
    assert item.locator("img").count() == 0 and item.locator("br").count() == 1
    assert "新增 1 条答复" in page.inner_text("#transcript-status")
    assert page.js_errors == []


def test_interview_page_does_not_poll_outside_the_session(server, page):
    requests = []
    page.on("request", lambda r: requests.append(r.url) if "/data/topics/" in r.url else None)
    page.clock.install(time="2026-11-20T10:00:00+08:00")
    page.goto(server.base + "/consultations/traffic-congestion-2026-11/")
    page.clock.run_for(61_000)
    assert requests == [] and page.inner_text("#transcript-status") == ""


def test_the_form_hides_itself_outside_the_topics_dates(server, page):
    page.clock.install(time="2027-03-01T10:00:00+08:00")       # after the hearing closes
    page.goto(server.base + HEARING)
    page.wait_for_selector("#topic-gate:not([hidden])")
    assert "征集已结束" in page.inner_text("#topic-gate")
    assert not page.is_visible("#comment-form")


def test_a_410_from_the_api_closes_the_form(server, page):
    page.route("**/api/topics/taxi-fares-2026/comments", lambda route: route.fulfill(
        status=410, content_type="application/json", body=json.dumps({"error": {
            "code": "topic_closed", "message": "该议题已截止", "field": None}})))
    page.goto(server.base + HEARING)
    page.wait_for_selector("#comment-submit:not([disabled])")
    page.check("#cf-stance-neutral")
    page.fill("#cf-body", "截止后提交的意见")
    page.click("#comment-submit")
    page.wait_for_selector("#topic-gate:not([hidden])")
    assert "征集已结束" in page.inner_text("#topic-gate")
    assert not page.is_visible("#comment-form")


def test_api_errors_show_next_to_their_field(server, page):
    page.route("**/api/topics/taxi-fares-2026/comments", lambda route: route.fulfill(
        status=400, content_type="application/json", body=json.dumps({"error": {
            "code": "too_long", "message": "意见太长", "field": "body"}})))
    page.goto(server.base + HEARING)
    page.wait_for_selector("#comment-submit:not([disabled])")
    page.check("#cf-stance-oppose")
    page.fill("#cf-body", "一条意见")
    page.click("#comment-submit")
    page.wait_for_selector("#cf-body-error:not([hidden])")
    assert "意见太长" in page.inner_text("#cf-body-error")
    assert page.get_attribute("#cf-body", "aria-invalid") == "true"
