"""Hot topics (热点): the week's letters grouped into topics, ranked by a published hot index.

What the office's analysts did by hand (Qingdao's 热点问题大数据分析, Yibin's weekly 市民议政焦点):
read the week's letters, see which matter many people wrote about, and whether it is growing.

- **Words.** A letter is its subject (counted twice: it names the matter) and the start of its
  body, personal data removed first (`privacy.redact`), as overlapping pairs of Chinese
  characters and runs of letters and digits: no dictionary, so a new estate's or a bus line's
  name is a word like any other. Pairs are weighted by tf-idf over the week and the weeks
  before it, so words every letter has (您好, 反映, A市) weigh nothing.
- **Topics.** Letters in order of arrival join the topic whose centre they are closest to
  (cosine ≥ `JOIN`), or start one; topics whose centres are that close are then merged. A topic
  needs `MIN_LETTERS` letters (5): fewer is not a topic and would point at one writer.
- **What leaves.** A topic is its counts, its departments, its name and terms, and the ids of
  its *published* letters. Its name and terms are character runs that at least `MIN_SHARED`
  letters of the topic share (and never personal data: the texts are redacted first), so no
  single letter's words can be read from it.
- **Hot index** (the formula the page states): `H = n × (1 + g) + ln(1 + v)`, where `n` is the
  topic's letters this week, `g` its growth, `(n − p) / max(p, 1)` clipped to 0..3, with `p` the
  weekly mean of earlier letters as close to the topic in the `HISTORY` weeks before, and `v`
  its letters' public votes (likes).

Pure: standard library only; the week, the letters and `now` are parameters.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .privacy import redact

JOIN = 0.12                 # cosine to a topic's centre to join it (bench/hot.py)
MIN_LETTERS = 5
MIN_SHARED = 3              # a term must be in this many of the topic's letters
HISTORY = 4                 # weeks before, for growth and idf
BODY_CHARS = 600
TERMS = 8
_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[0-9a-z]+")
_NAME = re.compile(r"[\u3400-\u9fff\uf900-\ufaff0-9a-z]+")


@dataclass(frozen=True)
class HotLetter:
    """What a topic is made of: a letter's id, text and figures (private letters included,
    for the counts; only `published` ones are linked)."""

    id: str
    subject: str
    body: str
    submitted_at: datetime
    department: str | None = None
    votes: int = 0
    published: bool = False


@dataclass
class Topic:
    name: str
    terms: list[str]
    letters: int
    previous_weekly: float
    growth: float
    votes: int
    hot: float
    departments: list[tuple[str, int]]
    published: list[str] = field(default_factory=list)


def iso_week(day: date) -> str:
    """`2026-W07` for a day (ISO 8601 week)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(week: str) -> date:
    year, w = week.split("-W")
    return date.fromisocalendar(int(year), int(w), 1)


def _text(letter: HotLetter) -> str:
    text = f"{letter.subject}\n{letter.subject}\n{letter.body[:BODY_CHARS]}"
    return unicodedata.normalize("NFKC", redact(text)).lower()


def features(text: str) -> Counter[str]:
    """Pairs of Chinese characters and runs of letters and digits of a (normalized) text."""
    out: Counter[str] = Counter()
    for run in _RUN.findall(text):
        if run.isascii():
            if len(run) > 1 or run.isdigit():
                out[run] += 1
        else:
            out.update(run[i:i + 2] for i in range(len(run) - 1))
    return out


def _vector(counts: Counter[str], idf: dict[str, float], top: int = 60) -> dict[str, float]:
    weights = {t: (1 + math.log(c)) * idf.get(t, 0.0) for t, c in counts.items()}
    kept = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    norm = math.sqrt(sum(w * w for _, w in kept)) or 1.0
    return {t: w / norm for t, w in kept if w > 0}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    """The cosine of two unit vectors (dicts of term weights)."""
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def _centre(vectors: Iterable[dict[str, float]]) -> dict[str, float]:
    total: Counter[str] = Counter()
    for v in vectors:
        total.update(v)
    norm = math.sqrt(sum(w * w for w in total.values())) or 1.0
    return {t: w / norm for t, w in total.items()}


def _idf(texts: Sequence[Counter[str]]) -> dict[str, float]:
    df: Counter[str] = Counter()
    for counts in texts:
        df.update(counts.keys())
    n = len(texts)
    return {t: math.log((1 + n) / (1 + d)) for t, d in df.items()}


def _cluster(vectors: list[dict[str, float]]) -> list[list[int]]:
    groups: list[list[int]] = []
    centres: list[dict[str, float]] = []
    for i, v in enumerate(vectors):
        best, score = -1, JOIN
        for g, c in enumerate(centres):
            s = cosine(v, c)
            if s >= score:
                best, score = g, s
        if best < 0:
            groups.append([i])
            centres.append(dict(v))
        else:
            groups[best].append(i)
            centres[best] = _centre(vectors[j] for j in groups[best])
    merged = True
    while merged:                         # topics whose centres came close: one topic
        merged = False
        for a in range(len(groups)):
            for b in range(a + 1, len(groups)):
                if cosine(centres[a], centres[b]) >= JOIN:
                    groups[a] += groups.pop(b)
                    centres.pop(b)
                    centres[a] = _centre(vectors[j] for j in groups[a])
                    merged = True
                    break
            if merged:
                break
    return groups


def _overlaps(gram: str, chosen: Iterable[str]) -> bool:
    """Whether `gram` repeats a chosen run: inside it, or sharing four characters in a row."""
    n = min(4, len(gram))
    pieces = {gram[i:i + n] for i in range(len(gram) - n + 1)}
    return any(gram in c or any(p in c for p in pieces) for c in chosen)


def shared_runs(texts: Sequence[str], at_least: int, limit: int = TERMS) -> list[str]:
    """The longest character runs (2–16 characters) that at least `at_least` of the texts
    contain, most shared first, none repeating another chosen one."""
    seen: Counter[str] = Counter()
    for text in texts:
        grams: set[str] = set()
        for run in _NAME.findall(text):
            for n in range(2, min(16, len(run)) + 1):
                grams.update(run[i:i + n] for i in range(len(run) - n + 1))
        seen.update(grams)
    common = [(g, c) for g, c in seen.items() if c >= at_least]
    # longer runs first among equally shared ones
    common.sort(key=lambda gc: (-gc[1], -len(gc[0]), gc[0]))
    chosen: list[str] = []
    for gram, count in common:
        if _overlaps(gram, chosen):
            continue
        # a longer run shared almost as widely says more (五矿万境 over 五矿)
        longer = [g for g, k in common if gram in g and g != gram and k >= 0.8 * count]
        pick = max(longer, key=lambda g: (len(g), seen[g], g), default=gram)
        if _overlaps(pick, chosen):
            continue
        chosen.append(pick)
        if len(chosen) >= limit:
            break
    return chosen


def hot_index(letters: int, previous_weekly: float, votes: int) -> tuple[float, float]:
    """(growth, H): see the module's docstring."""
    growth = max(0.0, min(3.0, (letters - previous_weekly) / max(previous_weekly, 1.0)))
    return growth, round(letters * (1 + growth) + math.log1p(max(votes, 0)), 2)


def week_topics(week: str, letters: Sequence[HotLetter], top: int = 10) -> list[Topic]:
    """The hot topics of an ISO `week` from `letters` (those of that week and of the `HISTORY`
    weeks before it; others are ignored), hottest first."""
    start = week_start(week)
    end = start + timedelta(days=7)
    first = start - timedelta(days=7 * HISTORY)
    inside = sorted((lt for lt in letters if start <= lt.submitted_at.date() < end),
                    key=lambda lt: (lt.submitted_at, lt.id))
    before = [lt for lt in letters if first <= lt.submitted_at.date() < start]
    if len(inside) < MIN_LETTERS:
        return []
    texts = {lt.id: _text(lt) for lt in [*inside, *before]}
    counts = {i: features(t) for i, t in texts.items()}
    idf = _idf(list(counts.values()))
    vectors = [_vector(counts[lt.id], idf) for lt in inside]
    earlier = [_vector(counts[lt.id], idf) for lt in before]
    topics = []
    for group in _cluster(vectors):
        if len(group) < MIN_LETTERS:
            continue
        members = [inside[i] for i in group]
        centre = _centre(vectors[i] for i in group)
        close = sum(1 for v in earlier if cosine(v, centre) >= JOIN)
        previous = close / HISTORY
        votes = sum(m.votes for m in members)
        growth, hot = hot_index(len(members), previous, votes)
        subjects = [unicodedata.normalize("NFKC", redact(m.subject)).lower() for m in members]
        names = shared_runs(subjects, max(MIN_SHARED, math.ceil(len(members) / 3)), 3)
        terms = shared_runs([texts[m.id] for m in members], max(MIN_SHARED, len(members) // 2))
        depts = Counter(m.department for m in members if m.department)
        topics.append(Topic(
            name="·".join(names or terms[:2]), terms=terms, letters=len(members),
            previous_weekly=round(previous, 2), growth=round(growth, 2), votes=votes, hot=hot,
            departments=sorted(depts.items(), key=lambda kv: (-kv[1], kv[0])),
            published=[m.id for m in members if m.published]))
    topics.sort(key=lambda t: (-t.hot, -t.letters, t.name))
    return topics[:top]
