"""Reading a built search index back, for the privacy scans (tests, `bench/pii_scan.py`) and
the recall check: what a record's fragment says, and whether a text's words are in it.

A fragment (`fragment/*.pf_fragment`) is gzip of `pagefind_dcd` + JSON: the record's url, its
indexed content (our terms, `terms.py`) and its meta (title, snippet text, …). The other files
of a shard (`index/`, `filter/`, `*.pf_meta`) are gzip of CBOR holding the words themselves.
"""
from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from typing import Any

from .shards import FILTERS_MARK
from .terms import _RUN, query_terms, readable_text

_SIGNATURE = b"pagefind_dcd"


def unpack(data: bytes) -> bytes:
    """The bytes of a Pagefind data file, signature removed."""
    raw = gzip.decompress(data)
    return raw[len(_SIGNATURE):] if raw.startswith(_SIGNATURE) else raw


def read_fragment(data: bytes) -> dict[str, Any]:
    return json.loads(unpack(data).decode("utf-8"))


def is_index_file(path: str) -> bool:
    return "/search/shards/" in "/" + path and path.endswith(
        (".pf_fragment", ".pf_index", ".pf_meta", ".pf_filter"))


def index_texts(files: dict[str, bytes]) -> Iterator[tuple[str, str]]:
    """(where, text) for every piece of text in every shard's data files: a fragment's url,
    its content (`#content`: the terms, for `holds_words`), that content read back as text
    (`#text`: what a privacy scan reads, in its context) and each meta value; each word of the
    other files."""
    for path, data in sorted(files.items()):
        if not is_index_file(path):
            continue
        if path.endswith(".pf_fragment"):
            doc = read_fragment(data)
            content = doc.get("content", "")
            yield f"{path}#url", doc.get("url", "")
            yield f"{path}#content", content          # the terms, as indexed
            yield f"{path}#text", readable_text(content.split(FILTERS_MARK)[0])   # as read back
            for key, value in sorted(doc.get("meta", {}).items()):
                yield f"{path}#meta.{key}", str(value)
        else:
            # one word at a time: joined, unrelated neighbours of the sorted word list would
            # read as a name or a handle (李 + 电话)
            for n, word in enumerate(cbor_strings(unpack(data))):
                yield f"{path}#{n}", word


def cbor_strings(data: bytes) -> list[str]:
    """Every text string in a CBOR document (Pagefind's index, meta and filter files): the
    words of the index, one by one, with nothing of the binary around them."""
    out: list[str] = []
    pos = 0

    def head() -> tuple[int, int]:
        nonlocal pos
        first = data[pos]
        pos += 1
        major, info = first >> 5, first & 0x1F
        if info < 24:
            return major, info
        size = {24: 1, 25: 2, 26: 4, 27: 8}.get(info)
        if size is None:                     # indefinite lengths: Pagefind does not write them
            raise ValueError(f"unsupported CBOR item at {pos - 1}")
        value = int.from_bytes(data[pos:pos + size], "big")
        pos += size
        return major, value

    def item() -> None:
        nonlocal pos
        major, value = head()
        if major in (2, 3):
            chunk = data[pos:pos + value]
            pos += value
            if major == 3:
                out.append(chunk.decode("utf-8"))
        elif major == 4:
            for _ in range(value):
                item()
        elif major == 5:
            for _ in range(2 * value):
                item()
        elif major == 6:
            item()

    while pos < len(data):
        item()
    return out


def holds_words(content: str, text: str) -> bool:
    """Whether indexed `content` (space-separated terms) holds `text`'s terms in a row: the
    text would be found, and could be read back, from the index."""
    want = query_terms(text)
    if not want:
        return False
    have = [t for t in content.split() if _RUN.fullmatch(t)]      # punctuation dropped
    n = len(want)
    return any(have[i:i + n] == want for i in range(len(have) - n + 1))
