"""The store contract of the boards by type and by category (分类选登): every adapter (SQLite,
DynamoDB, in-memory) lists a type's or a category's published letters in archive order, by
month and in all, from its own index; and a change record names the boards a commit moved a
letter on or off (`Change.types`, `Change.categories`).
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from chalicelib.domain.letters import Letter, LetterType, Limits, Publication
from chalicelib.services.ports import Change
from fakes import cst

H = timedelta(hours=1)


class Office:
    """Letters through a store's units of work, as the use cases drive them (the contract's
    `desk`, over any store: a test may need its own SQLite file)."""

    def __init__(self, store, cal) -> None:
        self.store, self.cal, self.limits = store, cal, Limits()

    @staticmethod
    def public_version(letter: Letter, at: datetime) -> Publication:
        reply = letter.latest_reply
        assert reply is not None
        return Publication(subject=letter.subject, body=[letter.body], reply=[reply.body],
                           reply_department=reply.department, reply_at=reply.at, name="王**",
                           category=None, approved_at=at, first_published_at=at)

    def add(self, letter: Letter) -> Letter:
        with self.store.unit_of_work() as uow:
            uow.add_letter(letter)
            uow.commit()
        return letter

    def act(self, letter_id: str, action) -> Letter:
        with self.store.unit_of_work() as uow:
            letter = uow.get_letter(letter_id)
            assert letter is not None
            action(letter)
            uow.save_letter(letter)
            uow.commit()
        return letter


@pytest.fixture
def office(store, cal) -> Office:
    return Office(store, cal)


def ids(letters) -> list[str]:
    return [letter.id for letter in letters]


def publish(desk, make_letter, n: int, letter_id: str, at: datetime, *,
            kind: LetterType = LetterType.complaint, category: str | None = "城乡建设",
            public: bool = True) -> None:
    letter = make_letter(n, at - timedelta(days=2), letter_id=letter_id, public=public)
    letter.type = kind
    letter.dispatch("housing", "office-1", at - 3 * H, desk.cal, desk.limits)
    letter.sign("clerk", at - 2 * H)
    letter.reply("已安排维修。", "clerk", at - H, desk.cal)
    version = desk.public_version(letter, at)
    version.category = category
    letter.approve("office-1", at, publish=True, category=category, public_version=version)
    desk.add(letter)


def reapprove(desk, letter_id: str, at: datetime, *, category: str | None,
              publish: bool = True) -> None:
    """A re-do, a new reply and an approval (with another category, or not published)."""
    def act(l: Letter) -> None:
        l.order_redo("答复不完整", "office-1", at, desk.cal, Limits())
        l.reply("补充答复。", "clerk", at + H, desk.cal)
        version = desk.public_version(l, at + 2 * H) if publish else None
        if version is not None:
            version.category = category
        l.approve("office-1", at + 2 * H, publish=publish, category=category,
                  public_version=version)
    desk.act(letter_id, act)


@pytest.fixture
def boards(make_letter, office, t0) -> None:
    """Complaints c1, c2 in November (China time), c3 just after midnight on 1 December
    (November in UTC), c4 and c5 at one instant in December; suggestion s6 in November; help h7
    without a category in December. Categories: 城乡建设 for c1, c3, c4, s6; 交通运输 for c2,
    c5. Not published: n8 (private)."""
    publish(office, make_letter, 1, "c1", cst(2026, 11, 25, 10, 0))
    publish(office, make_letter, 2, "c2", cst(2026, 11, 30, 23, 30), category="交通运输")
    publish(office, make_letter, 3, "c3", cst(2026, 12, 1, 0, 30))
    publish(office, make_letter, 5, "c5", cst(2026, 12, 2, 9, 0), category="交通运输")
    publish(office, make_letter, 4, "c4", cst(2026, 12, 2, 9, 0))
    publish(office, make_letter, 6, "s6", cst(2026, 11, 26, 9, 0), kind=LetterType.suggestion)
    publish(office, make_letter, 7, "h7", cst(2026, 12, 3, 9, 0), kind=LetterType.help,
            category=None)
    publish(office, make_letter, 8, "n8", cst(2026, 11, 27, 9, 0), public=False)


class TestBoards:
    LATEST = [
        (("type", "complaint", 3), ["c5", "c4", "c3"]),
        (("type", "complaint", 10), ["c5", "c4", "c3", "c2", "c1"]),
        (("type", "suggestion", 10), ["s6"]),
        (("type", "help", 10), ["h7"]),
        (("type", "report", 10), []),
        (("type", "complaint", 0), []),
        (("category", "城乡建设", 10), ["c4", "c3", "s6", "c1"]),
        (("category", "交通运输", 1), ["c5"]),
        (("category", "教育文体", 10), []),
    ]

    def test_latest_of_a_type_or_category_newest_first(self, store, boards):
        got = [(args, ids(store.latest_in_facet(*args))) for args, _ in self.LATEST]
        assert got == self.LATEST

    def test_months_of_a_board_in_china_time_with_counts(self, store, boards):
        assert store.facet_months("type", "complaint") == [("2026-11", 2), ("2026-12", 3)]
        assert store.facet_months("type", "help") == [("2026-12", 1)]
        assert store.facet_months("category", "城乡建设") == [("2026-11", 2), ("2026-12", 2)]
        assert store.facet_months("category", "交通运输") == [("2026-11", 1), ("2026-12", 1)]
        assert store.facet_months("type", "report") == []
        assert store.facet_month_names("type", "complaint") == ["2026-11", "2026-12"]
        assert store.facet_month_names("category", "交通运输") == ["2026-11", "2026-12"]
        assert store.facet_month_names("type", "help") == ["2026-12"]
        assert store.facet_month_names("type", "report") == []

    MONTH_PAGES = [
        (("type", "complaint", "2026-11", 0, 10), ["c1", "c2"]),
        (("type", "complaint", "2026-12", 0, 2), ["c3", "c4"]),
        (("type", "complaint", "2026-12", 2, 2), ["c5"]),
        (("type", "complaint", "2026-12", 1, 1), ["c4"]),
        (("type", "complaint", "2026-12", 3, 5), []),
        (("type", "complaint", "2026-12", 1, -1), ["c4", "c5"]),
        (("category", "城乡建设", "2026-11", 0, 10), ["c1", "s6"]),
        (("category", "城乡建设", "2026-12", 0, 10), ["c3", "c4"]),
        (("category", "交通运输", "2026-12", 0, 0), []),
        (("type", "complaint", "2027-01", 0, 10), []),
    ]

    def test_a_month_of_a_board_in_archive_order(self, store, boards):
        got = [(args, ids(store.published_in_facet_month(*args)))
               for args, _ in self.MONTH_PAGES]
        assert got == self.MONTH_PAGES

    def test_position_within_the_boards_month(self, store, boards):
        letters = {lid: store.get_letter(lid)
                   for lid in ("c1", "c2", "c3", "c4", "c5", "s6", "h7", "n8")}
        by_type = {lid: store.facet_position("type", l) for lid, l in letters.items()}
        by_category = {lid: store.facet_position("category", l) for lid, l in letters.items()}
        assert by_type == {"c1": 0, "c2": 1, "c3": 0, "c4": 1, "c5": 2, "s6": 0, "h7": 0,
                           "n8": 0}
        assert by_category == {"c1": 0, "c2": 0, "c3": 0, "c4": 1, "c5": 0, "s6": 1,
                               "h7": 0, "n8": 0}

    def test_a_reapproval_with_another_category_moves_the_letter(self, store, office, boards):
        reapprove(office, "c1", cst(2026, 12, 10, 9, 0), category="交通运输")
        assert ids(store.published_in_facet_month("category", "城乡建设", "2026-11", 0, 10)) \
            == ["s6"]
        # it keeps its place in time: first published in November
        assert ids(store.published_in_facet_month("category", "交通运输", "2026-11", 0, 10)) \
            == ["c1", "c2"]
        assert store.facet_position("category", store.get_letter("c2")) == 1
        assert ids(store.latest_in_facet("category", "城乡建设", 10)) == ["c4", "c3", "s6"]
        (*_, change) = store.pending_changes(1000)
        assert change.categories == ["交通运输", "城乡建设"]
        assert change.types == ["complaint"]

    def test_a_withdrawal_takes_the_letter_off_its_boards(self, store, office, boards):
        reapprove(office, "c4", cst(2026, 12, 10, 9, 0), category=None, publish=False)
        assert ids(store.published_in_facet_month("type", "complaint", "2026-12", 0, 10)) \
            == ["c3", "c5"]
        assert store.facet_months("category", "城乡建设") == [("2026-11", 2), ("2026-12", 1)]
        (*_, change) = store.pending_changes(1000)
        assert (change.types, change.categories, change.withdrawn) == (
            ["complaint"], ["城乡建设"], ["c4"])

    def test_a_type_change_moves_the_letter_to_the_other_type(self, store, office, boards):
        office.act("c2", lambda l: setattr(l, "type", LetterType.report))
        assert ids(store.latest_in_facet("type", "report", 10)) == ["c2"]
        assert ids(store.published_in_facet_month("type", "complaint", "2026-11", 0, 10)) \
            == ["c1"]
        (*_, change) = store.pending_changes(1000)
        assert change.types == ["complaint", "report"]
        assert change.categories == ["交通运输"]

    def test_a_vote_names_no_board(self, store, boards):
        store.mark_changes_done([c.id for c in store.pending_changes(1000)])
        with store.unit_of_work() as uow:
            uow.add_vote("c1", "voter-a")
            uow.commit()
        (change,) = store.pending_changes()
        assert (change.types, change.categories) == ([], [])

    def test_a_publication_names_its_boards(self, store, boards):
        changes = store.pending_changes(1000)
        h7 = next(c for c in changes if c.published == ["h7"])
        assert (h7.types, h7.categories) == (["help"], [])
        submitted = changes[-1]        # n8: private, published nowhere
        assert submitted.letters == ["n8"]
        assert (submitted.types, submitted.categories) == ([], [])


class TestChangeRecords:
    def test_a_record_from_before_the_boards_reads_as_not_recorded(self):
        old = {"id": "c", "at": "2026-11-23T09:00:00+08:00", "letters": ["l1"],
               "departments": [], "months": [], "periods": [], "public": True}
        change = Change.from_dict(old)
        assert (change.types, change.categories) == (None, None)
        again = Change.from_dict(change.to_dict())
        assert again == change

    def test_boards_survive_the_round_trip(self):
        change = Change(id="c", at=cst(2026, 11, 23, 9, 0), types=["help"],
                        categories=["城乡建设"])
        assert Change.from_dict(change.to_dict()) == change


def test_an_older_sqlite_file_gets_its_boards_from_the_letters(make_letter, tmp_path, clock,
                                                               cal):
    import sqlite3

    from chalicelib.adapters.sqlite import SqliteStore
    path = tmp_path / "old.sqlite3"
    store = SqliteStore(path, clock=clock)
    desk = Office(store, cal)
    publish(desk, make_letter, 1, "c1", cst(2026, 11, 25, 10, 0))
    publish(desk, make_letter, 2, "h2", cst(2026, 11, 26, 10, 0), kind=LetterType.help,
            category=None)
    store.close()
    raw = sqlite3.connect(path)
    raw.executescript(
        "DROP INDEX letters_pub_type; DROP INDEX letters_pub_type_month;"
        " DROP INDEX letters_pub_category; DROP INDEX letters_pub_category_month;"
        " ALTER TABLE letters DROP COLUMN pub_type; ALTER TABLE letters DROP COLUMN pub_category;")
    raw.close()

    reopened = SqliteStore(path, clock=clock)
    assert ids(reopened.latest_in_facet("type", "complaint", 10)) == ["c1"]
    assert ids(reopened.latest_in_facet("type", "help", 10)) == ["h2"]
    assert reopened.facet_months("category", "城乡建设") == [("2026-11", 1)]
    assert ids(reopened.published_in_facet_month("type", "help", "2026-11", 0, 10)) == ["h2"]


def test_dynamodb_writes_board_entries_only_when_the_boards_change(dynamo, cal, make_letter):
    dynamo_desk = Office(dynamo, cal)
    publish(dynamo_desk, make_letter, 1, "c1", cst(2026, 11, 25, 10, 0))

    def entries() -> dict[str, str]:
        items = dynamo.client.query(
            TableName=dynamo.table_name, KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": "LETTER#c1"}})["Items"]
        return {i["sk"]["S"]: i["facet"]["S"] for i in items
                if i["sk"]["S"].startswith("FACET#")}

    assert entries() == {"FACET#type": "type#complaint", "FACET#category": "category#城乡建设"}
    with dynamo.unit_of_work() as uow:
        uow.add_vote("c1", "voter-a")
        letter = uow.get_letter("c1")
        letter.votes_up += 1
        uow.save_letter(letter)
        plan = uow.tracked.plan(cst(2026, 11, 26, 9, 0))
    from chalicelib.adapters.dynamodb_items import transact_items
    items, _, keys = transact_items(dynamo.table_name, plan, cst(2026, 11, 26, 9, 0))
    assert not [k for k in keys if k[1].startswith("FACET#")]
    reapprove(dynamo_desk, "c1", cst(2026, 12, 10, 9, 0), category=None)
    assert entries() == {"FACET#type": "type#complaint"}


def test_a_dynamodb_table_from_before_the_boards_gets_its_entries_by_backfill(
        dynamo, cal, make_letter):
    dynamo_desk = Office(dynamo, cal)
    publish(dynamo_desk, make_letter, 1, "c1", cst(2026, 11, 25, 10, 0))
    publish(dynamo_desk, make_letter, 2, "h2", cst(2026, 11, 26, 10, 0), kind=LetterType.help,
            category=None)
    for lid, facet in (("c1", "type"), ("c1", "category"), ("h2", "type")):
        dynamo.client.delete_item(TableName=dynamo.table_name,
                                  Key={"pk": {"S": f"LETTER#{lid}"}, "sk": {"S": f"FACET#{facet}"}})
    assert dynamo.latest_in_facet("type", "complaint", 10) == []

    assert dynamo.backfill_board_entries() == 3
    assert ids(dynamo.latest_in_facet("type", "complaint", 10)) == ["c1"]
    assert dynamo.facet_months("category", "城乡建设") == [("2026-11", 1)]
    assert ids(dynamo.published_in_facet_month("type", "help", "2026-11", 0, 10)) == ["h2"]
    assert dynamo.backfill_board_entries() == 3        # again: the same items
    assert dynamo.facet_months("type", "help") == [("2026-11", 1)]
