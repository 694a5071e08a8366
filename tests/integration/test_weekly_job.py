"""The weekly step of the scheduled job: the record of the week that ended last written once,
with one change record of kind "week", however many ticks run; a tick that loses the race to
another writes nothing."""
from __future__ import annotations

from datetime import timedelta

from chalicelib.api import parse
from chalicelib.services import letters as services
from chalicelib.services import supervision
from fakes import cst, letter_payload

MON = cst(2026, 11, 23, 9, 0)         # Monday of 2026-W48: W47 has ended


def week_changes(store) -> list:
    return [c for c in store.pending_changes(1000) if c.kind == "week"]


def test_two_ticks_write_the_week_once(ctx, store, clock):
    clock.at = MON - timedelta(days=3)
    for i in range(3):
        services.submit_letter(ctx, parse.submit_letter(letter_payload(subject=f"路灯不亮{i}")))
    clock.at = MON
    first = supervision.tick(ctx, MON)
    assert first["weekly"] == "2026-W47"
    assert supervision.tick(ctx, MON + timedelta(hours=1))["weekly"] is None
    assert store.list_weeks() == ["2026-W47"]
    record = store.get_week("2026-W47")
    assert record["figures"]["received"]["total"] == 3
    assert record["topics"] == []                       # fewer than 5 letters: no topic
    assert [c.public for c in week_changes(store)] == [True]


def test_a_tick_that_loses_the_race_writes_nothing(ctx, store, monkeypatch):
    assert supervision.tick(ctx, MON)["weekly"] == "2026-W47"
    monkeypatch.setattr(store, "get_week", lambda week: None)    # it read before the winner
    assert supervision.tick(ctx, MON + timedelta(minutes=1))["weekly"] is None
    assert len(week_changes(store)) == 1


def test_the_week_is_not_written_before_it_ends(ctx, store):
    supervision.tick(ctx, cst(2026, 11, 29, 23, 59))          # Sunday night: W47 still
    assert store.list_weeks() == ["2026-W47"]
    supervision.tick(ctx, cst(2026, 11, 30, 0, 0))             # Monday 00:00: W48 ended
    assert store.list_weeks() == ["2026-W48", "2026-W47"]


def test_the_report_goes_once_to_each_address_of_content_reports(ctx, store, sender):
    from dataclasses import replace
    ctx = replace(ctx, notify=replace(ctx.notify, report_emails=("mayor@example.gov",
                                                                  "supervision@example.gov")))
    supervision.run_scheduled(ctx, sender, MON)
    supervision.run_scheduled(ctx, sender, MON + timedelta(hours=1))
    reports = [n for n in store.list_notifications() if n.kind == "weekly_report"]
    assert sorted(n.id for n in reports) == ["weekly.2026-W47.mayor@example.gov",
                                             "weekly.2026-W47.supervision@example.gov"]
    assert all(n.status == "sent" for n in reports)
    assert all("2026-W47 来信周报" in n.body and "/staff/#/reports/2026-W47" in n.body
               for n in reports)


def test_content_reports_yaml_is_loaded_and_checked(tmp_path):
    import pytest

    from chalicelib.adapters.content_files import ContentError
    from chalicelib.adapters.content_limits import load_reports_file
    assert load_reports_file(tmp_path) == ()
    (tmp_path / "reports.yaml").write_text(
        "weekly: [a@example.gov, b@example.gov, a@example.gov]\n")
    assert load_reports_file(tmp_path) == ("a@example.gov", "b@example.gov")
    for bad in ("weekly: [not-an-address]\n", "weekly: a@example.gov\n", "monthly: []\n"):
        (tmp_path / "reports.yaml").write_text(bad)
        with pytest.raises(ContentError):
            load_reports_file(tmp_path)
