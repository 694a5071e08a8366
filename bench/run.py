"""`python -m bench.run [--sizes 1000,10000,100000] [--quick] [--out bench/results]`

One run: for each size, a fresh SQLite store loaded with that many published letters (real rows
of replies.csv replicated with new ids), then the full build, the page weights, incremental
publishing (in process and through the stream handler), the bare-Jinja2 floor and stock Pelican
(1,000 and 10,000 only); then the cold import of the function. Each measurement runs in its own
interpreter (`bench.tasks`). Prints one table against the issue's goals and writes it as JSON and
Markdown into `--out` (gitignored). See bench/README.md for what is measured and how.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from markupsafe import escape

REPO = Path(__file__).resolve().parent.parent
for _path in (REPO / "functions", REPO):          # this tree's code, not an installed copy
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
PELICAN_SIZES = (1000, 10000)          # stock Pelican needs ~49 s for 10,000 here
ONE_ROUND_TRIP = 14_000                # bytes: ~10 TCP segments (initial congestion window)
GZIP_LEVEL = 6

GOALS = {
    "incremental_ms": 50.0,            # in process, at 100,000 published letters
    "incremental_growth": 1.2,         # t(100k) / t(1k)
    "vs_pelican": 5.0,                 # full build at least 5x faster than stock Pelican
    "vs_floor": 1.5,                   # full build at most 1.5x the bare-Jinja2 floor
    "import_ratio": 1.2,               # import app / import chalice, boto3
    "gzip_bytes": ONE_ROUND_TRIP,
}
FORBIDDEN_IMPORTS = ("pelican", "moto", "jinja2")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run_task(task: str, result: Path, **options) -> dict:
    cmd = [sys.executable, "-m", "bench.tasks", task, "--result", str(result)]
    for key, value in options.items():
        cmd += [f"--{key}", str(value)]
    os.sync()       # the previous measurement's dirty pages are not this one's to write back
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"bench.tasks {task} failed:\n{proc.stderr[-3000:]}")
    return json.loads(result.read_text())


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


# --- page weight ---------------------------------------------------------------------------------

STYLESHEET = re.compile(r'<link rel="stylesheet" href="/([^"?]+)[^"]*"')
SCRIPT = re.compile(r"<script\b[^>]*>")


def page_weight(site: Path, page: Path) -> dict:
    """Gzipped bytes of a page plus the stylesheets it links (each its own response)."""
    raw = page.read_bytes()
    text = raw.decode("utf-8")
    css = [site / rel for rel in STYLESHEET.findall(text)]
    gz_page = len(gzip.compress(raw, GZIP_LEVEL))
    gz_css = {c.relative_to(site).as_posix(): len(gzip.compress(c.read_bytes(), GZIP_LEVEL))
              for c in css}
    return {"page": page.relative_to(site).as_posix(), "raw_bytes": len(raw),
            "gzip_page": gz_page, "gzip_css": gz_css, "gzip_total": gz_page + sum(gz_css.values()),
            "scripts": SCRIPT.findall(text)}


def weights(site: Path, store_file: Path) -> dict:
    """The median-sized letter page (and the largest, for information) and the board page."""
    from chalicelib.adapters.sqlite import SqliteStore

    pages = []
    with os.scandir(site / "letters") as entries:
        for entry in entries:
            index = Path(entry.path) / "index.html"
            if entry.is_dir() and re.fullmatch(r"b\d+", entry.name) and index.exists():
                pages.append((index.stat().st_size, entry.name, index))
    pages.sort()
    _, median_id, median_page = pages[len(pages) // 2]
    _, max_id, max_page = pages[-1]
    letter = SqliteStore(store_file).get_letter(median_id)
    out = {"letter": page_weight(site, median_page), "largest_letter": page_weight(site, max_page),
           "board": page_weight(site, site / "letters" / "index.html")}
    # readable without JavaScript: the letter's text is in the HTML the server sends
    reply = letter.publication.reply[0]
    body = letter.publication.body[0]
    page_text = median_page.read_text(encoding="utf-8")
    out["letter"]["text_in_html"] = all(str(escape(part.split("\n")[0][:40])) in page_text
                                        for part in (body, reply))
    return out


# --- cold import ------------------------------------------------------------------------------

BASELINE = "import chalice, boto3"
FUNCTION = "import sys; sys.path.insert(0, 'functions'); import app"
PROBE = (FUNCTION + "; import json; print(json.dumps(sorted(m for m in "
         + repr(FORBIDDEN_IMPORTS + ("markdown", "boto3", "botocore", "yaml", "cryptography",
                                     "argon2", "jwt"))
         + " if m in sys.modules)))")


def _timed(code: str, env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, check=True)
    return time.perf_counter() - t0


def cold_imports(root: Path, runs: int) -> dict:
    """Median wall time of fresh interpreters importing the function vs `chalice, boto3`.

    Both run with bytecode caches (a private PYTHONPYCACHEPREFIX, warmed first). A third series
    imports the function with no bytecode for `functions/` (as the Lambda package ships it:
    scripts/package.sh drops chalicelib's __pycache__ and /var/task is read-only)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(root / "pyc")
    for code in (BASELINE, FUNCTION):
        _timed(code, env)                              # warm: write the bytecode
    no_pyc = root / "pyc-no-functions"
    remove(no_pyc)
    shutil.copytree(root / "pyc", no_pyc)
    remove(no_pyc / str(REPO / "functions").lstrip("/"))
    env_no_pyc = {**env, "PYTHONPYCACHEPREFIX": str(no_pyc), "PYTHONDONTWRITEBYTECODE": "1"}
    base, func, func_src = [], [], []
    for _ in range(runs):                              # interleaved, so drift hits all three
        base.append(_timed(BASELINE, env))
        func.append(_timed(FUNCTION, env))
        func_src.append(_timed(FUNCTION, env_no_pyc))
    probe = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, env=env, check=True,
                           capture_output=True, text=True)
    loaded = json.loads(probe.stdout.strip().splitlines()[-1])
    timing = subprocess.run([sys.executable, "-X", "importtime", "-c", FUNCTION], cwd=REPO,
                            env=env, check=True, capture_output=True, text=True).stderr
    own = []
    for line in timing.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m:
            own.append((int(m.group(1)), m.group(4)))
    own.sort(reverse=True)
    return {"runs": runs, "baseline_s": base, "function_s": func, "function_no_pyc_s": func_src,
            "baseline_median_s": statistics.median(base),
            "function_median_s": statistics.median(func),
            "function_no_pyc_median_s": statistics.median(func_src),
            "ratio": statistics.median(func) / statistics.median(base),
            "ratio_no_pyc": statistics.median(func_src) / statistics.median(base),
            "loaded": loaded,
            "forbidden_loaded": [m for m in FORBIDDEN_IMPORTS if m in loaded],
            "slowest_own_imports_ms": [[name, us / 1000] for us, name in own[:8]]}


# --- the run --------------------------------------------------------------------------------

def default_work_root() -> Path:
    """A tmpfs folder when there is one with room (see README: this VM's disk makes creating a
    file cost 0.4-1.2 ms and varies 3x from run to run, which would swamp what we measure)."""
    shm = Path("/dev/shm")
    try:
        if shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > 8 * 2**30:
            return Path(tempfile.mkdtemp(prefix="wenzheng-bench-", dir=shm))
    except OSError:
        pass
    return Path(tempfile.mkdtemp(prefix="wenzheng-bench-"))


def file_system(path: Path) -> str:
    """The type of the file system holding `path` (from /proc/mounts)."""
    best, kind = "", "unknown"
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            _, mount, fstype, *_ = line.split()
            if str(path.resolve()).startswith(mount) and len(mount) > len(best):
                best, kind = mount, fstype
    except OSError:
        pass
    return kind


def file_creation_rate(root: Path, n: int = 2000) -> float:
    """Folders-with-one-file created per second under `root` (a site is mostly that)."""
    folder = root / "fs-probe"
    remove(folder)
    os.sync()
    t0 = time.perf_counter()
    for i in range(n):
        d = folder / f"b{i}"
        d.mkdir(parents=True)
        (d / "index.html").write_bytes(b"x" * 6000)
    rate = n / (time.perf_counter() - t0)
    remove(folder)
    return rate


def git(*args: str, cwd: Path = REPO) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True).stdout


def code_version() -> str:
    """The commit measured, and whether files outside bench/ differ from it."""
    if os.environ.get("WENZHENG_BENCH_CODE"):              # set by --commit
        return os.environ["WENZHENG_BENCH_CODE"]
    head = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    dirty = [line for line in git("status", "--porcelain").splitlines()
             if not line[3:].startswith("bench/")]
    return f"commit {head}" + (f" + {len(dirty)} uncommitted file(s)" if dirty else "")


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = 0.0
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        mem_gb = pages / 2**30
    except (ValueError, OSError):
        pass
    import sqlite3
    return {"cpu": cpu, "cpus": os.cpu_count(), "memory_gb": round(mem_gb, 1),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "system": f"{platform.system()} {platform.release()}"}


def best_of(rounds: int, measure) -> dict:
    """The fastest of `rounds` runs (a shared machine only ever makes a run slower), with every
    run's time kept."""
    runs = [measure() for _ in range(rounds)]
    best = min(runs, key=lambda x: x["seconds"])
    return {**best, "rounds_s": [x["seconds"] for x in runs]}


def measure_size(size: int, root: Path, cache: Path, repeats: int, pelican: bool,
                 rounds: int = 1) -> dict:
    folder = root / f"n{size}"
    remove(folder)
    folder.mkdir(parents=True)
    r: dict = {"size": size}
    extra = 2 * (repeats + 1) + 4
    log(f"[{size:,}] loading {size:,} published + {extra} replied letters into SQLite …")
    r["load"] = run_task("load", folder / "load.json", dir=folder, size=size, extra=extra,
                         cache=cache)
    log(f"[{size:,}]   {r['load']['seconds']:.1f} s; full build …")

    def full() -> dict:
        remove(folder / "site")
        return run_task("full", folder / "full.json", dir=folder, out=folder / "site")

    r["full"] = best_of(rounds, full)
    log(f"[{size:,}]   {r['full']['seconds']:.1f} s (best of {rounds}),"
        f" {r['full']['html_pages']:,} pages;"
        " page weights …")
    r["weights"] = weights(folder / "site", folder / "wenzheng.sqlite3")
    log(f"[{size:,}] incremental publishing ×{repeats} …")
    r["incremental"] = run_task("incremental", folder / "inc.json", dir=folder, repeats=repeats)
    log(f"[{size:,}]   median {r['incremental']['inproc_median_ms']:.1f} ms in process,"
        f" {r['incremental']['handler_median_ms']:.1f} ms handler; floor …")

    def floor() -> dict:
        remove(folder / "floor")
        got = run_task("floor", folder / "floor.json", size=size, out=folder / "floor",
                       cache=cache)
        remove(folder / "floor")
        return got

    r["floor"] = best_of(rounds, floor)
    log(f"[{size:,}]   {r['floor']['seconds']:.1f} s")
    if pelican:
        log(f"[{size:,}] stock Pelican …")

        def stock() -> dict:
            remove(folder / "pelican")
            got = run_task("pelican", folder / "pelican.json", size=size,
                           dir=folder / "pelican", cache=cache)
            remove(folder / "pelican")
            return got

        r["pelican"] = best_of(rounds, stock)
        log(f"[{size:,}]   {r['pelican']['seconds']:.1f} s")
    return r


def run_commit(rev: str, argv: list[str], root: Path, out: Path) -> int:
    """Measure a commit instead of the working tree: `git archive` it into the work folder, add
    this bench/, and run the bench there (edits in progress cannot change the code mid-run)."""
    sha = git("rev-parse", "--short", rev).strip()
    if not sha:
        raise SystemExit(f"bench: unknown commit {rev!r}")
    src = root / "src"
    remove(src)
    src.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "--format=tar", sha], cwd=REPO, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
    remove(src / "bench")
    shutil.copytree(REPO / "bench", src / "bench",
                    ignore=shutil.ignore_patterns("results", "__pycache__"))
    rest, skip = [], False
    for arg in argv:                                   # drop --commit REV / --commit=REV
        if skip:
            skip = False
        elif arg == "--commit":
            skip = True
        elif not arg.startswith("--commit="):
            rest.append(arg)
    env = {**os.environ, "WENZHENG_BENCH_CODE": f"commit {sha} (git archive; bench/ as in the"
                                                 " working tree)"}
    cmd = [sys.executable, "-m", "bench.run", *rest, "--work", str(root / "run"),
           "--out", str(out.resolve())]
    try:
        return subprocess.run(cmd, cwd=src, env=env).returncode
    finally:
        remove(src)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[1])
    p.add_argument("--sizes", default="1000,10000,100000",
                   help="published letters per store, comma-separated")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 1,000 letters only, fewer repeats (< 1 min)")
    p.add_argument("--out", default=str(REPO / "bench" / "results"))
    p.add_argument("--repeats", type=int, help="incremental publishes per path (default 15)")
    p.add_argument("--rounds", type=int, help="builds per size, the fastest kept (default 3"
                   " up to 10,000 letters, 1 above; 1 with --quick)")
    p.add_argument("--import-runs", type=int, help="cold imports per series (default 9)")
    p.add_argument("--work", help="folder for stores and sites (default: a new folder in"
                   " /dev/shm if it has room, else in the temp folder)")
    p.add_argument("--keep", action="store_true", help="keep the stores and sites")
    p.add_argument("--commit", help="measure this commit (e.g. HEAD) instead of the working"
                   " tree; bench/ itself is taken from the working tree")
    a = p.parse_args(argv)
    if a.commit:
        root = Path(a.work) if a.work else default_work_root()
        try:
            return run_commit(a.commit, list(sys.argv[1:] if argv is None else argv), root,
                              Path(a.out))
        finally:
            if not a.keep and not a.work:
                remove(root)

    sizes = [1000] if a.quick else sorted({int(s.replace("_", "")) for s in a.sizes.split(",")})
    repeats = a.repeats or (5 if a.quick else 15)
    import_runs = a.import_runs or (3 if a.quick else 9)
    root = Path(a.work) if a.work else default_work_root()
    root.mkdir(parents=True, exist_ok=True)
    cache = root / "sources.pkl"
    started = time.perf_counter()
    results: dict = {"date": datetime.now().astimezone().isoformat(timespec="seconds"),
                     "machine": machine(), "code": code_version(), "quick": a.quick,
                     "repeats": repeats,
                     "data": "replies.csv (2,816 real letters with replies) replicated with new "
                             "ids to each size", "goals": GOALS, "sizes": {},
                     "work": {"folder": str(root), "file_system": file_system(root),
                              "files_per_s": file_creation_rate(root)}}
    log(f"bench: sizes {', '.join(f'{s:,}' for s in sizes)}; work folder {root}"
        f" ({results['work']['file_system']})")
    try:
        for size in sizes:
            rounds = a.rounds or (1 if a.quick or size > 10_000 else 3)
            results["sizes"][str(size)] = measure_size(size, root, cache, repeats,
                                                       pelican=size in PELICAN_SIZES,
                                                       rounds=rounds)
            if not a.keep:
                remove(root / f"n{size}")
        log(f"cold import ×{import_runs} …")
        results["imports"] = cold_imports(root, import_runs)
    finally:
        if not a.keep and not a.work:
            remove(root)
    results["total_s"] = time.perf_counter() - started
    from bench.report import markdown, table, verdicts

    results["verdicts"] = verdicts(results)
    text = table(results)
    print(text)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    name = "quick" if a.quick else "bench"
    for target in (out / f"{name}-{stamp}", out / f"{name}-latest"):
        target.with_suffix(".json").write_text(json.dumps(results, ensure_ascii=False, indent=1))
        target.with_suffix(".md").write_text(markdown(results, text))
    log(f"bench: done in {results['total_s']:.0f} s; wrote {out}/{name}-latest.{{json,md}}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
