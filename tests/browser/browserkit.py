"""What the browser tests share: tool paths, the day they play, the server handle. A module
of its own name (not `conftest`, which every test folder has) so test files can import it
whichever folders one pytest run collects."""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from datetime import UTC, datetime, timedelta, timezone
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
    return AS_OF + (datetime.now(UTC) - _started[0]) if _started else AS_OF


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




@contextlib.contextmanager
def serving(data: Path, *, ready_paths: tuple[str, ...] = ("/api/health", "/")):
    """A real `wenzheng serve` of the demo city in `data`, its clock started at AS_OF; stopped
    afterwards. Every browser test's server is started here."""
    import sys
    port = free_port()
    env = {**os.environ, "WENZHENG_STAGE": "local", "WENZHENG_STORE": "sqlite",
           # the demo city's few letters cut into many word chunks, as 100,000 would be, so
           # the searches here go through Pagefind's chunk lookup (publisher/search/rechunk.py)
           "WENZHENG_SEARCH_CHUNK_LOCS": "300"}
    env.pop("WENZHENG_SITE_BUCKET", None)
    log = open(data / "serve.log", "w")
    if not _started:
        _started[:] = [datetime.now(UTC)]
    proc = subprocess.Popen([sys.executable, "-m", "wenzheng.cli", "serve", "--port", str(port),
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
                if all(srv.get(path)[0] == 200 for path in ready_paths):
                    break
            except OSError:
                pass
            time.sleep(0.3)
        else:
            log = (data / "serve.log").read_text()
            raise AssertionError("wenzheng serve did not start:\n" + log)
        yield srv
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def post_json(server, path: str, body: dict, token: str | None = None) -> tuple[int, dict]:
    """POST a JSON body to the server, as a staff member when `token` is given."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(server.base + path, data=json.dumps(body).encode(),
                                 headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


WCAG21_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
WCAG22_AA = WCAG21_AA + ("wcag22aa",)


def axe_problems(page, where: str, tags: tuple[str, ...] = WCAG21_AA) -> list[str]:
    """axe-core's violations of the page as it is now, one line each, prefixed with `where`."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           list(tags))
    return [f"{where}: {v['id']} ({v['impact']}): "
            + "; ".join(n["target"][0] for n in v["nodes"][:3])
            for v in result["violations"]]
