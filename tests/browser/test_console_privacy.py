"""Personal data in the console (issue 16, item 6), headless Chromium against a `wenzheng serve`
of its own: the office removes a writer's personal data at the writer's request (the erasure
form, with its reason), and the admin, whose console has no letters, looks up who read a
letter's name, phone and e-mail, when and how. Both pass axe (WCAG 2.1 AA) and fit a 390 px
phone."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from browserkit import AXE, ROOT, at_server_time, axe_problems, need, post_json, serving

ADMIN, PASSWORD = "audit-admin", "an admin's long passphrase"


@pytest.fixture(scope="module")
def privacy_server(tmp_path_factory):
    with serving(tmp_path_factory.mktemp("privacy-serve"), ready_paths=("/api/health",)) as srv:
        # the demo city has no administrator: one is added as a deployment adds its first
        done = subprocess.run(
            [sys.executable, "-m", "wenzheng.cli", "account", "add", ADMIN, "--role", "admin"],
            cwd=ROOT, input=PASSWORD + "\n", text=True, capture_output=True,
            env={**os.environ, "WENZHENG_STAGE": "local", "WENZHENG_STORE": "sqlite",
                 "WENZHENG_DATA": str(srv.data)})
        assert done.returncode == 0, done.stderr
        yield srv


def _sign_in(browser, server, user: str, password: str = "demo", lang: str = "zh-CN"):
    context = browser.new_context(locale=lang, viewport={"width": 390, "height": 844})
    page = context.new_page()
    at_server_time(page)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda d: errors.append("dialog: " + d.message))
    page.goto(server.base + ("/en" if lang == "en" else "") + "/staff/")
    page.fill("#s-username", user)
    page.fill("#s-password", password)
    page.click("#s-login-submit")
    page.wait_for_selector("#console", state="visible")
    return context, page, errors


def _letter(server) -> str:
    status, made = post_json(server, "/api/letters", {
        "type": "complaint", "subject": "楼下餐馆油烟扰民", "body": "油烟很大，我是王秀英。",
        "department": None, "name": "王秀英", "phone": "13912345678",
        "email": "wxy@example.com", "public": False, "idempotency_key": None})
    assert status == 201, made
    return str(made["id"])


def test_the_office_erases_and_the_admin_sees_who_read(privacy_server, browser):
    need(AXE, "axe-core")
    lid = _letter(privacy_server)
    context, page, errors = _sign_in(browser, privacy_server, "demo-office")
    page.goto(f"{privacy_server.base}/staff/#/letters/{lid}")
    page.wait_for_selector("#a-erase", state="visible")
    assert page.locator("#d-phone").inner_text() == "13912345678"
    page.click("#a-erase-submit")                          # no reason: the browser asks for one
    assert page.locator("#d-phone").inner_text() == "13912345678"
    # the reason is staff text shown in the history: inert, like citizen text
    page.fill("#a-erase-reason", "来信人 12 月 8 日来电要求删除<img src=x onerror=alert(1)>")
    page.click("#a-erase-submit")
    page.wait_for_function("document.getElementById('d-phone').textContent === '—'")
    assert page.locator("#d-name").inner_text() == "—"
    assert page.locator("#d-email").inner_text() == "—"
    assert "个人信息已删除" in page.locator("#action-status").inner_text()
    history = page.locator("#d-history-body").inner_text()
    assert "删除个人信息" in history and "<img src=x onerror=alert(1)>" in history
    assert page.locator("#d-history-body img").count() == 0
    assert not page.locator("#a-erase").is_visible()        # nothing left to remove
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not errors, errors
    context.close()

    context, page, errors = _sign_in(browser, privacy_server, ADMIN, PASSWORD)
    page.wait_for_selector("#access-section", state="visible")
    assert not page.locator("#nav-letters-item").is_visible()   # the admin reads no letters
    assert page.locator("#nav-access").get_attribute("aria-current") == "page"
    page.fill("#access-letter", lid)
    page.click("#access-form button[type=submit]")
    page.wait_for_selector("#access-result", state="visible")
    rows = page.locator("#access-body tr").all_inner_texts()
    assert any("demo-office" in r and "打开来信" in r for r in rows), rows
    assert any("办理操作" in r for r in rows), rows                # the erasure's answer
    assert page.url.endswith(f"#/access/{lid}")
    assert "王秀英" not in page.content() and "13912345678" not in page.content()
    assert axe_problems(page, "access records") == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.fill("#access-letter", "no-such-letter")
    page.click("#access-form button[type=submit]")
    page.wait_for_function(
        "document.getElementById('access-status').textContent.includes('没有这个编号')")
    assert not page.locator("#access-result").is_visible()
    assert not errors, errors
    context.close()


def test_the_english_console_says_the_same(privacy_server, browser):
    need(AXE, "axe-core")
    lid = _letter(privacy_server)
    context, page, errors = _sign_in(browser, privacy_server, "demo-office", lang="en")
    page.goto(f"{privacy_server.base}/en/staff/#/letters/{lid}")
    page.wait_for_selector("#a-erase", state="visible")
    assert "Remove the writer's personal data" in page.locator("#a-erase").inner_text()
    assert axe_problems(page, "erase form (en)") == []
    context.close()
    context, page, errors = _sign_in(browser, privacy_server, ADMIN, PASSWORD, lang="en")
    page.goto(f"{privacy_server.base}/en/staff/#/access/{lid}")
    page.wait_for_selector("#access-result", state="visible")
    rows = page.locator("#access-body tr").all_inner_texts()
    assert any("demo-office" in r and "opened the letter" in r for r in rows), rows
    assert not errors, errors
    context.close()
