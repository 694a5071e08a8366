"""The S3 sink's full builds: a manifest of hashes written last, only changed files uploaded
(concurrently), files no page owns deleted, never a GetObject or HeadObject per file. Request
counts measured on moto."""
from __future__ import annotations

import gzip
import json
import threading
from collections import Counter

import pytest
from botocore.exceptions import ClientError
from fake_store import FakeStore, month_of_letters, published_letter

from fakes import cst
from publisher.build import full_build
from publisher.sinks import S3Sink, cache_control


class Calls:
    """S3 requests by operation (and the threads that sent the PUTs)."""

    def __init__(self, client) -> None:
        self.ops: Counter[str] = Counter()
        self.put_threads: set[str] = set()
        client.meta.events.register("before-call.s3", self)

    def __call__(self, event_name: str, **_kw) -> None:
        op = event_name.rsplit(".", 1)[-1]
        self.ops[op] += 1
        if op == "PutObject":
            self.put_threads.add(threading.current_thread().name)

    def take(self) -> Counter[str]:
        ops, self.ops = self.ops, Counter()
        return ops


def _keys(client) -> set[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket="site")
    return {o["Key"] for p in pages for o in p.get("Contents", [])}


def _manifest(client, key="_manifest/www/hashes.json.gz") -> dict:
    """The manifest's entries: gzip of JSON lines, a header, then [path, sha256, etag] each."""
    body = client.get_object(Bucket="site", Key=key)["Body"].read()
    head, *rows = gzip.decompress(body).decode().splitlines()
    assert json.loads(head) == {"version": 2}
    return {path: [sha, etag] for path, sha, etag in map(json.loads, rows)}


def test_full_builds_upload_only_what_changed_and_write_the_manifest_last(s3, content):
    store = FakeStore()
    letters = month_of_letters(store, cst(2026, 11, 1, 8), 6)
    calls = Calls(s3)
    sink = S3Sink("site", prefix="www", client=s3, workers=4)
    first = full_build(store, content, sink, prune=True)
    ops = calls.take()
    files = len(first.changed)
    # the first build: one PUT per file and one for the manifest; one GET (no manifest yet)
    assert ops["PutObject"] == files + 1 and ops["GetObject"] == 1
    assert ops["HeadObject"] == 0 and ops["ListObjectsV2"] == 1
    assert any(name.startswith("s3-sink") for name in calls.put_threads)   # the thread pool
    manifest = _manifest(s3)
    assert set(manifest) == set(first.changed)
    assert all(len(sha) == 64 for sha, _etag in manifest.values())
    assert "_manifest/www/hashes.json.gz" in _keys(s3)          # outside the served prefix
    head = s3.head_object(Bucket="site", Key=f"www/letters/{letters[0].id}/index.html")
    assert head["ContentType"] == "text/html; charset=utf-8"
    assert head["CacheControl"] == cache_control("letters/x/index.html")
    assert s3.head_object(Bucket="site", Key="www/theme/css/site.css")["CacheControl"] \
        == cache_control("theme/css/site.css")

    # the same state again: no upload, no manifest rewrite; 1 GET (the manifest), 1 LIST
    calls.take()
    again = full_build(store, content, S3Sink("site", prefix="www", client=s3), prune=True)
    ops = calls.take()
    assert again.changed == [] and again.files == first.files
    assert ops == Counter({"GetObject": 1, "ListObjectsV2": 1})

    # one more letter and a file no page owns: only the changed files go up, the stray one
    # goes in one DeleteObjects, the manifest follows
    store.add(published_letter("n0001", cst(2026, 11, 2, 8)))
    s3.put_object(Bucket="site", Key="www/stray.html", Body=b"old")
    calls.take()
    third = full_build(store, content, S3Sink("site", prefix="www", client=s3), prune=True)
    ops = calls.take()
    assert "stray.html" in third.deleted and "www/stray.html" not in _keys(s3)
    uploaded = [p for p in third.changed if p not in third.deleted]
    assert "letters/n0001/index.html" in uploaded and len(uploaded) < files / 2
    assert ops["PutObject"] == len(uploaded) + 1 and ops["DeleteObjects"] == 1
    assert ops["GetObject"] == 1 and ops["HeadObject"] == 0
    assert set(_manifest(s3)) == set(manifest) | {p for p in uploaded}


def test_an_object_changed_behind_the_manifest_is_uploaded_again(s3, content):
    """An incremental publish (or a hand) rewrote a page after the last full build: its ETag
    is no longer the manifest's, so the full build puts the page back even though its sha256
    equals the manifest's."""
    store = FakeStore()
    letters = month_of_letters(store, cst(2026, 11, 1, 8), 2)
    full_build(store, content, S3Sink("site", client=s3), prune=True)
    key = f"letters/{letters[0].id}/index.html"
    good = s3.get_object(Bucket="site", Key=key)["Body"].read()
    s3.put_object(Bucket="site", Key=key, Body=b"<p>written since</p>")
    result = full_build(store, content, S3Sink("site", client=s3), prune=True)
    assert result.changed == [key]
    assert s3.get_object(Bucket="site", Key=key)["Body"].read() == good
    # with no prefix, the manifest sits at /_manifest/ and is never taken for a page
    assert "_manifest/hashes.json.gz" in _keys(s3)
    assert not any(p.startswith("_manifest/") for p in S3Sink("site", client=s3).paths())


def test_a_failed_upload_keeps_the_old_manifest(s3, content):
    store = FakeStore()
    month_of_letters(store, cst(2026, 11, 1, 8), 2)
    full_build(store, content, S3Sink("site", prefix="www", client=s3), prune=True)
    before = _manifest(s3)
    store.add(published_letter("n0001", cst(2026, 11, 2, 8)))

    def refuse(params, **_kw):
        if params.get("Key") == "www/letters/n0001/index.html":
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "no"}}, "PutObject")

    s3.meta.events.register("before-parameter-build.s3.PutObject", refuse)
    with pytest.raises(ClientError):
        full_build(store, content, S3Sink("site", prefix="www", client=s3), prune=True)
    s3.meta.events.unregister("before-parameter-build.s3.PutObject", refuse)
    assert _manifest(s3) == before
    # the next build finishes the work: it uploads what the failed one did not
    result = full_build(store, content, S3Sink("site", prefix="www", client=s3), prune=True)
    assert "letters/n0001/index.html" in result.changed
    assert "letters/n0001/index.html" in _manifest(s3)


def test_a_manifest_an_older_build_wrote_is_still_read(s3, content):
    """Version 1 (one JSON object) from a build before the line format: the next full build
    reads it, uploads nothing unchanged, and writes version 2."""
    store = FakeStore()
    month_of_letters(store, cst(2026, 11, 1, 8), 3)
    sink = S3Sink("site", prefix="www", client=s3)
    full_build(store, content, sink)
    entries = _manifest(s3)
    s3.put_object(Bucket="site", Key="_manifest/www/hashes.json.gz", Body=gzip.compress(
        json.dumps({"version": 1, "files": entries}).encode()))
    again = full_build(store, content, S3Sink("site", prefix="www", client=s3))
    assert again.changed == []
    # the same entries, so the manifest is not rewritten either: still version 1
    assert json.loads(gzip.decompress(s3.get_object(
        Bucket="site", Key="_manifest/www/hashes.json.gz")["Body"].read()))["version"] == 1
    s3.put_object(Bucket="site", Key="_manifest/www/hashes.json.gz", Body=b"torn")
    assert full_build(store, content, S3Sink("site", prefix="www", client=s3)).changed == []
    assert _manifest(s3) == entries                     # rewritten whole from the listing
