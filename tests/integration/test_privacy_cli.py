"""`wenzheng privacy purge [--dry-run]` and `wenzheng privacy access LETTER_ID` on the demo city
(wenzheng/privacy_cli.py): a dry run lists and changes nothing, the purge removes the personal
data of every letter finished before the period, and the access list prints who read what."""
from __future__ import annotations

import json
from datetime import timedelta

from chalicelib import bootstrap
from chalicelib.domain import retention
from chalicelib.services import casework
from chalicelib.services.context import Actor
from fakes import cst
from wenzheng import cli
from wenzheng.demo import seed_demo

SECRET = "a-test-token-secret-that-is-long-enough-0123456789"
T0 = cst(2026, 11, 23, 9)


def test_purge_and_access_from_the_command_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("WENZHENG_TOKEN_SECRET", SECRET)
    composed = bootstrap.build(bootstrap.Settings(stage="local", data_dir=tmp_path,
                                                  token_secret=SECRET))
    seed_demo(composed.ctx, T0, letters=14)
    store = composed.ctx.store
    finished = [x for x in store.list_letters(limit=1000)
                if retention.finished_at(x) and retention.holds_personal_data(x)]
    assert finished
    one = finished[0].id
    casework.get_staff_letter(composed.ctx, Actor("demo-office", "office"), one)
    store.close()
    later = (T0 + timedelta(days=4 * 365)).isoformat()

    assert cli.main(["privacy", "purge", "--dry-run", "--now", later,
                     "--data", str(tmp_path)]) == 0
    dry = json.loads(capsys.readouterr().out.splitlines()[0])
    assert one in dry["due"] and dry["purged"] == []
    assert composed.ctx.store.get_letter(one).phone is not None or \
        composed.ctx.store.get_letter(one).email is not None

    assert cli.main(["privacy", "purge", "--now", later, "--data", str(tmp_path)]) == 0
    done = json.loads(capsys.readouterr().out.splitlines()[0])
    assert sorted(done["purged"]) == sorted(dry["due"])
    got = composed.ctx.store.get_letter(one)
    assert (got.name, got.phone, got.email) == (None, None, None)

    assert cli.main(["privacy", "access", one, "--data", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    # the demo's own actions (their answers show the private fields), then the read above
    assert lines[-1].split()[1:] == ["demo-office", "letter"]
    assert all(line.split()[2] in ("action", "letter") for line in lines)
    assert cli.main(["privacy", "access", "nope", "--data", str(tmp_path)]) == 2
