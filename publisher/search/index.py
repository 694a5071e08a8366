"""Building the search index's shards with Pagefind, and keeping them up to date.

The incremental publisher never runs Pagefind: publishing a reply writes its pages and only
*marks* the months it touched (`mark_changes`, a few store writes). The indexer (`drain`), run
in the background by the dev server every few seconds and by the scheduled job in AWS, rebuilds
the shards whose months were marked, or whose letters the plan moved (a month ended, a letter
was withdrawn), and writes `/search/shards.json` last. A full build (`build_index`) rebuilds
every shard. Both write through the same sinks as the pages (folder, S3), so the files are the
same whichever wrote them (Pagefind's own output is deterministic without its filter files,
see `shards.filter_term`).

A shard's folder holds one Pagefind bundle: its data files are named by their content hash;
`pagefind-entry.json` is written last, so a reader sees the old shard or the new one; then the
files no longer used are deleted.

Store state (`SearchState`): `mark:{unit}` is a fresh token written when a change touches a
unit (a month `2026-11`, or `site`); `built:{unit}` is the token the indexer had read when it
rebuilt the unit's shard; a unit is stale while they differ. `manifest` is the last shard list.
"""
from __future__ import annotations

import logging
import secrets
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from chalicelib.services.ports import Change, Store

from ..content import Content
from ..sinks import Sink
from ..snapshot import Snapshot
from .rechunk import rechunk
from .shards import SITE, Record, Shard, current_month, plan_shards, shard_records

log = logging.getLogger("wenzheng.search")

MANIFEST_PATH = "search/shards.json"
SHARDS_ROOT = "search/shards/"
# the files of Pagefind's bundle the site's own search script uses (not Pagefind's UI kits)
_KEEP_FILES = ("pagefind.js", "pagefind-worker.js", "pagefind-entry.json")
_KEEP_DIRS = ("index", "fragment", "filter")
ENTRY = "pagefind-entry.json"
TIMEOUT_S = 900


class SearchIndexError(RuntimeError):
    """Pagefind is missing or failed: the pages are published, the index is not updated."""


@dataclass
class IndexResult:
    shards: list[str] = field(default_factory=list)      # shard ids rebuilt
    records: int = 0
    changed: list[str] = field(default_factory=list)     # files written or deleted
    removed: list[str] = field(default_factory=list)     # shard ids that went away
    deleted: list[str] = field(default_factory=list)     # files deleted (`forget_urls`)


# --- Pagefind -------------------------------------------------------------------------------

def pagefind_binary() -> str:
    """The Pagefind executable of the `pagefind[extended]` package (a local tool: the API
    function never imports it)."""
    try:
        from pagefind.service import _must_get_executable
    except ImportError as exc:              # pragma: no cover - the dev extra installs it
        raise SearchIndexError("pagefind is not installed: pip install "
                               "'pagefind[extended]==1.5.2' (it is in the dev extra)") from exc
    return str(_must_get_executable())


def _document(record: Record) -> str:
    meta = "".join(f'<meta data-pagefind-meta="{escape(k)}[content]" content="{escape(v)}">'
                   for k, v in sorted(record.meta.items()))
    return ('<!doctype html><html lang="und"><head><meta charset="utf-8"><title>-</title>'
            f'</head><body><main data-pagefind-body>{meta}<p>{escape(record.content())}</p>'
            '</main></body></html>')


def _source_file(root: Path, url: str) -> Path:
    rel = url.strip("/")
    if not rel or ".." in rel.split("/"):
        raise SearchIndexError(f"bad record url {url!r}")
    return root.joinpath(*rel.split("/"), "index.html")


def run_pagefind(records: Iterable[Record], workdir: Path,
                 chunk_locs: int | None = None) -> tuple[Path, int]:
    """Index `records` with Pagefind in `workdir`, its word chunks re-cut to `chunk_locs`
    (`rechunk.TARGET_LOCS`); the bundle's folder and the record count."""
    site, out = workdir / "site", workdir / "out"
    count = 0
    for record in records:
        target = _source_file(site, record.url)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_document(record), encoding="utf-8")
        count += 1
    out.mkdir(parents=True)
    if count == 0:
        return out, 0
    cmd = [pagefind_binary(), "--site", str(site), "--output-path", str(out),
           "--force-language", "und", "--silent"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S)
    if done.returncode != 0:
        raise SearchIndexError(f"pagefind failed ({done.returncode}): "
                               f"{(done.stderr or done.stdout)[-2000:]}")
    try:
        rechunk(out, chunk_locs)            # smaller word chunks: a query downloads less
    except (ValueError, KeyError, OSError) as exc:
        raise SearchIndexError(f"could not re-cut Pagefind's index: {exc}") from exc
    return out, count


def bundle_files(out: Path) -> list[tuple[str, Path]]:
    """The bundle's files to publish, data first and `pagefind-entry.json` last."""
    files: list[tuple[str, Path]] = []
    for folder in _KEEP_DIRS:
        base = out / folder
        if base.is_dir():
            files += [(f"{folder}/{p.name}", p) for p in sorted(base.iterdir()) if p.is_file()]
    for p in sorted(out.iterdir()):
        if p.is_file() and (p.suffix == ".pf_meta" or p.name.startswith("wasm.")):
            files.append((p.name, p))
    files += [(name, out / name) for name in _KEEP_FILES if (out / name).is_file()]
    files.sort(key=lambda f: f[0] == ENTRY)            # stable: the entry moves to the end
    return files


# --- writing shards --------------------------------------------------------------------------

def paths_under(sink: Sink, prefix: str) -> list[str]:
    lister = getattr(sink, "paths_under", None)
    if lister is not None:
        return list(lister(prefix))
    return [p for p in sink.paths() if p.startswith(prefix)]


def build_shard(snap: Snapshot, content: Content, shard: Shard, sink: Sink,
                result: IndexResult, chunk_locs: int | None = None) -> int:
    """Rebuild one shard into the sink; the number of records in it."""
    with tempfile.TemporaryDirectory(prefix="wenzheng-search-") as tmp:
        out, count = run_pagefind(shard_records(snap, content, shard), Path(tmp), chunk_locs)
        keep: set[str] = set()
        for rel, file in bundle_files(out):
            path = shard.path + rel
            keep.add(path)
            if sink.write(path, file.read_bytes()):
                result.changed.append(path)
    for path in paths_under(sink, shard.path):
        if path not in keep and sink.delete(path):
            result.changed.append(path)
            result.deleted.append(path)
    result.shards.append(shard.id)
    result.records += count
    return count


def manifest(shards: list[Shard], records: dict[str, int]) -> dict[str, Any]:
    rows = []
    for shard in shards:
        rows.append({"id": shard.id, "path": "/" + shard.path,
                     "from": shard.months[0] if shard.months else None,
                     "to": shard.months[-1] if shard.months else None,
                     "letters": shard.letters, "records": records.get(shard.id, 0)})
    return {"version": 1, "shards": rows}


def _manifest_bytes(doc: dict[str, Any]) -> bytes:
    import json
    return (json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode()


def _units(shard: Shard) -> list[str]:
    return [SITE] if shard.id == SITE else list(shard.months)


def _now(store: Store) -> datetime:
    clock = getattr(store, "clock", None)
    return clock() if callable(clock) else datetime.now(UTC)


# --- marking and draining --------------------------------------------------------------------

def units_of(change: Change) -> set[str]:
    """The index units a change touched: the archive months of public letters it moved, and
    the site shard for consultations."""
    units: set[str] = set()
    if not change.public:
        return units            # a comment waiting for moderation, a private letter
    units |= {m for m in change.months if len(m) == 7}
    if change.topics or change.kind == "topic":
        units.add(SITE)
    return units


def mark_changes(store: Store, changes: Iterable[Change]) -> set[str]:
    """Mark the units some published changes touched (cheap: one write per unit)."""
    units: set[str] = set()
    for change in changes:
        units |= units_of(change)
    for unit in sorted(units):
        store.put_search_state(f"mark:{unit}", {"token": _token(store)})
    return units


def _token(store: Store) -> str:
    return f"{_now(store).isoformat()}#{secrets.token_hex(4)}"


def stale_units(state: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The marked units whose shard has not been built since: unit -> the mark's token."""
    out: dict[str, str] = {}
    for key, doc in state.items():
        if key.startswith("mark:"):
            unit = key.removeprefix("mark:")
            token = doc.get("token", "")
            if state.get(f"built:{unit}", {}).get("token") != token:
                out[unit] = token
    return out


def update_index(store: Store, content: Content, sink: Sink, *, everything: bool = False,
                 now: datetime | None = None, chunk_locs: int | None = None) -> IndexResult:
    """Rebuild the shards that are stale (or all of them), newest first.

    Progress is kept shard by shard: after each, the manifest (on the sink and in the store)
    lists every shard of the plan that has files — rebuilt now, or as built before — and the
    units it covers are recorded built. So a run cut short (a Lambda's time limit during the
    first index of a large archive) leaves a working index, and the next run goes on from
    there instead of starting over."""
    state = store.search_state()
    stale = stale_units(state)
    marks = {k.removeprefix("mark:"): d.get("token", "") for k, d in state.items()
             if k.startswith("mark:")}
    snap = Snapshot(store)
    shards = plan_shards(snap.published_months(), current_month(now or _now(store)))
    before = {row["id"]: row for row in state.get("manifest", {}).get("shards", [])}
    planned = {row["id"]: row for row in manifest(shards, {})["shards"]}
    result = IndexResult()
    rebuilt: dict[str, int] = {}
    published = state.get("manifest")

    def publish_manifest() -> None:
        nonlocal published
        rows = []
        for shard in shards:
            if shard.id in rebuilt:
                rows.append({**planned[shard.id], "records": rebuilt[shard.id]})
            elif shard.id in before:
                rows.append(before[shard.id])
        doc = {"version": 1, "shards": rows}
        if sink.write(MANIFEST_PATH, _manifest_bytes(doc)):
            result.changed.append(MANIFEST_PATH)
        if doc != published:
            store.put_search_state("manifest", doc)
            published = doc

    for shard in shards:
        old = before.get(shard.id)
        moved = old is None or any(old.get(k) != planned[shard.id][k]
                                   for k in ("from", "to", "letters"))
        if not (everything or moved or any(u in stale for u in _units(shard))):
            continue
        rebuilt[shard.id] = build_shard(snap, content, shard, sink, result, chunk_locs)
        publish_manifest()
        for unit in _units(shard):
            if unit in marks:
                store.put_search_state(f"built:{unit}", {"token": marks[unit]})
    gone = sorted(set(before) - {s.id for s in shards})
    if gone or everything or published is None:
        publish_manifest()
    for sid in gone:
        result.removed.append(sid)
        for path in paths_under(sink, f"{SHARDS_ROOT}{sid}/"):
            if sink.delete(path):
                result.changed.append(path)
                result.deleted.append(path)
    if everything:
        # paths no shard owns (a shard folder of an older plan the state forgot)
        owned = {s.path for s in shards}
        for path in paths_under(sink, SHARDS_ROOT):
            if not any(path.startswith(p) for p in owned) and sink.delete(path):
                result.changed.append(path)
                result.deleted.append(path)
    return result


# --- what the CDN is told ------------------------------------------------------------------------

def forget_urls(deleted: Iterable[str]) -> list[str]:
    """What the CDN must forget at once after an index run: the folder of each shard that lost
    a fragment (one wildcard, `/search/shards/2026-11/*`).

    A fragment is one page's indexed text, named by its content: a rebuild deletes one only
    when a letter's public text was corrected or the letter withdrawn (or its shard went
    away), and that text must leave the edge at once, as the letter's page does
    (`sinks.edge_urls`). Nothing else is told: the entry files (`pagefind-entry.json`) and
    `/search/shards.json` are served `no-cache` (`sinks.cache_control`), so a reader always
    gets the ones that name the files there now, and the index chunks a rebuild replaces are
    named by their content too (no reader of a current entry asks for an old one). Before,
    every rebuild told its shard and the manifest: ~3 paths a minute, ~$7,800 a year."""
    return sorted({url for path in deleted if "/fragment/" in path
                   and (url := shard_folder_url(path)) is not None})


def shard_folder_url(path: str) -> str | None:
    """The wildcard of the shard folder a file is in (`/search/shards/2026-11/*`, one path to
    CloudFront), or None for a file outside every shard."""
    rest = path.removeprefix(SHARDS_ROOT)
    if not path.startswith(SHARDS_ROOT) or "/" not in rest:
        return None
    return "/" + SHARDS_ROOT + rest.split("/")[0] + "/*"


def build_index(store: Store, content: Content, sink: Sink,
                now: datetime | None = None, chunk_locs: int | None = None) -> IndexResult:
    """Every shard, for a full build."""
    return update_index(store, content, sink, everything=True, now=now, chunk_locs=chunk_locs)


def drain(store: Store, content: Content, sink: Sink,
          now: datetime | None = None, chunk_locs: int | None = None) -> IndexResult:
    """What the background indexer does each round: only the stale shards."""
    return update_index(store, content, sink, now=now, chunk_locs=chunk_locs)


def pagefind_available() -> bool:
    try:
        pagefind_binary()
    except (SearchIndexError, FileNotFoundError, OSError):
        return False
    return True
