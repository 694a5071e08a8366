"""A real `wenzheng serve` (demo city, embedded store) and headless Chromium driving it.

The tools come from `scripts/test-tools.sh` (Debian's chromium, npm's axe-core and vnu-jar).
Under CI (`WENZHENG_REQUIRE_TOOLS=1`) a missing tool fails the run instead of skipping.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest

from browserkit import (AS_OF, CHROMIUM, ROOT, Server, _started, as_of_now,  # noqa: F401
                        at_server_time, free_port, need)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = {**os.environ, "WENZHENG_STAGE": "local", "WENZHENG_STORE": "sqlite"}
    env.pop("WENZHENG_SITE_BUCKET", None)
    log = open(data / "serve.log", "w")
    _started[:] = [datetime.now(timezone.utc)]
    proc = subprocess.Popen([sys.executable, "-m", "publisher.cli", "serve", "--port", str(port),
                             "--data", str(data), "--tick-seconds", "3600",
                             "--as-of", AS_OF.isoformat()],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    srv = Server(f"http://127.0.0.1:{port}", data, proc)
    try:
        end = time.monotonic() + 120
        while time.monotonic() < end:
            if proc.poll() is not None:
                raise AssertionError("wenzheng serve exited:\n" + (data / "serve.log").read_text())
            try:
                if srv.get("/api/health")[0] == 200 and srv.get("/")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.3)
        else:
            raise AssertionError("wenzheng serve did not start:\n" + (data / "serve.log").read_text())
        yield srv
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


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
