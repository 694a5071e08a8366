"""A small city for the publisher tests, driven through the real use cases."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from chalicelib.adapters.sqlite import SqliteStore
from chalicelib.api import parse
from chalicelib.services import casework, channels
from chalicelib.services import letters as services
from chalicelib.services.context import Actor, Context
from fakes import (
    DEPARTMENTS,
    HOUSING_CLERK,
    OFFICE,
    TRANSPORT_CLERK,
    FakeCalendar,
    FakeClock,
    cst,
    letter_payload,
)
from publisher.build import publish_pending
from publisher.sinks import MemorySink

CLERKS = {"housing": HOUSING_CLERK, "transport": TRANSPORT_CLERK}
OPERATOR = Actor("operator-1", "operator")


@dataclass
class City:
    """Drives letters through the use cases and, when `sink` is set, publishes every commit
    incrementally (outbox → publish_changes → mark done), as the function does."""

    ctx: object
    clock: object
    content: object
    sink: MemorySink | None = None
    defer: bool = False         # as the stream handler: deferred pages only marked
    published: int = 0
    letters: dict = field(default_factory=dict)

    def publish(self) -> None:
        if self.sink is not None:
            self.published += publish_pending(self.ctx.store, self.content, self.sink,
                                              defer=self.defer)

    def step(self, fn, *args, advance: dict | None = None):
        out = fn(self.ctx, *args)
        self.publish()
        self.clock.advance(**(advance or {"minutes": 7}))
        return out

    def submit(self, **over) -> dict:
        command = parse.submit_letter(letter_payload(**over))
        answer = services.submit_letter(self.ctx, command).body
        self.publish()
        self.clock.advance(minutes=3)
        self.letters[answer["id"]] = answer
        return answer

    def take(self, channel: str, received_at, **over) -> dict:
        """A letter the hotline's operator took from `channel` (services/channels.py)."""
        command = parse.take_letter({**letter_payload(**over), "channel": channel,
                                     "received_at": received_at.isoformat()})
        answer = channels.take_letter(self.ctx, OPERATOR, command).body
        self.publish()
        self.clock.advance(minutes=3)
        self.letters[answer["id"]] = answer
        return answer

    def dispatch(self, letter: dict, dept: str) -> None:
        self.step(casework.dispatch_letter, OFFICE, letter["id"],
                  parse.dispatch_letter({"department": dept}))

    def sign(self, letter: dict, dept: str) -> None:
        self.step(casework.sign_letter, CLERKS[dept], letter["id"], parse.sign_letter({}))

    def reply(self, letter: dict, dept: str, body: str = "经核查，已安排修复。") -> None:
        self.step(casework.reply_to_letter, CLERKS[dept], letter["id"],
                  parse.reply_to_letter({"body": body}))

    def approve(self, letter: dict, publish: bool = True, **extra) -> None:
        self.step(casework.approve_reply, OFFICE, letter["id"],
                  parse.approve_reply({"publish": publish, "category": "城乡建设", **extra}))

    def rate(self, letter: dict, score: str, resolved: str | None = None) -> None:
        services.rate_reply(self.ctx, letter["tracking_code"], letter["secret"],
                            parse.rate_reply({"score": score, "comment": "联系我 13900001111",
                                              "resolved": resolved}))
        self.publish()
        self.clock.advance(minutes=5)

    def redo(self, letter: dict, reason: str = "答复不具体") -> None:
        self.step(casework.order_redo, OFFICE, letter["id"], parse.order_redo({"reason": reason}))

    def reject(self, letter: dict, reason: str = "无效来信",
               duplicate_of: dict | None = None) -> None:
        self.step(casework.reject_letter, OFFICE, letter["id"], parse.reject_letter(
            {"reason": reason, "duplicate_of": duplicate_of["id"] if duplicate_of else None}))

    def vote(self, letter: dict, voter: str, direction: str = "up") -> None:
        services.vote(self.ctx, letter["id"], parse.vote({"direction": direction}), voter)
        self.publish()

    def full_cycle(self, dept: str = "housing", publish: bool = True, rate: str | None = None,
                   reply: str = "经核查，已安排修复。", resolved: str | None = None,
                   **over) -> dict:
        letter = self.submit(**over)
        self.dispatch(letter, dept)
        self.sign(letter, dept)
        self.reply(letter, dept, reply)
        self.approve(letter, publish=publish)
        if rate:
            self.rate(letter, rate, resolved)
        return letter


def make_city(folder: Path, content, at=None) -> City:
    """A city over a fresh SQLite store in `folder` (for module-scoped fixtures)."""
    clock = FakeClock(at or cst(2026, 11, 2, 9, 0))
    store = SqliteStore(Path(folder) / "wenzheng.sqlite3", clock=clock)
    ctx = Context(store=store, calendar=FakeCalendar(), clock=clock, departments=DEPARTMENTS)
    return City(ctx=ctx, clock=clock, content=content)


def copy_store(src: Path, dest: Path) -> None:
    """A consistent copy of a city's SQLite store into `dest`/wenzheng.sqlite3 (the online
    backup API), for a build in another process to read."""
    dest.mkdir(parents=True, exist_ok=True)
    a, b = sqlite3.connect(src), sqlite3.connect(dest / "wenzheng.sqlite3")
    with b:
        a.backup(b)
    a.close()
    b.close()
