"""Invariant 4 through the real forms: when the answer to a submission is lost on the way back
(the request reached the API, the citizen saw an error) and the citizen presses the button
again, the form sends the same idempotency key and the API answers with the first result —
one letter, one comment, never two. An edited form is a new submission."""
from __future__ import annotations

import json
import time
import urllib.parse

from test_console_consultations import HEARING, api, comments, token

LETTERS = "**/api/letters"


def lose_first_answer(page, pattern: str) -> list[dict]:
    """Let the first POST reach the server, then drop its answer; pass the rest. Returns the
    bodies the page sent."""
    sent: list[dict] = []

    def handle(route):
        sent.append(json.loads(route.request.post_data or "{}"))
        if len(sent) == 1:
            route.fetch()            # the server commits it ...
            route.abort("connectionreset")   # ... and the citizen never hears back
        else:
            route.continue_()
    page.route(pattern, handle)
    return sent


def test_a_letter_sent_again_after_a_lost_answer_is_stored_once(server, page):
    subject = f"丢失应答测试 {int(time.time() * 1000) % 1_000_000}"
    sent = lose_first_answer(page, LETTERS)
    page.goto(server.base + "/write/")
    page.wait_for_selector("#w-submit:not([disabled])")
    page.check("#w-type-suggestion")
    page.fill("#w-subject", subject)
    page.fill("#w-body", "建议在小区门口增设公交站。")
    page.click("#w-submit")
    page.wait_for_selector("#write-status.is-error")
    assert page.is_visible("#write-form")               # nothing shown as sent
    page.click("#w-submit")                             # the citizen tries again
    page.wait_for_selector("#write-result", state="visible")
    assert len(sent) == 2 and sent[0]["idempotency_key"] == sent[1]["idempotency_key"]
    code = page.inner_text("#w-code").strip()
    status, answer = api(server, "GET", "/api/staff/letters?status=submitted&per_page=100&q="
                         + urllib.parse.quote(subject), token=token(server))
    assert status == 200
    mine = [r for r in answer["rows"] if r["subject"] == subject]
    assert len(mine) == 1 and mine[0]["tracking_code"] == code
    assert page.js_errors == []


def test_a_comment_sent_again_is_stored_once_and_an_edited_one_is_new(server, page):
    body = f"丢失应答测试：请公开听证材料 {int(time.time() * 1000) % 1_000_000}"
    sent = lose_first_answer(page, f"**/api/topics/{HEARING}/comments")
    page.goto(server.base + f"/consultations/{HEARING}/")
    page.wait_for_selector("#comment-submit:not([disabled])")
    page.check("#cf-stance-neutral")
    page.fill("#cf-body", body)
    page.click("#comment-submit")
    page.wait_for_selector("#topic-status.is-error")
    page.click("#comment-submit")
    page.wait_for_selector("#topic-status.is-ok")
    assert sent[0]["idempotency_key"] == sent[1]["idempotency_key"]
    # the next comment, even with the same words, is a new one
    page.check("#cf-stance-neutral")
    page.fill("#cf-body", body + "（补充）")
    page.click("#comment-submit")
    page.wait_for_function("document.getElementById('cf-body').value === ''")
    assert len(sent) == 3 and sent[2]["idempotency_key"] != sent[1]["idempotency_key"]
    pending = [c["body"] for c in comments(server, HEARING, "pending")]
    assert pending.count(body) == 1 and pending.count(body + "（补充）") == 1
    assert page.js_errors == []
