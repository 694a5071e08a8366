"""The words of the search index: overlapping character bigrams for Chinese.

Pagefind segments Chinese with one segmenter when it indexes and the browser's `Intl.Segmenter`
when it searches; where the two disagree a word that is in a letter is not found (调休 was not).
So the site does its own, segmenter-free tokenising, the same rule on both sides: the index is
built in the language `und` (no stemming, no segmentation), every Chinese run of text gives its
adjacent character pairs, and the query is turned into the same pairs by `search.js`. A word of
two or more characters that occurs in a letter is then always found (every pair of it occurs),
whatever the query's spacing (`噪音扰民` and `噪音 扰民` alike).

The rule (the JS twin `searchTerms` in `site/theme/static/js/search.js` must match it; a browser
test compares them):

1. NFKC, then lower case (full-width letters and digits become ASCII);
2. runs: Han characters (U+3400–4DBF, U+4E00–9FFF, U+F900–FAFF), or `[0-9a-z]`; anything else
   separates runs;
3. a Han run of one character gives it; a longer run gives every adjacent pair, then its last
   character alone (so that a one-character query, which Pagefind matches as a prefix, also
   finds a character that ends a run);
4. an ASCII run gives itself.
"""
from __future__ import annotations

import re
import unicodedata

_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9a-z]+")
_GAP = re.compile(r"\s+")


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _is_han(run: str) -> bool:
    return not run[0].isascii()


def search_terms(text: str) -> list[str]:
    """The terms a text is indexed under, in order (with repeats: Pagefind counts them)."""
    out: list[str] = []
    for run in _RUN.findall(_normal(text)):
        if _is_han(run) and len(run) > 1:
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
            out.append(run[-1])
        else:
            out.append(run)
    return out


def query_terms(query: str) -> list[str]:
    """The terms a query searches for: the pairs of each run, without the trailing single
    characters and without repeats (`噪音扰民` → 噪音 音扰 扰民)."""
    out: list[str] = []
    for run in _RUN.findall(_normal(query)):
        terms = ([run[i:i + 2] for i in range(len(run) - 1)]
                 if _is_han(run) and len(run) > 1 else [run])
        out.extend(t for t in terms if t not in out)
    return out


def content_of(text: str) -> str:
    """The indexed content of a record: its terms, with the punctuation between runs as words
    of their own, joined by spaces.

    Pagefind keeps a record's content in its fragment and indexes the meta too, so the snippet
    a result shows is read back from this content (`readable_text`, and `readableText` in
    search.js) instead of being stored twice: a pair gives its first character, a run's last
    character ends the run, punctuation is kept, runs of Latin letters and digits are spaced.
    Punctuation words are never searched for (`query_terms` drops them)."""
    out: list[str] = []
    pos = 0
    # normalised one character at a time, so that the punctuation between runs is kept as
    # written (full-width ，。 stay full-width) while the runs are matched normalised
    pieces = [_normal(ch) for ch in text]
    normal = "".join(pieces)
    origin: list[str] = []
    for ch, piece in zip(text, pieces, strict=True):
        origin.extend([ch] + [""] * (len(piece) - 1))
    for match in _RUN.finditer(normal):
        gap = _GAP.sub("", "".join(origin[pos:match.start()]))
        if gap:
            out.append(gap)
        run = match.group()
        if _is_han(run) and len(run) > 1:
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
            out.append(run[-1])
        else:
            out.append(run)
        pos = match.end()
    gap = _GAP.sub("", "".join(origin[pos:]))
    if gap:
        out.append(gap)
    return " ".join(out)


def readable_text(content: str) -> str:
    """The text back from indexed content (for the snippet): punctuation and runs kept,
    spaces between runs of Latin letters and digits only."""
    out: list[str] = []
    last_ascii = False
    for token in content.split():
        if _RUN.fullmatch(token) is None:          # punctuation (and filter terms' neighbours)
            out.append(token)
            last_ascii = False
        elif not _is_han(token):
            if last_ascii:
                out.append(" ")
            out.append(token)
            last_ascii = True
        else:
            out.append(token[0])
            last_ascii = False
    return "".join(out)


def query_phrases(query: str) -> list[str]:
    """The Pagefind searches a query becomes; the results are those all of them find.

    Pagefind's plain search also matches words that merely resemble a term (调休 gave 101
    results where two letters hold the word), while its exact search ("…" in quotes) finds the
    terms as consecutive words: so each piece of the query is one exact phrase of its pairs
    (`"噪音 音扰 扰民"` finds exactly the letters holding 噪音扰民). A one-character Chinese piece
    is joined to the piece before it, or else after it (`公积 金` searches 公积金, `调 休` 调休);
    a query that is one Chinese character alone is a plain prefix search (`京` finds 北京's
    letters through the pair 京…). Latin letters and digits are exact words."""
    pieces = [run for run in _RUN.findall(_normal(query))]
    merged: list[str] = []
    for piece in pieces:
        if merged and (len(piece) == 1 and _is_han(piece) or
                       len(merged[-1]) == 1 and _is_han(merged[-1])) \
                and _is_han(piece) and _is_han(merged[-1]):
            merged[-1] += piece
        else:
            merged.append(piece)
    out: list[str] = []
    for piece in merged:
        if _is_han(piece) and len(piece) == 1:
            phrase = piece                       # alone: a prefix search
        else:
            # every pair in order, repeats kept: 上海上海人 is 上海 海上 上海 海人 in the index
            terms = ([piece[i:i + 2] for i in range(len(piece) - 1)] if _is_han(piece)
                     else [piece])
            phrase = '"' + " ".join(terms) + '"'
        if phrase not in out:
            out.append(phrase)
    return out
