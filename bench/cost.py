"""The work one letter costs (issue 16, item 7): `python -m bench.cost [--background N]`.

A DynamoDB store on moto (the real adapter, `adapters/dynamodb.py`, over a client that counts),
a background of N published letters (`bench.data`, as the benchmarks load them), then one
letter's whole life through the real use cases — submitted on the web form, dispatched,
signed, replied, approved for publication, rated — each commit published incrementally
(`publisher.build.publish_pending` into a `MemorySink`, as the stream handler does: the
deferred pages only marked, `publisher/deferred.py`). Prints per step and in total:

- DynamoDB requests by operation, and read/write request units computed from the items'
  sizes (DynamoDB's rules: a write unit per 1 KB written, twice in a transaction; a read unit
  per 4 KB read strongly, half eventually, twice in a transaction; a Query sums its items'
  sizes before rounding);
- pages rendered and files changed by publishing (each changed file is an S3 PUT and a
  CloudFront invalidation path);
- notifications queued (e-mail through SES, SMS through SNS);
- the same units for one full build of the background store, per letter.

moto does not meter capacity, so the units are computed from what the client sent and got
back (`ReturnConsumedCapacity` would say the same on AWS, within rounding of item sizes).
Writes through UpdateItem are sized from the attributes the request sets (a lower bound).
Writes `--json FILE` for docs/cost.md.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

for key, value in (("AWS_DEFAULT_REGION", "us-east-1"), ("AWS_ACCESS_KEY_ID", "testing"),
                   ("AWS_SECRET_ACCESS_KEY", "testing")):
    os.environ.setdefault(key, value)

REPO = Path(__file__).resolve().parent.parent
for extra in (REPO, REPO / "functions"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

TABLE = "wenzheng-cost"


def attr_size(value: dict[str, Any]) -> int:
    """The size DynamoDB bills for one attribute value (bytes)."""
    (kind, v), = value.items()
    if kind == "S":
        return len(v.encode("utf-8"))
    if kind == "N":
        return len(v.lstrip("-").replace(".", "")) // 2 + 2
    if kind == "B":
        return len(v)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(len(str(x).encode()) for x in v)
    if kind == "M":
        return 3 + sum(len(k.encode()) + 1 + attr_size(x) for k, x in v.items())
    if kind == "L":
        return 3 + sum(1 + attr_size(x) for x in v)
    return 0


def item_size(item: dict[str, Any]) -> int:
    return sum(len(k.encode()) + attr_size(v) for k, v in item.items())


def read_units(size: int, consistent: bool, factor: float = 1.0) -> float:
    units = max(1, math.ceil(size / 4096)) * factor
    return units if consistent else units / 2


class Meter:
    """Counts what passes through a boto3 DynamoDB client."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.ops: Counter[str] = Counter()
        self.rru = 0.0
        self.wru = 0.0
        self.read_bytes = 0
        self.write_bytes = 0

    def snapshot(self) -> dict[str, Any]:
        return {"requests": sum(self.ops.values()), "by_operation": dict(sorted(self.ops.items())),
                "read_units": round(self.rru, 1), "write_units": round(self.wru, 1),
                "read_bytes": self.read_bytes, "write_bytes": self.write_bytes}

    def record(self, op: str, params: dict[str, Any], response: dict[str, Any]) -> None:
        self.ops[op] += 1
        consistent = bool(params.get("ConsistentRead"))
        if op == "get_item":
            size = item_size(response.get("Item") or {})
            self.read_bytes += size
            self.rru += read_units(size, consistent)
        elif op in ("query", "scan"):
            size = sum(item_size(i) for i in response.get("Items", []))
            self.read_bytes += size
            self.rru += read_units(size, consistent)
        elif op == "batch_get_item":
            for request in params.get("RequestItems", {}).values():
                strong = bool(request.get("ConsistentRead"))
                for items in response.get("Responses", {}).values():
                    for item in items:
                        size = item_size(item)
                        self.read_bytes += size
                        self.rru += read_units(size, strong)
        elif op == "transact_get_items":
            for got in response.get("Responses", []):
                size = item_size(got.get("Item") or {})
                self.read_bytes += size
                self.rru += read_units(size, True, 2)
        elif op == "put_item":
            self._write(item_size(params["Item"]))
        elif op == "update_item":
            self._write(item_size(params.get("Key", {})) + sum(
                attr_size(v) for v in params.get("ExpressionAttributeValues", {}).values()))
        elif op == "delete_item":
            self._write(item_size(params.get("Key", {})))
        elif op == "transact_write_items":
            for entry in params.get("TransactItems", []):
                (kind, body), = entry.items()
                if kind == "Put":
                    self._write(item_size(body["Item"]), 2)
                elif kind == "Update":
                    self._write(item_size(body.get("Key", {})) + sum(
                        attr_size(v) for v in body.get("ExpressionAttributeValues", {}).values()),
                        2)
                elif kind == "Delete":
                    self._write(item_size(body.get("Key", {})), 2)
                else:                                   # ConditionCheck: read units
                    self.rru += 2
        elif op == "batch_write_item":
            for requests in params.get("RequestItems", {}).values():
                for request in requests:
                    if "PutRequest" in request:
                        self._write(item_size(request["PutRequest"]["Item"]))
                    else:
                        self._write(item_size(request["DeleteRequest"]["Key"]))

    def _write(self, size: int, factor: float = 1.0) -> None:
        self.write_bytes += size
        self.wru += max(1, math.ceil(size / 1024)) * factor


class MeteredClient:
    """A boto3 client whose every call is metered (paginators call the proxied methods)."""

    def __init__(self, client: Any, meter: Meter) -> None:
        self._client = client
        self._meter = meter

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._client, name)
        if name.startswith(("get_paginator", "get_waiter", "meta", "exceptions",
                            "can_paginate")) or not callable(target):
            return target

        def call(*args: Any, **kwargs: Any) -> Any:
            response = target(*args, **kwargs)
            self._meter.record(name, kwargs, response)
            return response
        return call


class CountingSink:
    """A MemorySink that also counts across publishes (its own counters restart at begin)."""

    def __new__(cls) -> Any:
        from publisher.sinks import MemorySink

        class Sink(MemorySink):
            total_writes = 0
            total_changed = 0

            def write(self, path: str, data: bytes) -> bool:
                self.total_writes += 1
                changed = super().write(path, data)
                self.total_changed += changed
                return changed

            def delete(self, path: str) -> bool:
                gone = super().delete(path)
                self.total_changed += gone
                return gone
        return Sink()


def lifecycle(ctx: Any, content: Any, meter: Meter, sink: Any) -> list[dict[str, Any]]:
    """One letter from the web form to its rating; each step's work."""
    from chalicelib.api import parse
    from chalicelib.services import casework
    from chalicelib.services import letters as services
    from chalicelib.services.context import Actor
    from publisher.build import publish_pending

    dept = next(d for d in ctx.departments.values() if d.categories)
    office = Actor("cost-office", "office")
    clerk = Actor("cost-clerk", "clerk", dept.id)
    steps: list[dict[str, Any]] = []
    answer: dict[str, Any] = {}

    def step(name: str, fn: Any) -> None:
        meter.reset()
        out = fn()
        write = meter.snapshot()
        meter.reset()
        before = sink.total_writes, sink.total_changed
        publish_pending(ctx.store, content, sink, defer=True)   # as the stream handler
        publish = meter.snapshot()
        steps.append({"step": name, "commit": write, "publish": publish,
                      "files_rendered": sink.total_writes - before[0],
                      "files_changed": sink.total_changed - before[1]})
        ctx.clock.advance(minutes=30)
        if isinstance(out, dict):
            answer.update(out)

    payload = {"type": "complaint", "subject": "小区门口道路破损", "public": True,
               "body": "道路破损严重，雨天积水，请尽快修复。" * 8, "department": None,
               "name": "王小明", "phone": "13812345678", "email": "wang@example.com",
               "idempotency_key": None}
    step("submit", lambda: services.submit_letter(ctx, parse.submit_letter(payload)).body)
    lid = answer["id"]
    step("dispatch", lambda: casework.dispatch_letter(
        ctx, office, lid, parse.dispatch_letter({"department": dept.id})))
    step("sign", lambda: casework.sign_letter(ctx, clerk, lid, parse.sign_letter({})))
    step("reply", lambda: casework.reply_to_letter(
        ctx, clerk, lid, parse.reply_to_letter({"body": "经核查，已安排修复。" * 10})))
    step("approve (published)", lambda: casework.approve_reply(
        ctx, office, lid, parse.approve_reply({"publish": True,
                                               "category": dept.categories[0]})))
    step("rate", lambda: services.rate_reply(
        ctx, answer["tracking_code"], answer["secret"],
        parse.rate_reply({"score": "satisfied", "comment": "很好", "resolved": "yes"})))
    notes = ctx.store.list_notifications(lid)
    channels = Counter(str(getattr(n.channel, "value", n.channel)) for n in notes)
    steps.append({"step": "notifications", "count": len(notes), "by_channel": dict(channels)})
    return steps


def total(steps: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"requests": 0, "read_units": 0.0, "write_units": 0.0,
                           "files_rendered": 0, "files_changed": 0}
    for s in steps:
        if "commit" not in s:
            continue
        for part in ("commit", "publish"):
            out["requests"] += s[part]["requests"]
            out["read_units"] += s[part]["read_units"]
            out["write_units"] += s[part]["write_units"]
        out["files_rendered"] += s["files_rendered"]
        out["files_changed"] += s["files_changed"]
    out["read_units"] = round(out["read_units"], 1)
    out["write_units"] = round(out["write_units"], 1)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.cost")
    p.add_argument("--background", type=int, default=300,
                   help="published letters in the store before the measured one")
    p.add_argument("--json", help="write the figures here")
    a = p.parse_args(argv)

    import boto3
    from moto import mock_aws

    from bench import data
    from chalicelib.adapters.dynamodb import DynamoStore
    from publisher.build import full_build
    from publisher.content import load_content

    meter = Meter()
    with mock_aws():
        client = MeteredClient(boto3.client("dynamodb", region_name="us-east-1"), meter)
        clock = data.Clock(data.APPROVALS_FROM)
        store = DynamoStore(TABLE, client=client, clock=clock)
        store.create_table()
        ctx = data.make_context(store, clock)
        content = load_content(data.CONTENT_DIR)
        rows = data.read_sources(limit=200)
        meter.reset()
        data.load(ctx, data.specs(rows, data.department_list(ctx), a.background), batch=1)
        load = meter.snapshot()
        data.clear_outbox(store)
        meter.reset()
        sink = CountingSink()
        full_build(store, content, sink)
        full = meter.snapshot()
        full["files"] = len(sink.files)
        steps = lifecycle(ctx, content, meter, sink)

    figures = {"background_letters": a.background, "lifecycle": steps, "per_letter": total(steps),
               "bulk_load": {**load, "per_letter_write_units": round(load["write_units"]
                                                                     / a.background, 2)},
               "full_build": {**full, "read_units_per_letter": round(full["read_units"]
                                                                     / a.background, 2),
                              "files_per_letter": round(full["files"] / a.background, 2)}}
    print(f"One letter's life over a store of {a.background:,} published letters (DynamoDB on "
          "moto, units from item sizes):")
    print(f"  {'step':22s} {'requests':>8s} {'WRU':>6s} {'RRU':>6s} | publish: {'requests':>8s} "
          f"{'RRU':>7s} files rendered / changed")
    for s in steps:
        if "commit" not in s:
            print(f"  notifications queued: {s['count']} {s['by_channel']}")
            continue
        c, pub = s["commit"], s["publish"]
        print(f"  {s['step']:22s} {c['requests']:8d} {c['write_units']:6.1f} {c['read_units']:6.1f}"
              f" | {pub['requests']:17d} {pub['read_units']:7.1f} "
              f"{s['files_rendered']:5d} / {s['files_changed']}")
    t = figures["per_letter"]
    print(f"  total per letter: {t['requests']} requests, {t['write_units']} WRU, "
          f"{t['read_units']} RRU, {t['files_rendered']} files rendered, "
          f"{t['files_changed']} changed (S3 PUTs)")
    b, f = figures["bulk_load"], figures["full_build"]
    print(f"  bulk load: {b['per_letter_write_units']} WRU per letter")
    print(f"  full build: {f['requests']} requests, {f['read_units']} RRU "
          f"({f['read_units_per_letter']} per letter), {f['files']:,} files "
          f"({f['files_per_letter']} per letter)")
    if a.json:
        Path(a.json).write_text(json.dumps(figures, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
