"""The one definition of the DynamoDB table (single-table design).

The DynamoDB adapter (`store_dynamodb.py`) creates the table from here in tests and local runs, and
`infra/` builds the CloudFormation resource from `table_properties`, so the keys and indexes the
code queries are the ones that get deployed.

Items (`pk` / `sk`; every commit writes its items in one transaction):

- letter `LETTER#{id}` / `LETTER`: `doc` (JSON of `codec.letter_to_doc`), `version` N, `last_seq`
  N (its last history event), `tracking_code`, `status`, `department` (when set), `submitted_at`,
  `kind`=`LETTER`; when published also `pub_key`, `pub_month` and `gpub`=`PUB`; when on a
  supervision list (`codec.schedule_of`) also `sched` (`DUE`, `WAIT` or `REDO`) and `sched_at`.
- history event `LETTER#{id}` / `EVENT#{seq:06d}`: `doc` (JSON of `Event.to_dict`); a late
  sign-in or reply (`codec.late_key`) also `sched`=`LATE` and
  `sched_at`=`{at, time_key}#{id}#{seq}`.
- facet entry `LETTER#{id}` / `FACET#{facet}` (`type` or `category`, one per board a published
  letter is on, `codec.facet_entries`): `facet`=`{facet}#{value}`, `fkey`=`{month}#{pub_key}`;
  put and deleted in the letter's commit when its boards change.
- contact entry `LETTER#{id}` / `CONTACT#{key}` (one per `codec.contact_keys` key, a hash of
  the phone or e-mail, never the contact itself): `facet`=`contact#{key}`,
  `fkey`=`{submitted_at, time_key}#{id}`; in the `facet-fkey` index, so the staff view lists the
  same writer's letters (the similar letters, 重复件) without a new index.
- tracking code `CODE#{code}` / `CODE`: `letter_id`; put once with `attribute_not_exists`, which
  is what makes codes unique.
- running statistics `STATS#{period}` / `{department}`: one N attribute per counter, changed with
  `ADD`; `kind`=`STATS`.
- idempotent answer `ANSWER#{scope}#{key}` / `ANSWER`: `http_status` N (not `status`, an index key
  of type S), `body` (JSON), `request_hash`, `ttl` (24 hours).
- vote `VOTE#{letter_id}#{voter}` / `VOTE`: its existence is the vote.
- staff account `ACCOUNT#{username}` / `ACCOUNT`: `doc` (JSON), `kind`=`ACCOUNT`.
- outbox change `CHANGE#{id}` / `CHANGE`: `doc` (JSON of `Change.to_dict`), `ttl` (7 days),
  `pending`=`1` until the publisher marks it done.
- notification `NOTIFY#{id}` / `NOTIFY`: `doc` (JSON of `Notification.to_dict`), `version` N,
  `kind`=`NOTIFY`, `letter_id` (when about a letter); while pending also `sched`=`NOTIFY` and
  `sched_at`=`{next attempt, time_key}#{id}`. Put once with `attribute_not_exists` in the commit
  that causes it, which is what makes it exist exactly once.

Consultations:

- topic `TOPIC#{id}` / `TOPIC`: `doc` (JSON of `Topic.to_dict`: definition and outcome), `version`
  N, `kind`=`TOPIC`.
- topic tallies `TOPIC#{id}` / `TALLY`: one N attribute per counter, named `c:{counter}`, changed
  with `ADD` in the transaction of the change.
- comment `COMMENT#{id}` / `COMMENT`: `doc` (JSON of `Comment.to_dict`), `version` N,
  `tgroup`=`C#{topic}`, `tkey`=`{status}#{created_at, time_key}#{id}`.
- survey response `RESPONSE#{id}` / `RESPONSE`: `doc`, `tgroup`=`R#{topic}`,
  `tkey`=`{created_at, time_key}#{id}`.
- abuse-limit quota `QUOTA#{key}` / `QUOTA`: `used` N (`ADD` under the condition `used < limit`),
  `ttl` (the end of its window and a day).

Requests refused as abuse (`abuse.py`):

- refusal counters `REFUSALS` / `{China-time day}`: one N attribute per kind of refusal, named
  `r:{kind}`, changed with `ADD` (never a client or an address); the office dashboard queries the
  partition from a day on.

The sparse index `tgroup-tkey` (all attributes projected) lists one topic's comments by status
in time order, and its responses in time order.

One sparse index, `sched-sched_at`, serves every supervision list: letters with a running clock
(`DUE`, key `{due date}#{id}`: overdue below today's date), answered letters awaiting a rating
follow-up (`WAIT`), answered letters rated 不满意 (`REDO`, the office's re-do queue), pending
notifications (`NOTIFY`) and, for good, late sign-in and reply events (`LATE`: the exposure board's
late work by time). Only items on a list carry `sched`, so the index holds open work, not
history; one index rather than four because CloudFormation adds one index per stack update.

One sparse index, `facet-fkey`, serves the boards by type and by category (分类选登): one
partition per board, in archive order, and one month of it is the keys beginning `{month}#`.
The entries are items of their own because a letter is on two boards (its type's and its
category's), and a new index is one more, not four (again one index per stack update).

The table's stream (NEW_AND_OLD_IMAGES) delivers each `CHANGE#` INSERT to the publisher. Global
secondary indexes are eventually consistent: lists read through them may lag a commit by a moment;
the adapter re-reads every letter from the table itself.
"""
from __future__ import annotations

from typing import Any

PK, SK = "pk", "sk"
TTL_ATTRIBUTE = "ttl"

# index names, used by the adapter's queries
BY_KIND = "kind-pk"                       # letters by id, statistics periods, accounts
ALL_LETTERS = "kind-submitted_at"         # every letter, newest first (staff console)
BY_STATUS = "status-submitted_at"         # staff console: letters in one state
BY_DEPARTMENT = "department-submitted_at"  # staff console: one department's letters
PUBLISHED = "gpub-pub_key"                # the public archive in (first_published_at, id) order
PUBLISHED_BY_MONTH = "pub_month-pub_key"   # one archive month, and positions within it
PUBLISHED_BY_DEPARTMENT = "department-pub_key"
PENDING_CHANGES = "pending-pk"            # outbox records not yet marked done
SCHEDULE = "sched-sched_at"               # supervision lists and pending notifications
TOPIC_ITEMS = "tgroup-tkey"               # a topic's comments (by status) and responses
FACETS = "facet-fkey"                     # the boards by type and by category

# (name, partition attribute, sort attribute, projection, extra projected attributes)
_INDEXES: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    (BY_KIND, "kind", PK, "KEYS_ONLY", ()),
    # `kind` is one constant per item type, so each of these partitions holds a whole item type:
    # fine for one city's volume (a few hundred thousand letters), and keeps the ordering exact.
    (ALL_LETTERS, "kind", "submitted_at", "KEYS_ONLY", ()),
    (BY_STATUS, "status", "submitted_at", "KEYS_ONLY", ()),
    (BY_DEPARTMENT, "department", "submitted_at", "INCLUDE", ("status",)),
    # Sparse (only published letters carry `gpub`), with one constant partition `PUB`: one
    # city publishes a few thousand replies a year, far below one partition's limits.
    (PUBLISHED, "gpub", "pub_key", "INCLUDE", ("pub_month",)),
    (PUBLISHED_BY_MONTH, "pub_month", "pub_key", "KEYS_ONLY", ()),
    (PUBLISHED_BY_DEPARTMENT, "department", "pub_key", "KEYS_ONLY", ()),
    # Sparse: `pending` is removed when the publisher marks the change done.
    (PENDING_CHANGES, "pending", PK, "ALL", ()),
    # Sparse: see the module docstring; keys only, the adapter reads the items themselves.
    (SCHEDULE, "sched", "sched_at", "KEYS_ONLY", ()),
    # Sparse: only comments and survey responses carry `tgroup`; one partition per topic.
    (TOPIC_ITEMS, "tgroup", "tkey", "ALL", ()),
    # Sparse: only facet entries carry `facet`; keys only (the pk names the letter).
    (FACETS, "facet", "fkey", "KEYS_ONLY", ()),
)


def _attribute_definitions() -> list[dict[str, str]]:
    names = [PK, SK]
    for _, hash_key, range_key, _, _ in _INDEXES:
        for name in (hash_key, range_key):
            if name not in names:
                names.append(name)
    return [{"AttributeName": n, "AttributeType": "S"} for n in names]


def _indexes() -> list[dict[str, Any]]:
    out = []
    for name, hash_key, range_key, projection, extra in _INDEXES:
        proj: dict[str, Any] = {"ProjectionType": projection}
        if extra:
            proj["NonKeyAttributes"] = list(extra)
        out.append({"IndexName": name,
                    "KeySchema": [{"AttributeName": hash_key, "KeyType": "HASH"},
                                  {"AttributeName": range_key, "KeyType": "RANGE"}],
                    "Projection": proj})
    return out


_KEY_SCHEMA = [{"AttributeName": PK, "KeyType": "HASH"}, {"AttributeName": SK, "KeyType": "RANGE"}]


def table_properties(table_name: str | None) -> dict[str, Any]:
    """The `Properties` of the CloudFormation `AWS::DynamoDB::Table` resource."""
    props: dict[str, Any] = {
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": _attribute_definitions(),
        "KeySchema": [dict(k) for k in _KEY_SCHEMA],
        "GlobalSecondaryIndexes": _indexes(),
        "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "TimeToLiveSpecification": {"AttributeName": TTL_ATTRIBUTE, "Enabled": True},
    }
    if table_name:
        props = {"TableName": table_name, **props}
    return props


def create_table_kwargs(table_name: str) -> dict[str, Any]:
    """Arguments of boto3 `create_table` for the same table (without PITR and TTL, which
    `CreateTable` does not take: `create_table` below sets them afterwards)."""
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": _attribute_definitions(),
        "KeySchema": [dict(k) for k in _KEY_SCHEMA],
        "GlobalSecondaryIndexes": _indexes(),
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    }


def create_table(client: Any, table_name: str) -> None:
    """Create the table with a low-level boto3 client, wait for it, then turn on TTL and PITR
    (tests and local runs; in AWS the stack creates it)."""
    client.create_table(**create_table_kwargs(table_name))
    client.get_waiter("table_exists").wait(TableName=table_name,
                                           WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    client.update_time_to_live(TableName=table_name, TimeToLiveSpecification={
        "AttributeName": TTL_ATTRIBUTE, "Enabled": True})
    client.update_continuous_backups(TableName=table_name, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True})
