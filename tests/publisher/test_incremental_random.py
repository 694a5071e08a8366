"""Invariant 1 (incremental equals full) on random histories, on both stores.

Hypothesis draws sequences of what citizens, clerks, the office and the scheduled job do —
submissions, dispatches, transfers, sign-ins, replies, approvals (published or not: a re-done
reply the office does not publish withdraws the letter), re-dos, kept replies, ratings, votes,
a letter filed under another type, ticks of the clock, comments, survey responses, moderation,
interview answers and outcomes —
and drives each through the real use cases. Every commit is published incrementally (outbox →
`publish_pending`), as the function does; after every few steps and at the end, a full build of
the same store must give the same files, byte for byte, and every league figure must be
recomputed from the letter-level open data files alone (opendata_check.py). The site starts
as the full build of a store whose consultations were just registered (the first deploy).

A step that the rules refuse (approving a letter nobody replied to, commenting on a closed
topic) raises a domain error and commits nothing, so random indices need no bookkeeping of
states. The examples are derandomized (the same ones on every run) and bounded, so CI stays
repeatable and under a minute for both stores together.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from opendata_check import open_data_problems
from sitecheck import diff_trees

from chalicelib.adapters.dynamodb import DynamoStore
from chalicelib.adapters.sqlite import SqliteStore
from chalicelib.api import parse
from chalicelib.domain.errors import DomainError
from chalicelib.domain.letters import LetterType
from chalicelib.services import casework, supervision
from chalicelib.services import letters as services
from chalicelib.services import topics as ts
from chalicelib.services.context import Actor, Context
from chalicelib.services.topics import register_topics
from fakes import (
    DEPARTMENTS,
    HOUSING_CLERK,
    OFFICE,
    TRANSPORT_CLERK,
    FakeCalendar,
    FakeClock,
    cst,
    letter_payload,
    topic,
)
from publisher.build import full_build, publish_pending
from publisher.sinks import MemorySink

DEPTS = ("housing", "transport")
CLERKS = {"housing": HOUSING_CLERK, "transport": TRANSPORT_CLERK}
TYPES = ("complaint", "consultation", "help", "report", "suggestion", "criticism")
SCORES = ("satisfied", "basically_satisfied", "unsatisfied")
# the categories an approval gives: two with boards, none, and one with no board (分类选登)
CATEGORIES = ("城乡建设", "交通运输", None, "其他")
TOPICS = ("bus-fares", "parking-rules", "bus-survey", "traffic-talk")
START = cst(2026, 11, 2, 9, 0)  # registration; the scheduled job opens the topics next day
OPENED = cst(2026, 11, 3, 10, 0)
CHECK_EVERY = 6  # steps between whole-site comparisons (and one at the end)


class TickingClock(FakeClock):
    """Each reading is a millisecond after the last, so every commit has its own time (change
    records are ordered by commit time)."""

    def __call__(self) -> datetime:
        self.at = self.at + timedelta(milliseconds=1)
        return self.at


def _topics() -> list:
    window = dict(opens="2026-11-03T09:00", closes="2026-11-12")
    return [
        topic("hearing", "bus-fares", departments=("transport", "housing"), **window),
        topic("solicitation", "parking-rules", departments=("housing",), **window),
        topic("survey", "bus-survey", **window),
        topic(
            "interview",
            "traffic-talk",
            opens="2026-11-03T09:00",
            starts="2026-11-04T09:00",
            ends="2026-11-08T18:00",
            closes="2026-11-08T18:00",
        ),
    ]


@contextmanager
def a_store(kind: str, clock: TickingClock) -> Iterator:
    """A fresh, empty store of one kind: a SQLite file, or a moto DynamoDB table made from
    table.py with tiny pages (so every Query pages)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="wz-random-") as folder:
            store = SqliteStore(Path(folder) / "wenzheng.sqlite3", clock=clock)
            try:
                yield store
            finally:
                store.close()
    else:
        with mock_aws():
            store = DynamoStore("wenzheng-random", clock=clock, page_size=3)
            store.create_table()
            yield store


class History:
    """One random history: the letters and comments made so far, and the site published
    incrementally after every commit."""

    def __init__(self, ctx: Context, clock: TickingClock, content) -> None:
        self.ctx, self.clock, self.content = ctx, clock, content
        self.sink = MemorySink()
        self.letters: list[dict] = []  # submit answers (id, tracking code, secret)
        self.departments: dict[str, str] = {}  # letter id -> the department it was sent to
        self.comments: list[str] = []  # ids of comments and questions

    def publish(self) -> None:
        publish_pending(self.ctx.store, self.content, self.sink)

    def letter(self, i: int) -> dict | None:
        return self.letters[i % len(self.letters)] if self.letters else None

    def clerk(self, letter: dict) -> Actor:
        return CLERKS[self.departments.get(letter["id"], "housing")]

    # -- the steps: (i, k) pick a letter or comment and a variant --

    def progress(self, i: int, k: int) -> None:
        """The next step of a letter's life, whatever state it is in (so that random histories
        reach publication, ratings and re-dos often)."""
        if (letter := self.letter(i)) is None:
            return
        found = self.ctx.store.get_letter(letter["id"])
        status = str(found.status) if found else None
        if status in ("submitted", "transfer_requested"):
            self.dispatch(i, k)
        elif status == "dispatched":
            self.sign(i, k)
        elif status in ("signed", "redo", "extension_requested"):
            self.reply(i, k)
        elif status == "replied":
            self.approve(i, k)
        elif status in ("published", "closed"):
            (self.rate if k % 2 else self.vote)(i, k)

    def submit(self, i: int, k: int) -> None:
        answer = services.submit_letter(
            self.ctx,
            parse.submit_letter(
                letter_payload(
                    type=TYPES[k % len(TYPES)],
                    subject=f"第{len(self.letters)}号来信 <b>{k}</b>",
                    public=k % 4 != 3,
                    department=DEPTS[i % 2] if k % 2 else None,
                )
            ),
        ).body
        self.letters.append(answer)

    def dispatch(self, i: int, k: int) -> None:
        if (letter := self.letter(i)) is not None:
            dept = DEPTS[k % 2]
            casework.dispatch_letter(
                self.ctx, OFFICE, letter["id"], parse.dispatch_letter({"department": dept})
            )
            self.departments[letter["id"]] = dept

    def reject(self, i: int, k: int) -> None:
        if (letter := self.letter(i)) is not None:
            casework.reject_letter(
                self.ctx, OFFICE, letter["id"], parse.reject_letter({"reason": "内容不完整"})
            )

    def transfer(self, i: int, k: int) -> None:
        if (letter := self.letter(i)) is not None:
            casework.transfer_letter(
                self.ctx,
                self.clerk(letter),
                letter["id"],
                parse.transfer_letter({"reason": "不属于本部门"}),
            )

    def sign(self, i: int, k: int) -> None:
        if (letter := self.letter(i)) is not None:
            casework.sign_letter(self.ctx, self.clerk(letter), letter["id"], parse.sign_letter({}))

    def reply(self, i: int, k: int) -> None:
        if (letter := self.letter(i)) is not None:
            casework.reply_to_letter(
                self.ctx,
                self.clerk(letter),
                letter["id"],
                parse.reply_to_letter({"body": f"经核查，已安排处理（{k}）。"}),
            )

    def approve(self, i: int, k: int) -> None:
        if (letter := self.letter(i)) is not None:
            casework.approve_reply(
                self.ctx,
                OFFICE,
                letter["id"],
                parse.approve_reply({"publish": k % 3 != 2,
                                     "category": CATEGORIES[(i + k) % len(CATEGORIES)]}),
            )

    def retype(self, i: int, k: int) -> None:
        """The office files a letter under another type (no API yet; through the store's unit
        of work, as a use case would): a published letter moves to another type's board."""
        if (letter := self.letter(i)) is not None:
            with self.ctx.store.unit_of_work() as uow:
                found = uow.get_letter(letter["id"])
                assert found is not None
                found.type = LetterType(TYPES[k % len(TYPES)])
                uow.save_letter(found)
                uow.commit()

    def extend(self, i: int, k: int) -> None:
        """A clerk asks for more working days; the office grants or refuses at once."""
        if (letter := self.letter(i)) is not None:
            casework.request_extension(
                self.ctx,
                self.clerk(letter),
                letter["id"],
                parse.request_extension({"working_days": 5, "reason": "需要现场勘查"}),
            )
            if k % 2:
                casework.approve_extension(
                    self.ctx, OFFICE, letter["id"], parse.approve_extension({})
                )
            else:
                casework.deny_extension(
                    self.ctx, OFFICE, letter["id"], parse.deny_extension({"reason": "不符合条件"})
                )

    def redo(self, i: int, k: int) -> None:
        if (letter := self.letter(i)) is not None:
            casework.order_redo(
                self.ctx, OFFICE, letter["id"], parse.order_redo({"reason": "答复不具体"})
            )

    def keep(self, i: int, k: int) -> None:
        if (letter := self.letter(i)) is not None:
            casework.keep_reply(
                self.ctx, OFFICE, letter["id"], parse.keep_reply({"reason": "答复已充分"})
            )

    def rate(self, i: int, k: int) -> None:
        if (letter := self.letter(i)) is not None:
            services.rate_reply(
                self.ctx,
                letter["tracking_code"],
                letter["secret"],
                parse.rate_reply({"score": SCORES[k % 3], "comment": "谢谢",
                                  "resolved": (None, "yes", "partly", "no")[k % 4]}),
            )

    def vote(self, i: int, k: int) -> None:
        if (letter := self.letter(i)) is not None:
            services.vote(
                self.ctx,
                letter["id"],
                parse.vote({"direction": ("up", "down")[k % 2]}),
                f"voter-{k}",
            )

    def tick(self, i: int, k: int) -> None:
        """The scheduled job, some hours or days later: lights change, topics open and close."""
        self.clock.advance(hours=12 + 48 * k)
        supervision.tick(self.ctx, self.clock.at)

    def comment(self, i: int, k: int) -> None:
        topic_id = TOPICS[k % len(TOPICS)]
        extra: dict = {"stance": ("support", "oppose", "neutral")[i % 3]}
        if topic_id == "parking-rules" and i % 2:
            extra["paragraph"] = 1 + i % 3
        if topic_id == "traffic-talk":
            extra = {"department": DEPTS[i % 2]}
        if topic_id == "bus-survey":
            ts.add_response(
                self.ctx,
                topic_id,
                parse.add_response(
                    {
                        "answers": {
                            "mode": ("bus", "metro", "bike")[i % 3],
                            "problems": ["freq"] if i % 2 else [],
                            "idea": f"建议{i}",
                        }
                    }
                ),
                client=f"client-{len(self.comments)}",
            )
            return
        answer = ts.add_comment(
            self.ctx, topic_id, parse.add_comment({"body": f"意见{i}<script>", **extra})
        )
        self.comments.append(answer.body["id"])

    def _pending(self, i: int) -> str | None:
        pending = ts.list_staff_comments(self.ctx, OFFICE, {"status": "pending"})
        return pending[i % len(pending)]["id"] if pending else None

    def moderate(self, i: int, k: int) -> None:
        if (comment_id := self._pending(i)) is None:
            return
        if k % 3:
            ts.approve_comment(self.ctx, OFFICE, comment_id, parse.approve_comment({}))
        else:
            ts.reject_comment(
                self.ctx, OFFICE, comment_id, parse.reject_comment({"reason": "不文明用语"})
            )

    def answer(self, i: int, k: int) -> None:
        if self.comments:
            ts.answer_comment(
                self.ctx,
                OFFICE,
                self.comments[i % len(self.comments)],
                parse.answer_comment({"body": f"答复{k}"}),
            )

    def outcome(self, i: int, k: int) -> None:
        topic_id = TOPICS[k % len(TOPICS)]
        approved = ts.list_staff_comments(
            self.ctx, OFFICE, {"topic": topic_id, "status": "approved"}
        )
        items = [
            {
                "comment_id": c["id"],
                "decision": ("adopted", "not_adopted")[n % 2],
                "reason": "已研究。",
            }
            for n, c in enumerate(approved[: 1 + i % 2])
        ]
        ts.publish_outcome(
            self.ctx,
            OFFICE,
            topic_id,
            parse.publish_outcome({"summary": f"反馈{k}。", "items": items}),
        )

    def run(self, op: str, i: int, k: int) -> None:
        try:
            getattr(self, op)(i, k)
        except DomainError:
            pass  # refused by the rules: nothing was committed
        self.publish()
        self.clock.advance(minutes=7)

    def check(self, when: str) -> None:
        assert self.ctx.store.pending_changes() == []
        full = MemorySink()
        full_build(self.ctx.store, self.content, full)
        problems = diff_trees(self.sink.files, full.files)
        assert not problems, f"{when}:\n" + "\n".join(problems[:10])
        # every league figure, recomputed from the letter-level open data files alone
        private = {x.id for x in self.ctx.store.iter_letters() if x.publication is None}
        problems = open_data_problems(full.files, private) if self.letters else []
        assert not problems, f"{when}, open data:\n" + "\n".join(problems[:10])


OPS = (
    "submit",
    "dispatch",
    "reject",
    "transfer",
    "sign",
    "extend",
    "reply",
    "approve",
    "redo",
    "keep",
    "rate",
    "vote",
    "retype",
    "tick",
    "comment",
    "moderate",
    "answer",
    "outcome",
)
# a letter goes through many steps; weight them so that histories reach publication often
WEIGHTED = ("submit",) * 3 + ("progress",) * 8 + ("comment", "moderate") * 2 + OPS
STEP = st.tuples(st.sampled_from(WEIGHTED), st.integers(0, 7), st.integers(0, 5))


def live(kind: str, steps: list[tuple[str, int, int]], content) -> None:
    """One history on a fresh store of `kind`, compared with a full build as it goes."""
    clock = TickingClock(START)
    with a_store(kind, clock) as store:
        ctx = Context(store=store, calendar=FakeCalendar(), clock=clock, departments=DEPARTMENTS)
        register_topics(ctx, _topics())
        clock.at = OPENED
        supervision.tick(ctx, clock.at)
        history = History(ctx, clock, content)
        full_build(store, content, history.sink)
        store.mark_changes_done([c.id for c in store.pending_changes(1000)])
        for n, (op, i, k) in enumerate(steps, 1):
            history.run(op, i, k)
            if n % CHECK_EVERY == 0:
                history.check(f"after step {n} ({op})")
        history.check("at the end")


# One history run first on each store, so that every run covers a withdrawal: a published
# letter re-done and re-approved without publication leaves the site (and its archive page).
# On the way it is filed under another type and re-approved under another category, so it
# moves between the boards by type and by category too.
WITHDRAWAL = (
    [("submit", 0, 0), ("submit", 1, 1)]
    + [("progress", 0, 0)] * 4
    + [
        ("progress", 0, 1),
        ("vote", 0, 0),
        ("retype", 0, 3),
        ("redo", 0, 0),
        ("progress", 0, 0),
        ("approve", 0, 1),
        ("redo", 0, 0),
        ("progress", 0, 0),
        ("progress", 0, 2),
        ("tick", 0, 1),
        ("comment", 1, 0),
        ("moderate", 0, 1),
        ("tick", 0, 5),
        ("outcome", 0, 0),
    ]
)

# Derandomized (the same examples on every run, no example database) and bounded: about 30 s of
# CPU for both (moto's every call costs ~10 ms, so DynamoDB gets fewer examples). Shrinking runs
# only on failure.
BOUNDED = dict(
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@settings(max_examples=16, **BOUNDED)
@given(steps=st.lists(STEP, min_size=10, max_size=35))
@example(steps=WITHDRAWAL)
def test_random_histories_on_sqlite_publish_incrementally_what_a_full_build_gives(steps, content):
    live("sqlite", steps, content)


@settings(max_examples=4, **BOUNDED)
@given(steps=st.lists(STEP, min_size=10, max_size=25))
@example(steps=WITHDRAWAL)
def test_random_histories_on_dynamodb_publish_incrementally_what_a_full_build_gives(steps, content):
    live("dynamodb", steps, content)
