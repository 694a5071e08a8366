"""`wenzheng backup` / `wenzheng restore` (adapters/sqlite_backup.py, wenzheng/backup.py): a
backup taken while letters are being submitted holds every letter acknowledged before it
started and passes SQLite's integrity check; a restore checks the file, refuses to replace a
store with data unless forced, and migrates an older file. DynamoDB's point-in-time export and
restore are called against moto (adapters/dynamodb_backup.py)."""
from __future__ import annotations

import sqlite3
import threading

import pytest

from chalicelib.adapters import sqlite_backup
from chalicelib.adapters.sqlite import SqliteStore
from chalicelib.api import parse
from chalicelib.services import letters as services
from fakes import letter_payload
from wenzheng import cli

WRITERS = 4


def submit(ctx, n: int) -> str:
    answer = services.submit_letter(ctx, parse.submit_letter(letter_payload(subject=f"第{n}封")))
    return str(answer.body["id"])


def test_a_backup_during_writes_holds_every_acknowledged_letter(ctx, store, tmp_path):
    acked: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()
    enough = threading.Semaphore(0)
    failures: list[BaseException] = []

    def writer(w: int) -> None:
        n = 0
        try:
            while not stop.is_set():
                letter_id = submit(ctx, w * 100_000 + n)
                with lock:
                    acked.append(letter_id)
                enough.release()
                n += 1
        except BaseException as exc:   # noqa: BLE001 - the test reports it
            failures.append(exc)
            enough.release()

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    for _ in range(40):                       # some letters in before the backup starts
        enough.acquire()
    with lock:
        before = set(acked)                   # acknowledged before the backup started
    summary = sqlite_backup.backup(store.path, tmp_path / "backups" / "b.sqlite3")
    with lock:
        during = len(acked) - len(before)     # the writers went on while it ran
    stop.set()
    for t in threads:
        t.join()
    assert not failures, failures
    assert summary.letters >= len(before)

    restored_path = tmp_path / "restored" / "wenzheng.sqlite3"
    sqlite_backup.restore(summary.path, restored_path)
    conn = sqlite3.connect(restored_path)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()
    restored = SqliteStore(restored_path)
    ids = {x.id for x in restored.list_letters(limit=1_000_000)}
    assert before <= ids
    assert ids <= set(acked)                  # nothing that was not acknowledged
    for letter_id in sorted(before)[:20]:     # whole letters: the letter with its history
        letter = restored.get_letter(letter_id)
        assert letter is not None and [e.action for e in letter.history] == ["submit"]
    assert during >= 0


def test_restore_refuses_a_store_with_data_unless_forced(ctx, store, tmp_path):
    first = submit(ctx, 1)
    backup = sqlite_backup.backup(store.path, tmp_path / "b.sqlite3")
    submit(ctx, 2)
    store.close()
    with pytest.raises(sqlite_backup.StoreNotEmpty):
        sqlite_backup.restore(backup.path, store.path)
    sqlite_backup.restore(backup.path, store.path, force=True)
    again = SqliteStore(store.path)
    assert [x.id for x in again.list_letters()] == [first]


def test_restore_refuses_what_is_not_a_wenzheng_store(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 100)
    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE letters (id TEXT)")
    conn.commit()
    conn.close()
    for path in (text, other, tmp_path / "missing.sqlite3"):
        with pytest.raises(sqlite_backup.NotAStore):
            sqlite_backup.restore(path, tmp_path / "target.sqlite3")
    assert not (tmp_path / "target.sqlite3").exists()


def test_restore_migrates_a_file_of_an_older_release(ctx, store, tmp_path):
    submit(ctx, 1)
    backup = sqlite_backup.backup(store.path, tmp_path / "b.sqlite3")
    conn = sqlite3.connect(backup.path)          # as written before migration 16
    conn.execute("DROP TABLE letter_access")
    conn.commit()
    conn.close()
    summary = sqlite_backup.restore(backup.path, tmp_path / "new" / "wenzheng.sqlite3")
    assert summary.letters == 1
    conn = sqlite3.connect(summary.path)
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'letter_access'").fetchone()
    conn.close()


def test_the_cli_backs_up_and_restores(ctx, store, tmp_path, capsys):
    letter_id = submit(ctx, 1)
    store.close()
    out = tmp_path / "b.sqlite3"
    assert cli.main(["backup", "--out", str(out), "--store", "sqlite",
                     "--data", str(tmp_path)]) == 0
    assert "1 letters" in capsys.readouterr().out
    fresh = tmp_path / "fresh"
    assert cli.main(["restore", str(out), "--store", "sqlite", "--data", str(fresh)]) == 0
    assert SqliteStore(fresh / "wenzheng.sqlite3").get_letter(letter_id) is not None
    assert cli.main(["restore", str(out), "--store", "sqlite", "--data", str(fresh)]) == 2
    assert "--force" in capsys.readouterr().err
