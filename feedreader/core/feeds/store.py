"""The subscriptions store: feeds, their fetch state and the entries they gave.

One SQLite file in the user *data* dir (the caller passes its path): it is
user data, not a cache. The rules are those of the marks store:

* WAL journal, ``synchronous=FULL``, ``busy_timeout`` 5 s; every change is one
  short ``BEGIN IMMEDIATE`` transaction committed before the call returns, so
  a second process (a ``refresh`` from cron while the UI runs) may use the
  same file at the same time.
* Schema version in ``PRAGMA user_version``; ``MIGRATIONS[n]`` upgrades n-1 -> n.
* A damaged file (not a database, corrupt, or someone else's database) is
  renamed to ``<name>.corrupt-YYYYmmddTHHMMSS`` (with its -wal/-shm) and a new
  one is started; a sentence for the user goes to :attr:`FeedStore.warnings`.
  A file from a newer feedreader, or one that cannot be opened or written,
  raises :class:`StoreError` with a sentence and is left untouched.

Tables: ``feeds``, one row per subscription; ``url`` is the checked URL in
canonical form (:func:`~feedreader.core.text.canonical_url`), unique; ``title``
is the feed's own, ``user_title`` the user's ("" for none); ``next_check`` a
Unix time (0: due now); ``gone`` marks a 410; ids are never reused. ``entries``,
keyed ``(feed_id, key)``: the file an entry was written to, a hash of its
content, when it was first seen and published; a pruned entry keeps its row
with ``file = ''`` so that the next fetch does not bring it back.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

from feedreader.core import sql
from feedreader.core.feeds.opml import Subscription, clean_folder
from feedreader.core.sql import is_damage, primary_code
from feedreader.core.text import canonical_url, check_url, clean_text, url_problem

__all__ = ["DuplicateFeed", "EntryRow", "Feed", "FeedStore", "StoreError", "UnknownFeed", "read_feeds"]

TITLE_LIMIT = 300
T = TypeVar("T")


def _migrate_to_1(conn: sqlite3.Connection) -> None:
    conn.execute(
        """
        CREATE TABLE feeds (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            url           TEXT NOT NULL UNIQUE,
            title         TEXT NOT NULL DEFAULT '',
            user_title    TEXT NOT NULL DEFAULT '',
            folder        TEXT NOT NULL DEFAULT '',
            site_url      TEXT NOT NULL DEFAULT '',
            added         REAL NOT NULL,
            etag          TEXT,
            last_modified TEXT,
            last_fetch    REAL,                  -- unix time of the last attempt
            last_status   INTEGER,               -- HTTP status; NULL: no response
            not_modified  INTEGER NOT NULL DEFAULT 0 CHECK (not_modified IN (0, 1)),
            last_error    TEXT,
            next_check    REAL NOT NULL DEFAULT 0,
            fail_count    INTEGER NOT NULL DEFAULT 0,
            gone          INTEGER NOT NULL DEFAULT 0 CHECK (gone IN (0, 1)),
            refresh_every REAL,                  -- seconds; NULL: the global setting
            entry_count   INTEGER NOT NULL DEFAULT 0
        )
        """
    )
    conn.execute("CREATE INDEX feeds_next_check ON feeds (next_check)")
    conn.execute(
        """
        CREATE TABLE entries (
            feed_id      INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
            key          TEXT NOT NULL,
            file         TEXT NOT NULL,          -- '' once pruned
            content_hash TEXT NOT NULL DEFAULT '',
            first_seen   REAL NOT NULL,
            published    REAL,
            PRIMARY KEY (feed_id, key)
        ) WITHOUT ROWID
        """
    )


# a feed whose entries the sync server brings (core/sync/engine.py) is never due here:
# its next local check is 9999-12-31T23:59:59Z
NEVER = 253402300799.0


# To add v2: write _migrate_to_2 (never dropping user data), add it here,
# update the column lists, and add a test that opens a v1 file.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _migrate_to_1}
SCHEMA_VERSION = max(MIGRATIONS)


@dataclass(frozen=True)
class Feed:
    id: int
    url: str
    title: str
    user_title: str
    folder: str
    site_url: str
    added: float
    etag: str | None
    last_modified: str | None
    last_fetch: float | None
    last_status: int | None
    not_modified: bool
    last_error: str | None
    next_check: float
    fail_count: int
    gone: bool
    refresh_every: float | None
    entry_count: int

    @property
    def name(self) -> str:
        """What to show: the user's title, else the feed's, else the URL."""
        return self.user_title or self.title or self.url

    @property
    def from_server(self) -> bool:
        """Its entries come from the feed server by sync: a local refresh leaves it out
        (``FeedStore.due()`` never lists it; ``refresh --all`` and ``r`` filter on this)."""
        return self.next_check >= NEVER


FEED_COLUMNS = tuple(f.name for f in fields(Feed))  # the table's columns, in order
ENTRY_COLUMNS = ("feed_id", "key", "file", "content_hash", "first_seen", "published")
_SELECT = f"SELECT {', '.join(FEED_COLUMNS)} FROM feeds"
_ORDER = " ORDER BY folder, lower(coalesce(nullif(user_title, ''), nullif(title, ''), url)), id"


_BOOLEANS = (FEED_COLUMNS.index("not_modified"), FEED_COLUMNS.index("gone"))


def _feed(row: tuple) -> Feed:
    values = list(row)   # (positional: keywords cost a dict per feed, at 1,000 feeds at every start)
    for i in _BOOLEANS:
        values[i] = bool(values[i])
    return Feed(*values)


FeedList = list[Feed]
Names = list[str]


@dataclass(frozen=True)
class EntryRow:
    """One entry a fetch gave, as :meth:`FeedStore.record_entries` takes it."""

    key: str
    file: str
    content_hash: str = ""
    published: float | None = None


class StoreError(Exception):
    """The subscriptions database cannot be used; ``str()`` is a sentence for the user."""


class UnknownFeed(LookupError):
    """No feed with that id."""


class DuplicateFeed(ValueError):
    """The URL is subscribed already; ``feed`` is the existing subscription."""

    def __init__(self, message: str, feed: Feed) -> None:
        super().__init__(message)
        self.feed = feed


class _Damaged(Exception):
    """Not a sound feedreader subscriptions database: move it aside."""


class _TooNew(Exception):
    """Written by a newer feedreader: leave it alone."""


def _why(exc: BaseException) -> str:
    code = primary_code(exc) if isinstance(exc, sqlite3.Error) else None
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return "another program kept it locked"
    return sql.why(exc)


def _checked(url: str) -> str:
    """The canonical form of an acceptable feed URL, else ValueError with why."""
    url = url.strip() if isinstance(url, str) else url
    if check_url(url) is None:
        raise ValueError(f"'{clean_text(str(url), limit=80)}' cannot be subscribed to: it {url_problem(url)}")
    return canonical_url(url)


class FeedStore:
    """The subscriptions database at ``path`` (created with its folders).

    Use as a context manager or call :meth:`close`. Thread-safe (one
    connection, one lock); safe to share the file with another process.
    """

    def __init__(self, path: Path | str, *, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self.warnings: list[str] = []
        self._clock = clock
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        with self._lock:
            self._open()

    # -- opening and closing ---------------------------------------------------------

    def _open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create {self.path.parent} for the subscriptions ({_why(exc)})") from None
        for _attempt in range(3):
            conn = None
            inode = sql.inode(self.path)
            try:
                conn = sql.connect(str(self.path))
                self._setup(conn)
            except _Damaged as exc:
                sql.close_quietly(conn)
                self._move_aside(str(exc), inode)
                continue
            except _TooNew as exc:
                sql.close_quietly(conn)
                raise StoreError(f"{self.path} was written by a newer feedreader (schema {exc}); it is left untouched") from None
            except sqlite3.Error as exc:
                sql.close_quietly(conn)
                raise StoreError(f"cannot open the subscriptions database {self.path} ({_why(exc)})") from None
            self._conn = conn
            return
        raise StoreError(f"cannot start a new subscriptions database at {self.path}")

    def _setup(self, conn: sqlite3.Connection) -> None:
        try:
            damage = sql.quick_check(conn)
            if damage is not None:
                raise _Damaged(damage)
            sql.use_wal(conn)
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            sql.transaction(conn, self._migrate)
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):
                raise _Damaged(str(exc)) from None
            raise

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        current = conn.execute("PRAGMA user_version").fetchone()[0]
        if current > SCHEMA_VERSION:
            raise _TooNew(current)
        if current == 0 and conn.execute("SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchone()[0]:
            raise _Damaged("it is some other program's database")
        for version in range(current + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[version](conn)
        for table, expected in (("feeds", FEED_COLUMNS), ("entries", ENTRY_COLUMNS)):
            if tuple(r[1] for r in conn.execute(f"PRAGMA table_info({table})")) != expected:
                raise _Damaged("it is not a feedreader subscriptions database")
        if current != SCHEMA_VERSION:
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _move_aside(self, reason: str, inode: tuple[int, int] | None) -> None:
        try:
            target = sql.move_aside(self.path, inode, self._clock())
        except OSError as exc:
            raise StoreError(f"{self.path} is damaged ({reason}) and could not be moved aside ({_why(exc)})") from None
        if target is None:
            return  # gone, or another process replaced it already: open the new one
        self.warnings.append(
            f"{self.path} was damaged ({reason}); it was moved to {target} "
            "and a new, empty subscriptions database was started"
        )

    def close(self) -> None:
        with self._lock:
            sql.close_quietly(self._conn)
            self._conn = None

    def __enter__(self) -> FeedStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing --------------------------------------------------------------------------

    def _run(self, fn: Callable[[sqlite3.Connection], T], *, write: bool) -> T:
        with self._lock:
            if self._conn is None:
                raise StoreError("the subscriptions store is closed")
            try:
                return sql.transaction(self._conn, fn) if write else fn(self._conn)
            except (sqlite3.ProgrammingError, sqlite3.InterfaceError):
                raise
            except sqlite3.Error as exc:
                doing = "save to" if write else "read"
                raise StoreError(f"cannot {doing} the subscriptions database {self.path} ({_why(exc)})") from None

    @staticmethod
    def _row(conn: sqlite3.Connection, feed_id: int) -> Feed:
        row = conn.execute(f"{_SELECT} WHERE id = ?", (feed_id,)).fetchone()
        if row is None:
            raise UnknownFeed(f"no feed with id {feed_id}")
        return _feed(row)

    def _update(self, feed_id: int | Feed, sql: str, args: tuple[Any, ...]) -> Feed:
        fid = _id(feed_id)

        def run(conn: sqlite3.Connection) -> Feed:
            if conn.execute(f"UPDATE feeds SET {sql} WHERE id = ?", (*args, fid)).rowcount == 0:
                raise UnknownFeed(f"no feed with id {fid}")
            return self._row(conn, fid)

        return self._run(run, write=True)

    # -- subscriptions --------------------------------------------------------------------

    def add(self, url: str, title: str = "", folder: str = "") -> Feed:
        """Subscribe to ``url`` (due for a fetch at once). ValueError for a URL
        that may not be fetched; :class:`DuplicateFeed` if it is subscribed."""
        added, existing = self.add_many([Subscription(url, title, folder)])
        if existing:
            feed = existing[0]
            raise DuplicateFeed(f"{feed.url} is subscribed already (as '{clean_text(feed.name, limit=80)}')", feed)
        return added[0]

    def add_many(self, subscriptions: Iterable[Subscription]) -> tuple[FeedList, FeedList]:
        """Subscribe to many at once, in one transaction (an OPML import):
        returns (the new feeds, the feeds that were already subscribed).
        ValueError, and nothing added, if any URL may not be fetched."""
        rows = [
            (_checked(s.url), clean_text(s.title, limit=TITLE_LIMIT), clean_folder(s.folder)) for s in subscriptions
        ]
        now = self._clock()

        def run(conn: sqlite3.Connection) -> tuple[FeedList, FeedList]:
            added: FeedList = []
            existing: FeedList = []
            for url, title, folder in rows:
                old = conn.execute(f"{_SELECT} WHERE url = ?", (url,)).fetchone()
                if old is not None:
                    existing.append(_feed(old))
                    continue
                cur = conn.execute(
                    "INSERT INTO feeds (url, title, folder, added, next_check) VALUES (?, ?, ?, ?, 0)",
                    (url, title, folder, now),
                )
                added.append(self._row(conn, int(cur.lastrowid or 0)))
            return added, existing

        return self._run(run, write=True)

    def remove(self, feed_id: int | Feed) -> Names:
        """Unsubscribe; returns the file names of its entries (the caller
        decides which files to delete: flagged ones are the user's)."""
        fid = _id(feed_id)

        def run(conn: sqlite3.Connection) -> Names:
            files = [r[0] for r in conn.execute("SELECT file FROM entries WHERE feed_id = ? AND file != ''", (fid,))]
            conn.execute("DELETE FROM entries WHERE feed_id = ?", (fid,))
            if conn.execute("DELETE FROM feeds WHERE id = ?", (fid,)).rowcount == 0:
                raise UnknownFeed(f"no feed with id {fid}")
            return files

        return self._run(run, write=True)

    def rename(self, feed_id: int | Feed, title: str) -> Feed:
        """Set the user's title ("" goes back to the feed's own)."""
        return self._update(feed_id, "user_title = ?", (clean_text(title, limit=TITLE_LIMIT),))

    def move(self, feed_id: int | Feed, folder: str) -> Feed:
        """Put the feed in ``folder`` ("a/b"; "" for the top level)."""
        return self._update(feed_id, "folder = ?", (clean_folder(folder),))

    def set_refresh(self, feed_id: int | Feed, seconds: float | None) -> Feed:
        """This feed's own refresh interval (None: the global setting)."""
        if seconds is not None and not seconds > 0:
            raise ValueError(f"a refresh interval must be more than 0 seconds, got {seconds!r}")
        return self._update(feed_id, "refresh_every = ?", (seconds,))

    def get(self, id_or_url: int | str) -> Feed | None:
        """The feed with this id (an int or a string of digits) or this URL
        (compared in canonical form); None if there is none."""
        arg: int | str
        if isinstance(id_or_url, str) and not (id_or_url.strip().isascii() and id_or_url.strip().isdigit()):
            sql, arg = "url = ?", canonical_url(id_or_url.strip())
        else:
            sql, arg = "id = ?", _id(int(id_or_url) if isinstance(id_or_url, str) else id_or_url)
            if not 0 < arg < 2**63:
                return None

        def run(conn: sqlite3.Connection) -> Feed | None:
            row = conn.execute(f"{_SELECT} WHERE {sql}", (arg,)).fetchone()
            return None if row is None else _feed(row)

        return self._run(run, write=False)

    def list(self) -> FeedList:
        """Every feed, by folder then name."""
        return self._run(lambda c: [_feed(r) for r in c.execute(_SELECT + _ORDER)], write=False)

    def due(self, now: float | None = None) -> FeedList:
        """Feeds to fetch at ``now`` (default: the clock): not gone, next_check
        reached; the longest overdue first."""
        at = self._clock() if now is None else now
        sql = f"{_SELECT} WHERE gone = 0 AND next_check <= ? ORDER BY next_check, id"
        return self._run(lambda c: [_feed(r) for r in c.execute(sql, (at,))], write=False)

    # -- fetching ---------------------------------------------------------------------------

    def record_fetch(
        self, feed_id: int | Feed, *, status: int | None, next_check: float, etag: str | None = None,
        last_modified: str | None = None, not_modified: bool = False, error: str | None = None,
        new_url: str | None = None, gone: bool = False, title: str | None = None, site_url: str | None = None,
    ) -> Feed:
        """What one fetch attempt found. A failure is a call with ``error``
        (counted in ``fail_count``; a success resets it). After a full success
        (no error, not 304) ``etag``/``last_modified`` are stored as given (None
        clears them), else only a given value replaces the stored one.
        ``new_url`` (301/308) becomes the URL unless it is not fetchable or
        another feed has it (noted in ``last_error``). ``gone`` is stored as
        given (a 410; a later success clears it). ``title``/``site_url``: the
        feed's own; None leaves them."""
        return self._run(self._fetch_writer(
            feed_id, status=status, next_check=next_check, etag=etag, last_modified=last_modified,
            not_modified=not_modified, error=error, new_url=new_url, gone=gone, title=title, site_url=site_url,
        ), write=True)

    def record_refresh(self, feed_id: int | Feed, rows: Iterable[EntryRow], **fetch: Any) -> tuple[int, Feed]:
        """:meth:`record_entries` (if ``rows``) and :meth:`record_fetch`
        (``fetch``: its keywords) in one transaction: one commit (one sync
        to disk) per fetched feed. Returns (new entries, the feed)."""
        items = tuple(rows)
        entries = self._entries_writer(feed_id, items) if items else None
        fetched = self._fetch_writer(feed_id, **fetch)

        def run(conn: sqlite3.Connection) -> tuple[int, Feed]:
            new = entries(conn) if entries is not None else 0
            return new, fetched(conn)

        return self._run(run, write=True)

    def _fetch_writer(
        self, feed_id: int | Feed, *, status: int | None, next_check: float, etag: str | None = None,
        last_modified: str | None = None, not_modified: bool = False, error: str | None = None,
        new_url: str | None = None, gone: bool = False, title: str | None = None, site_url: str | None = None,
    ) -> Callable[[sqlite3.Connection], Feed]:
        fid = _id(feed_id)
        now = self._clock()
        error_text = (clean_text(error, limit=1000) or "failed") if error is not None else None
        full = error is None and not not_modified

        def run(conn: sqlite3.Connection) -> Feed:
            old = self._row(conn, fid)
            note = error_text
            url = old.url
            if new_url is not None:
                try:
                    moved = _checked(new_url)
                except ValueError as exc:
                    moved, note = old.url, _join(note, f"not following the redirect: {exc}")
                other = conn.execute("SELECT id FROM feeds WHERE url = ? AND id != ?", (moved, fid)).fetchone()
                if other is not None:
                    note = _join(note, f"moved to {moved}, which is subscribed already (feed {other[0]})")
                else:
                    url = moved
            conn.execute(
                "UPDATE feeds SET url = ?, last_fetch = ?, last_status = ?, not_modified = ?, last_error = ?, "
                "next_check = ?, fail_count = ?, gone = ?, etag = ?, last_modified = ?, title = ?, site_url = ? "
                "WHERE id = ?",
                (
                    url, now, status, int(bool(not_modified)), note, float(next_check),
                    old.fail_count + 1 if error is not None else 0, int(bool(gone)),
                    etag if full or etag is not None else old.etag,
                    last_modified if full or last_modified is not None else old.last_modified,
                    old.title if title is None else clean_text(title, limit=TITLE_LIMIT),
                    old.site_url if site_url is None else (check_url(site_url.strip()) or ""),
                    fid,
                ),
            )
            return self._row(conn, fid)

        return run

    def known_entries(self, feed_id: int | Feed) -> dict[str, tuple[str, str]]:
        """key -> (file, content_hash) of every entry this feed gave; file is
        "" for an entry that was pruned (do not write it again)."""
        fid = _id(feed_id)
        return self._run(
            lambda c: {r[0]: (r[1], r[2]) for r in c.execute(
                "SELECT key, file, content_hash FROM entries WHERE feed_id = ?", (fid,))},
            write=False,
        )

    def first_seen(self, feed_id: int | Feed, keys: Iterable[str]) -> dict[str, float]:
        """key -> when the entry was first seen (Unix time), for those of ``keys`` known."""
        fid, wanted = _id(feed_id), list(keys)

        def run(conn: sqlite3.Connection) -> dict[str, float]:
            sql = "SELECT first_seen FROM entries WHERE feed_id = ? AND key = ?"
            found = ((k, conn.execute(sql, (fid, k)).fetchone()) for k in wanted)
            return {k: float(row[0]) for k, row in found if row is not None}

        return self._run(run, write=False)

    def record_entries(self, feed_id: int | Feed, rows: Iterable[EntryRow]) -> int:
        """Store entries written for this feed (new ones, or changed ones with
        their new file/hash; ``first_seen`` is kept). Returns how many were new."""
        return self._run(self._entries_writer(feed_id, tuple(rows)), write=True)

    def _entries_writer(self, feed_id: int | Feed, items: tuple[EntryRow, ...]) -> Callable[[sqlite3.Connection], int]:
        fid = _id(feed_id)
        now = self._clock()

        def run(conn: sqlite3.Connection) -> int:
            self._row(conn, fid)
            known = {r[0] for r in conn.execute("SELECT key FROM entries WHERE feed_id = ?", (fid,))}
            conn.executemany(
                "INSERT INTO entries (feed_id, key, file, content_hash, first_seen, published) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (feed_id, key) DO UPDATE SET file = excluded.file, "
                "content_hash = excluded.content_hash, published = excluded.published",
                [(fid, e.key, e.file, e.content_hash, now, e.published) for e in items],
            )
            self._count(conn, [fid])
            return len({e.key for e in items} - known)

        return run

    def prune(self, keep_days: float, *, now: float | None = None, keep: Collection[str] = ()) -> Names:
        """Forget entries first seen and published more than ``keep_days``
        ago, except those whose file is in ``keep`` (flagged ones); returns
        their file names for the caller to delete. The rows stay (file = "")
        so that a feed still carrying them does not bring them back."""
        if not keep_days >= 0:
            raise ValueError(f"keep_days must be 0 or more, got {keep_days!r}")
        cutoff = (self._clock() if now is None else now) - keep_days * 86400

        def run(conn: sqlite3.Connection) -> Names:
            old = conn.execute(
                "SELECT feed_id, key, file FROM entries WHERE file != '' "
                "AND max(first_seen, coalesce(published, first_seen)) < ?", (cutoff,))
            gone = [r for r in old if r[2] not in keep]
            conn.executemany("UPDATE entries SET file = '' WHERE feed_id = ? AND key = ?", [r[:2] for r in gone])
            self._count(conn, sorted({r[0] for r in gone}))
            return [r[2] for r in gone]

        return self._run(run, write=True)

    @staticmethod
    def _count(conn: sqlite3.Connection, ids: Iterable[int]) -> None:
        conn.executemany(
            "UPDATE feeds SET entry_count = (SELECT count(*) FROM entries WHERE feed_id = feeds.id AND file != '') "
            "WHERE id = ?",
            [(i,) for i in ids],
        )


def read_feeds(path: Path | str) -> FeedList:
    """Every feed (as :meth:`FeedStore.list`) without a store's open: its
    ``quick_check`` reads the whole file (~20 ms at 100,000 entries, on the
    app's start path). Query-only, mode=rw (a read-only connection leaves its
    -wal and -shm behind); no file: []. Damage, another schema, a busy peer:
    the long way, through :class:`FeedStore` (moved aside, or ``StoreError``)."""
    if not Path(path).exists():
        return []
    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=rw", uri=True, timeout=1)
        try:
            conn.execute("PRAGMA query_only = 1")
            if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
                return [_feed(r) for r in conn.execute(_SELECT + _ORDER)]
        finally:
            conn.close()
    except (sqlite3.Error, TypeError, ValueError):
        pass
    with FeedStore(path) as store:
        return store.list()


def _id(feed: int | Feed) -> int:
    if isinstance(feed, Feed):
        return feed.id
    if isinstance(feed, bool) or not isinstance(feed, int):
        raise TypeError(f"a feed id, not {type(feed).__name__}")
    return feed


def _join(first: str | None, second: str) -> str:
    return second if not first else f"{first}; {second}"
