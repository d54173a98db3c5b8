"""A damaged article index (a disposable cache, written without fsync) is
deleted with a word to the user and rebuilt, never a traceback: in the
library and the command line (a real process); the app: tests/ui."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from docs import SEED
from helpers.damage import damage, first_read_error
from feedreader.core.library.schema import damaged, index_damaged, index_path_for
from feedreader.core.library.library import Library


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    shutil.copytree(SEED.parent, folder)
    return folder


def test_library_detects_and_deletes_a_damaged_index(tmp_path, docs):
    with Library.open(tmp_path / "cache", [docs]) as lib:
        lib.refresh()
        db = lib.index.db_path
        assert not index_damaged(db) and not lib.index.discard_if_damaged() and db.exists()
    lib.close()
    damage(db)
    lib = Library.open(tmp_path / "cache", [docs])   # the header is fine: it opens
    error = first_read_error(lib)
    assert damaged(error) and not damaged(sqlite3.OperationalError("database is locked"))
    assert lib.index.discard_if_damaged() and not db.exists()
    with Library.open(tmp_path / "cache", [docs]) as again:
        assert again.refresh().parsed == len(list(docs.glob("*.txt")))
        assert again.count() == len(list(docs.glob("*.txt")))


def test_command_line_deletes_a_damaged_index_and_says_so(isolated_dirs, docs):
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "feedreader", *args], capture_output=True, text=True,
                              timeout=120)

    assert run("check", str(docs)).returncode == 0
    db = index_path_for(isolated_dirs["cache"], [docs])
    damage(db)
    proc = run("list", "--json", str(docs))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "article index" in proc.stderr and "damaged" in proc.stderr and "marks" in proc.stderr
    assert not db.exists()
    again = run("list", "--json", str(docs))
    assert again.returncode == 0 and len(again.stdout.splitlines()) == len(list(docs.glob("*.txt")))
