"""Fixtures for every layer: a Context over a temporary SQLite store with fakes for time."""
from __future__ import annotations

import os

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ["AWS_ACCOUNT_ID_ENDPOINT_MODE"] = "disabled"   # dynamodbstreams under moto

import pytest
from argon2 import PasswordHasher

from chalicelib.adapters.sqlite import SqliteStore
from chalicelib.services import auth
from chalicelib.services.context import Context
from fakes import DEPARTMENTS, NOTIFY, FakeCalendar, FakeClock, FakeSender, cst

# cheap argon2 parameters: the tests hash dozens of passwords
auth.configure_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(cst(2026, 11, 23, 9, 0))     # a Monday


@pytest.fixture
def calendar() -> FakeCalendar:
    return FakeCalendar()


@pytest.fixture
def store(tmp_path, clock) -> SqliteStore:
    return SqliteStore(tmp_path / "wenzheng.sqlite3", clock=clock)


@pytest.fixture
def ctx(store, calendar, clock) -> Context:
    return Context(store=store, calendar=calendar, clock=clock, departments=DEPARTMENTS,
                   notify=NOTIFY)


@pytest.fixture
def sender() -> FakeSender:
    return FakeSender()


@pytest.fixture(scope="module")
def moto_endpoint():
    """A moto server on a free local port (AWS_ENDPOINT_URL for boto3 in this process or
    another): the rehearsal and the bucket builds killed mid-way."""
    import logging

    from moto.server import ThreadedMotoServer
    logging.getLogger("werkzeug").setLevel(logging.WARNING)    # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
