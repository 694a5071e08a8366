"""schemathesis against the document the live server serves: every operation of
/api/openapi.json is called with generated requests, valid and invalid, and every answer must
be what the document says (status, content type, schema), valid requests accepted, invalid ones
refused, undeclared methods a 405 in the error shape.

Bounded to stay well under two minutes on two cores: a fixed number of examples per operation,
deterministic generation (the same cases every run), and `Connection: close` on each request
(the embedded server answers a keep-alive connection's later requests ~40 ms late, Nagle's
algorithm meeting delayed ACKs, which alone would triple the run). What the server does beyond
the schemas, and why, is in schemathesis.toml beside this file.
"""
from __future__ import annotations

import http.client
import json
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
MAX_EXAMPLES = 20          # per operation, in the fuzzing phase; the coverage phase is exhaustive
# the work is bounded by the examples (about 45 s on two idle cores); this only stops a hang
BUDGET_SECONDS = 600


def _token(server) -> str:
    from bench.load import PASSWORD
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("POST", "/api/staff/login", json.dumps(
        {"username": "load-office", "password": PASSWORD}),
        {"Content-Type": "application/json"})
    answer = json.loads(conn.getresponse().read())
    conn.close()
    return answer["token"]


def test_the_served_document_says_what_the_server_does(live_server, tmp_path):
    cli = Path(sys.executable).with_name("schemathesis")
    if not cli.exists():
        pytest.fail("schemathesis is not installed: pip install -e '.[dev]'")
    cmd = [str(cli), "--config-file", str(HERE / "schemathesis.toml"), "--no-color", "run",
           f"{live_server.url}/api/openapi.json", "--checks", "all",
           "--phases", "coverage,fuzzing", "--max-examples", str(MAX_EXAMPLES),
           "--generation-deterministic", "--workers", "2", "--request-timeout", "10",
           "-H", f"Authorization: Bearer {_token(live_server)}", "-H", "Connection: close",
           "--report", "junit", "--report-dir", str(tmp_path)]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=BUDGET_SECONDS,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    assert " passed" in run.stdout and "failures" not in run.stdout.split("SUMMARY")[-1]
