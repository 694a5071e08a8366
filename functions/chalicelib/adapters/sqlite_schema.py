"""The SQLite file's schema and its numbered migrations.

A new file gets `SCHEMA`; a file from an earlier version is brought up to this one by
`MIGRATIONS`, in order, each run in its own write transaction and only when its check says the
file still needs it (checks look at the file itself, so a file any earlier version wrote, or one
another process is upgrading at the same moment, ends up the same). A change to the file's
format is a new migration at the end of the list, never an edit of an old one.

The full-text table of the inbox search is written by the adapter on every letter write and by
migration 4 for the letters a file already holds; both use `index_search`.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..domain.errors import StoreError
from ..domain.letters import Letter
from ..domain.oversight import listing_key
from . import leader_index
from .access_records import ACCESS_TABLE
from .codec import (
    CATEGORY,
    TYPE,
    contact_keys,
    late_key,
    letter_from_doc,
    open_row_json,
    pub_facet,
    schedule_of,
    search_fields,
    time_key,
)

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
    sched_at TEXT,
    pub_type TEXT,
    pub_category TEXT
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

# after the columns exist (a file from before them gets them in migration 1)
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

# late sign-ins and replies by when they happened (codec.late_key); made by migration 2
LATE_EVENTS = ("CREATE TABLE late_events (at TEXT NOT NULL, letter_id TEXT NOT NULL,"
               " seq INTEGER NOT NULL, PRIMARY KEY (at, letter_id, seq)) WITHOUT ROWID")


# the boards by type and by category (分类选登): each board, and each month of it, in archive
# order; after the columns exist (a file from before them gets them in migration 5)
FACET_INDEXES = """
CREATE INDEX IF NOT EXISTS letters_pub_type ON letters (pub_type, pub_key)
    WHERE pub_key IS NOT NULL AND pub_type IS NOT NULL;
CREATE INDEX IF NOT EXISTS letters_pub_type_month ON letters (pub_type, pub_month, pub_key)
    WHERE pub_key IS NOT NULL AND pub_type IS NOT NULL;
CREATE INDEX IF NOT EXISTS letters_pub_category ON letters (pub_category, pub_key)
    WHERE pub_key IS NOT NULL AND pub_category IS NOT NULL;
CREATE INDEX IF NOT EXISTS letters_pub_category_month
    ON letters (pub_category, pub_month, pub_key)
    WHERE pub_key IS NOT NULL AND pub_category IS NOT NULL;
"""


# the contact index (`codec.contact_keys`, hashed): the same writer's letters, newest first,
# for the staff view's similar letters; made by migration 8
CONTACTS_TABLE = ("CREATE TABLE letter_contacts (contact TEXT NOT NULL, submitted_at TEXT"
                  " NOT NULL, letter_id TEXT NOT NULL, PRIMARY KEY (contact, submitted_at,"
                  " letter_id)) WITHOUT ROWID")


def index_contacts(conn: sqlite3.Connection, letter: Letter) -> None:
    """Write the letter's rows of the contact index (replacing the ones it had)."""
    conn.execute("DELETE FROM letter_contacts WHERE letter_id = ?", (letter.id,))
    conn.executemany("INSERT INTO letter_contacts (contact, submitted_at, letter_id)"
                     " VALUES (?,?,?)", [(key, time_key(letter.submitted_at), letter.id)
                                         for key in contact_keys(letter)])


def _spaced(chars: str) -> str:
    return " ".join(chars)


def index_search(conn: sqlite3.Connection, letter: Letter) -> None:
    """Write the letter's row of the search table (replacing the one it had)."""
    (rowid,) = conn.execute("SELECT rowid FROM letters WHERE id = ?", (letter.id,)).fetchone()
    conn.execute("DELETE FROM letter_search WHERE rowid = ?", (rowid,))
    conn.execute("INSERT INTO letter_search (rowid, code, phone, subject, body)"
                 " VALUES (?,?,?,?,?)", (rowid, *(_spaced(f) for f in search_fields(letter))))


def phrase(q: str) -> str:
    """The full-text query for `q` (letters and digits only): its characters as one phrase."""
    return '"' + _spaced(q.replace('"', "")) + '"'


def _every_letter(conn: sqlite3.Connection) -> Iterator[Letter]:
    for lid, doc in conn.execute("SELECT id, doc FROM letters ORDER BY id").fetchall():
        events = [json.loads(d) for (d,) in conn.execute(
            "SELECT doc FROM events WHERE letter_id = ? ORDER BY seq", (lid,))]
        yield letter_from_doc(json.loads(doc), events)


def _lacks_table(name: str) -> Callable[[sqlite3.Connection], bool]:
    return lambda conn: not conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()


def _lacks_schedule_columns(conn: sqlite3.Connection) -> bool:
    return "sched" not in {row[1] for row in conn.execute("PRAGMA table_info(letters)")}


def _add_schedule_columns(conn: sqlite3.Connection) -> None:
    """The supervision list of each letter (`codec.schedule_of`), filled for every letter."""
    conn.execute("ALTER TABLE letters ADD COLUMN sched TEXT")
    conn.execute("ALTER TABLE letters ADD COLUMN sched_at TEXT")
    for letter in list(_every_letter(conn)):
        conn.execute("UPDATE letters SET sched = ?, sched_at = ? WHERE id = ?",
                     (*(schedule_of(letter) or (None, None)), letter.id))


def _lacks_facet_columns(conn: sqlite3.Connection) -> bool:
    return "pub_type" not in {row[1] for row in conn.execute("PRAGMA table_info(letters)")}


def _add_facet_columns(conn: sqlite3.Connection) -> None:
    """The type and category board of each published letter (`codec.pub_facet`)."""
    conn.execute("ALTER TABLE letters ADD COLUMN pub_type TEXT")
    conn.execute("ALTER TABLE letters ADD COLUMN pub_category TEXT")
    rows = conn.execute("SELECT id, doc FROM letters WHERE pub_key IS NOT NULL").fetchall()
    for lid, doc in rows:
        letter = letter_from_doc(json.loads(doc), [])
        conn.execute("UPDATE letters SET pub_type = ?, pub_category = ? WHERE id = ?",
                     (pub_facet(letter, TYPE), pub_facet(letter, CATEGORY), lid))


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


def _add_search(conn: sqlite3.Connection) -> None:
    """The inbox search table, filled from the letters the file holds."""
    conn.execute(SEARCH_TABLE)
    for letter in list(_every_letter(conn)):
        index_search(conn, letter)


def _lacks_open_rows(conn: sqlite3.Connection) -> bool:
    return "open_row" not in {row[1] for row in conn.execute("PRAGMA table_info(letters)")}


def _add_open_rows(conn: sqlite3.Connection) -> None:
    """Each letter's open-data row (`codec.open_row_json`), filled for every letter."""
    conn.execute("ALTER TABLE letters ADD COLUMN open_row TEXT")
    for letter in list(_every_letter(conn)):
        conn.execute("UPDATE letters SET open_row = ? WHERE id = ?",
                     (open_row_json(letter), letter.id))


def _add_contacts(conn: sqlite3.Connection) -> None:
    """The contact index, filled from the letters the file holds."""
    conn.execute(CONTACTS_TABLE)
    conn.execute("CREATE INDEX letter_contacts_letter ON letter_contacts (letter_id)")
    for letter in list(_every_letter(conn)):
        index_contacts(conn, letter)


SEARCH_STATE = """
CREATE TABLE IF NOT EXISTS search_state (key TEXT PRIMARY KEY, doc TEXT NOT NULL);
"""

WEEKS = """
CREATE TABLE IF NOT EXISTS weeks (week TEXT PRIMARY KEY, doc TEXT NOT NULL);
"""


# the leader index (adapters/leader_index.py): (key, sort) per entry, made by migration 10 (no
# letter had a leader before it: nothing to fill)
LEADERS = """
CREATE TABLE IF NOT EXISTS letter_leaders (key TEXT NOT NULL, sort TEXT NOT NULL,
    letter_id TEXT NOT NULL, PRIMARY KEY (key, sort, letter_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS letter_leaders_letter ON letter_leaders (letter_id);
"""


def index_leaders(conn: sqlite3.Connection, letter: Letter) -> None:
    """Write the letter's rows of the leader index (replacing the ones it had)."""
    if not leader_index.concerns(letter):
        return
    conn.execute("DELETE FROM letter_leaders WHERE letter_id = ?", (letter.id,))
    conn.executemany("INSERT INTO letter_leaders (key, sort, letter_id) VALUES (?,?,?)",
                     [(k, sort, letter.id) for k, sort in leader_index.entries(letter)])

# listed supervision (挂牌督办, domain/oversight.py): one row per letter listed and not yet
# answered, keyed `{office due}#{id}` (`oversight.listing_key`), so the exposure board and the
# scheduled job read the list, never the letters
LISTINGS = """
CREATE TABLE IF NOT EXISTS listings (letter_id TEXT PRIMARY KEY, key TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS listings_key ON listings (key);
"""


def index_listing(conn: sqlite3.Connection, letter: Letter) -> None:
    """The letter's row of the listings table: there while listed, gone once answered."""
    key = listing_key(letter)
    if key is None:
        conn.execute("DELETE FROM listings WHERE letter_id = ?", (letter.id,))
    else:
        conn.execute("INSERT OR REPLACE INTO listings (letter_id, key) VALUES (?, ?)",
                     (letter.id, key))


def _add_listings(conn: sqlite3.Connection) -> None:
    """The listings table, filled from the letters the file holds that carry a listing."""
    for stmt in LISTINGS.strip().split(";"):
        if stmt.strip():
            conn.execute(stmt)
    for letter in list(_every_letter(conn)):
        if letter.listing is not None:
            index_listing(conn, letter)


def _add_retention(conn: sqlite3.Connection) -> None:
    """The access records' table, and the retention list (`codec.KEEP`) of the finished
    letters a file holds (only they can be on it; the letters_status index finds them)."""
    conn.execute(ACCESS_TABLE.strip().rstrip(";"))
    for (doc,) in list(conn.execute(
            "SELECT doc FROM letters WHERE status IN ('published', 'closed', 'rejected')"
            " AND sched IS NULL")):
        d = json.loads(doc)
        events = [json.loads(e) for (e,) in conn.execute(
            "SELECT doc FROM events WHERE letter_id = ? ORDER BY seq", (d["id"],))]
        sched = schedule_of(letter_from_doc(d, events))
        if sched is not None:
            conn.execute("UPDATE letters SET sched = ?, sched_at = ? WHERE id = ?",
                         (*sched, d["id"]))


@dataclass(frozen=True)
class Migration:
    """One step from an earlier file format: `apply` when `needed` (checked again once the
    write lock is held), then `ensure` (idempotent DDL, run at every open)."""

    number: int
    needed: Callable[[sqlite3.Connection], bool] | None
    apply: Callable[[sqlite3.Connection], None] | None
    ensure: str = ""


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, _lacks_schedule_columns, _add_schedule_columns, SCHEDULE_INDEX),
    Migration(2, _lacks_table("late_events"), _add_late_events),
    Migration(3, None, None, INBOX_INDEXES),
    Migration(4, _lacks_table("letter_search"), _add_search),
    Migration(5, _lacks_facet_columns, _add_facet_columns, FACET_INDEXES),
    # the search index's state (`SearchState`): new table, nothing to fill
    Migration(6, None, None, SEARCH_STATE),
    # the open-data row beside each letter, so a month file reads small rows
    Migration(7, _lacks_open_rows, _add_open_rows),
    # the contact index of the similar letters (重复件) on the staff view
    Migration(8, _lacks_table("letter_contacts"), _add_contacts),
    # the weekly records (hot topics, the leaders' report): new table, nothing to fill
    Migration(9, None, None, WEEKS),
    # the leader index of the leaders' boards and consoles: new table, nothing to fill
    Migration(10, None, None, LEADERS),

    # the letters listed for supervision (挂牌督办): a new table, filled from the letters
    Migration(12, _lacks_table("listings"), _add_listings, LISTINGS),
    # personal data over time (domain/retention.py): the staff reads of private fields, and
    # the finished letters that still hold personal data put on the `KEEP` schedule list
    Migration(16, _lacks_table("letter_access"), _add_retention, ACCESS_TABLE),
)


def migrate(conn: sqlite3.Connection, path: str) -> None:
    """Make the file at `path` (open as `conn`, autocommit) the current format."""
    conn.executescript(SCHEMA)
    for step in MIGRATIONS:
        if step.needed is not None and step.apply is not None:
            _upgrade(conn, path, step.needed, step.apply)
        if step.ensure:
            conn.executescript(step.ensure)


def _upgrade(conn: sqlite3.Connection, path: str, needed: Callable[[sqlite3.Connection], bool],
             apply: Callable[[sqlite3.Connection], None]) -> None:
    """Run one upgrade step in its own write transaction, if it is still needed once the
    lock is held (another process may have done it meanwhile)."""
    if not needed(conn):
        return
    try:
        conn.execute("BEGIN IMMEDIATE")
        if needed(conn):
            apply(conn)
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise StoreError(f"cannot upgrade {path}: {exc}") from exc
