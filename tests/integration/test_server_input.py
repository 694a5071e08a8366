"""The embedded server's own bad requests, over a real socket: every one gets a complete 4xx in
API.md's error shape (or a plain refusal for a static path), quickly, and the server goes on.

Before: no answer at all for `Content-Length: -5`, `abc`, or a Content-Length larger than the
body (the connection was held), a broken pipe instead of a 413 for a 10 MB body, 501 HTML pages
for OPTIONS and TRACE.
"""
from __future__ import annotations

import json
import socket
import time

import pytest


def exchange(server, raw: bytes, *, wait: float = 15.0) -> tuple[int, dict, bytes, float]:
    """Send raw bytes, read one whole answer; (status, headers, body, seconds)."""
    t0 = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=wait) as s:
        s.sendall(raw)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            assert chunk, f"connection closed without an answer to {raw[:80]!r}"
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in
                   (line.partition(":") for line in lines[1:])}
        length = int(headers["content-length"])
        while len(body) < length:
            chunk = s.recv(65536)
            assert chunk, "answer cut short"
            body += chunk
    return status, headers, body, time.monotonic() - t0


def request(method: str, path: str, body: bytes = b"", headers: dict | None = None,
            length: str | None = None) -> bytes:
    h = {"Host": "127.0.0.1", "Content-Type": "application/json", "Connection": "close",
         **(headers or {})}
    if length is not None:
        h["Content-Length"] = length
    elif body:
        h["Content-Length"] = str(len(body))
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items())
    return head.encode() + b"\r\n" + body


def api_error(status, headers, body) -> str:
    assert 400 <= status < 500, (status, body[:200])
    assert headers["content-type"].startswith("application/json"), headers
    err = json.loads(body)["error"]
    assert err["message"] and err["message_en"]
    return err["code"]


LETTER = json.dumps({"type": "help", "subject": "路灯不亮", "body": "请修。"}).encode()


@pytest.mark.parametrize("length, code", [("-5", "bad_content_length"),
                                          ("abc", "bad_content_length"),
                                          ("1e3", "bad_content_length"),
                                          ("99999999999999999999999", "bad_content_length")])
def test_a_content_length_that_is_not_a_length(live_server, length, code):
    status, headers, body, took = exchange(live_server, request("POST", "/api/letters", LETTER,
                                                                length=length))
    assert status == 400 and api_error(status, headers, body) == code and took < 5


def test_a_body_shorter_than_its_content_length_is_answered_not_held(live_server):
    raw = request("POST", "/api/letters", LETTER[:10], length=str(len(LETTER)))
    status, headers, body, took = exchange(live_server, raw)
    assert status == 408 and api_error(status, headers, body) == "incomplete_body"
    assert took < 10          # WENZHENG_BODY_SECONDS=2 in the test server


def test_a_10_mb_body_is_read_and_refused_with_413(live_server):
    big = b'{"body": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    status, headers, body, _ = exchange(live_server, request("POST", "/api/letters", big))
    assert status == 413 and api_error(status, headers, body) == "too_large"
    # under the server's bound but over the function's: the function's own 413
    mid = b'{"body": "' + b"x" * (200 * 1024) + b'"}'
    status, headers, body, _ = exchange(live_server, request("POST", "/api/letters", mid))
    assert status == 413 and api_error(status, headers, body) == "too_large"


def test_a_chunked_body_is_asked_for_its_length(live_server):
    raw = request("POST", "/api/letters", b"5\r\nhello\r\n0\r\n\r\n",
                  headers={"Transfer-Encoding": "chunked"})
    status, headers, body, _ = exchange(live_server, raw)
    assert status == 411 and api_error(status, headers, body) == "length_required"


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/letters"), ("PUT", "/api/letters"), ("DELETE", "/api/letters"),
    ("PATCH", "/api/staff/letters/abc"), ("TRACE", "/api/letters"), ("CONNECT", "/api/health"),
    ("FOO", "/api/letters"), ("PUT", "/api/health")])
def test_wrong_methods_answer_405_in_the_api_shape(live_server, method, path):
    status, headers, body, _ = exchange(live_server, request(method, path, b"{}"))
    assert status == 405 and api_error(status, headers, body) == "method_not_allowed"
    assert headers.get("allow")


def test_options_says_what_a_path_allows(live_server):
    status, headers, _, _ = exchange(live_server, request("OPTIONS", "/api/letters"))
    assert status == 204 and "POST" in headers["allow"]
    status, headers, body, _ = exchange(live_server, request("OPTIONS", "/api/nothing-here"))
    assert status == 404 and api_error(status, headers, body) == "not_found"
    status, headers, _, _ = exchange(live_server, request("OPTIONS", "/"))
    assert status == 204 and headers["allow"] == "GET, HEAD, OPTIONS"


def test_a_wrong_content_type_answers_415_in_the_api_shape(live_server):
    raw = request("POST", "/api/letters", LETTER, headers={"Content-Type": "text/xml"})
    status, headers, body, _ = exchange(live_server, raw)
    assert status == 415 and api_error(status, headers, body) == "unsupported_media_type"


@pytest.mark.parametrize("path", ["/%00", "/a%00b/", "/" + "x" * 5000, "/../../etc/passwd",
                                  "/%2e%2e/%2e%2e/etc/passwd"])
def test_static_paths_that_name_no_file(live_server, path):
    status, headers, body, _ = exchange(live_server, request("GET", path))
    assert status in (404, 414), (status, body[:100])
    assert b"root:" not in body


def test_static_writes_and_traces_are_refused(live_server):
    for method in ("POST", "PUT", "DELETE", "TRACE"):
        status, headers, _, _ = exchange(live_server, request(method, "/index.html", b"x"))
        assert status == 405 and "GET" in headers["allow"]


def test_a_request_line_that_is_not_http(live_server):
    status, headers, body, _ = exchange(live_server, b"HELLO\r\n\r\n")
    assert status == 400 and api_error(status, headers, body) == "bad_request"


def test_keep_alive_serves_several_requests_on_one_connection(live_server):
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=10) as s:
        for _ in range(3):
            s.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
            data = b""
            while b'"ok"' not in data:
                chunk = s.recv(4096)
                assert chunk, "closed after one answer"
                data += chunk
            assert data.startswith(b"HTTP/1.1 200")


def test_the_server_still_answers_after_all_of_it(live_server):
    status, _, body, _ = exchange(live_server, request("GET", "/api/health"))
    assert status == 200 and json.loads(body) == {"status": "ok"}


def test_the_log_has_one_line_per_api_request_without_ids_or_text(live_server):
    raw = json.dumps({"type": "help", "subject": "日志里不应出现的主题", "body": "正文",
                      "phone": "13912345678"}).encode()
    status, _, body, _ = exchange(live_server, request("POST", "/api/letters", raw))
    answer = json.loads(body)
    assert status == 201
    code = answer["tracking_code"]
    exchange(live_server, request("GET", f"/api/letters/{code}",
                                  headers={"X-Letter-Secret": answer["secret"]}))
    time.sleep(0.3)
    log = (live_server.data / "serve.log").read_text()
    assert "wenzheng.requests POST /api/letters 201" in log
    assert "wenzheng.requests GET /api/letters/{ref} 200" in log
    for private in (code, answer["secret"], answer["id"], "日志里不应出现的主题", "13912345678"):
        assert private not in log
