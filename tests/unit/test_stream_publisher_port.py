"""The stream handler publishes through the `Publisher` port it is given (no renderer here: a
recording fake), then marks the batch's change records done."""
from __future__ import annotations

import json
from pathlib import Path

from chalicelib import bootstrap
from chalicelib.api import events
from chalicelib.services.auth import TokenSigner
from chalicelib.services.context import Context
from chalicelib.services.ports import Change
from fakes import DEPARTMENTS, NOTIFY, FakeCalendar, FakeClock, cst
from memory_store import MemoryStore


class RecordingPublisher:
    def __init__(self, store: MemoryStore | None = None, held: bool = False) -> None:
        self.published: list[list[str]] = []
        self.settled: list[list[str]] = []
        self.store, self.held = store or MemoryStore(), held

    def publish(self, changes: list[Change]) -> set[str]:
        self.published.append([c.id for c in changes])
        return {f"letters/{c.letters[0]}/index.html" for c in changes}

    def settle(self, changes: list[Change]) -> bool:
        self.settled.append([c.id for c in changes])
        if self.held:
            return False
        self.store.mark_changes_done([c.id for c in changes])
        return True

    def drain(self) -> int:
        return 0


def _insert(change: Change) -> dict:
    return {"eventName": "INSERT", "dynamodb": {"NewImage": {
        "pk": {"S": f"CHANGE#{change.id}"}, "doc": {"S": json.dumps(change.to_dict())}}}}


def _composed(store: MemoryStore, publisher: RecordingPublisher) -> bootstrap.App:
    clock = FakeClock(cst(2026, 11, 23, 9, 0))
    ctx = Context(store=store, calendar=FakeCalendar(), clock=clock, departments=DEPARTMENTS,
                  notify=NOTIFY)
    settings = bootstrap.Settings(stage="local", token_secret="x" * 40)
    return bootstrap.App(settings, ctx, TokenSigner("x" * 40, clock), publisher=publisher)


def test_a_stream_batch_is_published_through_the_port_and_marked_done():
    store = MemoryStore()
    publisher = RecordingPublisher(store)
    change = Change(id="c1", at=cst(2026, 11, 23, 9, 0), letters=["l1"], public=True)
    store.outbox.append((change, False))
    bootstrap.use(_composed(store, publisher))
    try:
        pages = events.on_stream([_insert(change), {"eventName": "MODIFY"}])
    finally:
        bootstrap.use(None)
    assert publisher.published == [["c1"]] and publisher.settled == [["c1"]]
    assert pages == ["letters/l1/index.html"]
    assert store.pending_changes() == []


def test_a_batch_published_during_a_full_build_stays_pending():
    store = MemoryStore()
    publisher = RecordingPublisher(store, held=True)
    change = Change(id="c2", at=cst(2026, 11, 23, 9, 0), letters=["l2"], public=True)
    store.outbox.append((change, False))
    bootstrap.use(_composed(store, publisher))
    try:
        events.on_stream([_insert(change)])
    finally:
        bootstrap.use(None)
    assert publisher.published == [["c2"]] and publisher.settled == [["c2"]]
    assert [c.id for c in store.pending_changes()] == ["c2"]


def test_a_batch_without_change_records_publishes_nothing():
    publisher = RecordingPublisher()
    bootstrap.use(_composed(MemoryStore(), publisher))
    try:
        assert events.on_stream([{"eventName": "REMOVE"}]) == []
    finally:
        bootstrap.use(None)
    assert publisher.published == []


def test_the_stream_handler_does_not_import_the_publisher():
    source = Path(events.__file__).read_text(encoding="utf-8")
    assert "import publisher" not in source and "from publisher" not in source
