"""Peak memory of the S3 sink's full build over N pages, with a stand-in S3 client that holds
nothing per page (its listing made as it is read, its manifest streamed from a temporary file),
so that what grows is the sink's own bookkeeping (`publisher.ledger`).

    python -m bench.sink_memory 300000
    python -m bench.sink_memory 1200000          # ~2 minutes here

A second full build of an unchanged site with one page in 1,000 changed: the listing and the
manifest of N pages read, N pages compared, N/1,000 uploaded, the manifest written again.
Prints the process's peak RSS before the sink, after `begin` and at the end, and the time.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import itertools
import json
import resource
import tempfile
import time
from collections.abc import Iterator
from typing import Any


def path(i: int) -> str:
    return f"letters/b{i:07d}/index.html" if i % 2 else f"en/letters/b{i:07d}/index.html"


def page(i: int) -> bytes:
    return b"<html>" + str(i).encode() * 40


class StandIn:
    """list_objects_v2 pages, get_object of the manifest, put_object reading its body in
    chunks (as botocore streams a file): nothing kept per page."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.puts = 0
        self.manifest = tempfile.TemporaryFile()
        with gzip.GzipFile(fileobj=self.manifest, mode="wb") as gz:
            gz.write(b'{"version": 2}\n')
            for i in self._in_order():
                data = page(i)
                gz.write(json.dumps([path(i), hashlib.sha256(data).hexdigest(),
                                     hashlib.md5(data).hexdigest()]).encode() + b"\n")

    def _in_order(self) -> Iterator[int]:
        return itertools.chain(range(0, self.n, 2), range(1, self.n, 2))   # path order

    def get_object(self, Bucket: str, Key: str) -> dict:
        self.manifest.seek(0)
        return {"Body": self.manifest}

    def get_paginator(self, name: str) -> Any:
        stand_in = self

        class Pages:
            def paginate(self, **kwargs: Any) -> Iterator[dict]:
                keys = stand_in._in_order()
                while chunk := list(itertools.islice(keys, 1000)):
                    yield {"Contents": [{"Key": path(i),
                                         "ETag": f'"{hashlib.md5(page(i)).hexdigest()}"'}
                                        for i in chunk]}
        return Pages()

    def put_object(self, **kwargs: Any) -> dict:
        self.puts += 1
        body, digest = kwargs["Body"], hashlib.md5()
        if isinstance(body, bytes):
            digest.update(body)
        else:
            while chunk := body.read(1 << 20):
                digest.update(chunk)
        return {"ETag": f'"{digest.hexdigest()}"'}

    def delete_objects(self, **kwargs: Any) -> dict:
        return {}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.sink_memory")
    p.add_argument("pages", type=int)
    a = p.parse_args(argv)
    from publisher.sinks import S3Sink

    client = StandIn(a.pages)
    rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # noqa: E731
    before = rss()
    sink = S3Sink("bench-site", client=client)
    t0 = time.perf_counter()
    sink.begin(full=True)
    begun = time.perf_counter() - t0
    after_begin = rss()
    for i in range(a.pages):
        sink.write(path(i), page(i) + (b"!" if i % 1000 == 0 else b""))
    changed = sink.finish()
    print(f"{a.pages:,} pages: peak RSS {before:.0f} MB before the sink, {after_begin:.0f} MB "
          f"after begin, {rss():.0f} MB at the end; {len(changed):,} changed; begin "
          f"{begun:.1f} s, all {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
