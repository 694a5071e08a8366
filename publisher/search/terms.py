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
    """The indexed content of a record: its terms joined by spaces."""
    return " ".join(search_terms(text))
