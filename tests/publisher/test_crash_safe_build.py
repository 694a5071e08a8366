"""A full build into a folder lands whole (issue 16, item 8): `wenzheng build --out DIR` is
killed with SIGKILL at random moments; each time DIR is wholly the old site or wholly the new
one, never a mix, and the next build completes and cleans up after the dead one."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from publisher_city import copy_store, make_city

from fakes import cst
from publisher.build import full_build, publish_pending
from publisher.sinks import MemorySink
from publisher.site_swap import build_and_switch, live_tree, switch

REPO = Path(__file__).resolve().parents[2]
RUNS = 8


def _tree(folder: Path) -> dict[str, bytes]:
    root = folder.resolve()
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _build_cmd(data: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "wenzheng.cli", "build", "--out", str(out), "--no-search",
            "--data", str(data)]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "functions")])
    env.pop("WENZHENG_DATA", None)
    return env


def _build(data: Path, out: Path) -> None:
    subprocess.run(_build_cmd(data, out), env=_env(), check=True, capture_output=True,
                   timeout=120)


@pytest.fixture(scope="module")
def two_states(tmp_path_factory, content):
    """Two stores: A (a few published letters) and B (one more letter and a reply)."""
    base = tmp_path_factory.mktemp("crash")
    city = make_city(base / "live", content, at=cst(2026, 11, 2, 9))
    for dept in ("housing", "transport", "housing"):
        city.full_cycle(dept)
    copy_store(base / "live" / "wenzheng.sqlite3", base / "a")
    city.full_cycle("transport", rate="satisfied")
    copy_store(base / "live" / "wenzheng.sqlite3", base / "b")
    city.ctx.store.close()
    return base / "a", base / "b"


def test_a_killed_build_leaves_the_old_site_or_the_new_one(two_states, tmp_path):
    data_a, data_b = two_states
    out = tmp_path / "site"
    started = time.monotonic()
    _build(data_b, out)
    new = _tree(out)
    _build(data_a, out)
    old = _tree(out)
    assert old != new and out.is_symlink()
    build_seconds = (time.monotonic() - started) / 2
    known = {"old": old, "new": new}
    rng = random.Random(16)
    seen = []
    current, target_data = "old", {"old": data_a, "new": data_b}
    for _run in range(RUNS):
        target = "new" if current == "old" else "old"
        proc = subprocess.Popen(_build_cmd(target_data[target], out), env=_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.1, build_seconds * 1.1))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = _tree(out)
        state = next((name for name, tree in known.items() if tree == now), None)
        assert state is not None, "the folder holds a mix of two sites"
        # a kill during the build leaves its unfinished tree beside the live one
        seen.append((state, len(list((tmp_path / "site.builds").iterdir())) > 1))
        # after the kill, a build (the restart) completes and removes the dead one's tree
        _build(target_data[target], out)
        assert _tree(out) == known[target]
        assert [p.name for p in (tmp_path / "site.builds").iterdir()] == [live_tree(out).name]
        current = target
    assert len(seen) == RUNS
    assert any(mid for _state, mid in seen), seen      # some kills landed mid-build


def test_a_plain_folder_becomes_a_link_and_a_failed_build_changes_nothing(tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("old")
    (out / "search").mkdir()
    (out / "search" / "shards.json").write_text("{}")

    def fill(tree: Path) -> int:
        (tree / "index.html").write_text("new")
        return 1

    assert build_and_switch(out, fill) == 1
    assert out.is_symlink() and (out / "index.html").read_text() == "new"
    assert (out / "search" / "shards.json").read_text() == "{}"   # the index carried over

    def fail(tree: Path) -> None:
        (tree / "index.html").write_text("half")
        raise RuntimeError("store went away")

    with pytest.raises(RuntimeError):
        build_and_switch(out, fail)
    assert (out / "index.html").read_text() == "new"
    assert len(list((tmp_path / "site.builds").iterdir())) == 1
    # switching to the live tree again is harmless
    switch(out, live_tree(out))
    assert (out / "index.html").read_text() == "new"


class DyingSink(MemorySink):
    """A site in memory whose process 'dies' (raises) after `left` writes."""

    def __init__(self, files: dict[str, bytes], left: int) -> None:
        super().__init__()
        self.files = files
        self.left = left

    def write(self, path: str, data: bytes) -> bool:
        if self.left == 0:
            raise OSError("killed")
        self.left -= 1
        return super().write(path, data)


def test_the_pages_of_a_change_that_died_midway_are_published_after_a_restart(city, content):
    """The change records are the outbox: one is marked done only after all its pages are
    written, so a publish that dies midway leaves it pending and the next drain redoes it."""
    store = city.ctx.store
    city.full_cycle("housing")
    store.mark_changes_done([c.id for c in store.pending_changes(1000)])
    site: dict[str, bytes] = {}
    full_build(store, content, DyingSink(site, -1))
    city.full_cycle("transport", rate="satisfied")
    pending = [c.id for c in store.pending_changes(1000)]
    assert pending
    with pytest.raises(OSError):
        publish_pending(store, content, DyingSink(site, 7))
    assert [c.id for c in store.pending_changes(1000)] == pending   # nothing marked done
    assert publish_pending(store, content, DyingSink(site, -1)) == len(pending)
    assert store.pending_changes(1000) == []
    whole = MemorySink()
    full_build(store, content, whole)
    assert site == whole.files
