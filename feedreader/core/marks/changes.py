"""What a change of marks did, how it is described, and how it is undone.

A ``Change`` is what ``StateStore.set_marks`` / ``import_`` / ``undo_change``
report; an ``UndoStep`` is what the store keeps to revert one of them
(``revert_step``, run inside the store's write transaction).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from feedreader.core.marks import db
from feedreader.core.marks.db import Flags, Row


@dataclass(frozen=True, slots=True)
class Change:
    """What one ``set_marks`` / ``import_`` / ``undo_change`` did.

    ``count`` is the number of articles whose marks changed (setting a mark to
    the value it already has is not a change); ``identities`` are those
    articles; ``label`` describes it ("mark 1,234 articles read").
    """

    label: str
    count: int
    identities: frozenset[str]


class ArticleLike(Protocol):
    """What marks are set on besides an identity: an Article, a list row."""

    @property
    def identity(self) -> str: ...

    @property
    def id(self) -> str: ...


@dataclass(slots=True)
class UndoStep:
    label: str
    before: dict[str, Row | None]   # the exact previous row, None = no row
    after: dict[str, Flags]         # the flags this step wrote


def articles_of(items: Iterable[str | ArticleLike]) -> dict[str, str]:
    """identity -> article id (computed from the identity when only that was given)."""
    from feedreader.core.ids import article_id

    out: dict[str, str] = {}
    for item in items:
        if isinstance(item, str):
            identity, aid = item, ""
        else:
            identity, aid = item.identity, item.id or ""
        if identity and identity not in out:
            out[identity] = aid or article_id(identity)
    return out


def plural(n: int) -> str:
    return f"{n:,} article" + ("" if n == 1 else "s")


def describe(n: int, read: bool | None = None, hidden: bool | None = None, flagged: bool | None = None) -> str:
    """'mark 3 articles read', 'hide 1 article', 'mark read and flag 2 articles'."""
    verbs = []
    if read is not None:
        verbs.append("mark read" if read else "mark unread")
    if hidden is not None:
        verbs.append("hide" if hidden else "unhide")
    if flagged is not None:
        verbs.append("flag" if flagged else "unflag")
    if len(verbs) == 1 and verbs[0].startswith("mark "):
        return f"mark {plural(n)} {verbs[0][5:]}"
    return f"{' and '.join(verbs) or 'change'} {plural(n)}"


def revert_step(conn: sqlite3.Connection, step: UndoStep, now: int) -> set[str]:
    """Undo ``step`` on ``conn``; the identities whose marks changed.

    Each article goes back to exactly its previous state (including "no row")
    unless another process changed it since; then only the marks this step
    set, and that still hold its value, are reverted (stamped ``now``).
    """
    current = db.rows_of(conn, step.before)
    deletes: list[tuple[str]] = []
    writes: list[tuple[str, str, int, int, int, int]] = []
    touched: set[str] = set()
    for identity, old in step.before.items():
        cur = current.get(identity)
        cur_flags = (cur[1], cur[2], cur[3]) if cur else (0, 0, 0)
        old_flags = (old[1], old[2], old[3]) if old else (0, 0, 0)
        ours = step.after[identity]
        if cur_flags == ours:  # untouched since: restore exactly
            if old is None:
                if cur is not None:
                    deletes.append((identity,))
            else:
                writes.append((identity, old[0] or (cur[0] if cur else ""), *old_flags, old[4]))
            if cur_flags != old_flags:
                touched.add(identity)
            continue
        r, h, f = (
            old_flags[i] if ours[i] != old_flags[i] and cur_flags[i] == ours[i] else cur_flags[i]
            for i in range(3)
        )
        merged = (r, h, f)
        if merged != cur_flags:
            writes.append((identity, cur[0] if cur else "", *merged, now))
            touched.add(identity)
    conn.executemany("DELETE FROM marks WHERE identity = ?", deletes)
    db.upsert(conn, writes)
    return touched

