"""A real `wenzheng serve` (demo city, embedded store) and headless Chromium driving it.

The tools come from `scripts/test-tools.sh` (Debian's chromium, npm's axe-core and vnu-jar).
Under CI (`WENZHENG_REQUIRE_TOOLS=1`) a missing tool fails the run instead of skipping.
"""
from __future__ import annotations

import pytest
from browserkit import (  # noqa: F401
    AS_OF,
    CHROMIUM,
    ROOT,
    Server,
    _started,
    as_of_now,
    at_server_time,
    free_port,
    need,
    serving,
)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    with serving(tmp_path_factory.mktemp("serve")) as srv:
        yield srv


@pytest.fixture(scope="session")
def browser():
    need(CHROMIUM, "chromium")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    pg = context.new_page()
    at_server_time(pg)                 # the server's day (a test may install its own clock)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.js_errors = errors
    yield pg
    context.close()
