"""The article index: a disposable SQLite cache of parsed documents.

One database per set of sources (named by a hash of their resolved paths) in
the user cache dir. It holds, per document file, the facts that tell whether
the file changed (path, size, mtime) and, per article, the columns the list
pane and the search need (the excerpt among them). The rest of an article
(images, related, body) is not kept: the detail pane reads the article's file
again (``Library.article``, ~0.3 ms), which also made a cold index ~15% cheaper.

Deleting the index never loses anything: it is rebuilt from the documents.
Unchanged files are never re-parsed; new and changed files are parsed in a
process pool (both cores) and written in batches, so a caller can show the
first rows while the rest is still being indexed.

This module keeps the index in step with the files (``Index.refresh``); the
tables, their SQL, the connection and the damage check are in ``schema.py``,
the parsing and its process pool in ``pool.py``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from feedreader.core.library.pool import Row, make_pool, parse_chunk, parse_files, wait_first
from feedreader.core.library.schema import (
    BUMP_GENERATION,
    EVERY_TOKEN,
    FILE_FACTS,
    INSERT_ARTICLE,
    INSERT_FILE,
    SCHEMA_VERSION,
    TOPIC_SEP,
    begin_bulk,
    catch_up_text,
    connect,
    damaged,
    discard_damaged_index,
    end_bulk,
    index_damaged,
    index_path_for,
    remove_index,
    restore_indexes,
    set_up,
    write_transaction,
)
from feedreader.core.library.walk import ChangedFiles, FileFact, PreWalk, source_key
from feedreader.core.model import Problem
from feedreader.core.sql import select_in

# (SCHEMA_VERSION, TOPIC_SEP, EVERY_TOKEN, index_path_for and the damage
# check live in schema.py; named here too for the callers that import them
# from the index)
__all__ = [
    "EVERY_TOKEN", "SCHEMA_VERSION", "TOPIC_SEP", "Index", "Progress", "RefreshReport",
    "damaged", "discard_damaged_index", "index_damaged", "index_path_for", "remove_index",
]

CHUNK = 200              # files per worker task
FIRST_CHUNK = 48         # parsed at once in this process: the first screenful arrives early
POOL_THRESHOLD = 400     # fewer changed files than this are parsed in this process
COMMIT_ROWS = 1000       # files per transaction while indexing (the first batch goes at once)
COMMIT_SECONDS = 0.3
IN_FLIGHT = 30           # chunks per worker queued ahead: they parse on while a batch or a search-index step is written
TEXT_STEP = 5000         # a cold build copies this many articles at a time into the search index


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
    # CPU seconds: parsing (here and in the workers), writing the rows, and
    # filling the search index (apart only in a cold build: else the triggers
    # fill it as the rows are written, and it is part of write_cpu)
    parse_cpu: float = 0.0
    write_cpu: float = 0.0
    text_cpu: float = 0.0
    bulk: bool = False          # a cold build (see schema.begin_bulk)

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
        self._write_lock = threading.Lock()     # one refresh at a time
        self._conns_lock = threading.Lock()     # the list of connections (never held long)
        self.notice: str | None = None
        self._prewalk: PreWalk | None = None
        self._prepare()

    # -- connections ------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        return connect(self.db_path)

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            with self._conns_lock:
                self._conns.append(conn)
        return conn

    def start_prewalk(self, sources: Sequence[Path]) -> bool:
        """Walk ``sources`` for the next ``refresh`` in a forked child, now.

        Only while this process has a single thread (forking a threaded
        process is not safe) and where ``os.fork`` exists; False otherwise
        (the refresh then walks itself, as always).
        """
        if self._prewalk is not None or not hasattr(os, "fork") or threading.active_count() != 1:
            return False
        try:
            self._prewalk = PreWalk(self.db_path, sources)
        except OSError:
            return False
        return True

    def _take_prewalk(self, sources: Sequence[Path]) -> "PreWalk | None":
        prewalk, self._prewalk = self._prewalk, None
        if prewalk is not None and prewalk.sources != source_key(sources):
            prewalk.close()
            return None
        return prewalk

    def close(self) -> None:
        if self._prewalk is not None:
            self._prewalk.close()
            self._prewalk = None
        with self._conns_lock:
            for conn in self._conns:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            self._conns = []
        self._local = threading.local()

    def discard_if_damaged(self, error: BaseException | None = None) -> bool:
        """After an error that says "damaged" (``error``, if given, is
        checked for it): if this index file is the damaged one, close and
        delete it (it is rebuilt from the documents at the next open). True
        if it was deleted. See ``schema.discard_damaged_index``."""
        return discard_damaged_index(self.db_path, error, close=self.close)

    def _prepare(self) -> None:
        """Open or (re)create the index; a broken or old index is rebuilt."""
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            set_up(self.conn)
        except sqlite3.DatabaseError as exc:
            self.close()
            remove_index(self.db_path)
            self.notice = f"rebuilt the article index at {self.db_path} ({exc})"
            set_up(self.conn)

    # -- reading ----------------------------------------------------------
    def count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM articles").fetchone()[0]

    @property
    def write_lock(self) -> threading.Lock:
        """Held while the index is written (a refresh, scores.write)."""
        return self._write_lock

    def generation(self) -> int:
        """Bumped by every transaction that changes the articles."""
        row = self.conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    def saved_order(self, name: str, generation: int) -> bytes | None:
        row = self.conn.execute(
            "SELECT keys FROM orders WHERE name=? AND generation=?", (name, generation)
        ).fetchone()
        return row[0] if row else None

    def save_orders(self, orders: list[tuple[str, int, bytes]]) -> bool:
        """Keep computed orders for the next start; skipped (False) while this
        or another process is writing: it is only a cache."""
        if not self._write_lock.acquire(blocking=False):
            return False
        conn = self.conn
        try:
            conn.execute("PRAGMA busy_timeout=200")
            conn.execute("BEGIN IMMEDIATE")
            try:
                current = self.generation()
                conn.execute("DELETE FROM orders WHERE generation<>?", (current,))
                conn.executemany("INSERT OR REPLACE INTO orders VALUES(?,?,?)",
                                 [o for o in orders if o[1] == current])
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            return True
        except sqlite3.Error:
            return False
        finally:
            try:
                conn.execute("PRAGMA busy_timeout=30000")
            except sqlite3.Error:
                pass
            self._write_lock.release()

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
    def refresh(
        self,
        sources: Sequence[Path],
        *,
        progress: Progress | None = None,
        on_batch: Callable[[int], None] | None = None,
        workers: int | None = None,
    ) -> RefreshReport:
        """Bring the index in step with the files under ``sources``.

        Discovery streams into parsing: the first new or changed files are
        parsed here at once (the first rows reach the caller within a few
        hundred milliseconds, even when 100,000 files are new), the rest in a
        process pool while the folders are still being walked. Vanished files
        are known when the walk ends and are removed then.
        """
        started = time.perf_counter()
        report = RefreshReport()
        with self._write_lock:
            feed = ChangedFiles(self, sources, report, self._take_prewalk(sources))
            done = 0
            held: list[Row] = []
            last = time.monotonic()
            # a cold build with no reader of the list (feedreader check) creates the
            # list's indexes after the rows and writes larger batches
            listless = on_batch is None
            report.bulk = begin_bulk(self.conn, drop_indexes=listless)
            commit_rows = COMMIT_ROWS * (5 if report.bulk and listless else 1)
            copied = 0      # articles stored when the search index last caught up (cold build)

            def flush() -> None:
                nonlocal done, held, last, copied
                rows, held = held, []
                cpu = time.thread_time()
                orphans = self._store(rows)
                report.write_cpu += time.thread_time() - cpu
                if report.bulk and done + len(rows) - copied >= TEXT_STEP:
                    self._catch_up_text(report)
                    copied = done + len(rows)
                feed.stored(rows)
                if orphans:
                    feed.requeue_holders(orphans)
                done += len(rows)
                report.parsed = done
                last = time.monotonic()
                if progress:
                    progress(done, len(feed.queued))   # the total grows while the walk goes on
                if on_batch:
                    on_batch(done)

            def stored(rows: list[Row]) -> None:
                # one transaction per ~1,000 files (or 0.3 s): each commit makes
                # the search index merge, so fewer commits cost less
                held.extend(rows)
                if len(held) >= commit_rows or time.monotonic() - last >= COMMIT_SECONDS or not done:
                    flush()

            feed.fill(FIRST_CHUNK + CHUNK)   # so the first progress shows more than the first chunk
            # a small first chunk when many files are new (the first screenful comes
            # early); all of them when the walk found just a few (one batch, not two)
            if feed.settled:    # the start-up child's quick pass (walk.py): shown before its full walk
                first = feed.take_waiting(FIRST_CHUNK + CHUNK)
            else:
                first = feed.take(CHUNK if feed.exhausted else FIRST_CHUNK)
            if progress:
                progress(0, len(feed.queued))
            try:
                if first:
                    stored(self._parse_here(first, report))
                elif feed.settled and report.removed and on_batch:
                    on_batch(0)     # the quick pass found files deleted and none new
                while True:
                    for rows in self._parse(feed, workers, report):
                        stored(rows)
                    if held:
                        flush()       # may queue files that hold an article dropped just now
                    if not feed.waiting():
                        break
            except BaseException:
                if report.bulk:    # else the next refresh would write without the triggers
                    self._end_bulk(report, failed=True)
                raise
            if report.bulk:
                self._end_bulk(report)
        report.seconds = time.perf_counter() - started
        return report

    def _catch_up_text(self, report: RefreshReport) -> None:
        """One step of a cold build's search index: the articles stored since the last."""
        cpu = time.thread_time()
        with write_transaction(self.conn) as conn:
            catch_up_text(conn)
        report.text_cpu += time.thread_time() - cpu

    def _end_bulk(self, report: RefreshReport, failed: bool = False) -> None:
        """The search index catches up with the last articles of a cold build
        and the indexes it dropped are created. After a ``failed`` refresh an
        SQLite error here is not raised (the refresh's own error is; e.g. on
        a damaged file): the next open finishes the build."""
        cpu = time.thread_time()
        try:
            end_bulk(self.conn)
            report.text_cpu += time.thread_time() - cpu
            cpu = time.thread_time()
            restore_indexes(self.conn)
            report.write_cpu += time.thread_time() - cpu
        except sqlite3.Error:
            if not failed:
                raise

    @staticmethod
    def _parse_here(facts: "Sequence[FileFact]", report: RefreshReport) -> list[Row]:
        cpu = time.thread_time()
        rows = parse_files([(f.path, f.size, f.mtime_ns) for f in facts])
        report.parse_cpu += time.thread_time() - cpu
        return rows

    def _parse(self, feed: "ChangedFiles", workers: int | None, report: RefreshReport) -> Iterator[list[Row]]:
        """Rows for every file ``feed`` still holds, in chunks (a pool when many)."""
        if workers is None:
            workers = min(os.cpu_count() or 1, 4)
        feed.fill(POOL_THRESHOLD)
        if workers <= 1 or (feed.exhausted and feed.waiting() < POOL_THRESHOLD):
            while True:
                chunk = feed.take(CHUNK)
                if not chunk:
                    return
                yield self._parse_here(chunk, report)
        pool = make_pool(workers)
        try:
            # a bounded number of chunks in flight so results stream back; the
            # walk goes on while the workers parse
            pending: deque = deque()
            while True:
                while len(pending) < workers * IN_FLIGHT:
                    chunk = feed.take(CHUNK)
                    if not chunk:
                        break
                    items = [(f.path, f.size, f.mtime_ns) for f in chunk]
                    pending.append(pool.submit(parse_chunk, items))
                if not pending:
                    return
                if not pending[0].done() and not feed.exhausted:
                    feed.fill(feed.waiting() + 2000)   # walk on while waiting
                    if not pending[0].done():
                        wait_first([pending[0]], timeout=0.02)
                    continue
                rows, cpu = pending.popleft().result()
                report.parse_cpu += cpu
                yield rows
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _remove(self, vanished: list[str], changed: list[FileFact], changing: set[str] | None = None) -> int:
        """Forget vanished files; an article whose winning file vanished is
        re-read from another file holding the same article, if any (appended
        to ``changed``; ``changing``: the paths already being re-read)."""
        conn = self.conn
        removed = 0
        conn.execute("BEGIN IMMEDIATE")
        try:
            if changing is None:
                changing = {f.path for f in changed}
            gone = set(vanished)
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
                    for (other, size, mtime) in conn.execute(f"{FILE_FACTS} WHERE aid=?", (aid,)).fetchall():
                        if other not in changing and other not in gone:
                            changed.append(FileFact(other, size, mtime))
                            changing.add(other)
            if removed:
                conn.execute(BUMP_GENERATION)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return removed

    def _store(self, rows: list[Row]) -> list[int]:
        """Write one batch of parsed files in one transaction.

        The same decisions as one file after the other (a file that now holds
        another article drops its old one if it had won; of two files with
        the same article the newer wins and the other gets a warning), taken
        in Python over two bulk look-ups, then written with ``executemany``.
        Returns the articles dropped that way: other files may hold them too
        and must be read again (``refresh`` does).
        """
        conn = self.conn
        paths = [r[0] for r in rows]
        new_aids = [r[3][0] for r in rows if r[3] is not None]
        conn.execute("BEGIN IMMEDIATE")
        try:
            old_aid = dict(select_in(conn, "SELECT path, aid FROM files WHERE path IN ({})", paths))
            wanted = set(new_aids) | {a for a in old_aid.values() if a is not None}
            current = {aid: (path, mtime) for aid, path, mtime in
                       select_in(conn, "SELECT aid, path, mtime_ns FROM articles WHERE aid IN ({})", list(wanted))}
            deletes: list[tuple[int, str]] = []
            articles: dict[int, tuple] = {}
            files: dict[str, list] = {}
            notes: list[tuple[str, str]] = []       # (loser, winner) outside this batch
            orphans: set[int] = set()
            for path, size, mtime_ns, arow, problems in rows:
                old = old_aid.get(path)
                if old is not None and (arow is None or arow[0] != old):
                    # this file used to hold another article: drop it if this file won
                    if current.get(old, ("",))[0] == path:
                        deletes.append((old, path))
                        orphans.add(old)
                        del current[old]
                        articles.pop(old, None)
                aid = None
                if arow is not None:
                    aid = arow[0]
                    cur = current.get(aid)
                    if cur is None or cur[0] == path or mtime_ns >= cur[1]:
                        if cur is not None and cur[0] != path:
                            if cur[0] in files:
                                entry = files[cur[0]]
                                entry[4] = self._with_duplicate(entry[4], path)
                            else:
                                notes.append((cur[0], path))
                        articles[aid] = arow
                        current[aid] = (path, mtime_ns)
                        orphans.discard(aid)
                    else:
                        problems = self._with_duplicate(problems, cur[0])
                files[path] = [path, size, mtime_ns, aid, problems]
            if deletes:
                conn.executemany("DELETE FROM articles WHERE aid=? AND path=?", deletes)
            if articles:
                conn.executemany(INSERT_ARTICLE, articles.values())
            conn.executemany(INSERT_FILE, files.values())
            if articles or deletes:
                conn.execute(BUMP_GENERATION)
            for loser, winner in notes:
                if loser not in files:      # else its own row, written above, wins
                    self._note_duplicate(conn, loser, winner)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return sorted(orphans)

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
