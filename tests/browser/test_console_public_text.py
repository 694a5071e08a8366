"""The office's approve form in the console (issue 11, items 1–4), at 1280 px: the public
version prefilled and previewed beside the form with the redacted spans marked, the office's
wording kept after a re-do up to the published page, the 选登 box of a writer who refused
publication, and keeping a reply rated 不满意 (维持答复) in both languages."""
from __future__ import annotations

import http.client
import json
import os
import time
from pathlib import Path
from urllib.parse import urlsplit

from browserkit import at_server_time

WIDE = {"width": 1280, "height": 900}
NAME = "钱七七"
PLACE = "荷花路口"


def call(server, method, path, body=None, token=None, source="127.0.0.1"):
    """One API request; letters come from their own loopback address (a client of their own,
    so the per-client letter limits of the other browser tests are not used up)."""
    url = urlsplit(server.base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10,
                                      source_address=(source, 0))
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, "/api" + path, body=None if body is None else json.dumps(body),
                 headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, json.loads(data) if data else None


def token(server, username):
    status, body = call(server, "POST", "/staff/login", {"username": username, "password": "demo"})
    assert status == 200, body
    return body["token"], body.get("department")


def replied_letter(server, source, *, public=True):
    """A letter with personal data and markup, dispatched, signed and replied through the API."""
    status, answer = call(server, "POST", "/letters", {
        "type": "complaint", "subject": f"{PLACE}积水<b>严重</b>",
        "body": f"我是{NAME}，电话 13712345678，{PLACE}东侧下雨就积水。"
                "<img src=x onerror=alert(1)>",
        "name": NAME, "phone": "13712345678", "public": public}, source=source)
    assert status == 201, answer
    office, _ = token(server, "demo-office")
    clerk, dept = token(server, "demo-clerk")
    lid = answer["id"]
    assert call(server, "POST", f"/staff/letters/{lid}/dispatch", {"department": dept},
                office)[0] == 200
    assert call(server, "POST", f"/staff/letters/{lid}/sign", {}, clerk)[0] == 200
    reply(server, lid, f"{NAME}您好！已疏通{PLACE}排水口，有问题请拨打 13812345678。")
    return answer


def reply(server, lid, body):
    clerk, _ = token(server, "demo-clerk")
    status, view = call(server, "POST", f"/staff/letters/{lid}/reply", {"body": body}, clerk)
    assert status == 200, view


def rate_unsatisfied(server, answer):
    url = urlsplit(server.base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request("POST", f"/api/letters/{answer['tracking_code']}/rating",
                 body=json.dumps({"score": "unsatisfied"}),
                 headers={"Content-Type": "application/json", "X-Letter-Secret": answer["secret"]})
    assert conn.getresponse().status == 201
    conn.close()


def console(browser, server, lang="zh-CN"):
    context = browser.new_context(locale=lang, viewport=WIDE)
    page = at_server_time(context.new_page())
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    path = "/staff/" if lang == "zh-CN" else "/en/staff/"
    page.goto(server.base + path)
    page.fill("#s-username", "demo-office")
    page.fill("#s-password", "demo")
    page.click("#s-login-submit")
    page.wait_for_selector("#console", state="visible")
    return context, page, server.base + path


def open_letter(page, staff_url, lid):
    page.goto(f"{staff_url}#/letters/{lid}")
    page.reload()            # the same hash again loads nothing new: load the letter afresh
    page.wait_for_selector("#d-subject")
    page.wait_for_function(f"document.getElementById('d-tracking-code').textContent !== ''"
                           f" && location.hash.indexOf({lid!r}) > 0")


def wait_for_page_with(server, path, text, timeout=20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        status, body = server.get(path)
        if status == 200 and text in body.decode():
            return body.decode()
        time.sleep(0.3)
    raise AssertionError(f"{path} did not show {text!r} within {timeout}s")


def test_the_preview_the_kept_wording_and_keeping_the_reply(server, browser, tmp_path):
    shots = Path(os.environ.get("WENZHENG_SCREENSHOTS") or tmp_path)   # to look at them
    answer = replied_letter(server, "127.0.0.21")
    lid = answer["id"]
    context, page, staff = console(browser, server)
    open_letter(page, staff, lid)
    page.wait_for_selector("#a-approve", state="visible")
    page.wait_for_selector("#a-preview-reply mark")

    # the preview: masked name and redacted spans marked, citizen markup shown as text
    marks = page.locator("#a-approve-preview-body mark").all_inner_texts()
    assert "钱**" in marks and "[手机号已隐去]" in marks
    preview = page.inner_text("#a-approve-preview-body")
    assert NAME not in preview and "13712345678" not in preview and "13812345678" not in preview
    assert "<img src=x onerror=alert(1)>" in preview and "<b>严重</b>" in preview
    assert page.locator("#a-approve-preview-body img, #a-approve-preview-body b").count() == 0
    # the form is prefilled with the public version, beside the preview at this width
    body_box = page.input_value("#a-approve-body")
    assert "[手机号已隐去]" in body_box and NAME not in body_box and PLACE in body_box
    assert "[手机号已隐去]" in page.input_value("#a-approve-reply")
    form = page.locator(".wz-approve-edit").bounding_box()
    aside = page.locator("#a-approve-preview").bounding_box()
    assert aside["x"] >= form["x"] + form["width"] - 1 and abs(aside["y"] - form["y"]) < 5

    # the office removes the place name, previews its draft and approves
    page.fill("#a-approve-subject", "某路口积水严重")
    page.fill("#a-approve-body", body_box.replace(PLACE, "某路口"))
    page.fill("#a-approve-reply", "钱**您好！已疏通排水口，电话 13812345678。")
    page.click("#a-approve-preview-button")
    page.wait_for_function("document.getElementById('a-preview-subject').textContent"
                           " === '某路口积水严重'")
    assert PLACE not in page.inner_text("#a-approve-preview-body")
    assert "[手机号已隐去]" in page.locator("#a-preview-reply mark").all_inner_texts()
    page.screenshot(path=str(shots / "approve-1280.png"), full_page=True)
    page.click("#a-approve-submit")
    page.wait_for_selector("#action-status.is-ok")
    html = wait_for_page_with(server, f"/letters/{lid}/", "某路口积水严重")
    assert PLACE not in html

    # 不满意, re-do, a new reply: the second approval is prefilled with the office's wording
    rate_unsatisfied(server, answer)
    office, _ = token(server, "demo-office")
    assert call(server, "POST", f"/staff/letters/{lid}/redo", {"reason": "未说明长效措施"},
                office)[0] == 200
    reply(server, lid, "补充答复：已将该路口纳入雨季巡查。")
    open_letter(page, staff, lid)
    page.wait_for_selector("#a-preview-reply p")
    assert page.input_value("#a-approve-subject") == "某路口积水严重"
    assert PLACE not in page.input_value("#a-approve-body")
    assert page.input_value("#a-approve-reply") == "补充答复：已将该路口纳入雨季巡查。"
    assert "办公室修改" in page.inner_text("#a-approve-preview-body")
    page.click("#a-approve-submit")
    page.wait_for_selector("#action-status.is-ok")
    html = wait_for_page_with(server, f"/letters/{lid}/", "雨季巡查")
    assert "某路口积水严重" in html and PLACE not in html and NAME not in html

    # rated 不满意 again: no re-do is left, the office keeps the reply with a reason
    rate_unsatisfied(server, answer)
    open_letter(page, staff, lid)
    page.wait_for_selector("#a-keep", state="visible")
    page.fill("#a-keep-reason", "已按政策答复<script>x</script>")
    page.screenshot(path=str(shots / "keep-1280.png"), full_page=True)
    page.click("#a-keep-submit")
    page.wait_for_selector("#action-status.is-ok")
    assert page.is_hidden("#a-keep")
    last = page.locator("#d-history-body tr").last.inner_text()
    assert "维持答复" in last and "demo-office" in last and "已按政策答复<script>x</script>" in last
    queue = call(server, "GET", "/staff/letters?status=replied&rating=unsatisfied", None,
                 office)[1]
    assert lid not in [r["id"] for r in queue["rows"]]
    assert page.js_errors == []
    context.close()


def test_a_writer_who_refused_publication_cannot_be_published(server, browser, tmp_path):
    shots = Path(os.environ.get("WENZHENG_SCREENSHOTS") or tmp_path)
    answer = replied_letter(server, "127.0.0.22", public=False)
    for lang, why in (("zh-CN", "来信人不同意公开"), ("en", "did not allow publication")):
        context, page, staff = console(browser, server, lang)
        open_letter(page, staff, answer["id"])
        page.wait_for_selector("#a-approve", state="visible")
        page.wait_for_selector("#a-preview-reply p")
        page.screenshot(path=str(shots / f"refused-{lang}-1280.png"), full_page=True)
        box = page.locator("#a-approve-publish")
        assert box.is_disabled() and not box.is_checked()
        assert page.is_visible("#a-approve-private")
        assert why in page.inner_text("#a-approve-private")
        assert box.get_attribute("aria-describedby") == "a-approve-private"
        # on a phone the form and its preview stack, within the screen
        page.set_viewport_size({"width": 390, "height": 844})
        aside = page.locator("#a-approve-preview").bounding_box()
        form = page.locator(".wz-approve-edit").bounding_box()
        assert aside["y"] >= form["y"] + form["height"] - 1
        assert aside["x"] + aside["width"] <= 390 and form["x"] + form["width"] <= 390
        page.screenshot(path=str(shots / f"refused-{lang}-390.png"), full_page=True)
        assert page.js_errors == []
        context.close()


def test_keeping_a_reply_speaks_english(server, browser, tmp_path):
    shots = Path(os.environ.get("WENZHENG_SCREENSHOTS") or tmp_path)
    answer = replied_letter(server, "127.0.0.23")
    lid = answer["id"]
    office, _ = token(server, "demo-office")
    assert call(server, "POST", f"/staff/letters/{lid}/approve", {"publish": False},
                office)[0] == 200
    rate_unsatisfied(server, answer)
    context, page, staff = console(browser, server, "en")
    open_letter(page, staff, lid)
    page.wait_for_selector("#a-keep", state="visible")
    assert page.inner_text("#a-keep-submit") == "Keep the reply"
    page.fill("#a-keep-reason", "Answered under the rules")
    page.screenshot(path=str(shots / "keep-en-1280.png"), full_page=True)
    page.click("#a-keep-submit")
    page.wait_for_selector("#action-status.is-ok")
    assert "Reply kept" in page.inner_text("#action-status")
    assert "Reply kept" in page.locator("#d-history-body tr").last.inner_text()
    # keeping it twice (a second tab) is refused in English
    status, body = call(server, "POST", f"/staff/letters/{lid}/keep", {"reason": "again"}, office)
    assert status == 409 and body["error"]["message_en"] == "This reply was already kept"
    assert page.js_errors == []
    context.close()
