"""SQLite helpers shared by the rooms that keep a database (library, marks).

``select_in`` runs a query with an ``IN (...)`` list of any length in chunks
of bound parameters (SQLite caps the number of parameters of one statement);
``primary_code`` and ``is_damage`` read an ``sqlite3.Error``'s result code.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

IN_CHUNK = 500      # bound parameters per query of ``select_in``


def select_in(conn: sqlite3.Connection, sql: str, values: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Any]:
    """The rows of ``sql``, whose ``IN ({})`` takes ``values``, in chunks of
    ``size`` bound parameters (no rows when ``values`` is empty)."""
    for start in range(0, len(values), size):
        chunk = list(values[start : start + size])
        yield from conn.execute(sql.format(",".join("?" * len(chunk))), chunk)


def primary_code(exc: BaseException) -> int | None:
    """SQLite's primary result code of ``exc`` (None: not an SQLite error)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def is_damage(exc: BaseException) -> bool:
    """``exc`` itself says the database file is corrupt or not a database."""
    return primary_code(exc) in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
