"""Finding the document files under the sources, and which of them changed.

``walk``: every document file (path, size, mtime_ns) under the sources. ``PreWalk``: the same walk for the next refresh of an index, done in
a forked child while the app starts, comparing with the index's stored file
facts and streaming back only what the refresh needs.
"""

from __future__ import annotations

import os
import pickle
import signal
import stat as stat_mod
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any
from pathlib import Path

from feedreader.core.library.schema import connect_read_only, file_facts_in, known_files
from feedreader.core.model import Problem

if TYPE_CHECKING:
    from feedreader.core.library.index import Index, RefreshReport
    from feedreader.core.library.pool import Row

MAX_DEPTH = 64           # folder nesting while scanning

Found = tuple[str, int, int]            # (path, size, mtime_ns) as the walk finds them


@dataclass(frozen=True, slots=True)
class FileFact:
    path: str
    size: int
    mtime_ns: int


def _suffixes() -> tuple[str, ...]:
    from feedreader.core.documents.parse import DOCUMENT_SUFFIXES

    return tuple(s.lower() for s in DOCUMENT_SUFFIXES)


def walk(sources: Iterable[Path], problems: list[Problem] | None = None) -> Iterator[Found]:
    """Every document file under ``sources`` (files are taken as given), as
    (path, size, mtime_ns) tuples.

    Folders are walked recursively, skipping hidden entries and not following
    symlinked folders (no loops). Unreadable folders are reported in
    ``problems`` and skipped. The refresh of an index of 100,000 files walks
    them all, so the loop is kept tight. One source yields each path once by
    itself: only several sources, which may overlap, are checked for repeats."""
    suffixes = _suffixes()
    sources = tuple(sources)
    seen: set[str] | None = set() if len(sources) > 1 else None
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
            if seen is None or key not in seen:
                if seen is not None:
                    seen.add(key)
                yield key, st.st_size, st.st_mtime_ns
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
                        if name[0] == ".":
                            continue
                        try:
                            if entry.is_dir(follow_symlinks=False):
                                if depth < MAX_DEPTH:
                                    stack.append((entry.path, depth + 1))
                                continue
                            if not name.lower().endswith(suffixes) or not entry.is_file():
                                continue
                            est = entry.stat()
                        except OSError:
                            continue
                        path = entry.path
                        if seen is None:
                            yield path, est.st_size, est.st_mtime_ns
                        elif path not in seen:
                            seen.add(path)
                            yield path, est.st_size, est.st_mtime_ns
            except OSError as exc:
                if problems is not None:
                    problems.append(Problem(folder, f"cannot read folder: {exc.strerror or exc}"))


def source_key(sources: Sequence[Path]) -> tuple[str, ...]:
    return tuple(str(Path(s).resolve()) for s in sources)


class PreWalk:
    """The walk of the next refresh, done in a forked child process.

    ``feedreader`` starts it before it imports the UI: walking 100,000 files
    (a stat each) and comparing them with the index takes ~0.6 s of CPU,
    which then runs on the other core while the app starts, instead of in
    the app's process after it. The child reads the index's file facts with
    its own read-only connection, walks, and streams back only what the
    refresh needs: the new and changed files (the first few at once, for a
    cold start's first screenful), then the counts and the vanished paths.
    If the stream breaks, the refresh walks by itself. (Splitting the
    stat calls over two processes was tried: with the app's own start-up on
    the other core it was no faster at 100,000 files.)
    """

    FIRST, BATCH = 64, 2000
    stream: IO[bytes] | None

    def __init__(self, db_path: Path, sources: Sequence[Path]) -> None:
        self.sources = source_key(sources)
        self.pid = 0
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns, never runs the parent's cleanup
            code = 1
            try:
                os.close(read_fd)
                with os.fdopen(write_fd, "wb") as out:
                    _prewalk_child(db_path, sources, out, self.FIRST, self.BATCH)
                code = 0
            finally:
                os._exit(code)
        os.close(write_fd)
        self.pid = pid
        self.stream = os.fdopen(read_fd, "rb")

    def read(self) -> tuple[str, Any]:
        """The child's next message, as it pickled it: ``("files", [Found, ...])``,
        then ``("done", (scanned, unchanged, vanished paths, problems))``."""
        if self.stream is None:
            raise EOFError("the walk was closed")
        return pickle.load(self.stream)

    def close(self) -> None:
        stream, self.stream = getattr(self, "stream", None), None
        if stream is not None:
            stream.close()          # a child still writing gets EPIPE and leaves
        if self.pid:
            pid, self.pid = self.pid, 0
            try:
                if os.waitpid(pid, os.WNOHANG) == (0, 0):
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
            except (ChildProcessError, ProcessLookupError):
                pass


def _prewalk_child(db_path: Path, sources: Sequence[Path], out: IO[bytes], first: int, size: int) -> None:
    conn = connect_read_only(db_path)
    try:
        known = known_files(conn)
    finally:
        conn.close()
    problems: list[Problem] = []
    batch: list[Found] = []
    limit = first
    scanned = unchanged = 0
    for item in walk(sources, problems):
        scanned += 1
        if known.pop(item[0], None) == item[1:]:
            unchanged += 1
            continue
        batch.append(item)
        if len(batch) >= limit:
            pickle.dump(("files", batch), out, pickle.HIGHEST_PROTOCOL)
            out.flush()
            batch, limit = [], size
    pickle.dump(("files", batch), out, pickle.HIGHEST_PROTOCOL)
    pickle.dump(("done", (scanned, unchanged, list(known), problems)), out, pickle.HIGHEST_PROTOCOL)


class ChangedFiles:
    """(``Index.refresh``'s feed of files to parse.) The new and changed files under the sources, found as the walk goes.

    ``take(n)`` walks on until ``n`` files are waiting (or the walk is done);
    when the walk ends the files that vanished are removed from the index,
    and files that now hold a removed article are queued too.
    """

    def __init__(self, index: "Index", sources: Sequence[Path], report: "RefreshReport",
                 prewalk: "PreWalk | None" = None) -> None:
        self.index = index
        self.report = report
        self.sources = sources
        self.prewalk = prewalk      # when set, a child walks and compares; this reads its findings
        self.known: dict[str, tuple[int, int]] = {}
        self.walk: Iterator[tuple[str, int, int]] = iter(())
        if prewalk is None:
            self._walk_here()
        self.queue: deque[FileFact] = deque()
        self.queued: set[str] = set()
        self.force: set[str] = set()      # read these when the walk finds them, changed or not
        self.pending: set[str] = set()    # queued or being parsed, not stored yet
        self.exhausted = False

    def waiting(self) -> int:
        return len(self.queue)

    def _walk_here(self, skip: set[str] | None = None) -> None:
        """Walk in this process (from the start: ``skip`` the files queued already)."""
        self.known = known_files(self.index.conn)
        # (a stored row and a walked file compare as (size, mtime_ns) tuples)
        found = walk(self.sources, self.report.problems)
        if skip:  # found (and counted as new or changed) by a child walk that broke off
            for path in skip:
                self.known.pop(path, None)
            self.report.scanned += len(skip)
            found = (item for item in found if item[0] not in skip)
        self.walk = found

    def fill(self, n: int) -> None:
        """Walk on until ``n`` files wait (or the walk is done)."""
        if self.exhausted:
            return
        if self.prewalk is not None:
            self._fill_from_prewalk(self.prewalk, n)
            if self.prewalk is not None or self.exhausted:
                return
        known, queue, force, walk = self.known, self.queue, self.force, self.walk
        scanned = unchanged = 0
        try:
            while len(queue) < n:
                item = next(walk, None)
                if item is None:
                    self._finish()
                    break
                scanned += 1
                path = item[0]
                if known.pop(path, None) == item[1:] and path not in force:
                    unchanged += 1
                else:
                    queue.append(FileFact(*item))
                    self.queued.add(path)
                    self.pending.add(path)
        finally:
            self.report.scanned += scanned
            self.report.unchanged += unchanged

    def _fill_from_prewalk(self, prewalk: PreWalk, n: int) -> None:
        """Read the child's findings (``prewalk``, this feed's) until ``n``
        files wait or it is done; if it breaks off, walk here instead (the
        files it sent stay queued)."""
        try:
            while len(self.queue) < n:
                kind, payload = prewalk.read()
                if kind == "files":
                    for item in payload:
                        path = item[0]
                        self.queue.append(FileFact(*item))
                        self.queued.add(path)
                        self.pending.add(path)
                    continue
                scanned, unchanged, vanished, problems = payload
                self.report.scanned += scanned
                self.report.unchanged += unchanged
                self.report.problems.extend(problems)
                prewalk.close()
                self.prewalk = None
                # what the walk would have found unchanged but must be read again
                gone = set(vanished)
                forced = [p for p in self.force if p not in gone and p not in self.pending]
                self.force = set()
                self._finish(list(vanished))
                if forced:
                    self._requeue([FileFact(p, s, m) for p, s, m in file_facts_in(self.index.conn, "path", forced)])
                return
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError):
            prewalk.close()
            self.prewalk = None
            self._walk_here(skip=set(self.queued))

    def take(self, n: int) -> list[FileFact]:
        self.fill(n)
        return [self.queue.popleft() for _ in range(min(n, len(self.queue)))]

    def _finish(self, vanished: list[str] | None = None) -> None:
        """The walk is done: forget the files it did not find (``vanished``,
        as a child walk reported them; else the ones left in ``known``)."""
        self.exhausted = True
        if vanished is None:
            vanished = list(self.known)
        self.known = {}
        if vanished:
            extra: list[FileFact] = []
            # files stored already are read again; the ones still pending will be stored fresh
            self.report.removed = self.index._remove(vanished, extra, set(self.pending))
            self._requeue(extra)

    def requeue_holders(self, aids: list[int]) -> None:
        """Read again the files holding these articles (their winning file now holds another)."""
        found = []
        for path, size, mtime in file_facts_in(self.index.conn, "aid", aids):
            if path in self.known or (self.prewalk is not None and path not in self.pending):
                self.force.add(path)     # not walked yet: it may have vanished
            elif path not in self.pending:
                found.append(FileFact(path, size, mtime))
        self._requeue(found)

    def _requeue(self, facts: list[FileFact]) -> None:
        self.queue.extend(facts)
        self.queued.update(f.path for f in facts)
        self.pending.update(f.path for f in facts)

    def stored(self, rows: list[Row]) -> None:
        self.pending.difference_update(r[0] for r in rows)
