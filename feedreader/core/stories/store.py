"""The story index on disk: an SQLite file in the cache dir, disposable.

It keeps each article's features (JSON, with the version of the article they
were computed from), the links between articles and who is grouped with
whom, so that the next run loads them instead of computing them again and
only new or changed articles are grouped. It is a cache: a file of another
schema, a damaged one, or one made with other weights is deleted and the
stories are computed again from the articles.

``save`` writes only what changed since the last save (``StoryIndex.dirty``)
when the file already holds that index, everything otherwise.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from feedreader.core.stories.features import Features
from feedreader.core.stories.index import StoryIndex
from feedreader.core.stories.score import DEFAULT_WEIGHTS, Weights

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS features(aid INTEGER PRIMARY KEY, version INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS links(a INTEGER NOT NULL, b INTEGER NOT NULL, score REAL NOT NULL, PRIMARY KEY(a, b))
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS members(aid INTEGER PRIMARY KEY, first INTEGER NOT NULL);
"""


def store_path_for(index_path: Path) -> Path:
    """The story file next to a library's index file (``<digest>.db`` -> ``<digest>.stories.db``)."""
    return index_path.with_name(index_path.stem + ".stories.db")


def _encode(f: Features) -> str:
    return json.dumps([f.identity, f.provider, f.published, f.terms, f.title_terms, f.entities, f.numbers,
                       f.links, f.url, f.sketch], ensure_ascii=False, separators=(",", ":"))


def _decode(aid: int, version: int, data: str) -> Features:
    (identity, provider, published, terms, title_terms, entities, numbers, links, url, sketch) = json.loads(data)
    return Features(aid, identity, provider, published, tuple(terms), tuple(title_terms), tuple(entities),
                    tuple(numbers), tuple(links), url, tuple(sketch), version)


def _weights_key(weights: Weights) -> str:
    return repr(weights)


class StoryStore:
    """One story file. ``load()`` -> StoryIndex (or None: start afresh), ``save(index)``."""

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
                self._remove()
                conn = self._connect()
                conn.execute("INSERT OR REPLACE INTO meta VALUES('schema', ?)", (str(SCHEMA_VERSION),))
                conn.execute("INSERT OR REPLACE INTO meta VALUES('weights', ?)", (_weights_key(self.weights),))
            return conn
        except sqlite3.DatabaseError:
            self._remove()
            conn = self._connect()
            conn.execute("INSERT OR REPLACE INTO meta VALUES('schema', ?)", (str(SCHEMA_VERSION),))
            conn.execute("INSERT OR REPLACE INTO meta VALUES('weights', ?)", (_weights_key(self.weights),))
            return conn

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")      # a disposable cache
        conn.executescript(SCHEMA)
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
        """aid -> the article version its saved features are of."""
        return dict(self.conn.execute("SELECT aid, version FROM features"))

    def load(self) -> StoryIndex | None:
        """The saved index, or None when there is none (or it cannot be read)."""
        try:
            features = [_decode(*row) for row in self.conn.execute("SELECT aid, version, data FROM features")]
            if not features:
                return None
            links = list(self.conn.execute("SELECT a, b, score FROM links"))
            members = list(self.conn.execute("SELECT aid, first FROM members"))
            token = self.conn.execute("SELECT value FROM meta WHERE key='saved'").fetchone()
        except (sqlite3.DatabaseError, ValueError, TypeError):
            return None
        index = StoryIndex(self.weights)
        index.restore(features, links, members, token[0] if token else None)
        return index

    # -- writing ----------------------------------------------------------
    def save(self, index: StoryIndex) -> int:
        """Write what changed since the last save; the number of articles written."""
        conn = self.conn
        saved = conn.execute("SELECT value FROM meta WHERE key='saved'").fetchone()
        everything = saved is None or saved[0] != index.token
        aids = list(index.features) if everything else sorted(index.dirty)
        conn.execute("BEGIN")
        try:
            if everything:
                for table in ("features", "links", "members"):
                    conn.execute(f"DELETE FROM {table}")
            else:
                for chunk in _chunks(aids):
                    marks = ",".join("?" * len(chunk))
                    conn.execute(f"DELETE FROM features WHERE aid IN ({marks})", chunk)
                    conn.execute(f"DELETE FROM links WHERE a IN ({marks}) OR b IN ({marks})", chunk + chunk)
                    conn.execute(f"DELETE FROM members WHERE aid IN ({marks})", chunk)
            conn.executemany("INSERT INTO features VALUES(?,?,?)",
                             ((a, index.features[a].version, _encode(index.features[a])) for a in aids if a in index.features))
            conn.executemany("INSERT OR REPLACE INTO links VALUES(?,?,?)", _links_of(index, aids))
            conn.executemany("INSERT OR REPLACE INTO members VALUES(?,?)", index.members_of(aids))
            conn.execute("INSERT OR REPLACE INTO meta VALUES('saved', ?)", (index.token,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        index.dirty.clear()
        return len(aids)


def _chunks(values: list[int], size: int = 400) -> Iterator[list[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _links_of(index: StoryIndex, aids: list[int]) -> Iterator[tuple[int, int, float]]:
    for a in aids:
        for b, s in index.links.get(a, {}).items():
            yield (a, b, s) if a < b else (b, a, s)
