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

from feedreader.core.library.folders import KnownFiles, load_folders, quick_pass, save_folders
from feedreader.core.library.schema import FILE_FACTS, connect_read_only, file_facts_in
from feedreader.core.model import Problem

if TYPE_CHECKING:
    from feedreader.core.library.index import Index, RefreshReport
    from feedreader.core.library.pool import Row

MAX_DEPTH = 64           # folder nesting while scanning
FULL_WALK_NICE = 10      # the start-up child's niceness after its quick pass (folders.py)
WALK_APART_ABOVE = 100_000   # indexed files: from here a refresh with no child walk starts one (spawned)

Found = tuple[str, int, int]            # (path, size, mtime_ns) as the walk finds them


@dataclass(frozen=True, slots=True)
class FileFact:
    path: str
    size: int
    mtime_ns: int


def _suffixes() -> tuple[str, ...]:
    from feedreader.core.documents.parse import DOCUMENT_SUFFIXES

    return tuple(s.lower() for s in DOCUMENT_SUFFIXES)


def walk(sources: Iterable[Path], problems: list[Problem] | None = None,
         folders: dict[str, int] | None = None) -> Iterator[Found]:
    """Every document file under ``sources`` (files are taken as given), as
    (path, size, mtime_ns) tuples; ``folders``, if given, gets every folder
    listed, with its mtime_ns as it was listed (``folders.py``).

    Folders are walked recursively, skipping hidden entries and not following
    symlinked folders (no loops). Unreadable folders are reported in
    ``problems`` and skipped. The refresh of an index of 1,000,000 files walks
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
        found = walk_folder(str(source.resolve()), 0, suffixes, MAX_DEPTH, problems, folders)
        if seen is None:
            yield from found
        else:
            for item in found:
                if item[0] not in seen:
                    seen.add(item[0])
                    yield item


def walk_folder(top: str, depth: int, suffixes: tuple[str, ...], max_depth: int = MAX_DEPTH,
                problems: list[Problem] | None = None, folders: dict[str, int] | None = None) -> Iterator[Found]:
    """The document files under the folder ``top`` (itself ``depth`` deep in
    its source; folders deeper than ``max_depth`` are not entered).

    Each folder is opened once and its files are stat-ed relative to it
    (``fstatat``: the kernel looks up one name, not the whole path again;
    ~25% less CPU than a stat of each full path at 1,000,000 files)."""
    stack: list[tuple[str, int]] = [(top, depth)]
    sep = os.sep
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    while stack:
        folder, depth = stack.pop()
        try:
            fd = os.open(folder, flags)
        except OSError as exc:
            if problems is not None:
                problems.append(Problem(folder, f"cannot read folder: {exc.strerror or exc}"))
            continue
        try:
            if folders is not None:
                folders[folder] = os.fstat(fd).st_mtime_ns     # before the listing: a change during it shows next time
            prefix = folder + sep
            with os.scandir(fd) as entries:
                for entry in entries:
                    name = entry.name
                    if name[0] == ".":
                        continue
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            if depth < max_depth:
                                stack.append((prefix + name, depth + 1))
                            continue
                        if not name.lower().endswith(suffixes) or not entry.is_file():
                            continue
                        est = entry.stat()
                    except OSError:
                        continue
                    yield prefix + name, est.st_size, est.st_mtime_ns
        except OSError as exc:
            if folders is not None:
                folders.pop(folder, None)
            if problems is not None:
                problems.append(Problem(folder, f"cannot read folder: {exc.strerror or exc}"))
        finally:
            os.close(fd)


def source_key(sources: Sequence[Path]) -> tuple[str, ...]:
    return tuple(str(Path(s).resolve()) for s in sources)


class PreWalk:
    """The walk of the next refresh, done in a forked child process.

    ``feedreader`` starts it before it imports the UI, so it runs on the
    other core while the app starts. It first looks only at the folders
    whose mtime changed since the last complete walk (``folders.quick_pass``:
    files added, deleted, renamed) and sends what it found at once, then a
    ``settled`` mark; then it reads the index's file facts with its own
    read-only connection, stats every file (~3.5 s of CPU for 1,000,000) and
    streams back what else the refresh needs: the new and changed files (the
    first few at once, for a cold start's first screenful), then the counts,
    the vanished paths and the folders it listed. If the stream breaks, the
    refresh walks by itself. (Splitting the stat calls over two processes
    was tried: with the app's own start-up on the other core it was no
    faster at 100,000 files.)
    """

    FIRST, BATCH = 64, 2000
    stream: IO[bytes] | None

    def __init__(self, db_path: Path, sources: Sequence[Path], *, spawn: bool = False) -> None:
        self.sources = source_key(sources)
        self.pid = 0
        self._proc: Any = None
        if spawn:
            self._spawn(db_path, sources)
            return
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

    def _spawn(self, db_path: Path, sources: Sequence[Path]) -> None:
        """The same walk in a new Python process (safe from a process with
        threads, where a fork is not), at a low priority all along."""
        import json
        import subprocess
        import sys

        package_root = str(Path(__file__).resolve().parents[3])    # the folder holding ``feedreader``
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        args = json.dumps([str(db_path), [str(s) for s in sources], self.FIRST, self.BATCH])
        code = "from feedreader.core.library.walk import _spawned_main; _spawned_main()"
        self._proc = subprocess.Popen([sys.executable, "-c", code, args], stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self.stream = self._proc.stdout

    def read(self) -> tuple[str, Any]:
        """The child's next message, as it pickled it: ``("files", [Found, ...])``
        and ``("gone", [path, ...])`` (the quick pass), ``("settled", None)``,
        ``("files", ...)`` again (the full walk), then ``("done", (scanned,
        unchanged, vanished paths, problems, folders))``."""
        if self.stream is None:
            raise EOFError("the walk was closed")
        return pickle.load(self.stream)

    def close(self) -> None:
        stream, self.stream = getattr(self, "stream", None), None
        if stream is not None:
            stream.close()          # a child still writing gets EPIPE and leaves
        proc, self._proc = getattr(self, "_proc", None), None
        if proc is not None:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        if self.pid:
            pid, self.pid = self.pid, 0
            try:
                if os.waitpid(pid, os.WNOHANG) == (0, 0):
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
            except (ChildProcessError, ProcessLookupError):
                pass


def _send(out: IO[bytes], kind: str, payload: Any) -> None:
    pickle.dump((kind, payload), out, pickle.HIGHEST_PROTOCOL)
    out.flush()


def _spawned_main() -> None:
    """(The spawned walk's process: ``PreWalk(spawn=True)``.)"""
    import json
    import sys

    db_path, sources, first, size = json.loads(sys.argv[1])
    try:
        os.nice(FULL_WALK_NICE)
    except OSError:
        pass
    _prewalk_child(Path(db_path), [Path(s) for s in sources], sys.stdout.buffer, first, size, nice=False)


def _prewalk_child(db_path: Path, sources: Sequence[Path], out: IO[bytes], first: int, size: int,
                   nice: bool = True) -> None:
    conn = connect_read_only(db_path)
    try:
        reported: dict[str, tuple[int, int]] = {}   # sent by the quick pass: (size, mtime_ns)
        gone: list[str] = []
        folders = load_folders(conn)
        if folders:
            roots = [str(Path(s).resolve()) for s in sources]
            new: list[Found] = []
            for item in quick_pass(conn, roots, folders, _suffixes(), MAX_DEPTH, walk_folder):
                if isinstance(item, str):
                    gone.append(item)
                    continue
                reported[item[0]] = item[1:]
                new.append(item)
                if len(new) >= first:
                    _send(out, "files", new)
                    new, first = [], size
            _send(out, "files", new)
            _send(out, "gone", gone)
            _send(out, "settled", None)
            try:    # the full walk is background work now: the app's start and first batch go first
                if nice:
                    os.nice(FULL_WALK_NICE)
            except OSError:
                pass
        known = KnownFiles(conn.execute(FILE_FACTS))
    finally:
        conn.close()
    for path in gone:
        known.discard(path)         # removed by the parent already: found again, it is new
    problems: list[Problem] = []
    listed: dict[str, int] = {}
    batch: list[Found] = []
    limit = first
    scanned = unchanged = 0
    for item in walk(sources, problems, listed):
        scanned += 1
        path = item[0]
        facts = item[1:]
        if known.pop_same(path, item[1], item[2]):
            reported.pop(path, None)
            unchanged += 1
            continue
        if reported and reported.pop(path, None) == facts:
            continue                # sent already
        batch.append(item)
        if len(batch) >= limit:
            _send(out, "files", batch)
            batch, limit = [], size
    # files the quick pass sent that the walk did not find (deleted meanwhile) vanished too
    vanished = known.paths()
    vanished += [p for p in reported if p not in known]
    pickle.dump(("files", batch), out, pickle.HIGHEST_PROTOCOL)
    pickle.dump(("done", (scanned, unchanged, vanished, problems, listed)), out, pickle.HIGHEST_PROTOCOL)


class ChangedFiles:
    """(``Index.refresh``'s feed of files to parse.) The new and changed files under the sources, found as the walk goes.

    ``take(n)`` walks on until ``n`` files are waiting (or the walk is done);
    when the walk ends the files that vanished are removed from the index,
    and files that now hold a removed article are queued too. A child walk
    (``PreWalk``) sends the quick pass's findings first: its vanished files
    are removed as they come, and ``settled`` says the quick pass is over (the
    refresh stores what it found before waiting for the full walk).
    """

    def __init__(self, index: "Index", sources: Sequence[Path], report: "RefreshReport",
                 prewalk: "PreWalk | None" = None) -> None:
        self.index = index
        self.report = report
        self.sources = sources
        if prewalk is None and index.file_count() >= WALK_APART_ABOVE:
            # a large library's walk (~5 s of CPU at 1,000,000 files) in a process of its
            # own: the app's rescans (every 30 s) no longer hold its CPU and its lock on Python
            try:
                prewalk = PreWalk(index.db_path, sources, spawn=True)
            except OSError:
                prewalk = None
        self.prewalk = prewalk      # when set, a child walks and compares; this reads its findings
        self.known = KnownFiles()
        self.walk: Iterator[tuple[str, int, int]] = iter(())
        self.listed: dict[str, int] = {}     # the folders the walk listed, with their mtimes (folders.py)
        if prewalk is None:
            self._walk_here()
        self.queue: deque[FileFact] = deque()
        self.queued: set[str] = set()
        self.force: set[str] = set()      # read these when the walk finds them, changed or not
        self.pending: set[str] = set()    # queued or being parsed, not stored yet
        self.exhausted = False
        self.settled = False    # the child's quick pass is over and nothing of the full walk read yet

    def waiting(self) -> int:
        return len(self.queue)

    def _walk_here(self, skip: set[str] | None = None) -> None:
        """Walk in this process (from the start: ``skip`` the files queued already)."""
        self.known = KnownFiles(self.index.conn.execute(FILE_FACTS))
        self.listed = {}
        found = walk(self.sources, self.report.problems, self.listed)
        if skip:  # found (and counted as new or changed) by a child walk that broke off
            for path in skip:
                self.known.discard(path)
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
                if known.pop_same(path, item[1], item[2]) and path not in force:
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
        files it sent stay queued). It stops at the end of the quick pass
        (``settled``), and reads the full walk's findings on only once the
        files waiting then have been taken."""
        try:
            while len(self.queue) < n and not (self.settled and self.queue):
                kind, payload = prewalk.read()
                self.settled = False
                if kind == "files":
                    for item in payload:
                        path = item[0]
                        self.queue.append(FileFact(*item))
                        self.queued.add(path)
                        self.pending.add(path)
                    continue
                if kind == "gone":
                    if payload:
                        extra: list[FileFact] = []
                        self.report.removed += self.index._remove(payload, extra, set(self.pending))
                        self._requeue(extra)
                    continue
                if kind == "settled":
                    self.settled = True
                    return
                scanned, unchanged, vanished, problems, self.listed = payload
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
        return self.take_waiting(n)

    def take_waiting(self, n: int) -> list[FileFact]:
        """Up to ``n`` of the files waiting now (without walking on)."""
        return [self.queue.popleft() for _ in range(min(n, len(self.queue)))]

    def _finish(self, vanished: list[str] | None = None) -> None:
        """The walk is done: forget the files it did not find (``vanished``,
        as a child walk reported them; else the ones left in ``known``)."""
        self.exhausted = True
        if vanished is None:
            vanished = self.known.paths()
        self.known = KnownFiles()
        if vanished:
            extra: list[FileFact] = []
            # files stored already are read again; the ones still pending will be stored fresh
            self.report.removed += self.index._remove(vanished, extra, set(self.pending))
            self._requeue(extra)
        if self.listed:
            save_folders(self.index.conn, self.listed)
            self.listed = {}

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
