"""cProfile of the two publisher paths over a store `bench.tasks load` made.

    python -m bench.tasks load --dir /tmp/b10k --size 10000 --extra 40 --result /tmp/b10k/load.json
    python -m bench.profile full --dir /tmp/b10k [--top 25]
    python -m bench.profile incremental --dir /tmp/b10k [--repeats 10]
    python -m bench.profile split --dir /tmp/b10k --size 10000

`full` profiles one `full_build` into a fresh folder; `incremental` approves replies one at a time
(untimed) and profiles only the `publish_changes` calls. Both print the top functions by own time
and by cumulative time (cProfile adds overhead per call, so compare shares, not absolute times).
`split` times, without a profiler, where a full build's time goes: planning and store reads
alone, rendering into a sink that discards, and the real build into a folder; and the same for
the floor (rendering only, then with files).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench import tasks


def report(prof: cProfile.Profile, top: int, title: str) -> str:
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.strip_dirs()
    out.write(f"== {title}: by own time ==\n")
    stats.sort_stats("tottime").print_stats(top)
    out.write(f"== {title}: by cumulative time ==\n")
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def profile_full(folder: Path, top: int) -> str:
    from chalicelib.adapters.sqlite import SqliteStore
    from publisher.build import full_build
    from publisher.content import load_content
    from publisher.sinks import LocalFolderSink

    store = SqliteStore(folder / tasks.STORE_FILE)
    content = load_content(tasks.data.CONTENT_DIR)
    out = Path(tempfile.mkdtemp(prefix="profile-site-", dir=folder))   # same file system
    try:
        prof = cProfile.Profile()
        t0 = time.perf_counter()
        prof.enable()
        result = full_build(store, content, LocalFolderSink(out))
        prof.disable()
        took = time.perf_counter() - t0
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return report(prof, top, f"full_build: {result.files:,} files in {took:.1f} s (profiled)")


def profile_incremental(folder: Path, top: int, repeats: int) -> str:
    from publisher.build import publish_changes
    from publisher.sinks import LocalFolderSink

    run = tasks.Incremental(folder)
    run.in_process()                                  # warm: templates compiled
    prof = cProfile.Profile()
    took = []
    for _ in range(repeats):
        changes = run.approve_next()
        sink = LocalFolderSink(run.site)
        t0 = time.perf_counter()
        prof.enable()
        publish_changes(run.store, run.content, sink, changes, defer=True)   # as the handler
        prof.disable()
        took.append((time.perf_counter() - t0) * 1000)
        run.store.mark_changes_done([c.id for c in changes])
    took.sort()
    return report(prof, top, f"publish_changes ×{repeats}, median {took[len(took) // 2]:.1f} ms"
                             " (profiled)")


class NullSink:
    """Takes every page and keeps nothing: rendering without the file system."""

    def __init__(self) -> None:
        self.changed: list[str] = []

    def begin(self, full: bool = False) -> None:
        pass

    def write(self, path: str, data: bytes) -> bool:
        return True

    def delete(self, path: str) -> bool:
        return False

    def finish(self) -> list[str]:
        return []

    def paths(self):
        return iter(())


def split(folder: Path, size: int) -> str:
    from bench import floor
    from chalicelib.adapters.sqlite import SqliteStore
    from publisher import pages as P
    from publisher.build import full_build
    from publisher.content import load_content
    from publisher.sinks import LocalFolderSink
    from publisher.snapshot import Snapshot

    store = SqliteStore(folder / tasks.STORE_FILE)
    content = load_content(tasks.data.CONTENT_DIR)
    lines = []
    t0 = time.perf_counter()
    keys = sum(1 for _ in P.all_pages(Snapshot(store), content))
    lines.append(f"ours: planning + store reads only: {time.perf_counter() - t0:6.2f} s"
                 f" ({keys:,} page keys)")
    t0 = time.perf_counter()
    result = full_build(store, content, NullSink())
    lines.append(f"ours: rendering, no files:         {time.perf_counter() - t0:6.2f} s"
                 f" ({result.files:,} files)")
    out = Path(tempfile.mkdtemp(prefix="split-", dir=folder))   # same file system
    try:
        os.sync()
        t0 = time.perf_counter()
        full_build(store, content, LocalFolderSink(out / "ours"))
        lines.append(f"ours: full build into a folder:    {time.perf_counter() - t0:6.2f} s")
        site = floor.site_data(tasks.sources(None), size)
        t0 = time.perf_counter()
        written = floor.build(site, out / "floor", write=False)
        lines.append(f"floor: rendering, no files:        {time.perf_counter() - t0:6.2f} s"
                     f" ({written:,} files)")
        os.sync()
        t0 = time.perf_counter()
        floor.build(site, out / "floor")
        lines.append(f"floor: with files:                 {time.perf_counter() - t0:6.2f} s")
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.profile")
    p.add_argument("what", choices=("full", "incremental", "split"))
    p.add_argument("--dir", required=True, help="a folder `bench.tasks load` filled")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--size", type=int, default=10000, help="split: the store's size")
    a = p.parse_args(argv)
    folder = Path(a.dir)
    if a.what == "full":
        print(profile_full(folder, a.top))
    elif a.what == "split":
        print(split(folder, a.size))
    else:
        print(profile_incremental(folder, a.top, a.repeats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
