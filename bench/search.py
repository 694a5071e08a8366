"""The search index's goals (issue 13), measured: `python -m bench.search [--size 100000]`.

1. **Build**: the index of `--size` replicated real letters (bench/data.py: 36 months ending
   2026-11, both languages' pages built too), time per shard and Pagefind's peak memory (the
   largest child process: shards are built one after another). Goal ≤ 2 GB.
2. **Query** (headless Chromium, the site served locally by a static server): `/search/?q=…`
   for a few words, bytes the server sent (bodies; Pagefind's files are compressed on disk) for
   the first query, counted from opening `/search/`, and for each later one, and the time from
   Enter until the results are shown. Goals: first ≤ 1 MB, later ≤ 200 KB, shown ≤ 1 s.
3. **Findable**: one reply approved in the current month, published (pages), then the indexer's
   round (`search.drain`) timed; findable = the round + the dev server's 5 s between rounds.
   Goal ≤ 60 s.
4. **Recall** on the real data set (replies.csv imported as the importer does it, 2,816
   published letters): for 调休, 公积金, 噪音扰民, 学区房, 地铁, every published letter whose public
   text contains the word, searched in the browser unspaced and spaced. Goal 100 %.

Writes `bench/results/search-<date>.json` and prints a summary. Needs ../shared's data set.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import resource
import statistics
import sys
import tempfile
import threading
import time
from datetime import date
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "functions"), str(ROOT)]

WORDS = ("调休", "公积金", "噪音扰民", "学区房", "地铁")
QUERIES = ("公积金", "噪音扰民", "地铁 站", "学区房", "停车")
INDEXER_INTERVAL_S = 5.0          # wenzheng/serve.py: the background indexer's period


def _children_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


class _Quiet(SimpleHTTPRequestHandler):
    """Serves the built site and counts the bytes of every body it sends.

    Counted at the server because the browser's own figure (CDP ``encodedDataLength``) misses
    the fetches Pagefind makes from its worker; Pagefind's files are already compressed on disk,
    so the bytes sent are the bytes a CDN would send.
    """

    sent = 0
    lock = threading.Lock()

    def log_message(self, *args) -> None:
        pass

    def copyfile(self, source, outputfile) -> None:
        body = source.read()
        outputfile.write(body)
        with _Quiet.lock:
            _Quiet.sent += len(body)


def serve_folder(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


# --- 1. build ----------------------------------------------------------------------------------

def build(size: int, work: Path) -> dict:
    from bench import tasks
    from chalicelib.adapters.sqlite import SqliteStore
    from publisher.content import load_content
    from publisher.search import build_index
    from publisher.sinks import LocalFolderSink

    t0 = time.perf_counter()
    tasks.task_load(argparse.Namespace(dir=str(work), size=size, extra=0, cache=None))
    loaded = time.perf_counter() - t0
    site = work / "site"
    pages = tasks.task_full(argparse.Namespace(dir=str(work), out=str(site)))
    store = SqliteStore(work / tasks.STORE_FILE)
    content = load_content(ROOT / "content")
    t1 = time.perf_counter()
    shard_times = []
    from publisher.search import index as search_index
    real = search_index.build_shard

    def timed(*args, **kw):
        s = time.perf_counter()
        n = real(*args, **kw)
        shard_times.append((args[2].id, n, round(time.perf_counter() - s, 2)))
        return n
    search_index.build_shard = timed
    try:
        result = build_index(store, content, LocalFolderSink(site))
    finally:
        search_index.build_shard = real
    seconds = time.perf_counter() - t1
    index_bytes = sum(p.stat().st_size for p in (site / "search").rglob("*") if p.is_file())
    return {"letters": size, "load_s": round(loaded, 1), "pages": pages,
            "index_s": round(seconds, 1), "shards": len(result.shards),
            "records": result.records, "peak_mb": round(_children_peak_mb()),
            "index_mb": round(index_bytes / 2**20, 1), "per_shard": shard_times}


# --- 2. query in the browser -------------------------------------------------------------------

def _browser():
    from playwright.sync_api import sync_playwright
    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                 args=["--no-sandbox", "--disable-gpu"])
    return pw, browser


def query(site: Path, queries=QUERIES) -> dict:
    httpd, base = serve_folder(site)
    pw, browser = _browser()
    try:
        page = browser.new_page()
        # the first query counts everything from opening /search/ (page, script, Pagefind's
        # code and the shards' metadata); later ones what each query adds
        before = _Quiet.sent
        page.goto(f"{base}/search/")
        page.wait_for_load_state("networkidle")
        rows = []
        for n, q in enumerate(queries):
            if n:
                before = _Quiet.sent
            t = time.perf_counter()
            page.fill("#search-q", q)
            page.press("#search-q", "Enter")
            page.wait_for_function(
                "q => document.querySelector('[data-search-done]')?.dataset.searchDone === q",
                arg=q, timeout=30_000)
            shown = time.perf_counter() - t
            page.wait_for_load_state("networkidle")
            count = page.eval_on_selector("[data-search-done]", "e => e.dataset.searchCount")
            rows.append({"q": q, "first": n == 0, "kb": round((_Quiet.sent - before) / 1024, 1),
                         "shown_ms": round(shown * 1000), "results": count})
        later = [r["kb"] for r in rows[1:]]
        return {"queries": rows, "first_kb": rows[0]["kb"],
                "later_kb_median": statistics.median(later) if later else None,
                "later_kb_max": max(later) if later else None,
                "shown_ms_median": statistics.median(r["shown_ms"] for r in rows),
                "shown_ms_max": max(r["shown_ms"] for r in rows)}
    finally:
        browser.close()
        pw.stop()
        httpd.shutdown()


# --- 3. findable after approval ------------------------------------------------------------------

def findable(work: Path) -> dict:
    from bench import data, tasks
    from chalicelib.adapters.sqlite import SqliteStore
    from publisher.build import publish_pending
    from publisher.content import load_content
    from publisher.search import drain
    from publisher.search.inspect import read_fragment
    from publisher.sinks import LocalFolderSink

    clock = data.Clock(data.APPROVALS_FROM.replace(day=29))
    store = SqliteStore(work / tasks.STORE_FILE, clock=clock)
    ctx = data.make_context(store, clock)
    content = load_content(ROOT / "content")
    site = LocalFolderSink(work / "site")
    rows = tasks.sources(None)
    spec = next(data.specs(rows, data.department_list(ctx), 1, prefix="new",
                           first=data.APPROVALS_FROM.replace(day=28),
                           last=data.APPROVALS_FROM.replace(day=29)))
    t0 = time.perf_counter()
    data.load(ctx, iter([spec]))
    publish_pending(store, content, site)
    pages_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    result = drain(store, content, site)
    drain_s = time.perf_counter() - t1
    urls = {read_fragment(p.read_bytes())["url"]
            for p in (work / "site" / "search" / "shards").rglob("*.pf_fragment")
            if p.stat().st_mtime >= time.time() - 3600}
    found = f"/letters/{spec.id}/" in urls
    return {"pages_ms": round(pages_s * 1000), "drain_s": round(drain_s, 1),
            "rebuilt": result.shards, "found": found,
            "findable_within_s": round(drain_s + INDEXER_INTERVAL_S, 1)}


# --- 4. recall on the real data set ---------------------------------------------------------------

def recall(csv_path: Path, work: Path) -> dict:
    from bench.data import CONTENT_DIR, make_context
    from chalicelib.adapters.sqlite import SqliteStore
    from chalicelib.bootstrap import load_departments, real_clock
    from publisher.build import full_build
    from publisher.content import load_content
    from publisher.search import build_index
    from publisher.search.terms import _normal, query_phrases
    from publisher.sinks import LocalFolderSink
    from wenzheng.importer import import_csv

    store = SqliteStore(work / "wenzheng.sqlite3")
    ctx = make_context(store, real_clock)
    import_csv(ctx, csv_path, default_department=next(iter(load_departments(CONTENT_DIR))))
    content = load_content(CONTENT_DIR)
    site = work / "site"
    full_build(store, content, LocalFolderSink(site))
    build_index(store, content, LocalFolderSink(site))
    texts = {}
    for letter in store.iter_published():
        p = letter.publication
        texts[f"/letters/{letter.id}/"] = _normal(" ".join([p.subject, *p.body, *p.reply]))
    httpd, base = serve_folder(site)
    pw, browser = _browser()
    rows = []
    try:
        page = browser.new_page()
        page.goto(f"{base}/search/shards.json")
        shards = json.loads(page.inner_text("body"))["shards"]
        for word in WORDS:
            expected = {u for u, t in texts.items() if word in t}
            for spaced in (False, True):
                # spaced: the word cut in two, as a writer might type it (噪音 扰民, 调 休)
                q = f"{word[:len(word) // 2]} {word[len(word) // 2:]}" if spaced else word
                got = page.evaluate("""async ([shards, phrases]) => {
                    const pf = await import(shards[0].path + 'pagefind.js?recall=' + Math.random());
                    await pf.options({basePath: shards[0].path});
                    for (const s of shards.slice(1)) await pf.mergeIndex(s.path);
                    let keep = null, order = [];
                    for (const ph of phrases) {
                      const r = await pf.search(ph);
                      const ids = new Set(r.results.map(x => x.id));
                      if (keep === null) { keep = ids; order = r.results; }
                      else keep = new Set([...keep].filter(i => ids.has(i)));
                    }
                    const hits = order.filter(x => keep.has(x.id));
                    const all = await Promise.all(hits.map(x => x.data()));
                    await pf.destroy();
                    return all.map(d => d.url); }""", [shards, query_phrases(q)])
                found = expected & set(got)
                rows.append({"word": word, "query": q, "published_with_word": len(expected),
                             "found": len(found), "results": len(got),
                             "recall": round(len(found) / len(expected), 4) if expected else 1.0})
    finally:
        browser.close()
        pw.stop()
        httpd.shutdown()
    return {"published": len(texts), "words": rows,
            "recall_min": min(r["recall"] for r in rows)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--csv", default="/work/shared/data/citizen-letters/replies.csv")
    parser.add_argument("--only", choices=["build", "recall"], default=None)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--keep", metavar="DIR", default=None,
                        help="work in DIR (created) and keep the stores and sites there")
    args = parser.parse_args(argv)
    report: dict = {"date": date.today().isoformat(), "size": args.size}
    with contextlib.ExitStack() as stack:
        if args.keep:
            work = Path(args.keep)
            work.mkdir(parents=True, exist_ok=False)
        else:
            work = Path(stack.enter_context(
                tempfile.TemporaryDirectory(prefix="wenzheng-search-bench-")))
        if args.only != "recall":
            (work / "big").mkdir()
            report["build"] = build(args.size, work / "big")
            print(json.dumps(report["build"], ensure_ascii=False), flush=True)
            report["query"] = query(work / "big" / "site")
            print(json.dumps(report["query"], ensure_ascii=False), flush=True)
            report["findable"] = findable(work / "big")
            print(json.dumps(report["findable"], ensure_ascii=False), flush=True)
        if args.only != "build":
            (work / "real").mkdir()
            report["recall"] = recall(Path(args.csv), work / "real")
            print(json.dumps(report["recall"], ensure_ascii=False), flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"search-{report['date']}.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    ok = True
    if "build" in report:
        ok &= report["build"]["peak_mb"] <= 2048
        # a first query that transfers nothing means the count failed, not a fast search
        ok &= 0 < report["query"]["first_kb"] <= 1024
        ok &= (report["query"]["later_kb_max"] or 0) <= 200
        ok &= report["query"]["shown_ms_max"] <= 1000 and report["findable"]["found"]
        ok &= report["findable"]["findable_within_s"] <= 60
    if "recall" in report:
        ok &= report["recall"]["recall_min"] == 1.0
    print("goals met" if ok else "goals NOT met (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
