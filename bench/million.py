"""A million letters (issue 16, item 4): load N, build everything on every core, publish one.

    python -m bench.million [--letters N] [--workers 2] [--sample 2000] [--work DIR] [--keep]

One command, each measurement in its own interpreter (as `bench.run`):

1. **load**: N published letters (+ a few replied ones to approve) into a fresh SQLite store
   with `bench.tasks load` (the domain's real steps, 1,000 letters per unit of work, no API);
2. **full build**: `publisher.parallel.parallel_full_build` into an empty folder with
   `--workers` processes; time, HTML pages per second, peak RSS of the parent and of the
   largest worker (`getrusage(RUSAGE_CHILDREN)`);
3. **incremental**: `bench.tasks incremental` (an approval, then its publish) over the built
   site, median of `--repeats`;
4. **ratios on a sample**: stock Pelican (`bench.tasks pelican`) and the bare-Jinja2 floor
   (`bench.tasks floor`) on `--sample` letters, compared per letter with the full build of N
   (Pelican writes one language and one page per letter; we write two of each);
5. **S3**: the sink's PUTs per full build, the client's time per PUT measured against moto
   (in process: botocore's own cost, no network) and the wall time at stated request rates
   (a sequential sink at one PUT per ~20 ms in-region, and the sink's 16 PUTs in flight).

Prints one table and writes `bench/results/million-{N}.json`.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"

SEQUENTIAL_PUT_S = 0.020        # one PUT round trip from Lambda to S3 in-region (assumed)
PARALLEL_PUTS = 16              # PUTs in flight: S3Sink's upload pool (workers=16)
S3_PUT_PRICE = 0.005 / 1000     # USD per PUT, S3 Standard us-east-1 (see docs/cost.md)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "functions")])
    e.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    return e


def run(module: str, *args: str) -> None:
    proc = subprocess.run([sys.executable, "-m", module, *args], cwd=REPO, env=env(),
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{module} {args[0]} failed:\n{proc.stderr[-3000:]}")


def task(name: str, result_file: Path, **options: object) -> dict:
    args = [name, "--result", str(result_file)]
    for key, value in options.items():
        args += [f"--{key}", str(value)]
    run("bench.tasks", *args)
    return json.loads(result_file.read_text())


# --- the parallel full build, in its own interpreter ---------------------------------------------

def full_task(folder: Path, out: Path, workers: int) -> dict:
    from functools import partial

    from bench import tasks
    from chalicelib.adapters.sqlite import SqliteStore
    from publisher.content import load_content
    from publisher.parallel import parallel_full_build
    from publisher.sinks import LocalFolderSink

    content = load_content(REPO / "content")
    c0, t0 = time.process_time(), time.perf_counter()
    result = parallel_full_build(partial(SqliteStore, folder / tasks.STORE_FILE),
                                 partial(LocalFolderSink, out), content, workers=workers)
    seconds = time.perf_counter() - t0
    cpu_self = time.process_time() - c0
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    html, files, size = tasks.count_files(out)
    return {"seconds": seconds, "parent_cpu_s": cpu_self,
            "workers_cpu_s": children.ru_utime + children.ru_stime, "workers": workers,
            "page_keys": result.pages, "files_rendered": result.files,
            "html_pages": html, "files": files, "bytes": size, "letters": result.letters,
            "peak_rss_parent_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "peak_rss_worker_kb": children.ru_maxrss,
            "pages_per_s": html / seconds, "loadavg": os.getloadavg()[0]}


def s3_put_cost(n: int = 300) -> dict:
    """botocore's time per PUT through `publisher.sinks.S3Sink`, against moto in process."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    import boto3
    from moto import mock_aws

    from publisher.sinks import S3Sink

    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="bench-site")
        sink = S3Sink("bench-site", client=client)
        sink.begin(full=True)
        page = ("<p>" + "问政" * 2000 + "</p>").encode()
        t0 = time.perf_counter()
        for i in range(n):
            sink.write(f"letters/x{i}/index.html", page + str(i).encode())
        seconds = time.perf_counter() - t0
    return {"puts": n, "seconds": seconds, "ms_per_put": seconds / n * 1000}


# --- the run -------------------------------------------------------------------------------------

def fmt(n: float, digits: int = 0) -> str:
    return f"{n:,.{digits}f}"


def measure(a: argparse.Namespace) -> dict:
    base = Path(a.work) if a.work else (Path("/dev/shm") if Path("/dev/shm").is_dir() else None)
    work = Path(tempfile.mkdtemp(prefix="million-", dir=base))
    n = a.letters
    figures: dict = {"letters": n, "workers": a.workers, "sample": a.sample,
                     "cpus": os.cpu_count(), "work": str(work), "at": time.strftime(
                         "%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    try:
        size_dir = work / "store"
        cache = work / "sources.pickle"
        log(f"loading {n:,} letters …")
        figures["load"] = task("load", work / "load.json", dir=size_dir, size=n,
                               extra=2 * (a.repeats + 1) + 6, cache=cache)
        log(f"  {figures['load']['seconds']:.1f} s; full build on {a.workers} processes …")
        site = size_dir / "site"
        run("bench.million", "--task", "full", "--dir", str(size_dir), "--out", str(site),
            "--workers", str(a.workers), "--result", str(work / "full.json"))
        figures["full"] = json.loads((work / "full.json").read_text())
        log(f"  {figures['full']['seconds']:.1f} s; incremental publish …")
        figures["incremental"] = task("incremental", work / "inc.json", dir=size_dir,
                                      repeats=a.repeats)
        log("Pelican and the floor on the sample …")
        figures["pelican"] = task("pelican", work / "pelican.json", dir=work / "pelican",
                                  size=a.sample, cache=cache)
        figures["floor"] = task("floor", work / "floor.json", out=work / "floor", size=a.sample,
                                cache=cache)
        figures["s3_moto"] = s3_put_cost()
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.million")
    p.add_argument("--letters", type=int, default=100_000)
    p.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    p.add_argument("--sample", type=int, default=2000, help="letters for Pelican and the floor")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--work", help="folder for the store and sites (default: /dev/shm)")
    p.add_argument("--keep", action="store_true")
    p.add_argument("--report", help="print the table of a result JSON again and stop")
    p.add_argument("--task", choices=["full"], help=argparse.SUPPRESS)
    p.add_argument("--dir", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.task == "full":
        got = full_task(Path(a.dir), Path(a.out), a.workers)
        Path(a.result).write_text(json.dumps(got, indent=1))
        return 0

    if a.report:
        figures = json.loads(Path(a.report).read_text())
        a.sample, a.workers = figures["sample"], figures["workers"]
    else:
        figures = measure(a)
    n = figures["letters"]

    full, inc, pel, flo = (figures[k] for k in ("full", "incremental", "pelican", "floor"))
    per_letter = full["seconds"] / n
    pel_per_letter = pel["seconds"] / a.sample
    floor_per_letter = flo["seconds"] / a.sample
    puts = full["files"]
    figures["derived"] = {
        "speedup_vs_pelican": pel_per_letter / per_letter,
        "ours_over_floor": per_letter / floor_per_letter,
        "ours_over_floor_per_core": per_letter * a.workers / floor_per_letter,
        # CPU time, which the other processes of a shared machine do not inflate
        "speedup_vs_pelican_cpu": (pel["cpu_s"] / a.sample) / (full["workers_cpu_s"] / n),
        "ours_over_floor_cpu": (full["workers_cpu_s"] / n) / (flo["cpu_s"] / a.sample),
        "s3_puts_per_full_build": puts,
        "s3_sequential_s": puts * SEQUENTIAL_PUT_S,
        "s3_parallel_s": puts * SEQUENTIAL_PUT_S / PARALLEL_PUTS,
        "s3_put_usd_per_full_build": puts * S3_PUT_PRICE,
    }
    d = figures["derived"]
    lines = [
        f"{n:,} published letters, {a.workers} worker processes on {os.cpu_count()} CPUs "
        f"(load average {full['loadavg']:.1f} at the end of the build)",
        f"  load (domain steps, SQLite)     {figures['load']['seconds']:.1f} s "
        f"({fmt(figures['load']['letters_per_s'])} letters/s), store "
        f"{figures['load']['store_bytes'] / 1e6:,.0f} MB",
        f"  full build                      {full['seconds']:.1f} s wall, "
        f"{full['workers_cpu_s']:.1f} s CPU in workers; {fmt(full['html_pages'])} HTML pages, "
        f"{fmt(full['files'])} files, {full['bytes'] / 1e9:.2f} GB; "
        f"{fmt(full['pages_per_s'])} pages/s",
        f"  peak RSS                        parent {full['peak_rss_parent_kb'] / 1024:.0f} MB, "
        f"largest worker {full['peak_rss_worker_kb'] / 1024:.0f} MB",
        f"  incremental publish             median {inc['inproc_median_ms']:.1f} ms in process, "
        f"{inc['handler_median_ms']:.1f} ms through the handler; "
        f"{inc['page_keys']} page keys, {inc['files_rendered_median']:.0f} files",
        *([f"  deferred pages' refresh         median {inc['refresh_median_ms']:.0f} ms "
           f"({inc['refresh_cpu_median_ms']:.0f} ms CPU) for {inc['refresh_pages']} pages "
           f"(the month's open data, channel figures, /data/, sitemaps), once a minute"]
          if "refresh_median_ms" in inc else []),
        f"  stock Pelican ({a.sample:,} sample)    {pel['seconds']:.1f} s → "
        f"{pel_per_letter * 1000:.2f} ms/letter vs ours {per_letter * 1000:.2f} ms/letter: "
        f"{d['speedup_vs_pelican']:.2f}× faster (goal ≥ 5×); CPU: "
        f"{d['speedup_vs_pelican_cpu']:.2f}×",
        f"  bare-Jinja2 floor ({a.sample:,})      {floor_per_letter * 1000:.2f} ms/letter, "
        f"one process: ours / floor = {d['ours_over_floor']:.2f}× wall "
        f"({d['ours_over_floor_per_core']:.2f}× per core; goal ≤ 1.5×); CPU: "
        f"{d['ours_over_floor_cpu']:.2f}×",
        f"  S3: {fmt(puts)} PUTs a full build (${d['s3_put_usd_per_full_build']:.2f}); botocore "
        f"{figures['s3_moto']['ms_per_put']:.2f} ms/PUT against moto; at "
        f"{SEQUENTIAL_PUT_S * 1000:.0f} ms a PUT: {d['s3_sequential_s'] / 3600:.1f} h "
        f"sequential, {d['s3_parallel_s'] / 60:.1f} min with {PARALLEL_PUTS} in flight",
    ]
    print("\n".join(lines))
    if a.report:
        return 0
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"million-{n}.json").write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
