"""A file too big to hold in memory while it is made: the open-data month files.

A month's file has one row per letter received in the month: ~28,000 rows at a million letters
over three years, tens of MB of JSON and as much CSV, and more for a busier city. Made as one
`bytes`, a build worker's memory grew with the letters per month (591 MB at a million). A
`Spool` is written piece by piece into a temporary file (kept in memory up to `IN_MEMORY`), its
size and digests counted on the way, and a sink copies it to its place in chunks
(`sinks.put`), so a worker holds a chunk, not a month.

A renderer returns a spool in place of the bytes of an output (`render.Output`); it is read
once, by the sink it is written to, and its temporary file goes when it does.
"""
from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from typing import IO

__all__ = ["Spool", "IN_MEMORY", "CHUNK"]

IN_MEMORY = 4 << 20     # a spool stays in memory up to this size, then moves to a temp file
CHUNK = 1 << 20         # what a sink reads at a time


class Spool:
    """Bytes written in pieces, then read back in chunks; `size`, `md5` and `sha256` of the
    whole, counted as it is written."""

    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)
        self._md5 = hashlib.md5()
        self._sha = hashlib.sha256()
        self.size = 0
        self._done = False

    def write(self, data: bytes) -> None:
        if self._done:
            raise ValueError("the spool is closed for writing: it has been read")
        self._file.write(data)
        self._md5.update(data)
        self._sha.update(data)
        self.size += len(data)

    def extend(self, other: Spool) -> None:
        """Append everything `other` holds."""
        for chunk in other.chunks():
            self.write(chunk)

    @property
    def md5(self) -> bytes:
        return self._md5.digest()

    @property
    def sha256(self) -> str:
        return self._sha.hexdigest()

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        """The bytes from the start, `size` at a time (writing ends with the first read)."""
        self._done = True
        self._file.seek(0)
        while chunk := self._file.read(size):
            yield chunk

    def reader(self) -> IO[bytes]:
        """The file, at its start: a body for an upload, which reads it to the end."""
        self._done = True
        self._file.seek(0)
        return self._file

    def getvalue(self) -> bytes:
        """The whole, as bytes: for the sinks that keep what they are given (`MemorySink`)."""
        return b"".join(self.chunks())

    def close(self) -> None:
        self._file.close()

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        return f"Spool({self.size} bytes)"
