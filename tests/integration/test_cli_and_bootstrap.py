"""The command line and the composition root: demo accounts only in the local demo,
provisional years, accounts, the demo city, the scheduled job from the shell."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from chalicelib import bootstrap
from chalicelib.adapters.sqlite import SqliteStore
from chalicelib.domain.deadlines import CHINA_TZ
from chalicelib.domain.errors import Unauthorized
from chalicelib.domain.letters import Status
from chalicelib.services import auth
from fakes import cst
from wenzheng.demo import seed_demo

ROOT = Path(__file__).resolve().parents[2]
SECRET = "x" * 40


def wenzheng(*args: str, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wenzheng.cli", *args], input=stdin,
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


def settings(tmp_path, stage="local") -> bootstrap.Settings:
    return bootstrap.Settings(stage=stage, data_dir=tmp_path, token_secret=SECRET)


def test_a_deployed_stage_refuses_to_start_with_demo_accounts(tmp_path):
    composed = bootstrap.build(settings(tmp_path))
    seed_demo(composed.ctx, cst(2026, 11, 23, 9), letters=14)
    with pytest.raises(bootstrap.StartupError, match="demo account"):
        bootstrap.build(settings(tmp_path, stage="prod"))


def test_demo_accounts_cannot_log_in_outside_the_local_stage(tmp_path):
    composed = bootstrap.build(settings(tmp_path))
    seed_demo(composed.ctx, cst(2026, 11, 23, 9), letters=14)
    creds = {"username": "demo-office", "password": "demo"}
    session = auth.login(composed.ctx.store, composed.signer, creds, allow_demo=True)
    assert session["role"] == "office"
    with pytest.raises(Unauthorized):
        auth.login(composed.ctx.store, composed.signer, creds, allow_demo=False)


def test_a_deployed_stage_needs_a_token_secret(tmp_path):
    with pytest.raises(bootstrap.StartupError, match="WENZHENG_TOKEN_SECRET"):
        bootstrap.build(bootstrap.Settings(stage="prod", data_dir=tmp_path))


def test_provisional_years_can_be_a_startup_error(tmp_path):
    s = settings(tmp_path)
    s.allow_provisional = False
    with pytest.raises(Exception, match="calendar"):
        bootstrap.build(s, clock=lambda: cst(2027, 3, 1, 9))


def test_the_demo_city_has_letters_in_every_state(tmp_path):
    composed = bootstrap.build(settings(tmp_path))
    counts = seed_demo(composed.ctx, cst(2026, 11, 23, 9))
    assert set(counts) >= {"published", "closed", "rejected", "dispatched", "signed", "replied",
                           "transfer_requested", "extension_requested", "submitted"}
    store = composed.ctx.store
    months = [m for m, _ in store.published_months()]
    assert len(months) >= 10                  # a year of archives and league history
    assert store.get_account("demo-clerk").department == next(iter(composed.ctx.departments))
    again = seed_demo(composed.ctx, cst(2026, 11, 23, 9))
    assert "skipped" in again
    redone = [l for l in store.iter_letters() if l.redo_count]
    assert redone and all(len(l.ratings) == 2 for l in redone if l.status == Status.published)
    # the first tick (as `wenzheng serve` runs it at start) writes the last week's record,
    # with the demo's hot topic: six letters on one matter, four of them published
    from chalicelib.services import supervision
    assert supervision.tick(composed.ctx, cst(2026, 11, 23, 9))["weekly"] == "2026-W47"
    (topic, *_) = store.get_week("2026-W47")["topics"]
    assert topic["letters"] >= 6 and len(topic["published"]) >= 4


def test_account_add_reads_the_password_from_stdin(tmp_path):
    result = wenzheng("account", "add", "li-clerk", "--role", "clerk", "--department",
                      "transport", "--data", str(tmp_path), stdin="s3cret-pass\n")
    assert result.returncode == 0, result.stderr
    account = SqliteStore(tmp_path / "wenzheng.sqlite3").get_account("li-clerk")
    assert account.role == "clerk" and account.department == "transport"
    assert "s3cret-pass" not in account.password_hash
    dup = wenzheng("account", "add", "li-clerk", "--role", "office", "--data", str(tmp_path),
                   stdin="x\n")
    assert dup.returncode == 1 and "exists" in dup.stderr
    bad = wenzheng("account", "add", "x", "--role", "clerk", "--department", "nowhere",
                   "--data", str(tmp_path), stdin="abcd\n")
    assert bad.returncode == 2 and "部门" in bad.stderr


def test_account_reset_and_disable_from_the_shell_revoke_earlier_tokens(tmp_path):
    assert wenzheng("account", "add", "li-office", "--role", "office", "--data", str(tmp_path),
                    stdin="first-pass\n").returncode == 0
    store = SqliteStore(tmp_path / "wenzheng.sqlite3")
    signer = auth.TokenSigner(SECRET, lambda: datetime.now(CHINA_TZ))
    before_reset, _ = signer.issue(store.get_account("li-office"))
    assert auth.current_actor(signer, store, before_reset).role == "office"
    reset = wenzheng("account", "add", "li-office", "--role", "office", "--replace",
                     "--data", str(tmp_path), stdin="second-pass\n")
    assert reset.returncode == 0, reset.stderr
    with pytest.raises(Unauthorized):
        auth.current_actor(signer, store, before_reset)
    before_disable, _ = signer.issue(store.get_account("li-office"))
    assert auth.current_actor(signer, store, before_disable).username == "li-office"
    disabled = wenzheng("account", "disable", "li-office", "--data", str(tmp_path))
    assert disabled.returncode == 0 and "disabled" in disabled.stdout
    assert store.get_account("li-office").disabled
    with pytest.raises(Unauthorized):
        auth.current_actor(signer, store, before_disable)
    missing = wenzheng("account", "disable", "nobody", "--data", str(tmp_path))
    assert missing.returncode == 1 and "no account" in missing.stderr
    assert wenzheng("account", "disable", "li-office", "--enable",
                    "--data", str(tmp_path)).returncode == 0
    assert not store.get_account("li-office").disabled


def test_tick_from_the_shell_is_idempotent(tmp_path):
    assert wenzheng("seed-demo", "--data", str(tmp_path)).returncode == 0
    # the demo is seeded as of today: tick fifty days later, at ten in the morning China time
    later = (datetime.now(CHINA_TZ) + timedelta(days=50)).replace(hour=10, minute=0, second=0,
                                                                  microsecond=0)
    day = later.date().isoformat()
    first = wenzheng("tick", "--now", later.isoformat(), "--data", str(tmp_path))
    assert first.returncode == 0, first.stderr
    result = json.loads(first.stdout)
    changed = result["lights_changed"]
    assert changed                             # the open demo letters are long overdue by then
    assert result["digest"] == f"digest.{day}.email"
    sent = result["notifications"]["sent"]
    outbox = sorted(p.name for p in (tmp_path / "outbox").iterdir())
    assert outbox == sorted(f"{i}.eml" for i in sent)      # e-mails to departments, the digest
    assert f"digest.{day}.email.eml" in outbox
    # months-old reply notices and follow-ups of the demo's history are dropped, not sent
    assert result["notifications"]["expired"]

    second = wenzheng("tick", "--now", later.isoformat(), "--data", str(tmp_path))
    again = json.loads(second.stdout)
    assert again["lights_changed"] == [] and again["rating_followups"] == []
    assert again["digest"] is None and again["published_changes"] == 0
    assert again["notifications"] == {"sent": [], "retrying": [], "failed": [], "expired": []}
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir()) == outbox


def test_build_writes_the_site_from_the_store(tmp_path):
    assert wenzheng("seed-demo", "--data", str(tmp_path / "data")).returncode == 0
    out = tmp_path / "out"
    result = wenzheng("build", "--out", str(out), "--data", str(tmp_path / "data"))
    assert result.returncode == 0, result.stderr
    assert (out / "index.html").is_file() and (out / "league" / "index.html").is_file()
    assert len(list((out / "letters").glob("*/index.html"))) > 30
    # it says what it built, not Pelican's "Processed 0 articles"
    assert "Processed" not in result.stdout + result.stderr
    published = SqliteStore(tmp_path / "data" / "wenzheng.sqlite3").count_published()
    *_, line, index_line = result.stdout.strip().splitlines()
    assert line.startswith(f"site built into {out}: ") and " pages in " in line
    assert published > 30 and f"({published:,} published letters, zh-CN and English)" in line
    # then the search index over the same letters, beside the pages
    shards = json.loads((out / "search" / "shards.json").read_text())["shards"]
    assert sum(s["letters"] for s in shards) == published
    records = sum(s["records"] for s in shards)
    assert index_line.startswith("search index: ") and f"{records:,} records" in index_line
    assert all((out / s["path"].lstrip("/") / "pagefind-entry.json").is_file() for s in shards)


def test_a_busy_port_names_both_ways_to_choose_another(tmp_path):
    import socket
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = wenzheng("serve", "--no-demo", "--port", str(port), "--data",
                          str(tmp_path / "data"))
    assert result.returncode == 2
    assert f"--port {port + 1}" in result.stderr and f"PORT={port + 1} make run" in result.stderr


def test_stats_recompute_finds_and_corrects_drift(tmp_path):
    """After an upgrade that adds a counter, `wenzheng stats recompute` brings the running
    totals back to what every letter's history says, and republishes the pages they feed."""
    assert wenzheng("seed-demo", "--data", str(tmp_path)).returncode == 0
    clean = wenzheng("stats", "recompute", "--check", "--data", str(tmp_path))
    assert clean.returncode == 0, clean.stderr
    assert json.loads(clean.stdout.splitlines()[-1]) == {"corrected_rows": 0, "applied": False}

    store = SqliteStore(tmp_path / "wenzheng.sqlite3")
    month = next(p for p in store.stats_periods() if len(p) == 7 and store.stats(p))
    dept = sorted(store.stats(month))[0]
    truth = store.stats(month)[dept]
    with store.unit_of_work() as uow:          # drift: counted by an older rule
        uow.correct_stats({(month, dept): {"received": 3, "late_replies": -1}})
        uow.commit()
    store.mark_changes_done([c.id for c in store.pending_changes(1000)])

    check = wenzheng("stats", "recompute", "--check", "--data", str(tmp_path))
    assert check.returncode == 1
    lines = check.stdout.splitlines()
    assert f"{month} {dept}: late_replies +1, received -3" in lines
    assert json.loads(lines[-1]) == {"corrected_rows": 1, "applied": False}
    assert store.stats(month)[dept]["received"] == truth["received"] + 3     # --check wrote nothing

    fixed = wenzheng("stats", "recompute", "--data", str(tmp_path))
    assert fixed.returncode == 0, fixed.stderr
    summary = json.loads(fixed.stdout.splitlines()[-1])
    assert summary["applied"] is True and summary["published_changes"] == 1
    assert {k: v for k, v in store.stats(month)[dept].items() if v} == truth
    again = wenzheng("stats", "recompute", "--check", "--data", str(tmp_path))
    assert again.returncode == 0
    assert json.loads(again.stdout.splitlines()[-1])["corrected_rows"] == 0


def test_boards_backfill_has_nothing_to_do_on_sqlite(tmp_path):
    """SQLite fills the boards' columns when an older file opens; DynamoDB's backfill is
    tested with its adapter (tests/contract/test_facets_contract.py)."""
    result = wenzheng("boards", "backfill", "--data", str(tmp_path / "data"))
    assert result.returncode == 0 and "nothing to do" in result.stdout


def test_contacts_backfill_has_nothing_to_do_on_sqlite(tmp_path):
    """SQLite fills the contact index when an older file opens (migration 8); DynamoDB's
    backfill is tested with its adapter (tests/contract/test_similar_contract.py)."""
    result = wenzheng("contacts", "backfill", "--data", str(tmp_path / "data"))
    assert result.returncode == 0 and "nothing to do" in result.stdout
