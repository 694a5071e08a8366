"""The benchmark's letters: real rows of replies.csv, replicated with new ids to reach a size.

Each source row is cleaned, redacted and split into paragraphs once, exactly as the importer
(`wenzheng.importer.import_row`) and the approval (`casework.public_version`) do it; replica `n`
reuses row `n % rows` with its own id (`b{n}`), department (rotation over
content/departments.yaml, category = the department's first one) and first-publication time
(spread evenly over the 36 months ending 2026-11). Each letter goes through the same domain
steps as an imported one (submitted, dispatched, signed, replied, approved), so it carries a
real history and real statistics, and loading adds ~1,000 letters per unit of work.

The same generator feeds the Pelican baseline (Markdown files) and the bare-Jinja2 floor
(in-memory dicts), so all three builds publish the same letters.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from chalicelib.adapters.clock import ManualClock
from chalicelib.domain import privacy, text
from chalicelib.domain.deadlines import CHINA_TZ
from chalicelib.domain.letters import Letter, LetterType, Publication
from chalicelib.services import casework, commands
from chalicelib.services.context import Context

REPO = Path(__file__).resolve().parent.parent
CONTENT_DIR = REPO / "content"
DEFAULT_DATA = Path(os.environ.get("WENZHENG_BENCH_DATA",
                                   "/work/shared/data/citizen-letters/replies.csv"))

IMPORTER = "import"                                   # the importer's actor name
FIRST = datetime(2023, 12, 1, 8, 0, tzinfo=CHINA_TZ)  # 36 months ending 2026-11
LAST = datetime(2026, 11, 27, 18, 0, tzinfo=CHINA_TZ)
APPROVALS_FROM = datetime(2026, 11, 30, 9, 0, tzinfo=CHINA_TZ)   # after every loaded letter
MAX_DELAY = timedelta(days=90)    # a few source replies took years; keep the window tidy
BATCH = 1000                      # letters per unit of work while loading


@dataclass(frozen=True)
class Source:
    """One replies.csv row, cleaned once (as `import_row` cleans it)."""

    row_id: str
    kind: LetterType
    subject: str
    body: str
    reply: str
    delay: timedelta                  # reply_time - time, capped at MAX_DELAY
    public_subject: str               # as casework.public_version makes them
    public_body: tuple[str, ...]
    public_reply: tuple[str, ...]


def _kind(subject: str) -> LetterType:
    from wenzheng.importer import _kind as kind_of  # the importer's own rule
    return kind_of(subject)


def read_sources(path: Path = DEFAULT_DATA, limit: int | None = None) -> list[Source]:
    from wenzheng.importer import _time, rows

    out = []
    for _, record in rows(path):
        subject = text.clean_line(record["subject"], max_len=commands.SUBJECT_MAX,
                                  field="subject")
        body = text.clean(record["body"], max_len=commands.BODY_MAX * 4, field="body")
        reply = text.clean(record["reply"], max_len=commands.REPLY_MAX, field="reply")
        delay = _time(record["reply_time"], "reply_time") - _time(record["time"], "time")
        delay = min(max(delay, timedelta(0)), MAX_DELAY)
        out.append(Source(
            row_id=record["id"], kind=_kind(subject), subject=subject, body=body, reply=reply,
            delay=delay, public_subject=privacy.redact(subject),
            public_body=tuple(text.paragraphs(privacy.redact(body))),
            public_reply=tuple(text.paragraphs(privacy.redact(reply)))))
        if limit and len(out) >= limit:
            break
    return out


@dataclass(frozen=True)
class Spec:
    """What replica `n` is: its source row, id, department, category and publication time."""

    n: int
    id: str
    source: Source
    department: str
    category: str | None
    published_at: datetime


def specs(sources: list[Source], departments: list[tuple[str, tuple[str, ...]]], count: int,
          prefix: str = "b", first: datetime = FIRST, last: datetime = LAST) -> Iterator[Spec]:
    """`count` replicas, first publications evenly spread from `first` to `last`."""
    step = (last - first) / max(count, 1)
    for n in range(count):
        dept, categories = departments[n % len(departments)]
        at = (first + step * n + step / 2).replace(microsecond=0)
        yield Spec(n=n, id=f"{prefix}{n}", source=sources[n % len(sources)], department=dept,
                   category=categories[0] if categories else None, published_at=at)


def department_list(ctx: Context) -> list[tuple[str, tuple[str, ...]]]:
    return [(d.id, tuple(d.categories)) for d in ctx.departments.values()]


def build_letter(ctx: Context, spec: Spec, *, approve: bool = True) -> Letter:
    """The letter `import_row` would make of the spec's row (approve=False: stop at replied)."""
    src = spec.source
    reply_at = spec.published_at
    at = reply_at - src.delay
    letter = Letter(id=spec.id, tracking_code="BN" + spec.id.upper(),
                    secret_hash=hashlib.sha256(spec.id.encode() + b"-no-secret").hexdigest(),
                    type=src.kind, subject=src.subject, body=src.body, public=True,
                    submitted_at=at, source="import")
    letter.record_submission(at)
    letter.dispatch(spec.department, IMPORTER, at, ctx.calendar, ctx.limits_for(letter.type))
    letter.sign(IMPORTER, at)
    letter.reply(src.reply, IMPORTER, reply_at, ctx.calendar)
    if approve:
        # what casework.public_version gives (no writer's name: imported letters have none),
        # computed once per source row instead of once per replica
        version = Publication(
            subject=src.public_subject, body=list(src.public_body),
            reply=list(src.public_reply), reply_department=spec.department, reply_at=reply_at,
            name=privacy.mask_name(None), category=spec.category, approved_at=reply_at,
            first_published_at=reply_at)
        letter.approve(IMPORTER, reply_at, publish=True, category=spec.category,
                       public_version=version)
    return letter


def load(ctx: Context, items: Iterator[Spec], *, approve: bool = True, batch: int = BATCH) -> int:
    """Add the letters in units of work of `batch` letters; returns how many."""
    done = 0
    pending: list[Letter] = []

    def flush() -> None:
        with ctx.store.unit_of_work() as uow:
            for letter in pending:
                uow.add_letter(letter)
            uow.commit()
        pending.clear()

    for spec in items:
        pending.append(build_letter(ctx, spec, approve=approve))
        done += 1
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
    return done


def clear_outbox(store) -> int:
    """Mark the loading's change records done, so the next pending change is the one timed."""
    cleared = 0
    while True:
        changes = store.pending_changes(1000)
        if not changes:
            return cleared
        store.mark_changes_done([c.id for c in changes])
        cleared += len(changes)


def check_matches_public_version(ctx: Context, spec: Spec) -> None:
    """The precomputed public text equals what casework.public_version makes of the letter."""
    letter = build_letter(ctx, spec, approve=False)
    real = casework.public_version(ctx, letter, spec.published_at, category=spec.category,
                                   subject=None, body=None)
    mine = build_letter(ctx, spec).publication
    assert mine is not None and real == mine, f"public version differs for {spec.id}"


# the clock the benchmark moves by hand (approvals happen one after another)
Clock = ManualClock


def make_context(store, clock, content_dir: Path = CONTENT_DIR) -> Context:
    """The context `bootstrap.build` makes, over a given store and clock."""
    from chalicelib.adapters.calendars import OfficialCalendar
    from chalicelib.bootstrap import Settings, load_content, notify_config

    content = load_content(content_dir)
    return Context(store=store, calendar=OfficialCalendar(content_dir / "calendar"),
                   clock=clock, departments=content.departments_by_id, limits=content.limits,
                   notify=notify_config(content, Settings(content_dir=content_dir)))
