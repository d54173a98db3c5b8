"""SQLite helpers shared by the rooms that keep a database (library, marks,
feeds, sync).

``select_in`` runs a query with an ``IN (...)`` list of any length in chunks
of bound parameters (SQLite caps the number of parameters of one statement);
``primary_code`` and ``is_damage`` read an ``sqlite3.Error``'s result code.
The stores' plumbing: ``connect`` (autocommit, any thread, busy timeout),
``transaction`` (``BEGIN IMMEDIATE`` .. ``COMMIT``, rolled back on any
exception), ``use_wal`` (retried while a peer keeps the file busy),
``quick_check``, ``why`` (a failure in words), ``close_quietly``, ``inode`` and ``move_aside`` (a damaged
file and its ``-wal``/``-shm`` renamed to ``<name>.corrupt-<stamp>``).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

IN_CHUNK = 500      # bound parameters per query of ``select_in``
BUSY_TIMEOUT_MS = 5000
T = TypeVar("T")


def select_in(conn: sqlite3.Connection, sql: str, values: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Any]:
    """The rows of ``sql``, whose ``IN ({})`` takes ``values``, in chunks of
    ``size`` bound parameters (no rows when ``values`` is empty)."""
    for start in range(0, len(values), size):
        chunk = list(values[start : start + size])
        yield from conn.execute(sql.format(",".join("?" * len(chunk))), chunk)


def primary_code(exc: BaseException) -> int | None:
    """SQLite's primary result code of ``exc`` (None: not an SQLite error)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def is_damage(exc: BaseException) -> bool:
    """``exc`` itself says the database file is corrupt or not a database."""
    return primary_code(exc) in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def why(exc: BaseException) -> str:
    """Why a database could not be used, for a person: "read-only", "the disk
    is full", the OS's words, else the error's own."""
    code = primary_code(exc) if isinstance(exc, sqlite3.Error) else None
    if code == sqlite3.SQLITE_READONLY:
        return "read-only"
    if code == sqlite3.SQLITE_FULL:
        return "the disk is full"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def connect(target: str, *, uri: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode (we BEGIN ourselves), usable from any
    thread, that waits ``BUSY_TIMEOUT_MS`` for a busy peer."""
    conn = sqlite3.connect(
        target, uri=uri, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def transaction(conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    """``fn(conn)`` inside ``BEGIN IMMEDIATE`` .. ``COMMIT``; rolled back when anything escapes."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = fn(conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
        raise
    return result


def use_wal(conn: sqlite3.Connection, attempts: int = 50, pause: float = 0.1) -> None:
    """``journal_mode = WAL``, tried again while a peer keeps the file busy
    (changing the journal mode does not wait for the busy timeout)."""
    for attempt in range(attempts):
        try:
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
            return
        except sqlite3.OperationalError as exc:
            if primary_code(exc) not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or attempt == attempts - 1:
                raise
            time.sleep(pause)


def quick_check(conn: sqlite3.Connection) -> str | None:
    """None when ``PRAGMA quick_check`` says "ok", else its first three lines."""
    rows = conn.execute("PRAGMA quick_check").fetchall()
    if [r[0] for r in rows] != ["ok"]:
        return "; ".join(str(r[0]) for r in rows[:3])
    return None


def close_quietly(conn: sqlite3.Connection | None) -> None:
    if conn is not None:
        try:
            conn.close()
        except sqlite3.Error:
            pass


def inode(path: Path) -> tuple[int, int] | None:
    """(device, inode) of ``path``, None when it cannot be read."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def move_aside(path: Path, seen: tuple[int, int] | None, when: float) -> Path | None:
    """Rename the damaged database ``path`` and its ``-wal``/``-shm`` to
    ``<name>.corrupt-<local time of when>[-n]`` (a name none of them has yet).

    Returns the new path, or None when there was nothing to move: the file
    is gone, or another process replaced it since ``seen`` (its ``inode``)
    was read. Raises OSError when a rename fails.
    """
    if seen is not None and inode(path) != seen:
        return None
    stamp = time.strftime("%Y%m%dT%H%M%S", time.localtime(when))
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while any(Path(f"{target}{s}").exists() for s in ("", "-wal", "-shm")):
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    try:
        os.rename(path, target)
        for suffix in ("-wal", "-shm"):
            if Path(f"{path}{suffix}").exists():
                os.rename(f"{path}{suffix}", f"{target}{suffix}")
    except FileNotFoundError:
        return None
    return target
