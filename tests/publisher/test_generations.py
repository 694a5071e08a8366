"""A full build into the site bucket lands as a whole (issue 16, item 8, the S3 half): it writes
a new generation beside the live one and switches the pointer and the CDN's origin path last
(publisher/generations.py). A reader sees the old site or the new one, never a mix; what the
stream publishes during the build is in the new site; a build that fails or is killed changes
nothing a reader sees, and the next build takes over."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from publisher_city import copy_store, make_city

from chalicelib.config import Settings
from fakes import cst
from publisher.build import full_build
from publisher.generations import (
    LEASE_SECONDS,
    BuildUnderWay,
    Pointer,
    build_generation,
    generations,
    origin_path,
    prefix_of,
    read_pointer,
    write_pointer,
)
from publisher.runtime import SitePublisher
from publisher.sinks import MemorySink

REPO = Path(__file__).resolve().parents[2]
BUCKET = "wz-generations"


def site_of(s3, prefix: str) -> dict[str, bytes]:
    keys = [o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(
        Bucket=BUCKET, Prefix=prefix) for o in p.get("Contents", [])]
    return {k[len(prefix):]: s3.get_object(Bucket=BUCKET, Key=k)["Body"].read() for k in keys
            if prefix or not k.startswith(("_live/", "_site/", "_manifest/"))}


def live_site(s3) -> dict[str, bytes]:
    """What the CDN serves: the objects under the live generation's prefix."""
    return site_of(s3, prefix_of("", read_pointer(s3, BUCKET).live))


def expected(city) -> dict[str, bytes]:
    memory = MemorySink()
    full_build(city.ctx.store, city.content, memory)
    return memory.files


@pytest.fixture
def aws():
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        yield s3


@pytest.fixture
def town(tmp_path, content):
    city = make_city(tmp_path / "town", content, at=cst(2026, 11, 2, 9))
    for dept in ("housing", "transport"):
        city.full_cycle(dept)
    city.ctx.store.mark_changes_done([c.id for c in city.ctx.store.pending_changes(1000)])
    yield city
    city.ctx.store.close()


def build(city, s3, render=None, **kw):
    store, content = city.ctx.store, city.content
    return build_generation(store, content, BUCKET, s3,
                            render or (lambda sink: full_build(store, content, sink,
                                                               prune=True)), **kw)


def stream_publisher(city) -> SitePublisher:
    """The stream handler's port, on the bucket (runtime.configured_site reads the pointer)."""
    settings = Settings(stage="test", site_bucket=BUCKET, content_dir=REPO / "content")
    return SitePublisher(city.ctx.store, settings)


def stream(city, publisher: SitePublisher) -> list[str]:
    """What the function does with a stream batch: publish, then settle."""
    changes = city.ctx.store.pending_changes(1000)
    publisher.publish(changes)
    publisher.settle(changes)
    return [c.id for c in changes]


def test_a_build_switches_in_whole_and_keeps_what_the_stream_published_meanwhile(aws, town):
    s3 = aws
    first = build(town, s3)
    assert first.previous == "" and read_pointer(s3, BUCKET) == Pointer(live=first.generation)
    assert live_site(s3) == expected(town)
    old = live_site(s3)
    publisher = stream_publisher(town)
    seen_mid_build = []

    def render(sink):
        # mid-build: the site readers get is the old one, whole, and a letter goes through
        # the whole cycle and is published by the stream handler into the live generation
        assert live_site(s3) == old
        letter = town.full_cycle("housing", rate="satisfied")
        held = stream(town, publisher)
        assert held and publisher.held
        assert [c.id for c in town.ctx.store.pending_changes(1000)] == held   # left pending
        assert f"letters/{letter['id']}/index.html" in live_site(s3)
        # the minute's refresh and indexer wait for the switch (their marks stay)
        assert publisher.refresh() == []
        assert publisher.index_search()["waiting"]
        seen_mid_build.append(letter["id"])
        return full_build(town.ctx.store, town.content, sink, prune=True)

    second = build(town, s3, render)
    assert seen_mid_build
    assert read_pointer(s3, BUCKET) == Pointer(live=second.generation)
    assert second.previous == first.generation and second.held >= 1
    # the new generation is the whole site of the store as it is now, and nothing is pending
    assert live_site(s3) == expected(town)
    assert f"letters/{seen_mid_build[0]}/index.html" in live_site(s3)
    assert town.ctx.store.pending_changes(1000) == []
    # the generation before stays (a rollback by hand); the one before that goes
    assert generations(s3, BUCKET) == sorted([first.generation, second.generation])
    third = build(town, s3)
    assert generations(s3, BUCKET) == sorted([second.generation, third.generation])
    assert third.removed == [first.generation]
    # after the switch the stream marks its batches done again
    town.full_cycle("transport")
    stream(town, publisher)
    assert not publisher.held and town.ctx.store.pending_changes(1000) == []


def test_unchanged_pages_are_copied_and_a_page_changed_since_is_uploaded(aws, town):
    s3 = aws
    first = build(town, s3)
    gen1 = prefix_of("", first.generation)
    s3.put_object(Bucket=BUCKET, Key=gen1 + "search/shards.json", Body=b'{"shards": []}')
    s3.put_object(Bucket=BUCKET, Key=gen1 + "search/shards/2026-11/a.pf_index", Body=b"idx")
    # a page overwritten since the manifest (by hand here; an incremental publish in life)
    s3.put_object(Bucket=BUCKET, Key=gen1 + "index.html", Body=b"not the home page")
    second = build(town, s3)
    site = live_site(s3)
    want = expected(town)
    assert {k: v for k, v in site.items() if not k.startswith("search/shards")} == want
    # the search index the indexer owns is carried over as it was
    assert site["search/shards.json"] == b'{"shards": []}'
    assert site["search/shards/2026-11/a.pf_index"] == b"idx"
    # every page but the home page was copied inside S3; the two search files too
    assert second.copied == len(want) - 1 + 2
    assert len(second.build.changed) == len(want)


def test_a_build_that_fails_changes_nothing_a_reader_sees(aws, town):
    s3 = aws
    first = build(town, s3)
    old = live_site(s3)
    publisher = stream_publisher(town)

    def render(sink):
        town.full_cycle("transport")
        stream(town, publisher)                     # held: a build is under way
        sink.begin(full=True)
        for n, (path, data) in enumerate(sorted(expected(town).items())):
            sink.write(path, data)
            if n == 5:
                raise OSError("the store went away")
        raise AssertionError("not reached")

    with pytest.raises(OSError):
        build(town, s3, render)
    pointer = read_pointer(s3, BUCKET)
    assert pointer == Pointer(live=first.generation)
    assert generations(s3, BUCKET) == [first.generation]         # the half-built one removed
    # the held change was published into the live generation again and marked done
    assert town.ctx.store.pending_changes(1000) == []
    now = live_site(s3)
    assert now != old and now == expected(town)


def test_one_build_at_a_time_and_a_dead_one_is_taken_over(aws, town):
    s3 = aws
    first = build(town, s3)
    began = time.time() - 60
    write_pointer(s3, BUCKET, "", Pointer(live=first.generation, next="dead", since=began))
    s3.put_object(Bucket=BUCKET, Key=prefix_of("", "dead") + "index.html", Body=b"half")
    with pytest.raises(BuildUnderWay, match="has not switched"):
        build(town, s3)
    assert read_pointer(s3, BUCKET).next == "dead"
    taken = build(town, s3, take_over=True)
    assert read_pointer(s3, BUCKET) == Pointer(live=taken.generation)
    assert "dead" not in generations(s3, BUCKET)
    # a build whose lease ran out is taken for dead without being told
    write_pointer(s3, BUCKET, "", Pointer(live=taken.generation, next="old",
                                         since=time.time() - LEASE_SECONDS - 1))
    assert build(town, s3).previous == taken.generation


def test_the_origin_path_is_switched_and_the_cdn_told_once(aws, town):
    s3 = aws
    cf = boto3.client("cloudfront", region_name="us-east-1")
    dist = cf.create_distribution(DistributionConfig={
        "CallerReference": "generations", "Comment": "", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{
            "Id": "site", "DomainName": f"{BUCKET}.s3.us-east-1.amazonaws.com",
            "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "allow-all",
                                 "MinTTL": 0, "ForwardedValues": {
                                     "QueryString": False, "Cookies": {"Forward": "none"}},
                                 "TrustedSigners": {"Enabled": False, "Quantity": 0}}}
    )["Distribution"]["Id"]

    def served_path() -> str:
        config = cf.get_distribution_config(Id=dist)["DistributionConfig"]
        return config["Origins"]["Items"][0].get("OriginPath") or ""

    done = build(town, s3, cloudfront=cf, distribution_id=dist)
    assert done.origin_switched and served_path() == f"/_site/{done.generation}"
    assert served_path() == origin_path("", done.generation)
    again = build(town, s3, cloudfront=cf, distribution_id=dist)
    assert served_path() == f"/_site/{again.generation}"
    listed = cf.list_invalidations(DistributionId=dist)["InvalidationList"]["Items"]
    assert len(listed) == 2          # one `/*` per build, none per page


def test_a_build_killed_at_random_moments_leaves_the_old_site_or_the_new_one(
        moto_endpoint, tmp_path, content):
    """`wenzheng build --sink` against a moto server, killed with SIGKILL at random moments:
    the live generation is each time wholly the old site or wholly the new one, and the next
    build (--take-over) completes."""
    city = make_city(tmp_path / "live", content, at=cst(2026, 11, 2, 9))
    for dept in ("housing", "transport", "housing"):
        city.full_cycle(dept)
    copy_store(tmp_path / "live" / "wenzheng.sqlite3", tmp_path / "a")
    city.full_cycle("transport", rate="satisfied")
    copy_store(tmp_path / "live" / "wenzheng.sqlite3", tmp_path / "b")
    city.ctx.store.close()
    env = dict(os.environ, AWS_ENDPOINT_URL=moto_endpoint, AWS_DEFAULT_REGION="us-east-1",
               AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               PYTHONPATH=os.pathsep.join([str(REPO), str(REPO / "functions")]))
    for name in ("WENZHENG_DATA", "WENZHENG_STORE", "WENZHENG_DISTRIBUTION_ID"):
        env.pop(name, None)
    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.create_bucket(Bucket=BUCKET)

    def command(data: Path) -> list[str]:
        return [sys.executable, "-m", "wenzheng.cli", "build", "--sink", f"s3://{BUCKET}",
                "--no-search", "--take-over", "--data", str(data)]

    def served() -> dict[str, bytes]:
        return {k: v for k, v in live_site(s3).items() if not k.startswith("search/shards")}

    def run(data: Path) -> dict[str, bytes]:
        subprocess.run(command(data), env=env, check=True, capture_output=True, timeout=300)
        return served()

    # the two sites, as the command line builds them (its calendar, content/'s topics)
    new_site = run(tmp_path / "b")
    started = time.monotonic()
    old_site = run(tmp_path / "a")
    seconds = time.monotonic() - started
    assert old_site != new_site and read_pointer(s3, BUCKET).next is None
    known = {"old": old_site, "new": new_site}
    data = {"old": tmp_path / "a", "new": tmp_path / "b"}
    rng = random.Random(8)
    current, mid_build = "old", 0
    for _run in range(6):
        target = "new" if current == "old" else "old"
        proc = subprocess.Popen(command(data[target]), env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, seconds * 1.1))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = served()
        state = next((name for name, site in known.items() if site == now), None)
        assert state is not None, "the live generation holds a mix of two sites"
        mid_build += read_pointer(s3, BUCKET).next is not None
        # the restart: a build that takes over from the dead one and completes
        assert run(data[target]) == known[target] and read_pointer(s3, BUCKET).next is None
        assert len(generations(s3, BUCKET)) <= 2
        current = target
    assert mid_build, "no kill landed mid-build"


def test_a_build_that_holds_the_publisher_is_reported_every_minute(aws, town, capsys):
    """While `next` is set the indexer waits and says for how long, as a CloudWatch metric
    line (publisher/metrics.py), which the stack's alarm watches: a killed build is noticed
    long before its lease runs out."""
    import json

    from publisher import metrics
    s3 = aws
    first = build(town, s3)
    publisher = stream_publisher(town)
    capsys.readouterr()
    assert "held_seconds" not in publisher.index_search()         # no build: nothing said
    assert metrics.FULL_BUILD_HELD not in capsys.readouterr().out
    began = time.time() - 2 * 3600                                 # killed two hours ago
    write_pointer(s3, BUCKET, "", Pointer(live=first.generation, next="dead", since=began))
    summary = publisher.index_search()
    assert summary["waiting"] and 2 * 3600 <= summary["held_seconds"] < 2 * 3600 + 60
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()
             if metrics.FULL_BUILD_HELD in x]
    assert len(lines) == 1
    line = lines[0]
    assert line["Stage"] == "test" and line[metrics.FULL_BUILD_HELD] == pytest.approx(
        summary["held_seconds"], abs=0.1)
    assert line[metrics.FULL_BUILD_HELD] > metrics.HELD_ALARM_SECONDS
    declared = line["_aws"]["CloudWatchMetrics"][0]
    assert declared["Namespace"] == metrics.NAMESPACE and declared["Dimensions"] == [["Stage"]]
    assert declared["Metrics"] == [{"Name": metrics.FULL_BUILD_HELD, "Unit": "Seconds"}]
    assert abs(line["_aws"]["Timestamp"] / 1000 - time.time()) < 60
