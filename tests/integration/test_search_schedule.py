"""The search indexer in AWS, end to end on moto: a reply published through the stream handler
only marks its month; the 1-minute schedule (`app.index_search` → `events.on_search_schedule`
→ the `Publisher` port) then writes `search/shards.json` and the shard's Pagefind bundle into
the site bucket through the S3 sink, a run with nothing marked writes nothing, and Pagefind
missing or failing is a summary, never an exception (the marks stay for the next minute)."""
from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws
from test_events import LambdaContext, stream_event_for

from chalicelib import bootstrap
from chalicelib.adapters.dynamodb import DynamoStore
from chalicelib.api import events, parse
from chalicelib.services import casework
from chalicelib.services import letters as services
from chalicelib.services.auth import TokenSigner
from chalicelib.services.commands import (
    ApproveReply,
    DispatchLetter,
    OrderRedo,
    ReplyToLetter,
    SignLetter,
)
from fakes import HOUSING_CLERK, OFFICE, letter_payload, receipts_sent
from publisher import runtime
from publisher.runtime import index_urls
from publisher.search.index import forget_urls
from publisher.search.inspect import index_texts, read_fragment

BUCKET = "wenzheng-test-site"
SECRET = "a-test-token-secret-that-is-long-enough-0123456789"
SCHEDULED = {"version": "0", "id": "e1", "detail-type": "Scheduled Event", "source": "aws.events",
             "account": "000000000000", "time": "2026-11-23T01:00:00Z", "region": "us-east-1",
             "resources": [], "detail": {}}


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket=BUCKET)
        yield client


@pytest.fixture
def store(s3, clock):
    table = DynamoStore("wenzheng-search-test", clock=clock)
    table.create_table()
    return table


@pytest.fixture
def composed(ctx, tmp_path, clock, s3):
    """The deployed indexer's composition: the DynamoDB store and the site bucket."""
    settings = bootstrap.Settings(stage="local", data_dir=tmp_path, token_secret=SECRET,
                                  site_bucket=BUCKET)
    app = bootstrap.App(settings, ctx, TokenSigner(SECRET, clock))
    bootstrap.use(app)
    yield app
    bootstrap.use(None)


def publish_a_reply(function_module, ctx, store, reply: str) -> str:
    a = services.submit_letter(ctx, parse.submit_letter(letter_payload())).body
    receipts_sent(ctx, a["id"])
    casework.dispatch_letter(ctx, OFFICE, a["id"], DispatchLetter(department="housing"))
    casework.sign_letter(ctx, HOUSING_CLERK, a["id"], SignLetter())
    casework.reply_to_letter(ctx, HOUSING_CLERK, a["id"], ReplyToLetter(body=reply))
    casework.approve_reply(ctx, OFFICE, a["id"], ApproveReply(publish=True))
    # the change that published it (the clock stands still: ids of one instant sort randomly)
    change = next(c for c in store.pending_changes(100) if a["id"] in c.published)
    function_module.publish_changes(stream_event_for(change), LambdaContext())
    return a["id"]


def objects(s3) -> dict[str, tuple[str, str]]:
    """key -> (ETag, LastModified) of everything in the bucket (a rewrite changes the time)."""
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for obj in page.get("Contents", []):
            out[obj["Key"]] = (obj["ETag"], obj["LastModified"].isoformat())
    return out


def shard_files(s3, shard: str) -> dict[str, bytes]:
    prefix = f"search/shards/{shard}/"
    return {k: s3.get_object(Bucket=BUCKET, Key=k)["Body"].read()
            for k in objects(s3) if k.startswith(prefix)}


def test_a_published_reply_is_indexed_by_the_next_scheduled_run(function_module, composed, ctx,
                                                                store, s3):
    letter = publish_a_reply(function_module, ctx, store, "楼道照明已修复")
    # publishing wrote the letter's pages and only marked its month
    assert f"letters/{letter}/index.html" in objects(s3)
    assert "search/shards.json" not in objects(s3)
    assert "mark:2026-11" in store.search_state()

    summary = function_module.index_search(SCHEDULED, LambdaContext())

    assert summary["error"] is None
    assert "2026-11" in summary["shards"] and summary["records"] >= 1 and summary["files"] > 0
    manifest = json.loads(s3.get_object(Bucket=BUCKET, Key="search/shards.json")["Body"].read())
    month = next(row for row in manifest["shards"] if row["id"] == "2026-11")
    assert month["records"] == 1 and month["path"] == "/search/shards/2026-11/"
    files = shard_files(s3, "2026-11")
    assert "search/shards/2026-11/pagefind-entry.json" in files
    assert s3.head_object(Bucket=BUCKET, Key="search/shards.json")["ContentType"] == (
        "application/json; charset=utf-8")
    (fragment,) = [read_fragment(data) for key, data in files.items()
                   if key.endswith(".pf_fragment")]
    assert fragment["url"] == f"/letters/{letter}/"
    # only the approved public text: the writer's name and phone are in no file of the shard
    text = " ".join(t for _, t in index_texts(files))
    assert "13812345678" not in text and "王小明" not in text
    assert store.search_state()["built:2026-11"]["token"] == (
        store.search_state()["mark:2026-11"]["token"])

    # nothing marked since: the next minute writes nothing at all
    before = objects(s3)
    again = events.on_search_schedule()
    assert again == {"shards": [], "records": 0, "files": 0, "removed": [], "error": None}
    assert objects(s3) == before


def test_the_next_reply_rebuilds_only_its_months_shard(function_module, composed, ctx, store, s3):
    publish_a_reply(function_module, ctx, store, "路灯已更换")
    events.on_search_schedule()
    site_before = shard_files(s3, "site")
    second = publish_a_reply(function_module, ctx, store, "井盖已加固")

    summary = events.on_search_schedule()

    assert summary["shards"] == ["2026-11"] and summary["records"] == 2
    assert shard_files(s3, "site") == site_before
    urls = {read_fragment(d)["url"] for k, d in shard_files(s3, "2026-11").items()
            if k.endswith(".pf_fragment")}
    assert f"/letters/{second}/" in urls and len(urls) == 2


@pytest.mark.parametrize("binary", ["missing", "failing"])
def test_pagefind_missing_or_failing_is_a_summary_and_the_marks_stay(
        binary, function_module, composed, ctx, store, s3, tmp_path, monkeypatch):
    publish_a_reply(function_module, ctx, store, "已处理")
    path = tmp_path / "no-pagefind" if binary == "missing" else "/bin/false"
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(path))    # the wrapper's own override

    summary = function_module.index_search(SCHEDULED, LambdaContext())

    assert summary["shards"] == [] and summary["files"] == 0
    assert summary["error"]
    assert not [k for k in objects(s3) if k.startswith("search/")]
    state = store.search_state()
    assert "mark:2026-11" in state and "built:2026-11" not in state   # the next run retries


def test_the_cdn_is_told_only_of_the_shard_a_withdrawn_letter_left(function_module, composed,
                                                                  ctx, store, s3, monkeypatch):
    """New letters only add fragments: the index run tells the CDN nothing, since the entry
    files are served no-cache. A letter taken off the site leaves its shard at once: one
    wildcard, as its page does."""
    told: list[list[str]] = []
    monkeypatch.setattr(runtime, "cdn_invalidator", lambda settings: told.append)
    first = publish_a_reply(function_module, ctx, store, "路灯已更换")
    assert events.on_search_schedule()["shards"]
    publish_a_reply(function_module, ctx, store, "井盖已加固")
    assert "2026-11" in events.on_search_schedule()["shards"]
    assert told == []
    for key in ("search/shards.json", "search/shards/2026-11/pagefind-entry.json"):
        assert s3.head_object(Bucket=BUCKET, Key=key)["CacheControl"] == "public, no-cache"
    fragment = next(k for k in objects(s3) if k.endswith(".pf_fragment"))
    assert "max-age=60" in s3.head_object(Bucket=BUCKET, Key=fragment)["CacheControl"]

    # the office takes the first letter off the site (a re-done reply it does not publish)
    casework.order_redo(ctx, OFFICE, first, OrderRedo(reason="不具体"))
    casework.reply_to_letter(ctx, HOUSING_CLERK, first, ReplyToLetter(body="补充"))
    casework.approve_reply(ctx, OFFICE, first, ApproveReply(publish=False))
    change = next(c for c in store.pending_changes(100) if first in c.withdrawn)
    function_module.publish_changes(stream_event_for(change), LambdaContext())
    assert events.on_search_schedule()["shards"] == ["2026-11"]

    # its pages when the withdrawal was published, its shard when the index ran
    assert told == [[f"/en/letters/{first}/*", f"/letters/{first}/*"],
                    ["/search/shards/2026-11/*"]]
    urls = {read_fragment(d)["url"] for k, d in shard_files(s3, "2026-11").items()
            if k.endswith(".pf_fragment")}
    assert f"/letters/{first}/" not in urls and len(urls) == 1


def test_only_a_lost_fragment_makes_the_cdn_forget_a_shard():
    assert forget_urls(["search/shards/2026-11/index/b.pf_index",
                        "search/shards/2026-11/filter/c.pf_filter", "search/shards.json",
                        "letters/abc/index.html"]) == []
    assert forget_urls(["search/shards/2026-11/fragment/a.pf_fragment",
                        "search/shards/2026-11/fragment/d.pf_fragment",
                        "search/shards/2026-11/index/b.pf_index",
                        "search/shards/2025/fragment/e.pf_fragment"]) == [
        "/search/shards/2025/*", "/search/shards/2026-11/*"]


def test_the_cdn_forgets_a_shard_as_one_wildcard():
    """After a run that failed part-way (what it deleted is not known), every shard it wrote
    in is told, as one wildcard each."""
    changed = ["search/shards/2026-11/fragment/a.pf_fragment",
               "search/shards/2026-11/index/b.pf_index",
               "search/shards/2026-11/pagefind-entry.json",
               "search/shards/2025/pagefind-entry.json", "search/shards.json"]
    assert index_urls(changed) == ["/search/shards.json", "/search/shards/2025/*",
                                   "/search/shards/2026-11/*"]
    assert index_urls([]) == []


def test_the_functions_cold_import_loads_neither_pagefind_nor_the_publisher():
    """The API, the stream handler and the indexer are one package: importing the app (what
    every cold start does) must not pay for Pagefind, the renderer or Jinja2."""
    import subprocess
    import sys
    from pathlib import Path
    functions = Path(__file__).resolve().parents[2] / "functions"
    code = ("import sys, app; assert callable(app.index_search); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('pagefind', 'pagefind_bin_extended', 'publisher', 'jinja2')))")
    run = subprocess.run([sys.executable, "-c", code], cwd=functions, capture_output=True,
                         text=True, timeout=60,
                         env={"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1",
                              "PYTHONPATH": str(functions)})
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_the_open_data_follows_a_stream_publish_within_the_minute(function_module, composed,
                                                                  ctx, store, s3):
    """The month's open-data files and the channel figures grow with a month's letters, so the
    stream handler only marks them (publisher.deferred); the schedule renders them once."""
    letter = publish_a_reply(function_module, ctx, store, "路面已修补")
    assert f"letters/{letter}/index.html" in objects(s3)
    assert "data/letters-2026-11.json" not in objects(s3)
    assert "data/channels-2026-11.json" not in objects(s3)

    function_module.index_search(SCHEDULED, LambdaContext())

    doc = json.loads(s3.get_object(Bucket=BUCKET, Key="data/letters-2026-11.json")["Body"].read())
    assert [row["url"] for row in doc["rows"]] == [f"/letters/{letter}/"]
    assert "data/channels-all.json" in objects(s3) and "data/index.html" in objects(s3)
    # rendered once: the next minute leaves the files as they are
    before = objects(s3)
    events.on_search_schedule()
    assert objects(s3) == before
