"""Crash-safe full builds into a folder: a new tree beside the live one, switched in whole.

The site folder `DIR` is a symbolic link to `DIR.builds/<id>`. A full build writes every page
into a fresh `DIR.builds/<new id>` (nothing reads it yet), then replaces the link in one
`rename(2)` of a new link over the old one, which is atomic: a reader, the dev server or a
`kill -9` at any moment finds `DIR` wholly the old site or wholly the new one, never a mix.
The old tree is removed after the switch; trees left by a build that died are removed by the
next one. Whatever follows `DIR` by its name (the dev server resolves it on every request, the
incremental publisher's `LocalFolderSink(DIR)` opens files through it) sees the switch.

A `DIR` that is still a plain folder (a site built before this module) is moved into
`DIR.builds/` once, then linked; for that one switch there is an instant without `DIR`.
"""
from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .search.index import MANIFEST_PATH, SHARDS_ROOT

T = TypeVar("T")

# the search index's files are not written by the full build (search.index owns them): a new
# tree starts with the live tree's, hard-linked (the sinks replace files, never edit them)
CARRIED = (SHARDS_ROOT, MANIFEST_PATH)


def builds_dir(out: Path) -> Path:
    return out.parent / (out.name + ".builds")


def live_tree(out: str | Path) -> Path | None:
    """The tree `out` shows now (None if there is none yet)."""
    out = Path(out)
    if out.is_symlink():
        target = out.resolve()
        return target if target.is_dir() else None
    return out if out.is_dir() else None


def new_tree(out: str | Path) -> Path:
    """A fresh, empty tree for the next full build, with the live tree's search index."""
    out = Path(out)
    builds = builds_dir(out)
    builds.mkdir(parents=True, exist_ok=True)
    remove_stale(out)
    tree = builds / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{os.urandom(3).hex()}"
    tree.mkdir()
    live = live_tree(out)
    if live is not None:
        _carry(live, tree)
    return tree


def _carry(live: Path, tree: Path) -> None:
    for rel in CARRIED:
        src = live / rel
        if src.is_file():
            (tree / rel).parent.mkdir(parents=True, exist_ok=True)
            os.link(src, tree / rel)
        elif src.is_dir():
            for dirpath, _dirs, files in os.walk(src):
                dest = tree / Path(dirpath).relative_to(live)
                dest.mkdir(parents=True, exist_ok=True)
                for name in files:
                    if not name.startswith(".tmp-"):
                        os.link(Path(dirpath, name), dest / name)


def switch(out: str | Path, tree: Path) -> None:
    """Make `out` show `tree`: one atomic rename of a new symbolic link over the old one."""
    out = Path(out)
    old = live_tree(out)
    if out.exists() and not out.is_symlink():          # a plain folder from before: move it
        legacy = builds_dir(out) / f"legacy-{os.getpid()}-{os.urandom(3).hex()}"
        os.rename(out, legacy)
        old = legacy
    link = out.parent / f".{out.name}.link-{os.getpid()}-{os.urandom(3).hex()}"
    os.symlink(os.path.relpath(tree, out.parent), link)
    try:
        os.replace(link, out)
    except BaseException:
        link.unlink(missing_ok=True)
        raise
    _fsync_dir(out.parent)
    if old is not None and old.resolve() != tree.resolve():
        shutil.rmtree(old, ignore_errors=True)


def remove_stale(out: str | Path) -> None:
    """Remove the trees of builds that died before their switch (and stray links)."""
    out = Path(out)
    live = live_tree(out)
    builds = builds_dir(out)
    if builds.is_dir():
        for tree in builds.iterdir():
            if live is None or tree.resolve() != live.resolve():
                shutil.rmtree(tree, ignore_errors=True)
    for link in out.parent.glob(f".{out.name}.link-*"):
        link.unlink(missing_ok=True)


def build_and_switch(out: str | Path, build: Callable[[Path], T]) -> T:
    """Run `build(tree)` into a new tree and switch `out` to it when it returns; if it
    raises, the live site stays as it was and the half tree is removed."""
    tree = new_tree(out)
    try:
        result = build(tree)
    except BaseException:
        shutil.rmtree(tree, ignore_errors=True)
        raise
    switch(out, tree)
    return result


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
