"""`wenzheng serve`: the whole system on one port, as the CDN serves it in AWS.

`/api/*` goes to the same Chalice app the Lambda function runs (through Chalice's local API
Gateway), everything else is a file of the built site. Two background threads stand in for
AWS: a dispatcher that publishes each change record as it is committed (the DynamoDB stream)
and a timer that runs the scheduled job (the Chalice schedule).
"""
from __future__ import annotations

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
from chalicelib import bootstrap, supervision
from chalicelib.errors import error_body

from .runtime import drain_outbox, site_dir

log = logging.getLogger("wenzheng.serve")

TYPES = {".html": "text/html; charset=utf-8", ".xml": "application/xml; charset=utf-8",
         ".json": "application/json; charset=utf-8", ".csv": "text/csv; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".txt": "text/plain; charset=utf-8", ".svg": "image/svg+xml"}
MAX_REQUEST = 1024 * 1024


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


def gateway():
    from chalice.config import Config
    from chalice.local import LocalGateway
    app = load_chalice_app()
    return LocalGateway(app, Config.create(app_name="wenzheng", lambda_timeout=30))


class Handler(BaseHTTPRequestHandler):
    server_version = "wenzheng"
    site: Path
    gw = None
    lock = threading.Lock()

    def log_message(self, fmt: str, *args) -> None:   # quieter than stderr per request
        log.debug("%s " + fmt, self.address_string(), *args)

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _api(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST:
            body = json.dumps(error_body("too_large", "请求体过大", "Request body too large"), ensure_ascii=False)
            self._send(413, body.encode(), {"Content-Type": "application/json; charset=utf-8"})
            return
        raw = self.rfile.read(length) if length else b""
        headers = {k: v for k, v in self.headers.items()}
        from chalice.local import LocalGatewayException
        try:
            resp = self.gw.handle_request(self.command, self.path, headers, raw or None)
        except LocalGatewayException:
            body = json.dumps(error_body("not_found", "没有这个接口", "No such API path"), ensure_ascii=False)
            self._send(404, body.encode(), {"Content-Type": "application/json; charset=utf-8"})
            return
        out = resp.get("body") or b""
        if isinstance(out, str):
            out = out.encode("utf-8")
        hdrs = {k: v for k, v in (resp.get("headers") or {}).items()
                if k.lower() not in ("content-length", "connection")}
        self._send(int(resp["statusCode"]), out, hdrs)

    def _static(self) -> None:
        rel = unquote(urlsplit(self.path).path).lstrip("/")
        target = (self.site / rel).resolve()
        if not str(target).startswith(str(self.site.resolve())):
            self._send(404, b"not found", {"Content-Type": "text/plain"})
            return
        if target.is_dir():
            if not self.path.split("?")[0].endswith("/"):
                self._send(301, b"", {"Location": urlsplit(self.path).path + "/"})
                return
            target = target / "index.html"
        status = 200
        if not target.is_file():
            # the English site has its own "not found" page
            missing = "en/404.html" if rel == "en" or rel.startswith("en/") else "404.html"
            target, status = self.site / missing, 404
            if not target.is_file():
                self._send(404, b"not found", {"Content-Type": "text/plain"})
                return
        ctype = TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] \
            or "application/octet-stream"
        self._send(status, target.read_bytes(), {"Content-Type": ctype,
                                                  "Cache-Control": "no-cache"})

    def do_GET(self) -> None:
        if self.path.startswith("/api/") or self.path == "/api":
            self._api()
        else:
            self._static()

    do_HEAD = do_GET

    def do_POST(self) -> None:
        if self.path.startswith("/api/"):
            self._api()
        else:
            self._send(405, b"method not allowed", {"Content-Type": "text/plain"})

    do_PUT = do_DELETE = do_PATCH = do_POST


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
          tick_seconds: float = 60.0, poll_seconds: float = 0.3,
          ready: threading.Event | None = None, stop: threading.Event | None = None,
          on_ready=None) -> None:
    bootstrap.use(composed)
    site = site_dir(composed.settings)
    store = composed.ctx.store
    handler = type("BoundHandler", (Handler,), {"site": site, "gw": gateway()})
    httpd = ThreadingHTTPServer((host, port), handler)
    httpd.daemon_threads = True
    stop = stop or threading.Event()
    _every(poll_seconds, lambda: drain_outbox(store, composed.settings), stop, "publisher")
    sender = composed.notification_sender()     # var/outbox/ unless WENZHENG_SENDER=aws
    _every(tick_seconds, lambda: (supervision.run_scheduled(composed.ctx, sender),
                                  drain_outbox(store, composed.settings)), stop, "tick")
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
