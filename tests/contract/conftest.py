"""Contract fixtures: one `store` fixture over every adapter (SQLite file, moto DynamoDB, and the
in-memory store the publisher tests use, `tests/memory_store.py`), and a
`desk` that drives letters through a store the way the use cases do (load, act, save, commit).
"""
from __future__ import annotations

import os

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ["AWS_ACCOUNT_ID_ENDPOINT_MODE"] = "disabled"   # dynamodbstreams under moto

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from moto import mock_aws

from chalicelib.adapters.dynamodb import DynamoStore
from chalicelib.adapters.sqlite import SqliteStore
from chalicelib.domain.letters import Letter, LetterType, Limits, Publication
from fakes import FakeCalendar, FakeClock, cst
from memory_store import MemoryStore

TABLE = "wenzheng-contract"


class TickingClock(FakeClock):
    """Each reading is a millisecond after the last, so every commit has its own time (change
    records are ordered by commit time)."""

    def __call__(self) -> datetime:
        self.at = self.at + timedelta(milliseconds=1)
        return self.at


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock(cst(2026, 11, 23, 9, 0))


@pytest.fixture
def cal() -> FakeCalendar:
    return FakeCalendar()      # weekends off


@pytest.fixture
def dynamo(clock) -> Iterator[DynamoStore]:
    """A DynamoDB store on a fresh moto table made from table.py; tiny pages so that every
    Query pages."""
    with mock_aws():
        store = DynamoStore(TABLE, clock=clock, page_size=3)
        store.create_table()
        yield store


@pytest.fixture(params=["sqlite", "dynamodb", "memory"])
def store(request, tmp_path, clock):
    if request.param == "sqlite":
        s = SqliteStore(tmp_path / "contract.sqlite3", clock=clock)
        yield s
        s.close()
    elif request.param == "memory":
        yield MemoryStore(clock=clock)
    else:
        yield request.getfixturevalue("dynamo")


def _new_letter(n: int, at: datetime, *, public: bool = True, code: str | None = None,
               letter_id: str | None = None) -> Letter:
    """A submitted letter: id `l0001`, tracking code `WZ00000001` unless given."""
    letter = Letter(id=letter_id or f"l{n:04d}", tracking_code=code or f"WZ{n:08d}",
                    secret_hash="5e" * 32, type=LetterType.complaint, subject=f"道路破损 {n}",
                    body="小区门口道路破损严重，请尽快修复。", public=public,
                    submitted_at=at,
                    name="王小明", phone="13812345678", email="wang@example.com",
                    requested_department="housing", source="web")
    letter.record_submission(at)
    return letter


def _public_version(letter: Letter, at: datetime) -> Publication:
    reply = letter.latest_reply
    assert reply is not None
    return Publication(subject=letter.subject, body=[letter.body, "第二段"], reply=[reply.body],
                       reply_department=reply.department, reply_at=reply.at, name="王**",
                       category="城乡建设", approved_at=at, first_published_at=at)


class Desk:
    """Letters through the store's units of work, as the use cases drive them."""

    def __init__(self, store, cal: FakeCalendar) -> None:
        self.store = store
        self.cal = cal
        self.limits = Limits()
        self.public_version = _public_version

    def add(self, letter: Letter) -> Letter:
        with self.store.unit_of_work() as uow:
            uow.add_letter(letter)
            uow.commit()
        return letter

    def act(self, letter_id: str, action: Callable[[Letter], object]) -> Letter:
        with self.store.unit_of_work() as uow:
            letter = uow.get_letter(letter_id)
            assert letter is not None
            action(letter)
            uow.save_letter(letter)
            uow.commit()
        return letter

    # one step each, named after the use cases
    def dispatch(self, letter_id: str, dept: str, at: datetime) -> Letter:
        return self.act(letter_id, lambda l: l.dispatch(dept, "office-1", at, self.cal,
                                                        self.limits))

    def sign(self, letter_id: str, at: datetime) -> Letter:
        return self.act(letter_id, lambda l: l.sign("clerk", at))

    def reply(self, letter_id: str, at: datetime, body: str = "已安排维修。") -> Letter:
        return self.act(letter_id, lambda l: l.reply(body, "clerk", at, self.cal))

    def approve(self, letter_id: str, at: datetime, publish: bool = True) -> Letter:
        return self.act(letter_id, lambda l: l.approve(
            "office-1", at, publish=publish, category="城乡建设",
            public_version=_public_version(l, at) if publish else None))

    def rate(self, letter_id: str, score: str, at: datetime) -> Letter:
        return self.act(letter_id, lambda l: l.rate(score, "谢谢", at))

    def handle(self, letter: Letter, dept: str, approved_at: datetime, *,
               publish: bool = True) -> Letter:
        """Add a new letter already walked to an approved reply, in one commit: dispatched three
        hours before `approved_at`, signed two, replied one (first published at `approved_at`)."""
        letter.dispatch(dept, "office-1", approved_at - timedelta(hours=3), self.cal, self.limits)
        letter.sign("clerk", approved_at - timedelta(hours=2))
        letter.reply("已安排维修。", "clerk", approved_at - timedelta(hours=1), self.cal)
        letter.approve("office-1", approved_at, publish=publish, category="城乡建设",
                       public_version=_public_version(letter, approved_at) if publish else None)
        return self.add(letter)


@pytest.fixture
def desk_class() -> type[Desk]:
    """Desk itself, for a test that opens its own store (`from conftest import` would find
    another directory's conftest when the whole suite runs)."""
    return Desk


@pytest.fixture
def desk(store, cal) -> Desk:
    return Desk(store, cal)


@pytest.fixture
def dynamo_desk(dynamo, cal) -> Desk:
    return Desk(dynamo, cal)


@pytest.fixture
def make_letter() -> Callable[..., Letter]:
    """`make_letter(n, at, public=True, code=None, letter_id=None)`: a submitted letter."""
    return _new_letter


@pytest.fixture
def t0() -> datetime:
    return cst(2026, 11, 23, 9, 0)     # a Monday
