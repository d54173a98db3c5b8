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

import sqlite3
import sys
from array import array
from bisect import bisect_left
from collections import Counter
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
CREATE TABLE IF NOT EXISTS posting_extra(bucket INTEGER NOT NULL, aid INTEGER NOT NULL, PRIMARY KEY(bucket, aid))
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS unfinished(since REAL NOT NULL);
CREATE TABLE IF NOT EXISTS stories(first INTEGER PRIMARY KEY, id TEXT NOT NULL, newest REAL NOT NULL,
    members BLOB NOT NULL);
"""
TABLES = ("features", "links", "df", "postings", "posting_extra", "stories", "unfinished")
IN_CHUNK = 500
EXTRA_LIMIT = 64              # articles a bucket's postings may have in ``posting_extra`` before they are rewritten
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
        self.delta: Counter[int] = Counter()
        self.empty = conn.execute("SELECT 1 FROM df LIMIT 1").fetchone() is None

    def add(self, keys: Iterable[int], sign: int = 1) -> None:
        if sign == 1:
            self.delta.update(keys)         # counted in C
        else:
            self.delta.subtract(keys)

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
        self.delta = Counter()

    def get(self, key: int, default: int = 0) -> int:
        row = self.conn.execute("SELECT n FROM df WHERE key = ?", (key,)).fetchone()
        return row[0] if row is not None else default

    def get_many(self, keys: Sequence[int]) -> dict[int, int]:
        """key -> n of those of ``keys`` in the table (a few queries, not one a key)."""
        return dict(select_in(self.conn, "SELECT key, n FROM df WHERE key IN ({})", keys))


class Packed:
    """A bucket's saved postings as sorted arrays (``pack_postings``): ``get`` finds a key by
    bisection, so reading a bucket costs a copy of its bytes, not a dict of lists."""

    __slots__ = ("aids", "keys", "offsets")

    def __init__(self, keys: array, offsets: array, aids: array) -> None:
        self.keys = keys
        self.offsets = offsets
        self.aids = aids

    @classmethod
    def of(cls, blob: bytes) -> Packed | None:
        """The postings of ``blob`` (None when it is not such a blob: they are made again)."""
        if len(blob) < 8:
            return None
        n = int.from_bytes(blob[:4], sys.byteorder)
        count = int.from_bytes(blob[4:8], sys.byteorder)
        if len(blob) != 8 + 4 * n + 4 * (n + 1) + 8 * count:
            return None
        keys, offsets, aids = array("I"), array("I"), array("q")
        a = 8 + 4 * n
        b = a + 4 * (n + 1)
        keys.frombytes(blob[8:a])
        offsets.frombytes(blob[a:b])
        aids.frombytes(blob[b:])
        if offsets[0] != 0 or offsets[-1] != count:
            return None
        return cls(keys, offsets, aids)

    def get(self, key: int) -> list[int] | None:
        keys = self.keys
        i = bisect_left(keys, key)
        if i < len(keys) and keys[i] == key:
            return self.aids[self.offsets[i] : self.offsets[i + 1]].tolist()
        return None

    def to_dict(self) -> dict[int, list[int]]:
        aids, offsets = self.aids, self.offsets
        return {key: aids[offsets[i] : offsets[i + 1]].tolist() for i, key in enumerate(self.keys)}


def pack_postings(postings: dict[int, list[int]]) -> bytes:
    """``postings`` as bytes: key count, aid count, the sorted keys, their offsets into the aids, the aids."""
    keys = sorted(postings)
    offsets = array("I", [0])
    aids = array("q")
    for key in keys:
        aids.extend(postings[key])
        offsets.append(len(aids))
    head = array("I", [len(keys), len(aids)])
    return head.tobytes() + array("I", keys).tobytes() + offsets.tobytes() + aids.tobytes()


class Bucket:
    """The articles of one time bucket that an update has read: aid -> (date, record
    data), and the postings (key -> aids) of those already indexed: the saved ones
    (``base``, when read from the story file) and those indexed since (``postings``;
    with no ``base``, all of them). ``added``: the aids indexed on top of ``base``;
    ``extra``: how many of those the story file holds in ``posting_extra``."""

    __slots__ = ("added", "base", "cap", "changed", "extra", "items", "postings", "usable")

    def __init__(self, cap: int = 1 << 30) -> None:
        self.items: dict[int, tuple[float | None, bytes]] = {}
        self.postings: dict[int, list[int]] = {}
        self.changed = False
        self.base: Packed | None = None
        self.added: list[int] = []
        self.extra = 0
        self.cap = cap
        # with no ``base``: the postings of at most ``cap`` aids (the same lists as in ``postings``;
        # a key goes when its posting grows past ``cap``), looked up in C (``linking.candidates_of``)
        self.usable: dict[int, list[int]] | None = None

    def use(self) -> None:
        """Make ``usable`` (a bucket without saved postings, once its postings are read)."""
        if self.base is None:
            cap = self.cap
            self.usable = {key: aids for key, aids in self.postings.items() if len(aids) <= cap}

    def posting(self, key: int) -> list[int] | None:
        """The aids indexed under ``key`` (None: none)."""
        found = self.postings.get(key)
        base = self.base
        if base is None:
            return found
        saved = base.get(key)
        if saved is None:
            return found
        return saved if found is None else saved + found

    def merged(self) -> dict[int, list[int]]:
        """All the postings as one dict (``base`` read into ``postings``; ``base`` gone)."""
        if self.base is not None:
            postings = self.base.to_dict()
            for key, aids in self.postings.items():
                postings.setdefault(key, []).extend(aids)
            self.postings = postings
            self.base = None
        return self.postings

    def index(self, aid: int, keys: Iterable[tuple[int, int]]) -> None:
        if self.base is not None:
            self.added.append(aid)
        postings = self.postings
        usable = self.usable
        if usable is None:
            for key, _ in keys:
                posting = postings.get(key)
                if posting is None:
                    postings[key] = [aid]
                elif posting[-1] != aid:
                    posting.append(aid)
        else:
            cap = self.cap
            for key, _ in keys:
                posting = postings.get(key)
                if posting is None:
                    postings[key] = usable[key] = [aid]
                elif posting[-1] != aid:
                    posting.append(aid)
                    if len(posting) == cap + 1:
                        del usable[key]
        self.changed = True

    def unindex(self, aid: int, keys: Iterable[int]) -> None:
        self.usable = None
        postings = self.merged()
        for key in keys:
            posting = postings.get(key)
            if posting is not None and aid in posting:
                posting.remove(aid)
                if not posting:
                    del postings[key]
        self.changed = True


class Buckets:
    """The buckets an update works in. A bucket's postings are kept in the ``postings``
    table (``Packed``: sorted arrays, read by bisection without building a dict) plus, for a
    few articles added to them since, rows of ``posting_extra`` (bucket, aid: their keys are
    in their records) instead of the blob written again;
    its records are read from ``features`` when the update first needs it. The articles
    in ``pending`` (new in this update, not yet compared) are not in the postings until
    ``Bucket.index``; ``removed`` (bucket -> (aid, its keys)) are taken out of them.
    Changed buckets are written back when dropped (``drop_before``) or at the end (``close``)."""

    def __init__(self, conn: sqlite3.Connection, pending: set[int],
                 removed: dict[int, list[tuple[int, list[int]]]], *, fresh: frozenset[int] | None = None,
                 sink: dict[int, bytes | None] | None = None, own: frozenset[int] | None = None,
                 cap: int = 1 << 30) -> None:
        self.conn = conn
        self.pending = pending
        self.removed = removed
        self.fresh = fresh          # (a worker's slice: linking.py) new articles, not in the saved postings
        self.sink = sink            # (a worker) postings to send back instead of writing them, of ``own`` buckets
        self.own = own
        self.cap = cap
        self.loaded: dict[int, Bucket] = {}
        self.lazy = False           # read records only as candidates need them (a few new articles)
        self._records: dict[int, tuple[float | None, bytes]] = {}
        self.where: dict[int, tuple[float | None, bytes]] = {}     # the records of all the loaded buckets

    def records(self, near: list[Bucket], aids: list[int]) -> dict[int, tuple[float | None, bytes]]:
        """(date, data) of those of ``aids`` in the ``near`` buckets (or, lazy, in the index)."""
        if not self.lazy:       # (an aid in a bucket's postings is in that bucket)
            where = self.where
            return {aid: where[aid] for aid in aids if aid in where}
        cache = self._records
        missing = [aid for aid in aids if aid not in cache]
        if missing:
            if len(cache) > 50000:
                cache.clear()
            if len(missing) <= 64:      # one statement, prepared once (an IN list of each length is another)
                execute = self.conn.execute
                for aid in missing:
                    row = execute("SELECT published, data FROM features WHERE aid = ?", (aid,)).fetchone()
                    if row is not None:
                        cache[aid] = row
            else:
                for aid, published, data in select_in(
                        self.conn, "SELECT aid, published, data FROM features WHERE aid IN ({})", missing):
                    cache[aid] = (published, data)
        return {aid: cache[aid] for aid in aids if aid in cache}

    def get(self, bucket: int) -> Bucket:
        found = self.loaded.get(bucket)
        if found is None:
            found = self.loaded[bucket] = Bucket(self.cap)
            items = found.items
            conn = self.conn
            row = conn.execute("SELECT data FROM postings WHERE bucket = ?", (bucket,)).fetchone()
            base = Packed.of(row[0]) if row is not None else None
            if base is None or not self.lazy or self.fresh:
                items.update((aid, (published, data)) for aid, published, data in conn.execute(
                    "SELECT aid, published, data FROM features WHERE bucket = ?", (bucket,)))
            pending = self.pending
            fresh = self.fresh
            if base is not None:
                found.base = base
                extra = conn.execute("SELECT e.aid, f.published, f.data FROM posting_extra e JOIN features f "
                                     "ON f.aid = e.aid AND f.bucket = e.bucket WHERE e.bucket = ?", (bucket,)).fetchall()
                for aid, published, data in extra:
                    if aid not in pending:
                        found.index(aid, candidate_keys(unpack(data)))
                    if self.lazy:
                        self._records[aid] = (published, data)
                found.extra = len(found.added)
                found.changed = False       # what is saved needs no writing
                if fresh:           # new articles compared before this worker's slice
                    for aid, (_, data) in items.items():
                        if aid in fresh and aid not in pending:
                            found.index(aid, candidate_keys(unpack(data)))
            else:
                if row is not None:     # unreadable: made again (and written, or deleted)
                    found.changed = True
                for aid, (_, data) in items.items():
                    if aid not in pending:
                        found.index(aid, candidate_keys(unpack(data)))
            for aid, keys in self.removed.pop(bucket, ()):
                found.unindex(aid, keys)
            found.use()
            self.where.update(items)
        return found

    def _write(self, bucket: int, found: Bucket) -> None:
        if not found.changed:
            return
        if found.base is not None and self.sink is None and len(found.added) <= EXTRA_LIMIT:
            # only articles added on top of the saved postings, a few: noted, the blob kept
            self.conn.executemany("INSERT OR IGNORE INTO posting_extra VALUES(?, ?)",
                                  [(bucket, aid) for aid in found.added[found.extra :]])
            return
        postings = found.merged()
        data = pack_postings(postings) if postings else None
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
            where = self.where
            for aid in found.items:
                del where[aid]
        return gone

    def close(self) -> None:
        """Write what changed, the buckets only removals touched included."""
        for bucket in list(self.removed):
            self.get(bucket)
        for bucket, found in self.loaded.items():
            self._write(bucket, found)
        self.loaded.clear()
        self.where.clear()


def write_postings(conn: sqlite3.Connection, rows: Iterable[tuple[int, bytes | None]]) -> None:
    """Replace the saved postings of buckets (whole: their ``posting_extra`` rows go)."""
    for bucket, data in rows:
        conn.execute("DELETE FROM posting_extra WHERE bucket = ?", (bucket,))
        if data is None:
            conn.execute("DELETE FROM postings WHERE bucket = ?", (bucket,))
        else:
            conn.execute("INSERT OR REPLACE INTO postings VALUES(?, ?)", (bucket, data))


class AllLinks:
    """Every link of the table, read in one query in key order, as arrays (about 16 bytes a
    link): a first grouping regroups nearly every article, and one query per article to
    find its links was a fifth of that. ``links(aid)`` -> {other: score}, ``other`` ascending
    (as ``SELECT b, score FROM links WHERE a = ?`` gives them)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        firsts, starts, others, scores = array("q"), array("q"), array("q"), array("d")
        last = None
        for a, b, score in conn.execute("SELECT a, b, score FROM links ORDER BY a, b"):
            if a != last:
                firsts.append(a)
                starts.append(len(others))
                last = a
            others.append(b)
            scores.append(score)
        starts.append(len(others))
        self.firsts, self.starts, self.others, self.scores = firsts, starts, others, scores

    def __call__(self, aid: int) -> dict[int, float]:
        firsts = self.firsts
        i = bisect_left(firsts, aid)
        if i < len(firsts) and firsts[i] == aid:
            start, stop = self.starts[i], self.starts[i + 1]
            return dict(zip(self.others[start:stop], self.scores[start:stop]))
        return {}


def saved_postings(conn: sqlite3.Connection) -> dict[int, dict[int, list[int]]]:
    """bucket -> key -> aids, as the story file holds them (blob and ``posting_extra``; tests)."""
    out: dict[int, dict[int, list[int]]] = {}
    for bucket, blob in conn.execute("SELECT bucket, data FROM postings"):
        packed = Packed.of(blob)
        out[bucket] = packed.to_dict() if packed is not None else {}
    for bucket, aid, data in conn.execute(
            "SELECT e.bucket, e.aid, f.data FROM posting_extra e JOIN features f ON f.aid = e.aid AND f.bucket = e.bucket"):
        postings = out.setdefault(bucket, {})
        for key, _ in candidate_keys(unpack(data)):
            posting = postings.setdefault(key, [])
            if not posting or posting[-1] != aid:
                posting.append(aid)
    return out


def insert_records(conn: sqlite3.Connection, records: Iterable[Record], window: float) -> None:
    conn.executemany("INSERT OR REPLACE INTO features VALUES(?,?,?,?,?,?,?)",
                     ((r.aid, r.version, r.published, bucket_of(r.published, window), r.provider, r.identity,
                       r.data) for r in records))


def bucket_of(published: float | None, window: float) -> int:
    return NO_TIME if published is None else int(published // window)
