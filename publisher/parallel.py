"""The full build on every core: the page plan split across worker processes (issue 16).

`full_build` renders the whole site in one process. `parallel_full_build` renders the same keys
with the same `Renderer` (so the bytes are the same, invariant 1) in `workers` processes, each
with its own store connection (`open_store`, called in the worker) and its own sink
(`open_sink`):

- the site pages (every family's `pages`: home, boards, league, data files…) go in a few
  tasks: the kinds with many pages in chunks, the rest together (`plan_site`);
- the archive is cut into slices of at most `SLICE` pages of one month; a slice renders its
  monthly pages and the letters on them (each family's `archive`), reading the letters a page
  at a time, as `pages.all_pages` does.

Memory stays flat in the number of letters: a worker makes a new `Snapshot` and `Renderer` per
slice (their caches live for one slice) and reports counts, not the list of files it wrote.
Slices are handed out as workers free up, so two cores stay busy to the end.

`open_store` and `open_sink` must pickle (e.g. `functools.partial(SqliteStore, path)`); the
pool forks where the platform can, so the parent's imports are shared.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import deferred
from . import pages as P
from .build import BuildResult
from .content import Content
from .render import Renderer
from .sinks import Sink, put
from .snapshot import Snapshot

__all__ = ["parallel_full_build", "plan", "plan_slices", "SLICE"]

SLICE = 40          # archive pages (of PAGE_SIZE letters) per task: ~2,000 letters
SITE_CHUNK = 60     # site pages of one bulky kind per task

LISTS = 2           # a worker's snapshot keeps this many lists, not 64: a worker renders
                    # in the order of the archive and rarely reads a list twice (a month's
                    # open-data rows are streamed and never kept, `spool`)
_WORKER: dict[str, Any] = {}
log = logging.getLogger("wenzheng.publish")


@dataclass(frozen=True)
class Slice:
    month: str
    first: int          # first archive page of the month (1-based)
    last: int           # last, inclusive
    # the site pages rendered after an archive page of the slice (`pages.archive_companions`)
    follow: tuple[tuple[int, tuple[P.PageKey, ...]], ...] = ()


def plan_slices(months: list[tuple[str, int]], size: int = SLICE,
                companions: P.Companions | None = None) -> list[Slice]:
    """The archive as slices of at most `size` pages, largest months first (they start early,
    so the last task to finish is a small one); each slice takes the companions of its pages."""
    out = []
    for month, count in months:
        pages = P.pages_in(count)
        after = (companions or {}).get(month, {})
        for first in range(1, pages + 1, size):
            last = min(first + size - 1, pages)
            follow = tuple((page, tuple(after[page])) for page in range(first, last + 1)
                           if page in after)
            out.append(Slice(month, first, last, follow))
    return out


def _init(open_store: Callable[[], Any], open_sink: Callable[[], Sink], content: Content,
          theme_dir: str | None) -> None:
    _WORKER["store"] = open_store()
    _WORKER["sink"] = open_sink()
    _WORKER["content"] = content
    _WORKER["theme"] = theme_dir


def _render(keys: Iterator[P.PageKey] | list[P.PageKey], renderer: Renderer,
            sink: Sink) -> tuple[int, int, int]:
    pages = files = changed = 0
    for key in keys:
        outputs = renderer.render(key)
        pages += 1
        for path, data in outputs:
            changed += bool(put(sink, path, data))
            files += 1
    return pages, files, changed


def _counts(sink: Sink, got: tuple[int, int, int]) -> tuple[int, int, int]:
    # the sink's list of changed files would grow with the site: counts go back instead
    changed = getattr(sink, "changed", None)
    if isinstance(changed, list):
        changed.clear()
    return got


def plan_site(keys: list[P.PageKey], size: int = SITE_CHUNK) -> list[list[P.PageKey]]:
    """The site pages as tasks: the kinds with many pages (a facet's months, the monthly data
    files) in chunks of `size` keys, every other kind together in the first task (its pages
    share the renderer's memos, e.g. the league tables)."""
    kinds: dict[str, list[P.PageKey]] = {}
    for key in keys:
        kinds.setdefault(key[0], []).append(key)
    small = [k for group in kinds.values() if len(group) <= size for k in group]
    chunks = [small] if small else []
    for group in kinds.values():
        if len(group) > size:
            chunks += [group[i:i + size] for i in range(0, len(group), size)]
    return chunks


def _site_task(keys: list[P.PageKey]) -> tuple[int, int, int]:
    store, sink, content = _WORKER["store"], _WORKER["sink"], _WORKER["content"]
    snap = Snapshot(store, lists=LISTS)
    renderer = Renderer(snap, content, _WORKER["theme"])
    return _counts(sink, _render(keys, renderer, sink))


def _slice_keys(snap: Snapshot, part: Slice) -> Iterator[P.PageKey]:
    return P.archive_keys(snap, part.month, part.first, part.last,
                          {page: list(keys) for page, keys in part.follow})


def _slice_task(part: Slice) -> tuple[int, int, int]:
    store, sink, content = _WORKER["store"], _WORKER["sink"], _WORKER["content"]
    snap = Snapshot(store, lists=LISTS)        # caches for this slice only: flat memory
    renderer = Renderer(snap, content, _WORKER["theme"])
    return _counts(sink, _render(_slice_keys(snap, part), renderer, sink))


def plan(snap: Snapshot, content: Content, slice_size: int = SLICE,
         site_chunk: int = SITE_CHUNK) -> tuple[list[list[P.PageKey]], list[Slice]]:
    """The tasks of a full build: the site pages in chunks, and the archive slices, largest
    first, each with the boards' monthly pages that follow its archive pages; together every
    key of `pages.all_pages` once."""
    keys, companions = P.streamed_plan(snap, content)
    site = plan_site(keys, site_chunk)
    parts = plan_slices(snap.published_months(), slice_size, companions)
    parts.sort(key=lambda s: -(s.last - s.first))
    return site, parts


def parallel_full_build(open_store: Callable[[], Any], open_sink: Callable[[], Sink],
                        content: Content, workers: int | None = None,
                        theme_dir: str | Path | None = None, slice_size: int = SLICE,
                        site_chunk: int = SITE_CHUNK) -> BuildResult:
    """Every page of the site (as `build.full_build`, without pruning) rendered by `workers`
    processes (default: every core). Returns the page keys and files rendered (`changed`
    stays empty: the workers count the files they wrote, see `_counts`, and the log says it)."""
    workers = workers or os.cpu_count() or 1
    store = open_store()
    marked = deferred.marks(store.search_state())    # rendered by this build anyway
    site, parts = plan(Snapshot(store), content, slice_size, site_chunk)
    result = BuildResult(letters=store.count_published())
    sink = open_sink()
    sink.begin(full=True)
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    args = (open_store, open_sink, content, str(theme_dir) if theme_dir else None)
    changed = 0
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init,
                             initargs=args) as pool:
        running: set[Future] = set()
        queue: list[tuple[Callable, Any]] = [(_site_task, chunk) for chunk in site]
        queue += [(_slice_task, part) for part in parts]
        while running or queue:
            while queue and len(running) < 2 * workers:   # a few ahead, not the whole plan
                fn, arg = queue.pop(0)
                running.add(pool.submit(fn, arg))
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for fut in done:
                pages, files, ch = fut.result()
                result.pages += pages
                result.files += files
                changed += ch
    sink.finish()
    deferred.record_built(store, marked)
    result.changed = []
    result.deleted = []
    log.info("parallel full build: %d page(s), %d file(s), %d written", result.pages,
             result.files, changed)
    return result
