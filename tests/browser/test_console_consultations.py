"""The console's consultation views (征集与访谈) against the demo city: the office moderates a
topic's queue, answers interview questions (and so does a guest department's clerk), publishes
the outcome of the closed solicitation; errors are shown where they belong; the filled views pass
axe (WCAG 2.1 AA) at 390 px in both languages."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request

import pytest
from browserkit import AXE, ROOT, at_server_time, axe_problems, need
from test_consultation_forms import wait_for_text
from test_letter_loop import login

HEARING = "taxi-fares-2026"
INTERVIEW = "traffic-congestion-2026-11"
CLOSED = "metro-fare-adjustment"
UA = "pytest-console-consultations/1.0"     # recognisable in logs (the limits key on the network)


def api(server, method: str, path: str, body: dict | None = None,
        token: str | None = None) -> tuple[int, object]:
    headers = {"Content-Type": "application/json", "User-Agent": UA}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(server.base + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def token(server, username: str = "demo-office") -> str:
    status, body = api(server, "POST", "/api/staff/login",
                       {"username": username, "password": "demo"})
    assert status == 200, body
    return body["token"]


def new_comment(server, body: str, **fields) -> str:
    status, answer = api(server, "POST", f"/api/topics/{HEARING}/comments",
                         {"body": body, "stance": "neutral", **fields})
    assert status == 202, answer
    return answer["id"]


def comments(server, topic: str, status: str | None = None) -> list[dict]:
    query = f"?topic={topic}" + (f"&status={status}" if status else "")
    code, rows = api(server, "GET", "/api/staff/comments" + query, token=token(server))
    assert code == 200, rows
    return rows


def staff_topic(server, topic: str) -> dict:
    _, rows = api(server, "GET", "/api/staff/topics", token=token(server))
    return next(r for r in rows if r["id"] == topic)


def text_of(page, selector: str) -> str:
    return page.inner_text(selector).strip()


def wait_for_text_in(page, selector: str, expected: str) -> None:
    page.wait_for_function("([s, t]) => (document.querySelector(s) || {}).textContent === t",
                           arg=[selector, expected], timeout=10_000)


def unique(text: str) -> str:
    return f"{text} {int(time.time() * 1000) % 1_000_000}"


def test_the_office_approves_and_rejects_comments_in_a_topics_queue(server, page):
    approve_body = unique("控制台测试：建议听证会全程网上直播<b>并公开材料</b>")
    reject_body = unique("控制台测试：与议题无关的广告")
    approve_id = new_comment(server, approve_body)
    reject_id = new_comment(server, reject_body)

    login(page, server.base, "demo-office")
    assert page.is_visible("#nav-topics")
    page.click("#nav-topics")
    page.wait_for_selector("#topics-body tr")
    assert page.get_attribute("#nav-topics", "aria-current") == "page"
    assert page.evaluate("document.activeElement.id") == "topics-title"
    row = page.locator("#topics-body tr", has=page.locator(f"a[href='#/topics/{HEARING}']"))
    assert "网上听证" in row.inner_text() and "进行中" in row.inner_text()

    row.locator("a").first.click()
    page.wait_for_selector(f"#qi-{approve_id}")
    page.wait_for_selector(f"#qi-{reject_id}")
    assert page.evaluate("document.activeElement.id") == "tp-title"
    assert text_of(page, "#tp-kind") == "网上听证"
    # closes: 2027-01-31 in content/ is the end of that day, shown as on the public page
    assert text_of(page, "#tp-closes") == "2027-01-31 24:00"
    pending = int(text_of(page, "#tp-count-pending"))
    rejected = int(text_of(page, "#tp-count-rejected"))
    assert pending >= 2
    # citizen text shown as text: the markup is visible, no element is made of it
    item = page.locator(f"#qi-{approve_id}")
    assert "<b>并公开材料</b>" in item.inner_text() and item.locator("b").count() == 0
    assert "立场：中立" in item.inner_text()

    item.get_by_role("button", name="通过", exact=True).click()
    page.wait_for_selector(f"#qi-{approve_id}", state="detached")
    page.wait_for_selector("#tp-status.is-ok")
    assert "已通过" in text_of(page, "#tp-status")
    assert page.evaluate("document.activeElement.tagName") in ("H3", "H4")
    wait_for_text_in(page, "#tp-count-pending", str(pending - 1))

    # a rejection needs a reason: the API's message shows next to the field
    form = f"#qi-{reject_id} form"
    page.evaluate(f"document.querySelector({form!r}).noValidate = true")
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector(f"#qi-{reject_id}-reason-error:not([hidden])")
    assert text_of(page, f"#qi-{reject_id}-reason-error")
    assert page.get_attribute(f"#qi-{reject_id}-reason", "aria-invalid") == "true"
    assert "is-error" in page.get_attribute("#tp-status", "class")
    page.fill(f"#qi-{reject_id}-reason", "与本次听证无关的广告信息")
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector(f"#qi-{reject_id}", state="detached")
    wait_for_text_in(page, "#tp-count-pending", str(pending - 2))
    wait_for_text_in(page, "#tp-count-rejected", str(rejected + 1))

    # the store agrees
    approved = {c["id"]: c for c in comments(server, HEARING, "approved")}
    assert approve_id in approved and approved[approve_id]["moderated_by"] == "demo-office"
    gone = {c["id"]: c for c in comments(server, HEARING, "rejected")}
    assert gone[reject_id]["reason"] == "与本次听证无关的广告信息"
    assert {approve_id, reject_id}.isdisjoint(c["id"] for c in comments(server, HEARING, "pending"))

    # the table shows the new counts when one goes back
    page.click("#topic-section a[href='#/topics']")
    page.wait_for_selector("#topics-body tr")
    assert page.evaluate("document.activeElement.id") == "topics-title"
    assert page.js_errors == []


def test_the_queue_says_when_it_is_empty_forbidden_unreachable_or_signed_out(server, page):
    base = server.base
    login(page, base, "demo-office")
    queue = re.compile(r"/api/staff/comments\?topic=" + HEARING + "&status=pending$")

    page.route(queue, lambda route: route.fulfill(status=200, content_type="application/json",
                                                  body="[]"))
    page.goto(f"{base}/staff/#/topics/{HEARING}")
    page.wait_for_selector("#queue-empty:not([hidden])")
    assert text_of(page, "#queue-empty") == "没有待审核的留言。"
    page.unroute(queue)

    page.route(queue, lambda route: route.abort())
    page.goto(f"{base}/staff/#/topics/{INTERVIEW}")
    page.goto(f"{base}/staff/#/topics/{HEARING}")
    page.wait_for_selector("#tp-status.is-error")
    assert "网络连接失败" in text_of(page, "#tp-status")
    page.unroute(queue)

    page.route(queue, lambda route: route.fulfill(status=401, content_type="application/json",
                                                  body=json.dumps({"error": {
                                                      "code": "unauthorized",
                                                      "message": "登录已过期", "field": None}})))
    page.goto(f"{base}/staff/#/topics")
    page.wait_for_selector("#topics-body tr")
    page.goto(f"{base}/staff/#/topics/{HEARING}")
    page.wait_for_selector("#login-section", state="visible")
    assert "登录已过期" in text_of(page, "#login-status")
    page.unroute(queue)

    # a clerk whose department is no interview's guest: no link, and the API's 403 in words
    login(page, base, "demo-clerk")
    assert page.is_hidden("#nav-topics-item")
    page.goto(f"{base}/staff/#/topics/{INTERVIEW}")
    page.wait_for_selector("#tp-status.is-error")
    assert "承办人只能查看本部门作为嘉宾的访谈提问" in text_of(page, "#tp-status")
    assert page.is_hidden("#questions-section") and page.is_hidden("#queue-section")
    assert page.js_errors == []


def add_guest_clerk(server, username: str, department: str) -> None:
    """The demo city's only clerk is not an interview guest: add one as the web team would."""
    env = {**os.environ, "WENZHENG_STAGE": "local", "WENZHENG_STORE": "sqlite"}
    env.pop("WENZHENG_SITE_BUCKET", None)
    done = subprocess.run([sys.executable, "-m", "wenzheng.cli", "account", "add", username,
                           "--role", "clerk", "--department", department, "--replace",
                           "--data", str(server.data)], input="demo\n", text=True, cwd=ROOT,
                          env=env, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr


def answer_in_console(page, question_id: str, text: str) -> None:
    page.wait_for_selector(f"#iq-{question_id}-answer")
    page.fill(f"#iq-{question_id}-answer", text)
    page.click(f"#iq-{question_id} button[type=submit]")
    page.wait_for_selector(f"#iq-{question_id} .wz-answer")
    page.wait_for_selector("#tp-status.is-ok")


def test_the_office_and_a_guest_department_answer_interview_questions(server, page):
    waiting = [c for c in comments(server, INTERVIEW) if c["status"] != "rejected"
               and c["answer"] is None]
    assert len(waiting) >= 2, "the demo interview has questions waiting for an answer"
    first, second = waiting[0]["id"], waiting[1]["id"]

    login(page, server.base, "demo-office")
    page.goto(f"{server.base}/staff/#/topics/{INTERVIEW}")
    page.wait_for_selector(f"#iq-{first}")
    asked_before = text_of(page, "#tp-count-answered")
    answered, asked = (int(x) for x in asked_before.split(" / "))
    # an empty answer: the API's message next to the box
    page.evaluate(f"document.querySelector('#iq-{first} form').noValidate = true")
    page.fill(f"#iq-{first}-answer", "   ")
    page.click(f"#iq-{first} button[type=submit]")
    page.wait_for_selector(f"#iq-{first}-answer-error:not([hidden])")
    assert page.get_attribute(f"#iq-{first}-answer", "aria-invalid") == "true"

    answer_in_console(page, first, "控制台答复：该路段将于下月增设停放区<i>。</i>")
    item = page.locator(f"#iq-{first}")
    assert "已答复" in item.inner_text() and "<i>。</i>" in item.inner_text()
    assert item.locator("textarea").count() == 0 and item.locator("i").count() == 0
    assert page.evaluate("document.activeElement.id") == f"iq-{first}-h"
    wait_for_text_in(page, "#tp-count-answered", f"{answered + 1} / {asked}")
    stored = next(c for c in comments(server, INTERVIEW) if c["id"] == first)
    assert stored["status"] == "approved"
    assert stored["answer"]["body"] == "控制台答复：该路段将于下月增设停放区<i>。</i>"

    # a clerk of a guest department sees its interviews only, and answers for its department
    add_guest_clerk(server, "guest-transport", "transport")
    login(page, server.base, "guest-transport")
    page.wait_for_selector("#nav-topics-item:not([hidden])")
    page.click("#nav-topics")
    page.wait_for_selector("#topics-body tr")
    assert page.locator("#topics-body tr").count() == 1
    assert page.is_visible("#topics-hint-clerk")
    page.click(f"#topics-body a[href='#/topics/{INTERVIEW}']")
    page.wait_for_selector(f"#iq-{second}")
    assert page.is_hidden("#queue-section")                 # moderation is the office's
    answer_in_console(page, second, "交通运输局答复：已列入明年计划。")
    stored = next(c for c in comments(server, INTERVIEW) if c["id"] == second)
    assert stored["answer"]["department"] == "transport"
    assert stored["answer"]["by"] == "guest-transport"
    assert page.js_errors == []


def test_the_office_publishes_the_outcome_of_the_closed_solicitation(server, page):
    before = staff_topic(server, CLOSED)
    assert before["status"] == "closed" and before["outcome"]
    decided = {i["comment_id"] for i in before["outcome"]["items"]}
    target = next(c for c in comments(server, CLOSED, "approved") if c["id"] not in decided)

    login(page, server.base, "demo-office")
    page.click("#nav-topics")
    page.click(f"#topics-body a[href='#/topics/{CLOSED}/outcome']")
    page.wait_for_selector("#outcome-form", state="visible")
    assert page.evaluate("document.activeElement.id") == "oc-title"
    assert "已载入当前反馈" in text_of(page, "#oc-status")
    # prefilled from the stored outcome
    assert page.input_value("#oc-summary") == before["outcome"]["summary"]
    stored = {i["comment_id"]: i for i in before["outcome"]["items"] if i["comment_id"]}
    for cid, item in stored.items():
        assert page.input_value(f"#oc-c-{cid}-decision") == item["decision"]
        assert page.input_value(f"#oc-c-{cid}-reason") == item["reason"]
    loose = [i for i in before["outcome"]["items"] if not i["comment_id"]]
    assert page.locator("#oc-opinions fieldset").count() == len(loose)
    assert page.input_value("#oc-o1-opinion") == loose[0]["opinion"]
    # the draft's paragraphs head their comments
    assert "第 2 条" in page.inner_text("#oc-items")

    # validation errors from the API, next to their fields
    page.evaluate("document.getElementById('outcome-form').noValidate = true")
    page.fill("#oc-summary", "")
    page.click("#oc-submit")
    page.wait_for_selector("#oc-summary[aria-invalid='true']")
    assert "is-error" in page.get_attribute("#oc-status", "class")
    page.fill("#oc-summary", before["outcome"]["summary"] + "\n\n补充：移动支付优惠维持九五折。")
    page.select_option(f"#oc-c-{target['id']}-decision", "partly_adopted")
    page.click("#oc-submit")
    page.wait_for_selector(f"#oc-c-{target['id']}-reason[aria-invalid='true']")
    assert "is-error" in page.get_attribute("#oc-status", "class")

    page.fill(f"#oc-c-{target['id']}-reason", "移动支付优惠维持九五折，暂不扩大。")
    page.click("#oc-submit")
    page.wait_for_selector("#oc-status.is-ok")
    revision = before["outcome"]["revision"] + 1
    assert f"第 {revision} 版" in text_of(page, "#oc-status")

    after = staff_topic(server, CLOSED)["outcome"]
    assert after["revision"] == revision and after["summary"].endswith("维持九五折。")
    items = {i["comment_id"]: i for i in after["items"]}
    assert items[target["id"]] == {"comment_id": target["id"], "decision": "partly_adopted",
                                   "reason": "移动支付优惠维持九五折，暂不扩大。", "opinion": None}
    assert len(after["items"]) == len(before["outcome"]["items"]) + 1
    wait_for_text(server, f"/data/topics/{CLOSED}.json", "移动支付优惠维持九五折，暂不扩大。")
    assert page.js_errors == []


VIEWS = ["#/topics", f"#/topics/{HEARING}", f"#/topics/{INTERVIEW}", f"#/topics/{CLOSED}/outcome"]
READY = ["#topics-body tr", "#queue-list li", "#questions-list li", "#oc-items fieldset"]


@pytest.mark.parametrize("path, lang", [("/staff/", "zh-CN"), ("/en/staff/", "en")])
def test_the_filled_consultation_views_pass_axe(server, browser, path, lang):
    need(AXE, "axe-core")
    new_comment(server, unique("无障碍检查用的待审核留言"))      # the queue is not empty
    context = browser.new_context(viewport={"width": 390, "height": 900}, locale=lang)
    page = at_server_time(context.new_page())
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server.base + path)
    page.fill("#s-username", "demo-office")
    page.fill("#s-password", "demo")
    page.click("#s-login-submit")
    page.wait_for_selector("#console", state="visible")
    problems: list[str] = []
    for view, ready in zip(VIEWS, READY, strict=True):
        page.goto(server.base + path + view)
        page.wait_for_selector(ready)
        page.wait_for_function("!/正在加载|Loading/.test(document.body.innerText)")
        if lang == "en":
            assert "Consultations" == text_of(page, "#nav-topics")
            if view == "#/topics":
                assert "Online hearing" in page.inner_text("#topics-body")
                assert "Awaiting moderation" in page.inner_text("#topics-table thead")
        problems += axe_problems(page, view)
    context.close()
    assert problems == []
    assert errors == []
