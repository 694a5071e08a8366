"""The reply board by letter type and by category (分类选登): for each letter type
(`/letters/types/complaint/`) and each category of content/departments.yaml
(`/letters/categories/urban-rural/`, slugs in `keys.CATEGORY_SLUGS`), the latest 50 published
replies and the board's months; stable monthly pages like the archive's
(`/letters/types/complaint/2026/11/`, `.../page/2/`: ascending by first publication, 50 a page,
so a page never changes when later replies arrive); and an Atom feed
(`/feeds/types/complaint.atom.xml`, `/feeds/categories/urban-rural.atom.xml`). A letter is on
the board of its type and, when the office gave one on approval, of its category
(`publication.category`); a letter without a known category is on no category board.

What it reads. Nothing here scans the archive: each board is its own ordered store index
(`ArchiveReads.latest_in_facet`, `published_in_facet_month`, `facet_position`), and the boards a
change touched are in its record (`Change.types`, `Change.categories`: before and after, so a
withdrawal, a re-approval with another category or a type change names the board a letter left;
a record from before the boards names none, so any board may have been left). A public change
re-renders the board and feed of each board it names, and the monthly page its letter is on
(found from its position, as `letters.archive_touch` does). A letter that entered a board (a
publication, a move from another board) and is not the last of its board's month moved every
later letter down: that month is re-rendered whole, as is every month a change names of a board
one of its letters may have left. A letter first on its page may have added a page (the page
before gains its "next" link, the board's sitemap lists it).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chalicelib.adapters.codec import CATEGORY, FACETS, TYPE, pub_facet, pub_month
from chalicelib.domain.letters import Letter, label
from chalicelib.services.ports import Change

from .. import i18n
from ..content import Content
from ..keys import (
    BOARD_SIZE,
    FEED_SIZE,
    MONTH,
    PAGE_SIZE,
    PageKey,
    facet_boards,
    facet_feed_path,
    facet_index_path,
    facet_page_path,
    facet_url,
    has_board,
    in_every_language,
    is_letter_id,
    page_of,
    pages_in,
    recorded_boards,
)
from ..snapshot import Snapshot
from .family import Family
from .feeds import write_feed

if TYPE_CHECKING:
    from ..render import Output, Renderer


Board = tuple[str, str]     # (facet, value): ("type", "complaint"), ("category", "城乡建设")


# --- what a change moves on the boards (shared with the boards' sitemaps) ----------------------

@dataclass
class FacetTouch:
    """The board places one change can have altered."""

    boards: set[Board] = field(default_factory=set)                 # board pages and feeds
    pages: set[tuple[str, str, str, int]] = field(default_factory=set)   # (facet, value, m, p)
    grown: set[Board] = field(default_factory=set)     # a monthly page may have come or gone


def facet_touch(change: Change, snap: Snapshot, content: Content) -> FacetTouch:
    """Where a public change moved letters on the boards (a few reads per letter, never a
    scan); asked by this family and the sitemaps, worked out once per change and snapshot."""
    memo = snap.memo.setdefault("facet_touch", {})
    hit = memo.get(id(change))
    if hit is not None and hit[0] is change:
        return hit[1]
    touch = _facet_touch(change, snap, content)
    memo[id(change)] = (change, touch)
    return touch


def _facet_touch(change: Change, snap: Snapshot, content: Content) -> FacetTouch:
    touch = FacetTouch()
    if not change.public:
        return touch
    letters = [(lid, snap.get_letter(lid)) for lid in change.letters if is_letter_id(lid)]
    for facet in FACETS:
        recorded = recorded_boards(change, facet)
        now = {lid: pub_facet(l, facet) if l is not None else None for lid, l in letters}
        if recorded is None:
            # a record from before the boards: any board may have been left
            values = {v for f, v in facet_boards(content) if f == facet}
        else:
            values = set(recorded) | {v for v in now.values() if v is not None}
        for value in sorted(v for v in values if has_board(facet, v, content)):
            board = (facet, value)
            touch.boards.add(board)
            members = [l for lid, l in letters if l is not None and now[lid] == value]
            # a letter of the change not on this board now may have been on it before
            if (recorded is None or value in recorded) and len(members) < len(letters):
                _whole_months(snap, board, [m for m in change.months if MONTH.match(m)], touch)
            for letter in members:
                _place(snap, board, letter, _entered(change, facet, letter), touch)
    return touch


def _entered(change: Change, facet: str, letter: Letter) -> bool:
    """Whether a letter may just have come onto its board of this facet: it was published,
    the record names another board of the facet (it may have moved), or the record is older
    than the boards."""
    recorded = recorded_boards(change, facet)
    return letter.id in change.published or recorded is None or len(recorded) > 1


def _place(snap: Snapshot, board: Board, letter: Letter, entered: bool,
           touch: FacetTouch) -> None:
    facet, value = board
    month = pub_month(letter)
    if month is None:
        return
    position = snap.facet_position(facet, letter)
    if entered and snap.published_in_facet_month(facet, value, month, position + 1, 1):
        # it came before later letters of its month (published into the past, or moved from
        # another board): each of them moved down one place, across the month's pages
        _whole_months(snap, board, [month], touch)
        return
    page = page_of(position)
    touch.pages.add((facet, value, month, page))
    if entered and position % PAGE_SIZE == 0:
        touch.grown.add(board)            # first on its page: the page may be new
        if page > 1:
            touch.pages.add((facet, value, month, page - 1))     # gains its "next" link


def _whole_months(snap: Snapshot, board: Board, months: Iterable[str],
                  touch: FacetTouch) -> None:
    """Every page of some months of a board plus the one after the last (which a removal may
    empty), found by reading one letter per page."""
    facet, value = board
    touch.grown.add(board)
    for month in months:
        pages = 1
        while snap.published_in_facet_month(facet, value, month, pages * PAGE_SIZE, 1):
            pages += 1
        touch.pages |= {(facet, value, month, page) for page in range(1, pages + 2)}


def reads(change: Change, snap: Snapshot, content: Content) -> set[PageKey]:
    touch = facet_touch(change, snap, content)
    keys: set[PageKey] = set()
    for facet, value in touch.boards:
        keys |= {("facet", facet, value), ("facet_feed", facet, value)}
    keys |= {("facet_month", *page) for page in touch.pages}
    return keys


# --- the pages ----------------------------------------------------------------------------------

def board_view(facet: str, value: str) -> dict:
    """A board's names in both languages and its address."""
    if facet == TYPE:
        zh, en = label(value), label(value, "en")
    else:
        zh, en = value, i18n.category_en(value) or value
    return {"facet": facet, "value": value, "name": zh, "name_en": en,
            "url": facet_url(facet, value),
            "feed_url": "/" + facet_feed_path(facet, value)}


def boards_index(content: Content) -> dict[str, list[dict]]:
    """Every board, by facet (for the letters board's "按类型 / 按分类")."""
    out: dict[str, list[dict]] = {TYPE: [], CATEGORY: []}
    for facet, value in facet_boards(content):
        out[facet].append(board_view(facet, value))
    return out


def facet_month_letters(r: Renderer, facet: str, value: str, month: str,
                        page: int) -> tuple[list[Letter], bool]:
    """The letters of one monthly page of a board, and whether a page follows."""
    got = r.snap.published_in_facet_month(facet, value, month, (page - 1) * PAGE_SIZE,
                                          PAGE_SIZE + 1)
    return got[:PAGE_SIZE], len(got) > PAGE_SIZE


def facet(r: Renderer, facet: str, value: str) -> Output:
    view = board_view(facet, value)
    # the months' names only (no counts): what every new reply on the board re-reads
    months = sorted((m for m in r.snap.facet_month_names(facet, value) if MONTH.match(m)),
                    reverse=True)
    years: dict[str, list[dict]] = {}
    for m in months:
        years.setdefault(m[:4], []).append({"month": m, "url": facet_url(facet, value, m)})
    return r.html(facet_page_path(facet, value), "facet.html", "letters", board=view,
                  letters=r.views(r.snap.latest_in_facet(facet, value, BOARD_SIZE)),
                  years=[{"year": y, "months": ms} for y, ms in years.items()],
                  boards=boards_index(r.content))


def facet_index(r: Renderer, facet: str) -> Output:
    """The boards of one facet, each with its feed: content/ only, no store read, so no
    change makes it stale (a person who shortens a board's address lands here)."""
    return r.html(facet_index_path(facet), "facet_index.html", "letters", facet=facet,
                  boards=boards_index(r.content))


def facet_month(r: Renderer, facet: str, value: str, month: str, page: int) -> Output:
    letters, more = facet_month_letters(r, facet, value, month, page)
    if not letters:
        return []
    return r.html(
        facet_page_path(facet, value, month, page), "facet_month.html", "letters",
        board=board_view(facet, value), month=month, page=page,
        start=(page - 1) * PAGE_SIZE + 1, letters=r.views(letters),
        prev_url=facet_url(facet, value, month, page - 1) if page > 1 else None,
        next_url=facet_url(facet, value, month, page + 1) if more else None)


def facet_feed(r: Renderer, facet: str, value: str) -> Output:
    view = board_view(facet, value)
    return write_feed(r, facet_feed_path(facet, value),
                      f"{r.content.site.name}：{view['name']}答复选登", view["url"],
                      r.snap.latest_in_facet(facet, value, FEED_SIZE))


def site_pages(snap: Snapshot, content: Content) -> list[PageKey]:
    """Each board, its feed and every monthly page (one months read per board)."""
    keys: list[PageKey] = [("facet_index", f) for f in (TYPE, CATEGORY)]
    for facet, value in facet_boards(content):
        keys += [("facet", facet, value), ("facet_feed", facet, value)]
        for month, count in snap.facet_months(facet, value):
            if MONTH.match(month):
                keys += [("facet_month", facet, value, month, page)
                         for page in range(1, pages_in(count) + 1)]
    return keys


def companions(snap: Snapshot, content: Content) -> list[tuple[str, int, PageKey]]:
    """Each monthly page of a board with the month's archive page that its last letter is
    probably on (a board's share of the month is spread evenly over it), for the full build's
    order (`Family.companions`)."""
    months = dict(snap.published_months())
    out: list[tuple[str, int, PageKey]] = []
    for facet, value in facet_boards(content):
        for month, count in snap.facet_months(facet, value):
            total = months.get(month)
            if not MONTH.match(month) or not total or count <= 0:
                continue
            last_page = pages_in(total)
            for page in range(1, pages_in(count) + 1):
                last = min(page * PAGE_SIZE, count)            # its last letter on the board
                position = -(-last * total // count)           # … and in the month (ceil)
                archive_page = min(max(1, -(-position // PAGE_SIZE)), last_page)
                out.append((month, archive_page, ("facet_month", facet, value, month, page)))
    return out


def owns(key: PageKey) -> list[str] | None:
    if key[0] == "facet_month":
        return in_every_language(facet_page_path(*key[1:]))
    return None


FAMILY = Family(
    name="facets",
    renderers={"facet": facet, "facet_month": facet_month, "facet_feed": facet_feed,
               "facet_index": facet_index},
    pages=site_pages,
    reads=reads,
    owns=owns,
    companions=companions,
)
