"""Smaller word-index chunks than Pagefind writes, so a query downloads less.

Pagefind cuts a bundle's word index into chunks of about 20,000 word locations (a fixed
constant in its indexer, `chunk_index(word_map, 20000)`: about 35 KB each for our letters),
and a query downloads, for every word and every shard searched, the one chunk that holds the
word. A three-character query over two letter shards then costs some 200 KB, nearly all of it
other words. `rechunk` re-cuts the chunks of a built bundle to `TARGET_LOCS` locations, in the
same word order, rewrites the chunk list of the bundle's `*.pf_meta` and the meta's name in
`pagefind-entry.json`. Nothing else in the bundle changes, and Pagefind's search code reads the
result as its own: the word entries are copied byte for byte, only regrouped.

The chunk list gives each chunk's first and last word in full. Pagefind shortens them to the
prefixes that tell neighbours apart (`get_prefixes`), and its lookup compares a query's word
with the bounds strictly (`from <= word <= to`, pagefind_web `try_request_indexes`) or, when
nothing matches, loads every chunk the word could extend into; with full bounds each word is in
exactly the one chunk the strict lookup finds (measured: 公积金 over five shards, 8 chunk
requests instead of 13).

The files are gzip of `pagefind_dcd` + CBOR (see `inspect.py`); the CBOR here is only
definite-length arrays, text strings and integers, which is all Pagefind writes.
"""
from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .inspect import unpack

# ~7 KB per chunk: smaller chunks make queries cheaper but the meta (the chunk list, loaded
# once per shard) longer; at 5,600 letters a shard, 4,000 locations keep the meta of the
# shards searched first well under the first query's budget (bench/search.py)
# `Settings.search_chunk_locs` (WENZHENG_SEARCH_CHUNK_LOCS) sets another: the browser tests use
# a small one, so that their few letters make many chunks for Pagefind's own search code
TARGET_LOCS = 4000
_SIGNATURE = b"pagefind_dcd"
ENTRY = "pagefind-entry.json"


class _Reader:
    """Just enough CBOR to walk Pagefind's files and keep items' bytes."""

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data, self.pos = data, pos

    def head(self) -> tuple[int, int]:
        first = self.data[self.pos]
        self.pos += 1
        major, info = first >> 5, first & 0x1F
        if info < 24:
            return major, info
        size = {24: 1, 25: 2, 26: 4, 27: 8}.get(info)
        if size is None:
            raise ValueError(f"unsupported CBOR item at {self.pos - 1}")
        value = int.from_bytes(self.data[self.pos:self.pos + size], "big")
        self.pos += size
        return major, value

    def array(self) -> int:
        major, n = self.head()
        if major != 4:
            raise ValueError(f"expected an array at {self.pos}")
        return n

    def text(self) -> str:
        major, n = self.head()
        if major != 3:
            raise ValueError(f"expected a text string at {self.pos}")
        value = self.data[self.pos:self.pos + n].decode("utf-8")
        self.pos += n
        return value

    def skip(self) -> None:
        self.pos, _ = _skip(self.data, self.pos, 1)


def _head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * size):
            return bytes([major << 5 | info]) + value.to_bytes(size, "big")
    raise ValueError("CBOR value too large")


def _text(value: str) -> bytes:
    raw = value.encode("utf-8")
    return _head(3, len(raw)) + raw


def _pack(data: bytes) -> bytes:
    return gzip.compress(_SIGNATURE + data, compresslevel=9, mtime=0)


def _name(language: str, data: bytes, length: int) -> str:
    return f"{language}_{hashlib.sha256(data).hexdigest()[:length]}"


@dataclass
class _Word:
    word: str
    raw: bytes           # the word's whole CBOR entry [word, [[page, [locs…], …], …], …]
    size: int            # Pagefind's measure: locations + pages


_INT_BYTES = [0] * 24 + [1, 2, 4, 8, 0, 0, 0, 0]     # bytes after an integer's head


def _skip(data: bytes, pos: int, count: int) -> tuple[int, int]:
    """Skip `count` items from `pos`: where they end, and how many integers they held (a
    word's page numbers and locations, Pagefind's measure of a chunk). A flat loop: the
    index holds some 1,500 integers a letter, and this runs over every one."""
    ints = 0
    while count:
        first = data[pos]
        major, info = first >> 5, first & 0x1F
        count -= 1
        if major < 2:
            ints += 1
            pos += 1 + _INT_BYTES[info]
            continue
        if info < 24:
            value, pos = info, pos + 1
        else:
            size = _INT_BYTES[info]
            if not size:
                raise ValueError(f"unsupported CBOR item at {pos}")
            value = int.from_bytes(data[pos + 1:pos + 1 + size], "big")
            pos += 1 + size
        if major == 4:
            count += value
        elif major in (2, 3):
            pos += value
        else:
            raise ValueError(f"unsupported CBOR major type {major} at {pos}")
    return pos, ints


def _read_words(data: bytes) -> list[_Word]:
    r = _Reader(data)
    r.array()                                   # WordIndex {words}
    out = []
    for _ in range(r.array()):
        start = r.pos
        fields = r.array()                      # PackedWord {word, pages, …}
        word = r.text()
        r.pos, size = _skip(data, r.pos, fields - 1)
        out.append(_Word(word, data[start:r.pos], size))
    return out


def _groups(words: list[_Word], target: int) -> list[list[_Word]]:
    groups, group, size = [], [], 0
    for word in words:
        size += word.size
        group.append(word)
        if size >= target:
            groups.append(group)
            group, size = [], 0
    if group:
        groups.append(group)
    return groups


def rechunk(bundle: Path, target: int | None = None) -> int:
    """Re-cut the word chunks of the Pagefind bundle in `bundle` to `target` locations
    (`TARGET_LOCS`); the number of chunks now."""
    target = target or TARGET_LOCS
    entry_path = bundle / ENTRY
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    chunks_now = 0
    for language, info in entry["languages"].items():
        meta_path = bundle / f"pagefind.{info['hash']}.pf_meta"
        meta = unpack(meta_path.read_bytes())
        r = _Reader(meta)
        fields = r.array()          # version, pages, chunks, filters, sorts (+ newer fields)
        if fields < 5:
            raise ValueError("unexpected Pagefind meta layout")
        start = r.pos
        r.skip()                                # version
        r.skip()                                # pages
        before_chunks = meta[start:r.pos]
        old = []
        for _ in range(r.array()):
            r.array()
            r.text(), r.text()
            old.append(r.text())
        after_chunks = meta[r.pos:]             # filters, sorts, …
        words: list[_Word] = []
        for name in old:
            path = bundle / "index" / f"{name}.pf_index"
            words += _read_words(unpack(path.read_bytes()))
        groups = _groups(words, target)
        # each chunk's first and last word in full (see the module's docstring)
        bounds = [(g[0].word, g[-1].word) for g in groups]
        listing, written = [_head(4, len(groups))], set()
        for group, (low, high) in zip(groups, bounds, strict=True):
            data = _head(4, 1) + _head(4, len(group)) + b"".join(w.raw for w in group)
            name = _name(language, data, 10)
            (bundle / "index" / f"{name}.pf_index").write_bytes(_pack(data))
            written.add(name)
            listing.append(_head(4, 3) + _text(low) + _text(high) + _text(name))
        for name in set(old) - written:
            (bundle / "index" / f"{name}.pf_index").unlink()
        new_meta = _head(4, fields) + before_chunks + b"".join(listing) + after_chunks
        meta_name = _name(language, new_meta, 11)
        meta_path.unlink()
        (bundle / f"pagefind.{meta_name}.pf_meta").write_bytes(_pack(new_meta))
        info["hash"] = meta_name
        chunks_now += len(groups)
    entry_path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")),
                          encoding="utf-8")
    return chunks_now
