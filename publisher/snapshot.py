"""A read-only, memoising view of the store for one build.

Planning and rendering ask the same questions (the latest 50 letters for the board, 10 of them
for the home page, 20 for the feed; one month page for the archive and its sitemap), so one
build answers each from the store once. The caches are bounded, so a full build over 100,000
letters streams instead of holding them, and a snapshot lives for one build only (never across
publishes, so it is never stale).
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from chalicelib.adapters.codec import late_keys, time_key
from chalicelib.domain.consultations import public_view
from chalicelib.domain.deadlines import CHINA_TZ
from chalicelib.domain.letters import ACTIVE, Letter
from chalicelib.domain.oversight import listing_key
from chalicelib.domain.statistics import month_of
from chalicelib.services.ports import Store


class _Lru:
    def __init__(self, size: int) -> None:
        self.size = size
        self.data: OrderedDict[Any, Any] = OrderedDict()

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        try:
            self.data.move_to_end(key)
            return self.data[key]
        except KeyError:
            value = make()
            self.put(key, value)
            return value

    def put(self, key: Any, value: Any) -> None:
        self.data[key] = value
        self.data.move_to_end(key)
        while len(self.data) > self.size:
            self.data.popitem(last=False)


LATEST_BATCH = 50   # the board's length: the home page (10) and the feed (20) take a prefix
# "overdue before the end of time": every letter whose clock runs, from the store's supervision
# index (the work in progress, never the archive)
END_OF_TIME = datetime(9000, 1, 1, tzinfo=CHINA_TZ)


class Snapshot:
    """The publisher's reads of the store port, memoised for one build."""

    def __init__(self, store: Store, letters: int = 512, lists: int = 64) -> None:
        self.store = store
        self._letters = _Lru(letters)
        self._lists = _Lru(lists)
        self._stats: dict[str, dict[str, dict[str, int]]] = {}
        self._periods: list[str] | None = None
        self._months: list[tuple[str, int]] | None = None
        self._submitted_months: list[str] | None = None
        self._running: list[Letter] | None = None
        self._topics: dict[str, Any] | None = None      # consultations: id -> Topic
        self._topic_reads: dict[tuple[str, str], Any] = {}
        # what page planning works out once per change (see families.letters.archive_touch)
        self.memo: dict[str, dict] = {}

    def _remember(self, letters: list[Letter]) -> list[Letter]:
        for letter in letters:
            self._letters.put(letter.id, letter)
        return letters

    def get_letter(self, letter_id: str) -> Letter | None:
        return self._letters.get(letter_id, lambda: self.store.get_letter(letter_id))

    def prime(self, letters: list[Letter]) -> None:
        """Make letters already loaded (by a listing) available to `get_letter`."""
        self._remember(letters)

    def latest_published(self, n: int, department: str | None = None) -> list[Letter]:
        want = max(n, LATEST_BATCH if department is None else n)
        key = ("latest", department)
        cached = self._lists.data.get(key)
        if cached is None or (len(cached[1]) == cached[0] and cached[0] < n):
            cached = (want, self._remember(self.store.latest_published(want, department)))
            self._lists.put(key, cached)
        return cached[1][:n]

    def published_in_month(self, month: str, offset: int, limit: int) -> list[Letter]:
        return self._lists.get(("month", month, offset, limit), lambda: self._remember(
            self.store.published_in_month(month, offset, limit)))

    def published_position(self, letter: Letter) -> int:
        return self._lists.get(("position", letter.id),
                               lambda: self.store.published_position(letter))

    # -- the boards by type and by category --

    def latest_in_facet(self, facet: str, value: str, n: int) -> list[Letter]:
        want = max(n, LATEST_BATCH)
        key = ("facet_latest", facet, value)
        cached = self._lists.data.get(key)
        if cached is None or (len(cached[1]) == cached[0] and cached[0] < n):
            cached = (want, self._remember(self.store.latest_in_facet(facet, value, want)))
            self._lists.put(key, cached)
        return cached[1][:n]

    def facet_months(self, facet: str, value: str) -> list[tuple[str, int]]:
        return self._lists.get(("facet_months", facet, value),
                               lambda: list(self.store.facet_months(facet, value)))

    def facet_month_names(self, facet: str, value: str) -> list[str]:
        return self._lists.get(("facet_month_names", facet, value),
                               lambda: list(self.store.facet_month_names(facet, value)))

    def published_in_facet_month(self, facet: str, value: str, month: str, offset: int,
                                 limit: int) -> list[Letter]:
        return self._lists.get(
            ("facet_month", facet, value, month, offset, limit), lambda: self._remember(
                self.store.published_in_facet_month(facet, value, month, offset, limit)))

    def facet_position(self, facet: str, letter: Letter) -> int:
        return self._lists.get(("facet_position", facet, letter.id),
                               lambda: self.store.facet_position(facet, letter))

    def published_months(self) -> list[tuple[str, int]]:
        if self._months is None:
            self._months = list(self.store.published_months())
        return self._months

    def iter_published(self) -> Iterator[Letter]:
        return self.store.iter_published()

    def count_published(self, department: str | None = None) -> int:
        return self.store.count_published(department)

    def running_letters(self) -> list[Letter]:
        """Every letter whose clock runs (the exposure board keeps those recorded red).

        Letters this build already read by id (those of the changes being published) are
        added when they run: a store's index may lag its table by a moment (DynamoDB's global
        indexes do), and the change that just turned a light red must not miss its own letter."""
        if self._running is None:
            listed = self.store.overdue_letters(END_OF_TIME)
            seen = {letter.id for letter in listed}
            fresh = [letter for letter in self._letters.data.values()
                     if letter is not None and letter.id not in seen
                     and letter.status in ACTIVE and letter.current_due is not None]
            self._running = self._remember(listed + sorted(fresh, key=lambda l: l.id))
        return self._running

    def listed_letters(self) -> list[Letter]:
        """Letters listed for supervision (挂牌督办) and not yet answered, by the office's
        date. As with `running_letters`, a letter this build already read by id is taken as
        read (listed or not), so an index that lags its table cannot hide the change."""
        def read() -> list[Letter]:
            found = {letter.id: letter for letter in self.store.listed_letters()}
            for letter in self._letters.data.values():
                if letter is not None:
                    found[letter.id] = letter
            listed = [x for x in found.values() if listing_key(x) is not None]
            return self._remember(sorted(listed, key=lambda x: listing_key(x) or ""))
        return self._lists.get(("listed",), read)

    def late_letters(self, since: datetime, limit: int) -> list[Letter]:
        """The letters of the latest `limit` late sign-ins and replies since `since` (the
        exposure board's late work). As with `running_letters`, letters this build already read
        by id are added when they qualify, so an index that lags the table cannot hide the
        change being published (the board keeps its latest `limit` entries either way)."""
        def read() -> list[Letter]:
            listed = self.store.late_letters(since, limit)
            seen = {letter.id for letter in listed}
            after = time_key(since)
            fresh = [letter for letter in self._letters.data.values()
                     if letter is not None and letter.id not in seen
                     and any(k >= after for k in late_keys(letter))]
            return self._remember(listed + sorted(fresh, key=lambda l: l.id))
        return self._lists.get(("late", since, limit), read)

    # -- the open data files: every letter by the month it was received (China time) --

    def open_rows_in_month(self, month: str) -> Iterator[dict]:
        """The stored open-data rows of the letters submitted in `month`, in that order, read
        a batch at a time and never kept: a month may hold tens of thousands (`spool`)."""
        return self.store.iter_open_rows(*month_bounds(month))

    def count_submitted_in_month(self, month: str) -> int:
        return self._lists.get(("count_submitted", month),
                               lambda: self.store.count_submitted(*month_bounds(month)))

    def submitted_months(self) -> list[str]:
        """The months with letters received, oldest first: a count per month between the first
        and the last submission, never a read of the letters."""
        if self._submitted_months is None:
            span = self.store.submission_span()
            months: list[str] = []
            if span is not None:
                month, last = month_of(span[0]), month_of(span[1])
                while month <= last:
                    if self.count_submitted_in_month(month):
                        months.append(month)
                    month = next_month(month)
            self._submitted_months = months
        return self._submitted_months

    # -- the weekly records (hot topics) --

    def list_weeks(self) -> list[str]:
        """The weeks with a record, newest first."""
        return self._lists.get(("weeks",), self.store.list_weeks)

    def get_week(self, week: str) -> dict | None:
        return self._lists.get(("week", week), lambda: self.store.get_week(week))

    def stats(self, period: str) -> dict[str, dict[str, int]]:
        if period not in self._stats:
            self._stats[period] = self.store.stats(period)
        return self._stats[period]

    def stats_periods(self) -> list[str]:
        if self._periods is None:
            self._periods = sorted(self.store.stats_periods())
        return self._periods

    # -- consultations: few topics, so one listing per build serves every page --

    def list_topics(self) -> list[Any]:
        """Every registered topic, by id."""
        if self._topics is None:
            self._topics = {t.id: t for t in sorted(self.store.list_topics(),
                                                    key=lambda t: t.id)}
        return list(self._topics.values())

    def get_topic(self, topic_id: str) -> Any:
        self.list_topics()
        return self._topics.get(topic_id) if self._topics is not None else None

    def topic_tallies(self, topic_id: str) -> dict[str, int]:
        key = ("tallies", topic_id)
        if key not in self._topic_reads:
            self._topic_reads[key] = dict(self.store.topic_tallies(topic_id))
        return self._topic_reads[key]

    def topic_view(self, topic_id: str) -> dict | None:
        """`consultations.public_view` of a topic (no `now`: pages show the recorded phase)."""
        key = ("view", topic_id)
        if key not in self._topic_reads:
            topic = self.get_topic(topic_id)
            self._topic_reads[key] = None if topic is None else public_view(
                topic, self.store.topic_comments(topic_id, "approved"),
                self.topic_tallies(topic_id))
        return self._topic_reads[key]


def next_month(month: str) -> str:
    year, mm = (int(x) for x in month.split("-"))
    return f"{year + mm // 12:04d}-{mm % 12 + 1:02d}"


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The first instant of a month, China time, and the first instant of the next."""
    def start(m: str) -> datetime:
        year, mm = (int(x) for x in m.split("-"))
        return datetime(year, mm, 1, tzinfo=CHINA_TZ)
    return start(month), start(next_month(month))


def snapshot(store: Store | Snapshot) -> Snapshot:
    return store if isinstance(store, Snapshot) else Snapshot(store)
