"""What the last sync agreed with the feed server: the base of the three-way merge.

One SQLite file in the data dir (``Paths.sync_state``): user data, because
the difference between a local mark and the state recorded here *is* the
queue of marks not yet sent (no separate journal to keep in step). Rules as
in the other stores: WAL, ``synchronous=FULL``, ``busy_timeout``, and one
transaction per change; :meth:`SyncState.commit` writes everything one sync
learnt at once, so a sync that stops half-way leaves the previous state.

Tables: ``items`` (server item id, long form -> its feed's stream, the local
feed id, the article identity, the entry file, and the read/starred state
both sides had after the last sync), ``feeds`` (server stream -> local feed
id, URL, and the folder both sides had), ``meta`` (server URL, times, the
last error, the failure count).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from feedreader.core import sql

__all__ = ["KnownFeed", "KnownItem", "StateError", "SyncState", "SyncStatus"]

SCHEMA_VERSION = 1
T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    item_id  TEXT PRIMARY KEY NOT NULL,   -- tag:google.com,2005:reader/item/<16 hex>
    stream   TEXT NOT NULL,               -- feed/12
    feed_id  INTEGER NOT NULL,            -- FeedStore id
    identity TEXT NOT NULL,               -- the article identity (marks key)
    file     TEXT NOT NULL,               -- <feed id>/<entry file>
    read     INTEGER NOT NULL CHECK (read IN (0, 1)),
    starred  INTEGER NOT NULL CHECK (starred IN (0, 1))
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS feeds (
    stream   TEXT PRIMARY KEY NOT NULL,
    feed_id  INTEGER NOT NULL,
    url      TEXT NOT NULL,
    folder   TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY NOT NULL, value) WITHOUT ROWID;
"""


class KnownItem(NamedTuple):
    """One item as the last sync left it (a tuple: a sync reads every one of them, 10x cheaper to make
    than a frozen dataclass)."""

    item_id: str
    stream: str
    feed_id: int
    identity: str
    file: str
    read: bool
    starred: bool


@dataclass(frozen=True, slots=True)
class KnownFeed:
    stream: str
    feed_id: int
    url: str
    folder: str


@dataclass(frozen=True, slots=True)
class SyncStatus:
    server: str | None
    last_sync: float | None          # the last sync that completed
    last_attempt: float | None
    last_error: str | None           # of the last attempt, None if it worked
    fail_count: int                  # attempts failed in a row
    items: int
    feeds: int


class StateError(Exception):
    """The sync state file cannot be used (a sentence)."""


class SyncState:
    def __init__(self, path: Path | str, *, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sql.connect(str(self.path))
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                conn.close()
                raise StateError(f"{self.path} was written by a newer feedreader; it is left untouched")
            conn.executescript(_SCHEMA)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except (sqlite3.Error, OSError) as exc:
            raise StateError(f"cannot open the sync state {self.path} ({exc})") from None
        self._conn: sqlite3.Connection | None = conn

    def close(self) -> None:
        with self._lock:
            sql.close_quietly(self._conn)
            self._conn = None

    def __enter__(self) -> SyncState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, fn: Callable[[sqlite3.Connection], T], *, write: bool = False) -> T:
        with self._lock:
            if self._conn is None:
                raise StateError("the sync state is closed")
            conn = self._conn
            try:
                return sql.transaction(conn, fn) if write else fn(conn)
            except sqlite3.Error as exc:
                raise StateError(f"cannot {'save' if write else 'read'} the sync state {self.path} ({exc})") from None

    @contextmanager
    def exclusive(self) -> Iterator[bool]:
        """Hold ``<state file>.lock`` (an advisory ``flock``, released by the OS if the process dies) for
        one sync; yields False, at once, when another process or thread holds it."""
        try:
            fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StateError(f"cannot open the sync lock beside {self.path} ({exc.strerror or exc})") from None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    # -- reading ------------------------------------------------------------------------
    def items(self) -> dict[str, KnownItem]:
        rows = self._run(lambda c: c.execute(
            "SELECT item_id, stream, feed_id, identity, file, read, starred FROM items").fetchall())
        return {r[0]: KnownItem(r[0], r[1], r[2], r[3], r[4], bool(r[5]), bool(r[6])) for r in rows}

    def feeds(self) -> dict[str, KnownFeed]:
        rows = self._run(lambda c: c.execute("SELECT stream, feed_id, url, folder FROM feeds").fetchall())
        return {r[0]: KnownFeed(*r) for r in rows}

    def meta(self) -> dict[str, Any]:
        return dict(self._run(lambda c: c.execute("SELECT key, value FROM meta").fetchall()))

    def status(self) -> SyncStatus:
        def run(c: sqlite3.Connection) -> SyncStatus:
            meta = dict(c.execute("SELECT key, value FROM meta").fetchall())
            items = c.execute("SELECT count(*) FROM items").fetchone()[0]
            feeds = c.execute("SELECT count(*) FROM feeds").fetchone()[0]
            return SyncStatus(meta.get("server"), meta.get("last_sync"), meta.get("last_attempt"),
                              meta.get("last_error"), int(meta.get("fail_count") or 0), items, feeds)

        return self._run(run)

    # -- writing ------------------------------------------------------------------------
    def commit(self, *, server: str, items: Iterable[KnownItem], drop_items: Iterable[str],
               feeds: Iterable[KnownFeed], drop_feeds: Iterable[str], when: float) -> None:
        """Everything one sync agreed, in one transaction, with the time of success."""
        item_rows = [(i.item_id, i.stream, i.feed_id, i.identity, i.file, int(i.read), int(i.starred))
                     for i in items]
        feed_rows = [(f.stream, f.feed_id, f.url, f.folder) for f in feeds]
        gone_items = [(i,) for i in drop_items]
        gone_feeds = [(s,) for s in drop_feeds]

        def run(c: sqlite3.Connection) -> None:
            if (c.execute("SELECT value FROM meta WHERE key = 'server'").fetchone() or [server])[0] != server:
                c.execute("DELETE FROM items")     # another server: nothing agreed with the old one holds
                c.execute("DELETE FROM feeds")
            c.executemany("DELETE FROM items WHERE item_id = ?", gone_items)
            c.executemany("DELETE FROM feeds WHERE stream = ?", gone_feeds)
            c.executemany("INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?, ?, ?, ?)", item_rows)
            c.executemany("INSERT OR REPLACE INTO feeds VALUES (?, ?, ?, ?)", feed_rows)
            _set(c, server=server, last_sync=when, last_attempt=when, last_error=None, fail_count=0)

        self._run(run, write=True)

    def record_failure(self, error: str, *, when: float | None = None) -> None:
        at = self._clock() if when is None else when

        def run(c: sqlite3.Connection) -> None:
            row = c.execute("SELECT value FROM meta WHERE key = 'fail_count'").fetchone()
            _set(c, last_attempt=at, last_error=error, fail_count=int(row[0] or 0) + 1 if row else 1)

        self._run(run, write=True)

    def forget(self) -> None:
        """Drop everything (a new account on another server)."""
        def run(c: sqlite3.Connection) -> None:
            for table in ("items", "feeds", "meta"):
                c.execute(f"DELETE FROM {table}")

        self._run(run, write=True)


def _set(conn: sqlite3.Connection, **values: Any) -> None:
    conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", list(values.items()))
