"""Damaging an article index the way lost writes would (tests/core and tests/ui)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from feedreader.core.library.library import Library


def damage(db: Path) -> None:
    """Overwrite every other page after the first few with garbage, as writes
    lost in a power cut would leave them (the header page stays good)."""
    data = bytearray(db.read_bytes())
    page = 4096
    for offset in range(page * 4, len(data), page * 2):
        data[offset : offset + page] = b"\xff" * page
    db.write_bytes(bytes(data))


def first_read_error(lib: Library) -> sqlite3.DatabaseError:
    with pytest.raises(sqlite3.DatabaseError) as caught:
        lib.rows(lib.order("newest"))
        lib.search("the")
    return caught.value
