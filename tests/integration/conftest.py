"""An API client over the real Chalice app, with the composition swapped for fakes."""
from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.services import auth
from chalicelib.services.auth import TokenSigner
from wenzheng.serve import load_function_module

SECRET = "a-test-token-secret-that-is-long-enough-0123456789"


@dataclass
class Api:
    client: Client
    tokens: dict

    def login_all(self) -> None:
        for user in ("office-1", "clerk-h", "clerk-t", "admin-1"):
            status, body = self.call("POST", "/api/staff/login",
                                     {"username": user, "password": "correct horse"})
            assert status == 200, body
            self.tokens[user] = body["token"]

    def call(self, method: str, path: str, body=None, *, as_user: str | None = None,
             headers: dict | None = None, raw: bytes | None = None):
        h = {"Content-Type": "application/json"}
        if as_user:
            h["Authorization"] = f"Bearer {self.tokens[as_user]}"
        h.update(headers or {})
        data = raw if raw is not None else (None if body is None else json.dumps(body))
        resp = getattr(self.client.http, method.lower())(path, headers=h, body=data)
        try:
            payload = json.loads(resp.body) if resp.body else None
        except ValueError:
            payload = resp.body
        return resp.status_code, payload


@pytest.fixture(scope="session")
def function_module():
    return load_function_module()


@pytest.fixture(scope="session")
def chalice_app(function_module):
    return function_module.app


@pytest.fixture
def composed(ctx, tmp_path, clock):
    settings = bootstrap.Settings(stage="local", data_dir=tmp_path, token_secret=SECRET)
    app = bootstrap.App(settings, ctx, TokenSigner(SECRET, clock))
    for username, role, dept in (("office-1", "office", None), ("clerk-h", "clerk", "housing"),
                                 ("clerk-t", "clerk", "transport"), ("admin-1", "admin", None)):
        ctx.store.put_account(auth.new_account(username, "correct horse", role, dept, clock()))
    bootstrap.use(app)
    yield app
    bootstrap.use(None)


@pytest.fixture
def edge(composed):
    """The API as deployed, behind CloudFront: its edge function writes each viewer's address
    into True-Client-IP, which the function trusts there (and only there). `edge(ip)` is the
    header a request from that viewer arrives with."""
    composed.settings.stage = "prod"
    yield lambda address: {"True-Client-IP": address}
    composed.settings.stage = "local"


@pytest.fixture
def api(chalice_app, composed):
    with Client(chalice_app) as client:
        a = Api(client, {})
        a.login_all()
        yield a


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """A real `wenzheng serve --no-demo` (embedded store) with a clerk and an office account,
    for what only a real socket shows: concurrency, Content-Length, methods, drained bodies."""
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from bench.load import LOAD_ENV, LocalServer, free_port
    with LocalServer(tmp_path_factory.mktemp("live"), free_port(), env=LOAD_ENV) as server:
        yield server
