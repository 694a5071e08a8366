"""The embedded default store: one SQLite file (WAL), for local runs and small installs.

Each unit of work reads without a lock and writes its whole commit plan in one `BEGIN IMMEDIATE`
transaction; an `UPDATE ... WHERE version = ?` that matches no row, or an insert that hits a
unique key (a tracking code, an idempotency key, a vote, a notification id), rolls everything
back and raises `ConcurrentUpdate`. No `sqlite3.Error` leaves this module.

Consultations have their own tables (topics, comments, responses, tallies, quotas), written by
the same transaction; a quota at its limit fails the commit with `TooManyRequests`.

Supervision reads (`overdue_letters`, `letters_awaiting_rating`, `letters_rated_unsatisfied`) use
the `sched`/`sched_at` columns that `codec.schedule_of` fills on every write. The tables, indexes
and the numbered migrations that bring an older file up to date are in `sqlite_schema.py`; they
run when a file is opened.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from ..domain.consultations import Comment, Response
from ..domain.errors import ConcurrentUpdate, StoreError, TooManyRequests
from ..domain.letters import Letter
from ..domain.notifications import Delivery, Notification
from ..domain.statistics import COUNTERS
from ..services.ports import Change, InboxPage, StoredAnswer
from .access_records import SqliteAccess
from .codec import (
    CATEGORY,
    TYPE,
    CommitPlan,
    contact_keys,
    from_time_key,
    late_key,
    letter_from_doc,
    open_row_json,
    pub_facet,
    pub_key,
    pub_month,
    schedule_of,
    split_facet_month_key,
    time_key,
)
from .sqlite_schema import (
    index_contacts,
    index_leaders,
    index_listing,
    index_search,
    migrate,
    phrase,
)
from .store import (
    ACCOUNT,
    ARCHIVE,
    ARCHIVE_CATEGORY,
    ARCHIVE_CATEGORY_MONTH,
    ARCHIVE_DEPARTMENT,
    ARCHIVE_MONTH,
    ARCHIVE_TYPE,
    ARCHIVE_TYPE_MONTH,
    COMMENT,
    SEARCH,
    STATUS,
    TOPIC,
    WEEK,
    BaseStore,
    too_many,
)

# the ordered indexes of `store.BaseStore._range`: the rows they hold and their sort column
_RANGES = {
    ARCHIVE: ("pub_key IS NOT NULL", "pub_key"),
    ARCHIVE_MONTH: ("pub_month = ? AND pub_key IS NOT NULL", "pub_key"),
    ARCHIVE_DEPARTMENT: ("department = ? AND pub_key IS NOT NULL", "pub_key"),
    STATUS: ("status = ?", "submitted_at"),
    ARCHIVE_TYPE: ("pub_type = ? AND pub_key IS NOT NULL", "pub_key"),
    ARCHIVE_TYPE_MONTH: ("pub_type = ? AND pub_month = ? AND pub_key IS NOT NULL", "pub_key"),
    ARCHIVE_CATEGORY: ("pub_category = ? AND pub_key IS NOT NULL", "pub_key"),
    ARCHIVE_CATEGORY_MONTH: ("pub_category = ? AND pub_month = ? AND pub_key IS NOT NULL",
                             "pub_key"),
}
# the (value, month) indexes: their key is `codec.facet_month_key`, two arguments here
_MONTH_KEYED = frozenset({ARCHIVE_TYPE_MONTH, ARCHIVE_CATEGORY_MONTH})
# the public archive's lists, which only the publisher reads and never changes: a short read of
# one (a board's page, 50 letters) reuses the letters it decoded before (`_Decoded`)
_ARCHIVE_LISTS = frozenset({ARCHIVE, ARCHIVE_MONTH, ARCHIVE_DEPARTMENT, ARCHIVE_TYPE,
                            ARCHIVE_TYPE_MONTH, ARCHIVE_CATEGORY, ARCHIVE_CATEGORY_MONTH})
_SHORT_READ = 200
OPEN_ROWS_BATCH = 500   # a month's open-data rows are read this many at a time (`iter_open_rows`)


class _Decoded:
    """Letters decoded from the archive's lists, kept by id with the version they were decoded
    at (the last `size`). Every commit that touches a letter writes its version + 1 (the
    codec's write plan) in the same transaction as its document and its new history, so an
    equal version is the same letter: a warm publisher does not fetch and decode again the
    ~250 letters its boards list, only the one that changed. The letters handed out are
    shared: read-only (the publisher's)."""

    def __init__(self, size: int = 4096) -> None:
        from collections import OrderedDict
        self.size = size
        self._items: OrderedDict[str, Letter] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, letter_id: str, version: int) -> Letter | None:
        with self._lock:
            found = self._items.get(letter_id)
            if found is None or found.version != version:
                return None
            self._items.move_to_end(letter_id)
            return found

    def put(self, letter: Letter) -> None:
        with self._lock:
            self._items[letter.id] = letter
            self._items.move_to_end(letter.id)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def _range_args(index: str, key: str | None) -> list[object]:
    if key is None:
        return []
    return list(split_facet_month_key(key)) if index in _MONTH_KEYED else [key]
# the documents of `_doc`/`_docs`/`_put_doc`: table and key column
_DOCS = {ACCOUNT: ("accounts", "username"), TOPIC: ("topics", "id"), COMMENT: ("comments", "id"),
         SEARCH: ("search_state", "key"), WEEK: ("weeks", "week")}


class SqliteStore(SqliteAccess, BaseStore):
    """The store port over one SQLite file; safe to share between threads."""

    def __init__(self, path: str | Path, clock: Callable[[], datetime] | None = None) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        super().__init__(clock)
        self._local = threading.local()
        self._memory: sqlite3.Connection | None = None
        self._decoded = _Decoded()
        migrate(self._conn(), self.path)

    def _conn(self) -> sqlite3.Connection:
        if self.path == ":memory:":
            if self._memory is None:
                self._memory = self._open()
            return self._memory
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._open()
        return conn

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # --- what units of work read and write ----------------------------------------------

    def _load(self, where: str, arg: str) -> Letter | None:
        conn = self._conn()
        row = conn.execute(f"SELECT id, doc FROM letters WHERE {where} = ?", (arg,)).fetchone()
        if row is None:
            return None
        events = [json.loads(d) for (d,) in conn.execute(
            "SELECT doc FROM events WHERE letter_id = ? ORDER BY seq", (row[0],))]
        return letter_from_doc(json.loads(row[1]), events)

    def _load_letter(self, letter_id: str) -> Letter | None:
        return self._load("id", letter_id)

    def _load_letter_by_code(self, tracking_code: str) -> Letter | None:
        return self._load("tracking_code", tracking_code)

    def _has_vote(self, letter_id: str, voter: str) -> bool:
        return self._conn().execute("SELECT 1 FROM votes WHERE letter_id=? AND voter=?",
                                    (letter_id, voter)).fetchone() is not None

    def _stored_answer(self, scope: str, key: str) -> StoredAnswer | None:
        row = self._conn().execute(
            "SELECT status, body, request_hash FROM answers WHERE scope=? AND key=?",
            (scope, key)).fetchone()
        return StoredAnswer(int(row[0]), json.loads(row[1]), row[2]) if row else None

    def _write(self, plan: CommitPlan, now: datetime) -> None:
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
            for w in plan.letters:
                sched = schedule_of(w.letter) or (None, None)
                args = (w.doc["tracking_code"], w.doc["status"], w.doc["department"],
                        time_key(w.letter.submitted_at), pub_key(w.letter), pub_month(w.letter),
                        w.letter.version, json.dumps(w.doc, ensure_ascii=False), *sched,
                        pub_facet(w.letter, TYPE), pub_facet(w.letter, CATEGORY),
                        open_row_json(w.letter))
                if w.expected_version is None:
                    conn.execute(
                        "INSERT INTO letters (tracking_code, status, department, submitted_at,"
                        " pub_key, pub_month, version, doc, sched, sched_at, pub_type,"
                        " pub_category, open_row, id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        (*args, w.letter.id))
                else:
                    cur = conn.execute(
                        "UPDATE letters SET tracking_code=?, status=?, department=?,"
                        " submitted_at=?, pub_key=?, pub_month=?, version=?, doc=?, sched=?,"
                        " sched_at=?, pub_type=?, pub_category=?, open_row=?"
                        " WHERE id = ? AND version = ?",
                        (*args, w.letter.id, w.expected_version))
                    if cur.rowcount != 1:
                        raise ConcurrentUpdate(field="version")
                index_search(conn, w.letter)
                index_listing(conn, w.letter)
                if w.expected_version is None or w.contacts_before != contact_keys(w.letter):
                    index_contacts(conn, w.letter)
                index_leaders(conn, w.letter)
                conn.executemany(
                    "INSERT INTO events (letter_id, seq, doc) VALUES (?,?,?)",
                    [(w.letter.id, e["seq"], json.dumps(e, ensure_ascii=False))
                     for e in w.new_events])
                conn.executemany(
                    "INSERT INTO late_events (at, letter_id, seq) VALUES (?,?,?)",
                    [(key, w.letter.id, e["seq"]) for e in w.new_events
                     if (key := late_key(e)) is not None])
            for (period, dept), delta in plan.stats.items():
                row = conn.execute("SELECT counters FROM stats WHERE period=? AND department=?",
                                   (period, dept)).fetchone()
                counters = json.loads(row[0]) if row else {}
                for c, n in delta.items():
                    counters[c] = counters.get(c, 0) + n
                counters = {c: counters[c] for c in COUNTERS if counters.get(c)}
                conn.execute("INSERT OR REPLACE INTO stats (period, department, counters)"
                             " VALUES (?,?,?)", (period, dept, json.dumps(counters)))
            for scope, key, answer in plan.answers:
                conn.execute("INSERT INTO answers (scope, key, status, body, request_hash)"
                             " VALUES (?,?,?,?,?)",
                             (scope, key, answer.status,
                              json.dumps(answer.body, ensure_ascii=False), answer.request_hash))
            for letter_id, voter in plan.votes:
                conn.execute("INSERT INTO votes (letter_id, voter) VALUES (?,?)",
                             (letter_id, voter))
            for note in plan.notifications:
                conn.execute("INSERT INTO notifications (id, letter_id, due_at, version, doc)"
                             " VALUES (?,?,?,?,?)",
                             (note.id, note.letter_id, _due_at(note), 1,
                              json.dumps(note.to_dict(), ensure_ascii=False)))
            self._write_consultations(conn, plan)
            for record in plan.weeks:      # a week that has its record: IntegrityError, a loss
                conn.execute("INSERT INTO weeks (week, doc) VALUES (?,?)",
                             (record["week"], json.dumps(record, ensure_ascii=False)))
            if plan.change is not None:
                conn.execute("INSERT INTO outbox (id, doc) VALUES (?,?)",
                             (plan.change.id, json.dumps(plan.change.to_dict())))
            conn.execute("COMMIT")
        except (ConcurrentUpdate, TooManyRequests):
            conn.execute("ROLLBACK")
            raise
        except sqlite3.IntegrityError as exc:
            conn.execute("ROLLBACK")
            raise ConcurrentUpdate(field="id") from exc
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise StoreError(f"SQLite write failed: {exc}") from exc
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _write_consultations(self, conn: sqlite3.Connection, plan: CommitPlan) -> None:
        # quotas first: over the limit, nothing else is attempted; expired ones go
        if plan.quotas:
            conn.execute("DELETE FROM quotas WHERE expires_at < ?", (time_key(self.clock()),))
        for q in plan.quotas:
            if q.limit <= 0:
                raise too_many()
            cur = conn.execute(
                "INSERT INTO quotas (key, used, expires_at) VALUES (?, 1, ?)"
                " ON CONFLICT (key) DO UPDATE SET used = used + 1 WHERE used < ?",
                (q.key, time_key(q.expires_at), q.limit))
            if cur.rowcount != 1:
                raise too_many()
        for t in plan.topics:
            topic_row = (str(t.topic.kind), t.topic.version,
                         json.dumps(t.doc, ensure_ascii=False), t.topic.id)
            if t.expected_version is None:
                conn.execute("INSERT INTO topics (kind, version, doc, id) VALUES (?,?,?,?)",
                             topic_row)
            elif conn.execute("UPDATE topics SET kind=?, version=?, doc=? WHERE id=? AND"
                              " version=?", (*topic_row, t.expected_version)).rowcount != 1:
                raise ConcurrentUpdate(field="version")
        for w in plan.comments:
            c = w.comment
            args = (c.topic_id, str(c.status), time_key(c.created_at), c.version,
                    json.dumps(w.doc, ensure_ascii=False), c.id)
            if w.expected_version is None:
                conn.execute("INSERT INTO comments (topic_id, status, created_at, version, doc,"
                             " id) VALUES (?,?,?,?,?,?)", args)
            elif conn.execute("UPDATE comments SET topic_id=?, status=?, created_at=?,"
                              " version=?, doc=? WHERE id=? AND version=?",
                              (*args, w.expected_version)).rowcount != 1:
                raise ConcurrentUpdate(field="version")
        for r in plan.responses:
            conn.execute("INSERT INTO responses (id, topic_id, created_at, doc) VALUES (?,?,?,?)",
                         (r.id, r.topic_id, time_key(r.created_at),
                          json.dumps(r.to_dict(), ensure_ascii=False)))
        for topic_id, delta in plan.tallies.items():
            conn.executemany(
                "INSERT INTO tallies (topic_id, counter, n) VALUES (?,?,?)"
                " ON CONFLICT (topic_id, counter) DO UPDATE SET n = n + excluded.n",
                [(topic_id, counter, n) for counter, n in delta.items()])

    # --- documents and consultations -----------------------------------------------------

    def _doc(self, kind: str, key: str) -> dict | None:
        table, column = _DOCS[kind]
        row = self._conn().execute(f"SELECT doc FROM {table} WHERE {column} = ?",
                                   (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def _docs(self, kind: str) -> list[dict]:
        table, column = _DOCS[kind]
        return [json.loads(d) for (d,) in self._conn().execute(
            f"SELECT doc FROM {table} ORDER BY {column}")]

    def _put_doc(self, kind: str, key: str, doc: dict) -> None:
        table, column = _DOCS[kind]
        self._conn().execute(f"INSERT OR REPLACE INTO {table} ({column}, doc) VALUES (?,?)",
                             (key, json.dumps(doc, ensure_ascii=False)))

    # (native: the comments and responses of a topic by their indexes, the tallies in a table)

    def topic_comments(self, topic_id: str, status: str | None = None) -> list[Comment]:
        if status is None:
            rows = self._conn().execute("SELECT doc FROM comments WHERE topic_id = ?"
                                        " ORDER BY created_at, id", (topic_id,))
        else:
            rows = self._conn().execute("SELECT doc FROM comments WHERE topic_id = ? AND"
                                        " status = ? ORDER BY created_at, id",
                                        (topic_id, status))
        return [Comment.from_dict(json.loads(d)) for (d,) in rows]

    def topic_responses(self, topic_id: str) -> list[Response]:
        return [Response.from_dict(json.loads(d)) for (d,) in self._conn().execute(
            "SELECT doc FROM responses WHERE topic_id = ? ORDER BY created_at, id", (topic_id,))]

    def topic_tallies(self, topic_id: str) -> dict[str, int]:
        return {c: int(n) for c, n in self._conn().execute(
            "SELECT counter, n FROM tallies WHERE topic_id = ? AND n != 0 ORDER BY counter",
            (topic_id,))}

    def _quota_used(self, key: str) -> int:
        row = self._conn().execute("SELECT used FROM quotas WHERE key = ?", (key,)).fetchone()
        return int(row[0]) if row else 0

    # --- reads ---------------------------------------------------------------------------

    def _letters(self, sql: str, args: tuple, reuse: bool = False) -> list[Letter]:
        """The letters `sql` selects (`SELECT id, doc …`). With `reuse`, it first reads only
        ids and versions, and fetches and decodes the documents of those not kept already
        (`_Decoded`)."""
        conn = self._conn()
        if not reuse:
            return self._decode(conn, conn.execute(sql, args).fetchall(), keep=False)
        found = conn.execute(sql.replace("SELECT id, doc ", "SELECT id, version ", 1),
                             args).fetchall()
        known = {lid: hit for lid, version in found
                 if (hit := self._decoded.get(lid, version)) is not None}
        missing = [lid for lid, _ in found if lid not in known]
        for chunk in range(0, len(missing), 500):
            part = missing[chunk:chunk + 500]
            rows = conn.execute(f"SELECT id, doc FROM letters WHERE id IN"
                                f" ({','.join('?' * len(part))})", part).fetchall()
            known.update((letter.id, letter) for letter in self._decode(conn, rows))
        # (a letter written between the two reads is the newer one: the list is a snapshot
        # of ids, its letters as they are now)
        return [known[lid] for lid, _ in found if lid in known]

    def _decode(self, conn: sqlite3.Connection, rows: list, keep: bool = True) -> list[Letter]:
        """Letters from their stored documents and history; kept for `_letters(reuse=True)`."""
        if not rows:
            return []
        ids = [r[0] for r in rows]
        events: dict[str, list[dict]] = {i: [] for i in ids}
        for chunk in range(0, len(ids), 500):
            part = ids[chunk:chunk + 500]
            marks = ",".join("?" * len(part))
            # a letter's events as one JSON array, parsed at once (`letter_from_doc` orders
            # them by seq): one parse a letter instead of one an event
            for lid, docs in conn.execute(
                    f"SELECT letter_id, '[' || group_concat(doc, ',') || ']' FROM events"
                    f" WHERE letter_id IN ({marks}) GROUP BY letter_id", part):
                events[lid] = json.loads(docs)
        out = [letter_from_doc(json.loads(doc), events[lid]) for lid, doc in rows]
        if keep:
            for letter in out:
                self._decoded.put(letter)
        return out

    def _range(self, index: str, key: str | None, *, after: str | None = None,
               reverse: bool = False, offset: int = 0, limit: int | None = None) -> list[Letter]:
        where, column = _RANGES[index]
        args = _range_args(index, key)
        if after is not None:
            where += f" AND {column} > ?"
            args.append(after)
        order = " DESC" if reverse else ""
        reuse = index in _ARCHIVE_LISTS and limit is not None and limit <= _SHORT_READ
        return self._letters(f"SELECT id, doc FROM letters WHERE {where} ORDER BY {column}{order}"
                             " LIMIT ? OFFSET ?", (*args, -1 if limit is None else limit, offset),
                             reuse=reuse)

    def _count(self, index: str, key: str | None, *, below: str | None = None) -> int:
        where, column = _RANGES[index]
        args = _range_args(index, key)
        if below is not None:
            where += f" AND {column} < ?"
            args.append(below)
        (n,) = self._conn().execute(f"SELECT COUNT(*) FROM letters WHERE {where}",
                                    args).fetchone()
        return int(n)

    def _contact_ids(self, key: str, limit: int) -> list[str]:
        return [lid for (lid,) in self._conn().execute(
            "SELECT letter_id FROM letter_contacts WHERE contact = ?"
            " ORDER BY submitted_at DESC, letter_id DESC LIMIT ?", (key, limit))]

    def _leader_ids(self, key: str, offset: int, limit: int) -> list[str]:
        return [lid for (lid,) in self._conn().execute(
            "SELECT letter_id FROM letter_leaders WHERE key = ?"
            " ORDER BY sort DESC, letter_id DESC LIMIT ? OFFSET ?", (key, limit, offset))]

    def _leader_count(self, key: str) -> int:
        (n,) = self._conn().execute("SELECT COUNT(*) FROM letter_leaders WHERE key = ?",
                                    (key,)).fetchone()
        return int(n)

    def _recent_ids(self, since: datetime, limit: int) -> list[str]:
        return [lid for (lid,) in self._conn().execute(
            "SELECT id FROM letters WHERE submitted_at >= ? ORDER BY submitted_at DESC, id DESC"
            " LIMIT ?", (time_key(since), limit))]

    def _letter_docs(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        docs: dict[str, dict[str, Any]] = {}
        for chunk in range(0, len(ids), 500):
            part = ids[chunk:chunk + 500]
            marks = ",".join("?" * len(part))
            for lid, doc in self._conn().execute(
                    f"SELECT id, doc FROM letters WHERE id IN ({marks})", part):
                docs[lid] = json.loads(doc)
        return docs

    # (native: the staff lists and the inbox's full-text search)

    def list_letters(self, *, status: str | None = None, department: str | None = None,
                     limit: int = 200) -> list[Letter]:
        where, args = _letter_filters("", status, department)
        sql = "SELECT id, doc FROM letters"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY submitted_at DESC, id LIMIT ?"
        return self._letters(sql, (*args, limit))

    def inbox_page(self, *, status: str | None = None, department: str | None = None,
                   q: str | None = None, offset: int = 0, limit: int = 50) -> InboxPage:
        where, args = _letter_filters("l.", status, department)
        source = "letters AS l"
        if q:
            # the full-text index finds the matches; only they are read and sorted (CROSS JOIN:
            # SQLite keeps this order rather than walk a department's letters probing the index)
            source = "letter_search AS s CROSS JOIN letters AS l ON l.rowid = s.rowid"
            where.insert(0, "letter_search MATCH ?")
            args.insert(0, phrase(q))
        cond = (" WHERE " + " AND ".join(where)) if where else ""
        (total,) = self._conn().execute(f"SELECT COUNT(*) FROM {source}{cond}",
                                        args).fetchone()
        letters = self._letters(f"SELECT l.id, l.doc FROM {source}{cond}"
                                " ORDER BY l.submitted_at DESC, l.id DESC LIMIT ? OFFSET ?",
                                (*args, limit, offset)) if limit > 0 else []
        return InboxPage(letters, int(total))

    def iter_letters(self) -> Iterator[Letter]:
        last = ""
        while True:
            batch = self._letters("SELECT id, doc FROM letters WHERE id > ? ORDER BY id LIMIT 1000",
                                  (last,))
            if not batch:
                return
            yield from batch
            last = batch[-1].id

    # --- supervision ---------------------------------------------------------------------

    def _scheduled(self, sched: str, below: str | None = None) -> list[Letter]:
        if below is None:
            return self._letters("SELECT id, doc FROM letters WHERE sched = ?"
                                 " ORDER BY sched_at", (sched,))
        return self._letters("SELECT id, doc FROM letters WHERE sched = ? AND sched_at < ?"
                             " ORDER BY sched_at", (sched, below))

    def listed_letters(self) -> list[Letter]:
        """Native: the listings table (migration 12), by the office's date."""
        return self._letters("SELECT l.id, l.doc FROM listings AS s JOIN letters AS l"
                             " ON l.id = s.letter_id ORDER BY s.key", ())

    def late_letters(self, since: datetime, limit: int) -> list[Letter]:
        return self._letters(
            "SELECT l.id, l.doc FROM (SELECT letter_id, MAX(at) AS latest FROM late_events"
            " WHERE at >= ? GROUP BY letter_id ORDER BY latest DESC, letter_id DESC LIMIT ?)"
            " AS late JOIN letters AS l ON l.id = late.letter_id"
            " ORDER BY late.latest DESC, l.id DESC", (time_key(since), limit))

    # (native: the open data files read the inbox index, letters_inbox (submitted_at, id))

    def submitted_between(self, since: datetime, before: datetime) -> list[Letter]:
        return self._letters("SELECT id, doc FROM letters WHERE submitted_at >= ?"
                             " AND submitted_at < ? ORDER BY submitted_at, id",
                             (time_key(since), time_key(before)))

    def open_rows(self, since: datetime, before: datetime) -> list[dict[str, Any]]:
        return list(self.iter_open_rows(since, before))

    def iter_open_rows(self, since: datetime, before: datetime) -> Iterator[dict[str, Any]]:
        """Native: the stored rows (`open_data.stored_row`) over the inbox index, one
        statement (one consistent read) fetched `OPEN_ROWS_BATCH` at a time."""
        cursor = self._conn().execute(
            "SELECT open_row FROM letters WHERE submitted_at >= ? AND submitted_at < ?"
            " ORDER BY submitted_at, id", (time_key(since), time_key(before)))
        try:
            while batch := cursor.fetchmany(OPEN_ROWS_BATCH):
                for (doc,) in batch:
                    yield json.loads(doc)
        finally:
            cursor.close()

    def count_submitted(self, since: datetime, before: datetime) -> int:
        (n,) = self._conn().execute(
            "SELECT COUNT(*) FROM letters WHERE submitted_at >= ? AND submitted_at < ?",
            (time_key(since), time_key(before))).fetchone()
        return int(n)

    def submission_span(self) -> tuple[datetime, datetime] | None:
        first, last = self._conn().execute(
            "SELECT MIN(submitted_at), MAX(submitted_at) FROM letters").fetchone()
        return None if first is None else (from_time_key(first), from_time_key(last))

    def published_months(self) -> list[tuple[str, int]]:
        """Native: one GROUP BY over the archive month index."""
        rows = self._conn().execute(
            "SELECT pub_month, COUNT(*) FROM letters WHERE pub_key IS NOT NULL"
            " GROUP BY pub_month ORDER BY pub_month").fetchall()
        return [(m, int(n)) for m, n in rows]

    def facet_months(self, facet: str, value: str) -> list[tuple[str, int]]:
        """Native: one GROUP BY over the board's month index."""
        column = {TYPE: "pub_type", CATEGORY: "pub_category"}[facet]
        rows = self._conn().execute(
            f"SELECT pub_month, COUNT(*) FROM letters WHERE {column} = ? AND pub_key IS NOT NULL"
            " GROUP BY pub_month ORDER BY pub_month", (value,)).fetchall()
        return [(m, int(n)) for m, n in rows]

    def facet_month_names(self, facet: str, value: str) -> list[str]:
        """Native: one index seek per month (the next month after the last found)."""
        column = {TYPE: "pub_type", CATEGORY: "pub_category"}[facet]
        out: list[str] = []
        while True:
            (month,) = self._conn().execute(
                f"SELECT MIN(pub_month) FROM letters WHERE {column} = ? AND pub_key IS NOT NULL"
                " AND pub_month > ?", (value, out[-1] if out else "")).fetchone()
            if month is None:
                return out
            out.append(month)

    def stats(self, period: str) -> dict[str, dict[str, int]]:
        rows = self._conn().execute("SELECT department, counters FROM stats WHERE period = ?",
                                    (period,)).fetchall()
        return {d: json.loads(c) for d, c in rows if json.loads(c)}

    def stats_periods(self) -> list[str]:
        return [p for (p,) in self._conn().execute(
            "SELECT DISTINCT period FROM stats ORDER BY period")]

    # --- refusals ------------------------------------------------------------------------

    def _add_refusal(self, day: str, kind: str) -> None:
        try:
            self._conn().execute("INSERT INTO refusals (day, kind, n) VALUES (?,?,1)"
                                 " ON CONFLICT (day, kind) DO UPDATE SET n = n + 1", (day, kind))
        except sqlite3.Error as exc:
            raise StoreError(f"SQLite write failed: {exc}") from exc

    def _refusal_counts(self, since: str) -> list[tuple[str, str, int]]:
        return self._conn().execute(
            "SELECT day, kind, n FROM refusals WHERE day >= ? ORDER BY day, kind",
            (since,)).fetchall()

    # --- outbox --------------------------------------------------------------------------

    def pending_changes(self, limit: int = 100) -> list[Change]:
        rows = self._conn().execute("SELECT doc FROM outbox WHERE done = 0 ORDER BY seq LIMIT ?",
                                    (limit,)).fetchall()
        return [Change.from_dict(json.loads(d)) for (d,) in rows]

    def mark_changes_done(self, ids: list[str]) -> None:
        self._conn().executemany("UPDATE outbox SET done = 1 WHERE id = ?", [(i,) for i in ids])

    # --- notifications -------------------------------------------------------------------

    def _notifications(self, sql: str, args: tuple) -> list[Notification]:
        return [Notification.from_dict(json.loads(doc), int(version))
                for doc, version in self._conn().execute(sql, args)]

    def get_notification(self, notification_id: str) -> Notification | None:
        found = self._notifications("SELECT doc, version FROM notifications WHERE id = ?",
                                    (notification_id,))
        return found[0] if found else None

    def list_notifications(self, letter_id: str | None = None) -> list[Notification]:
        if letter_id is None:
            return self._notifications("SELECT doc, version FROM notifications ORDER BY id", ())
        return self._notifications("SELECT doc, version FROM notifications WHERE letter_id = ?"
                                   " ORDER BY id", (letter_id,))

    def due_notifications(self, now: datetime, limit: int = 100) -> list[Notification]:
        if limit <= 0:
            return []
        return self._notifications(
            "SELECT doc, version FROM notifications WHERE due_at IS NOT NULL AND due_at <= ?"
            " ORDER BY due_at, id LIMIT ?", (time_key(now), limit))

    def update_notification(self, notification: Notification) -> None:
        try:
            cur = self._conn().execute(
                "UPDATE notifications SET due_at = ?, version = ?, doc = ?"
                " WHERE id = ? AND version = ?",
                (_due_at(notification), notification.version + 1,
                 json.dumps(notification.to_dict(), ensure_ascii=False), notification.id,
                 notification.version))
        except sqlite3.Error as exc:
            raise StoreError(f"SQLite write failed: {exc}") from exc
        if cur.rowcount != 1:
            raise ConcurrentUpdate(field="version")
        notification.version += 1


def _due_at(n: Notification) -> str | None:
    """The pending index's key: the next attempt's time, only while the notification waits."""
    if n.status != Delivery.pending or n.next_attempt_at is None:
        return None
    return time_key(n.next_attempt_at)


def _letter_filters(prefix: str, status: str | None,
                    department: str | None) -> tuple[list[str], list[object]]:
    """The WHERE terms (and their values) of a letter list by status and department."""
    where: list[str] = []
    args: list[object] = []
    for column, value in (("status", status), ("department", department)):
        if value:
            where.append(f"{prefix}{column} = ?")
            args.append(value)
    return where, args
