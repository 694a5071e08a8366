"""Site generations in the bucket: a full build lands as a whole, or not at all.

A full build into the site bucket writes a new, whole site under its own prefix, a
*generation*, while readers keep the live one; the switch comes last. The bucket holds (under
the sink's root, the bucket's top for a deployed stage):

    _site/<generation>/...   one whole site per full build (the live one and the one before)
    _live/site.json          the pointer: {"live": <generation>, "next": <generation> | null,
                             "since": <epoch seconds the build began>}
    _manifest/...            each generation's hashes (`S3Sink`)

CloudFront serves the site origin with the origin path `/_site/<live>` (the stack's
`SiteOriginPath`, which `wenzheng deploy` carries over), so a reader never sees a page of
the new generation beside a page of the old one, and `_live/` and `_manifest/` are not
reachable from the web at all.

A build (`build_generation`):

1. writes the pointer with `next` set: from then on the stream handler, which still publishes
   into the live generation, leaves its change records pending (`LiveSite.held`), and the
   every-minute refresh and search indexer wait (their marks stay);
2. renders every page into the new prefix: a page the live generation's manifest already holds
   is copied inside S3 (no upload); the search index's files are copied over at the end;
3. switches: the pointer names the new generation, then the distribution's origin path, then
   `/*` leaves the CDN;
4. publishes the change records held back meanwhile into the new generation (and marks them
   done), so nothing published during the build is lost from it;
5. deletes the generations older than the one it replaced (that one stays, for a rollback by
   hand: point the pointer and the origin path back).

A build that fails or is killed before the switch leaves the live site untouched. A failure it
catches clears `next`, publishes the held changes into the live generation and removes the
half-built prefix; a killed one leaves `next` set, and the held changes stay pending, until
the next build takes over: a `next` older than `LEASE_SECONDS` counts as abandoned.
"""
from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.services.ports import Store

from .build import SEARCH_FILES, publish_pending
from .content import Content
from .rendering import BuildResult
from .sinks import S3Sink

__all__ = ["Pointer", "POINTER", "GENERATIONS", "LEASE_SECONDS", "BuildUnderWay",
           "GenerationResult", "read_pointer", "write_pointer", "prefix_of", "origin_path",
           "live_sink", "switch_origin", "build_generation", "prune_generations"]

POINTER = "_live/site.json"
GENERATIONS = "_site/"
SITE_ORIGIN = "site"               # the distribution's origin id for the bucket (infra/)
# a build that set `next` this long ago and never switched is taken for dead
LEASE_SECONDS = 3 * 3600


class BuildUnderWay(RuntimeError):
    """Another full build holds the pointer's `next` (and its lease has not run out)."""


@dataclass
class Pointer:
    live: str = ""                 # "": the site at the root (a bucket built before generations)
    next: str | None = None        # the generation a build is writing, if one is
    since: float | None = None     # when that build began (epoch seconds)

    def building(self, now: float) -> bool:
        return self.next is not None and now - (self.since or 0) < LEASE_SECONDS

    def to_json(self) -> bytes:
        return json.dumps({"version": 1, "live": self.live, "next": self.next,
                           "since": self.since}, sort_keys=True).encode()


def _root(root: str) -> str:
    return root.strip("/") + "/" if root.strip("/") else ""


def prefix_of(root: str, generation: str) -> str:
    """The key prefix of a generation's pages ("" the root layout)."""
    return _root(root) + (f"{GENERATIONS}{generation}/" if generation else "")


def origin_path(root: str, generation: str) -> str:
    """What the distribution's site origin path is while `generation` is live."""
    prefix = prefix_of(root, generation).rstrip("/")
    return "/" + prefix if prefix else ""


def read_pointer(client: Any, bucket: str, root: str = "") -> Pointer:
    """The pointer (a bucket without one serves the root layout). S3 reads are strongly
    consistent: a reader after a write sees it."""
    from botocore.exceptions import ClientError
    try:
        body = client.get_object(Bucket=bucket, Key=_root(root) + POINTER)["Body"].read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return Pointer()
        raise
    doc = json.loads(body)
    since = doc.get("since")
    return Pointer(live=str(doc.get("live") or ""), next=doc.get("next") or None,
                   since=float(since) if since is not None else None)


def write_pointer(client: Any, bucket: str, root: str, pointer: Pointer) -> None:
    client.put_object(Bucket=bucket, Key=_root(root) + POINTER, Body=pointer.to_json(),
                      ContentType="application/json", CacheControl="no-store")


@dataclass
class LiveSite:
    """The sink of the live generation, and whether a build is under way (one read of the
    pointer for both: what the stream handler decides with)."""
    sink: S3Sink
    pointer: Pointer
    held: bool                     # a build is under way: leave the change records pending


def live_sink(bucket: str, client: Any = None, root: str = "",
              invalidate: Callable[[list[str]], None] | None = None,
              clock: Callable[[], float] = time.time) -> LiveSite:
    from .sinks import boto3_client
    client = client or boto3_client("s3")
    pointer = read_pointer(client, bucket, root)
    sink = S3Sink(bucket, prefix=prefix_of(root, pointer.live), client=client,
                  invalidate=invalidate)
    return LiveSite(sink, pointer, pointer.building(clock()))


def switch_origin(cloudfront: Any, distribution_id: str, path: str) -> bool:
    """Point the distribution's site origin at `path`; False when it already is."""
    got = cloudfront.get_distribution_config(Id=distribution_id)
    config, etag = got["DistributionConfig"], got["ETag"]
    origins = [o for o in config["Origins"]["Items"] if o["Id"] == SITE_ORIGIN]
    if not origins:
        raise RuntimeError(f"distribution {distribution_id} has no origin {SITE_ORIGIN!r}")
    if (origins[0].get("OriginPath") or "") == path:
        return False
    origins[0]["OriginPath"] = path
    cloudfront.update_distribution(Id=distribution_id, IfMatch=etag, DistributionConfig=config)
    return True


@dataclass
class GenerationResult:
    generation: str
    previous: str
    build: BuildResult
    copied: int = 0                # pages and search files copied inside S3, not uploaded
    held: int = 0                  # change records published into it after the switch
    removed: list[str] = field(default_factory=list)     # generations deleted
    origin_switched: bool = False


def new_generation(now: float) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now)) + "-" + secrets.token_hex(3)


def build_generation(store: Store, content: Content, bucket: str, client: Any,
                     render: Callable[[S3Sink], BuildResult], root: str = "",
                     cloudfront: Any = None, distribution_id: str | None = None,
                     say: Callable[[str], None] = lambda line: None,
                     clock: Callable[[], float] = time.time,
                     invalidate: bool = True, take_over: bool = False) -> GenerationResult:
    """A full build into a new generation, switched in last (the module's note). `render(sink)`
    renders every page into the sink, `begin(full=True)` to `finish()` (`full_build`, or the
    parallel build's upload). With a distribution, its origin path is switched, and `/*`
    invalidated unless `invalidate` is False (the deploy does it as a step of its own).
    `take_over`: build even though the pointer says a build is under way (it was killed)."""
    pointer = read_pointer(client, bucket, root)
    now = clock()
    if pointer.building(now) and not take_over:
        began = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(pointer.since or 0))
        raise BuildUnderWay(f"a full build into generation {pointer.next} began at {began} and "
                            f"has not switched; wait for it (after {LEASE_SECONDS // 3600} h "
                            "it counts as abandoned)")
    generation = new_generation(now)
    previous = pointer.live
    if pointer.next and pointer.next != previous:
        _delete_prefix(client, bucket, prefix_of(root, pointer.next))    # a dead build's
    write_pointer(client, bucket, root, Pointer(live=previous, next=generation, since=now))
    say(f"generation {generation} (live: {previous or 'the root layout'})")
    sink = S3Sink(bucket, prefix=prefix_of(root, generation), client=client,
                  copy_from=prefix_of(root, previous), carry=SEARCH_FILES)
    try:
        built = render(sink)
    except BaseException:
        # the live site was never touched: give the pointer back, publish what was held back
        # into the live generation, and remove the half-built one
        write_pointer(client, bucket, root, Pointer(live=previous))
        publish_pending(store, content, S3Sink(bucket, prefix=prefix_of(root, previous),
                                               client=client))
        _delete_prefix(client, bucket, prefix_of(root, generation))
        raise
    result = GenerationResult(generation, previous, built, copied=sink.copied)
    # the switch: the bucket's pointer, then the edge
    write_pointer(client, bucket, root, Pointer(live=generation))
    if cloudfront is not None and distribution_id:
        result.origin_switched = switch_origin(cloudfront, distribution_id,
                                               origin_path(root, generation))
        if invalidate:
            cloudfront.create_invalidation(DistributionId=distribution_id, InvalidationBatch={
                "Paths": {"Quantity": 1, "Items": ["/*"]},
                "CallerReference": f"generation-{generation}"})
    say(f"switched to {generation}" + (" (origin path "
                                       f"{origin_path(root, generation)})"
                                       if result.origin_switched else ""))
    # what the stream published into the old generation during the build
    result.held = publish_pending(store, content, S3Sink(bucket, prefix=prefix_of(
        root, generation), client=client))
    result.removed = prune_generations(client, bucket, root, keep={generation, previous})
    return result


def generations(client: Any, bucket: str, root: str = "") -> list[str]:
    """The generations the bucket holds, oldest first (their names sort by time)."""
    found = []
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=_root(root) + GENERATIONS,
                                   Delimiter="/"):
        for common in page.get("CommonPrefixes", []):
            found.append(common["Prefix"].rstrip("/").rsplit("/", 1)[-1])
    return sorted(found)


def prune_generations(client: Any, bucket: str, root: str, keep: set[str]) -> list[str]:
    """Delete every generation not in `keep` (with its manifest); the root layout's pages too
    once no kept generation is the root one ("")."""
    removed = []
    for generation in generations(client, bucket, root):
        if generation not in keep:
            _delete_prefix(client, bucket, prefix_of(root, generation))
            _delete_keys(client, bucket, [S3Sink.manifest_key_of(prefix_of(root, generation))])
            removed.append(generation)
    if "" not in keep:
        legacy = S3Sink(bucket, prefix=_root(root), client=client)
        keys = [_root(root) + p for p in legacy.paths()]
        if keys:
            _delete_keys(client, bucket, keys)
            _delete_keys(client, bucket, [S3Sink.manifest_key_of(_root(root))])
            removed.append("")
    return removed


def _delete_prefix(client: Any, bucket: str, prefix: str) -> None:
    assert prefix, "never the whole bucket"
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        _delete_keys(client, bucket, [o["Key"] for o in page.get("Contents", [])])


def _delete_keys(client: Any, bucket: str, keys: list[str]) -> None:
    for start in range(0, len(keys), 1000):
        batch = keys[start:start + 1000]
        if batch:
            client.delete_objects(Bucket=bucket, Delete={
                "Objects": [{"Key": k} for k in batch], "Quiet": True})
