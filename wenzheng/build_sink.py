"""`wenzheng build --sink s3://BUCKET[/PREFIX] [--store sqlite|dynamodb]`: the full build into
the site bucket (instead of infra/README.md's snippet).

Reads the store the settings name (`--store dynamodb`: the table `WENZHENG_TABLE`, through
paged Queries only, never a Scan; the read units it consumed are reported), renders every page
through `publisher.build.full_build` into an `S3Sink` (only files whose hash changed uploaded,
concurrently; files no page owns deleted; the manifest of hashes written last), then tells the
CDN once (`WENZHENG_DISTRIBUTION_ID`, if set). The search index is not rebuilt here: the
indexer's next run does (see infra/README.md).
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from chalicelib import bootstrap

__all__ = ["parse_sink", "build_to_bucket", "parallel_into"]


def parse_sink(url: str) -> tuple[str, str]:
    """`s3://bucket/prefix` -> ("bucket", "prefix"); a ValueError for anything else."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"a sink is s3://BUCKET or s3://BUCKET/PREFIX, not {url!r}")
    return parts.netloc, parts.path.strip("/")


def build_to_bucket(settings: bootstrap.Settings, url: str, no_search: bool = False,
                    client=None, cdn_client=None, out=None,
                    topics: Callable[[Any], str] | None = None,
                    progress: Callable[[int, int], None] | None = None,
                    workers: int = 1) -> int:
    """The full build into `url`; `topics(ctx)` registers content/'s consultation topics
    first and says what it did (the command line's), `progress(done, total)` its bar. With
    `workers` > 1 the pages are rendered by that many processes into a local folder first
    (`publisher.parallel`), then that folder goes up through the same sink."""
    from publisher.build import full_build
    from publisher.runtime import content_for
    from publisher.sinks import S3Sink, cloudfront_invalidator
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
    invalidate = (cloudfront_invalidator(settings.distribution_id, client=cdn_client)
                  if settings.distribution_id else None)
    sink = S3Sink(bucket, prefix=prefix, client=client, invalidate=invalidate)
    units0 = getattr(store, "read_units", None)
    requests0 = getattr(store, "read_requests", 0)
    started = time.monotonic()
    if workers == 1:
        result = full_build(store, content_for(settings), sink, prune=True,
                            progress=progress)
    else:
        result = _parallel_to_bucket(settings, sink, workers)
    uploaded = len(result.changed) - len(set(result.deleted))
    print(f"site built into s3://{bucket}/{prefix}: {result.pages:,} pages in "
          f"{result.files:,} files ({result.letters:,} published letters); {uploaded:,} "
          f"uploaded, {len(set(result.deleted)):,} deleted, "
          f"{result.files - uploaded:,} unchanged; in {time.monotonic() - started:.1f} s",
          file=out)
    if units0 is not None and workers > 1:
        print("DynamoDB reads: made by the worker processes, not counted here (count them "
              "with --workers 1)", file=out)
    elif units0 is not None:
        units = store.read_units - units0
        reads = store.read_requests - requests0
        print(f"DynamoDB reads: {reads:,} requests (Query/GetItem/BatchGetItem, no Scan), "
              f"{units:,.1f} read units", file=out)
    if invalidate is None and result.changed:
        print("no WENZHENG_DISTRIBUTION_ID: the CDN was not told what changed", file=out)
    return 0


def _parallel_to_bucket(settings: bootstrap.Settings, sink, workers: int):
    """Render on `workers` processes into a temporary folder, then write each file through the
    bucket's sink (which uploads only what its manifest says changed) and delete the objects no
    file of the build has: what `full_build(..., prune=True)` does, on every core."""
    import shutil
    import tempfile
    from pathlib import Path

    from publisher.build import BuildResult, prune_unwritten

    folder = Path(tempfile.mkdtemp(prefix="wenzheng-build-"))
    try:
        built = parallel_into(settings, folder, workers)
        result = BuildResult(pages=built.pages, files=built.files, letters=built.letters)
        sink.begin(full=True)
        written = set()
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                path = file.relative_to(folder).as_posix()
                sink.write(path, file.read_bytes())
                written.add(path)
        prune_unwritten(sink, written, result)
        result.changed = sink.finish()
        return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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
