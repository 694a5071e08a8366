"""Publishing wired to settings: which sink a deployed function or a local server writes to."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from chalicelib.config import Settings
from chalicelib.services.ports import Change, Store

log = logging.getLogger("wenzheng.search")


def site_dir(settings: Settings) -> Path:
    return settings.data_dir / "site"


def configured_sink(settings: Settings, invalidate: bool = True):
    """The live generation of the site bucket in AWS (its CDN told what changed at
    `finish()`, unless `invalidate` is False), else the local site folder."""
    return configured_site(settings, invalidate)[0]


def configured_site(settings: Settings, invalidate: bool = True) -> tuple[Any, bool]:
    """The configured sink, and whether a full build into a new generation of the bucket is
    under way (`publisher.generations`: one read of its pointer for both; never locally)."""
    from .sinks import LocalFolderSink
    if settings.site_bucket:
        from .generations import live_sink
        live = live_sink(settings.site_bucket,
                         invalidate=cdn_invalidator(settings) if invalidate else None)
        return live.sink, live.held
    return LocalFolderSink(site_dir(settings)), False


def cdn_invalidator(settings: Settings):
    from .sinks import cloudfront_invalidator
    if settings.distribution_id:
        return cloudfront_invalidator(settings.distribution_id)
    return None


def index_urls(changed: Iterable[str]) -> list[str]:
    """Every shard folder a run wrote or deleted in (a wildcard each) and every other file by
    its URL: what the CDN is told after an index run that failed part-way, when what it
    deleted is not known (`search.index.forget_urls` after one that finished)."""
    from .search.index import shard_folder_url
    return sorted({shard_folder_url(path) or "/" + path for path in changed})


_content_cache: dict[Path, object] = {}


def content_for(settings: Settings):
    """content/ is fixed for the life of a process (it changes by commit and redeploy)."""
    from .content import load_content
    key = settings.content_dir.resolve()
    if key not in _content_cache:
        _content_cache[key] = load_content(key)
    return _content_cache[key]


def publish_to_configured_sink(store: Store, settings: Settings,
                               changes: Iterable[Change]) -> tuple[set, bool]:
    """The stream handler's publish: the pages the changes touch, except the deferred ones
    (the open-data month files and what is counted from them), which it marks for `refresh`;
    and whether a full build is under way (then the change records stay pending: the build
    publishes them again into the generation it switches to)."""
    from .build import publish_changes
    sink, held = configured_site(settings)
    return publish_changes(store, content_for(settings), sink, list(changes), defer=True), held


_refresh_lock = threading.Lock()


def refresh_deferred(store: Store, settings: Settings, sink=None) -> list:
    """Render the deferred pages marked since their last rendering (every minute in AWS, with
    the search indexer; the local server's search loop), one refresh at a time. While a full
    build into a new generation is under way nothing is rendered: the marks wait for it."""
    from .deferred import refresh_deferred as refresh
    if sink is None:
        sink, held = configured_site(settings)
        if held:
            log.info("deferred pages wait: a full build is under way")
            return []
    with _refresh_lock:
        return refresh(store, content_for(settings), sink)


_drain_lock = threading.Lock()
_index_lock = threading.Lock()      # one indexer at a time: Pagefind takes a core and memory


def drain_outbox(store: Store, settings: Settings, sink=None, batch: int = 200) -> int:
    """Publish every pending change record, oldest first, then mark them done (local runs; in
    AWS the DynamoDB stream delivers them to the function instead); one drain at a time."""
    from .build import publish_pending
    sink = sink or configured_sink(settings)
    with _drain_lock:
        return publish_pending(store, content_for(settings), sink, batch)


def report_held_build(settings: Settings, clock: Callable[[], float] = time.time) -> float:
    """How long the full build under way has held the publisher, reported to CloudWatch
    (`metrics.FULL_BUILD_HELD`: the stack's alarm fires past `HELD_ALARM_SECONDS`)."""
    from . import metrics
    from .generations import read_pointer
    from .sinks import boto3_client
    assert settings.site_bucket
    pointer = read_pointer(boto3_client("s3"), settings.site_bucket)
    now = clock()
    held = max(0.0, now - (pointer.since or now))
    metrics.report(settings.stage, {metrics.FULL_BUILD_HELD: round(held, 1)}, at=now)
    if held > metrics.HELD_ALARM_SECONDS:
        log.warning("a full build has held the publisher for %.0f min: if it was killed, "
                    "build again with --take-over", held / 60)
    return held


class SitePublisher:
    """The `Publisher` port over the configured sink (`bootstrap.make_publisher` builds it for
    the stream handler): pages for a stream batch, or the whole pending outbox."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.held = False          # the last publish found a full build under way

    def publish(self, changes: list[Change]) -> set[str]:
        pages, self.held = publish_to_configured_sink(self.store, self.settings, changes)
        return pages

    def settle(self, changes: list[Change]) -> bool:
        """Mark the published change records done, unless the publish found a full build
        under way (they stay pending; it publishes them into its generation after the switch:
        `publisher.generations`). Whether they were marked."""
        if self.held:
            log.info("%d change record(s) held for the full build under way", len(changes))
            return False
        self.store.mark_changes_done([c.id for c in changes])
        return True

    def drain(self) -> int:
        return drain_outbox(self.store, self.settings)

    def refresh(self) -> list:
        return refresh_deferred(self.store, self.settings)

    def index_search(self, everything: bool = False) -> dict[str, Any]:
        """Bring the search index up to date with what was published (the background indexer:
        only the stale shards; `everything` rebuilds every shard), then tell the CDN what
        it must forget (a corrected or withdrawn letter's indexed text: `forget_urls`).
        Never raises for Pagefind missing or failing: the summary's `error` says so and the
        marks stay, so the next run tries again (the dev server's loop, the AWS schedule,
        which would otherwise retry the same event)."""
        from .search.index import IndexResult, SearchIndexError, forget_urls, update_index
        sink, held = configured_site(self.settings, invalidate=False)
        if held:       # the marks wait for the new generation (publisher.generations)
            return {"shards": [], "records": 0, "files": 0, "removed": [], "error": None,
                    "waiting": "a full build is under way",
                    "held_seconds": report_held_build(self.settings)}
        with _index_lock:
            sink.begin()
            try:
                result = update_index(self.store, content_for(self.settings), sink,
                                      everything=everything,
                                      chunk_locs=self.settings.search_chunk_locs)
                error = None
            except (SearchIndexError, OSError) as exc:   # OSError: the binary cannot run
                log.warning("search index not updated: %s", exc)
                result, error = IndexResult(), str(exc)[-500:] or type(exc).__name__
            changed = sink.finish()      # what was written, even by a run that failed later
        invalidate = cdn_invalidator(self.settings)
        urls = index_urls(changed) if error else forget_urls(result.deleted)
        if urls and invalidate is not None:
            invalidate(urls)
        return {"shards": list(result.shards), "records": result.records,
                "files": len(changed), "removed": list(result.removed), "error": error}
