"""Personal data over time in every store (domain/retention.py, adapters/access_records.py):
the finished letters that still hold personal data are listed by when they finished (the
`KEEP` schedule list, an index), leave the list when purged, and the purge takes their contact
index entries with them; the access records append and list in time order."""
from __future__ import annotations

import sqlite3
from datetime import UTC, timedelta

from chalicelib.adapters.codec import contact_keys
from chalicelib.adapters.sqlite import SqliteStore
from chalicelib.domain import retention
from fakes import cst

H = timedelta(hours=1)
DAY = timedelta(days=1)
T0 = cst(2026, 11, 23, 9, 0)


def ids(letters) -> list[str]:
    return [x.id for x in letters]


def finish(desk, make_letter, n, at):
    """A published letter whose writer rated the reply (so it waits for nothing): finished at
    `at`; rated an hour later."""
    letter = desk.handle(make_letter(n, at - 4 * H), "housing", at)
    desk.rate(letter.id, "satisfied", at + H)
    return letter


class TestRetentionList:
    def test_finished_letters_by_when_they_finished(self, make_letter, store, desk):
        finish(desk, make_letter, 2, T0 + 2 * DAY)
        finish(desk, make_letter, 1, T0 + DAY)
        desk.add(make_letter(3, T0))                            # open: not on the list
        desk.add(make_letter(4, T0))
        desk.act("l0004", lambda l: l.reject("无效", "office-1", T0 + 3 * DAY))
        assert ids(store.letters_past_retention(T0 + 10 * DAY)) == ["l0001", "l0002", "l0004"]
        assert ids(store.letters_past_retention(T0 + 2 * DAY)) == ["l0001"]
        assert ids(store.letters_past_retention(T0 + 10 * DAY, limit=2)) == ["l0001", "l0002"]

    def test_a_letter_waiting_for_its_rating_is_not_on_it_yet(self, make_letter, store, desk):
        desk.handle(make_letter(1, T0), "housing", T0 + 4 * H)   # released, not rated: WAIT
        assert store.letters_past_retention(T0 + 10 * DAY) == []
        desk.rate("l0001", "satisfied", T0 + DAY)
        assert ids(store.letters_past_retention(T0 + 10 * DAY)) == ["l0001"]

    def test_a_purged_letter_leaves_it_and_its_contact_entries_go(self, make_letter, store,
                                                                   desk):
        finish(desk, make_letter, 1, T0)
        letter = finish(desk, make_letter, 2, T0 + H)
        assert "l0001" in [c.id for c in store.similar_candidates(letter, T0 - 30 * DAY)]
        desk.act("l0001", lambda l: retention.purge(l, "system", T0 + 9 * DAY,
                                                    why="retention"))
        assert ids(store.letters_past_retention(T0 + 10 * DAY)) == ["l0002"]
        got = store.get_letter("l0001")
        assert (got.name, got.phone, got.email) == (None, None, None)
        assert got.history[-1].action == retention.PURGED
        assert got.history[-1].data == {"why": "retention", "fields": ["name", "phone", "email"]}
        assert got.publication is not None and got.publication.name == "王**"
        [key, *_] = contact_keys(letter)
        assert "l0001" not in store._contact_ids(key, 10)
        assert "l0002" in store._contact_ids(key, 10)

    def test_a_redo_takes_it_off_the_list(self, make_letter, store, desk):
        desk.handle(make_letter(1, T0), "housing", T0 + 4 * H)
        desk.rate("l0001", "unsatisfied", T0 + DAY)             # the office's re-do queue
        assert store.letters_past_retention(T0 + 10 * DAY) == []


class TestAccessRecords:
    def test_append_and_list_in_time_order(self, make_letter, store, desk):
        desk.add(make_letter(1, T0))
        store.record_access("l0001", "clerk-1", T0 + 2 * H, "letter")
        store.record_access("l0001", "office-1", T0 + H, "preview")
        store.record_access("l0001", "office-1", T0 + 2 * H, "letter")
        store.record_access("l0002", "office-1", T0, "letter")
        got = store.access_records("l0001")
        assert got[0] == {"letter_id": "l0001", "at": (T0 + H).astimezone(UTC).isoformat(),
                          "who": "office-1", "what": "preview"}
        # two reads at the same instant: both kept, in either order
        assert sorted((r["who"], r["what"]) for r in got[1:]) == [("clerk-1", "letter"),
                                                                  ("office-1", "letter")]
        assert store.access_records("nope") == []

    def test_they_are_not_part_of_the_letter(self, make_letter, store, desk):
        desk.add(make_letter(1, T0))
        for n in range(5):
            store.record_access("l0001", "office-1", T0 + n * H, "letter")
        got = store.get_letter("l0001")
        assert got is not None and len(got.history) == 1


def test_migration_16_lists_the_finished_letters_of_an_old_file(tmp_path, make_letter, cal,
                                                               desk_class):
    path = tmp_path / "old.sqlite3"
    store = SqliteStore(path)
    desk = desk_class(store, cal)
    finish(desk, make_letter, 1, T0)
    desk.add(make_letter(2, T0))
    store.close()
    raw = sqlite3.connect(path)           # as a file written before migration 16
    raw.executescript("DROP TABLE letter_access; UPDATE letters SET sched = NULL,"
                      " sched_at = NULL WHERE status = 'published';")
    raw.close()
    reopened = SqliteStore(path)
    assert ids(reopened.letters_past_retention(T0 + 10 * DAY)) == ["l0001"]
    reopened.record_access("l0001", "office-1", T0, "letter")
    assert len(reopened.access_records("l0001")) == 1


def test_dynamodb_backfill_lists_the_letters_finished_before_the_list(dynamo, make_letter,
                                                                      dynamo_desk):
    finish(dynamo_desk, make_letter, 1, T0)
    finish(dynamo_desk, make_letter, 2, T0 + H)
    dynamo_desk.add(make_letter(3, T0))                           # open: stays off
    for n in (1, 2):                                               # as before this release
        dynamo.client.update_item(TableName=dynamo.table_name, Key={
            "pk": {"S": f"LETTER#l000{n}"}, "sk": {"S": "LETTER"}},
            UpdateExpression="REMOVE sched, sched_at")
    assert dynamo.letters_past_retention(T0 + 10 * DAY) == []
    assert dynamo.backfill_retention_entries() == 2
    assert ids(dynamo.letters_past_retention(T0 + 10 * DAY)) == ["l0001", "l0002"]
    assert dynamo.backfill_retention_entries() == 0                # once
