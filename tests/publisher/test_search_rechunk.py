"""Re-cutting Pagefind's word chunks (publisher/search/rechunk.py): the same words with the same
entries, each one where Pagefind's lookup looks for it, in chunks of the size asked, and the
same bytes every time."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from publisher.search import rechunk as rc
from publisher.search.index import ENTRY, run_pagefind
from publisher.search.inspect import unpack
from publisher.search.shards import Record

TEXTS = [
    "小区噪音扰民问题，夜间施工影响休息。", "住房公积金提取咨询，离职后如何办理？",
    "地铁三号线调休期间运营时间", "学区房划片政策咨询", "老旧小区加装电梯补贴申请",
    "公交车站台改造建议", "道路积水严重，请尽快疏通排水管道。", "噪音 扰民 投诉 上海上海人",
]


def _records(n: int = 40) -> list[Record]:
    out = []
    for i in range(n):
        text = TEXTS[i % len(TEXTS)] + TEXTS[(i * 3 + 1) % len(TEXTS)] + f"编号{i}"
        out.append(Record(url=f"/letters/r{i:04d}/", text=text,
                          meta={"title": text[:10], "kind": "letter"},
                          filters={"lang": ["zh"], "year": [str(2024 + i % 3)]}))
    return out


def _chunks(bundle: Path) -> tuple[list[tuple[str, str, str]], int]:
    """The meta's chunk list [(from, to, name)] and its field count."""
    entry = json.loads((bundle / ENTRY).read_text(encoding="utf-8"))
    meta = unpack((bundle / f"pagefind.{entry['languages']['und']['hash']}.pf_meta").read_bytes())
    r = rc._Reader(meta)
    fields = r.array()
    r.skip()
    r.skip()
    chunks = []
    for _ in range(r.array()):
        r.array()
        chunks.append((r.text(), r.text(), r.text()))
    return chunks, fields


def _words(bundle: Path) -> dict[str, tuple[str, bytes, int]]:
    """word → (its chunk, its CBOR entry, its size) for every word of the bundle."""
    out = {}
    for _low, _high, name in _chunks(bundle)[0]:
        for w in rc._read_words(unpack((bundle / "index" / f"{name}.pf_index").read_bytes())):
            assert w.word not in out
            out[w.word] = (name, w.raw, w.size)
    return out


def _lookup(chunks: list[tuple[str, str, str]], term: str) -> str | None:
    """Pagefind's chunk lookup (pagefind_web `try_request_indexes`, strict boundaries)."""
    return next((name for low, high, name in chunks if low <= term <= high), None)


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    """Pagefind's own bundle of the records, and a copy re-cut to small chunks."""
    work = tmp_path_factory.mktemp("rechunk")
    out, count = run_pagefind(_records(), work / "a", chunk_locs=10 ** 9)   # one chunk
    assert count == 40
    small = work / "small"
    shutil.copytree(out, small)
    made = rc.rechunk(small, target=60)
    return out, small, made


def test_every_word_keeps_its_entry_byte_for_byte(bundles):
    whole, small, _ = bundles
    before = {w: raw for w, (_, raw, _) in _words(whole).items()}
    after = {w: raw for w, (_, raw, _) in _words(small).items()}
    assert len(before) > 100
    assert after == before


def test_each_word_is_in_the_chunk_pagefinds_lookup_loads(bundles):
    _, small, made = bundles
    chunks, _ = _chunks(small)
    assert made == len(chunks) > 10
    for word, (name, _, _) in _words(small).items():
        assert _lookup(chunks, word) == name, word


def test_chunks_are_cut_at_the_size_asked_and_in_word_order(bundles):
    _, small, _ = bundles
    chunks, _ = _chunks(small)
    words = _words(small)
    order = [w for _, _, name in chunks
             for w in sorted(k for k, v in words.items() if v[0] == name)]
    assert order == sorted(words)
    for _, _, name in chunks[:-1]:
        sizes = [v[2] for v in words.values() if v[0] == name]
        # a chunk closes at the word that takes it to the target, as Pagefind's do
        assert sum(sizes) >= 60 and sum(sizes) - sizes[-1] < 60 or len(sizes) == 1


def test_the_meta_keeps_its_other_fields_and_the_old_chunks_are_gone(bundles):
    whole, small, _ = bundles
    assert _chunks(small)[1] == _chunks(whole)[1] >= 5
    listed = {f"{name}.pf_index" for _, _, name in _chunks(small)[0]}
    assert {p.name for p in (small / "index").iterdir()} == listed
    assert len(list(small.glob("*.pf_meta"))) == 1
    entry = json.loads((small / ENTRY).read_text(encoding="utf-8"))
    assert (small / f"pagefind.{entry['languages']['und']['hash']}.pf_meta").is_file()
    assert entry["languages"]["und"]["page_count"] == 40


def test_re_cutting_is_deterministic_and_re_cutting_again_changes_nothing(bundles, tmp_path):
    whole, small, _ = bundles
    again = tmp_path / "again"
    shutil.copytree(whole, again)
    rc.rechunk(again, target=60)
    files = {p.relative_to(small): p.read_bytes() for p in small.rglob("*") if p.is_file()}
    assert {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()} == files
    rc.rechunk(again, target=60)
    assert {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()} == files


def test_a_broken_chunk_is_an_error_and_leaves_the_bundle_as_it_was(bundles, tmp_path):
    whole, _, _ = bundles
    broken = tmp_path / "broken"
    shutil.copytree(whole, broken)
    victim = next((broken / "index").iterdir())
    victim.write_bytes(rc._pack(b"\x81\x99\x00\x05\x83\x40"))   # a word that is not text
    before = {p.relative_to(broken): p.read_bytes() for p in broken.rglob("*") if p.is_file()}
    with pytest.raises(ValueError):
        rc.rechunk(broken, target=60)
    after = {p.relative_to(broken): p.read_bytes() for p in broken.rglob("*") if p.is_file()}
    assert after == before
