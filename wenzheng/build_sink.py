"""`wenzheng build --sink s3://BUCKET[/PREFIX] [--store sqlite|dynamodb]`: the full build into
the site bucket (instead of infra/README.md's snippet).

Reads the store the settings name (`--store dynamodb`: the table `WENZHENG_TABLE`, through
paged Queries only, never a Scan; the read units it consumed are reported), renders every page
through `publisher.build.full_build` into a new generation of the bucket (`publisher.generations`:
a page the live generation already holds is copied inside S3, the rest uploaded concurrently,
the search index's files carried over), then switches: the bucket's pointer, the CDN's origin
path and one invalidation (`WENZHENG_DISTRIBUTION_ID`, if set), and publishes what the stream
held back meanwhile. A build that fails leaves the live site as it was.
"""
from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from chalicelib import bootstrap

__all__ = ["parse_sink", "build_to_bucket", "parallel_into"]


# S3's rule for a bucket name: 3-63 lower-case letters, digits, dots and hyphens, a letter or
# digit at each end, no two dots together
BUCKET_NAME = re.compile(r"^(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def parse_sink(url: str) -> tuple[str, str]:
    """`s3://bucket/prefix` -> ("bucket", "prefix"); a ValueError for anything else."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"a sink is s3://BUCKET or s3://BUCKET/PREFIX, not {url!r}")
    if not BUCKET_NAME.match(parts.netloc):
        raise ValueError(f"{parts.netloc!r} is not an S3 bucket name (3-63 lower-case "
                         "letters, digits, dots and hyphens)")
    return parts.netloc, parts.path.strip("/")


def build_to_bucket(settings: bootstrap.Settings, url: str, no_search: bool = False,
                    client=None, cdn_client=None, out=None,
                    topics: Callable[[Any], str] | None = None,
                    progress: Callable[[int, int], None] | None = None,
                    workers: int = 1, take_over: bool = False) -> int:
    """The full build into `url`; `topics(ctx)` registers content/'s consultation topics
    first and says what it did (the command line's), `progress(done, total)` its bar. With
    `workers` > 1 the pages are rendered by that many processes into a local folder first
    (`publisher.parallel`), then that folder goes up through the same sink."""
    from botocore.exceptions import BotoCoreError, ClientError

    from publisher.build import full_build
    from publisher.generations import BuildUnderWay, build_generation
    from publisher.runtime import content_for
    from publisher.sinks import boto3_client
    out = out or sys.stdout
    del no_search            # the indexer's (see the module's note)
    try:
        bucket, prefix = parse_sink(url)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    store = bootstrap.make_store(settings, bootstrap.real_clock)
    from chalicelib.adapters.calendars import OfficialCalendar
    from chalicelib.services.context import Context
    ctx = Context(store=store, calendar=OfficialCalendar(settings.content_dir / "calendar"),
                  clock=bootstrap.real_clock,
                  departments=bootstrap.load_departments(settings.content_dir))
    if topics is not None:
        print(f"consultation topics: {topics(ctx)}", file=out)
    client = client or boto3_client("s3")
    cloudfront = None
    if settings.distribution_id:
        cloudfront = cdn_client or boto3_client("cloudfront")
    units0 = getattr(store, "read_units", None)
    requests0 = getattr(store, "read_requests", 0)
    started = time.monotonic()

    def render(sink):
        if workers == 1:
            return full_build(store, content_for(settings), sink, prune=True,
                              progress=progress)
        return _parallel_to_bucket(settings, sink, workers)

    try:
        done = build_generation(store, content_for(settings), bucket, client, render,
                                root=prefix, cloudfront=cloudfront,
                                distribution_id=settings.distribution_id,
                                say=lambda line: print(line, file=out),
                                take_over=take_over)
    except BuildUnderWay as exc:
        print(f"error: {exc}; if it was killed, build again with --take-over",
              file=sys.stderr)
        return 1
    except (BotoCoreError, ClientError) as exc:
        # no credentials, no network, no such bucket, access denied: what AWS said, no trace
        print(f"error: AWS did not take the build into s3://{bucket}: {exc}", file=sys.stderr)
        return 1
    result = done.build
    uploaded = len(result.changed) - len(set(result.deleted)) - done.copied
    print(f"site built into s3://{bucket}/{prefix}{'/' if prefix else ''}_site/"
          f"{done.generation}/: {result.pages:,} pages in {result.files:,} files "
          f"({result.letters:,} published letters); {uploaded:,} uploaded, "
          f"{done.copied:,} copied from the live generation; "
          f"in {time.monotonic() - started:.1f} s", file=out)
    print(f"live: {done.generation}" + (f"; {done.held:,} change(s) published during the "
                                        "build written again into it" if done.held else "")
          + (f"; removed {', '.join(g or 'the root layout' for g in done.removed)}"
             if done.removed else ""), file=out)
    if units0 is not None and workers > 1:
        print("DynamoDB reads: made by the worker processes, not counted here (count them "
              "with --workers 1)", file=out)
    elif units0 is not None:
        units = store.read_units - units0
        reads = store.read_requests - requests0
        print(f"DynamoDB reads: {reads:,} requests (Query/GetItem/BatchGetItem, no Scan), "
              f"{units:,.1f} read units", file=out)
    if cloudfront is None:
        print("no WENZHENG_DISTRIBUTION_ID: the CDN's origin path was not switched; serve "
              f"the bucket from /{prefix + '/' if prefix else ''}_site/{done.generation}",
              file=out)
    return 0


def _parallel_to_bucket(settings: bootstrap.Settings, sink, workers: int):
    """Render on `workers` processes into a temporary folder, then write each file through the
    bucket's sink (which uploads only what its manifest says changed) and delete the objects no
    file of the build has: what `full_build(..., prune=True)` does, on every core."""
    import shutil
    import tempfile
    from pathlib import Path

    from publisher.build import BuildResult, prune_unwritten
    from publisher.ledger import Ledger

    folder = Path(tempfile.mkdtemp(prefix="wenzheng-build-"))
    written = Ledger()              # the paths written: on disk, like the sink's bookkeeping
    try:
        built = parallel_into(settings, folder, workers)
        result = BuildResult(pages=built.pages, files=built.files, letters=built.letters)
        sink.begin(full=True)
        seen = written.map("written")
        for path, file in _files_in_order(folder):
            sink.write(path, file.read_bytes())
            seen[path] = 1
        prune_unwritten(sink, seen, result)
        result.changed = sink.finish()
        return result
    finally:
        written.close()
        shutil.rmtree(folder, ignore_errors=True)


def _files_in_order(folder):
    """(site path, file) of every file under `folder`, in path order, walked a folder at a
    time (never a list of the whole site)."""
    import os
    from pathlib import Path
    for top, dirs, files in os.walk(folder):
        dirs.sort()
        rel = Path(top).relative_to(folder).as_posix()
        for name in sorted(files):
            yield (name if rel == "." else f"{rel}/{name}"), Path(top, name)


def parallel_into(settings: bootstrap.Settings, folder, workers: int):
    """Every page rendered by `workers` processes into `folder` (`publisher.parallel`: the same
    bytes as the one-process build), each with its own connection to the settings' store."""
    from functools import partial

    from publisher.parallel import parallel_full_build
    from publisher.runtime import content_for
    from publisher.sinks import LocalFolderSink
    return parallel_full_build(partial(bootstrap.make_store, settings, bootstrap.real_clock),
                               partial(LocalFolderSink, folder), content_for(settings),
                               workers=workers)
