"""What a citizen meets on the write, track, consultation and letter pages (issue 11, items
10–14): keeping the tracking password (copy, a text file, a printed receipt, a new one for a lost
one), a survey already answered, commenting on a paragraph of a draft with a stance, the vote
buttons and their answer, and where the focus goes after a comment is sent. Headless Chromium
against `wenzheng serve`, in both languages."""
from __future__ import annotations

import json
import re

import pytest
from browserkit import AXE, WCAG22_AA, at_server_time, need
from browserkit import axe_problems as browserkit_axe
from browserkit import post_json as post

SURVEY = "/consultations/public-transport-2026/"
HEARING = "/consultations/taxi-fares-2026/"
DRAFT = "/consultations/dog-management-regulation/"


ANSWER = {"id": "abcdefghjk", "tracking_code": "WZ7K3M9PQR",
          "secret": "Cu1vpksFu0JSwG_J2fO1w5K_", "status": "submitted"}


def stub_letters(page, answer=ANSWER):
    """Answer POST /api/letters as the API does (201 with code and secret) without storing a
    letter: the receipt is made in the page, and the shared server's letter limit for this
    machine is kept for the tests that need real letters."""
    def fulfil(route):
        if route.request.method != "POST":
            return route.continue_()
        route.fulfill(status=201, content_type="application/json", body=json.dumps(answer))
    page.route("**/api/letters", fulfil)


def write_letter(page, base, prefix="", **fields):
    stub_letters(page)
    page.goto(base + prefix + "/write/")
    page.wait_for_selector("#w-submit:not([disabled])")
    page.check("#w-type-suggestion")
    page.fill("#w-subject", fields.get("subject", "建议在公园增设饮水点"))
    page.fill("#w-body", "夏天公园里很难找到饮水的地方，建议增设饮水点。")
    if fields.get("phone"):
        page.fill("#w-phone", fields["phone"])
    if fields.get("email"):
        page.fill("#w-email", fields["email"])
    page.click("#w-submit")
    page.wait_for_selector("#write-result", state="visible")
    return page.inner_text("#w-code").strip(), page.inner_text("#w-secret").strip()


def office_token(server) -> str:
    status, login = post(server, "/api/staff/login", {"username": "demo-office",
                                                      "password": "demo"})
    assert status == 200
    return login["token"]


def staff_json(server, path, token):
    return server.json(path, {"Authorization": f"Bearer {token}"})[1]




def seeded_letters_with_a_mobile(server, token, n: int) -> list[dict]:
    """Demo letters whose writer gave a mobile number (the office's view has it)."""
    out = []
    for row in staff_json(server, "/api/staff/letters?per_page=100", token)["rows"]:
        letter = staff_json(server, f"/api/staff/letters/{row['id']}", token)
        if (letter.get("phone") or "").startswith("1"):
            out.append(letter)
            if len(out) == n:
                return out
    raise AssertionError("the demo has too few letters with a mobile number")


# --- 10: keeping the tracking password ---------------------------------------------------------

@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_receipt_can_be_copied_saved_and_printed(server, browser, prefix):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base)
    page = at_server_time(context.new_page())
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    code, secret = write_letter(page, server.base, prefix, phone="13912340000",
                                email="reader@example.com")
    assert re.fullmatch(r"WZ[0-9A-Z]{8}", code) and len(secret) >= 20
    text = page.inner_text("#write-result")
    assert "无法找回" not in text and "cannot be recovered" not in text
    assert ("申请新密码" in text) if not prefix else ("ask for a new one" in text)
    # sent to the contact given: said on the page, never showing the contact itself
    assert page.is_visible("#w-sent")
    assert "13912340000" not in text and "reader@example.com" not in text
    assert page.inner_text("#w-subject-shown") == "建议在公园增设饮水点"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", page.inner_text("#w-date"))

    # copy buttons put exactly the code and the password on the clipboard
    page.click("[data-copy=w-secret]")
    page.wait_for_selector("#w-copy-status.is-ok")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    page.click("[data-copy=w-code]")
    page.wait_for_function("document.getElementById('w-copy-status').textContent.length > 0")
    assert page.evaluate("navigator.clipboard.readText()") == code
    for button in page.locator("#write-result button:visible").all():
        box = button.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44

    # a text file made in the browser
    with page.expect_download() as info:
        page.click("#w-save")
    saved = open(info.value.path(), encoding="utf-8-sig").read()
    assert code in saved and secret in saved and "建议在公园增设饮水点" in saved
    assert info.value.suggested_filename.endswith(code + ".txt")

    # printed: the receipt alone, without the form and the buttons
    page.emulate_media(media="print")
    assert page.is_visible("#w-code") and page.is_visible("#w-secret")
    assert not page.is_visible("#w-save") and not page.is_visible("[data-copy=w-code]")
    assert not page.is_visible("#w-again")
    page.emulate_media(media="screen")
    assert errors == []
    context.close()


def test_without_javascript_the_buttons_are_absent_and_the_page_says_so(server, browser):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    page.goto(server.base + "/write/")
    assert page.locator("#write-noscript").count() == 1
    assert not page.is_visible("#w-save") and not page.is_visible("#w-print")
    page.goto(server.base + "/track/")
    assert page.is_disabled("#s-submit")
    context.close()


@pytest.mark.parametrize("prefix,n", [("", 0), ("/en", 1)])
def test_a_lost_password_is_replaced_from_the_tracking_page(server, page, prefix, n):
    token = office_token(server)
    letter = seeded_letters_with_a_mobile(server, token, 2)[n]
    code, phone = letter["tracking_code"], letter["phone"]
    page.goto(server.base + prefix + f"/track/?code={code}")
    page.click("#lost-secret summary")
    assert page.input_value("#s-code") == code
    page.fill("#s-contact", phone[:3] + " " + phone[3:7] + " " + phone[7:])
    page.click("#s-submit")
    page.wait_for_selector("#secret-status.is-ok")
    said = page.inner_text("#secret-status")
    assert ("新的查询密码将发送到该联系方式" in said) if not prefix else ("new password" in said)
    assert page.evaluate("document.activeElement.id") == "secret-status"
    # recorded in the letter's history: the channel, never the number
    history = staff_json(server, f"/api/staff/letters/{letter['id']}", token)["history"]
    assert history[-1]["action"] == "secret_reset"
    assert phone not in json.dumps(history)
    # a contact that does not match gets the same answer, and records nothing
    page.fill("#s-contact", "nobody@example.com")
    page.click("#s-submit")
    page.wait_for_selector("#secret-status.is-ok")
    assert page.inner_text("#secret-status") == said
    again = staff_json(server, f"/api/staff/letters/{letter['id']}", token)["history"]
    assert len(again) == len(history)
    # bad input is flagged next to the field
    page.evaluate("document.getElementById('secret-form').noValidate = true")
    page.fill("#s-contact", "abc")
    page.click("#s-submit")
    page.wait_for_selector("#s-contact-error:not([hidden])")
    assert page.get_attribute("#s-contact", "aria-invalid") == "true"
    assert page.js_errors == []


# --- 11: a survey already answered ----------------------------------------------------------------

def answer_survey(page):
    page.check("#sf-mode-metro")
    page.check("#sf-satisfaction-fair")
    page.click("#survey-submit")


ALREADY = {"error": {"code": "already_answered", "field": None,
                     "message": "您今天已经回答过这份问卷（每个网络每天可答一份），感谢参与",
                     "message_en": "You have already answered this survey today (one response "
                                   "a day from each network); thank you for taking part"}}


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_a_second_answer_today_is_told_so_and_a_reload_offers_no_form(server, page, prefix):
    """The answers are stubbed as the API gives them (202, then 409 already_answered: see
    tests/integration/test_topics_api.py), so the shared server's one answer a day from this
    machine is left to test_consultation_forms."""
    answers = [(202, {"id": "r1", "status": "accepted"}), (409, ALREADY)]
    page.route("**/api/surveys/*/responses", lambda route: route.fulfill(
        status=answers[0][0], content_type="application/json",
        body=json.dumps(answers.pop(0)[1], ensure_ascii=False)))
    page.goto(server.base + prefix + SURVEY)
    page.wait_for_selector("#survey-submit:not([disabled])")
    answer_survey(page)
    page.wait_for_selector("#topic-status.is-ok")
    page.reload()
    page.wait_for_selector("#topic-gate:not([hidden])")
    gate = page.inner_text("#topic-gate")
    assert ("您今天已经回答过这份问卷" in gate) if not prefix else ("already answered" in gate)
    assert not page.is_visible("#survey-form")

    # another browser on the same network (nothing stored here): the server's answer
    page.evaluate("localStorage.clear()")
    page.reload()
    page.wait_for_selector("#survey-submit:not([disabled])")
    answer_survey(page)
    page.wait_for_selector("#topic-gate:not([hidden])")
    gate = page.inner_text("#topic-gate")
    assert "提交过于频繁" not in gate and "Too many" not in gate
    assert ("您今天已经回答过这份问卷" in gate) if not prefix else ("already answered" in gate)
    assert page.evaluate("document.activeElement.id") == "topic-gate"
    assert not page.is_visible("#survey-form")
    page.reload()                                     # and remembered from then on
    page.wait_for_selector("#topic-gate:not([hidden])")
    assert answers == [] and page.js_errors == []


# --- 12: a draft's paragraphs and the stance ------------------------------------------------------

@pytest.mark.parametrize("prefix", ["", "/en"])
def test_each_paragraph_of_the_draft_links_to_the_form_with_it_chosen(server, page, prefix):
    page.goto(server.base + prefix + DRAFT)
    page.wait_for_selector("#comment-submit:not([disabled])")
    links = page.locator("a.comment-on[data-paragraph]")
    assert links.count() == page.locator("ol.draft > li").count() >= 8
    page.click("#p-6 a.comment-on")
    assert page.input_value("#cf-paragraph") == "6"
    assert page.evaluate("document.activeElement.id") == "cf-body"
    # the page tallies stances, so the form asks for one (optional on a draft)
    assert page.locator("#cf-stance input[name=stance]").count() == 3
    assert page.locator("#cf-stance-support").get_attribute("required") is None
    page.check("#cf-stance-oppose")
    page.fill("#cf-body", "浏览器测试：第六条的禁养名录应当与条例同时公布。")
    page.click("#comment-submit")
    page.wait_for_selector("#topic-status.is-ok")
    # 14: the focus is on the confirmation, not lost to <body>
    assert page.evaluate("document.activeElement.id") == "topic-status"
    assert page.get_attribute("#topic-status", "role") == "status"
    assert page.js_errors == []


def test_seeded_hearing_comments_never_show_no_stance(server):
    _, body = server.get(HEARING)
    html = body.decode("utf-8")
    assert "未表态" not in html
    _, body = server.get("/en" + HEARING)
    assert "No stance" not in body.decode("utf-8")


# --- 13: votes ------------------------------------------------------------------------------------

def voted(page) -> None:
    """Wait for the vote's answer (not the 'sending' message)."""
    page.wait_for_function("(t => t.length > 4 && !/正在提交|Sending/.test(t))("
                           "document.querySelector('.vote-status').textContent)")


def a_letter(server, n: int) -> str:
    _, body = server.get("/letters/")
    ids = re.findall(r'href="/letters/([0-9a-z]{10})/"', body.decode("utf-8"))
    assert len(ids) > n
    return ids[n]


@pytest.mark.parametrize("prefix,n", [("", 0), ("/en", 1)])
def test_vote_buttons_are_big_enough_count_at_once_and_say_the_network_voted(server, browser,
                                                                            prefix, n):
    letter = a_letter(server, n)
    path = f"{server.base}{prefix}/letters/{letter}/"
    one = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = at_server_time(one.new_page())
    page.goto(path)
    page.wait_for_selector("button.vote-up")
    for b in page.locator("button.vote").all():
        box = b.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, box
    before = int(page.inner_text("[data-count=up]"))
    page.click("button.vote-up")
    voted(page)
    assert int(page.inner_text("[data-count=up]")) == before + 1     # at once, no reload
    assert ("已记录" in page.inner_text(".vote-status")) if not prefix else (
        "counted" in page.inner_text(".vote-status"))
    one.close()

    # another browser on the same machine: the same network, told so honestly
    other = browser.new_context(locale="zh-CN")
    page = at_server_time(other.new_page())
    page.goto(path)
    page.wait_for_selector("button.vote-down")
    page.click("button.vote-down")
    voted(page)
    said = page.inner_text(".vote-status")
    assert "您已经投过票了" not in said
    assert ("您所在的网络" in said) if not prefix else ("from your network" in said), said
    assert int(page.inner_text("[data-count=up]")) == before + 1
    other.close()


# --- 14: focus after a comment --------------------------------------------------------------------

def test_focus_moves_to_the_confirmation_after_a_hearing_comment(server, page):
    page.goto(server.base + "/en" + HEARING)
    page.wait_for_selector("#comment-submit:not([disabled])")
    page.check("#cf-stance-neutral")
    page.fill("#cf-body", "Browser test: please publish the cost accounts.")
    page.click("#comment-submit")
    page.wait_for_selector("#topic-status.is-ok")
    assert page.evaluate("document.activeElement.id") == "topic-status"
    assert page.get_attribute("#topic-status", "tabindex") == "-1"


# --- the states these pages reach only by acting on them, through axe (WCAG 2.2 AA) ------------

def axe_problems(page, where: str) -> list[str]:
    return browserkit_axe(page, where, WCAG22_AA)


@pytest.mark.parametrize("width", [390, 1280])
def test_the_changed_states_pass_axe(server, browser, width):
    need(AXE, "axe-core")
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = at_server_time(context.new_page())
    problems = []
    for prefix in ("", "/en"):
        write_letter(page, server.base, prefix, phone="13912340000")
        problems += axe_problems(page, prefix + "/write/ (receipt)")
        page.goto(server.base + prefix + "/track/")
        page.click("#lost-secret summary")
        problems += axe_problems(page, prefix + "/track/ (lost password)")
        page.goto(server.base + prefix + DRAFT)
        page.wait_for_selector("#comment-submit:not([disabled])")
        problems += axe_problems(page, prefix + DRAFT)
        page.goto(f"{server.base}{prefix}/letters/{a_letter(server, 2)}/")
        page.wait_for_selector("button.vote-up")
        problems += axe_problems(page, prefix + "/letters/… (votes)")
    context.close()
    assert problems == []
