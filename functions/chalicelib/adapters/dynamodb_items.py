"""What the DynamoDB adapter writes: the item of each record (see `dynamodb_table.py`) and the
one `TransactWriteItems` call a commit plan becomes.

Every condition names the error field its failure means (`version` for a lost race on a
guarded record, `id` for a unique key taken, `quota` for an abuse limit reached), so the adapter
can turn a cancelled transaction into the right domain error. The attribute-value helpers
(`string_attr`, `number_attr`, `item_key`, `json_attr`, …) are public: `dynamodb.py` builds
its queries' keys and values with them too.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from ..domain.notifications import Delivery, Notification
from ..domain.oversight import listing_changed, listing_key
from ..domain.statistics import COUNTERS, month_of
from . import dynamodb_table as T
from . import leader_index
from .codec import (
    FACETS,
    CommitPlan,
    contact_keys,
    facet_entries,
    late_key,
    open_row_json,
    pub_key,
    pub_month,
    schedule_of,
    time_key,
)
from .store import too_many

MAX_TRANSACTION_ITEMS = 100          # DynamoDB's limit for one TransactWriteItems call
ANSWER_TTL = timedelta(hours=24)     # a retried request within a day gets the first answer
CHANGE_TTL = timedelta(days=7)       # the stream delivers a change within seconds; keep a week
FACET_SK = "FACET#"      # + the facet: a letter's entry on its type or category board
CONTACT_SK = "CONTACT#"  # + a contact key: a letter's entry in the contact index
CONTACT = "contact"      # the `facet` prefix of the contact index's partitions
LEADER_SK = "LEADER#"    # + a leader index key (adapters/leader_index.py)
LETTER_SK, CODE_SK, ANSWER_SK, VOTE_SK, ACCOUNT_SK, CHANGE_SK, NOTIFY_SK = (
    "LETTER", "CODE", "ANSWER", "VOTE", "ACCOUNT", "CHANGE", "NOTIFY")
LETTER_KIND, STATS_KIND, ACCOUNT_KIND, NOTIFY_KIND = "LETTER", "STATS", "ACCOUNT", "NOTIFY"
TOPIC_SK, TALLY_SK, COMMENT_SK, RESPONSE_SK, QUOTA_SK = (
    "TOPIC", "TALLY", "COMMENT", "RESPONSE", "QUOTA")
TOPIC_KIND = "TOPIC"
SEARCH_SK, SEARCH_KIND = "SEARCH", "SEARCH"     # the search index's state, one item per key
WEEK_SK, WEEK_KIND = "WEEK", "WEEK"     # the weekly records (`domain.weekly`), one per ISO week
TALLY_PREFIX = "c:"      # tally counters are attributes `c:{counter}` of the TALLY item
REFUSALS_PK = "REFUSALS"    # refusal counters: one item per China-time day (sk), see table.py
REFUSAL_PREFIX = "r:"       # ...with one N attribute `r:{kind}` per kind of refusal
QUOTA_FIELD = "quota"    # the error field of a quota's failed condition
NOTIFY = "NOTIFY"     # the schedule list of pending notifications
LATE = "LATE"         # the schedule list of late sign-in and reply events (they stay on it)
# the schedule list of letters listed for supervision (挂牌督办), an item of its own beside the
# letter (a listed letter is also on DUE): put when listed, deleted when answered
LISTED, LISTED_SK = "LISTED", "LISTED"
PUB, PENDING = "PUB", "1"
# cancellation reasons that mean "someone else wrote first": the loser gets a clean 409
LOST_RACE = frozenset({"ConditionalCheckFailed", "TransactionConflict"})


def string_attr(value: str) -> dict[str, str]:
    return {"S": value}


def number_attr(value: int) -> dict[str, str]:
    return {"N": str(int(value))}


def item_key(pk: str, sk: str) -> dict[str, dict[str, str]]:
    return {T.PK: string_attr(pk), T.SK: string_attr(sk)}


def json_attr(value: Any) -> dict[str, str]:
    return string_attr(json.dumps(value, ensure_ascii=False))


def epoch_seconds(at: datetime) -> int:
    return int(at.timestamp())


def letter_id_of(item: dict) -> str:
    return item[T.PK]["S"].removeprefix("LETTER#")


def notification_item(n: Notification, version: int) -> dict:
    item = {**item_key(f"NOTIFY#{n.id}", NOTIFY_SK), "doc": json_attr(n.to_dict()),
            "version": number_attr(version), "kind": string_attr(NOTIFY_KIND)}
    if n.letter_id:
        item["letter_id"] = string_attr(n.letter_id)
    if n.status == Delivery.pending and n.next_attempt_at is not None:
        item.update({"sched": string_attr(NOTIFY),
                     "sched_at": string_attr(f"{time_key(n.next_attempt_at)}#{n.id}")})
    return item


def facet_value(facet: str, value: str) -> str:
    """The `facet` attribute (the index partition) of one board."""
    return f"{facet}#{value}"


def open_row_pk(submitted_at: datetime) -> str:
    """The partition of a month's open-data rows (the month in China time)."""
    return f"OPENROW#{month_of(submitted_at)}"


def transact_items(table_name: str, plan: CommitPlan, now: datetime
                   ) -> tuple[list[dict], list[str], list[tuple[str, str]]]:
    """The transaction's items, the error field each one's failed condition means, and
    each item's key (DynamoDB refuses two operations on one item)."""
    items: list[dict] = []
    fields: list[str] = []
    keys: list[tuple[str, str]] = []

    def put(item: dict, condition: str | None, field: str, names: dict | None = None,
            values: dict | None = None) -> None:
        op: dict[str, Any] = {"TableName": table_name, "Item": item}
        if condition:
            op["ConditionExpression"] = condition
        if names:
            op["ExpressionAttributeNames"] = names
        if values:
            op["ExpressionAttributeValues"] = values
        items.append({"Put": op})
        fields.append(field)
        keys.append((item[T.PK]["S"], item[T.SK]["S"]))

    for w in plan.letters:
        letter, lid = w.letter, w.letter.id
        item = {**item_key(f"LETTER#{lid}", LETTER_SK), "doc": json_attr(w.doc),
                "version": number_attr(letter.version),
                "last_seq": number_attr(letter.history[-1].seq if letter.history else 0),
                "tracking_code": string_attr(w.doc["tracking_code"]),
                "status": string_attr(w.doc["status"]),
                "submitted_at": string_attr(time_key(w.letter.submitted_at)),
                "kind": string_attr(LETTER_KIND)}
        if w.doc["department"]:
            item["department"] = string_attr(w.doc["department"])
        key = pub_key(letter)
        if key:
            item.update({"pub_key": string_attr(key),
                         "pub_month": string_attr(pub_month(letter) or ""),
                         "gpub": string_attr(PUB)})
        sched = schedule_of(letter)
        if sched:
            item.update({"sched": string_attr(sched[0]), "sched_at": string_attr(sched[1])})
        # the open-data row beside it, in its submission month's partition (a month file is
        # one Query of small items, in submission order)
        row_key = item_key(open_row_pk(letter.submitted_at),
                           f"{time_key(letter.submitted_at)}#{lid}")
        put({**row_key, "doc": string_attr(open_row_json(letter))}, None, "id")
        if w.expected_version is None:
            put(item, "attribute_not_exists(#pk)", "id", {"#pk": T.PK})
            put({**item_key(f"CODE#{letter.tracking_code}", CODE_SK),
                 "letter_id": string_attr(lid)},
                "attribute_not_exists(#pk)", "id", {"#pk": T.PK})
        else:
            put(item, "#v = :v", "version", {"#v": "version"},
                {":v": number_attr(w.expected_version)})
        now_on = {f: (v, k) for f, v, k in facet_entries(letter)}
        was_on = {f: (v, k) for f, v, k in w.facets_before}
        for facet in FACETS:
            if now_on.get(facet) == was_on.get(facet):
                continue        # the same board entry: nothing to write (votes, ratings)
            if facet in now_on:
                value, fkey = now_on[facet]
                items.append({"Put": {"TableName": table_name, "Item": {
                    **item_key(f"LETTER#{lid}", FACET_SK + facet),
                    "facet": string_attr(facet_value(facet, value)),
                    "fkey": string_attr(fkey)}}})
            else:
                items.append({"Delete": {"TableName": table_name,
                                         "Key": item_key(f"LETTER#{lid}", FACET_SK + facet)}})
            fields.append("version")
            keys.append((f"LETTER#{lid}", FACET_SK + facet))
        # the contact index (hashed keys, `codec.contact_keys`) rides the facet index: one
        # entry per key, in the key's partition by submission time; written when keys change
        contacts_now, contacts_was = set(contact_keys(letter)), set(w.contacts_before)
        for contact in sorted(contacts_now ^ contacts_was):
            entry = item_key(f"LETTER#{lid}", CONTACT_SK + contact)
            if contact in contacts_now:
                items.append({"Put": {"TableName": table_name, "Item": {
                    **entry, "facet": string_attr(facet_value(CONTACT, contact)),
                    "fkey": string_attr(f"{time_key(letter.submitted_at)}#{lid}")}}})
            else:
                items.append({"Delete": {"TableName": table_name, "Key": entry}})
            fields.append("version")
            keys.append((f"LETTER#{lid}", CONTACT_SK + contact))
        # the leader index (leader_index.py) rides the facet index too: rewritten on each
        # commit of a letter that concerns a leader (a handful of small items)
        if leader_index.concerns(letter):
            for index_key, sort in leader_index.entries(letter):
                items.append({"Put": {"TableName": table_name, "Item": {
                    **item_key(f"LETTER#{lid}", LEADER_SK + index_key),
                    "facet": string_attr(facet_value(leader_index.FACET, index_key)),
                    "fkey": string_attr(sort)}}})
                fields.append("version")
                keys.append((f"LETTER#{lid}", LEADER_SK + index_key))
            for index_key in leader_index.droppable(letter):
                items.append({"Delete": {"TableName": table_name,
                                         "Key": item_key(f"LETTER#{lid}", LEADER_SK + index_key)}})
                fields.append("version")
                keys.append((f"LETTER#{lid}", LEADER_SK + index_key))

        if listing_changed(letter, w.new_events):
            listed = item_key(f"LETTER#{lid}", LISTED_SK)
            if (lkey := listing_key(letter)) is not None:
                items.append({"Put": {"TableName": table_name, "Item": {
                    **listed, "sched": string_attr(LISTED), "sched_at": string_attr(lkey)}}})
            else:
                items.append({"Delete": {"TableName": table_name, "Key": listed}})
            fields.append("version")
            keys.append((f"LETTER#{lid}", LISTED_SK))
        for event in w.new_events:
            seq = f"{int(event['seq']):06d}"
            event_item = {**item_key(f"LETTER#{lid}", f"EVENT#{seq}"), "doc": json_attr(event)}
            if (late := late_key(event)) is not None:
                # a late sign-in or reply: on the supervision index for good (events never
                # change), so the exposure board finds late work by time
                event_item.update({"sched": string_attr(LATE),
                                   "sched_at": string_attr(f"{late}#{lid}#{seq}")})
            put(event_item, "attribute_not_exists(#pk)", "version", {"#pk": T.PK})

    for (period, dept), delta in plan.stats.items():
        counters = [c for c in COUNTERS if delta.get(c)]
        if not counters:
            continue
        names = {"#kind": "kind", **{f"#c{i}": c for i, c in enumerate(counters)}}
        values = {":kind": string_attr(STATS_KIND),
                  **{f":n{i}": number_attr(delta[c]) for i, c in enumerate(counters)}}
        adds = ", ".join(f"#c{i} :n{i}" for i in range(len(counters)))
        items.append({"Update": {
            "TableName": table_name, "Key": item_key(f"STATS#{period}", dept),
            "UpdateExpression": f"SET #kind = :kind ADD {adds}",
            "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}})
        fields.append("version")
        keys.append((f"STATS#{period}", dept))

    for scope, key, answer in plan.answers:
        # an expired answer (TTL deletion lags by up to days) may be replaced
        put({**item_key(f"ANSWER#{scope}#{key}", ANSWER_SK),
             "http_status": number_attr(answer.status),
             "body": json_attr(answer.body), "request_hash": string_attr(answer.request_hash),
             T.TTL_ATTRIBUTE: number_attr(epoch_seconds(now + ANSWER_TTL))},
            "attribute_not_exists(#pk) OR #ttl < :now", "id",
            {"#pk": T.PK, "#ttl": T.TTL_ATTRIBUTE}, {":now": number_attr(epoch_seconds(now))})

    for letter_id, voter in plan.votes:
        put({**item_key(f"VOTE#{letter_id}#{voter}", VOTE_SK), "letter_id": string_attr(letter_id),
             "voter": string_attr(voter)}, "attribute_not_exists(#pk)", "id", {"#pk": T.PK})

    for notification in plan.notifications:
        put(notification_item(notification, 1), "attribute_not_exists(#pk)", "id",
            {"#pk": T.PK})

    _consultation_items(table_name, plan, now, items, fields, keys, put)

    for record in plan.weeks:          # written once: a second tick's commit loses the race
        put({**item_key(f"WEEK#{record['week']}", WEEK_SK), "doc": json_attr(record),
             "kind": string_attr(WEEK_KIND)}, "attribute_not_exists(#pk)", "id", {"#pk": T.PK})

    if plan.change is not None:
        put({**item_key(f"CHANGE#{plan.change.id}", CHANGE_SK),
             "doc": json_attr(plan.change.to_dict()), "pending": string_attr(PENDING),
             T.TTL_ATTRIBUTE: number_attr(epoch_seconds(now + CHANGE_TTL))},
            "attribute_not_exists(#pk)", "id", {"#pk": T.PK})
    return items, fields, keys

def _consultation_items(table_name: str, plan: CommitPlan, now: datetime, items: list[dict],
                        fields: list[str], keys: list[tuple[str, str]],
                        put: Callable[..., None]) -> None:
    for q in plan.quotas:
        if q.limit <= 0:
            raise too_many()
        items.append({"Update": {
            "TableName": table_name, "Key": item_key(f"QUOTA#{q.key}", QUOTA_SK),
            "UpdateExpression": "ADD #used :one SET #ttl = :ttl",
            "ConditionExpression": "attribute_not_exists(#used) OR #used < :limit",
            "ExpressionAttributeNames": {"#used": "used", "#ttl": T.TTL_ATTRIBUTE},
            "ExpressionAttributeValues": {
                ":one": number_attr(1), ":limit": number_attr(q.limit),
                ":ttl": number_attr(epoch_seconds(q.expires_at + timedelta(days=1)))}}})
        fields.append(QUOTA_FIELD)
        keys.append((f"QUOTA#{q.key}", QUOTA_SK))

    def guarded(item: dict, expected: int | None) -> None:
        if expected is None:
            put(item, "attribute_not_exists(#pk)", "id", {"#pk": T.PK})
        else:
            put(item, "#v = :v", "version", {"#v": "version"}, {":v": number_attr(expected)})

    for t in plan.topics:
        guarded({**item_key(f"TOPIC#{t.topic.id}", TOPIC_SK), "doc": json_attr(t.doc),
                 "version": number_attr(t.topic.version), "kind": string_attr(TOPIC_KIND)},
                t.expected_version)
    for w in plan.comments:
        c = w.comment
        guarded({**item_key(f"COMMENT#{c.id}", COMMENT_SK), "doc": json_attr(w.doc),
                 "version": number_attr(c.version), "tgroup": string_attr(f"C#{c.topic_id}"),
                 "tkey": string_attr(f"{c.status}#{time_key(c.created_at)}#{c.id}")},
                w.expected_version)
    for r in plan.responses:
        put({**item_key(f"RESPONSE#{r.id}", RESPONSE_SK), "doc": json_attr(r.to_dict()),
             "tgroup": string_attr(f"R#{r.topic_id}"),
             "tkey": string_attr(f"{time_key(r.created_at)}#{r.id}")},
            "attribute_not_exists(#pk)", "id", {"#pk": T.PK})
    for topic_id, delta in plan.tallies.items():
        counters = sorted(delta)
        names = {f"#c{i}": TALLY_PREFIX + c for i, c in enumerate(counters)}
        values = {f":n{i}": number_attr(delta[c]) for i, c in enumerate(counters)}
        items.append({"Update": {
            "TableName": table_name, "Key": item_key(f"TOPIC#{topic_id}", TALLY_SK),
            "UpdateExpression": "ADD " + ", ".join(f"#c{i} :n{i}"
                                                   for i in range(len(counters))),
            "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}})
        fields.append("version")
        keys.append((f"TOPIC#{topic_id}", TALLY_SK))
