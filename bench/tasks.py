"""One measurement per process: `python -m bench.tasks TASK --result FILE.json [options]`.

`bench.run` starts each measurement in a fresh interpreter so that peak memory
(`resource.getrusage(RUSAGE_SELF).ru_maxrss`, the process's high-water mark) and the caches of
one measurement (compiled templates, the content/ cache, SQLite's page cache) are never shared
with another. Times are `time.perf_counter()` (wall) and `time.process_time()` (CPU of this
process, which other processes on the machine do not inflate) around the measured call only.

Tasks:
  load         a fresh SQLite store with N published letters (+ K replied, not yet approved)
  full         `publisher.build.full_build` of that store into a local folder
  incremental  approve one reply, then publish its change: in process and through the handler
  floor        the same letters' pages rendered with bare Jinja2 from memory
  pelican      stock Pelican (default theme) building the same letters as Markdown articles
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
if str(REPO / "functions") not in sys.path:
    sys.path.insert(0, str(REPO / "functions"))

from bench import data  # noqa: E402

STORE_FILE = "wenzheng.sqlite3"
SECRET = "bench-token-secret-that-is-long-enough-0123456789"


def peak_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss      # KiB on Linux


def current_rss_kb() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def sources(cache: Path | None) -> list[data.Source]:
    """replies.csv cleaned and redacted once per run (a pickle under the run's folder)."""
    if cache is not None and cache.exists():
        return pickle.loads(cache.read_bytes())
    got = data.read_sources()
    if cache is not None:
        cache.write_bytes(pickle.dumps(got))
    return got


def count_files(root: Path) -> tuple[int, int, int]:
    """(HTML pages, all files, bytes) under a folder."""
    html = files = size = 0
    for dirpath, _, names in os.walk(root):
        for name in names:
            files += 1
            size += os.path.getsize(os.path.join(dirpath, name))
            html += name.endswith(".html")
    return html, files, size


# --- load ----------------------------------------------------------------------------------------

def task_load(a: argparse.Namespace) -> dict:
    from chalicelib.adapters.sqlite import SqliteStore

    folder = Path(a.dir)
    clock = data.Clock(data.APPROVALS_FROM)
    store = SqliteStore(folder / STORE_FILE, clock=clock)
    ctx = data.make_context(store, clock)
    rows = sources(Path(a.cache) if a.cache else None)
    depts = data.department_list(ctx)
    first = next(data.specs(rows, depts, a.size))
    data.check_matches_public_version(ctx, first)
    t0 = time.perf_counter()
    n = data.load(ctx, data.specs(rows, depts, a.size))
    # letters waiting for approval, replied just before the approvals start
    k = data.load(ctx, data.specs(rows, depts, a.extra, prefix="r",
                                  first=data.APPROVALS_FROM.replace(day=28),
                                  last=data.APPROVALS_FROM.replace(day=29)), approve=False)
    seconds = time.perf_counter() - t0
    data.clear_outbox(store)
    assert store.count_published() == n, "every loaded letter is published"
    assert store.count_letters("replied") == k
    return {"published": n, "replied": k, "seconds": seconds, "source_rows": len(rows),
            "letters_per_s": (n + k) / seconds,
            "store_bytes": sum(p.stat().st_size for p in folder.glob(STORE_FILE + "*"))}


# --- the full build -------------------------------------------------------------------------------

def task_full(a: argparse.Namespace) -> dict:
    from chalicelib.adapters.sqlite import SqliteStore
    from publisher.build import full_build
    from publisher.content import load_content
    from publisher.sinks import LocalFolderSink

    store = SqliteStore(Path(a.dir) / STORE_FILE)
    content = load_content(data.CONTENT_DIR)
    out = Path(a.out)
    sink = LocalFolderSink(out)
    before = current_rss_kb()
    c0, t0 = time.process_time(), time.perf_counter()
    result = full_build(store, content, sink)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = peak_rss_kb()
    html, files, size = count_files(out)
    return {"seconds": seconds, "cpu_s": cpu, "loadavg": os.getloadavg()[0],
            "page_keys": result.pages, "files_rendered": result.files,
            "html_pages": html, "files": files, "bytes": size,
            "rss_before_kb": before, "peak_rss_kb": peak,
            "pages_per_s": html / seconds, "files_per_s": files / seconds}


# --- incremental publishing --------------------------------------------------------------------

def stream_event(change) -> list[dict]:
    """A DynamoDB stream batch holding one outbox INSERT, as Lambda delivers it."""
    return [{
        "eventID": "1", "eventName": "INSERT", "eventVersion": "1.1",
        "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": int(change.at.timestamp()),
            "Keys": {"pk": {"S": f"CHANGE#{change.id}"}, "sk": {"S": "CHANGE"}},
            "NewImage": {"pk": {"S": f"CHANGE#{change.id}"}, "sk": {"S": "CHANGE"},
                         "doc": {"S": json.dumps(change.to_dict())}, "pending": {"N": "1"}},
            "SequenceNumber": "1", "SizeBytes": 300, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:000000000000:table/wenzheng/stream/x",
    }]


class Incremental:
    """Approvals through the real use case, then one publish of the change each commit made."""

    def __init__(self, folder: Path) -> None:
        from chalicelib import bootstrap
        from chalicelib.adapters.sqlite import SqliteStore
        from chalicelib.services.auth import TokenSigner
        from chalicelib.services.context import Actor
        from publisher.content import load_content

        self.folder = folder
        self.clock = data.Clock(data.APPROVALS_FROM)
        self.store = SqliteStore(folder / STORE_FILE, clock=self.clock)
        # after the newest publication (a store measured before): an approval published into
        # the past would re-render its whole month, which is an import's cost, not a reply's
        newest = self.store.latest_published(1)
        if newest and newest[0].publication is not None:
            at = newest[0].publication.first_published_at
            if at > self.clock():
                self.clock.advance(seconds=(at - self.clock()).total_seconds() + 60)
        self.ctx = data.make_context(self.store, self.clock)
        self.office = Actor("bench-office", "office")
        self.content = load_content(data.CONTENT_DIR)       # a warm process holds it
        self.site = folder / "site"
        settings = bootstrap.Settings(stage="local", data_dir=folder,
                                      content_dir=data.CONTENT_DIR, token_secret=SECRET)
        bootstrap.use(bootstrap.App(settings, self.ctx, TokenSigner(SECRET, self.clock)))
        self.waiting = [l.id for l in self.store.list_letters(status="replied", limit=100_000)]
        self.waiting.sort(key=lambda i: int(i[1:]))

    def approve_next(self):
        from chalicelib.services import casework
        from chalicelib.services.commands import ApproveReply

        letter_id = self.waiting.pop(0)
        letter = self.store.get_letter(letter_id)
        categories = self.ctx.departments[letter.department].categories
        category = categories[0] if categories else None
        self.clock.advance(minutes=3)
        casework.approve_reply(self.ctx, self.office, letter_id,
                               ApproveReply(publish=True, category=category))
        changes = self.store.pending_changes(100)
        assert len(changes) == 1 and changes[0].published == [letter_id], changes
        return changes

    def _publish_next(self):
        """An approval, published as the stream handler publishes it (publisher.runtime: the
        deferred pages only marked), then marked done: the sink, the page keys, and the
        publish's wall and CPU seconds."""
        from publisher.build import publish_changes
        from publisher.sinks import LocalFolderSink

        changes = self.approve_next()
        sink = LocalFolderSink(self.site)
        c0, t0 = time.process_time(), time.perf_counter()
        keys = publish_changes(self.store, self.content, sink, changes, defer=True)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        self.store.mark_changes_done([c.id for c in changes])
        return sink, keys, seconds, cpu

    def in_process(self) -> tuple[float, float, int, tuple[int, int]]:
        sink, keys, seconds, cpu = self._publish_next()
        return seconds, cpu, len(keys), (sink.writes, len(sink.changed))

    def refresh(self) -> tuple[float, float, int]:
        """An approval published (`_publish_next`), then the every-minute refresh of the
        deferred pages it marked (its month's open-data files, four channel periods, /data/):
        the refresh alone is timed."""
        from publisher.deferred import refresh_deferred

        sink = self._publish_next()[0]
        c0, t0 = time.process_time(), time.perf_counter()
        keys = refresh_deferred(self.store, self.content, sink)
        return time.perf_counter() - t0, time.process_time() - c0, len(keys)

    def handler(self) -> tuple[float, int]:
        from chalicelib.api import events

        (change,) = self.approve_next()
        event = stream_event(change)
        c0, t0 = time.process_time(), time.perf_counter()
        pages = events.on_stream(event)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        assert not self.store.pending_changes(100), "the handler marks its change done"
        return seconds, cpu, len(pages)


def task_incremental(a: argparse.Namespace) -> dict:
    run = Incremental(Path(a.dir))
    assert len(run.waiting) >= 2 * (a.repeats + 1) + 4, "load more replied letters (--extra)"
    # the handler first: its first call in a fresh process pays what a cold Lambda's first
    # event does beyond the import (publisher and Jinja2 imported, content/ loaded, templates
    # compiled); the in-process path then warms up too
    first_handler, _, _ = run.handler()
    _, _, keys, _ = run.in_process()
    inproc, handler, written, inproc_cpu, handler_cpu = [], [], [], [], []
    for _ in range(a.repeats):
        s, c, k, w = run.in_process()
        inproc.append(s * 1000)
        inproc_cpu.append(c * 1000)
        written.append(w)
        s, c, _ = run.handler()
        handler.append(s * 1000)
        handler_cpu.append(c * 1000)
    # the deferred pages' refresh (every minute in AWS), after one approval each: 3 of them
    run.refresh()       # the first renders every page marked since the full build
    refresh = [run.refresh() for _ in range(3)]
    return {"repeats": a.repeats, "inproc_ms": inproc, "handler_ms": handler,
            "refresh_median_ms": statistics.median(s * 1000 for s, _, _ in refresh),
            "refresh_cpu_median_ms": statistics.median(c * 1000 for _, c, _ in refresh),
            "refresh_pages": refresh[-1][2],
            "inproc_median_ms": statistics.median(inproc),
            "handler_median_ms": statistics.median(handler),
            "inproc_cpu_median_ms": statistics.median(inproc_cpu),
            "handler_cpu_median_ms": statistics.median(handler_cpu),
            "loadavg": os.getloadavg()[0],
            "first_handler_ms": first_handler * 1000,
            "page_keys": keys,
            "files_rendered_median": statistics.median(w for w, _ in written),
            "files_changed_median": statistics.median(c for _, c in written),
            "peak_rss_kb": peak_rss_kb()}


# --- the floor: bare Jinja2 -----------------------------------------------------------------------

def task_floor(a: argparse.Namespace) -> dict:
    from bench import floor

    rows = sources(Path(a.cache) if a.cache else None)
    site = floor.site_data(rows, a.size)
    before = current_rss_kb()
    c0, t0 = time.process_time(), time.perf_counter()
    written = floor.build(site, Path(a.out))
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    html, files, size = count_files(Path(a.out))
    return {"seconds": seconds, "cpu_s": cpu, "loadavg": os.getloadavg()[0],
            "files_written": written, "html_pages": html, "files": files,
            "bytes": size, "rss_before_kb": before, "peak_rss_kb": peak_rss_kb(),
            "pages_per_s": html / seconds, "files_per_s": files / seconds}


# --- stock Pelican ----------------------------------------------------------------------------

def task_pelican(a: argparse.Namespace) -> dict:
    from bench import pelican_baseline

    rows = sources(Path(a.cache) if a.cache else None)
    work = Path(a.dir)
    t0 = time.perf_counter()
    articles = pelican_baseline.write_markdown(rows, a.size, work / "content")
    written_s = time.perf_counter() - t0
    before = current_rss_kb()
    c0 = time.process_time()
    seconds, settings = pelican_baseline.build(work / "content", work / "output")
    cpu = time.process_time() - c0
    html, files, size = count_files(work / "output")
    return {"seconds": seconds, "cpu_s": cpu, "loadavg": os.getloadavg()[0],
            "articles": articles, "markdown_write_s": written_s,
            "html_pages": html, "files": files, "bytes": size, "settings": settings,
            "rss_before_kb": before, "peak_rss_kb": peak_rss_kb(),
            "pages_per_s": html / seconds, "files_per_s": files / seconds}


TASKS = {"load": task_load, "full": task_full, "incremental": task_incremental,
         "floor": task_floor, "pelican": task_pelican}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.tasks")
    p.add_argument("task", choices=sorted(TASKS))
    p.add_argument("--result", required=True, help="write the figures here as JSON")
    p.add_argument("--dir", help="the size's folder (store, site)")
    p.add_argument("--out", help="output folder of a build")
    p.add_argument("--size", type=int, default=1000)
    p.add_argument("--extra", type=int, default=40, help="replied letters to approve later")
    p.add_argument("--repeats", type=int, default=15)
    p.add_argument("--cache", help="pickle of the cleaned source rows")
    a = p.parse_args(argv)
    result = TASKS[a.task](a)
    Path(a.result).write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
