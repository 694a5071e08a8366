"""Two whole sites built from fixed inputs, to compare code before and after a change that must
not change a byte: the demo city as of 2026-11-25 09:00 (China time) and 10,000 replicated real
letters (bench/data.py). `python -m bench.sites OUT` writes OUT/demo and OUT/10k and prints a
digest of each tree; `diff -r BEFORE/demo AFTER/demo` says what changed.

Fixed clocks, seeded randomness and sorted inputs make each tree the same on every run; the
10,000-letter site needs ../shared's data set (as the benchmarks do)."""
from __future__ import annotations

import hashlib
import random
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "functions"), str(ROOT)]

AS_OF = datetime(2026, 11, 25, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def digest(root: Path) -> tuple[int, str]:
    h = hashlib.sha256()
    files = sorted(p for p in root.rglob("*") if p.is_file())
    for p in files:
        h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")
    return len(files), h.hexdigest()[:16]


def demo_site(out: Path, work: Path) -> None:
    from bench.data import Clock
    from chalicelib import bootstrap
    from chalicelib.services import supervision
    from publisher.build import full_build
    from publisher.content import load_content
    from publisher.sinks import LocalFolderSink
    from wenzheng.cli import register_topics
    from wenzheng.demo import ensure_demo_accounts, seed_demo

    clock = Clock(AS_OF)
    settings = bootstrap.Settings(stage="local", data_dir=work, token_secret="s" * 40)
    composed = bootstrap.build(settings, clock=clock)
    ctx = composed.ctx
    register_topics(ctx, settings)
    seed_demo(ctx, AS_OF)
    ensure_demo_accounts(ctx, AS_OF)
    supervision.tick(ctx)
    ctx.store.mark_changes_done([c.id for c in ctx.store.pending_changes(100_000)])
    full_build(ctx.store, load_content(settings.content_dir), LocalFolderSink(out))


def letters_site(out: Path, work: Path, size: int) -> None:
    import argparse

    from bench import tasks

    tasks.task_load(argparse.Namespace(dir=str(work), size=size, extra=0, cache=None))
    tasks.task_full(argparse.Namespace(dir=str(work), out=str(out)))


def fix_randomness(seed: int) -> None:
    """Ids, tracking codes and secrets come from `secrets`; here from a seeded generator, so two
    runs make the same ids (never do this outside a comparison of builds)."""
    import secrets

    rng = random.Random(seed)
    secrets.choice = rng.choice
    secrets.token_hex = lambda n=32: rng.randbytes(n).hex()
    secrets.token_urlsafe = lambda n=32: rng.randbytes(n).hex()[: max(1, n * 4 // 3)]


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    which = argv[1:] or ["demo", "10k"]
    for name in which:
        fix_randomness(20261125)
        with tempfile.TemporaryDirectory(dir="/dev/shm") as work:
            target = out / name
            if name == "demo":
                demo_site(target, Path(work))
            else:
                letters_site(target, Path(work), int(name.rstrip("k")) * 1000)
        n, h = digest(target)
        print(f"{name}: {n:,} files, sha256 {h}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
