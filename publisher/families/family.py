"""What a page family declares: its page kinds and their renderers, the pages it has, and what it
reads — which committed changes make which of its pages stale.

A family cannot be registered without `reads`: a new page or figure says, beside its renderer,
what changes it. Page planning (`publisher.pages`) is a pure function over these declarations,
and invariant 1 ("incremental equals full") holds when every family's `reads` names every one of
its pages a change can alter (`tests/publisher/test_incremental_random.py` drives random
histories through both builds to check it).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.domain.letters import Letter
from chalicelib.services.ports import Change

from ..content import Content
from ..keys import PageKey
from ..snapshot import Snapshot

if TYPE_CHECKING:
    from ..render import Output

    RenderFn = Callable[..., Output]        # (renderer, *key arguments) -> files
else:
    RenderFn = Callable

Pages = Callable[[Snapshot, Content], Iterable[PageKey]]
Reads = Callable[[Change, Snapshot, Content], Iterable[PageKey]]
BatchReads = Callable[[list[Change], Snapshot, Content], Iterable[PageKey]]
ArchivePages = Callable[[str, int, list[Letter]], Iterable[PageKey]]
Companions = Callable[[Snapshot, Content], Iterable[tuple[str, int, PageKey]]]


def reads_nothing(change: Change, snap: Snapshot, content: Content) -> set[PageKey]:
    """For pages made from content/ and the theme only: they change by commit and redeploy,
    which runs a full build, never by a store change."""
    return set()


@dataclass(frozen=True)
class Family:
    """One family of pages.

    - `renderers`: page kind -> function(renderer, *key arguments) -> [(path, bytes)];
    - `pages`: its pages outside the letter archive, for the full build;
    - `reads`: the keys of its pages one committed change can have altered (the store already
      holds the change's result); `reads_batch`, what only a batch of changes together alters;
    - `archive` / `archive_count`: its pages per monthly archive page (given the month, the
      page and its letters), and how many that makes for a month of n letters, so the full
      build streams the archive once for every family;
    - `owns`: the files of a page that can disappear (None: the page always exists);
    - `deferred`: its pages cost what a month of letters costs (the open-data month files and
      what is counted from them), so a stream publish only marks them and the every-minute
      refresh renders them (`publisher.deferred`), instead of every change paying for them;
    - `companions`: (month, archive page, key) for those of its `pages` that list the letters
      of one archive month (a board's monthly pages): the full build renders each right after
      that month's archive page where its last letter is, while the store still holds those
      letters decoded, instead of decoding them again later. Only the order changes, never
      which pages there are or their bytes.
    """

    name: str
    renderers: Mapping[str, RenderFn]
    pages: Pages
    reads: Reads
    reads_batch: BatchReads | None = None
    archive: ArchivePages | None = None
    archive_count: Callable[[int], int] | None = None
    owns: Callable[[PageKey], list[str] | None] | None = None
    deferred: bool = False
    companions: Companions | None = None
