"""The marks store: read / hidden / flagged, the user's own data.

One SQLite database (``Paths.state_db``, in the user *data* dir), keyed by the
article **identity** (its canonical URL, ``Article.identity``), so that moving
or renaming document files never loses a mark. The 16-hex article ``id`` is
stored alongside for convenience (computed from the identity when the caller
passes only the identity; ``""`` only in imported entries that had none).

Storage rules
-------------
* WAL journal, ``synchronous=FULL``, ``busy_timeout`` 5 s, and every change is
  one short ``BEGIN IMMEDIATE`` transaction that is committed before the call
  returns: a mark the UI shows as done survives ``kill -9`` right after.
* Schema version in ``PRAGMA user_version``; ``MIGRATIONS[n]`` upgrades n-1 -> n.
* Rows: an identity that was never marked has no row. Once marked, its row is
  kept even when all three flags go back to false: such a row records *when*
  the article was un-marked, which the import merge needs (newest wins).
  ``undo`` restores the exact previous state, including "no row".
* Two processes may use the same file at once; :meth:`StateStore.version`
  tells a UI cheaply that another process committed something.

Failures never reach the caller
-------------------------------
* A damaged file (not a database, truncated, corrupt, or someone else's
  database) is renamed to ``state.db.corrupt-YYYYmmddTHHMMSS`` and a fresh one
  is started. An empty (0-byte) file is simply a new database.
* When the file cannot be written (read-only file or directory, disk full,
  I/O error, a newer schema) the store copies what it can read into an
  in-memory database and carries on there for the rest of the session.
* Either way a sentence for the user is appended to ``StateStore.warnings``
  (``pop_warnings()`` returns the ones not yet shown).

Threads: one connection shared by all threads (``check_same_thread=False``),
every public method holds one re-entrant lock, so the UI may call the store
from the main thread and from workers.

The undo history lives in memory, per store instance (per session), at most
``UNDO_LEVELS`` steps; one ``set_marks`` or ``import_`` call is one step however
many articles it touched (``changes.py``: the steps, their labels, reverting one).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

from feedreader.core import sql
from feedreader.core.marks import db
from feedreader.core.marks.bits import NO_MARKS, Marks
from feedreader.core.marks.changes import ArticleLike, Change, UndoStep, articles_of, describe, plural, revert_step
from feedreader.core.marks.db import SCAN_ABOVE, SCHEMA_VERSION, Damaged, Flags, TooNew
from feedreader.core.marks.exchange import (
    MAX_IMPORT_BYTES,
    Entry,
    StateFileError,
    parse_state_file,
    write_state_file,
)
from feedreader.core.sql import is_damage, primary_code

__all__ = [
    "Change",
    "Marks",
    "NO_MARKS",
    "SCHEMA_VERSION",
    "StateFileError",
    "StateStore",
]

FIELDS = ("read", "hidden", "flagged")
UNDO_LEVELS = 50

_MARKS = {(r, h, f): Marks(bool(r), bool(h), bool(f)) for r in (0, 1) for h in (0, 1) for f in (0, 1)}


# -- the store ----------------------------------------------------------------


class StateStore:
    """Marks keyed by article identity; see the module docstring for the rules.

    Open with :meth:`open`; use as a context manager or call :meth:`close`.
    """

    def __init__(self, path: Path, clock: Callable[[], float]) -> None:
        self.path = Path(path)
        self.warnings: list[str] = []
        self._clock = clock
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._persistent = False
        self._undo: list[UndoStep] = []
        self._shown_warnings = 0
        self._version = 0
        self._seen_data_version: int | None = None

    # -- opening --------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str, *, clock: Callable[[], float] = time.time) -> "StateStore":
        """Open (creating it and its parent dirs) the marks database at ``path``.

        Never raises for a damaged, unreadable or unwritable file: see
        ``warnings`` and ``persistent``.
        """
        store = cls(Path(path), clock)
        with store._lock:
            store._open()
        return store

    def _open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._to_memory(f"cannot create {self.path.parent} ({sql.why(exc)})", source=None)
            return
        for _attempt in range(3):
            conn = None
            try:
                inode = sql.inode(self.path)
                conn = sql.connect(str(self.path), uri=False)
                self._setup(conn)
            except Damaged as exc:
                sql.close_quietly(conn)
                if not self._move_aside(str(exc), inode):
                    return
                continue
            except TooNew:
                sql.close_quietly(conn)
                self._to_memory(
                    f"{self.path} was written by a newer version of feedreader; it is left untouched",
                    source=self._read_only_copy(),
                )
                return
            except sqlite3.Error as exc:
                sql.close_quietly(conn)
                if db.is_bug(exc):
                    raise
                self._to_memory(f"cannot save marks to {self.path} ({self._why(exc)})", source=self._read_only_copy())
                return
            self._conn = conn
            self._persistent = True
            self._seen_data_version = db.data_version(conn)
            return
        self._to_memory(f"cannot start a new marks database at {self.path}", source=None)

    def _setup(self, conn: sqlite3.Connection) -> None:
        """Check, configure and migrate a freshly opened file connection.

        Raises ``Damaged`` for a file that is not a sound marks database;
        other ``sqlite3.Error`` mean it cannot be written (or read) now.
        """
        try:
            damage = sql.quick_check(conn)
            if damage is not None:
                raise Damaged(damage)
            sql.use_wal(conn)
            conn.execute("PRAGMA synchronous = FULL")
            db.migrate(conn)
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):
                raise Damaged(str(exc)) from None
            raise

    def _move_aside(self, reason: str, inode: tuple[int, int] | None) -> bool:
        """Rename a damaged file (and its -wal/-shm) out of the way; False if it failed."""
        try:
            target = sql.move_aside(self.path, inode, self._clock())
        except OSError as exc:
            self._to_memory(
                f"{self.path} is damaged ({reason}) and could not be moved aside ({sql.why(exc)})",
                source=None,
                damaged=True,
            )
            return False
        if target is None:
            return True  # gone, or another process already replaced it: try again with the new file
        self.warnings.append(
            f"{self.path} was damaged ({reason}); it was moved to {target} "
            "and a new, empty marks database was started"
        )
        return True

    def _why(self, exc: BaseException) -> str:
        """Why writing failed, saying "read-only" when the file or its folder is."""
        code = primary_code(exc) if isinstance(exc, sqlite3.Error) else None
        if code not in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            paths = [self.path, self.path.parent] if self.path.exists() else [self.path.parent]
            if any(not os.access(p, os.W_OK) for p in paths):
                return "read-only"
        return sql.why(exc)

    def _read_only_copy(self) -> sqlite3.Connection | None:
        """A read-only connection to the file, or None when it cannot be read."""
        if not self.path.exists():
            return None
        base = self.path.resolve().as_uri()
        for query in ("?mode=ro", "?immutable=1"):
            conn = None
            try:
                conn = sql.connect(base + query, uri=True)
                conn.execute("SELECT identity, id, read, hidden, flagged, updated_at FROM marks LIMIT 1").fetchall()
                return conn
            except sqlite3.Error:
                sql.close_quietly(conn)
        return None

    def _to_memory(self, reason: str, source: sqlite3.Connection | None, *, damaged: bool = False) -> None:
        """Carry on in an in-memory database holding what ``source`` (or the
        current connection) has; warn the user that marks won't be saved."""
        mem = sql.connect(":memory:", uri=False)
        db.migrate(mem)
        source = source if source is not None else self._conn
        lost = False
        if source is not None:
            try:
                rows = source.execute("SELECT identity, id, read, hidden, flagged, updated_at FROM marks").fetchall()
                db.upsert(mem, rows)
            except sqlite3.Error:
                lost = True
        elif self.path.exists() and not damaged:
            lost = True
        for conn in {id(c): c for c in (source, self._conn) if c is not None}.values():
            sql.close_quietly(conn)
        self._conn = mem
        self._persistent = False
        self._seen_data_version = db.data_version(mem)
        self._version += 1
        shown = "" if not lost else " (the marks already saved there could not be read now, but stay in the file)"
        self.warnings.append(f"{reason}{shown}; your marks are kept only until you quit")

    # -- state ----------------------------------------------------------------
    @property
    def persistent(self) -> bool:
        """True while changes are saved to the file (False: in memory only)."""
        return self._persistent

    def pop_warnings(self) -> list[str]:
        """Warnings added since the last call (to show each one once)."""
        with self._lock:
            new = self.warnings[self._shown_warnings:]
            self._shown_warnings = len(self.warnings)
            return new

    def close(self) -> None:
        with self._lock:
            sql.close_quietly(self._conn)
            self._conn = None

    def __enter__(self) -> "StateStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def version(self) -> int:
        """A number that changes whenever the marks changed, here or in another
        process (``PRAGMA data_version``): cheap enough to call on every focus/key."""
        with self._lock:
            dv = db.data_version(self._db)
            if dv is not None and dv != self._seen_data_version:
                self._version += 1
                self._seen_data_version = dv
            return self._version

    def changed_since(self, token: int) -> bool:
        return self.version() != token

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ValueError("the marks store is closed")
        return self._conn

    # -- reading --------------------------------------------------------------
    def _read(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        with self._lock:
            try:
                return fn(self._db)
            except sqlite3.Error as exc:
                if db.is_bug(exc):
                    raise
                self._to_memory(f"cannot read marks from {self.path} ({sql.why(exc)})", source=None)
                return fn(self._db)

    def marks(self, identities: Iterable[str] | None = None) -> dict[str, Marks]:
        """identity -> Marks for the articles that have any mark.

        ``None`` means every marked article (one query; fine for 100,000 rows);
        otherwise only those of ``identities`` (unmarked ones are absent: use
        ``result.get(identity, NO_MARKS)``).
        """
        wanted = None if identities is None else set(identities)

        def query(conn: sqlite3.Connection) -> dict[str, Marks]:
            if wanted is not None and len(wanted) <= SCAN_ABOVE:
                rows = db.select(conn, wanted, "identity, read, hidden, flagged")
            else:
                rows = conn.execute(
                    "SELECT identity, read, hidden, flagged FROM marks WHERE read OR hidden OR flagged"
                ).fetchall()
            out = {}
            for identity, r, h, f in rows:
                if (r or h or f) and (wanted is None or identity in wanted):
                    out[identity] = _MARKS[r, h, f]
            return out

        return self._read(query)

    def get(self, identity: str) -> Marks:
        """The marks of one article (``NO_MARKS`` when it has none)."""
        return self.marks([identity]).get(identity, NO_MARKS)

    def counts(self) -> dict[str, int]:
        """How many articles are read / hidden / flagged (all articles in the store)."""

        def query(conn: sqlite3.Connection) -> dict[str, int]:
            r, h, f = conn.execute("SELECT total(read), total(hidden), total(flagged) FROM marks").fetchone()
            return {"read": int(r), "hidden": int(h), "flagged": int(f)}

        return self._read(query)

    # -- writing --------------------------------------------------------------
    def _write(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run ``fn`` in one IMMEDIATE transaction, committed before returning.

        On a storage error the transaction is rolled back, the store moves to
        memory (with a warning) and ``fn`` runs again there: ``fn`` must
        compute everything from the database it is given.
        """
        with self._lock:
            try:
                return sql.transaction(self._db, fn)
            except sqlite3.Error as exc:
                if db.is_bug(exc):
                    raise
                self._to_memory(f"cannot save marks to {self.path} ({self._why(exc)})", source=None)
                return sql.transaction(self._db, fn)

    def set_marks(
        self,
        items: Iterable[str | ArticleLike],
        *,
        read: bool | None = None,
        hidden: bool | None = None,
        flagged: bool | None = None,
        label: str | None = None,
        undo: bool = True,
    ) -> Change:
        """Set the given marks (None: leave as is) on every article of ``items``.

        ``items`` are identities or objects with ``.identity`` and ``.id``
        (``Article``, a list row). One transaction, one undo step (none when
        nothing changed, or with ``undo`` False: a change the user did not
        make, such as the app's read-after-a-while, is not one to undo, and
        must not hide the user's own last one). ``label`` replaces the
        generated description.
        """
        wanted = (read, hidden, flagged)
        if all(v is None for v in wanted):
            raise ValueError("set_marks needs at least one of read, hidden, flagged")

        def new_flags(old: Flags) -> Flags:
            return tuple(o if w is None else int(w) for w, o in zip(wanted, old))  # type: ignore[return-value]

        return self._change(items, new_flags, lambda n: label or describe(n, read, hidden, flagged), undo=undo)

    def toggle(self, item: str | ArticleLike, field: str) -> Change:
        """Flip one mark (``field``: read, hidden or flagged) of one article.

        Read and write happen in one transaction, so two processes toggling
        the same article never lose a toggle.
        """
        if field not in FIELDS:
            raise ValueError(f"unknown mark {field!r}; expected one of {', '.join(FIELDS)}")
        index = FIELDS.index(field)
        result: list[bool] = []

        def flip(old: Flags) -> Flags:
            new = list(old)
            new[index] = 1 - old[index]
            result[:] = [bool(new[index])]
            return tuple(new)  # type: ignore[return-value]

        return self._change([item], flip, lambda n: describe(n, **{field: result[0] if result else None}))

    def _change(
        self,
        items: Iterable[str | ArticleLike],
        new_flags: Callable[[Flags], Flags],
        label: Callable[[int], str],
        *,
        undo: bool = True,
    ) -> Change:
        """One write transaction: each article's flags become ``new_flags(old)``."""
        articles = articles_of(items)
        now = self._now()

        def apply(conn: sqlite3.Connection) -> UndoStep:
            before = db.rows_of(conn, articles)
            step = UndoStep("", {}, {})
            writes = []
            for identity, article_id in articles.items():
                old = before.get(identity)
                old_flags = db.flags_of(old)
                flags = new_flags(old_flags)
                if flags == old_flags:
                    if old is not None and article_id and not old[0]:
                        writes.append((identity, article_id, *old_flags, old[4]))  # fill in a missing id quietly
                    continue
                step.before[identity] = old
                step.after[identity] = flags
                writes.append((identity, article_id or (old[0] if old else ""), *flags, now))
            db.upsert(conn, writes)
            return step

        with self._lock:
            step = self._write(apply)
            step.label = label(len(step.after))
            return self._record(step, len(step.after), undo=undo)

    def _record(self, step: UndoStep, count: int, *, undo: bool = True) -> Change:
        """Keep ``step`` for undo when it changed any mark; the Change to return."""
        changed = frozenset(i for i, flags in step.after.items() if flags != db.flags_of(step.before[i]))
        if count and undo:
            self._undo.append(step)
            del self._undo[:-UNDO_LEVELS]
        if step.after:
            self._version += 1
        return Change(step.label, count, changed)

    def _now(self) -> int:
        return int(self._clock() * 1000)

    # -- undo -----------------------------------------------------------------
    @property
    def undo_label(self) -> str | None:
        """What ``undo`` would undo next ("mark 3 articles read"), or None."""
        with self._lock:
            return self._undo[-1].label if self._undo else None

    def undo(self) -> str | None:
        """Revert the last change; "Undid: mark 1,234 articles read", or None
        when there is nothing to undo."""
        change = self.undo_change()
        return None if change is None else change.label

    def undo_change(self) -> Change | None:
        """Like :meth:`undo` but returns the :class:`Change` (the identities it touched).

        Each article goes back to exactly its previous state (including "no
        row") unless another process changed it since; then only the marks
        this step set, and that still hold its value, are reverted.
        """
        with self._lock:
            if not self._undo:
                return None
            step = self._undo[-1]
            now = self._now()

            touched = self._write(lambda conn: revert_step(conn, step, now))
            self._undo.pop()
            self._version += 1
            return Change(f"Undid: {step.label}", len(touched), frozenset(touched))

    # -- export / import --------------------------------------------------------
    def export(self, fp: IO[str]) -> int:
        """Write every row as the JSON export (see ``exchange.py``) to the text
        stream ``fp``; returns the number of entries."""

        def rows(conn: sqlite3.Connection) -> list[tuple]:
            return conn.execute(
                "SELECT identity, id, read, hidden, flagged, updated_at FROM marks ORDER BY identity"
            ).fetchall()

        entries = (Entry(i, a, bool(r), bool(h), bool(f), t) for i, a, r, h, f, t in self._read(rows))
        return write_state_file(fp, entries, self._now())

    def import_(self, fp: IO[str] | IO[bytes]) -> Change:
        """Merge an export file into the store: one transaction, one undo step.

        Merge rule, per identity: the imported entry (all three flags and its
        ``updated_at``) replaces the local one when it is strictly newer, or
        when the identity has no local row; otherwise the local marks stay.
        The whole file is checked first: a bad one raises
        :class:`StateFileError` (saying why) and changes nothing.
        ``count`` is the number of articles whose marks changed.
        """
        data = fp.read(MAX_IMPORT_BYTES + 1)
        entries = parse_state_file(data)

        def merge(conn: sqlite3.Connection) -> UndoStep:
            before = db.rows_of(conn, {e.identity: e.id for e in entries})
            step = UndoStep("", {}, {})
            writes, changed = [], 0
            for e in entries:
                old = before.get(e.identity)
                if old is not None and e.updated_at <= old[4]:
                    continue
                flags = (int(e.read), int(e.hidden), int(e.flagged))
                if flags != ((old[1], old[2], old[3]) if old else (0, 0, 0)):
                    changed += 1
                step.before[e.identity] = old
                step.after[e.identity] = flags
                writes.append((e.identity, e.id or (old[0] if old else ""), *flags, e.updated_at))
            db.upsert(conn, writes)
            step.label = f"import marks of {plural(changed)}"
            return step

        with self._lock:
            step = self._write(merge)
            return self._record(step, sum(1 for i, f in step.after.items() if f != db.flags_of(step.before[i])))
