"""The sitemaps: the index (`/sitemap.xml`), the site's pages (`/sitemaps/pages.xml`), one
per monthly archive page (`/sitemaps/letters-2026-11.xml`, `-2.xml`, …) and one per board by
type or category (`/sitemaps/types-complaint.xml`, `/sitemaps/categories-urban-rural.xml`: the
board and its monthly pages), every page in both languages naming each other.

What it reads: an archive page's sitemap lists the letters the archive page does, so it is stale
with it (`letters.archive_touch`); the index lists every archive page, so it is stale when a
letter is first on its page (a page may have come) or one left the archive. The pages' sitemap
lists the departments and league periods (a change that moved figures may add one) and the
consultations (a public change to a topic). A board's sitemap is stale when one of its monthly
pages may have come or gone (`facets.facet_touch`); the index lists a fixed file per board.

Deferred (`publisher.deferred`): a stream publish marks the sitemaps it made stale and the
every-minute refresh renders them, since a board's sitemap and the index grow with the archive.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from chalicelib.domain.letters import Letter
from chalicelib.services.ports import Change

from .. import i18n
from ..content import Content
from ..formatting import fmt_iso, month_url
from ..i18n import HTML_LANG, LANGS
from ..keys import (
    LETTER_ID,
    PageKey,
    department_ids,
    facet_boards,
    facet_sitemap_path,
    facet_url,
    league_periods,
    letters_sitemap_path,
    pages_in,
    periods_of,
)
from ..snapshot import Snapshot
from . import consultations
from .facets import facet_touch
from .family import Family
from .letters import archive_touch, month_letters

if TYPE_CHECKING:
    from ..render import Output, Renderer


def reads(change: Change, snap: Snapshot, content: Content) -> set[PageKey]:
    touch = archive_touch(change, snap)
    keys: set[PageKey] = {("sitemap_month", month, page) for month, page in touch.pages}
    if touch.first_on_page:
        keys.add(("sitemap",))
    if periods_of(change) or consultations.public_topics(change):
        keys.add(("sitemap_pages",))
    keys |= {("sitemap_facet", *board) for board in facet_touch(change, snap, content).grown}
    return keys


# --- the pages ----------------------------------------------------------------------------------

def sitemap(r: Renderer) -> Output:
    files = ["/sitemaps/pages.xml"]
    files += ["/" + facet_sitemap_path(*board) for board in facet_boards(r.content)]
    for month, count in r.snap.published_months():
        files += ["/" + letters_sitemap_path(month, page)
                  for page in range(1, pages_in(count) + 1)]
    return r.xml("sitemap.xml", "sitemap_index.xml",
                 sitemaps=[r.abs_url(f) for f in files])


def _sitemap_urls(r: Renderer, pages: Iterable[tuple[str, str | None]]) -> list[dict]:
    """Sitemap entries for (path, lastmod): each page in both languages, each entry naming
    both with `xhtml:link rel="alternate" hreflang` (Google's format for language versions)."""
    urls = []
    for path, lastmod in pages:
        alternates = [(HTML_LANG[lang], r.abs_url(i18n.url(path, lang))) for lang in LANGS]
        urls += [{"loc": href, "lastmod": lastmod, "alternates": alternates}
                 for _, href in alternates]
    return urls


def sitemap_pages(r: Renderer) -> Output:
    paths = ["/", "/letters/", "/letters/archive/", "/letters/types/", "/letters/categories/",
             "/departments/", "/league/", "/exposure/", "/notices/", "/write/", "/track/",
             "/search/", "/data/", "/hot/", "/interviews/"]
    paths += [f"/hot/{w}/" for w in r.snap.list_weeks()]
    paths += [f"/departments/{d}/" for d in department_ids(r.snap, r.content)]
    paths += [f"/league/{p}/" for p in league_periods(r.snap)]
    paths += [f"/notices/{n.slug}/" for n in r.content.notices]
    paths += (["/leaders/"] + [f"/leaders/{x.id}/" for x in r.content.leaders]
              if r.content.leaders else [])
    paths += consultations.topic_sitemap_paths(r)
    return r.xml("sitemaps/pages.xml", "sitemap.xml",
                 urls=_sitemap_urls(r, [(p, None) for p in paths]))


def sitemap_month(r: Renderer, month: str, page: int) -> Output:
    letters, _ = month_letters(r, month, page)
    if not letters:
        return []
    pages: list[tuple[str, str | None]] = [(month_url(month, page), None)]
    pages += [(f"/letters/{l.id}/", fmt_iso(l.publication.approved_at))
              for l in letters if l.publication is not None and LETTER_ID.match(l.id)]
    return r.xml(letters_sitemap_path(month, page), "sitemap.xml",
                 urls=_sitemap_urls(r, pages))


def sitemap_facet(r: Renderer, facet: str, value: str) -> Output:
    """A board by type or category and each of its monthly pages."""
    paths = [facet_url(facet, value)]
    for month, count in r.snap.facet_months(facet, value):
        paths += [facet_url(facet, value, month, page) for page in range(1, pages_in(count) + 1)]
    return r.xml(facet_sitemap_path(facet, value), "sitemap.xml",
                 urls=_sitemap_urls(r, [(p, None) for p in paths]))


def owns(key: PageKey) -> list[str] | None:
    return [letters_sitemap_path(key[1], key[2])] if key[0] == "sitemap_month" else None


def archive_pages(month: str, page: int, letters: list[Letter]) -> list[PageKey]:
    return [("sitemap_month", month, page)]


FAMILY = Family(
    name="sitemaps",
    renderers={"sitemap": sitemap, "sitemap_pages": sitemap_pages,
               "sitemap_month": sitemap_month, "sitemap_facet": sitemap_facet},
    pages=lambda snap, content: [("sitemap",), ("sitemap_pages",)] + [
        ("sitemap_facet", *board) for board in facet_boards(content)],
    reads=reads,
    archive=archive_pages,
    archive_count=pages_in,
    owns=owns,
    # for crawlers, which read them days apart; a board's sitemap lists every monthly page of
    # the board, and the index every archive page (~20,000 at a million letters)
    deferred=True,
)
