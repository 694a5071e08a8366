"""`python -m bench.load [--clients 32] [--letters 2000] [--staff-requests 4800]`

Many citizens and staff at once against a real `wenzheng serve` (embedded store, started here in
a fresh data folder unless `--url` names a running one): every client its own keep-alive
connection, as a browser has.

- **Submissions.** Each client submits letters with fresh idempotency keys and opens each one
  with the tracking code and secret it was answered with: the letter must be its own (same id,
  same subject), fresh keys must be answered 201 (never as a replay), a repeated key 200 with the
  first answer.
- **Identities.** Clerks of one department and the office, interleaved on the same letters: the
  clerk must get 403 for another department's letter and 200 for its own, the office 200 with
  the private fields, every time.

No connection may be reset or refused. Prints requests/s and p50/p99 latency per scenario; the
suite's `tests/integration/test_server_load.py` runs the same code at a smaller size and asserts
the correctness half (the figures are for bench/README.md, not for a timed test).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "load-test-password"


@dataclass
class Tally:
    """What one scenario saw: latencies, and every answer that broke a rule."""

    latencies: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    resets: int = 0
    started: float = 0.0
    ended: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds)

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)

    def figures(self) -> dict:
        lat = sorted(self.latencies)
        wall = max(self.ended - self.started, 1e-9)
        pick = (lambda q: round(lat[min(len(lat) - 1, int(q * len(lat)))] * 1000, 1)) \
            if lat else (lambda q: None)
        return {"requests": len(lat), "seconds": round(wall, 2),
                "requests_per_s": round(len(lat) / wall, 1),
                "p50_ms": pick(0.50), "p99_ms": pick(0.99),
                "median_ms": round(statistics.median(lat) * 1000, 1) if lat else None,
                "resets": self.resets, "problems": len(self.problems)}


class Client:
    """One keep-alive connection, reopened only when the server closes it after an answer."""

    def __init__(self, base: str, tally: Tally) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.tally = tally
        self.conn: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, body: dict | None = None,
             headers: dict | None = None) -> tuple[int, dict | None]:
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        h = {"Content-Type": "application/json", **(headers or {})}
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            t0 = time.perf_counter()
            try:
                self.conn.request(method, path, body=data, headers=h)
                resp = self.conn.getresponse()
                raw = resp.read()
            except (ConnectionResetError, ConnectionRefusedError, BrokenPipeError,
                    http.client.RemoteDisconnected) as exc:
                self.conn.close()
                self.conn = None
                # a keep-alive connection the server closed while idle is retried once; any
                # other loss is a reset the citizen would have seen
                with self.tally.lock:
                    self.tally.resets += 1
                self.tally.problem(f"{method} {path}: {type(exc).__name__}")
                if attempt:
                    return 0, None
                continue
            self.tally.add(time.perf_counter() - t0)
            if resp.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            try:
                return resp.status, json.loads(raw) if raw else None
            except ValueError:
                return resp.status, None
        return 0, None


def run_clients(n: int, work) -> None:
    barrier = threading.Barrier(n)

    def one(i: int) -> None:
        barrier.wait()
        work(i)
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def submissions(base: str, clients: int, letters: int) -> Tally:
    """Each client submits its share of `letters` and opens every one it was answered with."""
    tally = Tally()
    per = max(1, letters // clients)

    def work(i: int) -> None:
        c = Client(base, tally)
        for j in range(per):
            key = uuid.uuid4().hex
            subject = f"负载测试 {i}-{j} {key[:8]}"
            payload = {"type": "suggestion", "subject": subject,
                       "body": f"第 {i} 位市民的第 {j} 封来信。", "public": False,
                       "name": f"市民{i}", "idempotency_key": key}
            status, answer = c.call("POST", "/api/letters", payload,
                                    {"User-Agent": f"load-{i}"})
            if status != 201 or not answer:
                tally.problem(f"submit {i}-{j}: {status} {answer}")
                continue
            if j % 10 == 0:       # the same key again: the first answer, as a replay
                again, replay = c.call("POST", "/api/letters", payload)
                if again != 200 or replay != answer:
                    tally.problem(f"replay {i}-{j}: {again} {replay} != {answer}")
            status, view = c.call("GET", f"/api/letters/{answer['tracking_code']}",
                                  headers={"X-Letter-Secret": answer["secret"]})
            if status != 200 or not view or view.get("id") != answer["id"] \
                    or view.get("subject") != subject:
                tally.problem(f"track {i}-{j}: {status} {view and view.get('subject')!r}"
                              f" is not {subject!r}")
    tally.started = time.perf_counter()
    run_clients(clients, work)
    tally.ended = time.perf_counter()
    return tally


def identities(base: str, clients: int, requests: int, tokens: dict[str, str],
               letters: dict[str, list[str]], own: str) -> Tally:
    """Half the clients are clerks of `own`, half the office, on the same letters."""
    tally = Tally()
    per = max(1, requests // clients)
    other = [lid for dept, ids in letters.items() if dept != own for lid in ids]
    mine = letters[own]

    def work(i: int) -> None:
        c = Client(base, tally)
        clerk = i % 2 == 0
        auth = {"Authorization": f"Bearer {tokens['clerk' if clerk else 'office']}"}
        for j in range(per):
            theirs = j % 2 == 0
            pool = other if theirs else mine
            lid = pool[(i * per + j) % len(pool)]
            status, view = c.call("GET", f"/api/staff/letters/{lid}", headers=auth)
            if clerk and theirs:
                if status != 403 or (view and "phone" in view):
                    tally.problem(f"clerk got another department's letter {lid}: {status}")
            elif status != 200 or not view or view.get("id") != lid or "phone" not in view:
                who = "clerk" if clerk else "office"
                tally.problem(f"{who} refused its letter {lid}: {status} {view}")
    tally.started = time.perf_counter()
    run_clients(clients, work)
    tally.ended = time.perf_counter()
    return tally


def prepare_staff(base: str, per_department: int = 10) -> tuple[dict, dict, str]:
    """Log in the office and a clerk; letters dispatched to two departments."""
    tally = Tally()
    c = Client(base, tally)
    tokens = {}
    for who, user in (("office", "load-office"), ("clerk", "load-clerk")):
        status, body = c.call("POST", "/api/staff/login", {"username": user,
                                                           "password": PASSWORD})
        assert status == 200, (status, body)
        tokens[who] = body["token"]
    status, depts = c.call("GET", "/api/departments")
    own, other = depts[0]["id"], depts[1]["id"]
    letters: dict[str, list[str]] = {own: [], other: []}
    for dept in (own, other):
        for k in range(per_department):
            status, answer = c.call("POST", "/api/letters", {
                "type": "complaint", "subject": f"部门来信 {dept} {k}", "body": "请处理。",
                "phone": "13800000000", "idempotency_key": uuid.uuid4().hex},
                {"User-Agent": "prepare"})
            assert status == 201, (status, answer)
            status, body = c.call("POST", f"/api/staff/letters/{answer['id']}/dispatch",
                                  {"department": dept},
                                  {"Authorization": f"Bearer {tokens['office']}"})
            assert status == 200, (status, body)
            letters[dept].append(answer["id"])
    assert not tally.problems, tally.problems
    return tokens, letters, own


class LocalServer:
    """`wenzheng serve --no-demo` in a fresh data folder, with a clerk and an office account."""

    def __init__(self, data: Path, port: int, env: dict | None = None) -> None:
        self.data, self.port = data, port
        self.env = {**os.environ, "WENZHENG_STAGE": "local", "WENZHENG_STORE": "sqlite",
                    **(env or {})}
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LocalServer:
        if LOAD_LIMITS:
            # the abuse limits are for one citizen at a time; a load run is many clients on one
            # address, so it runs on a copy of content/ whose abuse.yaml lifts them
            import shutil
            content = self.data / "content"
            shutil.copytree(REPO / "content", content)
            (content / "abuse.yaml").write_text(
                "".join(f"{k}: {v}\n" for k, v in LOAD_LIMITS.items()), encoding="utf-8")
            self.env["WENZHENG_CONTENT"] = str(content)
        cli = [sys.executable, "-m", "wenzheng.cli"]
        first = None
        for user, role in (("load-office", "office"), ("load-clerk", "clerk")):
            cmd = cli + ["account", "add", user, "--role", role, "--data", str(self.data)]
            if role == "clerk":
                import yaml
                raw = yaml.safe_load((REPO / "content" / "departments.yaml").read_text("utf-8"))
                rows = raw["departments"] if isinstance(raw, dict) else raw
                first = rows[0]["id"]
                cmd += ["--department", first]
            subprocess.run(cmd, input=PASSWORD + "\n", text=True, cwd=REPO, env=self.env,
                           check=True, capture_output=True)
        self.log = open(self.data / "serve.log", "w")
        self.proc = subprocess.Popen(
            cli + ["serve", "--no-demo", "--port", str(self.port), "--data", str(self.data),
                   "--tick-seconds", "3600"],
            cwd=REPO, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        end = time.monotonic() + 120
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                log = (self.data / "serve.log").read_text()
                raise RuntimeError("wenzheng serve exited:\n" + log)
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/api/health")
                if conn.getresponse().status == 200:
                    conn.close()
                    return self
            except OSError:
                time.sleep(0.2)
        log = (self.data / "serve.log").read_text()
        raise RuntimeError("wenzheng serve did not start:\n" + log)

    def __exit__(self, *exc: object) -> None:
        if self.proc:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--letters", type=int, default=2000)
    ap.add_argument("--staff-requests", type=int, default=4800)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="wenzheng-load-") as tmp, \
            LocalServer(Path(tmp), free_port(), env=LOAD_ENV) as server:
        sub = submissions(server.url, args.clients, args.letters)
        tokens, letters, own = prepare_staff(server.url)
        ids = identities(server.url, args.clients, args.staff_requests, tokens, letters, own)
    report = {"clients": args.clients, "submissions": sub.figures(), "identities": ids.figures(),
              "problems": (sub.problems + ids.problems)[:20]}
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0 if not (sub.problems or ids.problems or sub.resets or ids.resets) else 1


LOAD_ENV: dict[str, str] = {"WENZHENG_BODY_SECONDS": "2"}
LOAD_LIMITS = {"letters_per_hour": 1_000_000, "letters_per_day": 1_000_000,
               "guesses_per_client": 1_000, "guesses_per_account": 1_000}

if __name__ == "__main__":
    sys.exit(main())
