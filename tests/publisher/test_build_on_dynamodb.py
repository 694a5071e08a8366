"""`wenzheng build --store dynamodb --sink s3://BUCKET`: a full build reads the table by paged
Queries only (never a Scan), reports the read units it consumed, and lands in the bucket through
the S3 sink; the bytes equal a build of the same letters into memory."""
from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from publisher_city import City

from chalicelib.adapters.dynamodb import DynamoStore
from chalicelib.config import Settings
from chalicelib.services.context import Context
from fakes import DEPARTMENTS, FakeCalendar, FakeClock, cst
from publisher.build import full_build
from publisher.content import load_content
from publisher.generations import prefix_of, read_pointer
from publisher.sinks import MemorySink
from wenzheng.build_sink import build_to_bucket, parse_sink

REPO = Path(__file__).resolve().parents[2]
TABLE = "wenzheng-build"


@pytest.fixture(scope="module")
def aws():
    with mock_aws():
        yield


@pytest.fixture(scope="module")
def city(aws):
    clock = FakeClock(cst(2026, 11, 2, 9, 0))
    store = DynamoStore(TABLE, clock=clock, page_size=10)    # small pages: the Queries page
    store.create_table()
    content = load_content(REPO / "content")
    city = City(ctx=Context(store=store, calendar=FakeCalendar(), clock=clock,
                            departments=DEPARTMENTS), clock=clock, content=content)
    for i in range(3):
        city.full_cycle("housing" if i % 2 else "transport", rate="satisfied" if i % 3 else None)
    city.submit()                                    # one still open: not on the site
    return city


def _record(client) -> Counter[str]:
    ops: Counter[str] = Counter()
    client.meta.events.register(
        "before-call.dynamodb", lambda event_name, **_: ops.update([event_name.split(".")[-1]]))
    return ops


def live_files(s3, bucket: str) -> dict[str, bytes]:
    """The live generation's pages, as the CDN's origin path serves them."""
    live = prefix_of("", read_pointer(s3, bucket).live)
    keys = [o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=live) for o in p.get("Contents", [])]
    return {k[len(live):]: s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in keys}


def test_a_full_build_on_dynamodb_makes_no_scan_and_counts_read_units(city):
    store = city.ctx.store
    ops = _record(store.client)
    units, reads = store.read_units, store.read_requests
    sink = MemorySink()
    result = full_build(store, city.content, sink)
    assert result.letters == 3 and len(sink.files) > 50
    assert ops["Scan"] == 0 and ops["Query"] > 0
    # the only write: the channel files' counts of each month, recounted by a full build and
    # kept for the incremental publishes (publisher/families/channels.py)
    assert set(ops) <= {"Query", "GetItem", "BatchGetItem", "PutItem"}
    read_ops = sum(n for op, n in ops.items() if op != "PutItem")
    assert store.read_units > units and store.read_requests - reads == read_ops


def test_wenzheng_build_sink_reads_dynamodb_and_fills_the_bucket(city, tmp_path):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="wz-site")
    cf = boto3.client("cloudfront", region_name="us-east-1")
    settings = Settings.from_env({"WENZHENG_STORE": "dynamodb", "WENZHENG_TABLE": TABLE,
                                  "WENZHENG_DATA": str(tmp_path)})
    out = io.StringIO()
    assert build_to_bucket(settings, "s3://wz-site", client=s3, cdn_client=cf, out=out) == 0
    report = out.getvalue()
    assert "no Scan" in report and "read units" in report and " uploaded" in report
    memory = MemorySink()
    full_build(city.ctx.store, city.content, memory)
    pointer = read_pointer(s3, "wz-site")
    assert pointer.live and pointer.next is None
    assert live_files(s3, "wz-site") == memory.files
    # only the pointer, the generation and its manifest: nothing at the root
    keys = {o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket="wz-site")
            for o in p.get("Contents", [])}
    assert {k.split("/")[0] for k in keys} == {"_live", "_site", "_manifest"}



def test_a_build_on_two_processes_fills_the_bucket_as_one_does(city, tmp_path):
    """`--workers 2`: the pages rendered by two processes into a local folder, then written
    through the same sink, which removes what no page owns any more."""
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="wz-two")
    s3.put_object(Bucket="wz-two", Key="letters/gone/index.html", Body=b"old")
    settings = Settings.from_env({"WENZHENG_STORE": "dynamodb", "WENZHENG_TABLE": TABLE,
                                  "WENZHENG_DATA": str(tmp_path)})
    out = io.StringIO()
    assert build_to_bucket(settings, "s3://wz-two", client=s3, out=out, workers=2) == 0
    assert "worker processes" in out.getvalue()
    memory = MemorySink()
    full_build(city.ctx.store, city.content, memory)
    assert live_files(s3, "wz-two") == memory.files
    first = read_pointer(s3, "wz-two").live
    # the root layout the bucket had stays one build, as the generation before
    assert s3.get_object(Bucket="wz-two", Key="letters/gone/index.html")["Body"].read() == b"old"
    # once more: nothing to upload, every page copied inside S3, the root layout removed
    out = io.StringIO()
    assert build_to_bucket(settings, "s3://wz-two", client=s3, out=out, workers=2) == 0
    assert f" 0 uploaded, {len(memory.files):,} copied" in out.getvalue()
    assert "removed the root layout" in out.getvalue()
    assert read_pointer(s3, "wz-two").live != first
    assert live_files(s3, "wz-two") == memory.files
    assert s3.list_objects_v2(Bucket="wz-two", Prefix="letters/")["KeyCount"] == 0


def test_the_command_line_builds_into_the_bucket(city, tmp_path, monkeypatch, capsys):
    """`wenzheng build --store dynamodb --sink s3://BUCKET` (API.md's Operations): it
    registers content/'s topics first; a second run has nothing to upload."""
    from wenzheng.cli import main
    monkeypatch.setenv("WENZHENG_TABLE", TABLE)
    monkeypatch.setenv("WENZHENG_DATA", str(tmp_path))
    monkeypatch.delenv("WENZHENG_STORE", raising=False)
    monkeypatch.delenv("WENZHENG_DISTRIBUTION_ID", raising=False)
    assert main(["build", "--store", "dynamodb", "--sink", "s3://wz-site"]) == 0
    report = capsys.readouterr().out
    assert "consultation topics: added" in report and "read units" in report
    # once more: the topics are there, so are the pages
    assert main(["build", "--store", "dynamodb", "--sink", "s3://wz-site"]) == 0
    report = capsys.readouterr().out
    assert "added 0" in report and " 0 uploaded, " in report and " copied " in report
    assert main(["build", "--sink", "ftp://wz-site"]) == 2
    assert main(["build", "--sink", "s3://bad..bucket"]) == 2
    # a bucket AWS does not have: what AWS said, exit 1, no traceback
    capsys.readouterr()
    assert main(["build", "--sink", "s3://wz-no-such-bucket"]) == 1
    assert "error: AWS did not take the build" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["build", "--out", str(tmp_path / "x"), "--sink", "s3://wz-site"])


@pytest.mark.parametrize("url, parsed", [("s3://wzb", ("wzb", "")),
                                         ("s3://wz.site-1/www/", ("wz.site-1", "www"))])
def test_sink_urls(url, parsed):
    assert parse_sink(url) == parsed


@pytest.mark.parametrize("bad", ["b", "file:///tmp/x", "s3:///x", "s3://wzb?x=1", "s3://b",
                                 "s3://bad..bucket", "s3://Upper", "s3://-wz", "s3://" + "a" * 64])
def test_bad_sink_urls_are_refused(bad):
    with pytest.raises(ValueError):
        parse_sink(bad)


def test_the_folder_build_reads_dynamodb_too(city, tmp_path, monkeypatch):
    """`wenzheng build --store dynamodb --out DIR` (Pelican) reads the table, not SQLite."""
    from wenzheng.cli import main
    monkeypatch.setenv("WENZHENG_TABLE", TABLE)
    monkeypatch.setenv("WENZHENG_DATA", str(tmp_path / "no-sqlite-here"))
    monkeypatch.delenv("WENZHENG_STORE", raising=False)
    out = tmp_path / "site"
    assert main(["build", "--store", "dynamodb", "--out", str(out), "--no-search"]) == 0
    assert out.is_symlink()
    memory = MemorySink()
    full_build(city.ctx.store, city.content, memory)
    built = {p.relative_to(out.resolve()).as_posix()
             for p in out.resolve().rglob("*") if p.is_file()}
    assert built == set(memory.files)
    assert (out / "index.html").read_bytes() == memory.files["index.html"]
    assert not (tmp_path / "no-sqlite-here" / "wenzheng.sqlite3").exists()
