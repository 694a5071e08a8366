"""The staff console's inbox searched and paged with the filters in the URL, the table at 1280 px,
and a stale screen reloaded after a 409 (issue 11, items 5 and 6): headless Chromium against
a `wenzheng serve` of its own, whose store is seeded with 130 letters."""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from browserkit import AS_OF, at_server_time, serving

SHOTS = Path(os.environ.get("WENZHENG_SHOTS", "/tmp/wenzheng-shots"))
SEEDED = 130
LONG = "关于A市A7县星沙街道松雅湖片区多个新建住宅小区配套学校幼儿园迟迟未能建成投入使用的问题反映"


@pytest.fixture(scope="module")
def inbox_server(tmp_path_factory):
    with serving(tmp_path_factory.mktemp("inbox-serve"), ready_paths=("/api/health",)) as srv:
        _seed(srv.data / "wenzheng.sqlite3")
        yield srv


def _seed(path: Path) -> None:
    """130 submitted letters, a minute apart (the newest last), straight into the server's store;
    letters 7, 70 and 107 mention 测试井盖 (the demo letters do not)."""
    from chalicelib.adapters.sqlite import SqliteStore
    from chalicelib.domain.letters import Letter, LetterType
    store = SqliteStore(path)
    t0 = AS_OF - timedelta(days=1)
    with store.unit_of_work() as uow:
        for n in range(1, SEEDED + 1):
            at = t0 + timedelta(minutes=n)
            subject = (f"测试井盖缺失 {n}" if n in (7, 70, 107) else LONG if n % 10 == 0
                       else f"小区道路破损请求维修 {n}")
            letter = Letter(id=f"seed{n:04d}", tracking_code=f"WZSEED{n:04d}",
                            secret_hash="5e" * 32, type=LetterType.complaint, subject=subject,
                            body="请尽快处理。", public=True, submitted_at=at, name="王小明",
                            phone=f"1390000{n:04d}", email=None,
                            requested_department=None, source="web")
            letter.record_submission(at)
            uow.add_letter(letter)
        uow.commit()
    store.close()


def _page(browser, width: int, lang: str = "zh-CN"):
    context = browser.new_context(locale=lang, viewport={"width": width, "height": 900})
    page = context.new_page()
    at_server_time(page)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return page


def _login(page, base: str, username: str = "demo-office", path: str = "/staff/") -> None:
    page.goto(base + path)
    page.fill("#s-username", username)
    page.fill("#s-password", "demo")
    page.click("#s-login-submit")
    page.wait_for_selector("#console", state="visible")


def _rows(page) -> int:
    return page.locator("#inbox-body tr").count()


def _wait_rows(page, n: int) -> None:
    page.wait_for_function(f"document.querySelectorAll('#inbox-body tr').length === {n}")


def test_the_inbox_is_searched_and_paged_and_the_url_keeps_both(inbox_server, browser):
    page = _page(browser, 1280)
    base = inbox_server.base
    _login(page, base)
    page.wait_for_selector("#inbox-pager:not([hidden])")
    assert _rows(page) == 50
    shown = page.inner_text("#inbox-page")          # the demo letters and the 130 seeded
    pages = int(shown.split("/")[1].split()[0])
    assert shown == f"第 1 / {pages} 页" and pages >= 3
    second = f"第 2 / {pages}"
    page.click("#inbox-next")
    page.wait_for_function("location.hash.indexOf('page=2') >= 0")
    page.wait_for_function(
        f"document.querySelector('#inbox-page').textContent.indexOf('{second}') >= 0")
    first_on_2 = page.inner_text("#inbox-body tr:first-child td:nth-child(3)")
    page.reload()
    page.wait_for_function(
        f"document.querySelector('#inbox-page').textContent.indexOf('{second}') >= 0")
    assert page.inner_text("#inbox-body tr:first-child td:nth-child(3)") == first_on_2

    page.fill("#f-q", "测试井盖")
    page.click("#f-apply")
    _wait_rows(page, 3)
    assert "q=%E6%B5%8B%E8%AF%95%E4%BA%95%E7%9B%96" in page.evaluate("location.hash")
    assert "page=" not in page.evaluate("location.hash")          # a new search starts at 1
    assert page.is_hidden("#inbox-pager")
    assert "共 3 封" in page.inner_text("#inbox-status")
    page.reload()
    _wait_rows(page, 3)
    assert page.input_value("#f-q") == "测试井盖"

    # a letter from the results, and back to the same results
    page.click("#inbox-body tr:first-child a")
    page.wait_for_selector("#letter-section", state="visible")
    page.click("#d-back")
    _wait_rows(page, 3)
    assert page.input_value("#f-q") == "测试井盖"

    # the browser's back button: the letter, the search, then page 2 of the whole inbox
    for _ in range(3):
        page.go_back()
    page.wait_for_function(
        f"document.querySelector('#inbox-page').textContent.indexOf('{second}') >= 0")
    assert page.input_value("#f-q") == ""
    # part of a phone finds its letter
    page.fill("#f-q", "0000 0107")
    page.click("#f-apply")
    _wait_rows(page, 1)
    assert "测试井盖缺失 107" in page.inner_text("#inbox-body")
    assert page.js_errors == []
    page.context.close()


@pytest.mark.parametrize("lang, path", [("zh-CN", "/staff/"), ("en", "/en/staff/")])
def test_the_rating_column_fits_at_1280_px(inbox_server, browser, lang, path):
    page = _page(browser, 1280, lang)
    _login(page, inbox_server.base, path=path)
    _wait_rows(page, 50)
    sizes = page.evaluate("""() => {
      const th = document.querySelector('#inbox thead th:last-child').getBoundingClientRect();
      const wrap = document.querySelector('#inbox').parentElement;
      return {right: th.right, viewport: window.innerWidth,
              page: document.documentElement.scrollWidth,
              wrap: wrap.scrollWidth, wrapShown: wrap.clientWidth};
    }""")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.querySelector('#inbox-title').scrollIntoView()")
    page.screenshot(path=str(SHOTS / f"inbox-1280-{lang}.png"), full_page=False)
    assert sizes["right"] <= sizes["viewport"], sizes
    assert sizes["page"] <= sizes["viewport"], sizes
    assert sizes["wrap"] <= sizes["wrapShown"], sizes           # no sideways scroll needed
    page.set_viewport_size({"width": 390, "height": 844})
    page.evaluate("document.querySelector('#inbox-title').scrollIntoView()")
    page.screenshot(path=str(SHOTS / f"inbox-390-{lang}.png"), full_page=False)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.js_errors == []
    page.context.close()


@pytest.mark.parametrize("lang, path, letter_id, words", [
    ("zh-CN", "/staff/", "seed0003", ("已被他人处理", "转办")),
    ("en", "/en/staff/", "seed0004", ("changed elsewhere", "Dispatch")),
])
def test_a_409_reloads_the_letter_and_says_who_changed_it(inbox_server, browser, lang, path,
                                                          letter_id, words):
    base = inbox_server.base
    first, second = _page(browser, 1280, lang), _page(browser, 1280, lang)
    for tab in (first, second):
        _login(tab, base, path=path)
        tab.goto(f"{base}{path}#/letters/{letter_id}")
        tab.wait_for_selector("#a-dispatch", state="visible")
    # the second tab dispatches the letter ...
    second.select_option("#a-dispatch-department", index=1)
    second.click("#a-dispatch-submit")
    second.wait_for_selector("#action-status.is-ok")
    # ... the first, still showing 待转办 and its dispatch form, tries too
    assert first.is_visible("#a-dispatch")
    first.select_option("#a-dispatch-department", index=2)
    first.click("#a-dispatch-submit")
    first.wait_for_selector("#action-status.is-error")
    first.wait_for_function(
        "document.querySelector('#action-status').textContent.indexOf('demo-office') >= 0")
    said = first.inner_text("#action-status")
    assert all(w in said for w in words) and "demo-office" in said, said
    # the screen now shows the letter as it is: dispatched, no dispatch form
    assert first.inner_text("#d-status") == second.inner_text("#d-status")
    assert first.is_hidden("#a-dispatch")
    SHOTS.mkdir(parents=True, exist_ok=True)
    first.screenshot(path=str(SHOTS / f"conflict-1280-{lang}.png"))
    assert first.js_errors == [] and second.js_errors == []
    for tab in (first, second):
        tab.context.close()
