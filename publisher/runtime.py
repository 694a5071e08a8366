"""Publishing wired to settings: which sink a deployed function or a local server writes to."""
from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

from chalicelib.config import Settings
from chalicelib.services.ports import Change, Store


def site_dir(settings: Settings) -> Path:
    return settings.data_dir / "site"


def configured_sink(settings: Settings):
    from .sinks import LocalFolderSink, S3Sink, cloudfront_invalidator
    if settings.site_bucket:
        invalidate = (cloudfront_invalidator(settings.distribution_id)
                      if settings.distribution_id else None)
        return S3Sink(settings.site_bucket, invalidate=invalidate)
    return LocalFolderSink(site_dir(settings))


_content_cache: dict[Path, object] = {}


def content_for(settings: Settings):
    """content/ is fixed for the life of a process (it changes by commit and redeploy)."""
    from .content import load_content
    key = settings.content_dir.resolve()
    if key not in _content_cache:
        _content_cache[key] = load_content(key)
    return _content_cache[key]


def publish_to_configured_sink(store: Store, settings: Settings,
                               changes: Iterable[Change]) -> set:
    from .build import publish_changes
    return publish_changes(store, content_for(settings), configured_sink(settings), list(changes))


_drain_lock = threading.Lock()
_index_lock = threading.Lock()      # one indexer at a time: Pagefind takes a core and memory


def drain_outbox(store: Store, settings: Settings, sink=None, batch: int = 200) -> int:
    """Publish every pending change record, oldest first, then mark them done (local runs; in
    AWS the DynamoDB stream delivers them to the function instead); one drain at a time."""
    from .build import publish_pending
    sink = sink or configured_sink(settings)
    with _drain_lock:
        return publish_pending(store, content_for(settings), sink, batch)


class SitePublisher:
    """The `Publisher` port over the configured sink (`bootstrap.make_publisher` builds it for
    the stream handler): pages for a stream batch, or the whole pending outbox."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def publish(self, changes: list[Change]) -> set[str]:
        return publish_to_configured_sink(self.store, self.settings, changes)

    def drain(self) -> int:
        return drain_outbox(self.store, self.settings)

    def index_search(self, everything: bool = False):
        """Bring the search index up to date with what was published (the background indexer:
        only the stale shards; `everything` rebuilds every shard)."""
        from .search.index import update_index
        with _index_lock:
            return update_index(self.store, content_for(self.settings),
                                configured_sink(self.settings), everything=everything)
