"""The staff inbox, paged and searched (`Store.inbox_page`), on both adapters; and how much one
page reads on a large store (issue 11, item 5: no full scan per request)."""
from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from chalicelib.adapters.codec import search_chars
from chalicelib.adapters.sqlite import SqliteStore
from chalicelib.domain.letters import Letter, LetterType
from fakes import cst

H = timedelta(hours=1)


def ids(page) -> list[str]:
    return [letter.id for letter in page.letters]


def _letter(n: int, at, *, subject: str, body: str, phone: str | None) -> Letter:
    letter = Letter(id=f"m{n:05d}", tracking_code=f"WZ{n:08d}", secret_hash="5e" * 32,
                    type=LetterType.complaint, subject=subject, body=body, public=True,
                    submitted_at=at, name="王小明", phone=phone, email=None,
                    requested_department="housing", source="web")
    letter.record_submission(at)
    return letter


SUBJECTS = [
    ("小区门口道路破损", "雨天积水严重，请尽快修复。", "13812345678"),
    ("夜间施工噪音扰民", "工地每晚十一点后仍在施工。", "13900001111"),
    ("公交站牌缺失", "Bus stop sign missing at the north gate.", None),
    ("物业收费不透明", "物业费上涨却没有公示明细。", "13812345678"),
    ("噪音：广场舞", "广场舞音响声音太大。", "021-5555-0000"),
    ("路灯不亮", "小区东门路灯坏了一个月。", None),
]


@pytest.fixture
def six(store, desk, t0):
    """m00001..m00006, one hour apart (m00006 newest); odd ones go to housing, even to
    transport; m00005 is signed."""
    for n, (subject, body, phone) in enumerate(SUBJECTS, start=1):
        desk.add(_letter(n, t0 + n * H, subject=subject, body=body, phone=phone))
        desk.dispatch(f"m{n:05d}", "housing" if n % 2 else "transport", t0 + 10 * H)
    desk.sign("m00005", t0 + 11 * H)


class TestInboxPage:
    def test_newest_first_paged_with_the_total(self, store, six):
        first = store.inbox_page(limit=4)
        second = store.inbox_page(offset=4, limit=4)
        assert ids(first) == ["m00006", "m00005", "m00004", "m00003"]
        assert ids(second) == ["m00002", "m00001"]
        assert (first.total, second.total) == (6, 6)
        assert first.complete and second.complete
        assert ids(store.inbox_page(offset=6, limit=4)) == []

    def test_filters_by_department_and_status(self, store, six):
        housing = store.inbox_page(department="housing", limit=2)
        assert (ids(housing), housing.total) == (["m00005", "m00003"], 3)
        dispatched = store.inbox_page(department="housing", status="dispatched", limit=10)
        assert (ids(dispatched), dispatched.total) == (["m00003", "m00001"], 2)
        signed = store.inbox_page(status="signed", limit=10)
        assert (ids(signed), signed.total) == (["m00005"], 1)

    @pytest.mark.parametrize("q, expected", [
        ("噪音", ["m00005", "m00002"]),                 # subject words (Chinese, no spaces)
        ("十一点", ["m00002"]),                          # body words
        ("bus stop", ["m00003"]),                       # English, any case, spaces ignored
        ("138-1234-5678", ["m00004", "m00001"]),        # a phone written with dashes
        ("5555", ["m00005"]),                           # part of a phone
        ("wz00000003", ["m00003"]),                     # a tracking code, any case
        ("路灯", ["m00006"]),
        ("无此内容", []),
    ])
    def test_search_by_code_phone_subject_and_body(self, store, six, q, expected):
        page = store.inbox_page(q=search_chars(q), limit=10)
        assert (ids(page), page.total) == (expected, len(expected))

    def test_a_search_stays_within_the_department(self, store, six):
        page = store.inbox_page(q=search_chars("噪音"), department="transport", limit=10)
        assert (ids(page), page.total) == (["m00002"], 1)
        page = store.inbox_page(q=search_chars("13812345678"), department="transport", limit=10)
        assert (ids(page), page.total) == (["m00004"], 1)
        page = store.inbox_page(q=search_chars("WZ00000003"), department="transport", limit=10)
        assert (ids(page), page.total) == ([], 0)

    def test_search_results_are_paged(self, store, six):
        q = search_chars("小区")
        first = store.inbox_page(q=q, limit=1)
        second = store.inbox_page(q=q, offset=1, limit=1)
        assert (ids(first), ids(second), first.total) == (["m00006"], ["m00001"], 2)

    def test_listed_letters_are_whole(self, store, six):
        (letter,) = store.inbox_page(status="signed").letters
        assert letter == store.get_letter("m00005")


class TestSubmittedBetween:
    """Every letter by submission time (the open data files, one a month), from the inbox
    index: oldest first, then by id; `before` excluded."""

    def test_letters_of_a_window_oldest_first(self, store, six, t0):
        got = store.submitted_between(t0 + 2 * H, t0 + 5 * H)
        assert [x.id for x in got] == ["m00002", "m00003", "m00004"]
        assert got[0] == store.get_letter("m00002")        # whole, with their history
        assert store.count_submitted(t0 + 2 * H, t0 + 5 * H) == 3
        assert store.submitted_between(t0 + 7 * H, t0 + 9 * H) == []
        assert store.count_submitted(t0, t0 + H) == 0

    def test_the_open_data_rows_kept_beside_the_letters_follow_every_commit(
            self, store, six, t0, desk):
        from chalicelib.domain.open_data import stored_row
        window = (t0, t0 + 7 * H)
        letters = store.submitted_between(*window)
        assert len(letters) == 6 and store.open_rows(*window) == [stored_row(x) for x in letters]
        assert store.open_rows(t0 + 7 * H, t0 + 9 * H) == []
        # a change to one letter changes its row, in the same commit
        assert store.open_rows(*window)[0]["signed_at"] is None
        desk.sign("m00001", t0 + 12 * H)
        row = store.open_rows(*window)[0]                    # m00001, the oldest
        assert row == stored_row(store.get_letter("m00001")) and row["signed_at"] is not None
        # across a month boundary (DynamoDB keeps a month's rows in one partition)
        assert store.open_rows(t0 - 40 * 24 * H, t0 + 40 * 24 * H) == store.open_rows(*window)

    def test_the_open_data_rows_stream_in_batches_as_the_list_gives_them(
            self, store, six, t0, monkeypatch):
        from chalicelib.adapters import sqlite
        monkeypatch.setattr(sqlite, "OPEN_ROWS_BATCH", 4)          # 6 rows: two batches
        window = (t0, t0 + 7 * H)
        stream = store.iter_open_rows(*window)
        assert not isinstance(stream, list)                        # an iterator, read lazily
        assert list(stream) == store.open_rows(*window)
        assert list(store.iter_open_rows(t0 + 7 * H, t0 + 9 * H)) == []
        wide = (t0 - 40 * 24 * H, t0 + 40 * 24 * H)
        assert list(store.iter_open_rows(*wide)) == store.open_rows(*window)

    def test_the_span_of_submissions(self, store, six, t0):
        first, last = store.submission_span()
        assert (first, last) == (t0 + H, t0 + 6 * H)

    def test_no_letters_no_span(self, store):
        assert store.submission_span() is None


# --- how much one page reads ------------------------------------------------------------------

BIG = 20_000


@pytest.fixture(scope="module")
def big_sqlite(tmp_path_factory):
    """A SQLite store with 20,000 letters over four departments (one unit of work, for speed);
    letter 7,777 alone mentions 井盖."""
    path = tmp_path_factory.mktemp("big") / "big.sqlite3"
    store = SqliteStore(path)
    t0 = cst(2026, 1, 5, 9, 0)
    with store.unit_of_work() as uow:
        for n in range(1, BIG + 1):
            letter = _letter(n, t0 + n * timedelta(minutes=7),
                             subject="井盖丢失" if n == 7777 else f"道路破损 {n}",
                             body="小区门口道路破损严重，请尽快修复。", phone=f"139{n:08d}")
            letter.department = ("housing", "transport", "water", "health")[n % 4]
            uow.add_letter(letter)
        uow.commit()
    yield store
    store.close()


class Reads:
    """Counts the letter rows SQLite hands back and the virtual-machine steps it takes."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.steps = 0

    def __enter__(self) -> Reads:
        self.conn.set_progress_handler(self._step, 100)
        return self

    def _step(self) -> int:
        self.steps += 100
        return 0

    def __exit__(self, *exc) -> None:
        self.conn.set_progress_handler(None, 0)


def _plans(store: SqliteStore, **query) -> list[str]:
    """The query plans of the statements `inbox_page(**query)` runs."""
    conn = store._conn()
    statements: list[tuple[str, tuple]] = []
    original = conn.execute

    class Spy:
        def execute(self, sql, args=()):
            statements.append((sql, tuple(args)))
            return original(sql, args)

    store._conn = lambda: Spy()         # type: ignore[method-assign]
    try:
        store.inbox_page(**query)
    finally:
        del store._conn
    plans = []
    for sql, args in statements:
        if sql.lstrip().upper().startswith("SELECT") and "events" not in sql:
            plans.append(" | ".join(row[3] for row in original("EXPLAIN QUERY PLAN " + sql,
                                                                args)))
    return plans


class TestOnePageAtScale:
    @pytest.mark.parametrize("query", [
        {}, {"department": "water"}, {"status": "dispatched"},
        {"department": "water", "status": "submitted"}, {"q": search_chars("井盖")},
        {"q": search_chars("13900007777"), "department": "transport"},
    ])
    def test_sqlite_walks_an_index_and_never_scans_or_sorts_the_letters(self, big_sqlite,
                                                                       query):
        count, page = _plans(big_sqlite, limit=50, **query)
        for step in (count + " | " + page).split(" | "):
            # letters are found through an index (the count reads only index keys), never by
            # reading every letter row
            if step.startswith(("SCAN l ", "SCAN letters")):
                assert "USING COVERING INDEX" in step or (
                    step.startswith("SCAN l USING INDEX") and step in page), (count, page)
        if "q" in query:     # the full-text index first, then each match by rowid
            assert page.startswith("SCAN s VIRTUAL TABLE") and "USING INTEGER PRIMARY KEY" in page
        else:                # an index in list order: the walk stops after the page, no sort
            assert "TEMP B-TREE" not in page, page

    def test_a_page_at_20000_costs_what_a_page_at_200_costs(self, big_sqlite, tmp_path):
        small = SqliteStore(tmp_path / "small.sqlite3")
        t0 = cst(2026, 1, 5, 9, 0)
        with small.unit_of_work() as uow:
            for n in range(1, 201):
                uow.add_letter(_letter(n, t0 + n * H, subject=f"道路破损 {n}", body="x",
                                       phone=None))
            uow.commit()

        def cost(store, **query):
            with Reads(store._conn()) as reads:
                page = store.inbox_page(limit=50, offset=50, **query)
            assert len(page.letters) == 50
            return reads.steps, page.total

        (big, big_total), (little, little_total) = cost(big_sqlite), cost(small)
        assert (big_total, little_total) == (BIG, 200)
        # the page reads 100 index entries and 50 letters either way; only the count (index
        # keys, no letter row) grows with the store
        assert big < little * 40, (big, little)

    def test_a_search_reads_only_its_matches(self, big_sqlite):
        with Reads(big_sqlite._conn()) as reads:
            page = big_sqlite.inbox_page(q=search_chars("井盖"), limit=50)
        assert (ids(page), page.total) == (["m07777"], 1)
        with Reads(big_sqlite._conn()) as whole:
            list(big_sqlite._conn().execute("SELECT doc FROM letters WHERE doc LIKE '%井盖%'"))
        assert reads.steps * 20 < whole.steps, (reads.steps, whole.steps)


class CountingClient:
    """A boto3 client that counts the items each Query and BatchGetItem hands back."""

    def __init__(self, client) -> None:
        self.client = client
        self.items = 0
        self.calls: list[str] = []

    def __getattr__(self, name):
        method = getattr(self.client, name)
        if name not in ("query", "batch_get_item", "scan"):
            return method

        def counted(**kwargs):
            answer = method(**kwargs)
            self.calls.append(name)
            if name == "batch_get_item":
                self.items += sum(len(v) for v in answer.get("Responses", {}).values())
            else:
                self.items += len(answer.get("Items", []))
            return answer
        return counted


DYNAMO_BIG = 300      # moto is slow at transactions: 20,000 letters would take an hour


def test_dynamodb_reads_one_page_of_the_index_and_the_pages_letters(dynamo, dynamo_desk, t0):
    dynamo.page_size = 1000
    t = t0
    for n in range(1, DYNAMO_BIG + 1):
        t += timedelta(minutes=3)
        dynamo_desk.add(_letter(n, t, subject="井盖丢失" if n == 77 else f"道路 {n}", body="修路",
                         phone=None))
    counting = CountingClient(dynamo.client)
    dynamo._client = counting
    page = dynamo.inbox_page(offset=20, limit=20)
    assert page.total == DYNAMO_BIG
    assert [x.id for x in page.letters] == [f"m{n:05d}" for n in range(280, 260, -1)]
    # 41 index keys, then each of the 20 letters: its item and its one history event
    assert counting.items <= 41 + 20 * 2, counting.items
    assert "scan" not in counting.calls

    counting.items = 0
    dynamo.search_window = 200
    found = dynamo.inbox_page(q=search_chars("井盖"), limit=20)
    # the newest 200 letters were looked at (index keys and letter items); m00077 is older
    assert (found.complete, found.searched, found.total) == (False, 200, 0)
    assert counting.items <= 201 + 200, counting.items
    # a tracking code is found however old (one GetItem)
    assert ids(dynamo.inbox_page(q=search_chars("WZ00000077"))) == ["m00077"]
    dynamo.search_window = 1000
    found = dynamo.inbox_page(q=search_chars("井盖"), limit=20)
    assert (ids(found), found.total, found.complete) == (["m00077"], 1, True)


def test_an_older_sqlite_file_gets_its_search_table_from_its_letters(tmp_path):
    path = tmp_path / "old.sqlite3"
    store = SqliteStore(path)
    t0 = cst(2026, 11, 23, 9, 0)
    with store.unit_of_work() as uow:
        for n, (subject, body, phone) in enumerate(SUBJECTS, start=1):
            uow.add_letter(_letter(n, t0 + n * H, subject=subject, body=body, phone=phone))
        uow.commit()
    conn = store._conn()
    conn.execute("DROP TABLE letter_search")          # a file from before the search existed
    store.close()
    reopened = SqliteStore(path)
    page = reopened.inbox_page(q=search_chars("噪音"))
    assert (ids(page), page.total) == (["m00005", "m00002"], 2)
    reopened.close()


def test_an_older_sqlite_file_gets_its_open_data_rows_from_the_letters(tmp_path, clock, cal,
                                                                      t0):
    from chalicelib.domain.letters import Limits
    from chalicelib.domain.open_data import stored_row
    path = tmp_path / "old.sqlite3"
    store = SqliteStore(path, clock=clock)
    with store.unit_of_work() as uow:
        for n in (1, 2):
            letter = _letter(n, t0 + n * H, subject="路灯不亮", body="请修路灯。", phone=None)
            if n == 2:
                letter.dispatch("housing", "office-1", t0 + 3 * H, cal, Limits())
            uow.add_letter(letter)
        uow.commit()
    store.close()
    raw = sqlite3.connect(path)
    raw.execute("ALTER TABLE letters DROP COLUMN open_row")
    raw.close()
    reopened = SqliteStore(path, clock=clock)
    window = (t0, t0 + 3 * H)
    rows = reopened.open_rows(*window)
    assert rows == [stored_row(x) for x in reopened.submitted_between(*window)]
    assert len(rows) == 2 and rows[1]["department"] == "housing"
