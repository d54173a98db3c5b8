"""The story index's tables (SQLite) and the time buckets it reads them by.

The index keeps almost nothing in Python objects: every article's record
(``records.py``), the links between articles, the document frequencies of
the keys and the stories are rows of one SQLite database (the story file
in the cache dir, ``store.py``, or one in memory). An update reads the
articles of the time buckets it works in (``Buckets``: one window wide;
an article is compared only with the articles of its bucket and the two
beside it), builds their postings (key -> articles) there, and forgets a
bucket when the update has moved past it: a first grouping of 100,000
articles holds a few buckets at a time, not 100,000 articles' features.
"""

from __future__ import annotations

import marshal
import sqlite3
from array import array
from collections.abc import Iterable, Iterator, Sequence

from feedreader.core.stories.records import Record, candidate_keys, unpack

SCHEMA = """
CREATE TABLE IF NOT EXISTS features(aid INTEGER PRIMARY KEY, version INTEGER NOT NULL, published REAL,
    bucket INTEGER NOT NULL, provider INTEGER NOT NULL, identity TEXT NOT NULL, data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS features_bucket ON features(bucket);
CREATE TABLE IF NOT EXISTS links(a INTEGER NOT NULL, b INTEGER NOT NULL, score REAL NOT NULL, PRIMARY KEY(a, b))
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS df(key INTEGER PRIMARY KEY, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS postings(bucket INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS unfinished(since REAL NOT NULL);
CREATE TABLE IF NOT EXISTS stories(first INTEGER PRIMARY KEY, id TEXT NOT NULL, newest REAL NOT NULL,
    members BLOB NOT NULL);
"""
TABLES = ("features", "links", "df", "postings", "stories", "unfinished")
IN_CHUNK = 500
NO_TIME = -(1 << 40)          # the bucket of articles without a date (they meet only each other)


def memory_db() -> sqlite3.Connection:
    return sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)


def chunks(values: Sequence[int], size: int = IN_CHUNK) -> Iterator[list[int]]:
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def select_in(conn: sqlite3.Connection, sql: str, values: Sequence[int]) -> Iterator[tuple]:
    for chunk in chunks(values):
        yield from conn.execute(sql.format(",".join("?" * len(chunk))), chunk)


def members_blob(members: Sequence[int]) -> bytes:
    return array("q", members).tobytes()


def members_of_blob(blob: bytes) -> tuple[int, ...]:
    values = array("q")
    values.frombytes(blob)
    return tuple(values)


class SqlCounts:
    """The ``df`` table as a mapping for ``Rarity`` (``get``), plus what this update
    changed (``delta``) until it is written (``flush``)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.delta: dict[int, int] = {}
        self.empty = conn.execute("SELECT 1 FROM df LIMIT 1").fetchone() is None

    def add(self, keys: Iterable[int], sign: int = 1) -> None:
        delta = self.delta
        get = delta.get
        for key in keys:
            delta[key] = get(key, 0) + sign

    def flush(self) -> None:
        if not self.delta:
            return
        if self.empty:
            self.conn.executemany("INSERT INTO df VALUES(?, ?)", ((k, n) for k, n in self.delta.items() if n > 0))
        else:
            self.conn.executemany("INSERT INTO df VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET n = n + excluded.n",
                                  self.delta.items())
            self.conn.execute("DELETE FROM df WHERE n <= 0")
        self.empty = False
        self.delta = {}

    def get(self, key: int, default: int = 0) -> int:
        row = self.conn.execute("SELECT n FROM df WHERE key = ?", (key,)).fetchone()
        return row[0] if row is not None else default


class Bucket:
    """The articles of one time bucket that an update has read: aid -> (date, record
    data), and the postings (key -> aids) of those already indexed."""

    __slots__ = ("items", "postings", "changed")

    def __init__(self) -> None:
        self.items: dict[int, tuple[float | None, bytes]] = {}
        self.postings: dict[int, list[int]] = {}
        self.changed = False

    def index(self, aid: int, keys: Iterable[tuple[int, int]]) -> None:
        postings = self.postings
        for key, _ in keys:
            posting = postings.get(key)
            if posting is None:
                postings[key] = [aid]
            elif posting[-1] != aid:
                posting.append(aid)
        self.changed = True

    def unindex(self, aid: int, keys: Iterable[int]) -> None:
        postings = self.postings
        for key in keys:
            posting = postings.get(key)
            if posting is not None and aid in posting:
                posting.remove(aid)
                if not posting:
                    del postings[key]
        self.changed = True


class Buckets:
    """The buckets an update works in. A bucket's postings are kept in the ``postings``
    table (``marshal``: read and written in C, a fraction of a millisecond a bucket);
    its records are read from ``features`` when the update first needs it. The articles
    in ``pending`` (new in this update, not yet compared) are not in the postings until
    ``Bucket.index``; ``removed`` (bucket -> (aid, its keys)) are taken out of them.
    Changed buckets are written back when dropped (``drop_before``) or at the end (``close``)."""

    def __init__(self, conn: sqlite3.Connection, pending: set[int],
                 removed: dict[int, list[tuple[int, list[int]]]], *, fresh: frozenset[int] | None = None,
                 sink: dict[int, bytes | None] | None = None, own: frozenset[int] | None = None) -> None:
        self.conn = conn
        self.pending = pending
        self.removed = removed
        self.fresh = fresh          # (a worker's slice: linking.py) new articles, not in the saved postings
        self.sink = sink            # (a worker) postings to send back instead of writing them, of ``own`` buckets
        self.own = own
        self.loaded: dict[int, Bucket] = {}
        self.lazy = False           # read records only as candidates need them (a few new articles)
        self._records: dict[int, tuple[float | None, bytes]] = {}

    def records(self, near: list[Bucket], aids: list[int]) -> dict[int, tuple[float | None, bytes]]:
        """(date, data) of those of ``aids`` in the ``near`` buckets (or, lazy, in the index)."""
        if not self.lazy:
            out = {}
            for aid in aids:
                for bucket in near:
                    item = bucket.items.get(aid)
                    if item is not None:
                        out[aid] = item
                        break
            return out
        cache = self._records
        missing = [aid for aid in aids if aid not in cache]
        if missing:
            if len(cache) > 50000:
                cache.clear()
            for aid, published, data in select_in(
                    self.conn, "SELECT aid, published, data FROM features WHERE aid IN ({})", missing):
                cache[aid] = (published, data)
        return {aid: cache[aid] for aid in aids if aid in cache}

    def get(self, bucket: int) -> Bucket:
        found = self.loaded.get(bucket)
        if found is None:
            found = self.loaded[bucket] = Bucket()
            items = found.items
            conn = self.conn
            row = conn.execute("SELECT data FROM postings WHERE bucket = ?", (bucket,)).fetchone()
            postings = _postings(row[0]) if row is not None else None
            if postings is None or not self.lazy or self.fresh:
                items.update((aid, (published, data)) for aid, published, data in conn.execute(
                    "SELECT aid, published, data FROM features WHERE bucket = ?", (bucket,)))
            pending = self.pending
            fresh = self.fresh
            if postings is not None:
                found.postings = postings
                if fresh:           # new articles compared before this worker's slice
                    for aid, (_, data) in items.items():
                        if aid in fresh and aid not in pending:
                            found.index(aid, candidate_keys(unpack(data)))
            else:
                for aid, (_, data) in items.items():
                    if aid not in pending:
                        found.index(aid, candidate_keys(unpack(data)))
            for aid, keys in self.removed.pop(bucket, ()):
                found.unindex(aid, keys)
        return found

    def _write(self, bucket: int, found: Bucket) -> None:
        if not found.changed:
            return
        data = marshal.dumps(found.postings) if found.postings else None
        if self.sink is not None:
            if self.own is None or bucket in self.own:
                self.sink[bucket] = data
        else:
            write_postings(self.conn, [(bucket, data)])

    def drop_before(self, bucket: int) -> list[int]:
        """Write and forget the buckets before ``bucket``; the aids they held."""
        gone: list[int] = []
        for b in [b for b in self.loaded if b < bucket]:
            found = self.loaded.pop(b)
            self._write(b, found)
            gone.extend(found.items)
        return gone

    def close(self) -> None:
        """Write what changed, the buckets only removals touched included."""
        for bucket in list(self.removed):
            self.get(bucket)
        for bucket, found in self.loaded.items():
            self._write(bucket, found)
        self.loaded.clear()


def write_postings(conn: sqlite3.Connection, rows: Iterable[tuple[int, bytes | None]]) -> None:
    for bucket, data in rows:
        if data is None:
            conn.execute("DELETE FROM postings WHERE bucket = ?", (bucket,))
        else:
            conn.execute("INSERT OR REPLACE INTO postings VALUES(?, ?)", (bucket, data))


def _postings(blob: bytes) -> dict[int, list[int]] | None:
    """A bucket's saved postings (None when they cannot be read: they are made again)."""
    try:
        value = marshal.loads(blob)
    except (ValueError, EOFError, TypeError):
        return None
    return value if isinstance(value, dict) else None


def insert_records(conn: sqlite3.Connection, records: Iterable[Record], window: float) -> None:
    conn.executemany("INSERT OR REPLACE INTO features VALUES(?,?,?,?,?,?,?)",
                     ((r.aid, r.version, r.published, bucket_of(r.published, window), r.provider, r.identity,
                       r.data) for r in records))


def bucket_of(published: float | None, window: float) -> int:
    return NO_TIME if published is None else int(published // window)
