"""Reading a document file (parse._read_capped): one read when it returns
every byte fstat counted, else reads on to the end or the cap. The bytes are
the file's, whatever its size; past the cap it is refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from feedreader.core.documents import parse
from feedreader.core.documents.parse import MAX_FILE_BYTES, load_document


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 65537, MAX_FILE_BYTES - 1, MAX_FILE_BYTES])
def test_every_byte_is_read(tmp_path: Path, size: int) -> None:
    data = bytes((i * 7 + 3) % 251 for i in range(size))
    path = tmp_path / "doc.txt"
    path.write_bytes(data)
    assert parse._read_capped(str(path)) == data


def test_one_byte_past_the_cap_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes(b"x" * (MAX_FILE_BYTES + 1))
    with pytest.raises(parse._TooBig):
        parse._read_capped(str(path))


def counted_reads(monkeypatch) -> list[int]:
    """The sizes ``os.read`` is asked for, from now on."""
    reads: list[int] = []
    real_read = os.read

    def read(fd: int, n: int) -> bytes:
        reads.append(n)
        return real_read(fd, n)

    monkeypatch.setattr(parse.os, "read", read)
    return reads


def test_a_file_longer_than_fstat_says_is_read_to_its_end(tmp_path: Path, monkeypatch) -> None:
    """A file that grew after fstat (or a regular file that reports size 0,
    like those in /proc): the first read is not the whole of it."""
    path = tmp_path / "doc.txt"
    path.write_bytes(b"---\ntitle: grown\n---\n")
    real_fstat = os.fstat

    class Shrunk:
        def __init__(self, st: os.stat_result) -> None:
            self.st_mode, self.st_size = st.st_mode, 0

    monkeypatch.setattr(parse.os, "fstat", lambda fd: Shrunk(real_fstat(fd)))
    reads = counted_reads(monkeypatch)
    assert parse._read_capped(str(path)) == path.read_bytes()
    # the one byte asked for past the size fstat gave, the rest, and the end
    assert reads[0] == 1 and len(reads) == 3


def test_a_whole_file_takes_one_read_of_its_size(tmp_path: Path, monkeypatch) -> None:
    """One read, for one byte more than the file has: not for the cap, whose
    buffer is an mmap, mremap and munmap per document (issue 17)."""
    path = tmp_path / "doc.txt"
    path.write_text("---\ntitle: One read\n---\nbody\n", encoding="utf-8")
    reads = counted_reads(monkeypatch)
    article, problems = load_document(path)
    assert article is not None and article.title == "One read" and article.body == "body" and not problems
    assert reads == [path.stat().st_size + 1]
