"""Page planning: which pages the site has, and which pages one change touches.

A page is a small frozen key (a tuple: kind first), e.g. `("letter", "k3x9…")`,
`("month", "2026-11", 2)`, `("league_data", "2026-Q4")`. `all_pages` lists every page of the
site for the full build; `affected_pages` lists only the pages one committed `Change` can have
altered, for the incremental build. Invariant 1 of DESIGN.md ("incremental equals full") holds
when every page a change alters is in `affected_pages`, and the renderer makes a page's bytes a
function of the store and `content/` alone.

Incremental cost must not grow with the number of letters, so nothing here scans the archive:
a letter's monthly archive page comes from `published_position` (pages are a fixed 50 letters,
ascending by first publication, so a new letter lands on the month's last page — unless it is
published into the past, an import into an old month, which re-renders that month), pages that
list "the latest N" are fixed length, and figures come from the running statistics. The two
listings that need every month (`/letters/archive/` and the sitemap index) are re-rendered only
when a letter is the first on its page, that is when a month or a page may have been added.

Two pages depend on more than their own period: a league table shows rank changes against the
period before, so a change to October's figures re-renders November's table; and the exposure
board (`/exposure/`) reads every running letter, so it is re-rendered only for changes to letters
that went red or were late (`chalicelib.domain.exposure.touches_board`), which is every change that can
alter it (an approval of a letter answered on time never does). A department page shows the
current month (the latest with figures for any department) even when the department had no
letter in it, so the change that makes a month's first figures re-renders every department page
(`starts_a_month`).

A key names a page in every language: rendering it gives the zh-CN file and its English
counterpart under `en/` from the same data (see `render.Renderer._html`), so the language
doubles the files, not the keys or the store reads.

Everything here only reads the store (through a `Snapshot`); nothing is written.
"""
from __future__ import annotations

import logging
import re
from typing import Iterable, Iterator

from chalicelib.domain import exposure
from chalicelib.adapters.codec import pub_month
from chalicelib.domain.letters import Letter
from chalicelib.services.ports import Change
from chalicelib.domain.statistics import next_period

from . import topic_pages
from .content import SLUG, Content
from .i18n import LANGS, out_path
from .snapshot import Snapshot, snapshot

PageKey = tuple  # ("kind", *args): hashable, sortable within a kind

log = logging.getLogger(__name__)

PAGE_SIZE = 50          # letters per monthly archive page (and per letters sitemap file)
BOARD_SIZE = 50         # /letters/: the latest 50
HOME_SIZE = 10          # /: the latest 10 replies
FEED_SIZE = 20          # feeds and the department page: the latest 20
# statistics counters no league page (HTML) shows: only the data files and department pages
LEAGUE_PAGES_OMIT = frozenset({"published"})
# a change that moved only these counters (publishing a letter) cannot change the exposure board
EXPOSURE_OMIT = frozenset({"published"})
NOTICES_ON_HOME = 5

LETTER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
PERIOD = re.compile(r"^(all|\d{4}|\d{4}-Q[1-4]|\d{4}-(0[1-9]|1[0-2]))$")

# Pages that depend on content/ and the theme only.
CONTENT_PAGES: tuple[PageKey, ...] = (
    ("notices",), ("write",), ("track",), ("staff",), ("robots",), ("not_found",), ("static",),
)


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


def output_paths(key: PageKey) -> list[str] | None:
    """The files a page owns, for pages that can disappear (None: the page always exists).
    An HTML page owns its file in every language (`i18n.LANGS`): one key renders them all."""
    kind = key[0]
    if kind == "letter":
        return _in_every_language(f"letters/{check_letter_id(key[1])}/index.html")
    if kind == "month":
        return _in_every_language(month_page_path(key[1], key[2]))
    if kind == "sitemap_month":
        return [letters_sitemap_path(key[1], key[2])]
    return None


def _in_every_language(path: str) -> list[str]:
    return [out_path(path, lang) for lang in LANGS]


def month_page_path(month: str, page: int) -> str:
    year, mm = month.split("-")
    if page == 1:
        return f"letters/{year}/{mm}/index.html"
    return f"letters/{year}/{mm}/page/{page}/index.html"


def letters_sitemap_path(month: str, page: int) -> str:
    return f"sitemaps/letters-{month}.xml" if page == 1 else f"sitemaps/letters-{month}-{page}.xml"


# --- the whole site ----------------------------------------------------------------------------

def all_pages(store, content: Content) -> Iterator[PageKey]:
    """Every page of the site, for the full build; letter pages follow the archive page that
    lists them, so a build streams the archive one page of letters at a time."""
    snap = snapshot(store)
    yield from site_pages(snap, content)
    for month, count in snap.published_months():
        for page in range(1, pages_in(count) + 1):
            yield ("month", month, page)
            yield ("sitemap_month", month, page)
            letters = snap.published_in_month(month, (page - 1) * PAGE_SIZE, PAGE_SIZE + 1)
            for letter in letters[:PAGE_SIZE]:
                if is_letter_id(letter.id):
                    yield ("letter", letter.id)


def site_pages(store, content: Content) -> list[PageKey]:
    """Every page except the archive (month pages, their sitemaps and the letter pages)."""
    snap = snapshot(store)
    keys: list[PageKey] = [("home",), ("board",), ("archive",), ("departments",), ("league",),
                           ("exposure",), ("feed",), ("sitemap",), ("sitemap_pages",)]
    for dept in department_ids(snap, content):
        keys += [("department", dept), ("dept_feed", dept)]
    for period in league_periods(snap):
        keys += [("league_period", period), ("league_data", period)]
    keys += [("notice", n.slug) for n in content.notices]
    keys += list(CONTENT_PAGES)
    keys += topic_pages.site_keys(snap)        # consultations: listing, pages, data
    return keys


def count_all_pages(store, content: Content) -> int:
    """How many keys `all_pages` yields (for a progress bar), without loading letters."""
    snap = snapshot(store)
    total = len(site_pages(snap, content))
    for _, count in snap.published_months():
        total += 2 * pages_in(count) + count
    return total


# --- one change ----------------------------------------------------------------------------

def affected_pages(change: Change, store, content: Content) -> set[PageKey]:
    """The pages one committed change can have altered (the store already holds its result)."""
    snap = snapshot(store)
    keys: set[PageKey] = set()
    departments = [d for d in change.departments if is_department_id(d)]
    known_departments = set(department_ids(snap, content))
    departments_with_pages = [d for d in departments if d in known_departments]

    if change.public:
        removed = False
        for letter_id in change.letters:
            if not is_letter_id(letter_id):
                continue
            letter = snap.get_letter(letter_id)
            keys.add(("letter", letter_id))
            if letter is None or letter.publication is None:
                removed = True          # it was public: its page goes, later letters move up
                continue
            month = pub_month(letter)
            position = snap.published_position(letter)
            if letter_id in change.published and _later_in_month(snap, letter, month, position):
                # published into the past (an import into an old month): every later letter
                # of its month moves down one place, across the month's pages
                keys |= _whole_months(snap, [month])
                continue
            page = page_of(position)
            keys.add(("month", month, page))
            keys.add(("sitemap_month", month, page))
            if position % PAGE_SIZE == 0:
                # first on its page: the page (and perhaps the month) may be new
                keys.add(("sitemap",))
                if page > 1:
                    keys.add(("month", month, page - 1))     # gains its "next" link
                else:
                    keys.add(("archive",))
        if removed:
            keys |= _whole_months(snap, [m for m in change.months if MONTH.match(m)])
        keys |= {("board",), ("home",), ("feed",)}
        for dept in departments_with_pages:
            keys |= {("department", dept), ("dept_feed", dept)}

    periods = [p for p in change.periods if PERIOD.match(p)]
    if periods:
        keys |= {("home",), ("departments",), ("sitemap_pages",)}
        # the league pages show no counter of LEAGUE_PAGES_OMIT: a change that moved only those
        # (an approval that publishes: `published`) leaves them as they are; the data files
        # have every counter
        pages = change.counters is None or bool(set(change.counters) - LEAGUE_PAGES_OMIT)
        if pages:
            keys.add(("league",))
        existing = set(league_periods(snap))
        for period in periods:
            # the next period's table shows rank changes against this one
            following = next_period(period)
            for p in (period, following) if following in existing else (period,):
                keys.add(("league_data", p))
                if pages:
                    keys.add(("league_period", p))
        for dept in departments_with_pages:
            keys.add(("department", dept))
        if starts_a_month([change], snap):
            keys |= {("department", dept) for dept in known_departments}

    # the exposure board changes only with letters that went red or were late (see
    # chalicelib.domain.exposure): one read per letter of the change, never a scan; and with a
    # correction of the statistics its late-work table is read from. The board shows nothing a
    # publication changes, so a change that moved only EXPOSURE_OMIT (an approval that
    # publishes a late letter) leaves it alone.
    if change.kind == "statistics" and periods:
        keys.add(("exposure",))
    # (a change that moved no counter, a light turning red, may well change it)
    board_may_change = not change.counters or not set(change.counters) <= EXPOSURE_OMIT
    for letter_id in change.letters if board_may_change else ():
        if not is_letter_id(letter_id):
            continue
        letter = snap.get_letter(letter_id)
        if letter is None or exposure.touches_board(letter):
            keys.add(("exposure",))
            break

    # consultations (Change.topics): see topic_pages.affected
    keys |= topic_pages.affected(change, snap)
    return keys


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


def _whole_months(snap: Snapshot, months: Iterable[str]) -> set[PageKey]:
    """Every page of some months plus the one after the last (which a removal may empty).
    The month's pages are found by reading one letter per page, not by counting the archive."""
    keys: set[PageKey] = {("archive",), ("sitemap",)}
    for month in months:
        pages = 1
        while snap.published_in_month(month, pages * PAGE_SIZE, 1):
            pages += 1
        for page in range(1, pages + 2):
            keys |= {("month", month, page), ("sitemap_month", month, page)}
    return keys


def affected_by_all(changes: Iterable[Change], store, content: Content) -> set[PageKey]:
    """The union of the pages a batch of changes touches."""
    snap = snapshot(store)
    keys: set[PageKey] = set()
    changes = list(changes)
    for change in changes:
        keys |= affected_pages(change, snap, content)
    # a batch whose changes each find another's figures in a new month still starts it
    if starts_a_month(changes, snap):
        keys |= {("department", dept) for dept in department_ids(snap, content)}
    return keys


def sort_keys(keys: Iterable[PageKey]) -> list[PageKey]:
    """A deterministic order for a set of keys of mixed argument types."""
    return sorted(keys, key=lambda k: tuple(str(part) for part in k))
