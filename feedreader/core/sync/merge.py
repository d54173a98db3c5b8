"""The three-way merge of one article's read and starred marks (pure).

For each mark, three states: the *base* (what both sides had after the last
sync, or None for an item never synced), the *local* mark and the *server*'s.

* Neither side changed: nothing to do.
* One side changed: that side's state is taken (so a mark made offline is
  sent, and a change made on another machine comes here).
* Both changed: a mark is one bit, so both changed it the same way; agreed,
  nothing is sent (and Miniflux is never told "read" for a read entry).
* No base (a first meeting: an install with marks of its own syncing for the
  first time, or after the sync state was lost) and the two differ: the
  later change wins. The local time is the marks row's ``updated_at``; the
  server's is the item's ``updated`` (Miniflux: its ``changed_at``) when the
  server gives one, else the time we first saw it (``now``). A tie goes to
  the server. Every such conflict is reported with the loser's state, so no
  mark is lost silently.

A change counts by value: a mark toggled and toggled back since the last sync
is no change (the stores keep one time per article, not per mark, so a time
cannot tell which mark it belongs to). A local article with no marks row
counts as never marked: it takes the server's state without a conflict.
``hidden`` is never merged: it stays local.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Decision", "Local", "decide", "in_conflict"]

Winner = Literal["local", "server"]


@dataclass(frozen=True, slots=True)
class Local:
    """The local marks of one identity (``updated_at`` in ms; None: no row)."""

    read: bool = False
    hidden: bool = False
    flagged: bool = False
    updated_at: int | None = None


NO_ROW = Local()


@dataclass(frozen=True, slots=True)
class Decision:
    read: bool                         # the state both sides get
    starred: bool
    conflicts: tuple[tuple[str, Winner], ...] = ()   # ("read", "local"): both changed; who won

    def push(self, server: tuple[bool, bool]) -> tuple[bool | None, bool | None]:
        """What to send to the server (None: nothing) for read and starred."""
        return (self.read if self.read != server[0] else None,
                self.starred if self.starred != server[1] else None)

    def pull(self, local: Local) -> bool:
        """True when the local marks must change."""
        return self.read != local.read or self.starred != local.flagged


def _changed_both(base: bool | None, local: bool, server: bool, has_row: bool) -> bool:
    if base is None:
        return has_row and local != server
    return local != base and server != base and local != server


def in_conflict(base: tuple[bool, bool] | None, local: Local, server: tuple[bool, bool]) -> bool:
    """Whether :func:`decide` will need the server's change time for this item."""
    has_row = local.updated_at is not None
    return (_changed_both(None if base is None else base[0], local.read, server[0], has_row)
            or _changed_both(None if base is None else base[1], local.flagged, server[1], has_row))


def decide(base: tuple[bool, bool] | None, local: Local, server: tuple[bool, bool],
           server_time_ms: int | None, now_ms: int) -> Decision:
    """The merged (read, starred) and the conflicts; see the module docstring."""
    has_row = local.updated_at is not None
    s_time = now_ms if server_time_ms is None else min(server_time_ms, now_ms)
    conflicts: list[tuple[str, Winner]] = []
    out: list[bool] = []
    for name, b, mine, theirs in (("read", None if base is None else base[0], local.read, server[0]),
                                  ("flagged", None if base is None else base[1], local.flagged, server[1])):
        if _changed_both(b, mine, theirs, has_row):
            winner: Winner = "local" if (local.updated_at or 0) > s_time else "server"
            conflicts.append((name, winner))
            out.append(mine if winner == "local" else theirs)
        elif b is None:
            out.append(theirs)             # no local row (or the same state): the server's
        elif mine != b:
            out.append(mine)
        else:
            out.append(theirs)
    return Decision(out[0], out[1], tuple(conflicts))
