"""SQLite plumbing of the marks store: schema, migrations, transactions, queries.

Internal to ``feedreader.core.marks.store`` (kept apart only to keep each file short).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from typing import Any

from feedreader.core.sql import select_in, transaction

IN_CHUNK = 900          # identities per "IN (...)" query
SCAN_ABOVE = 5000       # more identities than this: read the whole table once

# -- schema -------------------------------------------------------------------


def migrate_to_1(conn: sqlite3.Connection) -> None:
    conn.execute(
        """
        CREATE TABLE IF NOT EXISTS marks (
            identity   TEXT PRIMARY KEY NOT NULL,
            id         TEXT NOT NULL DEFAULT '',
            read       INTEGER NOT NULL DEFAULT 0 CHECK (read IN (0, 1)),
            hidden     INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
            flagged    INTEGER NOT NULL DEFAULT 0 CHECK (flagged IN (0, 1)),
            updated_at INTEGER NOT NULL            -- ms since the epoch, UTC
        ) WITHOUT ROWID
        """
    )


# Version n -> the function that upgrades a version n-1 database to n, run
# inside the migration transaction. To add v2: write ``migrate_to_2`` (ALTER
# TABLE / copy, never dropping marks), add ``2: migrate_to_2`` here, update
# COLUMNS if the table changes, and add a test that opens a v1 file.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: migrate_to_1}
SCHEMA_VERSION = max(MIGRATIONS)
COLUMNS = ("identity", "id", "read", "hidden", "flagged", "updated_at")
Flags = tuple[int, int, int]
Row = tuple[str, int, int, int, int]  # id, read, hidden, flagged, updated_at


class Damaged(Exception):
    """The database file is not a usable marks database (move it aside)."""


class TooNew(Exception):
    """The file has a newer schema than this program knows (leave it alone)."""


def is_bug(exc: BaseException) -> bool:
    """Errors that mean our SQL is wrong, not that the disk is in trouble."""
    return isinstance(exc, (sqlite3.ProgrammingError, sqlite3.IntegrityError, sqlite3.InterfaceError))


def flags_of(row: Row | None) -> Flags:
    return (row[1], row[2], row[3]) if row else (0, 0, 0)


def data_version(conn: sqlite3.Connection) -> int | None:
    try:
        return conn.execute("PRAGMA data_version").fetchone()[0]
    except sqlite3.Error:
        return None


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the schema to ``SCHEMA_VERSION``. Always writes (re-stamps the
    version), which also proves at open time that the file is writable."""

    def run(c: sqlite3.Connection) -> None:
        current = c.execute("PRAGMA user_version").fetchone()[0]
        if current > SCHEMA_VERSION:
            raise TooNew(current)
        for version in range(current + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[version](c)
        columns = tuple(r[1] for r in c.execute("PRAGMA table_info(marks)"))
        if columns != COLUMNS:
            raise Damaged("it is not a feedreader marks database")
        c.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    transaction(conn, run)


def select(conn: sqlite3.Connection, identities: Iterable[str], columns: str) -> list[tuple[Any, ...]]:
    return list(select_in(conn, f"SELECT {columns} FROM marks WHERE identity IN ({{}})", list(identities), IN_CHUNK))


def rows_of(conn: sqlite3.Connection, identities: Iterable[str]) -> dict[str, Row]:
    """identity -> (id, read, hidden, flagged, updated_at) for those that have a row."""
    keys = identities if isinstance(identities, (set, dict)) else set(identities)
    if len(keys) > SCAN_ABOVE:
        rows = conn.execute("SELECT identity, id, read, hidden, flagged, updated_at FROM marks")
        return {r[0]: r[1:] for r in rows if r[0] in keys}
    return {r[0]: r[1:] for r in select(conn, keys, "identity, id, read, hidden, flagged, updated_at")}


def upsert(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    conn.executemany(
        "INSERT INTO marks (identity, id, read, hidden, flagged, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (identity) DO UPDATE SET id = excluded.id, read = excluded.read, "
        "hidden = excluded.hidden, flagged = excluded.flagged, updated_at = excluded.updated_at",
        rows,
    )
