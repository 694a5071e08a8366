"""The production store: one DynamoDB table (single-table design, see `dynamodb_table.py`).

It provides the primitives of `store.py` (which holds the public methods written once for every
adapter) and the queries DynamoDB answers its own way (the inbox, the archive's months and a
type's or category's, late work, consultations' lists, the outbox, notifications). The items it
writes and the transaction a commit plan becomes are in `dynamodb_items.py`. Over 500 lines:
the read side of one table, kept together so each query sits beside the index it reads.

A unit of work reads with strongly consistent reads and writes its whole commit plan in one
`TransactWriteItems` call: the letter guarded by its version (a new letter by
`attribute_not_exists`, together with its unique tracking-code item), its new history events, the
running statistics (`ADD`), idempotent answers, votes, the notifications the change causes and the
outbox change record, whose stream INSERT drives the publisher. A failed condition cancels the
whole transaction and becomes `ConcurrentUpdate`; any other AWS failure becomes
`DynamoStoreError`. No `ClientError` leaves this module. It mirrors `sqlite.py`, the reference
adapter: same results, same order (the contract suite runs against both, and the in-memory store
of the tests).

Consultations (see `dynamodb_table.py`) join the same transaction: topics and comments guarded
by their version, responses put once, the tally item updated with `ADD`, and each abuse-limit
quota with `ADD` under `used < limit`; that condition failing becomes `TooManyRequests`.
"""
from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..domain.consultations import Comment, Response
from ..domain.errors import ConcurrentUpdate, StoreError
from ..domain.letters import Letter
from ..domain.notifications import Notification
from ..domain.oversight import listing_key
from ..domain.statistics import COUNTERS, month_of
from ..services.ports import Change, InboxPage, StoredAnswer
from . import dynamodb_table as T
from . import leader_index
from .access_records import DynamoAccess
from .codec import (
    CATEGORY,
    TYPE,
    CommitPlan,
    at_or_before,
    contact_keys,
    facet_entries,
    from_time_key,
    letter_from_doc,
    search_matches,
    split_facet_month_key,
    time_key,
)
from .dynamodb_items import (
    ACCOUNT_KIND,
    ACCOUNT_SK,
    ANSWER_SK,
    CHANGE_SK,
    CODE_SK,
    COMMENT_SK,
    CONTACT,
    CONTACT_SK,
    FACET_SK,
    LATE,
    LETTER_KIND,
    LETTER_SK,
    LISTED,
    LOST_RACE,
    MAX_TRANSACTION_ITEMS,
    NOTIFY,
    NOTIFY_KIND,
    NOTIFY_SK,
    PENDING,
    PUB,
    QUOTA_FIELD,
    QUOTA_SK,
    REFUSAL_PREFIX,
    REFUSALS_PK,
    SEARCH_KIND,
    SEARCH_SK,
    STATS_KIND,
    TALLY_PREFIX,
    TALLY_SK,
    TOPIC_KIND,
    TOPIC_SK,
    VOTE_SK,
    WEEK_KIND,
    WEEK_SK,
    epoch_seconds,
    facet_value,
    item_key,
    json_attr,
    letter_id_of,
    notification_item,
    number_attr,
    string_attr,
    transact_items,
)
from .store import (
    ACCOUNT,
    ARCHIVE,
    ARCHIVE_CATEGORY,
    ARCHIVE_CATEGORY_MONTH,
    ARCHIVE_DEPARTMENT,
    ARCHIVE_MONTH,
    ARCHIVE_TYPE,
    ARCHIVE_TYPE_MONTH,
    COMMENT,
    SEARCH,
    STATUS,
    TOPIC,
    WEEK,
    BaseStore,
    too_many,
)


class DynamoStoreError(StoreError):
    """DynamoDB failed for a reason other than a lost race (throttling, validation, network)."""


class TransactionTooLarge(DynamoStoreError):
    """A commit plan needs more than the 100 items one DynamoDB transaction may hold."""


PAGE = 1000                          # items per Query page (each page also stops at 1 MB)
SEARCH_WINDOW = 1000     # an inbox word search looks at this many of the newest letters listed

# the ordered indexes of `store.BaseStore._range`: index, partition attribute (and the
# partition's value when it is fixed), sort attribute
_RANGES: dict[str, tuple[str, str, str | None, str]] = {
    ARCHIVE: (T.PUBLISHED, "gpub", PUB, "pub_key"),
    ARCHIVE_MONTH: (T.PUBLISHED_BY_MONTH, "pub_month", None, "pub_key"),
    ARCHIVE_DEPARTMENT: (T.PUBLISHED_BY_DEPARTMENT, "department", None, "pub_key"),
    STATUS: (T.BY_STATUS, "status", None, "submitted_at"),
}
# the boards' indexes of `_range`, all in the one `facet-fkey` index: index -> (facet, whether
# the key names one month, `codec.facet_month_key`)
_FACET_RANGES: dict[str, tuple[str, bool]] = {
    ARCHIVE_TYPE: (TYPE, False), ARCHIVE_TYPE_MONTH: (TYPE, True),
    ARCHIVE_CATEGORY: (CATEGORY, False), ARCHIVE_CATEGORY_MONTH: (CATEGORY, True),
}
# above every `fkey` of a month (`{month}#` + a pub_key, which begins with a digit)
_MONTH_END = "~"


def _fkey_after(pub_key: str) -> str:
    """The `fkey` of a pub_key (`{month}#{pub_key}`, the month of its UTC time in China)."""
    at = datetime.strptime(pub_key.split("#", 1)[0], "%Y%m%dT%H%M%S.%f").replace(tzinfo=UTC)
    return f"{month_of(at)}#{pub_key}"


# the documents of `_doc`/`_docs`/`_put_doc`: key prefix, sort key, `kind` (listed by kind)
_DOCS: dict[str, tuple[str, str, str | None]] = {
    ACCOUNT: ("ACCOUNT#", ACCOUNT_SK, ACCOUNT_KIND), TOPIC: ("TOPIC#", TOPIC_SK, TOPIC_KIND),
    COMMENT: ("COMMENT#", COMMENT_SK, None), SEARCH: ("SEARCH#", SEARCH_SK, SEARCH_KIND),
    WEEK: ("WEEK#", WEEK_SK, WEEK_KIND)}


_READS = frozenset({"query", "get_item", "batch_get_item"})


class DynamoStore(DynamoAccess, BaseStore):
    """The store port over one DynamoDB table; the boto3 client is created on first use."""

    def __init__(self, table_name: str, client: Any = None,
                 clock: Callable[[], datetime] | None = None, max_workers: int = 8,
                 page_size: int = PAGE, search_window: int = SEARCH_WINDOW) -> None:
        self.table_name = table_name
        self.search_window = search_window
        self.page_size = page_size      # Query Limit; tests set it small to page everywhere
        super().__init__(clock)
        self.max_workers = max_workers
        self._client = client
        self._client_lock = threading.Lock()

    @property
    def client(self) -> Any:
        if self._client is None:
            with self._client_lock:
                if self._client is None:
                    import boto3
                    from botocore.config import Config
                    self._client = boto3.client(
                        "dynamodb", config=Config(retries={"mode": "standard", "max_attempts": 5}))
        return self._client

    def create_table(self) -> None:
        """Create the table (with its stream, TTL and PITR) for tests and local runs."""
        try:
            T.create_table(self.client, self.table_name)
        except (ClientError, BotoCoreError) as exc:
            raise DynamoStoreError(f"cannot create table {self.table_name}: {exc}") from exc

    def close(self) -> None:
        """Nothing to close (the client holds a pool); here so both stores look alike."""

    # --- low level -------------------------------------------------------------------------

    def _call(self, operation: str, **kwargs: Any) -> dict:
        if operation in _READS:
            kwargs.setdefault("ReturnConsumedCapacity", "TOTAL")
        try:
            answer = getattr(self.client, operation)(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise DynamoStoreError(f"DynamoDB {operation} failed: {exc}") from exc
        if operation in _READS:
            self._count_reads(answer.get("ConsumedCapacity"))
        return answer

    # read capacity units consumed by this store's reads since it was made (or reset): what a
    # full build reports (`wenzheng build --store dynamodb`); a lock, as reads run in threads
    read_units: float = 0.0
    read_requests: int = 0

    def _count_reads(self, consumed: Any) -> None:
        items = consumed if isinstance(consumed, list) else [consumed] if consumed else []
        units = sum(float(c.get("CapacityUnits", 0) or 0) for c in items)
        with self._client_lock:
            self.read_units += units
            self.read_requests += 1

    def _pages(self, operation: str, **kwargs: Any) -> Iterator[dict]:
        """Every page of a Query or Scan, following LastEvaluatedKey."""
        kwargs.setdefault("TableName", self.table_name)
        kwargs.setdefault("Limit", self.page_size)
        while True:
            page = self._call(operation, **kwargs)
            yield page
            last = page.get("LastEvaluatedKey")
            if not last:
                return
            kwargs["ExclusiveStartKey"] = last

    def _items(self, operation: str, **kwargs: Any) -> Iterator[dict]:
        for page in self._pages(operation, **kwargs):
            yield from page.get("Items", [])

    def _query(self, index: str, hash_name: str, hash_value: str, *,
               range_name: str | None = None, range_op: str | None = None,
               range_value: str | None = None, filter_status: str | None = None
               ) -> dict[str, Any]:
        """The arguments of a Query of one index partition: the key condition (the sort key
        compared with `range_op`, or `begins_with`) and an optional filter on `status`."""
        names = {"#h": hash_name}
        values = {":h": string_attr(hash_value)}
        cond = "#h = :h"
        if range_name and range_op and range_value is not None:
            names["#r"] = range_name
            values[":r"] = string_attr(range_value)
            cond += (" AND begins_with(#r, :r)" if range_op == "begins_with"
                     else f" AND #r {range_op} :r")
        kwargs: dict[str, Any] = dict(IndexName=index, KeyConditionExpression=cond,
                                      ExpressionAttributeNames=names,
                                      ExpressionAttributeValues=values)
        if filter_status:
            names["#st"] = "status"
            values[":st"] = string_attr(filter_status)
            kwargs["FilterExpression"] = "#st = :st"
        return kwargs

    def _index(self, index: str, hash_name: str, hash_value: str, *, forward: bool = True,
               range_name: str | None = None, range_op: str | None = None,
               range_value: str | None = None, page_size: int | None = None,
               filter_status: str | None = None) -> Iterator[dict]:
        """Items of one index partition in sort-key order, page after page."""
        return self._items("query", **self._query(
            index, hash_name, hash_value, range_name=range_name, range_op=range_op,
            range_value=range_value, filter_status=filter_status), ScanIndexForward=forward,
            Limit=max(1, min(page_size or self.page_size, self.page_size)))

    def _count_items(self, index: str, hash_name: str, hash_value: str, *,
                     range_name: str | None = None, range_op: str | None = None,
                     range_value: str | None = None, filter_status: str | None = None) -> int:
        """How many items one index partition holds: a Select=COUNT Query, which returns no
        items and reads only index keys."""
        return sum(int(page.get("Count", 0)) for page in self._pages(
            "query", Select="COUNT", **self._query(
                index, hash_name, hash_value, range_name=range_name, range_op=range_op,
                range_value=range_value, filter_status=filter_status)))

    def _get(self, pk: str, sk: str) -> dict | None:
        return self._call("get_item", TableName=self.table_name, Key=item_key(pk, sk),
                          ConsistentRead=True).get("Item")

    # --- what units of work read and write ----------------------------------------------

    def _load_letter(self, letter_id: str) -> Letter | None:
        return self._load(letter_id)

    def _load_letter_by_code(self, tracking_code: str) -> Letter | None:
        letter_id = self._letter_id_for_code(tracking_code)
        return self._load(letter_id) if letter_id else None

    def _has_vote(self, letter_id: str, voter: str) -> bool:
        return self._get(f"VOTE#{letter_id}#{voter}", VOTE_SK) is not None

    def _stored_answer(self, scope: str, key: str) -> StoredAnswer | None:
        item = self._get(f"ANSWER#{scope}#{key}", ANSWER_SK)
        if item is None:
            return None
        ttl = item.get(T.TTL_ATTRIBUTE)
        if ttl is not None and int(ttl["N"]) < epoch_seconds(self.clock()):
            return None     # expired; DynamoDB deletes it in its own time
        return StoredAnswer(int(item["http_status"]["N"]), json.loads(item["body"]["S"]),
                            item["request_hash"]["S"])

    def _load(self, letter_id: str) -> Letter | None:
        """The letter item and its events, from one partition (one strongly consistent Query).

        A Query is not isolated from a concurrent transaction, so it can see a commit's events
        without its letter item or the other way round; `last_seq` on the letter item tells
        which events belong to the version read, and a torn read is read again."""
        for _ in range(5):
            doc: dict | None = None
            last_seq = 0
            events: list[dict] = []
            for item in self._items("query", KeyConditionExpression="#pk = :pk",
                                    ExpressionAttributeNames={"#pk": T.PK},
                                    ExpressionAttributeValues={
                                        ":pk": string_attr(f"LETTER#{letter_id}")},
                                    ConsistentRead=True):
                sk = item[T.SK]["S"]
                if sk == LETTER_SK:
                    doc = json.loads(item["doc"]["S"])
                    last_seq = int(item["last_seq"]["N"])
                elif sk.startswith("EVENT#"):
                    events.append(json.loads(item["doc"]["S"]))
            if doc is None:
                return None
            events = [e for e in events if int(e["seq"]) <= last_seq]
            if len(events) == last_seq:
                return letter_from_doc(doc, events)
        raise DynamoStoreError(f"letter {letter_id}: history incomplete after repeated reads")

    def _load_many(self, ids: list[str]) -> list[Letter]:
        """Letters in the order of `ids` (missing ones left out), read in parallel."""
        if len(ids) <= 1 or self.max_workers <= 1:
            loaded = [self._load(i) for i in ids]
        else:
            _ = self.client   # create the client once, before the threads share it
            with ThreadPoolExecutor(max_workers=min(self.max_workers, len(ids))) as pool:
                loaded = list(pool.map(self._load, ids))
        return [letter for letter in loaded if letter is not None]

    def _letter_id_for_code(self, tracking_code: str) -> str | None:
        item = self._get(f"CODE#{tracking_code}", CODE_SK)
        return item["letter_id"]["S"] if item else None

    def _write(self, plan: CommitPlan, now: datetime) -> None:
        items, fields, keys = transact_items(self.table_name, plan, now)
        if not items:
            return
        if len(set(keys)) != len(keys):
            # the same answer or vote twice in one commit: a unique key violated, as in SQLite
            raise ConcurrentUpdate(field="id")
        if len(items) > MAX_TRANSACTION_ITEMS:
            raise TransactionTooLarge(
                f"one commit would write {len(items)} items; DynamoDB allows"
                f" {MAX_TRANSACTION_ITEMS} per transaction")
        try:
            self.client.transact_write_items(TransactItems=items,
                                             ClientRequestToken=uuid.uuid4().hex)
        except ClientError as exc:
            err = exc.response.get("Error", {})
            code = err.get("Code", "")
            if code == "TransactionCanceledException":
                reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
                lost = [i for i, r in enumerate(reasons) if r in LOST_RACE]
                if any(reasons[i] == "ConditionalCheckFailed" and i < len(fields)
                       and fields[i] == QUOTA_FIELD for i in lost):
                    raise too_many() from exc
                if lost or not reasons:
                    field = fields[lost[0]] if lost and lost[0] < len(fields) else "id"
                    raise ConcurrentUpdate(field=field) from exc
                raise DynamoStoreError(f"transaction cancelled: {reasons}") from exc
            if code in ("ConditionalCheckFailedException", "TransactionConflictException"):
                raise ConcurrentUpdate(field="version") from exc
            raise DynamoStoreError(f"DynamoDB transact_write_items failed: {exc}") from exc
        except BotoCoreError as exc:
            raise DynamoStoreError(f"DynamoDB transact_write_items failed: {exc}") from exc

    # --- documents and consultations -----------------------------------------------------

    def _doc(self, kind: str, key: str) -> dict | None:
        prefix, sk, _ = _DOCS[kind]
        item = self._get(prefix + key, sk)
        return json.loads(item["doc"]["S"]) if item else None

    def _docs(self, kind: str) -> list[dict]:
        prefix, _, item_kind = _DOCS[kind]
        assert item_kind is not None, kind
        keys = [item[T.PK]["S"].removeprefix(prefix)
                for item in self._index(T.BY_KIND, "kind", item_kind)]
        return [d for d in (self._doc(kind, k) for k in keys) if d is not None]

    def _put_doc(self, kind: str, key: str, doc: dict) -> None:
        prefix, sk, item_kind = _DOCS[kind]
        item = {**item_key(prefix + key, sk), "doc": json_attr(doc)}
        if item_kind:
            item["kind"] = string_attr(item_kind)
        self._call("put_item", TableName=self.table_name, Item=item)

    # (native: a topic's comments and responses by the tgroup index, its tallies in one item)

    def topic_comments(self, topic_id: str, status: str | None = None) -> list[Comment]:
        rows = self._index(T.TOPIC_ITEMS, "tgroup", f"C#{topic_id}", range_name="tkey",
                           range_op="begins_with" if status else None,
                           range_value=f"{status}#" if status else None)
        comments = [Comment.from_dict(json.loads(item["doc"]["S"])) for item in rows]
        # the index lags the table by a moment: keep only what still matches
        comments = [c for c in comments if status is None or c.status == status]
        return sorted(comments, key=lambda c: (time_key(c.created_at), c.id))

    def topic_responses(self, topic_id: str) -> list[Response]:
        return [Response.from_dict(json.loads(item["doc"]["S"]))
                for item in self._index(T.TOPIC_ITEMS, "tgroup", f"R#{topic_id}")]

    def topic_tallies(self, topic_id: str) -> dict[str, int]:
        item = self._get(f"TOPIC#{topic_id}", TALLY_SK) or {}
        return {name.removeprefix(TALLY_PREFIX): int(value["N"])
                for name, value in sorted(item.items())
                if name.startswith(TALLY_PREFIX) and int(value["N"])}

    def _quota_used(self, key: str) -> int:
        item = self._get(f"QUOTA#{key}", QUOTA_SK)
        if item is None or "used" not in item:
            return 0
        return int(item["used"]["N"])

    # --- letters -------------------------------------------------------------------------

    def _facet_partition(self, index: str, key: str | None) -> tuple[str, str | None]:
        """A board index's partition (`facet` attribute) and, for a month, its key prefix."""
        facet, monthly = _FACET_RANGES[index]
        if not monthly:
            return facet_value(facet, key or ""), None
        value, month = split_facet_month_key(key or "")
        return facet_value(facet, value), f"{month}#"

    def _range(self, index: str, key: str | None, *, after: str | None = None,
               reverse: bool = False, offset: int = 0, limit: int | None = None) -> list[Letter]:
        page_size = offset + limit if limit is not None else None
        if index in _FACET_RANGES:
            partition, prefix = self._facet_partition(index, key)
            if prefix is not None and after is not None:
                raise ValueError("a board month is read by offset, not after a key")
            rows = self._index(T.FACETS, "facet", partition, forward=not reverse,
                               range_name="fkey",
                               range_op="begins_with" if prefix else (">" if after else None),
                               range_value=prefix or (_fkey_after(after) if after else None),
                               page_size=page_size)
        else:
            name, hash_name, fixed, range_name = _RANGES[index]
            rows = self._index(name, hash_name, fixed or key or "", forward=not reverse,
                               range_name=range_name,
                               range_op=">" if after is not None else None,
                               range_value=after, page_size=page_size)
        ids: list[str] = []
        for i, item in enumerate(rows):
            if i < offset:
                continue
            ids.append(letter_id_of(item))
            if limit is not None and len(ids) >= limit:
                break
        return self._load_many(ids)

    def _count(self, index: str, key: str | None, *, below: str | None = None) -> int:
        if index in _FACET_RANGES:
            return self._count_facet(index, key, below)
        name, hash_name, fixed, range_name = _RANGES[index]
        return self._count_items(name, hash_name, fixed or key or "", range_name=range_name,
                                 range_op="<" if below is not None else None, range_value=below)

    def _count_facet(self, index: str, key: str | None, below: str | None) -> int:
        """Entries of a board (of one month), below a pub_key: a key condition has one range,
        so "below" within a month is BETWEEN the month's first key and `below`'s own key, less
        the entry with exactly that key (the letter asked about, when indexed)."""
        partition, prefix = self._facet_partition(index, key)
        if below is None or prefix is None:
            return self._count_items(
                T.FACETS, "facet", partition, range_name="fkey",
                range_op="begins_with" if prefix else ("<" if below else None),
                range_value=prefix or (_fkey_after(below) if below else None))
        low, high = prefix, prefix + below
        kwargs = self._query(T.FACETS, "facet", partition)
        kwargs["KeyConditionExpression"] += " AND #r BETWEEN :lo AND :hi"
        kwargs["ExpressionAttributeNames"]["#r"] = "fkey"
        kwargs["ExpressionAttributeValues"].update({":lo": string_attr(low),
                                                    ":hi": string_attr(high)})
        n = sum(int(page.get("Count", 0)) for page in self._pages("query", Select="COUNT",
                                                                     **kwargs))
        exact = self._count_items(T.FACETS, "facet", partition, range_name="fkey",
                                  range_op="=", range_value=high)
        return n - exact

    def facet_months(self, facet: str, value: str) -> list[tuple[str, int]]:
        partition = facet_value(facet, value)
        return [(month, self._count_items(T.FACETS, "facet", partition, range_name="fkey",
                                          range_op="begins_with", range_value=f"{month}#"))
                for month in self.facet_month_names(facet, value)]

    def facet_month_names(self, facet: str, value: str) -> list[str]:
        """Native: a board's months are runs of its `fkey`s (which begin with the month), so
        the first entry past the last month names the next one: one small query a month."""
        partition = facet_value(facet, value)
        out: list[str] = []
        after: str | None = None
        while True:
            first = next(iter(self._index(T.FACETS, "facet", partition, range_name="fkey",
                                          range_op=">" if after else None, range_value=after,
                                          page_size=1)), None)
            if first is None:
                return out
            month = first["fkey"]["S"].split("#", 1)[0]
            out.append(month)
            after = f"{month}#{_MONTH_END}"

    # (native: the staff lists by their indexes, and the inbox's bounded search)

    def list_letters(self, *, status: str | None = None, department: str | None = None,
                     limit: int = 200) -> list[Letter]:
        """Newest first (submitted_at descending, then id), like the SQLite store."""
        if limit == 0:
            return []
        size = limit + 1 if limit > 0 else None     # a negative limit means all, as in SQLite
        if department:
            rows = self._index(T.BY_DEPARTMENT, "department", department, forward=False,
                               page_size=size, filter_status=status or None)
        elif status:
            rows = self._index(T.BY_STATUS, "status", status, forward=False, page_size=size)
        else:
            rows = self._index(T.ALL_LETTERS, "kind", LETTER_KIND, forward=False, page_size=size)
        keys: list[tuple[str, str]] = []
        for item in rows:
            submitted = item["submitted_at"]["S"]
            # past the limit, keep reading only the letters tied with the last one kept
            if 0 < limit <= len(keys) and submitted != keys[limit - 1][0]:
                break
            keys.append((submitted, letter_id_of(item)))
        keys.sort(key=lambda k: k[1])
        keys.sort(key=lambda k: k[0], reverse=True)
        if limit > 0:
            keys = keys[:limit]
        letters = self._load_many([lid for _, lid in keys])
        # the indexes lag the table by a moment: keep only what still matches
        return [letter for letter in letters
                if (not status or letter.status == status)
                and (not department or letter.department == department)]

    def _inbox_rows(self, status: str | None, department: str | None,
                    page_size: int | None) -> Iterator[dict]:
        """The index entries of the inbox list, newest first (the index list_letters reads)."""
        if department:
            return self._index(T.BY_DEPARTMENT, "department", department, forward=False,
                               page_size=page_size, filter_status=status or None)
        if status:
            return self._index(T.BY_STATUS, "status", status, forward=False, page_size=page_size)
        return self._index(T.ALL_LETTERS, "kind", LETTER_KIND, forward=False, page_size=page_size)

    def _inbox_keys(self, rows: Iterator[dict], n: int) -> tuple[list[tuple[str, str]], bool]:
        """The first `n` entries as (submitted_at, id), newest first then id descending (entries
        tied with the n-th are read too, so ties sort as in SQLite), and whether the list ended."""
        keys: list[tuple[str, str]] = []
        for item in rows:
            submitted = item["submitted_at"]["S"]
            if len(keys) >= n and submitted != keys[n - 1][0]:
                break
            keys.append((submitted, letter_id_of(item)))
        else:
            return sorted(keys, reverse=True), True
        return sorted(keys, reverse=True), False

    def _count_inbox(self, status: str | None, department: str | None) -> int:
        """How many letters the inbox list holds: a Select=COUNT Query of its (keys-only) index,
        which returns no items and reads only index keys."""
        if department:
            return self._count_items(T.BY_DEPARTMENT, "department", department,
                                     filter_status=status or None)
        if status:
            return self._count_items(T.BY_STATUS, "status", status)
        return self._count_items(T.ALL_LETTERS, "kind", LETTER_KIND)

    def _contact_ids(self, key: str, limit: int) -> list[str]:
        """The contact index's entries ride the `facet-fkey` index (partition
        `contact#{key}`, sorted by submission time)."""
        ids: list[str] = []
        if limit > 0:
            for item in self._index(T.FACETS, "facet", facet_value(CONTACT, key),
                                    forward=False, page_size=limit):
                ids.append(letter_id_of(item))
                if len(ids) >= limit:
                    break
        return ids

    def _leader_ids(self, key: str, offset: int, limit: int) -> list[str]:
        """The leader index's entries ride the `facet-fkey` index (partition
        `leader#{key}`, `leader_index.entries`), read newest first."""
        ids: list[str] = []
        for i, item in enumerate(self._index(T.FACETS, "facet",
                                             facet_value(leader_index.FACET, key),
                                             forward=False, page_size=offset + limit)):
            if i < offset:
                continue
            ids.append(letter_id_of(item))
            if len(ids) >= limit:
                break
        return ids

    def _leader_count(self, key: str) -> int:
        return self._count_items(T.FACETS, "facet", facet_value(leader_index.FACET, key))

    def _recent_ids(self, since: datetime, limit: int) -> list[str]:
        ids: list[str] = []
        if limit > 0:
            for item in self._index(T.ALL_LETTERS, "kind", LETTER_KIND, forward=False,
                                    range_name="submitted_at", range_op=">=",
                                    range_value=time_key(since), page_size=limit):
                ids.append(letter_id_of(item))
                if len(ids) >= limit:
                    break
        return ids

    def backfill_contact_entries(self) -> int:
        """Write the contact index entry of every letter (`dynamodb_items.CONTACT_SK`), for a
        table from before the similar letters: commits write entries only when a letter's
        contact keys change, so earlier letters have none until this runs (once, after the
        deploy; running it again rewrites the same items). Returns how many it wrote."""
        n = 0
        for letter in self.iter_letters():
            for contact in contact_keys(letter):
                self._call("put_item", TableName=self.table_name, Item={
                    **item_key(f"LETTER#{letter.id}", CONTACT_SK + contact),
                    "facet": string_attr(facet_value(CONTACT, contact)),
                    "fkey": string_attr(f"{time_key(letter.submitted_at)}#{letter.id}")})
                n += 1
        return n

    def _letter_docs(self, ids: list[str]) -> dict[str, dict]:
        """The letter items' documents (no history), by id: BatchGetItem, 100 keys a call."""
        docs: dict[str, dict] = {}
        for start in range(0, len(ids), 100):
            request: dict = {self.table_name: {
                "Keys": [item_key(f"LETTER#{i}", LETTER_SK) for i in ids[start:start + 100]],
                "ProjectionExpression": "#pk, #doc",
                "ExpressionAttributeNames": {"#pk": T.PK, "#doc": "doc"}}}
            while request:
                answer = self._call("batch_get_item", RequestItems=request)
                for item in answer.get("Responses", {}).get(self.table_name, []):
                    docs[letter_id_of(item)] = json.loads(item["doc"]["S"])
                request = answer.get("UnprocessedKeys") or {}
        return docs

    def inbox_page(self, *, status: str | None = None, department: str | None = None,
                   q: str | None = None, offset: int = 0, limit: int = 50) -> InboxPage:
        """Without `q`: one page of the index (offset + limit keys) and the page's letters,
        with the list's size counted on the index. With `q`: the letter whose tracking code it
        is (one GetItem), and the matches among the newest `search_window` letters of the list
        (their documents by BatchGetItem); `complete` says whether that window held the whole
        list. DynamoDB has no substring index; a full-text service (OpenSearch) would lift the
        window, at the price of a second system to run."""
        def keep(letter: Letter) -> bool:      # the indexes lag the table by a moment
            return ((not status or letter.status == status)
                    and (not department or letter.department == department))

        if not q:
            if limit <= 0:
                return InboxPage([], self._count_inbox(status, department))
            keys, _ = self._inbox_keys(self._inbox_rows(status, department, offset + limit + 1),
                                       offset + limit)
            letters = self._load_many([lid for _, lid in keys[offset:offset + limit]])
            return InboxPage([x for x in letters if keep(x)], self._count_inbox(status, department))
        keys, complete = self._inbox_keys(
            self._inbox_rows(status, department, self.search_window + 1), self.search_window)
        keys = keys[:self.search_window] if not complete else keys
        docs = self._letter_docs([lid for _, lid in keys])
        found = {lid: (sub, lid) for sub, lid in keys
                 if lid in docs and search_matches(letter_from_doc(docs[lid], []), q)}
        coded = self._letter_id_for_code(q.upper())
        if coded and coded not in found:
            letter = self._load(coded)
            if letter is not None and keep(letter):
                found[coded] = (time_key(letter.submitted_at), coded)
        matches = sorted(found.values(), reverse=True)
        letters = self._load_many([lid for _, lid in matches[offset:offset + max(limit, 0)]])
        return InboxPage([x for x in letters if keep(x) and search_matches(x, q)], len(matches),
                         complete=complete, searched=len(keys))

    def _letters_of(self, rows: Iterable[dict]) -> Iterator[Letter]:
        """Letters for index rows, loaded a page at a time."""
        batch: list[str] = []
        for item in rows:
            batch.append(letter_id_of(item))
            if len(batch) >= 100:
                yield from self._load_many(batch)
                batch = []
        if batch:
            yield from self._load_many(batch)

    def iter_letters(self) -> Iterator[Letter]:
        """Every letter, in id order."""
        return self._letters_of(self._index(T.BY_KIND, "kind", LETTER_KIND))

    # --- supervision ---------------------------------------------------------------------

    def _scheduled(self, sched: str, below: str | None = None) -> list[Letter]:
        rows = self._index(T.SCHEDULE, "sched", sched, range_name="sched_at",
                           range_op="<" if below is not None else None, range_value=below)
        ids = [item[T.PK]["S"].removeprefix("LETTER#") for item in rows]
        return self._still_on(self._load_many(ids), sched, below)

    def listed_letters(self) -> list[Letter]:
        """The `LISTED` items of the supervision index (one beside each listed letter)."""
        ids = [item[T.PK]["S"].removeprefix("LETTER#")
               for item in self._index(T.SCHEDULE, "sched", LISTED, range_name="sched_at")]
        letters = [x for x in self._load_many(ids) if listing_key(x) is not None]
        return sorted(letters, key=lambda x: listing_key(x) or "")

    def late_letters(self, since: datetime, limit: int) -> list[Letter]:
        ids: dict[str, None] = {}
        if limit > 0:
            for item in self._index(T.SCHEDULE, "sched", LATE, forward=False,
                                    range_name="sched_at", range_op=">=",
                                    range_value=time_key(since), page_size=limit):
                ids.setdefault(item[T.PK]["S"].removeprefix("LETTER#"))
                if len(ids) >= limit:
                    break
        return self._load_many(list(ids))

    def backfill_board_entries(self) -> int:
        """Write the board entry of every published letter (`dynamodb_items.FACET_SK`), for a
        table from before the boards by type and category: commits write an entry only when a
        letter's boards change, so letters published earlier have none until this runs (once,
        after the deploy that adds the index; running it again rewrites the same items).
        Returns how many entries it wrote."""
        n = 0
        for letter in self.iter_published():
            for facet, value, fkey in facet_entries(letter):
                self._call("put_item", TableName=self.table_name, Item={
                    **item_key(f"LETTER#{letter.id}", FACET_SK + facet),
                    "facet": string_attr(facet_value(facet, value)),
                    "fkey": string_attr(fkey)})
                n += 1
        return n

    # --- the open data files: every letter by submission time, from the inbox index -------

    def _submitted_rows(self, since: datetime, before: datetime) -> Iterator[dict]:
        end = time_key(before)
        for item in self._index(T.ALL_LETTERS, "kind", LETTER_KIND, range_name="submitted_at",
                                range_op=">=", range_value=time_key(since)):
            if item["submitted_at"]["S"] >= end:
                return
            yield item

    def submitted_between(self, since: datetime, before: datetime) -> list[Letter]:
        letters = [letter for letter in self._letters_of(self._submitted_rows(since, before))
                   if since <= letter.submitted_at < before]   # the index lags the table
        return sorted(letters, key=lambda x: (time_key(x.submitted_at), x.id))

    def open_rows(self, since: datetime, before: datetime) -> list[dict[str, Any]]:
        return list(self.iter_open_rows(since, before))

    def iter_open_rows(self, since: datetime, before: datetime) -> Iterator[dict[str, Any]]:
        """The stored rows of the months `since`..`before` spans, one paged Query a month (the
        rows' partition is their submission month), in submission order, a page at a time."""
        low, high = time_key(since), time_key(before)
        for month in months_between(since, before):
            for item in self._items("query", KeyConditionExpression="#pk = :pk",
                                    ExpressionAttributeNames={"#pk": T.PK},
                                    ExpressionAttributeValues={
                                        ":pk": string_attr(f"OPENROW#{month}")},
                                    ConsistentRead=True):
                if low <= item[T.SK]["S"].split("#")[0] < high:
                    yield json.loads(item["doc"]["S"])

    def count_submitted(self, since: datetime, before: datetime) -> int:
        return sum(1 for _ in self._submitted_rows(since, before))

    def submission_span(self) -> tuple[datetime, datetime] | None:
        ends = [next(iter(self._index(T.ALL_LETTERS, "kind", LETTER_KIND, forward=forward,
                                      page_size=1)), None) for forward in (True, False)]
        if ends[0] is None or ends[1] is None:
            return None
        return (from_time_key(ends[0]["submitted_at"]["S"]),
                from_time_key(ends[1]["submitted_at"]["S"]))

    def published_months(self) -> list[tuple[str, int]]:
        """Each month with publications and how many: months are contiguous ranges of the
        archive order, so three small queries per month, never a read of the whole archive."""
        out: list[tuple[str, int]] = []
        after: str | None = None
        while True:
            first = next(iter(self._index(T.PUBLISHED, "gpub", PUB, range_name="pub_key",
                                          range_op=">", range_value=after, page_size=1)), None)
            if first is None:
                return out
            month = first["pub_month"]["S"]
            out.append((month, self._count(ARCHIVE_MONTH, month)))
            last = next(iter(self._index(T.PUBLISHED_BY_MONTH, "pub_month", month,
                                         forward=False, page_size=1)), first)
            # max(): the two indexes may lag differently; never step backwards
            after = max(first["pub_key"]["S"], last["pub_key"]["S"])

    def stats(self, period: str) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for item in self._items("query", KeyConditionExpression="#pk = :pk",
                                ExpressionAttributeNames={"#pk": T.PK},
                                ExpressionAttributeValues={":pk": string_attr(f"STATS#{period}")},
                                ConsistentRead=True):
            counters = {c: int(item[c]["N"]) for c in COUNTERS
                        if c in item and int(item[c]["N"])}
            if counters:
                out[item[T.SK]["S"]] = counters
        return out

    def stats_periods(self) -> list[str]:
        periods: list[str] = []
        for item in self._index(T.BY_KIND, "kind", STATS_KIND):
            period = item[T.PK]["S"].removeprefix("STATS#")
            if not periods or periods[-1] != period:
                periods.append(period)
        return periods

    # --- refusals ------------------------------------------------------------------------

    def _add_refusal(self, day: str, kind: str) -> None:
        self._call("update_item", TableName=self.table_name, Key=item_key(REFUSALS_PK, day),
                   UpdateExpression="ADD #n :one",
                   ExpressionAttributeNames={"#n": REFUSAL_PREFIX + kind},
                   ExpressionAttributeValues={":one": number_attr(1)})

    def _refusal_counts(self, since: str) -> Iterator[tuple[str, str, int]]:
        for item in self._items("query", KeyConditionExpression="#pk = :pk AND #sk >= :since",
                                ExpressionAttributeNames={"#pk": T.PK, "#sk": T.SK},
                                ExpressionAttributeValues={":pk": string_attr(REFUSALS_PK),
                                                           ":since": string_attr(since)},
                                ConsistentRead=True):
            for name, value in sorted(item.items()):
                if name.startswith(REFUSAL_PREFIX):
                    yield item[T.SK]["S"], name.removeprefix(REFUSAL_PREFIX), int(value["N"])

    # --- outbox --------------------------------------------------------------------------

    def pending_changes(self, limit: int = 100) -> list[Change]:
        """Oldest first (change ids sort by commit time)."""
        if limit <= 0:
            return []
        out: list[Change] = []
        for item in self._index(T.PENDING_CHANGES, "pending", PENDING, page_size=limit):
            out.append(Change.from_dict(json.loads(item["doc"]["S"])))
            if len(out) >= limit:
                break
        return out

    def mark_changes_done(self, ids: list[str]) -> None:
        for change_id in ids:
            try:
                self.client.update_item(
                    TableName=self.table_name, Key=item_key(f"CHANGE#{change_id}", CHANGE_SK),
                    UpdateExpression="REMOVE #pending",
                    ConditionExpression="attribute_exists(#pk)",
                    ExpressionAttributeNames={"#pending": "pending", "#pk": T.PK})
            except ClientError as exc:
                # an unknown id is a no-op, as in SQLite (and must not create an item)
                if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise DynamoStoreError(f"cannot mark change {change_id} done: {exc}") from exc
            except BotoCoreError as exc:
                raise DynamoStoreError(f"cannot mark change {change_id} done: {exc}") from exc

    # --- notifications -------------------------------------------------------------------

    def _notification(self, item: dict | None) -> Notification | None:
        if item is None:
            return None
        return Notification.from_dict(json.loads(item["doc"]["S"]), int(item["version"]["N"]))

    def get_notification(self, notification_id: str) -> Notification | None:
        return self._notification(self._get(f"NOTIFY#{notification_id}", NOTIFY_SK))

    def _notifications_by_key(self, keys: list[str]) -> list[Notification]:
        found = [self._notification(self._get(pk, NOTIFY_SK)) for pk in keys]
        return [n for n in found if n is not None]

    def list_notifications(self, letter_id: str | None = None) -> list[Notification]:
        prefix = "NOTIFY#" + (f"{letter_id}." if letter_id else "")
        rows = self._index(T.BY_KIND, "kind", NOTIFY_KIND, range_name=T.PK,
                           range_op=">=", range_value=prefix)
        keys = []
        for item in rows:
            if not item[T.PK]["S"].startswith(prefix):
                break
            keys.append(item[T.PK]["S"])
        found = self._notifications_by_key(keys)
        return [n for n in found if letter_id is None or n.letter_id == letter_id]

    def due_notifications(self, now: datetime, limit: int = 100) -> list[Notification]:
        if limit <= 0:
            return []
        keys = []
        for item in self._index(T.SCHEDULE, "sched", NOTIFY, range_name="sched_at",
                                range_op="<", range_value=at_or_before(now), page_size=limit):
            keys.append(item[T.PK]["S"])
            if len(keys) >= limit:
                break
        return [n for n in self._notifications_by_key(keys) if n.is_due(now)]

    def update_notification(self, notification: Notification) -> None:
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item=notification_item(notification, notification.version + 1),
                ConditionExpression="#v = :v", ExpressionAttributeNames={"#v": "version"},
                ExpressionAttributeValues={":v": number_attr(notification.version)})
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise ConcurrentUpdate(field="version") from exc
            raise DynamoStoreError(f"cannot update notification {notification.id}: {exc}") from exc
        except BotoCoreError as exc:
            raise DynamoStoreError(f"cannot update notification {notification.id}: {exc}") from exc
        notification.version += 1


def months_between(since: datetime, before: datetime) -> list[str]:
    """The China-time months `YYYY-MM` that [since, before) touches, in order."""
    first, last = month_of(since), month_of(before - timedelta(microseconds=1))
    out, (y, m) = [], map(int, first.split("-"))
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
