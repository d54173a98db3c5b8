"""Stories in the list: one row per story, expanded in place, and the story table
the search reads (``is:story``, ``story:ID``).

The grouping itself lives in ``core/stories`` (which may import the library,
not the other way round); what it found reaches the library as plain data:

- ``StoryData``: aid -> story id, each story's members best first (by score),
  how many providers carry it. Made off the UI thread, never changed after.
- ``StoryView``: what ``ListModel`` shows in story mode. ``apply(keys)`` turns
  the filtered keys into one row per story: the story's best article (by
  score) among those the filters let through stands where it stands in the
  order, its other members leave the list; an expanded story has them right
  after it, best first. ``note(aid)`` is the row's story cell ("+3 sources").
  ``apply`` is a few C-level passes over the keys (filter/filterfalse over
  sets, as the other filters are) plus a loop over the stories' members when
  a filter is on; expanding and collapsing one story is a splice of its rows
  (``ListModel.splice``): no pass over the list.
- the ``story_of`` table of the index (``schema.py``): (aid, story id) of every
  article that is in a story with others, written after each grouping
  (``write_story_table``), read by the search (``story_condition``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import filterfalse
from typing import TYPE_CHECKING

from feedreader.core.sql import select_in

if TYPE_CHECKING:
    from feedreader.core.library.index import Index

TABLE = "story_of"


@dataclass(frozen=True)
class StoryData:
    """What a grouping found (stories of two or more articles)."""

    story_of: Mapping[int, str] = field(default_factory=dict)            # aid -> story id
    ranked: Mapping[str, tuple[int, ...]] = field(default_factory=dict)  # story id -> members, best first
    providers: Mapping[str, int] = field(default_factory=dict)           # story id -> providers carrying it

    def story(self, aid: int) -> str | None:
        return self.story_of.get(aid)

    def members(self, aid: int) -> tuple[int, ...]:
        """The members of ``aid``'s story, best first (() when it is alone)."""
        sid = self.story_of.get(aid)
        return self.ranked.get(sid, ()) if sid is not None else ()

    @cached_property
    def reps(self) -> dict[int, str]:
        """The best article of each story -> its id (computed once, off the UI thread: ``prepare``)."""
        return {members[0]: sid for sid, members in self.ranked.items()}

    @cached_property
    def others(self) -> frozenset[int]:
        """Every member but each story's best: the rows story mode drops when no filter is on."""
        return frozenset(a for members in self.ranked.values() for a in members[1:])

    def prepare(self) -> StoryData:
        """Compute ``reps`` and ``others`` now (in the worker that made the data)."""
        self.reps, self.others   # noqa: B018 (cached)
        return self

    def heat(self, aid: int) -> int | None:
        """How many providers carry ``aid``'s story (None: it is alone)."""
        sid = self.story_of.get(aid)
        return self.providers.get(sid) if sid is not None else None


EMPTY = StoryData()


class StoryView:
    """Story mode of the list (see the module's doc). Pure data, no Textual."""

    def __init__(self) -> None:
        self.on = False
        self.data: StoryData = EMPTY
        self.expanded: set[str] = set()
        self._shown: Mapping[str, tuple[int, ...]] = {}   # story id -> its members in the view, best first
        self._rep: Mapping[int, str] = {}                 # the row standing for a story -> its id (not changed)
        self._child: dict[int, str] = {}               # a member shown under its expanded story -> its id

    # -- building ---------------------------------------------------------
    def apply(self, keys: list[int], *, everything: bool = False) -> list[int]:
        """The rows of ``keys`` (the list, filtered and ordered) in story mode
        (``keys`` itself when story mode is off or no story is in view).
        ``everything``: ``keys`` are every article (no filter is on): one pass."""
        self._shown, self._rep, self._child = {}, {}, {}
        data = self.data
        story_of = data.story_of
        if not self.on or not story_of:
            return keys
        if everything:     # every story as grouped
            shown: Mapping[str, tuple[int, ...]] = data.ranked
            rows = list(filterfalse(data.others.__contains__, keys))
            self._rep = data.reps
        else:
            visible = set(filter(story_of.__contains__, keys))
            if len(visible) < 2:
                return keys
            found, drop = _in_view(data, visible)
            rows = list(filterfalse(drop.__contains__, keys)) if drop else list(keys)
            shown = found
            self._rep = {members[0]: sid for sid, members in found.items()}
        self._shown = shown
        self.expanded &= shown.keys()
        for sid in self.expanded:
            members = shown[sid]
            at = rows.index(members[0])
            rows[at + 1 : at + 1] = members[1:]
            self._child.update((m, sid) for m in members[1:])
        return rows

    # -- reading ----------------------------------------------------------
    def note(self, aid: int) -> str:
        """The story cell of a row: "+3 sources" for a story's row ("▾ 3 more"
        expanded), "↳" for a member under it, "" for an article alone."""
        sid = self._rep.get(aid)
        if sid is not None:
            n = len(self._shown[sid]) - 1
            return f"▾ {n} more" if sid in self.expanded else f"+{n} source{'' if n == 1 else 's'}"
        return "  ↳" if aid in self._child else ""

    def row_for(self, aid: int) -> int:
        """The article whose row shows ``aid`` in story mode: the row of its story."""
        sid = self.data.story_of.get(aid)
        members = self._shown.get(sid) if sid is not None else None
        if not members or sid in self.expanded:
            return aid
        return members[0]

    def story_in_view(self, aid: int) -> str | None:
        """The story id of ``aid`` when its story has a row in the list now."""
        return self._rep.get(aid) or self._child.get(aid)

    def shown(self, sid: str) -> tuple[int, ...]:
        return self._shown.get(sid, ())

    # -- expanding and collapsing (one splice each) -------------------------
    def expand(self, keys: Sequence[int], index: int) -> tuple[int, int, list[int]] | None:
        """Expand the story whose row is ``index``: (start, end, rows) to splice
        into the list, or None (not a story row, or expanded already)."""
        aid = keys[index] if 0 <= index < len(keys) else None
        sid = self._rep.get(aid) if aid is not None else None
        if sid is None or sid in self.expanded:
            return None
        self.expanded.add(sid)
        members = self._shown[sid]
        self._child.update((m, sid) for m in members[1:])
        return index + 1, index + 1, list(members[1:])

    def collapse(self, keys: Sequence[int], index: int) -> tuple[int, int, list[int], int] | None:
        """Collapse the expanded story of row ``index`` (its row or a member's):
        (start, end, [], the story row's index), or None."""
        aid = keys[index] if 0 <= index < len(keys) else None
        if aid is None:
            return None
        sid = self._rep.get(aid) or self._child.get(aid)
        if sid is None or sid not in self.expanded:
            return None
        members = self._shown[sid]
        at = index - members.index(aid)
        if not (0 <= at < len(keys)) or keys[at] != members[0]:
            at = list(keys).index(members[0])
        self.expanded.discard(sid)
        for m in members[1:]:
            self._child.pop(m, None)
        return at + 1, at + len(members), [], at


def _in_view(data: StoryData, visible: set[int]) -> tuple[dict[str, tuple[int, ...]], set[int]]:
    """(story id -> its members among ``visible``, best first, for the stories
    with two or more there; the members that leave the list). The work is in
    proportion to the smaller of the members in view and those filtered out."""
    story_of, ranked = data.story_of, data.ranked
    missing = story_of.keys() - visible
    if len(missing) >= len(visible):      # few in view (a search): from them
        found: dict[str, tuple[int, ...]] = {}
        for sid in {story_of[a] for a in visible}:
            members = tuple(filter(visible.__contains__, ranked[sid]))
            if len(members) >= 2:
                found[sid] = members
        drop: set[int] = set()
        for members in found.values():
            drop.update(members[1:])
        return found, drop
    # most in view (unread only, hidden ones left out): every story but those a filter touched
    found = dict(ranked)
    drop = set(data.others)
    for sid in {story_of[a] for a in missing}:
        drop.difference_update(ranked[sid])
        members = tuple(filter(visible.__contains__, ranked[sid]))
        if len(members) >= 2:
            found[sid] = members
            drop.update(members[1:])
        else:
            del found[sid]
    return found, drop


# --------------------------------------------------------------------------
# the story table of the index (is:story, story:ID)

def _upper(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def story_condition(value: str) -> tuple[str, str, tuple[str, ...]]:
    """(condition on ``articles``, its inverse, parameters) for ``is:story``
    (``value`` "") or ``story:ID`` (an id or its start, as ``show 0f3c``)."""
    if not value:
        rows = f"SELECT aid FROM {TABLE}"
        return f"aid IN ({rows})", f"aid NOT IN ({rows})", ()
    prefix = value.strip().lower()
    rows = f"SELECT aid FROM {TABLE} WHERE story >= ? AND story < ?"
    return f"aid IN ({rows})", f"aid NOT IN ({rows})", (prefix, _upper(prefix))


def stories_of(conn: sqlite3.Connection, aids: Sequence[int]) -> dict[int, str]:
    """The story id of each of these articles that is in a story with others."""
    return dict(select_in(conn, f"SELECT aid, story FROM {TABLE} WHERE aid IN ({{}})", aids))


def write_story_table(index: Index, story_of: Mapping[int, str]) -> int:
    """Make the index's story table hold ``story_of``: only the differences are
    written (under the index's write lock). Returns how many rows changed."""
    conn = index.conn
    with index.write_lock:
        old = dict(conn.execute(f"SELECT aid, story FROM {TABLE}"))
        gone = [(a,) for a in old if a not in story_of]
        new = [(a, s) for a, s in story_of.items() if old.get(a) != s]
        if not gone and not new:
            return 0
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(f"DELETE FROM {TABLE} WHERE aid=?", gone)
            conn.executemany(f"INSERT OR REPLACE INTO {TABLE} VALUES(?,?)", new)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return len(gone) + len(new)
