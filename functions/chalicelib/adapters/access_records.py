"""The record of staff reads of a letter's private fields (who, when, which route), in each
store: `services/privacy.py` appends one per read and the admin lists them.

- SQLite: the `letter_access` table (migration 16), keyed (letter, time, nonce).
- DynamoDB: items `ACCESS#{letter id}` / `{time_key}#{nonce}` with `who`, `what`, `at`; a
  partition of their own, NOT the letter's (`LETTER#{id}`), because loading a letter queries
  its whole partition and every read would then also read every earlier read's record. No TTL:
  the audit is kept.

Each record is one small write outside any unit of work (a read stays a read plus one put).
"""
from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from ..domain.errors import StoreError
from ..domain.letters import Letter
from .codec import KEEP, from_time_key, schedule_of, time_key
from .dynamodb_table import BY_STATUS, SCHEDULE

ACCESS_TABLE = """
CREATE TABLE IF NOT EXISTS letter_access (letter_id TEXT NOT NULL, at TEXT NOT NULL,
    nonce TEXT NOT NULL, who TEXT NOT NULL, what TEXT NOT NULL,
    PRIMARY KEY (letter_id, at, nonce)) WITHOUT ROWID;
"""


def _record(letter_id: str, who: str, at: datetime, what: str) -> dict[str, Any]:
    return {"letter_id": letter_id, "at": at.astimezone(UTC).isoformat(), "who": who,
            "what": what}


class SqliteAccess:
    """`PrivacyRecords` over the SQLite file."""

    def _conn(self) -> sqlite3.Connection:  # provided by SqliteStore
        raise NotImplementedError

    def _letters(self, sql: str, args: tuple) -> list[Letter]:  # provided by SqliteStore
        raise NotImplementedError

    def letters_past_retention(self, finished_before: datetime,
                               limit: int | None = None) -> list[Letter]:
        return self._letters("SELECT id, doc FROM letters WHERE sched = ? AND sched_at < ?"
                             " ORDER BY sched_at LIMIT ?",
                             (KEEP, time_key(finished_before), -1 if limit is None else limit))

    def record_access(self, letter_id: str, who: str, at: datetime, what: str) -> None:
        try:
            self._conn().execute(
                "INSERT INTO letter_access (letter_id, at, nonce, who, what) VALUES (?,?,?,?,?)",
                (letter_id, time_key(at), secrets.token_hex(4), who, what))
        except sqlite3.Error as exc:
            raise StoreError(f"cannot record the access to {letter_id}: {exc}") from exc

    def access_records(self, letter_id: str) -> list[dict[str, Any]]:
        rows = self._conn().execute(
            "SELECT at, who, what FROM letter_access WHERE letter_id = ? ORDER BY at, nonce",
            (letter_id,)).fetchall()
        return [_record(letter_id, who, from_time_key(at), what) for at, who, what in rows]


class DynamoAccess:
    """The same over the DynamoDB table (`ACCESS#{id}` partitions)."""

    table_name: str

    @property
    def client(self) -> Any:  # provided by DynamoStore
        raise NotImplementedError

    def _call(self, operation: str, **kwargs: Any) -> dict:  # provided by DynamoStore
        raise NotImplementedError

    def _items(self, operation: str, **kwargs: Any) -> Any:  # provided by DynamoStore
        raise NotImplementedError

    def _index(self, index: str, hash_name: str, hash_value: str, *, forward: bool = True,
               range_name: str | None = None, range_op: str | None = None,
               range_value: str | None = None, page_size: int | None = None,
               filter_status: str | None = None) -> Iterator[dict]:  # provided by DynamoStore
        raise NotImplementedError

    def _load_many(self, ids: list[str]) -> list[Letter]:  # provided by DynamoStore
        raise NotImplementedError

    def letters_past_retention(self, finished_before: datetime,
                               limit: int | None = None) -> list[Letter]:
        """The first `limit` entries of the `KEEP` list of the sparse schedule index."""
        below = time_key(finished_before)
        rows = self._index(SCHEDULE, "sched", KEEP, range_name="sched_at", range_op="<",
                           range_value=below, page_size=limit)
        ids = [item["pk"]["S"].removeprefix("LETTER#") for item in islice(rows, limit)]
        return [x for x in self._load_many(ids)
                if (s := schedule_of(x)) is not None and s[0] == KEEP and s[1] < below]

    def backfill_retention_entries(self) -> int:
        """Once, after the deploy that adds the `KEEP` list: put the finished letters that
        hold personal data on it (a letter written since is put there by its write). Reads
        the `status-submitted_at` index of the finished states, never the whole table; each
        update is conditional on the version read, so a letter changed meanwhile is left to
        its own write. How many letters were put on the list."""
        from botocore.exceptions import ClientError
        client = self.client
        written = 0
        for status in ("published", "closed", "rejected"):
            rows = self._index(BY_STATUS, "status", status, range_name="submitted_at")
            while chunk := [item["pk"]["S"].removeprefix("LETTER#")
                            for item in islice(rows, 100)]:
                for letter in self._load_many(chunk):
                    sched = schedule_of(letter)
                    if sched is None or sched[0] != KEEP:
                        continue
                    try:
                        client.update_item(
                            TableName=self.table_name,
                            Key={"pk": {"S": f"LETTER#{letter.id}"}, "sk": {"S": "LETTER"}},
                            UpdateExpression="SET sched = :s, sched_at = :a",
                            ConditionExpression="version = :v AND attribute_not_exists(sched)",
                            ExpressionAttributeValues={":s": {"S": sched[0]},
                                                       ":a": {"S": sched[1]},
                                                       ":v": {"N": str(letter.version)}})
                        written += 1
                    except ClientError as exc:
                        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                            raise StoreError(f"cannot list {letter.id}: {exc}") from exc
        return written

    def record_access(self, letter_id: str, who: str, at: datetime, what: str) -> None:
        self._call("put_item", TableName=self.table_name, Item={
            "pk": {"S": f"ACCESS#{letter_id}"},
            "sk": {"S": f"{time_key(at)}#{secrets.token_hex(4)}"},
            "kind": {"S": "ACCESS"}, "who": {"S": who}, "what": {"S": what},
            "at": {"S": at.isoformat()}})

    def access_records(self, letter_id: str) -> list[dict[str, Any]]:
        items = self._items("query", TableName=self.table_name,
                            KeyConditionExpression="#pk = :pk",
                            ExpressionAttributeNames={"#pk": "pk"},
                            ExpressionAttributeValues={":pk": {"S": f"ACCESS#{letter_id}"}},
                            ConsistentRead=True)
        return [_record(letter_id, i["who"]["S"], datetime.fromisoformat(i["at"]["S"]),
                        i["what"]["S"]) for i in items]
