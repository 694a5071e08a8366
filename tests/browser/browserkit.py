"""What the browser tests share: tool paths, the day they play, the server handle. A module
of its own name (not `conftest`, which every test folder has) so test files can import it
whichever folders one pytest run collects."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
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


