"""The marks, read without ever writing: for commands that only look.

``list``, ``show``, ``check`` and ``feed list`` must leave the marks database
exactly as they found it: no file created when there is none, no schema
stamp, no damaged file moved aside, no ``-wal``/``-shm`` left behind.
:func:`open_read_only` reads every mark once and closes the file again;
anything wrong with it becomes a warning and no marks (the file is left for
the next command that writes to deal with).

How the file is read: while no ``-wal`` file exists every committed mark is
in the main file, so it is read as ``immutable`` (SQLite then creates no
``-shm``/``-wal`` files); if the file changed meanwhile (another process
began writing) it is read again with ``mode=ro``, the safe way that may leave
an empty ``-wal``/``-shm`` pair, as any reader of a live WAL database does.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from feedreader.core import sql
from feedreader.core.marks import db
from feedreader.core.marks.bits import NO_MARKS, Marks

_MARKS = {(r, h, f): Marks(bool(r), bool(h), bool(f)) for r in (0, 1) for h in (0, 1) for f in (0, 1)}
_QUERY = "SELECT identity, read, hidden, flagged FROM marks WHERE read OR hidden OR flagged"


class ReadOnlyMarks:
    """A snapshot of the marks, with the reading part of ``StateStore``'s interface."""

    persistent = False

    def __init__(self, path: Path, marks: dict[str, Marks], warnings: list[str]) -> None:
        self.path = path
        self._marks = marks
        self.warnings = warnings
        self._shown = 0

    def marks(self, identities: Iterable[str] | None = None) -> dict[str, Marks]:
        """identity -> Marks of the marked articles (of ``identities`` when given)."""
        if identities is None:
            return dict(self._marks)
        return {i: self._marks[i] for i in identities if i in self._marks}

    def get(self, identity: str) -> Marks:
        return self._marks.get(identity, NO_MARKS)

    def pop_warnings(self) -> list[str]:
        new = self.warnings[self._shown:]
        self._shown = len(self.warnings)
        return new

    def close(self) -> None:
        pass

    def __enter__(self) -> "ReadOnlyMarks":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_read_only(path: Path | str) -> ReadOnlyMarks:
    """The marks saved at ``path`` (none when there is no file), read without writing."""
    path = Path(path)
    if not path.exists():
        return ReadOnlyMarks(path, {}, [])
    try:
        marks = _read(path)
    except sqlite3.Error as exc:
        if db.is_bug(exc):
            raise
        return ReadOnlyMarks(path, {}, [f"cannot read the marks in {path} ({sql.why(exc)}); no marks are shown"])
    return ReadOnlyMarks(path, marks, [])


def _stamp(path: Path) -> tuple[int, int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _read(path: Path) -> dict[str, Marks]:
    wal = Path(f"{path}-wal")
    uri = path.resolve().as_uri()
    if not wal.exists():
        before = _stamp(path)
        rows = _query(uri + "?immutable=1")
        if not wal.exists() and _stamp(path) == before:
            return rows
    return _query(uri + "?mode=ro")


def _query(uri: str) -> dict[str, Marks]:
    conn = sql.connect(uri, uri=True)
    try:
        rows = conn.execute(_QUERY).fetchall()
    finally:
        sql.close_quietly(conn)
    return {identity: _MARKS[bool(r), bool(h), bool(f)] for identity, r, h, f in rows}
