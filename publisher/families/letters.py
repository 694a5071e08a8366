"""The letter archive: each published letter's page (`/letters/{id}/`), the monthly archive
pages (`/letters/2026/11/`, 50 letters a page, ascending by first publication) and the list of
months (`/letters/archive/`).

What it reads. A letter's page changes with any public change naming it. Incremental cost must
not grow with the number of letters, so nothing here scans the archive: a letter's monthly page
comes from `published_position` (a new letter lands on the month's last page — unless it is
published into the past, an import into an old month, which re-renders that month). A letter
first on its page may have added a page (the one before gains its "next" link) or a month (the
list of months). A letter that stopped being public moves every later letter of its months up.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chalicelib.adapters.codec import CATEGORY, TYPE, pub_facet, pub_month
from chalicelib.domain.letters import Letter
from chalicelib.services.ports import Change

from ..content import Content
from ..formatting import month_url, paragraphs_html
from ..keys import (
    BOARD_SIZE,
    MONTH,
    PAGE_SIZE,
    PageKey,
    check_letter_id,
    facet_url,
    has_board,
    in_every_language,
    is_letter_id,
    month_page_path,
    page_of,
    pages_in,
)
from ..snapshot import Snapshot
from .family import Family

if TYPE_CHECKING:
    from ..render import Output, Renderer


# --- what a change moves in the archive (shared with the archive's sitemaps) --------------------

@dataclass
class ArchiveTouch:
    """The archive places one change can have altered."""

    letters: set[str] = field(default_factory=set)               # letters' own pages
    pages: set[tuple[str, int]] = field(default_factory=set)     # (month, page): its letters moved
    earlier: set[tuple[str, int]] = field(default_factory=set)   # pages that gain a "next" link
    months: bool = False          # a month or a page may have come or gone
    first_on_page: bool = False   # a page may have come: the sitemap index lists it


def archive_touch(change: Change, snap: Snapshot) -> ArchiveTouch:
    """Where a public change moved letters in the archive (one read per letter, never a scan);
    asked by several families, worked out once per change and snapshot."""
    memo = snap.memo.setdefault("archive_touch", {})
    hit = memo.get(id(change))
    if hit is not None and hit[0] is change:
        return hit[1]
    touch = _archive_touch(change, snap)
    memo[id(change)] = (change, touch)
    return touch


def _archive_touch(change: Change, snap: Snapshot) -> ArchiveTouch:
    touch = ArchiveTouch()
    if not change.public:
        return touch
    removed = False
    for letter_id in change.letters:
        if not is_letter_id(letter_id):
            continue
        letter = snap.get_letter(letter_id)
        touch.letters.add(letter_id)
        if letter is None or (month := pub_month(letter)) is None:
            removed = True          # it was public: its page goes, later letters move up
            continue
        position = snap.published_position(letter)
        if letter_id in change.published and _later_in_month(snap, letter, month, position):
            # published into the past (an import into an old month): every later letter
            # of its month moves down one place, across the month's pages
            _whole_months(snap, [month], touch)
            continue
        page = page_of(position)
        touch.pages.add((month, page))
        if position % PAGE_SIZE == 0:
            # first on its page: the page (and perhaps the month) may be new
            touch.first_on_page = True
            if page > 1:
                touch.earlier.add((month, page - 1))     # gains its "next" link
            else:
                touch.months = True
    if removed:
        _whole_months(snap, [m for m in change.months if MONTH.match(m)], touch)
    return touch


def _later_in_month(snap: Snapshot, letter: Letter, month: str, position: int) -> bool:
    """Whether a letter that just became public has letters published after it in its month.
    Usually it is the newest of all, which the latest list (read for the board anyway) shows;
    only otherwise one read of the month after its position says."""
    for newer in snap.latest_published(BOARD_SIZE):
        if newer.id == letter.id:
            return False
        if pub_month(newer) == month:
            return True
    return bool(snap.published_in_month(month, position + 1, 1))


def _whole_months(snap: Snapshot, months: Iterable[str], touch: ArchiveTouch) -> None:
    """Every page of some months plus the one after the last (which a removal may empty).
    The month's pages are found by reading one letter per page, not by counting the archive."""
    touch.months = touch.first_on_page = True
    for month in months:
        pages = 1
        while snap.published_in_month(month, pages * PAGE_SIZE, 1):
            pages += 1
        touch.pages |= {(month, page) for page in range(1, pages + 2)}


def reads(change: Change, snap: Snapshot, content: Content) -> set[PageKey]:
    touch = archive_touch(change, snap)
    keys: set[PageKey] = {("letter", letter_id) for letter_id in touch.letters}
    keys |= {("month", month, page) for month, page in touch.pages | touch.earlier}
    if touch.months:
        keys.add(("archive",))
    return keys


# --- the pages ----------------------------------------------------------------------------------

def month_letters(r: Renderer, month: str, page: int) -> tuple[list[Letter], bool]:
    """The letters of one archive page, and whether a page follows."""
    got = r.snap.published_in_month(month, (page - 1) * PAGE_SIZE, PAGE_SIZE + 1)
    return got[:PAGE_SIZE], len(got) > PAGE_SIZE


def letter(r: Renderer, letter_id: str) -> Output:
    found = r.snap.get_letter(check_letter_id(letter_id))
    if found is None or found.publication is None:
        return []
    view = r.letter_view(found)
    # its type's and category's boards (分类选登), when they have one
    kind, category = pub_facet(found, TYPE), pub_facet(found, CATEGORY)
    return r.html(f"letters/{letter_id}/index.html", "letter.html", "letters",
                  letter=view, body_html=paragraphs_html(view["body"]),
                  reply_html=paragraphs_html(view["reply"]),
                  type_url=(facet_url(TYPE, kind) if kind and has_board(TYPE, kind, r.content)
                            else None),
                  category_url=(facet_url(CATEGORY, category) if category
                                and has_board(CATEGORY, category, r.content) else None))


def archive(r: Renderer) -> Output:
    years: dict[str, list[str]] = {}
    for month, _ in sorted(r.snap.published_months(), reverse=True):
        years.setdefault(month[:4], []).append(month)
    return r.html("letters/archive/index.html", "archive.html", "letters",
                  years=[{"year": y, "months": [{"month": m, "url": month_url(m)} for m in ms]}
                         for y, ms in years.items()])


def month(r: Renderer, month: str, page: int) -> Output:
    letters, more = month_letters(r, month, page)
    if not letters:
        return []
    return r.html(
        month_page_path(month, page), "month.html", "letters", month=month, page=page,
        start=(page - 1) * PAGE_SIZE + 1, letters=r.views(letters),
        prev_url=month_url(month, page - 1) if page > 1 else None,
        next_url=month_url(month, page + 1) if more else None)


def owns(key: PageKey) -> list[str] | None:
    if key[0] == "letter":
        return in_every_language(f"letters/{check_letter_id(key[1])}/index.html")
    if key[0] == "month":
        return in_every_language(month_page_path(key[1], key[2]))
    return None


def archive_pages(month: str, page: int, letters: list[Letter]) -> list[PageKey]:
    """The month page first, then the letters on it: a build streams the archive one page of
    letters at a time."""
    return [("month", month, page)] + [("letter", l.id) for l in letters if is_letter_id(l.id)]


FAMILY = Family(
    name="letters",
    renderers={"letter": letter, "month": month, "archive": archive},
    pages=lambda snap, content: [("archive",)],
    reads=reads,
    archive=archive_pages,
    archive_count=lambda count: pages_in(count) + count,
    owns=owns,
)
