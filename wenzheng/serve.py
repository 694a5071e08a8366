"""`wenzheng serve`: the whole system on one port, as the CDN serves it in AWS.

`/api/*` goes to the same Chalice app the Lambda function runs (`FunctionGateway` builds the
event API Gateway would, with the caller's own address), everything else is a file of the
built site. Each connection has its thread, and each thread its own request in the app. Two
background threads stand in for AWS: a dispatcher that publishes each change record as it is
committed (the DynamoDB stream) and a timer that runs the scheduled job (the Chalice schedule).
"""
from __future__ import annotations

import base64
import importlib.util
import json
import logging
import mimetypes
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import chalicelib
from chalicelib import bootstrap
from chalicelib.domain.errors import error_body
from chalicelib.services import supervision
from publisher.runtime import site_dir

log = logging.getLogger("wenzheng.serve")
requests_log = logging.getLogger("wenzheng.requests")   # one line per API request

TYPES = {".html": "text/html; charset=utf-8", ".xml": "application/xml; charset=utf-8",
         ".json": "application/json; charset=utf-8", ".csv": "text/csv; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".txt": "text/plain; charset=utf-8", ".svg": "image/svg+xml"}
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"}
MAX_REQUEST = 1024 * 1024       # the function refuses more than 64 KB itself
DRAIN_MAX = 16 * 1024 * 1024    # of a larger body, read and thrown away before the 413
DRAIN_SECONDS = 10.0
IDLE_SECONDS = 30.0


def load_function_module():
    """functions/app.py as a module (its `app` and event handlers), as Lambda loads it."""
    path = Path(chalicelib.__file__).resolve().parent.parent / "app.py"
    spec = importlib.util.spec_from_file_location("wenzheng_function_app", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_chalice_app():
    """The Chalice app object of functions/app.py."""
    return load_function_module().app


def _json(code: str, message: str, message_en: str) -> bytes:
    return json.dumps(error_body(code, message, message_en), ensure_ascii=False).encode()


class FunctionGateway:
    """What API Gateway does in front of the function, for one request on the calling thread:
    match the route, build the Lambda proxy event with the caller's own address, run the app.

    The app keeps the request it is handling per thread (chalicelib.api.function_app), so the
    server's threads never see each other's body, headers or identity."""

    def __init__(self, app) -> None:
        from chalice.local import RouteMatcher
        self.app = app
        self.matcher = RouteMatcher(list(app.routes))

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes,
               source_ip: str) -> tuple[int, dict[str, str], bytes, str]:
        """(status, headers, body, the route's pattern for the log)."""
        try:
            route = self.matcher.match_route(path)
        except ValueError:
            return 404, dict(JSON_HEADERS), _json("not_found", "没有这个接口",
                                                  "No such API path"), "(no route)"
        methods = self.app.routes[route.route]
        if method == "OPTIONS":
            return 204, {"Allow": ", ".join(sorted({*methods, "OPTIONS"}))}, b"", route.route
        from chalice.local import LambdaContext
        event = {
            "requestContext": {"httpMethod": method, "resourcePath": route.route,
                               "identity": {"sourceIp": source_ip},
                               "path": path.split("?")[0]},
            "headers": headers,
            "pathParameters": route.captured,
            "multiValueQueryStringParameters": route.query_params or None,
            "stageVariables": {},
            "body": body or None,
        }
        context = LambdaContext(function_name="wenzheng", memory_size=1024,
                                max_runtime_ms=30_000)
        resp = self.app(event, context)
        out = resp.get("body") or b""
        if resp.get("isBase64Encoded"):
            out = base64.b64decode(out)
        elif isinstance(out, str):
            out = out.encode("utf-8")
        hdrs = {k: v for k, v in (resp.get("headers") or {}).items()
                if k.lower() not in ("content-length", "connection")}
        return int(resp["statusCode"]), hdrs, out, route.route


class Handler(BaseHTTPRequestHandler):
    """One connection: HTTP/1.1 with keep-alive, every answer with a Content-Length.

    Bad requests get a 4xx in API.md's error shape and the connection is closed: a
    Content-Length that is not a number, a body shorter than its Content-Length (answered
    408 once `body_seconds` pass without it), a chunked body (411), a body over MAX_REQUEST
    (read and thrown away up to DRAIN_MAX, then 413, as nginx's lingering close does, so the
    client reads the answer instead of a reset), an unknown method (405)."""

    server_version = "wenzheng"
    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.0"   # a garbled request line still gets status and headers
    timeout = IDLE_SECONDS          # an idle keep-alive connection is closed after this
    site: Path
    gw: FunctionGateway
    body_seconds: float = 10.0      # Settings.body_seconds (WENZHENG_BODY_SECONDS)

    def log_message(self, fmt: str, *args) -> None:   # quieter than stderr per request
        log.debug("%s " + fmt, self.address_string(), *args)

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _refuse(self, status: int, code: str, message: str, message_en: str,
                headers: dict[str, str] | None = None) -> None:
        """A 4xx after which the connection is not reused (what is left of it is unread)."""
        self.close_connection = True
        self._send(status, _json(code, message, message_en), {**JSON_HEADERS, **(headers or {})})

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The standard library's own refusals (bad request line, headers too long, unknown
        method) in the JSON error shape; an unknown method is a 405, not a 501."""
        if code == 501:
            code, message = 405, "Method not allowed"
        text = {400: ("bad_request", "请求格式不正确"),
                405: ("method_not_allowed", "不支持该请求方法"),
                408: ("timeout", "请求超时"), 414: ("uri_too_long", "请求地址过长"),
                431: ("headers_too_large", "请求头过大"),
                505: ("http_version", "不支持该 HTTP 版本")}.get(code, ("bad_request", "请求无效"))
        self.close_connection = True
        body = _json(text[0], text[1], message or text[0])
        try:
            self.send_response(code, message)
            self.send_header("Content-Type", JSON_HEADERS["Content-Type"])
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            if code == 405:
                self.send_header("Allow", "GET, HEAD, POST, OPTIONS")
            self.end_headers()
            if self.command != "HEAD" and code >= 200:
                self.wfile.write(body)
        except OSError:
            pass

    # --- the request body -----------------------------------------------------------------

    def _body(self) -> bytes | None:
        """The request body, or None once a refusal has been sent."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self._refuse(411, "length_required", "请求须带 Content-Length",
                         "Send the body with a Content-Length")
            return None
        values = self.headers.get_all("Content-Length") or []
        if not values:
            return b""
        if len(set(v.strip() for v in values)) != 1 or not values[0].strip().isascii() \
                or not values[0].strip().isdigit() or len(values[0].strip()) > 18:
            self._refuse(400, "bad_content_length", "Content-Length 不正确",
                         "Content-Length must be one non-negative whole number")
            return None
        length = int(values[0])
        if length > MAX_REQUEST:
            self._drain(length)
            self._refuse(413, "too_large", "请求体过大", "Request body too large")
            return None
        try:
            self.connection.settimeout(self.body_seconds)
            data = self.rfile.read(length) if length else b""
        except TimeoutError:
            data = None
        finally:
            self.connection.settimeout(self.timeout)
        if data is None or len(data) < length:
            self._refuse(408, "incomplete_body", "请求体不完整（比 Content-Length 短）",
                         "The body is shorter than its Content-Length")
            return None
        return data

    def _drain(self, length: int) -> None:
        """Read and throw away up to DRAIN_MAX bytes of an oversized body, for DRAIN_SECONDS
        at most, so the client has finished sending when it reads the 413."""
        left, end = min(length, DRAIN_MAX), time.monotonic() + DRAIN_SECONDS
        try:
            self.connection.settimeout(1.0)
            while left > 0 and time.monotonic() < end:
                chunk = self.rfile.read1(min(left, 65536))
                if not chunk:
                    break
                left -= len(chunk)
        except OSError:
            pass

    # --- answers --------------------------------------------------------------------------

    def _api(self) -> None:
        body = self._body()
        if body is None:
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        started = time.perf_counter()
        status, hdrs, out, route = self.gw.handle(self.command, self.path, headers, body,
                                                  self.client_address[0])
        self._send(status, out, hdrs)
        # the route's pattern, not the path: no tracking codes, letter ids or search words
        requests_log.info("%s %s %d %.0f ms", self.command, route, status,
                          (time.perf_counter() - started) * 1000)

    def _static(self) -> None:
        target = self._site_file(unquote(urlsplit(self.path).path).lstrip("/"))
        if target is None:
            self._send(404, b"not found", {"Content-Type": "text/plain"})
            return
        if target.is_dir():
            if not urlsplit(self.path).path.endswith("/"):
                self._send(301, b"", {"Location": urlsplit(self.path).path + "/"})
                return
            target = target / "index.html"
        status = 200
        if not target.is_file():
            # the English site has its own "not found" page
            # (from the request, not the resolved root: a full build may switch trees meanwhile)
            rel = unquote(urlsplit(self.path).path).strip("/")
            missing = "en/404.html" if rel == "en" or rel.startswith("en/") else "404.html"
            target, status = self.site / missing, 404
            if not target.is_file():
                self._send(404, b"not found", {"Content-Type": "text/plain"})
                return
        ctype = TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] \
            or "application/octet-stream"
        self._send(status, target.read_bytes(), {"Content-Type": ctype,
                                                  "Cache-Control": "no-cache"})

    def _site_file(self, rel: str) -> Path | None:
        """The file of the built site a path names, or None (outside the site, a NUL byte,
        a name the file system refuses)."""
        root = self.site.resolve()
        try:
            target = (root / rel).resolve()
            target.exists()
        except (OSError, ValueError):
            return None
        return target if target == root or target.is_relative_to(root) else None

    def _handle(self) -> None:
        try:
            if self.path.startswith("/api/") or self.path == "/api":
                self._api()
            elif self.command in ("GET", "HEAD"):
                if self.headers.get("Content-Length") not in (None, "0"):
                    self.close_connection = True      # a body nobody reads
                self._static()
            elif self.command == "OPTIONS":
                self._send(204, b"", {"Allow": "GET, HEAD, OPTIONS"})
            else:
                self.close_connection = True
                self._send(405, b"method not allowed",
                           {"Content-Type": "text/plain", "Allow": "GET, HEAD, OPTIONS"})
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:  # noqa: BLE001 - a bug: answer 500 rather than drop the connection
            log.exception("%s %s failed", self.command, self.path[:200])
            self.close_connection = True
            try:
                self._send(500, _json("internal", "服务器内部错误", "Internal error"),
                           dict(JSON_HEADERS))
            except OSError:
                pass

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = \
        do_CONNECT = _handle


class Server(ThreadingHTTPServer):
    """A thread per connection, a listen backlog deep enough for a burst of citizens."""

    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True


def _every(seconds: float, fn, stop: threading.Event, name: str) -> threading.Thread:
    def loop() -> None:
        while not stop.wait(seconds):
            try:
                fn()
            except Exception:  # noqa: BLE001 - keep the background job alive, log the bug
                log.exception("%s failed", name)
    t = threading.Thread(target=loop, name=name, daemon=True)
    t.start()
    return t


def serve(composed: bootstrap.App, host: str = "127.0.0.1", port: int = 8000,
          tick_seconds: float = 60.0, poll_seconds: float = 0.3, search_seconds: float = 5.0,
          ready: threading.Event | None = None, stop: threading.Event | None = None,
          on_ready=None) -> None:
    bootstrap.use(composed)
    site = site_dir(composed.settings)
    publisher = composed.site_publisher()       # the one way to publish: the Publisher port
    # a body must arrive within settings.body_seconds once its headers have
    handler = type("BoundHandler", (Handler,), {"site": site,
                                                "gw": FunctionGateway(load_chalice_app()),
                                                "body_seconds": composed.settings.body_seconds})
    httpd = Server((host, port), handler)
    stop = stop or threading.Event()
    _every(poll_seconds, publisher.drain, stop, "publisher")
    # the search index follows published changes within seconds, never blocking a page
    # (with the deferred pages publishing marked: the open-data month files, publisher.deferred)
    _every(search_seconds, lambda: (publisher.refresh(), publisher.index_search()), stop,
           "search")
    sender = composed.notification_sender()     # var/outbox/ unless WENZHENG_SENDER=aws
    _every(tick_seconds, lambda: (supervision.run_scheduled(composed.ctx, sender),
                                  publisher.drain()), stop, "tick")
    server = threading.Thread(target=httpd.serve_forever, name="http", daemon=True)
    server.start()
    if on_ready:
        on_ready()
    if ready:
        ready.set()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        httpd.shutdown()
        httpd.server_close()
        time.sleep(0)
