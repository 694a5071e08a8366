"""A month's open data is made in pieces (`publisher.spool`): its digests are those of the whole,
every sink writes it as it writes bytes (unchanged: untouched), and the memory it takes does not
grow with the letters of the month."""
from __future__ import annotations

import csv
import gc
import hashlib
import io
import json
import tracemalloc

import pytest
from fake_store import published_letter

from chalicelib.domain import open_data
from chalicelib.domain.open_data import stored_row
from fakes import cst
from publisher import spool as spool_module
from publisher.families import open_data as open_data_files
from publisher.sinks import LocalFolderSink, MemorySink, S3Sink, put
from publisher.spool import Spool


def _spool(*parts: bytes) -> Spool:
    s = Spool()
    for part in parts:
        s.write(part)
    return s


def test_a_spool_counts_its_whole_and_moves_to_disk_when_big(monkeypatch):
    monkeypatch.setattr(spool_module, "IN_MEMORY", 1000)
    parts = [bytes([i]) * 300 for i in range(7)]            # 2,100 bytes: past 1,000
    s = _spool(*parts)
    whole = b"".join(parts)
    assert s.size == len(s) == len(whole)
    assert s.md5 == hashlib.md5(whole).digest()
    assert s.sha256 == hashlib.sha256(whole).hexdigest()
    assert s._file._rolled                                  # a real temporary file now
    assert b"".join(s.chunks(size=256)) == whole
    assert s.getvalue() == whole and s.reader().read() == whole
    with pytest.raises(ValueError):
        s.write(b"more")                                    # read once: closed for writing
    joined = _spool(b"head:")
    joined.extend(_spool(*parts))
    assert joined.getvalue() == b"head:" + whole


def test_put_writes_bytes_and_spools_alike_to_memory():
    sink = MemorySink()
    assert put(sink, "data/a.json", b"{}") is True
    assert put(sink, "data/b.json", _spool(b"{", b"}")) is True
    assert sink.files == {"data/a.json": b"{}", "data/b.json": b"{}"}
    assert put(sink, "data/b.json", _spool(b"{}")) is False          # the same bytes


def test_a_folder_compares_a_spool_chunk_by_chunk_and_replaces_it_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(spool_module, "CHUNK", 4)
    sink = LocalFolderSink(tmp_path)
    target = tmp_path / "data" / "letters-2026-11.json"
    assert sink.write_spool("data/letters-2026-11.json", _spool(b"0123456789")) is True
    assert target.read_bytes() == b"0123456789"
    assert sink.write_spool("data/letters-2026-11.json", _spool(b"01234", b"56789")) is False
    # the same size, one byte different in the last chunk; then longer, then shorter
    for data in (b"012345678X", b"0123456789AB", b"01"):
        assert sink.write_spool("data/letters-2026-11.json", _spool(data)) is True
        assert target.read_bytes() == data
    assert sorted(p.name for p in target.parent.iterdir()) == ["letters-2026-11.json"]
    assert sink.changed.count("data/letters-2026-11.json") == 4


def test_a_bucket_takes_a_spool_from_its_file_and_skips_it_unchanged(s3, monkeypatch):
    monkeypatch.setattr(spool_module, "IN_MEMORY", 64)              # uploaded from disk
    data = b'{"rows": [' + b",".join(b'{"row": %d}' % n for n in range(200)) + b"]}"
    sink = S3Sink("site", client=s3)
    sink.begin()                                                    # incremental: HEAD, PUT
    assert sink.write_spool("data/letters-2026-11.json", _spool(data[:100], data[100:])) is True
    got = s3.get_object(Bucket="site", Key="data/letters-2026-11.json")
    assert got["Body"].read() == data
    assert got["ContentType"] == "application/json; charset=utf-8"
    assert got["ETag"].strip('"') == hashlib.md5(data).hexdigest()
    assert sink.write_spool("data/letters-2026-11.json", _spool(data)) is False
    sink.finish()
    # a full build: the listing's ETag equals the spool's md5, so nothing is uploaded
    sink.begin(full=True)
    assert sink.write_spool("data/letters-2026-11.json", _spool(data)) is False
    assert sink.write_spool("data/letters-2026-12.json", _spool(data, b" ")) is True
    sink.finish()
    assert s3.get_object(Bucket="site", Key="data/letters-2026-12.json")["Body"].read() \
        == data + b" "


class _Snap:
    """What the month file reads: its rows, streamed (the list form would hold them all)."""

    def __init__(self, rows):
        self._rows = rows
        self.memo: dict = {}
        self.store = None

    def open_rows_in_month(self, month):
        return self._rows


class _Renderer:
    def __init__(self, rows):
        self.snap = _Snap(rows)


def _rows(n: int):
    """`n` stored rows like a real letter's, each a new dict, made as they are read."""
    template = stored_row(published_letter("tpl0001", cst(2026, 11, 3, 9)))
    for i in range(n):
        yield dict(template, url=f"/letters/m{i:07d}/",
                   status="rejected" if i % 10 == 0 else template["status"],
                   duplicate=i % 20 == 0)


def _month(n: int) -> dict[str, bytes]:
    return {path: data.getvalue() if isinstance(data, Spool) else data
            for path, data in open_data_files.letters_data(_Renderer(_rows(n)), "2026-11")}


def test_the_month_file_is_the_same_whatever_the_batches(monkeypatch):
    whole = _month(23)
    monkeypatch.setattr(open_data_files, "BATCH", 4)
    assert _month(23) == whole
    monkeypatch.setattr(open_data_files, "BATCH", 23)               # one batch exactly
    assert _month(23) == whole
    doc = json.loads(whole["data/letters-2026-11.json"])
    assert [r["row"] for r in doc["rows"]] == list(range(1, 24))
    assert doc["received"] == 23 and doc["invalid"] == 3 - 2 and doc["duplicate"] == 2
    assert doc["valid"] == 23 - 3
    table = list(csv.reader(io.StringIO(whole["data/letters-2026-11.csv"].decode())))
    assert table[0] == list(open_data.COLUMNS) and len(table) == 24
    assert _month(0) == {}                                          # no letters: no file


def _peak_bytes(n: int) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        outputs = open_data_files.letters_data(_Renderer(_rows(n)), "2026-11")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert all(isinstance(data, Spool) for _, data in outputs)
    assert outputs[1][1].size > 300 * n                             # the rows are all there
    return peak


def test_a_month_of_twenty_thousand_letters_takes_the_memory_of_two_thousand(monkeypatch):
    monkeypatch.setattr(spool_module, "IN_MEMORY", 256 << 10)      # the spools go to disk
    small, large = _peak_bytes(2_000), _peak_bytes(20_000)
    # held whole, ten times the rows took ten times the memory (~25 MB here)
    assert large < 1.5 * small, (small, large)
