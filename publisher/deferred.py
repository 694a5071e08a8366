"""Pages refreshed within a minute instead of on every change: the open-data month files, the
channel figures counted from them, the `/data/` page and the sitemaps (the families declared
`deferred`).

Why. A month's open-data file holds one row per letter received in the month: at a million
letters that is ~28,000 rows and megabytes of JSON and CSV, which every change to one of its
letters would otherwise rewrite, so a publish would cost what a month of letters costs. Instead
the stream publish renders every other page at once (the letter's page, the boards, the league)
and only *marks* the deferred pages it made stale; the every-minute schedule (the search
indexer's, `events.on_search_schedule`; `wenzheng serve`'s search loop) renders each marked page
once, however many changes marked it in the minute. The sitemaps are deferred for the same
reason: a board's sitemap lists each of its monthly pages and the index every archive page.

How the marks work (as the search index's, `search.index.mark_changes`): a mark is one store
item per page, `page-mark:<key>` with a fresh token; a refresh renders the pages whose
`page-built:<key>` holds another token and then records the token it rendered. A change marking
the page again during a refresh writes a new token, so the page is rendered again next minute:
nothing is lost, and no read-modify-write of a shared list can race. A refresh that fails
leaves the marks; a full build renders every page and records every mark as built.

Invariant 1 (incremental equals full) holds once the refresh has run: `publish_changes(...,
defer=False)` (the default: local drains, the tests' builds) renders deferred pages at once.
"""
from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from chalicelib.services.ports import Store

from .content import Content
from .families import family_of
from .families.channels import STALE
from .keys import MONTH, PageKey
from .render import Renderer
from .rendering import BuildResult, render_pages
from .sinks import Sink
from .snapshot import Snapshot

__all__ = ["is_deferred", "mark_pages", "stale_pages", "refresh_deferred", "record_built",
           "MARK", "BUILT"]

MARK, BUILT = "page-mark:", "page-built:"
log = logging.getLogger("wenzheng.publish")


def is_deferred(key: PageKey) -> bool:
    return family_of(key[0]).deferred


def _name(key: PageKey) -> str:
    return json.dumps(list(key), ensure_ascii=False, separators=(",", ":"))


def _key(name: str) -> PageKey | None:
    try:
        got = json.loads(name)
    except ValueError:
        return None
    if not isinstance(got, list) or not got or not isinstance(got[0], str):
        return None
    try:
        if not is_deferred(tuple(got)):
            return None
    except KeyError:
        return None             # a kind this code no longer has
    return tuple(got)


def _token(store: Store) -> str:
    clock = getattr(store, "clock", None)
    now = clock() if callable(clock) else datetime.now(UTC)
    return f"{now.isoformat()}#{secrets.token_hex(4)}"


def mark_pages(store: Store, keys: Iterable[PageKey]) -> int:
    """Mark deferred pages stale: one small write per page, none read."""
    token = _token(store)
    names = sorted({_name(k) for k in keys})
    for name in names:
        store.put_search_state(MARK + name, {"token": token})
    return len(names)


def stale_pages(state: dict[str, dict[str, Any]]) -> dict[PageKey, str]:
    """The marked pages not rendered since their mark: key -> the mark's token."""
    out: dict[PageKey, str] = {}
    for item, doc in state.items():
        if not item.startswith(MARK):
            continue
        name = item.removeprefix(MARK)
        key = _key(name)
        token = doc.get("token", "")
        if key is not None and state.get(BUILT + name, {}).get("token") != token:
            out[key] = token
    return out


def marks(state: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Every mark's token, by page name (a full build records them all as built)."""
    return {item.removeprefix(MARK): doc.get("token", "") for item, doc in state.items()
            if item.startswith(MARK)}


def record_built(store: Store, tokens: dict[str, str]) -> None:
    for name, token in sorted(tokens.items()):
        store.put_search_state(BUILT + name, {"token": token})


def refresh_deferred(store: Store, content: Content, sink: Sink,
                     theme_dir: str | None = None) -> list[PageKey]:
    """Render the deferred pages marked since they were last rendered, each once; returns
    their keys. The months of the marked pages are the only ones whose channel counts are
    recounted (the others' counts are kept in the store, `channels.month_cells`)."""
    from .pages import sort_keys

    stale = stale_pages(store.search_state())
    if not stale:
        return []
    snap = Snapshot(store)
    months = {k[1] for k in stale if k[0] in ("letters_data", "channels_data")
              and isinstance(k[1], str) and MONTH.match(k[1])}
    memo: dict[str, Any] = snap.memo      # channels.reads keeps its set of months there too
    memo[STALE] = months
    keys = sort_keys(stale)
    sink.begin(full=False)
    render_pages(Renderer(snap, content, theme_dir), keys, sink, BuildResult())
    sink.finish()
    record_built(store, {_name(k): stale[k] for k in keys})
    log.info("refreshed %d deferred page(s)", len(keys))
    return keys
