"""Peak memory of a month's open-data files with many letters in the month
(`publisher.families.open_data`, written in pieces through `publisher.spool`).

    python -m bench.month_memory --dir /dev/shm/month30k --letters 30000

Loads `--letters` published letters all received in October 2026 into a fresh SQLite store
(`bench.data`, the domain's steps; skipped when the folder has one), then, in a fresh
interpreter, renders `("letters_data", "2026-10")` into a folder sink and prints the peak RSS
before and after, the time and the files' sizes. Compare with another commit by running the
second step from its checkout (`--render-only`).
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from bench import data, tasks

MONTH = "2026-10"


def load(folder: Path, n: int) -> None:
    from chalicelib.adapters.sqlite import SqliteStore

    folder.mkdir(parents=True, exist_ok=True)
    clock = data.Clock(data.APPROVALS_FROM)
    store = SqliteStore(folder / tasks.STORE_FILE, clock=clock)
    ctx = data.make_context(store, clock)
    first = datetime(2026, 10, 1, 8, 0, tzinfo=data.CHINA_TZ)
    last = datetime(2026, 10, 28, 18, 0, tzinfo=data.CHINA_TZ)
    data.load(ctx, data.specs(data.read_sources(), data.department_list(ctx), n,
                              first=first, last=last))
    store.close()


def render(folder: Path) -> None:
    from chalicelib.adapters.sqlite import SqliteStore
    from publisher import rendering
    from publisher.content import load_content
    from publisher.render import Renderer
    from publisher.sinks import LocalFolderSink
    from publisher.snapshot import Snapshot

    store = SqliteStore(folder / tasks.STORE_FILE)
    renderer = Renderer(Snapshot(store, lists=2), load_content(data.CONTENT_DIR), None)
    renderer.render(("letters_data", "2026-09"))        # warm: imports, the first queries
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = folder / "site"
    t0 = time.perf_counter()
    rendering.render_pages(renderer, [("letters_data", MONTH)], LocalFolderSink(out),
                           rendering.BuildResult())
    took = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sizes = {p.name: p.stat().st_size for p in sorted((out / "data").glob(f"letters-{MONTH}.*"))}
    print(f"{MONTH}: peak RSS {before:.0f} MB before, {after:.0f} MB after; {took:.2f} s; "
          + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in sizes.items()))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.month_memory")
    p.add_argument("--dir", required=True)
    p.add_argument("--letters", type=int, default=30_000)
    p.add_argument("--render-only", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    folder = Path(a.dir)
    if a.render_only:
        render(folder)
        return 0
    if not (folder / tasks.STORE_FILE).exists():
        load(folder, a.letters)
    # a fresh interpreter: its peak RSS is the render's, not the load's
    return subprocess.call([sys.executable, "-m", "bench.month_memory", "--dir", str(folder),
                            "--render-only"])


if __name__ == "__main__":
    raise SystemExit(main())
