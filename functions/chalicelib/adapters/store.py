"""The store port implemented once, over a few primitives each adapter provides.

`BaseStore` holds every public `Store` method whose meaning does not depend on the engine, and
`StoreUnitOfWork` the whole unit of work (it records what the use case loaded and changed in
`codec.TrackedLetters`, and commit hands the plan to the adapter's one-transaction write). An
adapter (`sqlite.py`, `dynamodb.py`) provides only:

- letters: `_load_letter(id)`, `_load_letter_by_code(code)`, `_scheduled(list, below)` (the
  letters of one supervision list, `codec.schedule_of`, in key order, keys below `below`);
- the public archive and the letter lists as ordered ranges of an index (`_range`, `_count`
  over `ARCHIVE`, `ARCHIVE_MONTH`, `ARCHIVE_DEPARTMENT`, `STATUS`, and the boards by type and
  category: `ARCHIVE_TYPE`, `ARCHIVE_TYPE_MONTH`, `ARCHIVE_CATEGORY`, `ARCHIVE_CATEGORY_MONTH`);
- documents by kind and key (`_doc`, `_docs` in key order, `_put_doc`) for accounts, topics and
  comments;
- what a unit of work reads (`_has_vote`, `_stored_answer`, `_quota_used`) and writes
  (`_write(plan, now)`: the whole `CommitPlan` in one transaction, guarded by versions);
- the refusal counters (`_add_refusal(day, kind)`, `_refusal_counts(since)`).

The queries an engine answers natively better (the inbox and its full-text search, the months of
the archive, late work, consultations' lists, the outbox, notifications) stay in the adapter, each
saying so; the contract suite (`tests/contract`) runs the same tests against every adapter, which
is what proves them equal.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

from ..domain.consultations import Comment, Response, Topic
from ..domain.deadlines import CHINA_TZ
from ..domain.errors import TooManyRequests
from ..domain.letters import Letter
from ..domain.notifications import Notification
from ..domain.similar import Candidate
from ..services.ports import Account, StoredAnswer
from .codec import (
    CATEGORY,
    DUE,
    KEEP,
    REDO,
    TYPE,
    WAIT,
    CommitPlan,
    QuotaUse,
    TrackedLetters,
    at_or_before,
    candidate_from_doc,
    contact_keys,
    facet_month_key,
    pub_facet,
    pub_key,
    pub_month,
    schedule_of,
    time_key,
)

# the ordered letter indexes `_range` and `_count` read (each adapter maps them to its own)
ARCHIVE = "archive"                    # published letters by `codec.pub_key`; key: None
ARCHIVE_MONTH = "archive_month"        # ... of one month (`codec.pub_month`)
ARCHIVE_DEPARTMENT = "archive_department"   # ... of one department
STATUS = "status"                      # letters of one status by `submitted_at` (count only)
# the boards by type and by category (codec.pub_facet), in archive order: the whole board (key:
# the type or category) and one month of it (key: `codec.facet_month_key(value, month)`)
ARCHIVE_TYPE = "archive_type"
ARCHIVE_TYPE_MONTH = "archive_type_month"
ARCHIVE_CATEGORY = "archive_category"
ARCHIVE_CATEGORY_MONTH = "archive_category_month"
# facet -> (whole-board index, month index)
FACET_INDEXES: dict[str, tuple[str, str]] = {
    TYPE: (ARCHIVE_TYPE, ARCHIVE_TYPE_MONTH),
    CATEGORY: (ARCHIVE_CATEGORY, ARCHIVE_CATEGORY_MONTH),
}

# the document kinds `_doc`, `_docs` and `_put_doc` store
ACCOUNT, TOPIC, COMMENT = "account", "topic", "comment"
SEARCH = "search"      # the search index's state (`SearchState`); the key is kept in the doc
WEEK = "week"          # the weekly records (`domain.weekly`), keyed by ISO week ("2026-W49")

ITER_PAGE = 1000        # letters per read when iterating the whole archive
# the bounds of `similar_candidates`: the newest letters of the window, and per contact key
SIMILAR_RECENT = 1000
SIMILAR_PER_CONTACT = 200


def too_many() -> TooManyRequests:
    """A quota at its limit: the commit writes nothing."""
    return TooManyRequests("too_many_submissions")


def account_to_doc(account: Account) -> dict[str, Any]:
    d = dict(account.__dict__)
    d["created_at"] = account.created_at.isoformat()
    return d


def account_from_doc(d: dict[str, Any]) -> Account:
    d = dict(d)
    d["created_at"] = datetime.fromisoformat(d["created_at"])
    return Account(**d)


class BaseStore:
    """The public store methods, once; subclasses provide the primitives (module docstring)."""

    clock: Callable[[], datetime]

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.clock = clock or (lambda: datetime.now(UTC))

    # --- primitives (each adapter) -------------------------------------------------------

    def _load_letter(self, letter_id: str) -> Letter | None:
        raise NotImplementedError

    def _load_letter_by_code(self, tracking_code: str) -> Letter | None:
        raise NotImplementedError

    def _scheduled(self, sched: str, below: str | None = None) -> list[Letter]:
        raise NotImplementedError

    def _range(self, index: str, key: str | None, *, after: str | None = None,
               reverse: bool = False, offset: int = 0, limit: int | None = None) -> list[Letter]:
        """Letters of one index partition in sort-key order (or reversed), sort keys above
        `after`, `limit` of them (None: all) from `offset`."""
        raise NotImplementedError

    def _count(self, index: str, key: str | None, *, below: str | None = None) -> int:
        """How many entries one index partition holds (with sort keys below `below`)."""
        raise NotImplementedError

    def _contact_ids(self, key: str, limit: int) -> list[str]:
        """The ids of the letters indexed under one contact key (`codec.contact_keys`),
        newest submission first, at most `limit`."""
        raise NotImplementedError

    def _leader_ids(self, key: str, offset: int, limit: int) -> list[str]:
        """The ids under one leader index key (`leader_index.entries`), newest first."""
        raise NotImplementedError

    def _leader_count(self, key: str) -> int:
        raise NotImplementedError

    def _recent_ids(self, since: datetime, limit: int) -> list[str]:
        """The ids of the letters submitted at or after `since`, newest first, at most
        `limit`."""
        raise NotImplementedError

    def _letter_docs(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """The stored documents (`codec.letter_to_doc`, no history) of these letters, by id
        (missing ones left out)."""
        raise NotImplementedError

    def _doc(self, kind: str, key: str) -> dict[str, Any] | None:
        raise NotImplementedError

    def _docs(self, kind: str) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _put_doc(self, kind: str, key: str, doc: dict[str, Any]) -> None:
        raise NotImplementedError

    def _has_vote(self, letter_id: str, voter: str) -> bool:
        raise NotImplementedError

    def _stored_answer(self, scope: str, key: str) -> StoredAnswer | None:
        raise NotImplementedError

    def _quota_used(self, key: str) -> int:
        raise NotImplementedError

    def _write(self, plan: CommitPlan, now: datetime) -> None:
        raise NotImplementedError

    def _add_refusal(self, day: str, kind: str) -> None:
        raise NotImplementedError

    def _refusal_counts(self, since: str) -> Iterable[tuple[str, str, int]]:
        """(day, kind, n) from day `since` on, by day then kind."""
        raise NotImplementedError

    # --- units of work -------------------------------------------------------------------

    def unit_of_work(self) -> StoreUnitOfWork:
        return StoreUnitOfWork(self)

    # --- letters -------------------------------------------------------------------------

    def get_letter(self, letter_id: str) -> Letter | None:
        return self._load_letter(letter_id)

    def count_letters(self, status: str) -> int:
        return self._count(STATUS, status)

    def similar_candidates(self, letter: Letter, since: datetime) -> list[Candidate]:
        ids: dict[str, None] = {}
        for key in contact_keys(letter):
            ids.update(dict.fromkeys(self._contact_ids(key, SIMILAR_PER_CONTACT)))
        ids.update(dict.fromkeys(self._recent_ids(since, SIMILAR_RECENT)))
        ids.pop(letter.id, None)
        docs = self._letter_docs(sorted(ids))
        return [candidate_from_doc(docs[i]) for i in sorted(docs)]

    def leader_letters(self, key: str, *, offset: int = 0, limit: int = 50) -> list[Letter]:
        if limit <= 0:
            return []
        return [x for i in self._leader_ids(key, offset, limit)
                if (x := self._load_letter(i)) is not None]

    def count_leader_letters(self, key: str) -> int:
        return self._leader_count(key)

    # --- supervision ---------------------------------------------------------------------

    def overdue_letters(self, now: datetime) -> list[Letter]:
        return self._scheduled(DUE, now.astimezone(CHINA_TZ).date().isoformat())

    def letters_awaiting_rating(self, released_before: datetime) -> list[Letter]:
        return self._scheduled(WAIT, at_or_before(released_before))

    def letters_rated_unsatisfied(self) -> list[Letter]:
        return self._scheduled(REDO)

    def letters_past_retention(self, finished_before: datetime,
                               limit: int | None = None) -> list[Letter]:
        """Finished letters still holding personal data, finished before the instant, oldest
        first (the `KEEP` list of `codec.schedule_of`: an index, never every letter); the
        SQLite and DynamoDB adapters read only `limit` of them (access_records.py)."""
        return self._scheduled(KEEP, time_key(finished_before))[:limit]

    @staticmethod
    def _still_on(letters: Iterable[Letter], sched: str, below: str | None) -> list[Letter]:
        """The letters still on a supervision list (an index that lags its table by a moment
        may list one that has left it)."""
        return [letter for letter in letters
                if (found := schedule_of(letter)) is not None and found[0] == sched
                and (below is None or found[1] < below)]

    # --- the public archive --------------------------------------------------------------

    def latest_published(self, n: int, department: str | None = None) -> list[Letter]:
        if n <= 0:
            return []
        letters = (self._range(ARCHIVE_DEPARTMENT, department, reverse=True, limit=n)
                   if department else self._range(ARCHIVE, None, reverse=True, limit=n))
        return [letter for letter in letters if letter.publication is not None]

    def published_in_month(self, month: str, offset: int, limit: int) -> list[Letter]:
        if limit == 0:
            return []
        return self._range(ARCHIVE_MONTH, month, offset=max(offset, 0),
                           limit=limit if limit > 0 else None)

    def published_position(self, letter: Letter) -> int:
        key, month = pub_key(letter), pub_month(letter)
        if key is None or month is None:
            return 0
        return self._count(ARCHIVE_MONTH, month, below=key)

    def count_published(self, department: str | None = None) -> int:
        if department:
            return self._count(ARCHIVE_DEPARTMENT, department)
        return self._count(ARCHIVE, None)

    # --- the boards by type and by category ----------------------------------------------

    def latest_in_facet(self, facet: str, value: str, n: int) -> list[Letter]:
        if n <= 0:
            return []
        letters = self._range(FACET_INDEXES[facet][0], value, reverse=True, limit=n)
        return [letter for letter in letters if pub_facet(letter, facet) == value]

    def published_in_facet_month(self, facet: str, value: str, month: str, offset: int,
                                 limit: int) -> list[Letter]:
        if limit == 0:
            return []
        return self._range(FACET_INDEXES[facet][1], facet_month_key(value, month),
                           offset=max(offset, 0), limit=limit if limit > 0 else None)

    def facet_position(self, facet: str, letter: Letter) -> int:
        key, month, value = pub_key(letter), pub_month(letter), pub_facet(letter, facet)
        if key is None or month is None or value is None:
            return 0
        return self._count(FACET_INDEXES[facet][1], facet_month_key(value, month), below=key)

    def facet_months(self, facet: str, value: str) -> list[tuple[str, int]]:
        by_month = FACET_INDEXES[facet][1]
        return [(month, self._count(by_month, facet_month_key(value, month)))
                for month in self.facet_month_names(facet, value)]

    def facet_month_names(self, facet: str, value: str) -> list[str]:
        """Months are contiguous runs of a board's order: the first letter after the last
        month found names the next month, so two small reads per month, never the board."""
        whole, by_month = FACET_INDEXES[facet]
        out: list[str] = []
        after: str | None = None
        while True:
            first = self._range(whole, value, after=after, limit=1)
            if not first or (month := pub_month(first[0])) is None:
                return out
            out.append(month)
            last = self._range(by_month, facet_month_key(value, month), reverse=True,
                               limit=1) or first
            # max(): an index may lag the table by a moment; never step backwards
            after = max(pub_key(first[0]) or "", pub_key(last[0]) or "")

    def iter_published(self) -> Iterator[Letter]:
        """Every published letter in archive order (first_published_at, id)."""
        last: str | None = None
        while True:
            batch = self._range(ARCHIVE, None, after=last, limit=ITER_PAGE)
            if not batch:
                return
            yield from batch
            last = pub_key(batch[-1])
            if last is None:        # withdrawn since the index listed it (DynamoDB's lag)
                return

    # --- consultations -------------------------------------------------------------------

    def list_topics(self) -> list[Topic]:
        return [Topic.from_dict(d) for d in self._docs(TOPIC)]

    def get_topic(self, topic_id: str) -> Topic | None:
        d = self._doc(TOPIC, topic_id)
        return Topic.from_dict(d) if d else None

    def get_comment(self, comment_id: str) -> Comment | None:
        d = self._doc(COMMENT, comment_id)
        return Comment.from_dict(d) if d else None

    # --- the search index's state --------------------------------------------------------

    def search_state(self) -> dict[str, dict[str, Any]]:
        return {d["key"]: d for d in self._docs(SEARCH) if isinstance(d.get("key"), str)}

    def put_search_state(self, key: str, doc: dict[str, Any]) -> None:
        self._put_doc(SEARCH, key, {**doc, "key": key})

    # --- the weekly records (hot topics, the leaders' report) -----------------------------

    def get_week(self, week: str) -> dict[str, Any] | None:
        return self._doc(WEEK, week)

    def list_weeks(self) -> list[str]:
        return sorted((d["week"] for d in self._docs(WEEK) if isinstance(d.get("week"), str)),
                      reverse=True)

    # --- refusals ------------------------------------------------------------------------

    def count_refusal(self, kind: str, at: datetime) -> None:
        self._add_refusal(at.astimezone(CHINA_TZ).date().isoformat(), kind)

    def refusals(self, since: date) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for day, kind, n in self._refusal_counts(since.isoformat()):
            if n:
                out.setdefault(day, {})[kind] = int(n)
        return out

    # --- accounts ------------------------------------------------------------------------

    def get_account(self, username: str) -> Account | None:
        d = self._doc(ACCOUNT, username)
        return account_from_doc(d) if d is not None else None

    def put_account(self, account: Account) -> None:
        self._put_doc(ACCOUNT, account.username, account_to_doc(account))

    def list_accounts(self) -> list[Account]:
        return [account_from_doc(d) for d in self._docs(ACCOUNT)]


class StoreUnitOfWork:
    """The unit of work of every adapter: reads through the store's primitives, records what
    the use case loaded and changed, and commits it as one plan in one transaction."""

    def __init__(self, store: BaseStore) -> None:
        self.store = store
        self.tracked = TrackedLetters()

    def __enter__(self) -> StoreUnitOfWork:
        return self

    def __exit__(self, *exc: object) -> None:
        self.tracked = TrackedLetters()

    # --- letters -------------------------------------------------------------------------

    def get_letter(self, letter_id: str) -> Letter | None:
        letter = self.store._load_letter(letter_id)
        return self.tracked.loaded(letter) if letter else None

    def get_letter_by_code(self, tracking_code: str) -> Letter | None:
        letter = self.store._load_letter_by_code(tracking_code)
        return self.tracked.loaded(letter) if letter else None

    def add_letter(self, letter: Letter) -> None:
        self.tracked.added(letter)

    def save_letter(self, letter: Letter) -> None:
        self.tracked.saved(letter)

    def add_vote(self, letter_id: str, voter: str) -> bool:
        if (letter_id, voter) in self.tracked.votes:
            return False
        if self.store._has_vote(letter_id, voter):
            return False
        self.tracked.votes.append((letter_id, voter))
        return True

    def idempotent_answer(self, scope: str, key: str) -> StoredAnswer | None:
        return self.store._stored_answer(scope, key)

    def remember_answer(self, scope: str, key: str, answer: StoredAnswer) -> None:
        self.tracked.answers.append((scope, key, answer))

    def add_notification(self, notification: Notification) -> None:
        self.tracked.notify(notification)

    def correct_stats(self, deltas: Mapping[tuple[str, str], Mapping[str, int]]) -> None:
        """Add `deltas` to the running statistics in this commit (`supervision.recompute_
        statistics`: what a recomputation from every letter's history says they should be)."""
        for key, d in deltas.items():
            row = self.tracked.stats_corrections.setdefault(key, {})
            for c, n in d.items():
                row[c] = row.get(c, 0) + int(n)

    # --- consultations -------------------------------------------------------------------

    def get_topic(self, topic_id: str) -> Topic | None:
        topic = self.store.get_topic(topic_id)
        return self.tracked.topic_loaded(topic) if topic else None

    def put_topic(self, topic: Topic) -> None:
        self.tracked.topic_put(topic)

    def get_comment(self, comment_id: str) -> Comment | None:
        comment = self.store.get_comment(comment_id)
        return self.tracked.comment_loaded(comment) if comment else None

    def add_comment(self, comment: Comment) -> None:
        self.tracked.comment_added(comment)

    def save_comment(self, comment: Comment) -> None:
        self.tracked.comment_saved(comment)

    def add_response(self, response: Response) -> None:
        self.tracked.responses.append(response)

    def add_comment_vote(self, comment: Comment, voter: str, direction: str) -> bool:
        """顶/踩 on a comment, once per voter (the letters' vote records, keyed
        `comment:{id}`); False when this voter's vote is already counted."""
        key = f"comment:{comment.id}"
        if not self.add_vote(key, voter):
            return False
        self.tracked.comment_votes.append((comment.topic_id, comment.id, direction))
        return True

    def quota_used(self, key: str) -> int:
        return self.store._quota_used(key)

    def use_quota(self, key: str, limit: int, expires_at: datetime) -> None:
        self.tracked.quotas.append(QuotaUse(key, limit, expires_at))

    # --- the weekly records --------------------------------------------------------------

    def add_week(self, record: dict[str, Any]) -> None:
        """A new weekly record (`record["week"]` its key); the commit fails with
        `ConcurrentUpdate` when the week has one already."""
        self.tracked.weeks[str(record["week"])] = record

    # --- commit --------------------------------------------------------------------------

    def commit(self) -> None:
        now = self.store.clock()
        plan = self.tracked.plan(now)
        try:
            self.store._write(plan, now)
        except BaseException:
            self.tracked.rolled_back(plan)
            raise
        self.tracked.committed()
