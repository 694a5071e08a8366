"""The bookkeeping of one full build into the bucket, on disk: what `S3Sink` knows of every page.

A full build into the site bucket compares each page with what is there: the listing of the
prefix it writes (path -> ETag), the manifest of the last full build (path -> [sha256, ETag]),
the manifest it is making, and for a new generation the live one's manifest and listing (what it
may copy instead of uploading). At 1,000,000 letters that is 2.1 million entries in each, about
815 bytes a page held in dicts: 1.7 GB on the machine that runs the build. `Ledger` keeps them
in a temporary SQLite file instead (no journal, no fsync: it lives for one build and goes with
it), a few MB of page cache whatever the size of the site, each map one table-key range.

`DiskMap` is the little of `dict` the sink uses: get, set, pop, `in`, `len`, and the keys or
items in order (read a thousand at a time, so a walk over one map may write another). Values
are JSON (a string, or the [sha256, ETag] pair). One lock serialises the connection: the sink's
upload threads record their ETags while the build goes on.
"""
from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["DiskMap", "Ledger"]

PAGE = 1000         # rows read at a time by a walk


class Ledger:
    """A temporary SQLite file holding named maps; removed by `close()` (or at exit)."""

    def __init__(self, folder: str | None = None) -> None:
        fd, self.path = tempfile.mkstemp(prefix="wenzheng-ledger-", suffix=".sqlite3",
                                         dir=folder)
        os.close(fd)
        self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "temp_store=FILE",
                       "cache_size=-8192"):                  # 8 MB of page cache at most
            self._conn.execute(f"PRAGMA {pragma}")
        self._conn.execute("CREATE TABLE kv (m INTEGER NOT NULL, k TEXT NOT NULL, v TEXT NOT NULL,"
                           " PRIMARY KEY (m, k)) WITHOUT ROWID")
        self.lock = threading.RLock()
        self._names: dict[str, int] = {}

    def map(self, name: str) -> DiskMap:
        """The map called `name` (empty the first time)."""
        with self.lock:
            number = self._names.setdefault(name, len(self._names))
        return DiskMap(self, number)

    def execute(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self.lock:
            return self._conn.execute(sql, args).fetchall()

    def executemany(self, sql: str, rows: Iterable[tuple]) -> None:
        with self.lock:
            self._conn.execute("BEGIN")
            try:
                self._conn.executemany(sql, rows)
            finally:
                self._conn.execute("COMMIT")

    def close(self) -> None:
        with self.lock:
            self._conn.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass

    def __del__(self) -> None:        # a sink dropped without finish(): the file still goes
        try:
            self.close()
        except Exception:  # noqa: BLE001 - at interpreter exit anything may be gone
            pass


class DiskMap:
    """One map of a `Ledger`: str -> JSON value, in key order."""

    def __init__(self, ledger: Ledger, number: int) -> None:
        self._ledger = ledger
        self._m = number

    def get(self, key: str, default: Any = None) -> Any:
        rows = self._ledger.execute("SELECT v FROM kv WHERE m = ? AND k = ?", (self._m, key))
        return json.loads(rows[0][0]) if rows else default

    def __getitem__(self, key: str) -> Any:
        rows = self._ledger.execute("SELECT v FROM kv WHERE m = ? AND k = ?", (self._m, key))
        if not rows:
            raise KeyError(key)
        return json.loads(rows[0][0])

    def __setitem__(self, key: str, value: Any) -> None:
        self._ledger.execute("INSERT OR REPLACE INTO kv (m, k, v) VALUES (?, ?, ?)",
                             (self._m, key, json.dumps(value, separators=(",", ":"))))

    def update(self, items: Iterable[tuple[str, Any]]) -> None:
        """Many at once, in one transaction (a listing page, a manifest)."""
        self._ledger.executemany("INSERT OR REPLACE INTO kv (m, k, v) VALUES (?, ?, ?)",
                                 ((self._m, k, json.dumps(v, separators=(",", ":")))
                                  for k, v in items))

    def pop(self, key: str, default: Any = None) -> Any:
        with self._ledger.lock:
            value = self.get(key, default)
            self._ledger.execute("DELETE FROM kv WHERE m = ? AND k = ?", (self._m, key))
        return value

    def __contains__(self, key: object) -> bool:
        return bool(self._ledger.execute("SELECT 1 FROM kv WHERE m = ? AND k = ?",
                                         (self._m, key)))

    def __len__(self) -> int:
        return int(self._ledger.execute("SELECT COUNT(*) FROM kv WHERE m = ?", (self._m,))[0][0])

    def items(self, prefix: str = "") -> Iterator[tuple[str, Any]]:
        """(key, value) of the keys starting with `prefix`, in order, a page at a time."""
        after = None
        while True:
            if after is None:
                rows = self._ledger.execute(
                    "SELECT k, v FROM kv WHERE m = ? AND k >= ? ORDER BY k LIMIT ?",
                    (self._m, prefix, PAGE))
            else:
                rows = self._ledger.execute(
                    "SELECT k, v FROM kv WHERE m = ? AND k > ? ORDER BY k LIMIT ?",
                    (self._m, after, PAGE))
            for k, v in rows:
                if not k.startswith(prefix):
                    return
                yield k, json.loads(v)
            if len(rows) < PAGE:
                return
            after = rows[-1][0]

    def keys(self, prefix: str = "") -> Iterator[str]:
        return (k for k, _ in self.items(prefix))

    def __iter__(self) -> Iterator[str]:
        return self.keys()

    def clear(self) -> None:
        self._ledger.execute("DELETE FROM kv WHERE m = ?", (self._m,))

    def fill_matching(self, manifest: DiskMap, listing: DiskMap, prefix: str) -> None:
        """The entries of `manifest` (path -> [sha256, ETag]) whose object, `prefix` + path in
        `listing` (key -> ETag), still has the ETag the manifest recorded: one join."""
        self._ledger.execute(
            "INSERT OR REPLACE INTO kv (m, k, v) SELECT ?, man.k, man.v FROM kv AS man"
            " JOIN kv AS lst ON lst.m = ? AND lst.k = ? || man.k"
            " WHERE man.m = ? AND json_extract(man.v, '$[1]') = json_extract(lst.v, '$')",
            (self._m, listing._m, prefix, manifest._m))
