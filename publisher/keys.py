"""Page keys and the addresses they stand for, shared by page planning and every page family.

A page is a small frozen key (a tuple: kind first), e.g. `("letter", "k3x9…")`,
`("month", "2026-11", 2)`, `("league_data", "2026-Q4")`. This module holds what several families
need to agree on: the page sizes, which ids may become URL segments, where an archive page lives,
and which departments and league periods have pages. It only reads the store (through a
`Snapshot`).
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from chalicelib.adapters.codec import CATEGORY, TYPE
from chalicelib.domain.letters import LetterType
from chalicelib.services.ports import Change

from .content import CATEGORIES, SLUG, Content
from .i18n import LANGS, out_path
from .snapshot import Snapshot

PageKey = tuple  # ("kind", *args): hashable, sortable within a kind

log = logging.getLogger("publisher.pages")

PAGE_SIZE = 50          # letters per monthly archive page (and per letters sitemap file)
BOARD_SIZE = 50         # /letters/: the latest 50
HOME_SIZE = 10          # /: the latest 10 replies
FEED_SIZE = 20          # feeds and the department page: the latest 20
NOTICES_ON_HOME = 5

LETTER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
PERIOD = re.compile(r"^(all|\d{4}|\d{4}-Q[1-4]|\d{4}-(0[1-9]|1[0-2]))$")


def check_letter_id(letter_id: str) -> str:
    if not isinstance(letter_id, str) or not LETTER_ID.match(letter_id):
        raise ValueError(f"letter id {letter_id!r} cannot be used in a URL")
    return letter_id


def is_letter_id(letter_id: object) -> bool:
    """Whether a letter id can be a URL segment; letters whose id cannot are skipped (and
    logged) by both builds alike, so one bad record never blocks publishing."""
    if isinstance(letter_id, str) and LETTER_ID.match(letter_id):
        return True
    log.warning("letter id %r cannot be used in a URL; its page is skipped", letter_id)
    return False


def is_department_id(dept_id: object) -> bool:
    return isinstance(dept_id, str) and bool(SLUG.match(dept_id))


def page_of(position: int) -> int:
    """The monthly archive page (1-based) of the letter at 0-based `position` in its month."""
    return position // PAGE_SIZE + 1


def pages_in(count: int) -> int:
    return max(1, -(-count // PAGE_SIZE))


def in_every_language(path: str) -> list[str]:
    """An HTML page's file in every language (`i18n.LANGS`): one key renders them all."""
    return [out_path(path, lang) for lang in LANGS]


def month_page_path(month: str, page: int) -> str:
    year, mm = month.split("-")
    if page == 1:
        return f"letters/{year}/{mm}/index.html"
    return f"letters/{year}/{mm}/page/{page}/index.html"


def letters_sitemap_path(month: str, page: int) -> str:
    return f"sitemaps/letters-{month}.xml" if page == 1 else f"sitemaps/letters-{month}-{page}.xml"


def department_ids(store: Snapshot, content: Content) -> list[str]:
    """Departments with a page: those in content/ and any other the figures mention."""
    ids = list(content.department_ids())
    extra = sorted(d for d in store.stats("all") if d not in ids and is_department_id(d))
    return ids + extra


def league_periods(store: Snapshot) -> list[str]:
    return [p for p in store.stats_periods() if PERIOD.match(p)]


def current_month(store: Snapshot) -> str | None:
    """The latest month with figures (for any department): the league table's current month,
    which every department page shows first."""
    months = [p for p in league_periods(store) if MONTH.match(p)]
    return months[-1] if months else None


def starts_a_month(changes: Iterable[Change], store: Snapshot) -> bool:
    """Whether these changes may have made the first figures of the current month, which moves
    every department page on to it. They did unless a department they do not name has figures
    in it already (figures move only with changes that name their departments)."""
    month = current_month(store)
    touching = [c for c in changes if month in c.periods]
    if month is None or not touching:
        return False
    named = {d for c in touching for d in c.departments}
    return {d for d in store.stats(month) if is_department_id(d)} <= named


def periods_of(change: Change) -> list[str]:
    """The league periods whose figures a change moved (those that can name a page)."""
    return [p for p in change.periods if PERIOD.match(p)]


def departments_with_pages(change: Change, snap: Snapshot, content: Content) -> list[str]:
    """The departments a change names that have a page."""
    known = set(department_ids(snap, content))
    return [d for d in change.departments if is_department_id(d) and d in known]


# --- the boards by type and by category (分类选登) ----------------------------------------------
#
# A board is (facet, value): ("type", "complaint") at /letters/types/complaint/, or ("category",
# "城乡建设") at /letters/categories/urban-rural/. Types are `LetterType` codes, already URL-safe.
# Categories are Chinese, so each has a fixed ASCII slug here (readable, the same on the folder
# sink, S3 and the dev server, and unchanged if a category's wording on a page ever changes);
# `tests/publisher/test_facets.py` fails if a category of `CATEGORIES` has none.

CATEGORY_SLUGS: dict[str, str] = {
    "城乡建设": "urban-rural",
    "劳动和社会保障": "labour-social-security",
    "教育文体": "education-culture-sport",
    "商贸旅游": "commerce-tourism",
    "环境保护": "environment",
    "卫生计生": "health-family-planning",
    "交通运输": "transport",
}
FACET_FOLDERS: dict[str, str] = {TYPE: "types", CATEGORY: "categories"}


def board_categories(content: Content) -> list[str]:
    """The categories with a board: those the departments of content/ handle, in the order of
    `CATEGORIES` (a letter whose category is none of them is on no category board)."""
    used = {c for d in content.departments for c in d.categories}
    return [c for c in CATEGORIES if c in used and c in CATEGORY_SLUGS]


# the types with a board: a conduct complaint (效能投诉) is never published, so it has none
BOARD_TYPES: tuple[str, ...] = tuple(str(t) for t in LetterType if t != LetterType.efficiency)


def facet_boards(content: Content) -> list[tuple[str, str]]:
    """Every board: each letter type that can be published, then each category with a board."""
    return ([(TYPE, t) for t in BOARD_TYPES]
            + [(CATEGORY, c) for c in board_categories(content)])


def has_board(facet: str, value: object, content: Content) -> bool:
    if facet == TYPE:
        return value in BOARD_TYPES
    return facet == CATEGORY and value in board_categories(content)


def facet_slug(facet: str, value: str) -> str:
    """The URL segment of a board."""
    if facet == TYPE:
        return LetterType(value).value
    if facet == CATEGORY:
        return CATEGORY_SLUGS[value]
    raise ValueError(f"unknown facet {facet!r}")


def facet_dir(facet: str, value: str) -> str:
    return f"letters/{FACET_FOLDERS[facet]}/{facet_slug(facet, value)}"


def facet_index_path(facet: str) -> str:
    """The list of a facet's boards: `/letters/types/`, `/letters/categories/`."""
    return f"letters/{FACET_FOLDERS[facet]}/index.html"


def facet_page_path(facet: str, value: str, month: str | None = None, page: int = 1) -> str:
    """A board's file: the board itself, or one of its monthly pages (like `month_page_path`)."""
    if month is None:
        return f"{facet_dir(facet, value)}/index.html"
    year, mm = month.split("-")
    if page == 1:
        return f"{facet_dir(facet, value)}/{year}/{mm}/index.html"
    return f"{facet_dir(facet, value)}/{year}/{mm}/page/{page}/index.html"


def facet_url(facet: str, value: str, month: str | None = None, page: int = 1) -> str:
    return "/" + facet_page_path(facet, value, month, page).removesuffix("index.html")


def facet_feed_path(facet: str, value: str) -> str:
    return f"feeds/{FACET_FOLDERS[facet]}/{facet_slug(facet, value)}.atom.xml"


def facet_sitemap_path(facet: str, value: str) -> str:
    return f"sitemaps/{FACET_FOLDERS[facet]}-{facet_slug(facet, value)}.xml"


def recorded_boards(change: Change, facet: str) -> list[str] | None:
    """The boards of one facet a change record names (None: a record from before them)."""
    return change.types if facet == TYPE else change.categories


