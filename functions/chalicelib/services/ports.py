"""The store port: what the use cases and the publisher ask of a store, by role.

`Store` is every role at once; code that needs one role names it (`SiteReads` is what the
publisher reads, `UnitOfWork` = `LetterWork` + `ConsultationWork` is what the use cases write
through, `Accounts`, `Refusals`, `Outbox`, `Notifications`). Three adapters implement it on one
shared implementation (`adapters/store.py`): SQLite (`adapters/sqlite.py`, the embedded
default), DynamoDB (`adapters/dynamodb.py`, production) and an in-memory store for tests; one
contract test suite runs against all of them.

Writes go through a unit of work: load, change the domain objects, `commit()`. A commit writes
every changed letter with its new history events, the running statistics, the idempotency answer,
the notifications the change causes and one change record (the outbox that drives publishing) in
a single transaction, guarded by the letter's version, so the loser of a race gets
`ConcurrentUpdate` and nothing is half-written. A notification's id is unique, so one that
already exists fails the commit the same way.

Consultations use the same unit of work: a commit writes the topics and comments it changed
(each guarded by its version), new survey responses, the topic tallies (added as differences,
like the letter statistics), the abuse-limit quotas it used (over the limit: `TooManyRequests`,
nothing written) and one change record naming the topics (`Change.topics`).

Reads of consultations, for the API, the staff console and the pages:

- `list_topics()`: every registered topic (its definition, outcome, version), by id;
- `get_topic(topic_id)`: one topic, or None;
- `topic_comments(topic_id, status=None)`: its comments (of one status), oldest first
  (`created_at`, then id); survey free-text answers are comments with `question` set;
- `get_comment(comment_id)`: one comment, or None;
- `topic_responses(topic_id)`: its survey responses, oldest first;
- `topic_tallies(topic_id)`: its running counters (`consultations` names them), zeros left out.

`consultations.public_view(topic, store.topic_comments(id, "approved"),
store.topic_tallies(id))` is what the site publishes of a topic (its keys:
content/consultations.md). A consultation's change record has `kind` "topic", names the topics
in `topics`, is `public` when something on the site changed (an approved comment came or went,
an answer, a response, the outcome, the definition, the topic opening or closing) and lists the
topic's `departments` only when the topic record itself changed (registration, outcome, opening
or closing), not for each comment.

Senders (SES, SNS, a local outbox folder: `senders.py`) implement `Sender`; the renderer in
`publisher/` implements `Publisher` (`publisher/runtime.py`), which the stream handler is given.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from ..domain.consultations import Comment, Response, Topic
from ..domain.letters import Letter
from ..domain.notifications import Notification
from ..domain.similar import Candidate


@dataclass
class Account:
    """A staff account (clerk of one department, office, or admin)."""

    username: str
    password_hash: str
    role: str
    department: str | None
    created_at: datetime
    disabled: bool = False
    demo: bool = False
    # raised by a password reset and by disabling the account: every token carries the version
    # it was issued at, and one with an older version is refused (auth.current_actor)
    token_version: int = 0


@dataclass
class Change:
    """One outbox record: what a committed change touched, for the incremental publisher."""

    id: str
    at: datetime
    letters: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    months: list[str] = field(default_factory=list)        # public archive months touched
    periods: list[str] = field(default_factory=list)       # league periods whose figures moved
    public: bool = False                                   # a published page changed
    kind: str = "letter"
    published: list[str] = field(default_factory=list)    # letters that became public
    withdrawn: list[str] = field(default_factory=list)    # letters that stopped being public
    topics: list[str] = field(default_factory=list)       # consultations whose records changed
    # the statistics counters it moved (None: not recorded, in change records older than this)
    counters: list[str] | None = None
    # the type and category boards (分类选登) its letters were or are on, before and after:
    # a withdrawal, a re-approval with another category or a type change moves a letter off
    # one. None: not recorded (records older than the boards), which the publisher reads as
    # "any board"
    types: list[str] | None = None
    categories: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at.isoformat(), "letters": self.letters,
                "departments": self.departments, "months": self.months,
                "periods": self.periods, "public": self.public, "kind": self.kind,
                "published": self.published, "withdrawn": self.withdrawn,
                "topics": self.topics, "counters": self.counters, "types": self.types,
                "categories": self.categories}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Change:
        return cls(id=d["id"], at=datetime.fromisoformat(d["at"]), letters=list(d["letters"]),
                   departments=list(d["departments"]), months=list(d["months"]),
                   periods=list(d["periods"]), public=bool(d["public"]),
                   kind=d.get("kind", "letter"), published=list(d.get("published", [])),
                   withdrawn=list(d.get("withdrawn", [])), topics=list(d.get("topics", [])),
                   counters=(list(d["counters"]) if d.get("counters") is not None else None),
                   types=list(d["types"]) if d.get("types") is not None else None,
                   categories=(list(d["categories"]) if d.get("categories") is not None
                               else None))


@dataclass
class InboxPage:
    """One page of the staff inbox (`Store.inbox_page`): the letters of the page, newest first,
    and how many letters match in all. `complete` is False when a word search looked only at the
    newest `searched` letters of the list (the DynamoDB adapter's bounded search) and `total`
    counts the matches among them."""

    letters: list[Letter]
    total: int
    complete: bool = True
    searched: int | None = None


@dataclass
class StoredAnswer:
    """An idempotent request's first answer, returned again on replay."""

    status: int
    body: dict[str, Any]
    request_hash: str


class LetterWork(Protocol):
    """The letters side of a unit of work (the letter use cases)."""

    def get_letter(self, letter_id: str) -> Letter | None: ...
    def get_letter_by_code(self, tracking_code: str) -> Letter | None: ...
    def add_letter(self, letter: Letter) -> None: ...
    def save_letter(self, letter: Letter) -> None: ...
    def add_vote(self, letter_id: str, voter: str) -> bool: ...
    def idempotent_answer(self, scope: str, key: str) -> StoredAnswer | None: ...
    def remember_answer(self, scope: str, key: str, answer: StoredAnswer) -> None: ...
    def add_notification(self, notification: Notification) -> None: ...

    def correct_stats(self, deltas: Mapping[tuple[str, str], Mapping[str, int]]) -> None:
        """Add `deltas` to the running statistics per (period, department) in this commit; the
        change record names the periods and departments, so their pages are published again."""
        ...


class ConsultationWork(Protocol):
    """The consultations side of a unit of work (the topic use cases)."""

    def get_topic(self, topic_id: str) -> Topic | None: ...
    def put_topic(self, topic: Topic) -> None:
        """Write a new topic, or one loaded in this unit of work (guarded by its version)."""
        ...

    def get_comment(self, comment_id: str) -> Comment | None: ...
    def add_comment(self, comment: Comment) -> None: ...
    def save_comment(self, comment: Comment) -> None: ...
    def add_response(self, response: Response) -> None: ...
    def add_comment_vote(self, comment: Comment, voter: str, direction: str) -> bool:
        """顶/踩 on a published comment, once per voter; False when already counted."""
        ...

    def quota_used(self, key: str) -> int:
        """How many times an abuse-limit quota (a key naming client, scope and window) was used."""
        ...

    def add_week(self, record: dict[str, Any]) -> None:
        """A new weekly record (`domain.weekly`, key `record["week"]`), written with one change
        record of kind "week"; the commit fails with `ConcurrentUpdate` (and writes nothing)
        when the week has one already."""
        ...

    def use_quota(self, key: str, limit: int, expires_at: datetime) -> None:
        """Use the quota once in this commit; the commit raises `TooManyRequests` (and writes
        nothing) if it was used `limit` times already."""
        ...


class UnitOfWork(LetterWork, ConsultationWork, Protocol):
    """One transaction: load, change, `commit()` (see the module docstring)."""

    def __enter__(self) -> UnitOfWork: ...
    def __exit__(self, *exc: object) -> None: ...
    def commit(self) -> None: ...


class LetterReads(Protocol):
    """Letters for the staff console."""

    def get_letter(self, letter_id: str) -> Letter | None: ...
    def list_letters(self, *, status: str | None = None, department: str | None = None,
                     limit: int = 200) -> list[Letter]: ...
    def iter_letters(self) -> Iterator[Letter]: ...

    def inbox_page(self, *, status: str | None = None, department: str | None = None,
                   q: str | None = None, offset: int = 0, limit: int = 50) -> InboxPage:
        """The staff inbox, paged: letters (of one status, of one department) newest first
        (`submitted_at`, then id, both descending), `limit` of them from `offset`, with the
        number matching in all. `q` (letters and digits only, `codec.search_chars`) keeps the
        letters in whose tracking code, phone, subject or body it occurs. Reads one page of an
        index and the page's letters, never every letter (the total is counted on index keys);
        the DynamoDB adapter looks for `q` among the newest letters of the list only and says
        so (`InboxPage.complete`)."""
        ...

    def count_letters(self, status: str) -> int: ...

    def similar_candidates(self, letter: Letter, since: datetime) -> list[Candidate]:
        """The letters that may repeat `letter` (重复件), for `domain/similar.py` to score, by
        id, the letter itself left out: every letter indexed under one of its contact keys
        (`similar.contact_keys`; any age, the newest `store.SIMILAR_PER_CONTACT` per key) and
        the newest `store.SIMILAR_RECENT` (1,000) letters submitted at or after `since` (the
        last 30 days). Read from the contact index and the inbox index plus the letters'
        documents (no history), never every open letter."""
        ...


class SupervisionReads(Protocol):
    """Letters the scheduled job, the office and the exposure board look at, without a scan."""

    def overdue_letters(self, now: datetime) -> list[Letter]:
        """Letters with a running clock whose due date ended before `now` (China time),
        oldest due date first: the red letters, whether or not the tick has recorded it."""
        ...

    def letters_awaiting_rating(self, released_before: datetime) -> list[Letter]:
        """Answered letters whose writer left a contact, whose released reply has no rating and
        who has not been asked yet, released at or before `released_before`, oldest first."""
        ...

    def letters_rated_unsatisfied(self) -> list[Letter]:
        """Answered letters whose released reply was rated 不满意 (the office's re-do queue),
        oldest rating first."""
        ...

    def listed_letters(self) -> list[Letter]:
        """Letters listed for supervision (挂牌督办) and not yet answered
        (`oversight.is_listed`), by the office's date (none last), then id."""
        ...

    def late_letters(self, since: datetime, limit: int) -> list[Letter]:
        """Letters signed for or answered after their due date at or after `since` (a sign or
        reply event with `on_time` false), each once, latest such event first, at most `limit`:
        the exposure board's late work. The letters owning the latest `limit` late events are
        among them, so the board reads `limit` letters however long the history."""
        ...


class ArchiveReads(Protocol):
    """The public archive (published letters ordered by (first_published_at, id)) and the
    running statistics per (period, department)."""

    def get_letter(self, letter_id: str) -> Letter | None: ...
    def latest_published(self, n: int, department: str | None = None) -> list[Letter]: ...
    def published_months(self) -> list[tuple[str, int]]: ...
    def published_in_month(self, month: str, offset: int, limit: int) -> list[Letter]: ...
    def published_position(self, letter: Letter) -> int: ...
    def iter_published(self) -> Iterator[Letter]: ...
    def count_published(self, department: str | None = None) -> int: ...

    # the boards by type and by category (分类选登): `facet` is "type" (`letter.type`) or
    # "category" (`publication.category`), `value` the type or category; each board is the
    # archive's order restricted to its letters, read from its own index, never by a scan
    def latest_in_facet(self, facet: str, value: str, n: int) -> list[Letter]:
        """The latest `n` published letters of a type or category, newest first."""
        ...

    def facet_months(self, facet: str, value: str) -> list[tuple[str, int]]:
        """Each month (of first publication) with letters of a type or category, and how many,
        oldest first."""
        ...

    def facet_month_names(self, facet: str, value: str) -> list[str]:
        """The months of `facet_months` without their counts: a few index reads per month,
        whatever the number of letters (what a board page shows after every new reply)."""
        ...

    def published_in_facet_month(self, facet: str, value: str, month: str, offset: int,
                                 limit: int) -> list[Letter]:
        """Letters of a type or category first published in `month`, in archive order,
        `limit` of them (-1: all) from `offset`."""
        ...

    def facet_position(self, facet: str, letter: Letter) -> int:
        """How many letters of the published letter's type or category come before it in its
        month (0 when it is on no board of the facet)."""
        ...

    # every letter by submission time, published or not (the open data files, one a month):
    # read from the index of the staff inbox, a month at a time
    def submitted_between(self, since: datetime, before: datetime) -> list[Letter]:
        """Every letter submitted at or after `since` and before `before`, oldest first (then
        by id)."""
        ...

    def open_rows(self, since: datetime, before: datetime) -> list[dict[str, Any]]:
        """The open-data rows (`open_data.stored_row`) the store keeps beside the letters
        `submitted_between` would give, in the same order: written in each letter's commit."""
        ...

    def iter_open_rows(self, since: datetime, before: datetime) -> Iterator[dict[str, Any]]:
        """The rows `open_rows` gives, read a batch at a time: what a month's open-data file
        is written from, so that a month of letters is never held at once."""
        ...

    def count_submitted(self, since: datetime, before: datetime) -> int:
        """How many letters `submitted_between` would give (index keys only)."""
        ...

    def submission_span(self) -> tuple[datetime, datetime] | None:
        """The first and the last submission time of any letter; None with no letters."""
        ...

    def stats(self, period: str) -> dict[str, dict[str, int]]: ...
    def stats_periods(self) -> list[str]: ...

    # the weekly records (hot topics and the leaders' report), written by the scheduled job
    def get_week(self, week: str) -> dict[str, Any] | None:
        """The weekly record of an ISO week ("2026-W49"), None if none was written."""
        ...

    def list_weeks(self) -> list[str]:
        """The weeks that have a record, newest first."""
        ...


class ConsultationReads(Protocol):
    """Consultations for the API, the staff console and the pages (see the module docstring)."""

    def list_topics(self) -> list[Topic]: ...
    def get_topic(self, topic_id: str) -> Topic | None: ...
    def topic_comments(self, topic_id: str, status: str | None = None) -> list[Comment]: ...
    def get_comment(self, comment_id: str) -> Comment | None: ...
    def topic_responses(self, topic_id: str) -> list[Response]: ...
    def topic_tallies(self, topic_id: str) -> dict[str, int]: ...


class LeaderReads(Protocol):
    """The leader index (adapters/leader_index.py): the letters addressed or escalated to a
    leader (`staff#{id}`), addressed to a board (`to#{id}`), published on it (`board#{id}`)."""

    def leader_letters(self, key: str, *, offset: int = 0, limit: int = 50) -> list[Letter]:
        """The letters under one key, newest first, `limit` of them from `offset` (one index
        query and the page's letters)."""
        ...

    def count_leader_letters(self, key: str) -> int: ...


class SiteReads(ArchiveReads, SupervisionReads, ConsultationReads, LeaderReads, Protocol):
    """What the publisher reads to render the site: never a write, never personal data beyond
    what the domain's public views keep."""


class Refusals(Protocol):
    """Requests refused as abuse (abuse.py): counters per China-time day and kind, no client."""

    def count_refusal(self, kind: str, at: datetime) -> None:
        """Add one to the refusals of `kind` on `at`'s China-time day (written at once, outside
        any unit of work: the refused request itself fails)."""
        ...

    def refusals(self, since: date) -> dict[str, dict[str, int]]:
        """The refusal counters of each day from `since` on: {"2026-11-23": {kind: n}}, by day."""
        ...


class Accounts(Protocol):
    """Staff accounts."""

    def get_account(self, username: str) -> Account | None: ...
    def put_account(self, account: Account) -> None: ...
    def list_accounts(self) -> list[Account]: ...


class Outbox(Protocol):
    """The change records that drive publishing, oldest first until marked done."""

    def pending_changes(self, limit: int = 100) -> list[Change]: ...
    def mark_changes_done(self, ids: list[str]) -> None: ...


class Notifications(Protocol):
    """Notifications (created by units of work; delivery updates them one by one)."""

    def get_notification(self, notification_id: str) -> Notification | None: ...
    def list_notifications(self, letter_id: str | None = None) -> list[Notification]:
        """Every notification (of one letter), by id."""
        ...

    def due_notifications(self, now: datetime, limit: int = 100) -> list[Notification]:
        """Pending notifications whose next attempt is at or before `now`, oldest first."""
        ...

    def update_notification(self, notification: Notification) -> None:
        """Write a notification's delivery state if its version is still the one read (then
        bump it); otherwise `ConcurrentUpdate` (another delivery job took it)."""
        ...


class SearchState(Protocol):
    """What the site's search index needs to follow the archive in the background: which parts
    of it changed since their shard was built (`publisher/search/`). Keys are the publisher's
    (`mark:2026-11`, `built:2026-11`, `manifest`); each key is written by one role only (the
    incremental publisher marks, the indexer records what it built), so no update is lost."""

    def search_state(self) -> dict[str, dict[str, Any]]:
        """Every search-state record by key."""
        ...

    def put_search_state(self, key: str, doc: dict[str, Any]) -> None:
        """Write one record (written at once, outside any unit of work)."""
        ...


class PrivacyRecords(Protocol):
    """Personal data over time (services/privacy.py): the letters past their retention period,
    and the record of every staff read of a letter's private fields (kept, never expired)."""

    def letters_past_retention(self, finished_before: datetime,
                               limit: int | None = None) -> list[Letter]:
        """Finished letters still holding their writer's personal data, finished before
        `finished_before`, oldest first, `limit` of them (None: all; an index, not a scan)."""
        ...

    def record_access(self, letter_id: str, who: str, at: datetime, what: str) -> None:
        """Append one access record (one small write, outside any unit of work)."""
        ...

    def access_records(self, letter_id: str) -> list[dict[str, Any]]:
        """The letter's access records, oldest first: `{"at", "who", "what"}`."""
        ...


class Store(LetterReads, SiteReads, Refusals, Accounts, Outbox, Notifications, SearchState,
            PrivacyRecords, Protocol):
    """The whole store: every role above, and units of work for the use cases."""

    def unit_of_work(self) -> UnitOfWork: ...


class Publisher(Protocol):
    """Publishes the pages that committed changes made stale (the stream handler's and the
    local server's port to `publisher/`; `bootstrap.make_publisher` builds it lazily, so the
    API's cold start never loads the renderer or Jinja2)."""

    def publish(self, changes: list[Change]) -> set[str]:
        """Render and write the pages `changes` touch; the keys of the pages written."""
        ...

    def settle(self, changes: list[Change]) -> bool:
        """After `publish`: mark the change records done, unless that publish found a full
        build of the site under way (they stay pending, and the build publishes them again into
        the site it switches to); whether they were marked."""
        ...

    def drain(self) -> int:
        """Publish every pending change record, oldest first, and mark them done; how many."""
        ...

    def refresh(self) -> list[Any]:
        """Render the deferred pages publishing marked (the open-data month files and what is
        counted from them, `publisher.deferred`), each once; the keys rendered."""
        ...

    def index_search(self, everything: bool = False) -> dict[str, Any]:
        """Rebuild the search index's stale shards (publishing only marks them), or every
        shard; a summary: `shards` (ids rebuilt), `records`, `files` (written or deleted),
        `removed` (shard ids gone) and `error` (None, or why the index was not updated:
        Pagefind missing or failed; the pages stay published either way); `waiting` (only
        while a full build into the bucket is under way: why nothing was done, the marks are
        kept for the next run; with `held_seconds`, how long the build has held them,
        reported to CloudWatch, `publisher.metrics`)."""
        ...


class Sender(Protocol):
    """Delivers one notification on its channel; returns the provider's message id.

    Raises `errors.SendError` on failure (adapters translate their vendor's errors)."""

    def send(self, notification: Notification) -> str: ...
