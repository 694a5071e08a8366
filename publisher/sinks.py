"""Where the site's files go: a local folder, an S3 bucket, or memory.

Every sink takes `write(path, data)` and `delete(path)` with paths relative to the site root
("letters/abc/index.html"), and `write_spool(path, spool)` for a file made in pieces (a month's
open data, `publisher.spool`), which the folder and the bucket copy in chunks; `put` picks one.
Every sink skips a write whose bytes are already there (so an unchanged page
costs no upload and no CDN invalidation), and reports what it changed. `finish()` ends one
publish: S3Sink then asks the CDN, once, to forget the changed paths.
"""
from __future__ import annotations

import base64
import collections
import gzip
import hashlib
import json
import os
import posixpath
import re
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from .ledger import DiskMap, Ledger
from .spool import Spool

CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".webmanifest": "application/manifest+json; charset=utf-8",
}


def content_type(path: str) -> str:
    if path.endswith(".atom.xml"):
        return "application/atom+xml; charset=utf-8"
    return CONTENT_TYPES.get(posixpath.splitext(path)[1].lower(), "application/octet-stream")


PAGE_MAX_AGE = 60      # seconds a page may stay at the edge (and in a browser) once changed


def cache_control(path: str) -> str:
    """Pages change when letters do, so edge caches keep them for a minute: a changed page is
    seen everywhere within `PAGE_MAX_AGE` without telling the CDN (which bills each path it is
    told, see `edge_urls`); theme assets are versioned by a query string; the search index's
    entry points are revalidated on every request (`is_search_entry`)."""
    if path.startswith("theme/"):
        return "public, max-age=86400"
    if is_search_entry(path):
        return "public, no-cache"
    return f"public, max-age={PAGE_MAX_AGE}, stale-while-revalidate=30"


def is_search_entry(path: str) -> bool:
    """The search index's entry points (`search.index`: MANIFEST_PATH and each shard's
    `pagefind-entry.json`), which name the content-named files of the index: served
    `no-cache`, so the edge asks S3 each time (a small conditional GET) and a reader never
    gets an entry naming files a rebuild has deleted; the CDN is not told of them."""
    return path == "search/shards.json" or (path.startswith("search/shards/")
                                            and path.endswith("/pagefind-entry.json"))


_LETTER_PAGE = re.compile(r"^(?:en/)?letters/([^/]+)/index\.html$")


def edge_urls(changed: Iterable[str], deleted: Iterable[str], overwritten: Iterable[str],
              urgent: set[str]) -> list[str]:
    """What an incremental publish tells the CDN to forget at once; every other changed page
    is refreshed at the edge within `PAGE_MAX_AGE` seconds.

    - a file deleted (a letter withdrawn, a page gone): a withdrawn letter must not stay
      readable for a minute;
    - a letter page overwritten by a change that (re)published or withdrew it (`urgent`: the
      office's corrected public text after a re-approval must replace the old one at once).

    A letter page is told as one wildcard per language (`/letters/{id}/*` covers the folder
    URL and its `index.html`; CloudFront bills a wildcard as one path). Votes, ratings and
    every list page (boards, league, open data, feeds, sitemaps) are not told: a vote would
    otherwise cost two paths, and a publish ~34 (about $1 a letter at CloudFront's price)."""
    del changed      # (what changed is refreshed by the pages' max-age)
    urls: set[str] = set()
    for path in deleted:
        found = _LETTER_PAGE.match(path)
        urls |= ({"/" + path.removesuffix("index.html") + "*"} if found else set(url_paths(path)))
    for path in overwritten:
        found = _LETTER_PAGE.match(path)
        if found and found.group(1) in urgent:
            urls.add("/" + path.removesuffix("index.html") + "*")
    return sorted(urls)


def clean_path(path: str) -> str:
    """A relative POSIX path inside the site; refuses absolute paths and '..'."""
    if not isinstance(path, str) or not path or "\\" in path or "\x00" in path:
        raise ValueError(f"bad site path {path!r}")
    norm = posixpath.normpath(path.lstrip("/"))
    if norm in ("", ".") or norm.startswith("../") or norm == ".." or path.startswith("//"):
        raise ValueError(f"bad site path {path!r}")
    return norm


def clean_prefix(prefix: str) -> str:
    """A folder or name prefix inside the site ("search/shards/2026-11/"); "" is the whole
    site. A trailing slash is kept: it says the prefix is a folder."""
    if prefix in ("", "/"):
        return ""
    return clean_path(prefix) + ("/" if prefix.endswith("/") else "")


def url_paths(path: str) -> list[str]:
    """The URLs a file is served under (a directory index is also its folder URL)."""
    url = "/" + path
    if url.endswith("/index.html"):
        return [url, url.removesuffix("index.html")]
    return [url]


class Sink(Protocol):
    def begin(self, full: bool = False) -> None: ...
    def write(self, path: str, data: bytes) -> bool: ...
    def write_spool(self, path: str, spool: Spool) -> bool: ...
    def delete(self, path: str) -> bool: ...
    def finish(self) -> list[str]: ...
    def paths(self) -> Iterator[str]: ...
    # `urgent`: the ids of letters this publish (re)published or withdrew, whose pages the
    # CDN must forget at once (`edge_urls`); a sink without a CDN keeps and ignores it
    urgent: set[str]
    # optional, `paths_under(prefix)`: the paths starting with prefix, without listing the
    # rest of the site (the search indexer lists one shard's folder; search.index.paths_under)


class _Tracking:
    """What a sink changed since `begin()`."""

    def __init__(self) -> None:
        self.changed: list[str] = []
        self.writes = 0
        self.urgent: set[str] = set()

    def begin(self, full: bool = False) -> None:
        self.changed = []
        self.writes = 0

    def finish(self) -> list[str]:
        return sorted(set(self.changed))

    def write(self, path: str, data: bytes) -> bool:
        raise NotImplementedError

    def write_spool(self, path: str, spool: Spool) -> bool:
        """A sink that keeps what it is given takes the spool's bytes."""
        return self.write(path, spool.getvalue())


def put(sink: Sink, path: str, data: bytes | Spool) -> bool:
    """Write one output of a renderer (`render.Output`): bytes, or a spool in chunks."""
    if isinstance(data, Spool):
        return sink.write_spool(path, data)
    return sink.write(path, data)


class MemorySink(_Tracking):
    """A site in a dict: for tools that read a built site without writing one (the PII scan of
    `bench/pii_scan.py`, the packaged function's smoke test, which has no tests/ folder to
    import a fake from) and for tests."""

    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, bytes] = {}

    def write(self, path: str, data: bytes) -> bool:
        path = clean_path(path)
        self.writes += 1
        if self.files.get(path) == data:
            return False
        self.files[path] = bytes(data)
        self.changed.append(path)
        return True

    def delete(self, path: str) -> bool:
        path = clean_path(path)
        if self.files.pop(path, None) is None:
            return False
        self.changed.append(path)
        return True

    def paths(self) -> Iterator[str]:
        return iter(sorted(self.files))

    def paths_under(self, prefix: str) -> Iterator[str]:
        prefix = clean_prefix(prefix)
        return iter(sorted(p for p in self.files if p.startswith(prefix)))


def _same(target: str, spool: Spool) -> bool:
    """Whether the file at `target` holds the spool's bytes (read side by side in chunks)."""
    with open(target, "rb") as fh:
        for chunk in spool.chunks():
            if fh.read(len(chunk)) != chunk:
                return False
        return not fh.read(1)


class LocalFolderSink(_Tracking):
    """Files under a folder, written atomically (temp file in the same folder, then rename), so
    a reader or a web server never sees half a page."""

    def __init__(self, root: str | Path) -> None:
        super().__init__()
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._base = str(self.root) + os.sep
        self._dirs: set[str] = {""}             # folders known to exist (saves a mkdir a file)
        self._tmp = f".tmp-{os.getpid()}-{id(self):x}-"

    def _file(self, path: str) -> Path:
        return self.root.joinpath(*clean_path(path).split("/"))

    def write(self, path: str, data: bytes) -> bool:
        # plain strings and os calls: a full build writes tens of thousands of files
        rel = clean_path(path)
        target = self._base + rel
        self.writes += 1
        try:
            if os.stat(target).st_size == len(data):
                with open(target, "rb") as fh:
                    if fh.read() == data:
                        return False
        except FileNotFoundError:
            pass
        self._place(rel, target, (data,))
        return True

    def write_spool(self, path: str, spool: Spool) -> bool:
        """A spool, compared with the file there and copied to its place a chunk at a time."""
        rel = clean_path(path)
        target = self._base + rel
        self.writes += 1
        try:
            if os.stat(target).st_size == spool.size and _same(target, spool):
                return False
        except FileNotFoundError:
            pass
        self._place(rel, target, spool.chunks())
        return True

    def _place(self, rel: str, target: str, chunks: Iterable[bytes]) -> None:
        folder, _, name = rel.rpartition("/")
        if folder not in self._dirs:
            os.makedirs(self._base + folder, exist_ok=True)
            self._dirs.add(folder)
        # the temporary name is unique to this sink (pid + object), so no O_EXCL retry loop
        tmp = f"{self._base}{folder}/{self._tmp}{name}" if folder else self._base + self._tmp + name
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                for data in chunks:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(fd, view):]
            finally:
                os.close(fd)
            os.replace(tmp, target)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
        self.changed.append(rel)

    def delete(self, path: str) -> bool:
        target = self._file(path)
        try:
            target.unlink()
        except FileNotFoundError:
            return False
        parent = target.parent
        while parent != self.root:          # drop folders the deletion emptied
            try:
                parent.rmdir()
            except OSError:
                break
            self._dirs.discard(parent.relative_to(self.root).as_posix())
            parent = parent.parent
        self.changed.append(clean_path(path))
        return True

    def paths(self) -> Iterator[str]:
        return self._walk(self.root)

    def paths_under(self, prefix: str) -> Iterator[str]:
        """The files whose path starts with `prefix` (sorted), walking only the folder it
        names."""
        prefix = clean_prefix(prefix)
        folder = prefix.rpartition("/")[0]
        top = self.root.joinpath(*folder.split("/")) if folder else self.root
        return iter(sorted(p for p in self._walk(top) if p.startswith(prefix)))

    def _walk(self, top: Path) -> Iterator[str]:
        for dirpath, dirs, files in os.walk(top):
            dirs.sort()
            for name in sorted(files):
                if name.startswith(".tmp-"):
                    continue
                yield Path(dirpath, name).relative_to(self.root).as_posix()


INVALIDATION_PATHS = 1000      # CloudFront takes at most this many paths in one invalidation


def cloudfront_invalidator(distribution_id: str, client: Any = None,
                           caller_reference: Callable[[list[str]], str] | None = None
                           ) -> Callable[[list[str]], None]:
    """An `invalidate(paths)` for S3Sink that asks CloudFront once per publish."""

    def invalidate(paths: list[str]) -> None:
        if not paths:
            return
        cf = client or boto3_client("cloudfront")
        items = paths if len(paths) <= INVALIDATION_PATHS else ["/*"]
        ref = (caller_reference(items) if caller_reference else
               hashlib.sha256("\n".join(items).encode()).hexdigest()[:32] + os.urandom(4).hex())
        cf.create_invalidation(DistributionId=distribution_id, InvalidationBatch={
            "Paths": {"Quantity": len(items), "Items": items}, "CallerReference": ref})

    return invalidate


def boto3_client(name: str) -> Any:
    """A boto3 client (`AWS_ENDPOINT_URL` and the region from the environment, as boto3 reads
    them); boto3 is imported only when publishing to AWS."""
    import boto3

    return boto3.client(name)


MANIFEST_LINES = 2      # the manifest's version: gzip of JSON lines, a header then a page a line


def _manifest_rows(lines: Iterable[bytes]) -> Iterator[tuple[str, list[str]]]:
    for line in lines:
        row = json.loads(line)
        if isinstance(row, list) and len(row) == 3:
            yield row[0], [row[1], row[2]]


class S3Sink(_Tracking):
    """Objects in a bucket under `prefix`, uploaded only when their bytes changed.

    An incremental publish asks S3 about each page it renders (`head_object`, a handful per
    change). A full build (`begin(full=True)`) reads the manifest of the last full build
    (`MANIFEST`: path -> [sha256, ETag], one GetObject) and lists the bucket once (ListObjectsV2,
    one request per 1,000 objects); a page is uploaded only when its sha256 differs from the
    manifest's or its object's ETag is no longer the one recorded (an incremental publish or a
    hand wrote it since). Without a manifest entry the ETag is compared with the bytes' MD5
    (a single-part upload under SSE-S3). Never a GetObject per file. The uploads of a full
    build run in a bounded thread pool; `finish()` waits for them, removes the objects no page
    owns (DeleteObjects, 1,000 a request), writes the manifest last, then calls `invalidate`
    once with the URLs of everything changed. A full build's maps (listing, manifests, what
    changed) live in a `Ledger` on disk for the build, not in memory, and the manifest is read
    and written a line at a time (`MANIFEST_LINES`), so a site of millions of pages costs the
    same memory as a small one.

    Built in place, a reader sees every object whole (S3 PUTs are atomic), but a mix of old
    and new pages until `finish()`. A deployed site is therefore built into a new prefix, a
    generation (`publisher.generations`), with `copy_from` the live one: a page whose bytes
    the live generation's manifest already holds, in an object not touched since, is copied
    inside S3 (CopyObject: no upload), and the objects under `carry` (the search index, which
    the indexer owns) are copied over at `finish()`; the switch to the new prefix is made
    after.
    """

    MANIFEST = "_manifest/hashes.json.gz"
    # top-level folders of the bucket that are not pages: the manifests, the pointer to the
    # live generation and the generations themselves (publisher.generations)
    RESERVED = ("_manifest/", "_live/", "_site/")

    def __init__(self, bucket: str, prefix: str = "", client: Any = None,
                 invalidate: Callable[[list[str]], None] | None = None,
                 cache_control: Callable[[str], str] = cache_control,
                 workers: int = 16, copy_from: str | None = None,
                 carry: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = client or boto3_client("s3")
        self.invalidate = invalidate
        self.cache_control = cache_control
        self.workers = max(1, workers)
        self.etags: DiskMap | None = None     # key -> ETag, after a full listing (`ledger`)
        # an incremental publish: files deleted and files that were there and changed (with
        # `urgent`, the letters its changes (re)published or withdrew, which `publish_changes`
        # sets: `edge_urls` says what the CDN is told)
        self.gone: list[str] = []
        self.overwritten: list[str] = []
        # the manifest lives outside the prefix the site is served from (with no prefix, at
        # /_manifest/: it holds only public paths and their hashes)
        self.manifest_key = self.manifest_key_of(self.prefix)
        # a generation build: the prefix to copy unchanged pages from, and what to carry over
        self.copy_from = (None if copy_from is None else
                          copy_from.strip("/") + "/" if copy_from.strip("/") else "")
        self.carry = carry
        self.copied = 0
        self._reset_full()

    @staticmethod
    def manifest_key_of(prefix: str) -> str:
        return "_manifest/" + prefix + "hashes.json.gz"

    def _reset_full(self) -> None:
        # a full build's bookkeeping lives in a ledger on disk (`publisher.ledger`: flat memory
        # whatever the size of the site); the maps below are its tables
        ledger = getattr(self, "_ledger", None)
        if ledger is not None:
            ledger.close()
        self._ledger: Ledger | None = None
        self.manifest: DiskMap | dict[str, list[str]] = {}   # path -> [sha256, etag] (last)
        self._entries: DiskMap | dict[str, list[str]] = {}   # what this build knows is there
        self._changed: DiskMap | None = None         # the paths a full build changed
        # (path, [sha256, etag]) of finished uploads, appended by the upload threads
        self._uploaded: collections.deque[tuple[str, list[str]]] = collections.deque()
        self._pool: ThreadPoolExecutor | None = None
        self._slots: threading.BoundedSemaphore | None = None
        self._failed: BaseException | None = None    # the first upload that failed
        self._doomed: list[str] = []                 # keys to delete at finish()
        self._lock = threading.Lock()
        # a generation build: path -> [sha256, etag] of the pages `copy_from` holds unchanged
        # since its manifest, and every key there (for `carry`)
        self._sources: DiskMap | dict[str, list[str]] = {}
        self._source_keys: DiskMap | dict[str, str] = {}

    def _key(self, path: str) -> str:
        return self.prefix + clean_path(path)

    def begin(self, full: bool = False) -> None:
        self._shutdown()
        super().begin(full)
        self.gone, self.overwritten = [], []
        self.copied = 0
        self._reset_full()
        self.etags = None
        if full:
            ledger = self._ledger = Ledger()
            self.etags = ledger.map("etags")
            self.etags.update(self._list_pages())
            self.manifest = self._load_manifest(self.manifest_key, ledger.map("manifest"))
            self._entries = ledger.map("entries")
            self._changed = ledger.map("changed")
            if self.copy_from is not None:
                self._load_sources()
            self._pool = ThreadPoolExecutor(max_workers=self.workers,
                                            thread_name_prefix="s3-sink")
            self._slots = threading.BoundedSemaphore(self.workers * 4)

    def _load_sources(self) -> None:
        """What the generation copied from holds: its listing, and the manifest entries whose
        object is still the one the manifest recorded (an incremental publish since changed
        some, and those are uploaded instead)."""
        assert self.copy_from is not None and self._ledger is not None
        keys = self._source_keys = self._ledger.map("source_keys")
        keys.update(self._list_pages(root=self.copy_from))
        manifest = self._load_manifest(self.manifest_key_of(self.copy_from),
                                       self._ledger.map("source_manifest"))
        assert isinstance(manifest, DiskMap)
        # the entries whose object is still the one the manifest recorded: one join
        self._sources = self._ledger.map("sources")
        self._sources.fill_matching(manifest, keys, self.copy_from)

    def _load_manifest(self, key: str, into: DiskMap) -> DiskMap:
        """The manifest at `key` into `into` (empty when there is none, or it is torn or
        foreign: then the listing's ETags are compared instead). Version 2 is read a line at a
        time (gzip of JSON lines: a header, then one [path, sha256, etag] a page); version 1,
        one JSON object, as a build before it wrote it."""
        from botocore.exceptions import ClientError
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return into
            raise
        try:
            with gzip.GzipFile(fileobj=body) as lines:
                head = json.loads(lines.readline() or b"null")
                if isinstance(head, dict) and head.get("version") == MANIFEST_LINES:
                    into.update(_manifest_rows(lines))
                else:                                   # version 1: one JSON object
                    files = (json.loads(lines.read()) if head is None else head)
                    files = files.get("files") if isinstance(files, dict) else None
                    into.update((p, e) for p, e in (files or {}).items()
                                if isinstance(e, list) and len(e) == 2)
        except (OSError, ValueError, EOFError):
            into.clear()       # a torn or foreign manifest: compare with the listing instead
        return into

    def _list_pages(self, under: str = "", root: str | None = None
                    ) -> Iterator[tuple[str, str]]:
        """(key, ETag) of the objects under `root` + `under`, a listing page at a time."""
        root = self.prefix if root is None else root
        paginator = self.client.get_paginator("list_objects_v2")
        kwargs = {"Bucket": self.bucket}
        if root + under:
            kwargs["Prefix"] = root + under
        for page in paginator.paginate(**kwargs):
            for obj in page.get("Contents", []):
                if obj["Key"][len(root):].startswith(self.RESERVED):
                    continue
                yield obj["Key"], obj["ETag"].strip('"')

    def _list(self, under: str = "", root: str | None = None) -> dict[str, str]:
        return dict(self._list_pages(under, root))

    def _remote_md5(self, key: str) -> str | None:
        if self.etags is not None:
            return self.etags.get(key)
        from botocore.exceptions import ClientError

        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return head.get("Metadata", {}).get("md5") or head["ETag"].strip('"')

    def _copy(self, key: str, source: str) -> str:
        """Copy an object inside the bucket (its type, cache policy and md5 go with it)."""
        answer = self.client.copy_object(Bucket=self.bucket, Key=key,
                                         CopySource={"Bucket": self.bucket, "Key": source})
        return str(answer.get("CopyObjectResult", {}).get("ETag", "")).strip('"')

    def _put(self, key: str, rel: str, data: bytes | Spool, md5: bytes) -> str:
        # a spool goes as its file (botocore reads it in chunks, and seeks back to retry)
        body = data.reader() if isinstance(data, Spool) else data
        answer = self.client.put_object(
            Bucket=self.bucket, Key=key, Body=body, ContentType=content_type(key),
            CacheControl=self.cache_control(rel), Metadata={"md5": md5.hex()},
            ContentMD5=base64.b64encode(md5).decode())
        return str(answer.get("ETag", "")).strip('"') or md5.hex()

    def write(self, path: str, data: bytes) -> bool:
        return self._write(path, data, hashlib.md5(data).digest(),
                           lambda: hashlib.sha256(data).hexdigest())

    def write_spool(self, path: str, spool: Spool) -> bool:
        """A spool: its digests were counted as it was made, and it is uploaded from its file
        (a month's open data is one PutObject of tens of MB, well under S3's 5 GB)."""
        return self._write(path, spool, spool.md5, lambda: spool.sha256)

    def _write(self, path: str, data: bytes | Spool, md5: bytes,
               sha: Callable[[], str]) -> bool:
        rel = clean_path(path)
        key = self.prefix + rel
        self.writes += 1
        if self._pool is None:                       # incremental: one HEAD, one PUT
            there = self._remote_md5(key)
            if there == md5.hex():
                return False
            self._put(key, rel, data, md5)
            self.changed.append(rel)
            if there is not None:
                self.overwritten.append(rel)
            return True
        return self._write_full(key, rel, data, md5, sha())

    def _write_full(self, key: str, rel: str, data: bytes | Spool, md5: bytes,
                    sha: str) -> bool:
        assert self.etags is not None and self._pool is not None and self._slots is not None
        etag = self.etags.get(key)
        entry = self.manifest.get(rel)
        if etag is not None and (etag == md5.hex() or entry == [sha, etag]):
            self._entries[rel] = [sha, etag]
            return False
        self.etags[key] = md5.hex()
        source = self._sources.get(rel)
        if source is not None and source[0] == sha:
            assert self.copy_from is not None
            old = self.copy_from + rel
            self._submit(rel, sha, lambda: self._copy(key, old) or source[1])
            self.copied += 1
        else:
            self._submit(rel, sha, lambda: self._put(key, rel, data, md5))
        self._note_changed(rel)
        return True

    def _note_changed(self, rel: str) -> None:
        if self._changed is not None:
            self._changed[rel] = 1            # a full build: on disk, each path once
        else:
            self.changed.append(rel)

    def _submit(self, rel: str, sha: str | None, send: Callable[[], str]) -> None:
        """Queue one upload or copy (at most workers*4 in flight); `sha` None: not a page of
        the manifest (what `carry` copies)."""
        assert self._pool is not None and self._slots is not None
        self._slots.acquire()

        if self._failed is not None:                 # stop early: the build will raise
            self._slots.release()
            raise self._failed

        self._drain_uploads()

        def upload() -> None:
            try:
                new_etag = send()
                if sha is not None:      # recorded by the build's own thread (`_drain_uploads`)
                    self._uploaded.append((rel, [sha, new_etag]))
            except BaseException as exc:
                with self._lock:
                    self._failed = self._failed or exc
            finally:
                assert self._slots is not None
                self._slots.release()

        # no Future kept per file (a full build writes millions): failures land in _failed
        self._pool.submit(upload)

    def _drain_uploads(self) -> None:
        """The ETags the upload threads got, into the ledger: only the build's thread writes
        it (SQLite memory allocated in sixteen threads' heaps and freed in another grew by
        ~60 KB an upload)."""
        done = []
        while self._uploaded:
            done.append(self._uploaded.popleft())
        if done:
            self._entries.update(done)

    def delete(self, path: str) -> bool:
        rel = clean_path(path)
        key = self.prefix + rel
        if self.etags is not None:
            if key not in self.etags:
                return False
        elif self._remote_md5(key) is None:
            return False
        if self._pool is not None:
            self._doomed.append(key)
        else:
            self.client.delete_object(Bucket=self.bucket, Key=key)
        if self.etags is not None:
            self.etags.pop(key, None)
        self._entries.pop(rel, None)
        self._note_changed(rel)
        self.gone.append(rel)
        return True

    def paths(self) -> Iterator[str]:
        if self.etags is not None:                 # in order, from the ledger
            return (k[len(self.prefix):] for k in self.etags.keys(self.prefix))
        return iter(sorted(k[len(self.prefix):] for k in self._list()))

    def paths_under(self, prefix: str) -> Iterator[str]:
        """The paths starting with `prefix`: one prefixed listing (ListObjectsV2, paginated),
        not a listing of the whole site; from the full listing when `begin(full=True)` made
        one."""
        under = clean_prefix(prefix)
        if self.etags is not None:
            return (k[len(self.prefix):] for k in self.etags.keys(self.prefix + under))
        return iter(sorted(k[len(self.prefix):] for k in self._list(under)))

    def _shutdown(self, cancel: bool = True) -> None:
        """Stop the upload pool: at `finish()` after every queued upload, else (a build
        abandoned for a new `begin()`) dropping the queued ones."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=cancel)
            self._pool = None

    def _carry_over(self) -> None:
        """A generation build: copy what `copy_from` holds under `carry` and this build did
        not write (the search index's shards) into the new generation."""
        if self.copy_from is None or not self.carry:
            return
        assert self.etags is not None and isinstance(self._source_keys, DiskMap)
        for carried in sorted(set(self.carry)):
            for old, etag in list(self._source_keys.items(self.copy_from + carried)):
                rel = old[len(self.copy_from):]
                key = self.prefix + rel
                if key not in self.etags:
                    self.etags[key] = etag
                    self._submit(rel, None, partial(self._copy, key, old))
                    self.copied += 1

    def _finish_full(self) -> None:
        """Wait for the uploads (the first failure raises, and the old manifest stays), delete
        what is gone, then write the manifest: the last object a full build writes."""
        self._carry_over()
        self._shutdown(cancel=False)
        if self._failed is not None:
            raise self._failed
        self._drain_uploads()
        for start in range(0, len(self._doomed), 1000):
            batch = self._doomed[start:start + 1000]
            answer = self.client.delete_objects(Bucket=self.bucket, Delete={
                "Objects": [{"Key": k} for k in batch], "Quiet": True})
            if answer.get("Errors"):
                raise RuntimeError(f"S3 refused to delete {len(answer['Errors'])} object(s): "
                                   f"{answer['Errors'][0]}")
        assert self.etags is not None
        # the new manifest, a line a page, into a temporary file; written only if it differs
        with tempfile.TemporaryFile() as raw:
            same, count = True, 0
            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
                out.write(json.dumps({"version": MANIFEST_LINES}).encode() + b"\n")
                for rel, entry in self._entries.items():
                    if self.prefix + rel not in self.etags:
                        continue
                    count += 1
                    same = same and self.manifest.get(rel) == entry
                    out.write(json.dumps([rel, *entry], separators=(",", ":")).encode()
                              + b"\n")
            if not (same and count == len(self.manifest)):
                raw.seek(0)
                self.client.put_object(Bucket=self.bucket, Key=self.manifest_key, Body=raw,
                                       ContentType="application/x-ndjson",
                                       ContentEncoding="gzip", CacheControl="no-store")

    def finish(self) -> list[str]:
        full = self._pool is not None
        if full:
            self._finish_full()
            assert self._changed is not None
            # the one list a full build holds: what it changed, each path once, in order
            changed = self.changed = list(self._changed.keys())
            self._reset_full()                 # the ledger goes
        else:
            changed = super().finish()
        if changed and self.invalidate is not None:
            if full:        # a full build: everything it changed (past 1,000 paths, "/*")
                urls = (["/*"] if len(changed) > INVALIDATION_PATHS
                        else sorted({u for p in changed for u in url_paths(p)}))
            else:
                urls = edge_urls(changed, self.gone, self.overwritten, self.urgent)
            if urls:
                self.invalidate(urls)
        self.urgent = set()
        return changed
