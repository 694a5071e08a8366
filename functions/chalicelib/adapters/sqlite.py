"""The embedded default store: one SQLite file (WAL), for local runs and small installs.

Each unit of work reads without a lock and writes its whole commit plan in one `BEGIN IMMEDIATE`
transaction; an `UPDATE ... WHERE version = ?` that matches no row, or an insert that hits a
unique key (a tracking code, an idempotency key, a vote, a notification id), rolls everything
back and raises `ConcurrentUpdate`. No `sqlite3.Error` leaves this module.

Consultations have their own tables (topics, comments, responses, tallies, quotas), written by
the same transaction; a quota at its limit fails the commit with `TooManyRequests`.

Supervision reads (`overdue_letters`, `letters_awaiting_rating`, `letters_rated_unsatisfied`) use
the `sched`/`sched_at` columns that `codec.schedule_of` fills on every write; a file made before
they existed gets them (and their values) when it is opened.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from .codec import (DUE, REDO, WAIT, CommitPlan, TrackingUnitOfWork,
                    at_or_before, late_key, letter_from_doc, pub_key, pub_month, schedule_of,
                    search_fields, time_key)
from ..domain.deadlines import CHINA_TZ
from ..domain.consultations import Comment, Response, Topic
from ..domain.errors import ConcurrentUpdate, StoreError, TooManyRequests
from ..domain.letters import Letter
from ..domain.notifications import Delivery, Notification
from ..services.ports import Account, Change, InboxPage, StoredAnswer
from ..domain.statistics import COUNTERS

SCHEMA = """
CREATE TABLE IF NOT EXISTS letters (
    id TEXT PRIMARY KEY,
    tracking_code TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    department TEXT,
    submitted_at TEXT NOT NULL,
    pub_key TEXT,
    pub_month TEXT,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL,
    sched TEXT,
    sched_at TEXT
);
CREATE INDEX IF NOT EXISTS letters_status ON letters (status, submitted_at);
CREATE INDEX IF NOT EXISTS letters_department ON letters (department, status, submitted_at);
CREATE INDEX IF NOT EXISTS letters_pub ON letters (pub_key) WHERE pub_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS letters_pub_month ON letters (pub_month, pub_key)
    WHERE pub_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS letters_pub_dept ON letters (department, pub_key)
    WHERE pub_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS events (
    letter_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (letter_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stats (
    period TEXT NOT NULL,
    department TEXT NOT NULL,
    counters TEXT NOT NULL,
    PRIMARY KEY (period, department)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS answers (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS votes (
    letter_id TEXT NOT NULL,
    voter TEXT NOT NULL,
    PRIMARY KEY (letter_id, voter)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS accounts (
    username TEXT PRIMARY KEY,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    doc TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (done, seq);
CREATE TABLE IF NOT EXISTS notifications (
    id TEXT PRIMARY KEY,
    letter_id TEXT,
    due_at TEXT,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notifications_due ON notifications (due_at, id)
    WHERE due_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS notifications_letter ON notifications (letter_id, id);
CREATE TABLE IF NOT EXISTS topics (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS comments (
    id TEXT PRIMARY KEY,
    topic_id TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS comments_topic ON comments (topic_id, status, created_at, id);
CREATE INDEX IF NOT EXISTS comments_topic_time ON comments (topic_id, created_at, id);
CREATE TABLE IF NOT EXISTS responses (
    id TEXT PRIMARY KEY,
    topic_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS responses_topic ON responses (topic_id, created_at, id);
CREATE TABLE IF NOT EXISTS tallies (
    topic_id TEXT NOT NULL,
    counter TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (topic_id, counter)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS refusals (
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (day, kind)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS quotas (
    key TEXT PRIMARY KEY,
    used INTEGER NOT NULL,
    expires_at TEXT NOT NULL
) WITHOUT ROWID;
"""

# after the columns exist (a file from before them gets them in `_migrate`)
SCHEDULE_INDEX = """
CREATE INDEX IF NOT EXISTS letters_sched ON letters (sched, sched_at) WHERE sched IS NOT NULL;
"""

# the staff inbox, newest first, one page at a time (`inbox_page`): each filter has an index in
# list order, so a page reads its offset and limit in index entries and no sort is needed
INBOX_INDEXES = """
CREATE INDEX IF NOT EXISTS letters_inbox ON letters (submitted_at, id);
CREATE INDEX IF NOT EXISTS letters_inbox_status ON letters (status, submitted_at, id);
CREATE INDEX IF NOT EXISTS letters_inbox_department ON letters (department, submitted_at, id);
CREATE INDEX IF NOT EXISTS letters_inbox_department_status
    ON letters (department, status, submitted_at, id);
"""

# the inbox search: one row per letter (rowid = the letter's rowid), each field as its letters
# and digits one token apart, so a phrase query of the searched characters is a substring match
# that reads the full-text index, not every letter (Chinese has no spaces between words)
SEARCH_TABLE = ("CREATE VIRTUAL TABLE letter_search USING fts5(code, phone, subject, body,"
                " tokenize = 'unicode61 remove_diacritics 0')")

# late sign-ins and replies by when they happened (codec.late_key); made by `_add_late_events`
LATE_EVENTS = ("CREATE TABLE late_events (at TEXT NOT NULL, letter_id TEXT NOT NULL,"
               " seq INTEGER NOT NULL, PRIMARY KEY (at, letter_id, seq)) WITHOUT ROWID")


class SqliteStore:
    """The store port over one SQLite file; safe to share between threads."""

    def __init__(self, path: str | Path, clock: Callable[[], datetime] | None = None) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self._local = threading.local()
        self._memory: sqlite3.Connection | None = None
        with self._conn() as c:
            c.executescript(SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        """Bring a file from an earlier version up to this one: the supervision columns (and
        their values), then the table of late events (filled from the history it holds)."""
        conn = self._conn()
        columns = lambda: {row[1] for row in conn.execute("PRAGMA table_info(letters)")}  # noqa: E731
        self._upgrade(conn, lambda: "sched" not in columns(), self._add_schedule_columns)
        conn.executescript(SCHEDULE_INDEX)
        self._upgrade(conn, lambda: not conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'late_events'"
        ).fetchone(), self._add_late_events)
        conn.executescript(INBOX_INDEXES)
        self._upgrade(conn, lambda: not conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'letter_search'"
        ).fetchone(), self._add_search)

    def _add_search(self, conn: sqlite3.Connection) -> None:
        """The inbox search table, filled from the letters the file holds."""
        conn.execute(SEARCH_TABLE)
        for letter in list(self.iter_letters()):
            _index_search(conn, letter)

    def _upgrade(self, conn: sqlite3.Connection, needed: Callable[[], bool],
                 apply: Callable[[sqlite3.Connection], None]) -> None:
        """Run one upgrade step in its own write transaction, if it is still needed once the
        lock is held (another process may have done it meanwhile)."""
        if not needed():
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
            if needed():
                apply(conn)
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise StoreError(f"cannot upgrade {self.path}: {exc}") from exc

    def _add_schedule_columns(self, conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE letters ADD COLUMN sched TEXT")
        conn.execute("ALTER TABLE letters ADD COLUMN sched_at TEXT")
        for letter in list(self.iter_letters()):
            conn.execute("UPDATE letters SET sched = ?, sched_at = ? WHERE id = ?",
                         (*(schedule_of(letter) or (None, None)), letter.id))

    @staticmethod
    def _add_late_events(conn: sqlite3.Connection) -> None:
        """The late sign-ins and replies indexed by time (the exposure board's list)."""
        conn.execute(LATE_EVENTS)
        rows = []
        for lid, doc in conn.execute("SELECT letter_id, doc FROM events WHERE doc LIKE"
                                     " '%\"on_time\": false%'"):
            event = json.loads(doc)
            if (key := late_key(event)) is not None:
                rows.append((key, lid, event["seq"]))
        conn.executemany("INSERT INTO late_events (at, letter_id, seq) VALUES (?,?,?)", rows)

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

    # --- units of work -------------------------------------------------------------------

    def unit_of_work(self) -> "SqliteUnitOfWork":
        return SqliteUnitOfWork(self)

    def _load(self, where: str, arg: str) -> Letter | None:
        conn = self._conn()
        row = conn.execute(f"SELECT id, doc FROM letters WHERE {where} = ?", (arg,)).fetchone()
        if row is None:
            return None
        events = [json.loads(d) for (d,) in conn.execute(
            "SELECT doc FROM events WHERE letter_id = ? ORDER BY seq", (row[0],))]
        return letter_from_doc(json.loads(row[1]), events)

    def _write(self, plan: CommitPlan) -> None:
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
            for w in plan.letters:
                sched = schedule_of(w.letter) or (None, None)
                args = (w.doc["tracking_code"], w.doc["status"], w.doc["department"],
                        time_key(w.letter.submitted_at), pub_key(w.letter), pub_month(w.letter),
                        w.letter.version, json.dumps(w.doc, ensure_ascii=False), *sched)
                if w.expected_version is None:
                    conn.execute(
                        "INSERT INTO letters (tracking_code, status, department, submitted_at,"
                        " pub_key, pub_month, version, doc, sched, sched_at, id)"
                        " VALUES (?,?,?,?,?,?,?,?,?,?,?)", (*args, w.letter.id))
                else:
                    cur = conn.execute(
                        "UPDATE letters SET tracking_code=?, status=?, department=?,"
                        " submitted_at=?, pub_key=?, pub_month=?, version=?, doc=?, sched=?,"
                        " sched_at=? WHERE id = ? AND version = ?",
                        (*args, w.letter.id, w.expected_version))
                    if cur.rowcount != 1:
                        raise ConcurrentUpdate(field="version")
                _index_search(conn, w.letter)
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
            for n in plan.notifications:
                conn.execute("INSERT INTO notifications (id, letter_id, due_at, version, doc)"
                             " VALUES (?,?,?,?,?)", (n.id, n.letter_id, _due_at(n), 1,
                                                     json.dumps(n.to_dict(), ensure_ascii=False)))
            self._write_consultations(conn, plan)
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
                raise _too_many()
            cur = conn.execute(
                "INSERT INTO quotas (key, used, expires_at) VALUES (?, 1, ?)"
                " ON CONFLICT (key) DO UPDATE SET used = used + 1 WHERE used < ?",
                (q.key, time_key(q.expires_at), q.limit))
            if cur.rowcount != 1:
                raise _too_many()
        for t in plan.topics:
            args = (str(t.topic.kind), t.topic.version,
                    json.dumps(t.doc, ensure_ascii=False), t.topic.id)
            if t.expected_version is None:
                conn.execute("INSERT INTO topics (kind, version, doc, id) VALUES (?,?,?,?)", args)
            elif conn.execute("UPDATE topics SET kind=?, version=?, doc=? WHERE id=? AND"
                              " version=?", (*args, t.expected_version)).rowcount != 1:
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

    # --- consultations -------------------------------------------------------------------

    def list_topics(self) -> list[Topic]:
        return [Topic.from_dict(json.loads(d)) for (d,) in self._conn().execute(
            "SELECT doc FROM topics ORDER BY id")]

    def get_topic(self, topic_id: str) -> Topic | None:
        row = self._conn().execute("SELECT doc FROM topics WHERE id = ?", (topic_id,)).fetchone()
        return Topic.from_dict(json.loads(row[0])) if row else None

    def topic_comments(self, topic_id: str, status: str | None = None) -> list[Comment]:
        if status is None:
            rows = self._conn().execute("SELECT doc FROM comments WHERE topic_id = ?"
                                        " ORDER BY created_at, id", (topic_id,))
        else:
            rows = self._conn().execute("SELECT doc FROM comments WHERE topic_id = ? AND"
                                        " status = ? ORDER BY created_at, id",
                                        (topic_id, status))
        return [Comment.from_dict(json.loads(d)) for (d,) in rows]

    def get_comment(self, comment_id: str) -> Comment | None:
        row = self._conn().execute("SELECT doc FROM comments WHERE id = ?",
                                   (comment_id,)).fetchone()
        return Comment.from_dict(json.loads(row[0])) if row else None

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

    def get_letter(self, letter_id: str) -> Letter | None:
        return self._load("id", letter_id)

    def _letters(self, sql: str, args: tuple) -> list[Letter]:
        conn = self._conn()
        rows = conn.execute(sql, args).fetchall()
        if not rows:
            return []
        ids = [r[0] for r in rows]
        events: dict[str, list[dict]] = {i: [] for i in ids}
        for chunk in range(0, len(ids), 500):
            part = ids[chunk:chunk + 500]
            marks = ",".join("?" * len(part))
            for lid, doc in conn.execute(
                    f"SELECT letter_id, doc FROM events WHERE letter_id IN ({marks})"
                    " ORDER BY letter_id, seq", part):
                events[lid].append(json.loads(doc))
        return [letter_from_doc(json.loads(doc), events[lid]) for lid, doc in rows]

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
            args.insert(0, _phrase(q))
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

    def count_letters(self, status: str) -> int:
        (n,) = self._conn().execute("SELECT COUNT(*) FROM letters WHERE status = ?",
                                    (status,)).fetchone()
        return int(n)

    # --- supervision ---------------------------------------------------------------------

    def _scheduled(self, sched: str, below: str | None = None) -> list[Letter]:
        if below is None:
            return self._letters("SELECT id, doc FROM letters WHERE sched = ?"
                                 " ORDER BY sched_at", (sched,))
        return self._letters("SELECT id, doc FROM letters WHERE sched = ? AND sched_at < ?"
                             " ORDER BY sched_at", (sched, below))

    def overdue_letters(self, now: datetime) -> list[Letter]:
        today = now.astimezone(CHINA_TZ).date().isoformat()
        return self._scheduled(DUE, today)

    def letters_awaiting_rating(self, released_before: datetime) -> list[Letter]:
        return self._scheduled(WAIT, at_or_before(released_before))

    def letters_rated_unsatisfied(self) -> list[Letter]:
        return self._scheduled(REDO)

    def late_letters(self, since: datetime, limit: int) -> list[Letter]:
        return self._letters(
            "SELECT l.id, l.doc FROM (SELECT letter_id, MAX(at) AS latest FROM late_events"
            " WHERE at >= ? GROUP BY letter_id ORDER BY latest DESC, letter_id DESC LIMIT ?)"
            " AS late JOIN letters AS l ON l.id = late.letter_id"
            " ORDER BY late.latest DESC, l.id DESC", (time_key(since), limit))

    def latest_published(self, n: int, department: str | None = None) -> list[Letter]:
        if department:
            return self._letters("SELECT id, doc FROM letters WHERE department = ? AND"
                                 " pub_key IS NOT NULL ORDER BY pub_key DESC LIMIT ?",
                                 (department, n))
        return self._letters("SELECT id, doc FROM letters WHERE pub_key IS NOT NULL"
                             " ORDER BY pub_key DESC LIMIT ?", (n,))

    def published_months(self) -> list[tuple[str, int]]:
        rows = self._conn().execute(
            "SELECT pub_month, COUNT(*) FROM letters WHERE pub_key IS NOT NULL"
            " GROUP BY pub_month ORDER BY pub_month").fetchall()
        return [(m, int(n)) for m, n in rows]

    def published_in_month(self, month: str, offset: int, limit: int) -> list[Letter]:
        return self._letters("SELECT id, doc FROM letters WHERE pub_month = ? AND"
                             " pub_key IS NOT NULL ORDER BY pub_key LIMIT ? OFFSET ?",
                             (month, limit, offset))

    def published_position(self, letter: Letter) -> int:
        key, month = pub_key(letter), pub_month(letter)
        (n,) = self._conn().execute(
            "SELECT COUNT(*) FROM letters WHERE pub_month = ? AND pub_key IS NOT NULL"
            " AND pub_key < ?", (month, key)).fetchone()
        return int(n)

    def count_published(self, department: str | None = None) -> int:
        if department:
            row = self._conn().execute("SELECT COUNT(*) FROM letters WHERE department = ? AND"
                                       " pub_key IS NOT NULL", (department,)).fetchone()
        else:
            row = self._conn().execute(
                "SELECT COUNT(*) FROM letters WHERE pub_key IS NOT NULL").fetchone()
        return int(row[0])

    def iter_published(self) -> Iterator[Letter]:
        last = ""
        while True:
            batch = self._letters("SELECT id, doc FROM letters WHERE pub_key > ?"
                                  " ORDER BY pub_key LIMIT 1000", (last,))
            if not batch:
                return
            yield from batch
            last = pub_key(batch[-1]) or ""

    def stats(self, period: str) -> dict[str, dict[str, int]]:
        rows = self._conn().execute("SELECT department, counters FROM stats WHERE period = ?",
                                    (period,)).fetchall()
        return {d: json.loads(c) for d, c in rows if json.loads(c)}

    def stats_periods(self) -> list[str]:
        return [p for (p,) in self._conn().execute(
            "SELECT DISTINCT period FROM stats ORDER BY period")]

    # --- refusals ------------------------------------------------------------------------

    def count_refusal(self, kind: str, at: datetime) -> None:
        day = at.astimezone(CHINA_TZ).date().isoformat()
        try:
            self._conn().execute("INSERT INTO refusals (day, kind, n) VALUES (?,?,1)"
                                 " ON CONFLICT (day, kind) DO UPDATE SET n = n + 1", (day, kind))
        except sqlite3.Error as exc:
            raise StoreError(f"SQLite write failed: {exc}") from exc

    def refusals(self, since: date) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for day, kind, n in self._conn().execute(
                "SELECT day, kind, n FROM refusals WHERE day >= ? ORDER BY day, kind",
                (since.isoformat(),)):
            out.setdefault(day, {})[kind] = int(n)
        return out

    # --- accounts ------------------------------------------------------------------------

    def get_account(self, username: str) -> Account | None:
        row = self._conn().execute("SELECT doc FROM accounts WHERE username = ?",
                                   (username,)).fetchone()
        if row is None:
            return None
        d = json.loads(row[0])
        d["created_at"] = datetime.fromisoformat(d["created_at"])
        return Account(**d)

    def put_account(self, account: Account) -> None:
        d = dict(account.__dict__)
        d["created_at"] = account.created_at.isoformat()
        self._conn().execute("INSERT OR REPLACE INTO accounts (username, doc) VALUES (?,?)",
                             (account.username, json.dumps(d, ensure_ascii=False)))

    def list_accounts(self) -> list[Account]:
        names = [u for (u,) in self._conn().execute("SELECT username FROM accounts ORDER BY 1")]
        return [a for a in (self.get_account(u) for u in names) if a]

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


def _spaced(chars: str) -> str:
    return " ".join(chars)


def _index_search(conn: sqlite3.Connection, letter: Letter) -> None:
    """Write the letter's row of the search table (replacing the one it had)."""
    (rowid,) = conn.execute("SELECT rowid FROM letters WHERE id = ?", (letter.id,)).fetchone()
    conn.execute("DELETE FROM letter_search WHERE rowid = ?", (rowid,))
    conn.execute("INSERT INTO letter_search (rowid, code, phone, subject, body)"
                 " VALUES (?,?,?,?,?)", (rowid, *(_spaced(f) for f in search_fields(letter))))


def _phrase(q: str) -> str:
    """The full-text query for `q` (letters and digits only): its characters as one phrase."""
    return '"' + _spaced(q.replace('"', "")) + '"'


def _too_many() -> TooManyRequests:
    return TooManyRequests("too_many_submissions")


def _due_at(n: Notification) -> str | None:
    """The pending index's key: the next attempt's time, only while the notification waits."""
    if n.status != Delivery.pending or n.next_attempt_at is None:
        return None
    return time_key(n.next_attempt_at)


class SqliteUnitOfWork(TrackingUnitOfWork):
    def get_letter(self, letter_id: str) -> Letter | None:
        letter = self.store._load("id", letter_id)
        return self.tracked.loaded(letter) if letter else None

    def get_letter_by_code(self, tracking_code: str) -> Letter | None:
        letter = self.store._load("tracking_code", tracking_code)
        return self.tracked.loaded(letter) if letter else None

    def add_vote(self, letter_id: str, voter: str) -> bool:
        if (letter_id, voter) in self.tracked.votes:
            return False
        row = self.store._conn().execute("SELECT 1 FROM votes WHERE letter_id=? AND voter=?",
                                         (letter_id, voter)).fetchone()
        if row:
            return False
        self.tracked.votes.append((letter_id, voter))
        return True

    def idempotent_answer(self, scope: str, key: str) -> StoredAnswer | None:
        row = self.store._conn().execute(
            "SELECT status, body, request_hash FROM answers WHERE scope=? AND key=?",
            (scope, key)).fetchone()
        return StoredAnswer(int(row[0]), json.loads(row[1]), row[2]) if row else None

    def commit(self) -> None:
        plan = self.tracked.plan(self.store.clock())
        try:
            self.store._write(plan)
        except BaseException:
            self.tracked.rolled_back(plan)
            raise
        self.tracked.committed()


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
