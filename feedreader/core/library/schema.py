"""The article index's database: its schema, its SQL, opening it, and damage.

Everything that knows the tables of the index lives here: the schema text and
its version, the statements more than one module runs (the file facts, the
article row, the generation bump), the connection and its pragmas, and what
to do with a damaged file (the index is a cache: it is deleted and rebuilt
from the documents). ``index.py`` fills it, ``library.py`` and ``search.py``
read it.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from feedreader.core.sql import is_damage, select_in

SCHEMA_VERSION = 10        # 3: article_text (FTS5) for search; 4: order indexes; 5: aid not the rowid;
                           # 6: one prefix index (3 characters), was 1, 2 and 3; 7: no detail blob;
                           # 8: article_text reads its text from articles; 9: no prefix index;
                           # 10: author (searched), body_chars and images (scoring signals), score and reasons

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- (comments go outside the statements: a statement's text is stored in the
-- file's schema, which is kept small enough for its first page)
-- files: aid is the article it holds, NULL when it failed; problems a JSON
-- list of [severity, line, message], NULL when clean
CREATE TABLE IF NOT EXISTS files(path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    aid INTEGER, problems TEXT);
CREATE INDEX IF NOT EXISTS files_aid ON files(aid);
-- articles: id is the storage order (new rows go at the end of the table);
-- aid the signed 64-bit form of the 16-hex article id; path the file whose
-- data won (the newest one); published unix seconds UTC, NULL when unknown;
-- url a checked http(s) URL or NULL; topics joined by U+001F; excerpt for the
-- search index (article_text), which reads it from here; tags EVERY_TOKEN,
-- then query.topic_key of each topic (topic: filters)
CREATE TABLE IF NOT EXISTS articles(id INTEGER PRIMARY KEY, aid INTEGER NOT NULL UNIQUE,
    identity TEXT NOT NULL, path TEXT NOT NULL, mtime_ns INTEGER NOT NULL, title TEXT NOT NULL,
    provider TEXT NOT NULL, domain TEXT NOT NULL, published INTEGER, quality INTEGER, heat INTEGER,
    url TEXT, topics TEXT NOT NULL, excerpt TEXT NOT NULL, tags TEXT NOT NULL,
    author TEXT NOT NULL, body_chars INTEGER NOT NULL, images INTEGER NOT NULL, score INTEGER, reasons TEXT);
-- author: "" when the document names none (author: filters; words are searched in it too);
-- body_chars, images: signals of the base quality estimate (core/rules);
-- score: quality + scoring rules, 0..100 (the quality until scored); reasons: JSON list
-- of the score's reasons, NULL while not scored (new and changed articles: scores.py)
-- covering for link: filters (a scan of the URLs, not of the wide rows) and find_by_url
CREATE INDEX IF NOT EXISTS articles_url ON articles(url, aid);
-- the articles the rules have not scored yet (new and changed ones): scores.py
CREATE INDEX IF NOT EXISTS articles_unscored ON articles(aid) WHERE reasons IS NULL;
-- (aid is not the rowid: random keys would put every new wide row on a random
-- page, and a cold index of 100,000 articles wrote each page many times over)
-- the list's orders (orders.ORDER_SQL) read these, not the wide rows: the
-- "newest" and "best" orders are a scan of one covering index (~40 ms for
-- 100,000 articles instead of a 400 ms sort); q> and since:/before: filters
-- (search.py) use their leading column
CREATE INDEX IF NOT EXISTS articles_newest ON articles(published DESC, quality DESC, aid);
CREATE INDEX IF NOT EXISTS articles_best ON articles(score DESC, published DESC, aid);
CREATE INDEX IF NOT EXISTS files_problems ON files(path) WHERE problems IS NOT NULL;
-- the list's orders as packed int64 keys, saved when a library closes and used
-- by the next start while meta 'generation' (bumped by every change to the
-- articles) is the one they were computed at: a start reads 800 KB instead of
-- sorting 100,000 rows
CREATE TABLE IF NOT EXISTS orders(name TEXT PRIMARY KEY, generation INTEGER NOT NULL, keys BLOB NOT NULL);
-- full-text search (search.py), rowid = aid. Its text is the articles
-- table's (external content: not stored twice, ~30 us less per article to
-- index); the triggers keep it in step, with the old values for a delete.
-- A REPLACE deletes the old row too: connections set recursive_triggers so
-- that this delete fires the trigger.
-- No prefix index: a word start (search.word_start, 3 letters or more) is a
-- scan of the words that begin so, ~25% slower than with an index of
-- 3-letter starts, which cost ~45 us per article to build (~40% of a cold
-- index's writing); indexes for 1, 2 and 3 letters cost ~100 us.
-- (Comments inside a statement are stored in the file's schema, which is
-- kept small enough for its first page: tests/helpers/damage.py.)
CREATE VIRTUAL TABLE IF NOT EXISTS article_text USING fts5(
    title, excerpt, provider, domain, topics, tags, author,
    content = 'articles', content_rowid = 'aid',
    tokenize = 'unicode61 remove_diacritics 2',
    columnsize = 0
);
-- only the score may be updated in place (scores.py): the rest is replaced
CREATE TRIGGER IF NOT EXISTS articles_text_update
BEFORE UPDATE OF aid, title, provider, domain, excerpt, topics, tags, author ON articles BEGIN
    SELECT RAISE(ABORT, 'articles rows are replaced, never updated');
END;
-- the articles in a story with others (is:story, story:ID): storyview.py
CREATE TABLE IF NOT EXISTS story_of(aid INTEGER PRIMARY KEY, story TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS story_of_story ON story_of(story);
"""

# the triggers that keep article_text in step with articles, one statement each
# (set_up creates them; a cold build goes without them: see begin_bulk)
TEXT_COLUMNS = "title, excerpt, provider, domain, topics, tags, author"
TEXT_TRIGGERS = (
    """CREATE TRIGGER IF NOT EXISTS articles_text_insert AFTER INSERT ON articles BEGIN
    INSERT INTO article_text(rowid, title, excerpt, provider, domain, topics, tags, author)
    VALUES(new.aid, new.title, new.excerpt, new.provider, new.domain, new.topics, new.tags, new.author);
END""",
    """CREATE TRIGGER IF NOT EXISTS articles_text_delete AFTER DELETE ON articles BEGIN
    INSERT INTO article_text(article_text, rowid, title, excerpt, provider, domain, topics, tags, author)
    VALUES('delete', old.aid, old.title, old.excerpt, old.provider, old.domain, old.topics, old.tags, old.author);
END""",
)
TEXT_TRIGGER_NAMES = ("articles_text_insert", "articles_text_delete")
# the check trigger stays in SCHEMA (it is the same during a cold build)

BUMP_GENERATION = "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'"
INSERT_ARTICLE = (
    "INSERT OR REPLACE INTO articles(aid, identity, path, mtime_ns, title, provider, domain, published,"
    " quality, heat, url, topics, excerpt, tags, author, body_chars, images, score)"
    " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
INSERT_FILE = "INSERT OR REPLACE INTO files VALUES(?,?,?,?,?)"
# the facts that tell whether a document file changed since it was indexed
FILE_FACTS = "SELECT path, size, mtime_ns FROM files"

TOPIC_SEP = "\x1f"
# in every article_text row: "every row but these" is one cheap FTS5 NOT query
EVERY_TOKEN = "\ue000"


def index_path_for(cache_dir: Path, sources: Sequence[Path]) -> Path:
    """The index file for this set of sources."""
    key = "\n".join(sorted(str(Path(s).resolve()) for s in sources))
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return cache_dir / "index" / f"{digest}.db"


# --------------------------------------------------------------------------
# connections

def connect(db_path: Path | str, *, query_only: bool = False) -> sqlite3.Connection:
    """A connection to the index, usable from any thread, in autocommit mode
    (callers BEGIN themselves). ``query_only``: a reader's (the search's)."""
    conn = sqlite3.connect(db_path, timeout=30, check_same_thread=False, isolation_level=None)
    if query_only:
        conn.execute("PRAGMA query_only=1")
    else:
        conn.execute("PRAGMA journal_mode=WAL")
        # a disposable cache: no fsync (a crash of the app loses nothing in WAL
        # mode; after a power loss the index may need deleting, see README), and
        # checkpoints every 40 MB rather than 4 MB. A cold index of 100,000
        # articles spent a third of its time waiting for the disk without these.
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA wal_autocheckpoint=10000")
        conn.execute("PRAGMA recursive_triggers=ON")   # a REPLACE's delete updates article_text
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute("PRAGMA cache_size=-16000")
    return conn


def connect_read_only(db_path: Path | str) -> sqlite3.Connection:
    """A read-only connection that never creates the file (a check, a child process)."""
    return sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)


def set_up(conn: sqlite3.Connection) -> None:
    """Create what is missing of the schema. Raises ``sqlite3.DatabaseError``
    for an index of another schema version (or a file SQLite cannot read).
    A cold build that did not finish (see ``begin_bulk``) is finished here:
    the search index catches up and its triggers are put back."""
    conn.executescript(SCHEMA)
    row = conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
    if row is None:
        conn.execute("INSERT INTO meta VALUES('schema', ?)", (str(SCHEMA_VERSION),))
    elif row[0] != str(SCHEMA_VERSION):
        raise sqlite3.DatabaseError("old schema")
    conn.execute("INSERT OR IGNORE INTO meta VALUES('generation', '0')")
    if not _has_text_triggers(conn):
        end_bulk(conn)


def _has_text_triggers(conn: sqlite3.Connection) -> bool:
    found = conn.execute(
        "SELECT count(*) FROM main.sqlite_master WHERE type='trigger' AND name IN (?,?)", TEXT_TRIGGER_NAMES
    ).fetchone()[0]
    return found == len(TEXT_TRIGGER_NAMES)


# --------------------------------------------------------------------------
# a cold build: the search index is filled in bulk, not by the triggers
#
# Filling article_text from the triggers, one row at a time and one commit
# per batch, was about 2/3 of the writing process's work in a cold index
# (~0.065 ms per article at 10,000; FTS5 writes a segment at every commit
# and merges them as they pile up). A cold build drops the two triggers and
# copies the articles over in large steps (``catch_up_text``, an INSERT ...
# SELECT over the rows stored since the last step: ~0.04 ms per article).
# Meanwhile a search finds the articles stored up to the last step. meta
# 'text_upto' (the last ``articles.id`` copied) is there only during a cold
# build; a delete of a row copied already goes to article_text through a
# TEMP trigger of the building connection (gone with it). Whoever opens the
# index while the triggers are missing (after a crash, or while another
# process builds) finishes the build in one transaction: the other builder's
# steps then find no 'text_upto' and copy nothing, and its TEMP trigger
# compares with NULL and fires no more.

# the indexes a cold build with no reader of the list (``feedreader check``)
# creates after its rows, not while it writes them: kept up row by row, their
# random keys (aid, url) cost the writer ~0.025 ms per article at 100,000
# (4.35 against 1.37 CPU-s for the rows, plus 0.5 s to create them after)
BULK_INDEXES = ("files_aid", "articles_url", "articles_unscored", "articles_newest", "articles_best",
                "files_problems")
_INDEX_SQL = {line.split()[5]: line for line in SCHEMA.splitlines() if line.startswith("CREATE INDEX IF NOT EXISTS")}

TEXT_UPTO = "SELECT CAST(value AS INTEGER) FROM main.meta WHERE key='text_upto'"
# FTS5 merges a level's segments when it holds ``automerge`` of them (4 by
# default). A cold build lets 8 pile up: its steps are merged less often
# (article_text's share of a cold build at 100,000: 4.3-5.0 -> 3.6-4.8
# CPU-s, alternated; the file ~6% smaller); the end of the build sets 4
# again, so later changes merge as before (the few more segments it leaves
# are merged by them as they come)
BULK_AUTOMERGE = 8
DEFAULT_AUTOMERGE = 4
_SET_AUTOMERGE = "INSERT INTO article_text(article_text, rank) VALUES('automerge', ?)"
_BULK_DELETE = f"""CREATE TEMP TRIGGER IF NOT EXISTS bulk_text_delete AFTER DELETE ON main.articles
WHEN old.id <= ({TEXT_UPTO}) BEGIN
    INSERT INTO article_text(article_text, rowid, {TEXT_COLUMNS})
    VALUES('delete', old.aid, old.title, old.excerpt, old.provider, old.domain, old.topics, old.tags, old.author);
END"""


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK when the block raises."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def begin_bulk(conn: sqlite3.Connection, *, drop_indexes: bool = False) -> bool:
    """Start a cold build of an empty index (False, changing nothing, when
    it holds articles). Call outside a transaction. ``drop_indexes``: the
    ``BULK_INDEXES`` too, when nothing reads the list meanwhile (an open of
    the index, ``set_up``, creates them again; so does ``restore_indexes``)."""
    with write_transaction(conn):
        if conn.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is not None:
            return False
        for name in TEXT_TRIGGER_NAMES:
            conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        for name in BULK_INDEXES if drop_indexes else ():
            conn.execute(f"DROP INDEX IF EXISTS {name}")
        conn.execute("INSERT OR REPLACE INTO meta VALUES('text_upto', '0')")
        conn.execute(_BULK_DELETE)
        conn.execute(_SET_AUTOMERGE, (BULK_AUTOMERGE,))
    return True


def restore_indexes(conn: sqlite3.Connection) -> None:
    """Create the ``BULK_INDEXES`` a cold build dropped (if it did)."""
    with write_transaction(conn):
        for name in BULK_INDEXES:
            conn.execute(_INDEX_SQL[name])


def catch_up_text(conn: sqlite3.Connection) -> int:
    """Copy the articles stored since the last step into article_text (inside
    the caller's transaction); the number copied (0 when no build is on)."""
    row = conn.execute(TEXT_UPTO).fetchone()
    if row is None:
        return 0
    top = conn.execute("SELECT max(id) FROM articles").fetchone()[0]
    if top is None or top <= row[0]:
        return 0
    cur = conn.execute(
        f"INSERT INTO article_text(rowid, {TEXT_COLUMNS}) SELECT aid, {TEXT_COLUMNS} FROM articles"
        " WHERE id > ? AND id <= ? ORDER BY id", (row[0], top))
    conn.execute("UPDATE meta SET value=? WHERE key='text_upto'", (str(top),))
    return cur.rowcount


def end_bulk(conn: sqlite3.Connection) -> None:
    """Finish a cold build (or one a crash broke off): the last articles are
    copied, the triggers put back, 'text_upto' removed, in one transaction.
    Nothing to do when another connection finished it already; without
    'text_upto' and without the triggers (a new index; or one that lost
    them) the search index is rebuilt from the articles."""
    with write_transaction(conn):
        if conn.execute(TEXT_UPTO).fetchone() is not None:
            catch_up_text(conn)
        elif not _has_text_triggers(conn):
            conn.execute("INSERT INTO article_text(article_text) VALUES('rebuild')")
        for statement in TEXT_TRIGGERS:
            conn.execute(statement)
        conn.execute("DELETE FROM meta WHERE key='text_upto'")
        conn.execute(_SET_AUTOMERGE, (DEFAULT_AUTOMERGE,))
    conn.execute("DROP TRIGGER IF EXISTS temp.bulk_text_delete")


# --------------------------------------------------------------------------
# file facts

def file_facts_in(conn: sqlite3.Connection, column: str, values: Sequence[object]) -> Iterator[tuple[str, int, int]]:
    """(path, size, mtime_ns) of the files whose ``column`` (path or aid) is one of ``values``."""
    return select_in(conn, f"{FILE_FACTS} WHERE {column} IN ({{}})", values)


# --------------------------------------------------------------------------
# damage: the index is a cache, so a damaged one is deleted and rebuilt

def damaged(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it) says an SQLite file is damaged."""
    seen = 0
    while exc is not None and seen < 8:
        if isinstance(exc, sqlite3.DatabaseError) and is_damage(exc):
            return True
        exc = getattr(exc, "error", None) or exc.__cause__ or exc.__context__   # (Textual's WorkerFailed: .error)
        seen += 1
    return False


def index_damaged(db_path: Path) -> bool:
    """SQLite's quick check of an index file finds damage (or cannot read it)."""
    try:
        conn = connect_read_only(db_path)
        try:
            return [r[0] for r in conn.execute("PRAGMA quick_check(1)")] != ["ok"]
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return True


def remove_index(db_path: Path) -> None:
    """Delete an index file with its -wal and -shm files."""
    for suffix in ("", "-wal", "-shm"):
        try:
            os.unlink(f"{db_path}{suffix}")
        except FileNotFoundError:
            pass


def discard_damaged_index(
    db_path: Path, error: BaseException | None = None, *, close: Callable[[], None] | None = None
) -> bool:
    """The recovery from a damaged index, for every caller (app, CLI, Index).

    When ``error`` (if given) says an SQLite file is damaged and SQLite's
    quick check finds this index file damaged: ``close`` (the connections to
    it), delete it, and return True; it is rebuilt from the documents at the
    next open. False, touching nothing, otherwise.
    """
    if error is not None and not damaged(error):
        return False
    if not Path(db_path).exists() or not index_damaged(db_path):
        return False
    if close is not None:
        close()
    remove_index(db_path)
    return True
