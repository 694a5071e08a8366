"""The two builds: full (every page) and incremental (the pages some changes touch).

Both render through the same `Renderer` against a `Snapshot` of the store, so a page's bytes do
not depend on which build wrote them (invariant 1). The full build streams: it renders a page of
the monthly archive, then the letters on it, and lets them go.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Container
from pathlib import Path

from chalicelib.services.ports import Change, Store

from . import deferred
from . import pages as P
from .content import Content
from .render import Renderer, default_theme_dir
from .rendering import BuildResult, Progress, render_pages
from .search.index import MANIFEST_PATH, SHARDS_ROOT, mark_changes
from .sinks import Sink
from .snapshot import Snapshot

__all__ = ["full_build", "publish_changes", "publish_pending", "default_theme_dir",
           "BuildResult", "render_pages"]

SEARCH_FILES = (SHARDS_ROOT, MANIFEST_PATH)

log = logging.getLogger("wenzheng.publish")


def full_build(store: Store, content: Content, sink: Sink, theme_dir: str | Path | None = None,
               progress: Progress | None = None, prune: bool = False) -> BuildResult:
    """Render every page of the site into `sink`; with `prune`, delete files no page owns."""
    snap = Snapshot(store)
    renderer = Renderer(snap, content, theme_dir)
    marked = deferred.marks(store.search_state())   # what this build renders anyway
    total = P.count_all_pages(snap, content) if progress else 0
    result = BuildResult(letters=store.count_published())
    written: set[str] = set()
    sink.begin(full=True)
    render_pages(renderer, P.all_pages(snap, content), sink, result, written, progress, total)
    if prune:
        prune_unwritten(sink, written, result)
    result.changed = sink.finish()
    deferred.record_built(store, marked)
    return result


def prune_unwritten(sink: Sink, written: Container[str], result: BuildResult) -> None:
    """Delete every file of the sink that this full build did not write (the sink's paths are
    read through first and only those to delete are kept: a site's worth of paths is not)."""
    # the search index's files are its own (search.index)
    doomed = [path for path in sink.paths()
              if path not in written and not path.startswith(SEARCH_FILES)]
    for path in doomed:
        if sink.delete(path):
            result.deleted.append(path)


def publish_changes(store: Store, content: Content, sink: Sink, changes: list[Change],
                    theme_dir: str | Path | None = None, defer: bool = False) -> set[P.PageKey]:
    """Re-render only the pages these changes touch (each once); returns their keys. With
    `defer` (the stream handler), the deferred pages among them (the open-data month files and
    what is counted from them) are only marked, for the every-minute refresh
    (`publisher.deferred`); the keys returned are the ones rendered."""
    snap = Snapshot(store)
    keys = P.affected_by_all(changes, snap, content)
    if defer:
        later = {k for k in keys if deferred.is_deferred(k)}
        if later:
            deferred.mark_pages(store, later)
            keys -= later
    if keys:
        renderer = Renderer(snap, content, theme_dir)
        sink.begin(full=False)
        # letters (re)published or withdrawn: their pages leave the CDN at once
        # (`sinks.edge_urls`); every other page is refreshed there within a minute
        sink.urgent = {i for c in changes for i in [*c.published, *c.withdrawn]}
        render_pages(renderer, P.sort_keys(keys), sink, BuildResult())
        sink.finish()
    # the search index follows in the background (search.index.drain): mark what moved
    mark_changes(store, changes)
    return keys


def publish_pending(store: Store, content: Content, sink: Sink, batch: int = 200,
                    theme_dir: str | Path | None = None, defer: bool = False) -> int:
    """Drain the outbox: publish pending change records, oldest first, a batch at a time, then
    mark them done. Returns how many (local runs and tests; in AWS the DynamoDB stream delivers
    them to the function instead)."""
    done = 0
    while True:
        changes = store.pending_changes(batch)
        if not changes:
            return done
        started = time.perf_counter()
        keys = publish_changes(store, content, sink, changes, theme_dir, defer)
        store.mark_changes_done([c.id for c in changes])
        done += len(changes)
        log.info("published %d change(s): %d page(s) in %.0f ms", len(changes), len(keys),
                 (time.perf_counter() - started) * 1000)
