"""A real `wenzheng serve` (demo city, embedded store) and headless Chromium driving it.

The tools come from `scripts/test-tools.sh` (Debian's chromium, npm's axe-core and vnu-jar).
Under CI (`WENZHENG_REQUIRE_TOOLS=1`) a missing tool fails the run instead of skipping.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NODE = ROOT / "tools" / "node" / "node_modules"
AXE = NODE / "axe-core" / "axe.min.js"
VNU = NODE / "vnu-jar" / "build" / "dist" / "vnu.jar"
REQUIRED = os.environ.get("WENZHENG_REQUIRE_TOOLS") == "1"

# The day the browser tests play, whatever the date they run on: the server's clock starts here
# (`wenzheng serve --as-of`) and so does every page's. The demo city's hearing, solicitation and
# survey are open then, its interview and the metro-fare solicitation are over.
AS_OF = datetime(2026, 11, 25, 10, 0, tzinfo=timezone(timedelta(hours=8)))
_started: list[datetime] = []     # the real time when the server's clock read AS_OF


def as_of_now() -> datetime:
    """The server's current time (AS_OF plus the time since the server started)."""
    return AS_OF + (datetime.now(timezone.utc) - _started[0]) if _started else AS_OF


def at_server_time(page):
    """The page with its clock at the server's time (its timers keep running)."""
    page.clock.set_system_time(as_of_now())
    return page


def need(path: Path | str, what: str) -> None:
    if not Path(path).exists():
        message = f"{what} not installed ({path}); run scripts/test-tools.sh"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, base: str, data: Path, proc: subprocess.Popen) -> None:
        self.base, self.data, self.proc = base, data, proc

    def get(self, path: str, headers: dict | None = None) -> tuple[int, bytes]:
        req = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def json(self, path: str, headers: dict | None = None):
        status, body = self.get(path, headers)
        return status, json.loads(body)

    def wait_for(self, path: str, timeout: float = 15.0) -> bytes:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            status, body = self.get(path)
            if status == 200:
                return body
            time.sleep(0.2)
        raise AssertionError(f"{path} did not appear within {timeout}s")


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
