"""The demo city's leaders (wenzheng/demo_leaders.py): letters on the mayor's and the vice
mayors' boards, a key letter escalated to the mayor with the mayor's instruction, the
`demo-mayor` account whose console lists exactly the mayor's letters; and `wenzheng account
add --role leader --leader ID`."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from chalicelib import bootstrap
from chalicelib.adapters.sqlite import SqliteStore
from chalicelib.services import casework
from chalicelib.services.context import Actor
from fakes import cst
from wenzheng.demo import seed_demo

ROOT = Path(__file__).resolve().parents[2]
SECRET = "a-test-token-secret-that-is-long-enough-0123456789"


def test_the_demo_city_has_leaders_boards_and_an_instruction(tmp_path):
    composed = bootstrap.build(bootstrap.Settings(stage="local", data_dir=tmp_path,
                                                  token_secret=SECRET))
    counts = seed_demo(composed.ctx, cst(2026, 11, 23, 9), letters=14)
    assert counts["leaders"] >= 6
    store = composed.ctx.store
    assert store.get_account("demo-mayor").role == "leader"
    assert store.get_account("demo-mayor").department == "mayor"
    assert store.count_leader_letters("board#mayor") >= 2
    assert store.count_leader_letters("to#mayor") >= 3
    inbox = casework.list_staff_letters(composed.ctx, Actor("demo-mayor", "leader", "mayor"), {})
    ids = [r["id"] for r in inbox["rows"]]
    assert inbox["total"] == len(ids) >= 4
    key = [store.get_letter(i) for i in ids if store.get_letter(i).leader is None]
    assert len(key) == 1
    (letter,) = key
    assert [e.action for e in letter.history][-2:] == ["escalated", "instruction"]
    view = casework.get_staff_letter(composed.ctx, Actor("c", "clerk", letter.department),
                                     letter.id)
    assert "电梯" in view["instructions"][0]["text"]


def test_account_add_makes_a_leader_account(tmp_path):
    run = subprocess.run([sys.executable, "-m", "wenzheng.cli", "account", "add", "lin-mayor",
                          "--role", "leader", "--leader", "mayor", "--data", str(tmp_path)],
                         input="s3cret-pass\n", capture_output=True, text=True, cwd=ROOT,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    account = SqliteStore(tmp_path / "wenzheng.sqlite3").get_account("lin-mayor")
    assert (account.role, account.department) == ("leader", "mayor")
    bad = subprocess.run([sys.executable, "-m", "wenzheng.cli", "account", "add", "x",
                          "--role", "leader", "--leader", "nobody", "--data", str(tmp_path)],
                         input="abcd\n", capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert bad.returncode != 0
