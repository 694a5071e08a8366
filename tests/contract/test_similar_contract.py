"""The candidates of the similar letters (重复件, `Store.similar_candidates`) on every adapter:
the same contact through the contact index at any age, the recent letters by submission time,
the duplicate's link stored on both letters, and a two-letter commit guarded by both versions."""
from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.adapters import store as store_module
from chalicelib.adapters.codec import contact_keys
from chalicelib.api import parse
from chalicelib.domain.errors import ConcurrentUpdate
from chalicelib.domain.letters import Letter, LetterType
from chalicelib.domain.similar import WINDOW_DAYS
from chalicelib.services import casework
from chalicelib.services import letters as services
from chalicelib.services.context import Context, hash_secret
from fakes import DEPARTMENTS, HOUSING_CLERK, NOTIFY, OFFICE, TRANSPORT_CLERK

D = timedelta(days=1)


def _letter(n: int, at, *, phone: str | None = None, email: str | None = None,
            subject: str = "小区门口道路破损") -> Letter:
    letter = Letter(id=f"s{n:04d}", tracking_code=f"WS{n:08d}", secret_hash="5e" * 32,
                    type=LetterType.complaint, subject=subject, body="雨天积水严重，请尽快修复。",
                    public=True, submitted_at=at, name="王小明", phone=phone, email=email,
                    requested_department="housing", source="web")
    letter.record_submission(at)
    return letter


def ids(candidates) -> list[str]:
    return [c.id for c in candidates]


@pytest.fixture
def letters(store, desk, t0):
    """s0001 (90 days old, same phone), s0002 (60 days old, same e-mail in another case),
    s0003 (10 days old, another writer), s0004 (2 days old, another writer), s0005 (the new
    letter: phone +86 138-1234-5678, e-mail Wang@Example.com)."""
    desk.add(_letter(1, t0 - 90 * D, phone="13812345678"))
    desk.add(_letter(2, t0 - 60 * D, email="wang@example.com"))
    desk.add(_letter(3, t0 - 10 * D, phone="13900001111"))
    desk.add(_letter(4, t0 - 2 * D, email="li@example.com"))
    return desk.add(_letter(5, t0, phone="+86 138-1234-5678", email="Wang@Example.com"))


class TestSimilarCandidates:
    def test_same_contact_of_any_age_and_the_recent_letters(self, store, letters, t0):
        found = store.similar_candidates(letters, t0 - WINDOW_DAYS * D)
        assert ids(found) == ["s0001", "s0002", "s0003", "s0004"]

    def test_a_letter_with_no_contact_gets_the_recent_letters_only(self, store, letters, t0,
                                                                    desk):
        lone = desk.add(_letter(6, t0 + D))
        assert ids(store.similar_candidates(lone, t0 - WINDOW_DAYS * D)) == \
            ["s0003", "s0004", "s0005"]

    def test_candidates_carry_what_the_scoring_and_the_staff_view_need(self, store, letters,
                                                                       t0, desk):
        desk.dispatch("s0001", "housing", t0 - 89 * D)
        found = {c.id: c for c in store.similar_candidates(letters, t0 - WINDOW_DAYS * D)}
        first = found["s0001"]
        assert (first.subject, first.status, first.department, first.open) == \
            ("小区门口道路破损", "dispatched", "housing", True)
        assert first.phone == "13812345678" and first.submitted_at == t0 - 90 * D
        assert not first.duplicate

    def test_the_recent_letters_are_bounded(self, store, letters, t0, monkeypatch):
        monkeypatch.setattr(store_module, "SIMILAR_RECENT", 1)
        found = store.similar_candidates(letters, t0 - WINDOW_DAYS * D)
        # the newest letter of the window is the letter itself; the contacts still come
        assert ids(found) == ["s0001", "s0002"]

    def test_a_changed_contact_moves_in_the_index(self, store, letters, t0, desk):
        def forget(letter: Letter) -> None:
            letter.phone = None
        desk.act("s0001", forget)
        assert "s0001" not in ids(store.similar_candidates(letters, t0 - WINDOW_DAYS * D))

    def test_the_index_keys_are_hashes_not_contacts(self, letters):
        keys = contact_keys(letters)
        assert len(keys) == 2
        assert not any("1381234" in k or "example" in k for k in keys)
        assert contact_keys(_letter(9, letters.submitted_at, phone="138 1234 5678")) == keys[:1]


class TestDuplicateLink:
    def test_rejecting_as_a_duplicate_stores_both_sides_in_one_commit(self, store, letters,
                                                                       t0):
        with store.unit_of_work() as uow:
            dup, original = uow.get_letter("s0005"), uow.get_letter("s0001")
            dup.reject("重复来信", "office-1", t0 + D, duplicate_of=original)
            uow.save_letter(dup)
            uow.save_letter(original)
            uow.commit()
        dup, original = store.get_letter("s0005"), store.get_letter("s0001")
        assert dup.duplicate_of == "s0001" and dup.status == "rejected"
        assert dup.history[-1].data["duplicate_of"] == "s0001"
        assert original.history[-1].action == "duplicate"
        assert original.history[-1].data == {"letter": "s0005"}
        assert original.duplicate_of is None
        found = {c.id: c for c in store.similar_candidates(original, t0 - 100 * D)}
        assert found["s0005"].duplicate

    def test_a_lost_race_on_the_original_writes_neither(self, store, letters, t0, desk):
        with store.unit_of_work() as uow:
            dup, original = uow.get_letter("s0005"), uow.get_letter("s0001")
            desk.dispatch("s0001", "housing", t0)      # another writer wins on the original
            dup.reject("重复来信", "office-1", t0 + D, duplicate_of=original)
            uow.save_letter(dup)
            uow.save_letter(original)
            with pytest.raises(ConcurrentUpdate):
                uow.commit()
        assert store.get_letter("s0005").status == "submitted"
        assert store.get_letter("s0005").duplicate_of is None
        assert store.get_letter("s0001").history[-1].action == "dispatch"


class TestTheUseCasesOnEveryStore:
    """`similar` and reject-as-duplicate through the use cases, on each adapter."""

    @pytest.fixture
    def ctx(self, store, cal, clock):
        return Context(store=store, calendar=cal, clock=clock, departments=DEPARTMENTS,
                       notify=NOTIFY)

    def test_similar_then_reject_as_duplicate_and_the_writer_follows(self, ctx, store,
                                                                      letters, clock):
        view = casework.get_staff_letter(ctx, OFFICE, "s0005")
        assert [s["id"] for s in view["similar"]][:2] == ["s0001", "s0002"]
        assert all(s["same_contact"] for s in view["similar"][:2])
        casework.dispatch_letter(ctx, OFFICE, "s0005", parse.dispatch_letter(
            {"department": "housing"}))
        casework.dispatch_letter(ctx, OFFICE, "s0001", parse.dispatch_letter(
            {"department": "transport"}))
        seen = casework.get_staff_letter(ctx, HOUSING_CLERK, "s0005")["similar"]
        assert "s0001" not in [s["id"] for s in seen]       # another department's letter
        casework.reject_letter(ctx, OFFICE, "s0005", parse.reject_letter(
            {"reason": "重复来信", "duplicate_of": "s0001"}))
        assert store.get_letter("s0005").duplicate_of == "s0001"
        assert casework.get_staff_letter(ctx, TRANSPORT_CLERK, "s0001")["duplicates"] == \
            ["s0005"]
        with store.unit_of_work() as uow:           # a known secret, to track it
            found = uow.get_letter("s0005")
            found.secret_hash = hash_secret("open-sesame")
            uow.save_letter(found)
            uow.commit()
        view = services.track_letter(ctx, "WS00000005", "open-sesame")
        follow = view["duplicate_of"]
        assert follow["status"] == "dispatched" and follow["department"]["id"] == "transport"
        assert "13812345678" not in str(view["duplicate_of"])


def test_an_sqlite_file_from_before_the_contact_index_gets_it_when_opened(tmp_path, clock, t0):
    import sqlite3

    from chalicelib.adapters.sqlite import SqliteStore
    path = tmp_path / "old.sqlite3"
    old = SqliteStore(path, clock=clock)
    for n, at in ((1, t0 - 90 * D), (2, t0)):
        with old.unit_of_work() as uow:
            uow.add_letter(_letter(n, at, phone="13812345678"))
            uow.commit()
    old.close()
    raw = sqlite3.connect(path)
    raw.execute("DROP TABLE letter_contacts")
    raw.close()
    reopened = SqliteStore(path, clock=clock)
    new = reopened.get_letter("s0002")
    assert ids(reopened.similar_candidates(new, t0 - WINDOW_DAYS * D)) == ["s0001"]


def test_a_dynamodb_table_from_before_the_contact_index_gets_it_by_backfill(dynamo, t0):
    for n, at in ((1, t0 - 90 * D), (2, t0)):
        with dynamo.unit_of_work() as uow:
            uow.add_letter(_letter(n, at, phone="13812345678"))
            uow.commit()
    for lid in ("s0001", "s0002"):
        for key in contact_keys(dynamo.get_letter(lid)):
            dynamo.client.delete_item(TableName=dynamo.table_name, Key={
                "pk": {"S": f"LETTER#{lid}"}, "sk": {"S": f"CONTACT#{key}"}})
    new = dynamo.get_letter("s0002")
    assert ids(dynamo.similar_candidates(new, t0 - WINDOW_DAYS * D)) == []
    assert dynamo.backfill_contact_entries() == 2
    assert ids(dynamo.similar_candidates(new, t0 - WINDOW_DAYS * D)) == ["s0001"]
    assert dynamo.backfill_contact_entries() == 2          # again: the same items
