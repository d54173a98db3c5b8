"""The story index on disk: an SQLite file in the cache dir, disposable.

It is the database of the ``StoryIndex`` (``tables.py``): each article's
record (with the version of the article it was made from), the document
frequencies of the keys, the links between articles and the stories, so
that the next run opens it instead of computing them again and only new or
changed articles are grouped. Opening it reads only the stories (who is
grouped with whom); the records stay on disk until an update needs their
time buckets. It is a cache: a file of another schema, a damaged one, or one
made with other weights is deleted and the stories are computed again from
the articles.

An index that works on the file writes as it goes (one transaction per
update), so ``save`` has nothing left to write; an index held elsewhere (in
memory) is copied into the file whole.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from feedreader.core.stories.index import StoryIndex
from feedreader.core.stories.score import DEFAULT_WEIGHTS, Weights
from feedreader.core.stories.tables import SCHEMA, TABLES

SCHEMA_VERSION = 3          # 1: JSON features, the whole index loaded in memory; 2: postings as marshal
META = "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"


def store_path_for(index_path: Path) -> Path:
    """The story file next to a library's index file (``<digest>.db`` -> ``<digest>.stories.db``)."""
    return index_path.with_name(index_path.stem + ".stories.db")


def _weights_key(weights: Weights) -> str:
    return repr(weights)


class StoryStore:
    """One story file. ``index()`` -> its StoryIndex (empty when new); ``load()`` -> the
    same, or None when it holds nothing; ``save(index)``."""

    def __init__(self, path: Path, weights: Weights = DEFAULT_WEIGHTS) -> None:
        self.path = Path(path)
        self.weights = weights
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = self._open()

    def _open(self) -> sqlite3.Connection:
        try:
            conn = self._connect()
            row = conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            weights = conn.execute("SELECT value FROM meta WHERE key='weights'").fetchone()
            if row is None or row[0] != str(SCHEMA_VERSION) or weights is None or weights[0] != _weights_key(self.weights):
                conn.close()
                return self._fresh()
            conn.executescript(SCHEMA)
            conn.execute("SELECT count(*) FROM stories").fetchone()
            return conn
        except sqlite3.DatabaseError:
            return self._fresh()

    def _fresh(self) -> sqlite3.Connection:
        self._remove()
        conn = self._connect()
        conn.executescript(SCHEMA)
        conn.execute("INSERT OR REPLACE INTO meta VALUES('schema', ?)", (str(SCHEMA_VERSION),))
        conn.execute("INSERT OR REPLACE INTO meta VALUES('weights', ?)", (_weights_key(self.weights),))
        return conn

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")      # a disposable cache
        conn.execute(META)
        return conn

    def _remove(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            try:
                os.unlink(f"{self.path}{suffix}")
            except FileNotFoundError:
                pass

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> StoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ----------------------------------------------------------
    def versions(self) -> dict[int, int]:
        """aid -> the article version its saved record is of."""
        return dict(self.conn.execute("SELECT aid, version FROM features"))

    def index(self, *, jobs: int = 1) -> StoryIndex:
        """The index on this file (its stories read; the records stay on disk), comparing a
        first grouping's articles on ``jobs`` processes. A file that cannot be read is
        started afresh."""
        try:
            return StoryIndex(self.weights, conn=self.conn, jobs=jobs)
        except (sqlite3.DatabaseError, ValueError):
            self.conn.close()
            self.conn = self._fresh()
            return StoryIndex(self.weights, conn=self.conn, jobs=jobs)

    def load(self) -> StoryIndex | None:
        """The saved index, or None when there is none (or it cannot be read)."""
        try:
            index = StoryIndex(self.weights, conn=self.conn)
        except (sqlite3.DatabaseError, ValueError):
            return None
        return index if len(index) else None

    # -- writing ----------------------------------------------------------
    def save(self, index: StoryIndex) -> int:
        """Make the file hold ``index``; the number of articles written (an index on this
        file has written its changes already: those since the last save are counted)."""
        if index.conn is self.conn:
            written, index.written = index.written, 0
            return written
        conn = self.conn
        conn.execute("BEGIN")
        try:
            for table in TABLES:
                conn.execute(f"DELETE FROM {table}")
                width = len(index.conn.execute(f"SELECT * FROM {table} LIMIT 0").description)
                conn.executemany(f"INSERT INTO {table} VALUES({','.join('?' * width)})",
                                 index.conn.execute(f"SELECT * FROM {table}"))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        index.written = 0
        return len(index)
