"""The scores in the index: what the scoring rules (``core/rules``) read and write.

The rules live outside the library (``rules -> library``), but the SQL of the
index's tables lives here: the signals an article's base quality is estimated
from, which articles are not scored yet, writing scores with their reasons,
and the fingerprint of the rules they were computed with (``meta 'rules'``).

A new or changed article is inserted with ``score`` = its quality and
``reasons`` NULL (``pool.article_row``): "not scored yet". Writing scores is an
in-place UPDATE of those two columns (the only ones the update trigger allows)
and bumps the generation, so the cached orders are read again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from feedreader.core.library.schema import BUMP_GENERATION
from feedreader.core.sql import select_in

if TYPE_CHECKING:
    from feedreader.core.library.index import Index

# (aid, path, quality, body_chars, excerpt_chars, images, has_author, (rowid, score, reasons JSON) as stored)
Stored = tuple[int, int | None, str | None]
Signals = tuple[int, str, int | None, int, int, int, bool, Stored]
_encode = json.JSONEncoder(ensure_ascii=False).encode   # (json.dumps with keywords: 3x slower per call)
_SIGNALS = ("SELECT aid, path, quality, body_chars, length(excerpt), images, author <> '', id, score, reasons"
            " FROM articles")


def fingerprint(conn: sqlite3.Connection) -> str | None:
    """The fingerprint of the rules the stored scores were computed with (None: never scored)."""
    row = conn.execute("SELECT value FROM meta WHERE key='rules'").fetchone()
    return row[0] if row else None


def actions_pending(conn: sqlite3.Connection) -> bool:
    """Whether articles were scored by a command that may not write marks
    (``feedreader list``): the next run with a marks store acts on every
    article, not only the ones it scores (``meta 'actions'``)."""
    return conn.execute("SELECT 1 FROM meta WHERE key='actions' AND value='pending'").fetchone() is not None


def set_actions_pending(index: Index, pending: bool) -> None:
    with index.write_lock:
        if pending:
            index.conn.execute("INSERT OR REPLACE INTO meta VALUES('actions', 'pending')")
        else:
            index.conn.execute("DELETE FROM meta WHERE key='actions'")
        index.conn.commit()


def unscored(conn: sqlite3.Connection, limit: int = -1) -> list[int]:
    """The articles not scored since they were (re)indexed, at most ``limit``
    (a partial index: cheap when none)."""
    return [r[0] for r in conn.execute("SELECT aid FROM articles WHERE reasons IS NULL LIMIT ?", (limit,))]


def all_keys(conn: sqlite3.Connection) -> list[int]:
    return [r[0] for r in conn.execute("SELECT aid FROM articles")]


def _as_signals(rows: Iterable[tuple[Any, ...]]) -> Iterator[Signals]:
    """``_SIGNALS`` rows as ``Signals``."""
    for aid, path, quality, body, excerpt, images, author, rowid, score, reasons in rows:
        yield aid, path, quality, body, excerpt, images, bool(author), (rowid, score, reasons)


def signals(conn: sqlite3.Connection, aids: Sequence[int] | None = None) -> Iterator[Signals]:
    """The scoring signals of these articles (every article when None)."""
    rows = conn.execute(_SIGNALS) if aids is None else select_in(conn, f"{_SIGNALS} WHERE aid IN ({{}})", aids)
    return _as_signals(rows)


def signals_after(conn: sqlite3.Connection, after: int, limit: int) -> list[Signals]:
    """The scoring signals of the next ``limit`` articles in storage order
    after the row ``after`` (its ``id``; 0 for the first): read whole, so
    that the caller may write between two reads."""
    return list(_as_signals(conn.execute(f"{_SIGNALS} WHERE id > ? ORDER BY id LIMIT ?", (after, limit)).fetchall()))


def paths(conn: sqlite3.Connection) -> Iterator[tuple[int, str]]:
    """(aid, path) of every article (to group them by folder)."""
    return iter(conn.execute("SELECT aid, path FROM articles"))


def identities(conn: sqlite3.Connection, aids: Sequence[int]) -> dict[int, str]:
    """The identity of each of these articles that the index has."""
    return dict(select_in(conn, "SELECT aid, identity FROM articles WHERE aid IN ({})", aids))


def score_of(conn: sqlite3.Connection, aid: int) -> tuple[int | None, list[str] | None] | None:
    """(score, reasons) of one article; reasons None when not scored yet; None if no such article."""
    row = conn.execute("SELECT score, reasons FROM articles WHERE aid=?", (aid,)).fetchone()
    if row is None:
        return None
    return row[0], (json.loads(row[1]) if row[1] is not None else None)


def write(index: Index, scores: Iterable[tuple[Stored, int, Sequence[str]]], rules: str | None) -> int:
    """Store each (stored, score, reasons) whose score or reasons differ from
    ``stored`` (the row's (rowid, score, reasons) from ``signals``), and the
    rules' fingerprint (None: not now), in one transaction (under the index's
    write lock: never inside a refresh's batch). Rows are written in storage
    order (a rewritten wide row costs much less next to the last one).
    Returns how many articles got a new score or new reasons."""
    rows = []
    texts: dict[tuple[str, ...], str] = {}   # reasons shared by many articles are encoded once
    for (rowid, old_score, old_reasons), score, reasons in scores:
        key = tuple(reasons)    # (no copy of a tuple)
        text = texts.get(key)
        if text is None:
            text = texts[key] = _encode(list(reasons))
        if score != old_score or text != old_reasons:
            rows.append((score, text, rowid))
    rows.sort(key=lambda r: r[2])
    conn = index.conn
    with index.write_lock:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany("UPDATE articles SET score=?, reasons=? WHERE id=?", rows)
            if rules is not None:
                conn.execute("INSERT OR REPLACE INTO meta VALUES('rules', ?)", (rules,))
            if rows:
                conn.execute(BUMP_GENERATION)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return len(rows)


def reasons_in(conn: sqlite3.Connection, aids: Sequence[int]) -> dict[int, tuple[int | None, list[str]]]:
    """(score, reasons) of each of these articles ([] reasons while not scored)."""
    return {aid: (score, json.loads(reasons) if reasons is not None else [])
            for aid, score, reasons in select_in(conn, "SELECT aid, score, reasons FROM articles WHERE aid IN ({})", aids)}
