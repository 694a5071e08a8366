"""Which published text goes into which shard of the search index, and as what record.

Pagefind holds a whole index in memory while it builds it, about 175 KB per letter measured
here (10,000 letters: 1.8 GB), and a page of search results only loads the index files of the
shards it searches. So the archive is cut into shards of at most `SHARD_CAP` letters, by the
month of first publication, which never changes once a month is over:

- the current month (China time) is a shard of its own: a new reply lands there, and only that
  small shard is rebuilt while the month runs;
- every earlier year is one shard if it holds at most `SHARD_CAP` letters, else its months are
  packed in order into shards of at most `SHARD_CAP` (a month above the cap is a shard alone);
- notices and consultations, both languages, are the shard `site`.

The plan is a function of the months' counts and the current month only, so a full build and
the background indexer following changes arrive at the same shards and the same files.

A record carries only the public version of a letter (`letter.publication`: subject, body and
reply as the office approved them, names already masked; never the writer's name, even masked):
a letter whose writer refused publication has no publication and is in no shard.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.domain.deadlines import CHINA_TZ
from chalicelib.domain.letters import Letter

from ..content import Content
from ..snapshot import Snapshot
from .terms import content_of

SHARD_CAP = 8000        # letters per shard: ~1.4 GB of Pagefind's memory while it builds
SITE = "site"           # the shard of notices and consultations
# between a record's text and its filter terms: the snippet is read back up to here
FILTERS_MARK = "\u2063"
READ_PAGE = 1000        # letters per store read while gathering a shard

_SPACE = re.compile(r"\s+")
_MARKUP = re.compile(r"<[^>]*>|[`*_#>\[\]()!|~]+")


@dataclass(frozen=True)
class Shard:
    """One shard of the index: `months` (ascending) of the archive, or the site's pages."""

    id: str
    months: tuple[str, ...] = ()
    letters: int = 0

    @property
    def path(self) -> str:
        """Its folder in the site, from the root."""
        return f"search/shards/{self.id}/"


@dataclass(frozen=True)
class Record:
    """One search result: a page's url, the text it is found by, what a result shows."""

    url: str
    text: str
    meta: dict[str, str]
    filters: dict[str, list[str]] = field(default_factory=dict)

    def content(self) -> str:
        """The indexed words: the text's terms, then one filter term per filter value."""
        terms = [filter_term(key, value) for key in sorted(self.filters)
                 for value in self.filters[key]]
        return " ".join([content_of(self.text), FILTERS_MARK, *terms])


def filter_term(key: str, value: str) -> str:
    """A filter as a search term (`xlanghkgiz` for lang=zh): Pagefind writes its own filter
    files in a different order on every run, so filters are words of the content instead,
    searched like the query's words. The value's UTF-8 bytes are spelt one letter per half
    byte (a–p: no digits, so no run of them reads as a card or phone number to a privacy scan),
    and the closing `z` keeps one value from matching as the prefix of another."""
    spelt = "".join(_NIBBLES[b >> 4] + _NIBBLES[b & 15] for b in value.encode("utf-8"))
    return f"x{key}{spelt}z"


_NIBBLES = "abcdefghijklmnop"


def current_month(now: datetime) -> str:
    return now.astimezone(CHINA_TZ).strftime("%Y-%m")


def plan_shards(months: Sequence[tuple[str, int]], current: str,
                cap: int = SHARD_CAP) -> list[Shard]:
    """The shards, newest first, the site shard last (module docstring)."""
    by_year: dict[str, list[tuple[str, int]]] = {}
    out: list[Shard] = []
    for month, count in sorted(months):
        if count <= 0:
            continue
        if month == current:
            out.append(Shard(month, (month,), count))
        else:
            by_year.setdefault(month[:4], []).append((month, count))
    for year in sorted(by_year, reverse=True):
        rows = by_year[year]
        total = sum(n for _, n in rows)
        if total <= cap:
            out.append(Shard(year, tuple(m for m, _ in rows), total))
            continue
        groups: list[list[tuple[str, int]]] = [[]]
        for month, count in rows:
            if groups[-1] and sum(n for _, n in groups[-1]) + count > cap:
                groups.append([])
            groups[-1].append((month, count))
        for group in reversed(groups):
            first, last = group[0][0], group[-1][0]
            shard_id = first if first == last else f"{first}_{last}"
            out.append(Shard(shard_id, tuple(m for m, _ in group), sum(n for _, n in group)))
    out.append(Shard(SITE))
    return out


def shard_of_month(shards: Sequence[Shard], month: str) -> Shard | None:
    return next((s for s in shards if month in s.months), None)


# --- records ---------------------------------------------------------------------------------

def _plain(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def letter_record(letter: Letter) -> Record | None:
    """The record of a published letter; None for any other."""
    p = letter.publication
    if p is None:
        return None
    text = _plain("\n".join([p.subject, *p.body, *p.reply]))
    day = p.first_published_at.astimezone(CHINA_TZ).date().isoformat()
    dept = letter.department or p.reply_department or ""
    kind_type = str(letter.type)
    filters = {"kind": ["letter"], "lang": ["zh", "en"], "year": [day[:4]], "type": [kind_type]}
    if dept:
        filters["dept"] = [dept]
    if p.category:
        filters["category"] = [p.category]
    meta = {"title": _plain(p.subject), "kind": "letter", "date": day, "year": day[:4],
            "dept": dept, "type": kind_type, "category": p.category or ""}
    return Record(f"/letters/{letter.id}/", text, meta, filters)


def letter_records(snap: Snapshot, shard: Shard) -> Iterator[Record]:
    """The shard's letters in archive order (month, then first publication)."""
    for month in shard.months:
        offset = 0
        while True:
            batch = snap.store.published_in_month(month, offset, READ_PAGE)
            for letter in batch:
                record = letter_record(letter)
                if record is not None:
                    yield record
            if len(batch) < READ_PAGE:
                break
            offset += READ_PAGE


def _markdown_text(markdown: str) -> str:
    return _plain(_MARKUP.sub(" ", markdown))


def site_records(snap: Snapshot, content: Content) -> Iterator[Record]:
    """Notices and consultations, each in each language it is written in."""
    for notice in content.notices:
        day = notice.date.isoformat()
        versions = [("zh", "", notice.title, notice.summary, notice.html.text)]
        if notice.title_en:
            body_en = notice.html_en.text if notice.html_en is not None else ""
            versions.append(("en", "/en", notice.title_en, notice.summary_en or "", body_en))
        for lang, prefix, title, summary, body in versions:
            text = _plain(" ".join([title, summary, _markdown_text(body)]))
            yield Record(f"{prefix}/notices/{notice.slug}/", text,
                         {"title": _plain(title), "kind": "notice", "date": day,
                          "year": day[:4], "dept": "", "type": "", "category": "",
                          },
                         {"kind": ["notice"], "lang": [lang], "year": [day[:4]]})
    for topic in sorted(snap.list_topics(), key=lambda t: t.id):
        day = topic.opens.astimezone(CHINA_TZ).date().isoformat()
        dept = topic.departments[0] if topic.departments else ""
        outcome = topic.outcome.summary if topic.outcome is not None else ""
        topic_versions = [("zh", "", topic.title, topic.summary or "")]
        if topic.title_en:
            topic_versions.append(("en", "/en", topic.title_en, topic.summary_en or ""))
        for lang, prefix, title, summary in topic_versions:
            text = _plain(" ".join([title, summary, _markdown_text(topic.background), outcome]))
            filters = {"kind": ["consultation"], "lang": [lang], "year": [day[:4]]}
            if dept:
                filters["dept"] = [dept]
            yield Record(f"{prefix}/consultations/{topic.id}/", text,
                         {"title": _plain(title), "kind": "consultation", "date": day,
                          "year": day[:4], "dept": dept, "type": "", "category": "",
                          }, filters)


def shard_records(snap: Snapshot, content: Content, shard: Shard) -> Iterator[Record]:
    if shard.id == SITE:
        return site_records(snap, content)
    return letter_records(snap, shard)
