"""Entry files written atomically: unnamed and linked in when complete, else a temporary renamed."""

from __future__ import annotations

import os
import stat
import sys

import pytest

from feedreader.core.feeds.parsepool import _link_new, write_file, write_files


def _listing(folder):
    return sorted(p.name for p in folder.iterdir())


def test_new_files_appear_whole_and_nothing_else_is_left(tmp_path):
    files = [(f"{n:032x}.txt", f"---\ntitle: '{n}'\n---\n".encode() * (n + 1)) for n in range(20)]
    write_files(tmp_path, files)
    assert _listing(tmp_path) == sorted(name for name, _ in files)
    for name, data in files:
        assert (tmp_path / name).read_bytes() == data
        assert stat.S_ISREG((tmp_path / name).stat().st_mode)


def test_an_existing_file_is_replaced(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"old")
    write_files(tmp_path, [("a.txt", b"new"), ("b.txt", b"bee")])
    assert (tmp_path / "a.txt").read_bytes() == b"new" and (tmp_path / "b.txt").read_bytes() == b"bee"
    assert _listing(tmp_path) == ["a.txt", "b.txt"]


def test_without_unnamed_files_the_temporary_and_rename_way(tmp_path, monkeypatch):
    monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    write_files(tmp_path, [("a.txt", b"x"), ("b.txt", b"y")])
    assert _listing(tmp_path) == ["a.txt", "b.txt"] and (tmp_path / "b.txt").read_bytes() == b"y"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="O_TMPFILE and /proc/self/fd are Linux's")
def test_linux_links_unnamed_files(tmp_path):
    dfd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        _link_new(dfd, os.O_TMPFILE, "a.txt", b"data")
        with pytest.raises(FileExistsError):
            _link_new(dfd, os.O_TMPFILE, "a.txt", b"other")
    finally:
        os.close(dfd)
    assert (tmp_path / "a.txt").read_bytes() == b"data" and _listing(tmp_path) == ["a.txt"]


def test_a_missing_folder_is_an_error(tmp_path):
    with pytest.raises(OSError):
        write_files(tmp_path / "missing", [("a.txt", b"x")])
    with pytest.raises(OSError):
        write_file(tmp_path / "missing" / "a.txt", b"x")
