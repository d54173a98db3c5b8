"""The article index: a disposable SQLite cache of parsed documents.

One database per set of sources (named by a hash of their resolved paths) in
the user cache dir. It holds, per document file, the facts that tell whether
the file changed (path, size, mtime) and, per article, the columns the list
pane needs plus the full detail as a compressed JSON blob, loaded on demand.

Deleting the index never loses anything: it is rebuilt from the documents.
Unchanged files are never re-parsed; new and changed files are parsed in a
process pool (both cores) and written in batches, so a caller can show the
first rows while the rest is still being indexed.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat as stat_mod
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from feedreader.core.model import Article, Problem

SCHEMA_VERSION = 3         # 3: article_text (FTS5) for search
MAX_DEPTH = 64           # folder nesting while scanning
CHUNK = 200              # files per worker task

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files(
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    aid INTEGER,                 -- the article it holds, NULL when it failed
    problems TEXT                -- JSON list of [severity, line, message], NULL when clean
);
CREATE INDEX IF NOT EXISTS files_aid ON files(aid);
CREATE TABLE IF NOT EXISTS articles(
    aid INTEGER PRIMARY KEY,     -- signed 64-bit form of the 16-hex article id
    identity TEXT NOT NULL,
    path TEXT NOT NULL,          -- the file whose data won (the newest one)
    mtime_ns INTEGER NOT NULL,
    title TEXT NOT NULL,
    provider TEXT NOT NULL,
    domain TEXT NOT NULL,
    published INTEGER,           -- unix seconds UTC, NULL when unknown
    quality INTEGER,
    heat INTEGER,
    url TEXT,                    -- checked http(s) URL or NULL
    topics TEXT NOT NULL,        -- topics joined by U+001F
    detail BLOB NOT NULL         -- zlib(JSON(codec.article_to_dict))
);
CREATE INDEX IF NOT EXISTS articles_url ON articles(url);
-- q> and since:/before: filters (core/search.py) read these, not the wide rows
CREATE INDEX IF NOT EXISTS articles_quality ON articles(quality);
CREATE INDEX IF NOT EXISTS articles_published ON articles(published);
-- full-text search (core/search.py), rowid = aid; rows written by _store,
-- deleted with their article by the trigger (REPLACE is followed by an upsert)
CREATE VIRTUAL TABLE IF NOT EXISTS article_text USING fts5(
    title, excerpt, provider, domain, topics,
    tags,                        -- EVERY_TOKEN, then query.topic_key of each topic (topic: filters)
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3',
    columnsize = 0
);
CREATE TRIGGER IF NOT EXISTS articles_text_delete AFTER DELETE ON articles BEGIN
    DELETE FROM article_text WHERE rowid = old.aid;
END;
"""

TOPIC_SEP = "\x1f"
# in every article_text row: "every row but these" is one cheap FTS5 NOT query
EVERY_TOKEN = "\ue000"


def aid_from_id(article_id: str) -> int:
    """16 hex chars -> signed 64-bit integer (SQLite's INTEGER)."""
    value = int(article_id, 16)
    return value - (1 << 64) if value >= (1 << 63) else value


def id_from_aid(aid: int) -> str:
    return f"{aid & 0xFFFFFFFFFFFFFFFF:016x}"


def index_path_for(cache_dir: Path, sources: Sequence[Path]) -> Path:
    """The index file for this set of sources."""
    key = "\n".join(sorted(str(Path(s).resolve()) for s in sources))
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return cache_dir / "index" / f"{digest}.db"


# --------------------------------------------------------------------------
# discovery

@dataclass(frozen=True, slots=True)
class FileFact:
    path: str
    size: int
    mtime_ns: int


def _suffixes() -> tuple[str, ...]:
    from feedreader.core.documents import DOCUMENT_SUFFIXES

    return tuple(s.lower() for s in DOCUMENT_SUFFIXES)


def discover(sources: Iterable[Path], problems: list[Problem] | None = None) -> Iterator[FileFact]:
    """Every document file under ``sources`` (files are taken as given).

    Folders are walked recursively, skipping hidden entries and not following
    symlinked folders (no loops). Unreadable folders are reported in
    ``problems`` and skipped.
    """
    suffixes = _suffixes()
    seen: set[str] = set()
    for source in sources:
        source = Path(source)
        try:
            st = source.stat()
        except OSError as exc:
            if problems is not None:
                problems.append(Problem(str(source), f"cannot open: {exc.strerror or exc}"))
            continue
        if stat_mod.S_ISREG(st.st_mode):
            key = str(source.resolve())
            if key not in seen:
                seen.add(key)
                yield FileFact(key, st.st_size, st.st_mtime_ns)
            continue
        if not stat_mod.S_ISDIR(st.st_mode):
            if problems is not None:
                problems.append(Problem(str(source), "not a file or a folder"))
            continue
        stack: list[tuple[str, int]] = [(str(source.resolve()), 0)]
        while stack:
            folder, depth = stack.pop()
            try:
                with os.scandir(folder) as entries:
                    for entry in entries:
                        name = entry.name
                        if name.startswith("."):
                            continue
                        try:
                            if entry.is_dir(follow_symlinks=False):
                                if depth < MAX_DEPTH:
                                    stack.append((entry.path, depth + 1))
                                continue
                            if not name.lower().endswith(suffixes):
                                continue
                            if not entry.is_file():
                                continue
                            est = entry.stat()
                        except OSError:
                            continue
                        if entry.path not in seen:
                            seen.add(entry.path)
                            yield FileFact(entry.path, est.st_size, est.st_mtime_ns)
            except OSError as exc:
                if problems is not None:
                    problems.append(Problem(folder, f"cannot read folder: {exc.strerror or exc}"))


# --------------------------------------------------------------------------
# parsing (runs in worker processes)

Row = tuple  # (path, size, mtime_ns, article_row | None, problems_json | None, search_row | None)


def _problems_json(problems: Sequence[Problem]) -> str | None:
    if not problems:
        return None
    return json.dumps([[p.severity, p.line, p.message] for p in problems], ensure_ascii=False)


def article_row(article: Article, mtime_ns: int) -> tuple:
    from feedreader.core.codec import article_to_dict

    detail = zlib.compress(
        json.dumps(article_to_dict(article), ensure_ascii=False, separators=(",", ":")).encode(
            "utf-8", "surrogatepass"
        ),
        1,
    )
    published = int(article.published.timestamp()) if article.published else None
    return (
        aid_from_id(article.id),
        article.identity,
        article.path,
        mtime_ns,
        article.title,
        article.provider.name,
        article.provider.domain,
        published,
        article.quality,
        article.heat,
        article.url,
        TOPIC_SEP.join(article.topics),
        detail,
    )


def search_row(article: Article) -> tuple[str, str, str, str, str, str]:
    """The article_text columns (title, excerpt, provider, domain, topics, tags)."""
    from feedreader.core.query import topic_key

    return (
        article.title,
        article.excerpt,
        article.provider.name,
        article.provider.domain,
        "\n".join(article.topics),
        " ".join([EVERY_TOKEN, *(topic_key(t) for t in article.topics)]),
    )


def parse_files(facts: Sequence[tuple[str, int, int]]) -> list[Row]:
    """Parse a chunk of files; top-level so a process pool can run it."""
    from feedreader.core.documents import load_document

    out: list[Row] = []
    for path, size, mtime_ns in facts:
        article, problems = load_document(path)
        row = article_row(article, mtime_ns) if article is not None else None
        text = search_row(article) if article is not None else None
        out.append((path, size, mtime_ns, row, _problems_json(problems), text))
    return out


def decode_detail(blob: bytes) -> Article:
    from feedreader.core.codec import article_from_dict

    return article_from_dict(json.loads(zlib.decompress(blob)))


# --------------------------------------------------------------------------
# the index database

@dataclass
class RefreshReport:
    scanned: int = 0
    parsed: int = 0
    removed: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)  # folders that could not be read

    @property
    def changed(self) -> bool:
        return bool(self.parsed or self.removed)


Progress = Callable[[int, int], None]   # (done, total)


class Index:
    """The SQLite index. Thread-safe: one connection per thread."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._write_lock = threading.Lock()
        self.notice: str | None = None
        self._prepare()

    # -- connections ------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.db_path, timeout=30, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA temp_store=MEMORY")
        conn.execute("PRAGMA cache_size=-16000")
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            with self._write_lock:
                self._conns.append(conn)
        return conn

    def close(self) -> None:
        with self._write_lock:
            for conn in self._conns:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            self._conns = []
        self._local = threading.local()

    def _prepare(self) -> None:
        """Open or (re)create the index; a broken or old index is rebuilt."""
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = self.conn
            conn.executescript(_SCHEMA)
            row = conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if row is None:
                conn.execute("INSERT INTO meta VALUES('schema', ?)", (str(SCHEMA_VERSION),))
            elif row[0] != str(SCHEMA_VERSION):
                raise sqlite3.DatabaseError("old schema")
        except sqlite3.DatabaseError as exc:
            self.close()
            for suffix in ("", "-wal", "-shm"):
                try:
                    os.unlink(f"{self.db_path}{suffix}")
                except FileNotFoundError:
                    pass
            self.notice = f"rebuilt the article index at {self.db_path} ({exc})"
            conn = self.conn
            conn.executescript(_SCHEMA)
            conn.execute("INSERT INTO meta VALUES('schema', ?)", (str(SCHEMA_VERSION),))

    # -- reading ----------------------------------------------------------
    def count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM articles").fetchone()[0]

    def file_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM files").fetchone()[0]

    def problems(self) -> list[Problem]:
        out = []
        for path, text in self.conn.execute(
            "SELECT path, problems FROM files WHERE problems IS NOT NULL ORDER BY path"
        ):
            for severity, line, message in json.loads(text):
                out.append(Problem(path, message, line, severity))
        return out

    # -- refreshing -------------------------------------------------------
    def plan(self, facts: Iterable[FileFact]) -> tuple[list[FileFact], list[str], int]:
        """(new or changed files, vanished paths, unchanged count)."""
        known = {p: (s, m) for p, s, m in self.conn.execute("SELECT path, size, mtime_ns FROM files")}
        changed: list[FileFact] = []
        unchanged = 0
        for fact in facts:
            old = known.pop(fact.path, None)
            if old == (fact.size, fact.mtime_ns):
                unchanged += 1
            else:
                changed.append(fact)
        return changed, list(known), unchanged

    def refresh(
        self,
        sources: Sequence[Path],
        *,
        progress: Progress | None = None,
        on_batch: Callable[[int], None] | None = None,
        workers: int | None = None,
    ) -> RefreshReport:
        """Bring the index in step with the files under ``sources``."""
        started = time.perf_counter()
        report = RefreshReport()
        facts = list(discover(sources, report.problems))
        report.scanned = len(facts)
        changed, vanished, report.unchanged = self.plan(facts)
        with self._write_lock:
            if vanished:
                report.removed = self._remove(vanished, changed)
            total = len(changed)
            if progress:
                progress(0, total)
            if changed:
                done = 0
                for rows in self._parse(changed, workers):
                    self._store(rows)
                    done += len(rows)
                    report.parsed = done
                    if progress:
                        progress(done, total)
                    if on_batch:
                        on_batch(done)
        report.seconds = time.perf_counter() - started
        return report

    def _parse(self, changed: list[FileFact], workers: int | None) -> Iterator[list[Row]]:
        items = [(f.path, f.size, f.mtime_ns) for f in changed]
        chunks = [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]
        if workers is None:
            workers = min(os.cpu_count() or 1, 4)
        if len(items) < 400 or workers <= 1:
            for chunk in chunks:
                yield parse_files(chunk)
            return
        pool = _make_pool(workers)
        try:
            # keep a bounded number of chunks in flight so results stream back
            pending = []
            it = iter(chunks)
            for chunk in it:
                pending.append(pool.submit(parse_files, chunk))
                if len(pending) >= workers * 3:
                    break
            while pending:
                future = pending.pop(0)
                nxt = next(it, None)
                if nxt is not None:
                    pending.append(pool.submit(parse_files, nxt))
                yield future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _remove(self, vanished: list[str], changed: list[FileFact]) -> int:
        """Forget vanished files; an article whose winning file vanished is
        re-read from another file holding the same article, if any."""
        conn = self.conn
        removed = 0
        conn.execute("BEGIN IMMEDIATE")
        try:
            changing = {f.path for f in changed}
            for path in vanished:
                row = conn.execute("SELECT aid FROM files WHERE path=?", (path,)).fetchone()
                conn.execute("DELETE FROM files WHERE path=?", (path,))
                if row is None or row[0] is None:
                    continue
                aid = row[0]
                winner = conn.execute("SELECT path FROM articles WHERE aid=?", (aid,)).fetchone()
                if winner and winner[0] == path:
                    conn.execute("DELETE FROM articles WHERE aid=?", (aid,))
                    removed += 1
                    for (other, size, mtime) in conn.execute(
                        "SELECT path, size, mtime_ns FROM files WHERE aid=?", (aid,)
                    ).fetchall():
                        if other not in changing:
                            changed.append(FileFact(other, size, mtime))
                            changing.add(other)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return removed

    def _store(self, rows: list[Row]) -> None:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for path, size, mtime_ns, arow, problems, *text in rows:
                old = conn.execute("SELECT aid FROM files WHERE path=?", (path,)).fetchone()
                if old and old[0] is not None and (arow is None or arow[0] != old[0]):
                    # this file used to hold another article: drop it if this file won
                    conn.execute("DELETE FROM articles WHERE aid=? AND path=?", (old[0], path))
                aid = None
                if arow is not None:
                    aid = arow[0]
                    current = conn.execute(
                        "SELECT path, mtime_ns FROM articles WHERE aid=?", (aid,)
                    ).fetchone()
                    if current is None or current[0] == path or mtime_ns >= current[1]:
                        if current is not None and current[0] != path:
                            self._note_duplicate(conn, current[0], path)
                        conn.execute(
                            "INSERT OR REPLACE INTO articles VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)", arow
                        )
                        fts = text[0] if text and text[0] is not None else search_row(decode_detail(arow[12]))
                        conn.execute(
                            "INSERT OR REPLACE INTO article_text(rowid,title,excerpt,provider,domain,topics,tags)"
                            " VALUES(?,?,?,?,?,?,?)",
                            (aid, *fts),
                        )
                    else:
                        problems = self._with_duplicate(problems, current[0])
                conn.execute(
                    "INSERT OR REPLACE INTO files VALUES(?,?,?,?,?)", (path, size, mtime_ns, aid, problems)
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @staticmethod
    def _with_duplicate(problems: str | None, winner: str) -> str:
        items = json.loads(problems) if problems else []
        items.append(["warning", None, f"same article as {winner} (by URL); the newer file's data is shown"])
        return json.dumps(items, ensure_ascii=False)

    def _note_duplicate(self, conn: sqlite3.Connection, loser: str, winner: str) -> None:
        row = conn.execute("SELECT problems FROM files WHERE path=?", (loser,)).fetchone()
        if row is not None:
            conn.execute(
                "UPDATE files SET problems=? WHERE path=?", (self._with_duplicate(row[0], winner), loser)
            )


_HELPERS_LOCK = threading.Lock()
_PRELOAD = ["feedreader.core.index", "feedreader.core.documents", "feedreader.core.codec"]


def _make_pool(workers: int) -> Executor:
    import multiprocessing

    try:
        ctx = multiprocessing.get_context("forkserver")
    except ValueError:
        ctx = multiprocessing.get_context("spawn")
    else:
        ctx.set_forkserver_preload(_PRELOAD)  # workers start with the parser imported
    _start_helpers(ctx)
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx)


def _start_helpers(ctx) -> None:
    """Start multiprocessing's helper processes with a stderr that has a file descriptor.

    The resource tracker passes ``sys.stderr.fileno()`` to its child. Inside
    a Textual app ``sys.stderr`` is a capture object whose ``fileno()`` is -1,
    and starting the first worker fails with "bad value(s) in fds_to_keep"
    (a cold start in the app would index nothing). Start the helpers once,
    up front, with the real stderr (or /dev/null) in place.
    """
    import sys
    from multiprocessing import resource_tracker

    def usable(stream) -> bool:
        try:
            return stream is not None and stream.fileno() >= 0
        except (AttributeError, OSError, ValueError):
            return False

    with _HELPERS_LOCK:
        saved = sys.stderr
        if usable(saved):
            return
        devnull = None
        if usable(sys.__stderr__):
            sys.stderr = sys.__stderr__
        else:
            devnull = open(os.devnull, "w")
            sys.stderr = devnull
        try:
            resource_tracker.ensure_running()
            if ctx.get_start_method() == "forkserver":
                from multiprocessing import forkserver

                forkserver.ensure_running()
        finally:
            sys.stderr = saved
            if devnull is not None:
                devnull.close()
