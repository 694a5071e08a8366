"""Page planning: which pages the site has, and which pages some changes touch — a pure function
over the page families' declarations (`families/`), with no knowledge of its own.

A page is a small frozen key (a tuple: kind first, see `keys.py`). `all_pages` lists every page
of the site for the full build: each family's pages, then the letter archive streamed one
archive page at a time (each family adds its pages for it). `affected_pages` lists only the
pages one committed `Change` can have altered — the union of what every family says it reads —
for the incremental build. Invariant 1 of DESIGN.md ("incremental equals full") holds when
every family's `reads` names every one of its pages a change alters, and the renderer makes a
page's bytes a function of the store and `content/` alone.

Incremental cost must not grow with the number of letters: no family's `reads` scans the
archive (see `families/letters.py` for how the archive pages are found from positions).

A key names a page in every language: rendering it gives the zh-CN file and its English
counterpart under `en/` from the same data (see `render.Renderer.html`), so the language
doubles the files, not the keys or the store reads.

Everything here only reads the store (through a `Snapshot`); nothing is written.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from chalicelib.adapters.codec import pub_month
from chalicelib.services.ports import Change

from .content import Content
from .families import FAMILIES, family_of
from .families.exposure import EXPOSURE_OMIT
from .families.league import LEAGUE_PAGES_OMIT
from .keys import (
    BOARD_SIZE,
    FEED_SIZE,
    HOME_SIZE,
    LETTER_ID,
    MONTH,
    NOTICES_ON_HOME,
    PAGE_SIZE,
    PERIOD,
    PageKey,
    check_letter_id,
    current_month,
    department_ids,
    is_department_id,
    is_letter_id,
    league_periods,
    letters_sitemap_path,
    month_page_path,
    page_of,
    pages_in,
    starts_a_month,
)
from .snapshot import Snapshot, snapshot

__all__ = [
    "all_pages", "site_pages", "count_all_pages", "archive_companions", "companion_keys",
    "archive_keys", "streamed_plan", "affected_pages", "affected_by_all",
    "output_paths", "sort_keys", "PageKey", "PAGE_SIZE", "BOARD_SIZE", "HOME_SIZE", "FEED_SIZE",
    "NOTICES_ON_HOME", "LETTER_ID", "MONTH", "PERIOD", "check_letter_id", "is_letter_id",
    "is_department_id", "page_of", "pages_in", "month_page_path", "letters_sitemap_path",
    "department_ids", "league_periods", "current_month", "starts_a_month", "pub_month",
    "LEAGUE_PAGES_OMIT", "EXPOSURE_OMIT",
]

_ARCHIVE = tuple(f for f in FAMILIES if f.archive is not None)
_COMPANIONS = tuple(f for f in FAMILIES if f.companions is not None)


def output_paths(key: PageKey) -> list[str] | None:
    """The files a page owns, for pages that can disappear (None: the page always exists)."""
    owns = family_of(key[0]).owns
    return owns(key) if owns is not None else None


# --- the whole site ----------------------------------------------------------------------------

def site_pages(store, content: Content) -> list[PageKey]:
    """Every page except the archive (month pages, their sitemaps and the letter pages)."""
    snap = snapshot(store)
    keys: list[PageKey] = []
    for family in FAMILIES:
        keys += family.pages(snap, content)
    return keys


Companions = dict[str, dict[int, list[PageKey]]]     # month -> archive page -> keys after it


def archive_companions(store, content: Content) -> Companions:
    """The site pages each family renders after an archive page (`Family.companions`), by
    month and page; only for months the archive has, so each is rendered there exactly once."""
    snap = snapshot(store)
    months = {month: pages_in(count) for month, count in snap.published_months()}
    out: Companions = {}
    for family in _COMPANIONS:
        for month, page, key in family.companions(snap, content):  # type: ignore[misc]
            if 1 <= page <= months.get(month, 0):
                out.setdefault(month, {}).setdefault(page, []).append(key)
    return out


def companion_keys(companions: Companions) -> set[PageKey]:
    return {key for pages in companions.values() for keys in pages.values() for key in keys}


def streamed_plan(store, content: Content) -> tuple[list[PageKey], Companions]:
    """The site pages a full build renders on their own, and the companions it renders after
    archive pages instead (`archive_companions`): `all_pages` and `parallel.plan` order a
    build from these two."""
    snap = snapshot(store)
    companions = archive_companions(snap, content)
    later = companion_keys(companions)
    return [key for key in site_pages(snap, content) if key not in later], companions


def archive_keys(snap: Snapshot, month: str, first: int, last: int,
                 companions: dict[int, list[PageKey]]) -> Iterator[PageKey]:
    """Archive pages `first`..`last` of a month: each monthly page, the letters on it (every
    family's `archive`), then the site pages that follow it (`archive_companions`)."""
    for page in range(first, last + 1):
        letters = snap.published_in_month(month, (page - 1) * PAGE_SIZE, PAGE_SIZE + 1)
        for family in _ARCHIVE:
            yield from family.archive(month, page, letters[:PAGE_SIZE])  # type: ignore[misc]
        yield from companions.get(page, ())


def all_pages(store, content: Content) -> Iterator[PageKey]:
    """Every page of the site, for the full build; an archive page's letters follow it, so a
    build streams the archive one page of letters at a time, and so do the boards' monthly
    pages that list the same letters (`archive_companions`)."""
    snap = snapshot(store)
    site, companions = streamed_plan(snap, content)
    yield from site
    for month, count in snap.published_months():
        yield from archive_keys(snap, month, 1, pages_in(count), companions.get(month, {}))


def count_all_pages(store, content: Content) -> int:
    """How many keys `all_pages` yields (for a progress bar), without loading letters."""
    snap = snapshot(store)
    total = len(site_pages(snap, content))
    for _, count in snap.published_months():
        total += sum(f.archive_count(count) for f in _ARCHIVE)  # type: ignore[misc]
    return total


# --- some changes --------------------------------------------------------------------------------

def affected_pages(change: Change, store, content: Content) -> set[PageKey]:
    """The pages one committed change can have altered (the store already holds its result):
    what every family says the change makes stale."""
    snap = snapshot(store)
    keys: set[PageKey] = set()
    for family in FAMILIES:
        keys.update(family.reads(change, snap, content))
    return keys


def affected_by_all(changes: Iterable[Change], store, content: Content) -> set[PageKey]:
    """The union of the pages a batch of changes touches, and what only the batch together
    touches (`Family.reads_batch`)."""
    snap: Snapshot = snapshot(store)
    changes = list(changes)
    keys: set[PageKey] = set()
    for change in changes:
        keys |= affected_pages(change, snap, content)
    for family in FAMILIES:
        if family.reads_batch is not None:
            keys.update(family.reads_batch(changes, snap, content))
    return keys


def sort_keys(keys: Iterable[PageKey]) -> list[PageKey]:
    """A deterministic order for a set of keys of mixed argument types."""
    return sorted(keys, key=lambda k: tuple(str(part) for part in k))
