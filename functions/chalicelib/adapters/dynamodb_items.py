"""What the DynamoDB adapter writes: the item of each record (see `dynamodb_table.py`) and the
one `TransactWriteItems` call a commit plan becomes.

Every condition names the error field its failure means (`version` for a lost race on a
guarded record, `id` for a unique key taken, `quota` for an abuse limit reached), so the adapter
can turn a cancelled transaction into the right domain error.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from ..domain.notifications import Delivery, Notification
from ..domain.statistics import COUNTERS
from . import dynamodb_table as T
from .codec import CommitPlan, late_key, pub_key, pub_month, schedule_of, time_key
from .store import too_many

MAX_TRANSACTION_ITEMS = 100          # DynamoDB's limit for one TransactWriteItems call
ANSWER_TTL = timedelta(hours=24)     # a retried request within a day gets the first answer
CHANGE_TTL = timedelta(days=7)       # the stream delivers a change within seconds; keep a week
LETTER_SK, CODE_SK, ANSWER_SK, VOTE_SK, ACCOUNT_SK, CHANGE_SK, NOTIFY_SK = (
    "LETTER", "CODE", "ANSWER", "VOTE", "ACCOUNT", "CHANGE", "NOTIFY")
LETTER_KIND, STATS_KIND, ACCOUNT_KIND, NOTIFY_KIND = "LETTER", "STATS", "ACCOUNT", "NOTIFY"
TOPIC_SK, TALLY_SK, COMMENT_SK, RESPONSE_SK, QUOTA_SK = (
    "TOPIC", "TALLY", "COMMENT", "RESPONSE", "QUOTA")
TOPIC_KIND = "TOPIC"
TALLY_PREFIX = "c:"      # tally counters are attributes `c:{counter}` of the TALLY item
REFUSALS_PK = "REFUSALS"    # refusal counters: one item per China-time day (sk), see table.py
REFUSAL_PREFIX = "r:"       # ...with one N attribute `r:{kind}` per kind of refusal
QUOTA_FIELD = "quota"    # the error field of a quota's failed condition
NOTIFY = "NOTIFY"     # the schedule list of pending notifications
LATE = "LATE"         # the schedule list of late sign-in and reply events (they stay on it)
PUB, PENDING = "PUB", "1"
# cancellation reasons that mean "someone else wrote first": the loser gets a clean 409
LOST_RACE = frozenset({"ConditionalCheckFailed", "TransactionConflict"})


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int) -> dict[str, str]:
    return {"N": str(int(value))}


def _key(pk: str, sk: str) -> dict[str, dict[str, str]]:
    return {T.PK: _s(pk), T.SK: _s(sk)}


def _json(value: Any) -> dict[str, str]:
    return _s(json.dumps(value, ensure_ascii=False))


def _epoch(at: datetime) -> int:
    return int(at.timestamp())


def _letter_id(item: dict) -> str:
    return item[T.PK]["S"].removeprefix("LETTER#")


def _notification_item(n: Notification, version: int) -> dict:
    item = {**_key(f"NOTIFY#{n.id}", NOTIFY_SK), "doc": _json(n.to_dict()),
            "version": _n(version), "kind": _s(NOTIFY_KIND)}
    if n.letter_id:
        item["letter_id"] = _s(n.letter_id)
    if n.status == Delivery.pending and n.next_attempt_at is not None:
        item.update({"sched": _s(NOTIFY), "sched_at": _s(f"{time_key(n.next_attempt_at)}#{n.id}")})
    return item


def transact_items(table_name: str, plan: CommitPlan, now: datetime
                   ) -> tuple[list[dict], list[str], list[tuple[str, str]]]:
    """The transaction's items, the error field each one's failed condition means, and
    each item's key (DynamoDB refuses two operations on one item)."""
    items: list[dict] = []
    fields: list[str] = []
    keys: list[tuple[str, str]] = []

    def put(item: dict, condition: str, field: str, names: dict | None = None,
            values: dict | None = None) -> None:
        op: dict[str, Any] = {"TableName": table_name, "Item": item,
                              "ConditionExpression": condition}
        if names:
            op["ExpressionAttributeNames"] = names
        if values:
            op["ExpressionAttributeValues"] = values
        items.append({"Put": op})
        fields.append(field)
        keys.append((item[T.PK]["S"], item[T.SK]["S"]))

    for w in plan.letters:
        letter, lid = w.letter, w.letter.id
        item = {**_key(f"LETTER#{lid}", LETTER_SK), "doc": _json(w.doc),
                "version": _n(letter.version),
                "last_seq": _n(letter.history[-1].seq if letter.history else 0),
                "tracking_code": _s(w.doc["tracking_code"]), "status": _s(w.doc["status"]),
                "submitted_at": _s(time_key(w.letter.submitted_at)), "kind": _s(LETTER_KIND)}
        if w.doc["department"]:
            item["department"] = _s(w.doc["department"])
        key = pub_key(letter)
        if key:
            item.update({"pub_key": _s(key), "pub_month": _s(pub_month(letter) or ""),
                         "gpub": _s(PUB)})
        sched = schedule_of(letter)
        if sched:
            item.update({"sched": _s(sched[0]), "sched_at": _s(sched[1])})
        if w.expected_version is None:
            put(item, "attribute_not_exists(#pk)", "id", {"#pk": T.PK})
            put({**_key(f"CODE#{letter.tracking_code}", CODE_SK), "letter_id": _s(lid)},
                "attribute_not_exists(#pk)", "id", {"#pk": T.PK})
        else:
            put(item, "#v = :v", "version", {"#v": "version"},
                {":v": _n(w.expected_version)})
        for event in w.new_events:
            seq = f"{int(event['seq']):06d}"
            event_item = {**_key(f"LETTER#{lid}", f"EVENT#{seq}"), "doc": _json(event)}
            if (late := late_key(event)) is not None:
                # a late sign-in or reply: on the supervision index for good (events never
                # change), so the exposure board finds late work by time
                event_item.update({"sched": _s(LATE), "sched_at": _s(f"{late}#{lid}#{seq}")})
            put(event_item, "attribute_not_exists(#pk)", "version", {"#pk": T.PK})

    for (period, dept), delta in plan.stats.items():
        counters = [c for c in COUNTERS if delta.get(c)]
        if not counters:
            continue
        names = {"#kind": "kind", **{f"#c{i}": c for i, c in enumerate(counters)}}
        values = {":kind": _s(STATS_KIND),
                  **{f":n{i}": _n(delta[c]) for i, c in enumerate(counters)}}
        adds = ", ".join(f"#c{i} :n{i}" for i in range(len(counters)))
        items.append({"Update": {
            "TableName": table_name, "Key": _key(f"STATS#{period}", dept),
            "UpdateExpression": f"SET #kind = :kind ADD {adds}",
            "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}})
        fields.append("version")
        keys.append((f"STATS#{period}", dept))

    for scope, key, answer in plan.answers:
        # an expired answer (TTL deletion lags by up to days) may be replaced
        put({**_key(f"ANSWER#{scope}#{key}", ANSWER_SK), "http_status": _n(answer.status),
             "body": _json(answer.body), "request_hash": _s(answer.request_hash),
             T.TTL_ATTRIBUTE: _n(_epoch(now + ANSWER_TTL))},
            "attribute_not_exists(#pk) OR #ttl < :now", "id",
            {"#pk": T.PK, "#ttl": T.TTL_ATTRIBUTE}, {":now": _n(_epoch(now))})

    for letter_id, voter in plan.votes:
        put({**_key(f"VOTE#{letter_id}#{voter}", VOTE_SK), "letter_id": _s(letter_id),
             "voter": _s(voter)}, "attribute_not_exists(#pk)", "id", {"#pk": T.PK})

    for notification in plan.notifications:
        put(_notification_item(notification, 1), "attribute_not_exists(#pk)", "id",
            {"#pk": T.PK})

    _consultation_items(table_name, plan, now, items, fields, keys, put)

    if plan.change is not None:
        put({**_key(f"CHANGE#{plan.change.id}", CHANGE_SK), "doc": _json(plan.change.to_dict()),
             "pending": _s(PENDING), T.TTL_ATTRIBUTE: _n(_epoch(now + CHANGE_TTL))},
            "attribute_not_exists(#pk)", "id", {"#pk": T.PK})
    return items, fields, keys

def _consultation_items(table_name: str, plan: CommitPlan, now: datetime, items: list[dict],
                        fields: list[str], keys: list[tuple[str, str]],
                        put: Callable[..., None]) -> None:
    for q in plan.quotas:
        if q.limit <= 0:
            raise too_many()
        items.append({"Update": {
            "TableName": table_name, "Key": _key(f"QUOTA#{q.key}", QUOTA_SK),
            "UpdateExpression": "ADD #used :one SET #ttl = :ttl",
            "ConditionExpression": "attribute_not_exists(#used) OR #used < :limit",
            "ExpressionAttributeNames": {"#used": "used", "#ttl": T.TTL_ATTRIBUTE},
            "ExpressionAttributeValues": {
                ":one": _n(1), ":limit": _n(q.limit),
                ":ttl": _n(_epoch(q.expires_at + timedelta(days=1)))}}})
        fields.append(QUOTA_FIELD)
        keys.append((f"QUOTA#{q.key}", QUOTA_SK))

    def guarded(item: dict, expected: int | None) -> None:
        if expected is None:
            put(item, "attribute_not_exists(#pk)", "id", {"#pk": T.PK})
        else:
            put(item, "#v = :v", "version", {"#v": "version"}, {":v": _n(expected)})

    for t in plan.topics:
        guarded({**_key(f"TOPIC#{t.topic.id}", TOPIC_SK), "doc": _json(t.doc),
                 "version": _n(t.topic.version), "kind": _s(TOPIC_KIND)},
                t.expected_version)
    for w in plan.comments:
        c = w.comment
        guarded({**_key(f"COMMENT#{c.id}", COMMENT_SK), "doc": _json(w.doc),
                 "version": _n(c.version), "tgroup": _s(f"C#{c.topic_id}"),
                 "tkey": _s(f"{c.status}#{time_key(c.created_at)}#{c.id}")},
                w.expected_version)
    for r in plan.responses:
        put({**_key(f"RESPONSE#{r.id}", RESPONSE_SK), "doc": _json(r.to_dict()),
             "tgroup": _s(f"R#{r.topic_id}"), "tkey": _s(f"{time_key(r.created_at)}#{r.id}")},
            "attribute_not_exists(#pk)", "id", {"#pk": T.PK})
    for topic_id, delta in plan.tallies.items():
        counters = sorted(delta)
        names = {f"#c{i}": TALLY_PREFIX + c for i, c in enumerate(counters)}
        values = {f":n{i}": _n(delta[c]) for i, c in enumerate(counters)}
        items.append({"Update": {
            "TableName": table_name, "Key": _key(f"TOPIC#{topic_id}", TALLY_SK),
            "UpdateExpression": "ADD " + ", ".join(f"#c{i} :n{i}"
                                                   for i in range(len(counters))),
            "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}})
        fields.append("version")
        keys.append((f"TOPIC#{topic_id}", TALLY_SK))
