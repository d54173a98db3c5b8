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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any
from pathlib import Path

from feedreader.core.library.schema import connect_read_only, known_files
from feedreader.core.model import Problem

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
