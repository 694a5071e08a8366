"""A consistent copy of the embedded store and back (`wenzheng backup` / `wenzheng restore`).

`backup` uses SQLite's online backup API (`sqlite3.Connection.backup`) in one step: it reads the
file inside one read transaction, so the copy is the store as of one commit even while the
server writes (WAL: writers go on while it reads; a letter acknowledged before the backup
started is in the copy). The copy is written beside the target, checked (`PRAGMA
integrity_check`) and renamed into place, so a crash never leaves half a backup under its name.

`restore` checks that the file is a Wenzheng store (its tables and their columns, its
integrity), refuses to replace a store that holds letters or accounts unless `force`, copies it
in with the same API and opens it as a `SqliteStore`, which brings an older file up to the
current format (sqlite_schema.MIGRATIONS). Stop the server before a restore.
"""
from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..domain.errors import StoreError

# what makes a file a Wenzheng store: these tables with at least these columns (as SCHEMA has
# had them since the first release; later tables come from the migrations)
REQUIRED: dict[str, frozenset[str]] = {
    "letters": frozenset({"id", "tracking_code", "status", "submitted_at", "version", "doc"}),
    "events": frozenset({"letter_id", "seq", "doc"}),
    "accounts": frozenset({"username", "doc"}),
    "outbox": frozenset({"seq", "id", "doc", "done"}),
}


@dataclass(frozen=True)
class Summary:
    """What a store file holds, in counts (printed by the CLI)."""

    path: str
    letters: int
    events: int
    accounts: int
    bytes: int


class NotAStore(StoreError):
    """The file is not a Wenzheng store (or not a SQLite file, or damaged)."""


class StoreNotEmpty(StoreError):
    """A restore would replace a store that holds letters or accounts (use --force)."""


def _connect(path: str | Path, *, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        return sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True, timeout=30,
                               isolation_level=None)
    return sqlite3.connect(str(path), timeout=30, isolation_level=None)


def check_store(path: str | Path, *, integrity: bool = True) -> Summary:
    """The file's counts if it is a Wenzheng store (and, with `integrity`, passes SQLite's
    integrity check, which reads the whole file), else `NotAStore`."""
    if not Path(path).is_file():
        raise NotAStore(f"{path}: no such file")
    try:
        conn = _connect(path)
        try:
            problems = ([r[0] for r in conn.execute("PRAGMA integrity_check")] if integrity
                        else ["ok"])
            if problems != ["ok"]:
                raise NotAStore(f"{path}: integrity check failed: {'; '.join(problems[:5])}")
            for table, columns in REQUIRED.items():
                have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
                if not columns <= have:
                    raise NotAStore(f"{path}: not a Wenzheng store (table {table} missing or "
                                    f"without {', '.join(sorted(columns - have))})")
            return _summary(conn, path)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise NotAStore(f"{path}: not a SQLite store ({exc})") from exc


def _summary(conn: sqlite3.Connection, path: str | Path) -> Summary:
    def count(table: str) -> int:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    return Summary(str(path), count("letters"), count("events"), count("accounts"),
                   Path(path).stat().st_size)


def backup(source: str | Path, out: str | Path) -> Summary:
    """Copy the store at `source` into `out` as of one commit, while others may write."""
    check_store(source, integrity=False)     # the live file: its tables, not a full read
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.partial")
    tmp.unlink(missing_ok=True)
    try:
        src = _connect(source)
        dst = _connect(tmp)
        try:
            src.backup(dst)           # pages=-1: the whole file in one step, one read snapshot
            dst.execute("PRAGMA journal_mode=DELETE")      # one self-contained file
        finally:
            dst.close()
            src.close()
        summary = check_store(tmp)
        os.replace(tmp, out)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot back up {source} into {out}: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return Summary(str(out), summary.letters, summary.events, summary.accounts, summary.bytes)


def holds_data(path: str | Path) -> bool:
    """Whether a store file exists and holds letters or accounts."""
    if not Path(path).is_file() or Path(path).stat().st_size == 0:
        return False
    try:
        conn = _connect(path, readonly=True)
        try:
            tables = {r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            return any(conn.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() is not None
                       for t in ("letters", "accounts") if t in tables)
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return True               # something is there that is not ours: do not overwrite it


def restore(file: str | Path, target: str | Path, *, force: bool = False) -> Summary:
    """Make the store at `target` a copy of the backup `file`, then bring it to the current
    format (the migrations run when `SqliteStore` opens it)."""
    from .sqlite import SqliteStore

    check_store(file)
    if not force and holds_data(target):
        raise StoreNotEmpty(f"{target} holds letters or accounts; restore with --force to "
                            "replace it (take a backup of it first)")
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    try:
        src = _connect(file, readonly=True)
        dst = _connect(target)
        try:
            dst.execute("PRAGMA journal_mode=WAL")
            src.backup(dst)
        finally:
            dst.close()
            src.close()
    except sqlite3.Error as exc:
        raise StoreError(f"cannot restore {file} into {target}: {exc}") from exc
    store = SqliteStore(target)           # runs the migrations of a file from an older release
    store.close()
    return check_store(target)
