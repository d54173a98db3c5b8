"""What the list pane shows: an order, filters and marks over the library.

Holds only article keys (``aid``) and a bounded cache of the rows that were
painted; never every article's detail. Pure logic, no Textual.
"""

from __future__ import annotations

from collections import OrderedDict
from itertools import filterfalse

from typing import TYPE_CHECKING

from feedreader.core.library.library import Library, ListRow
from feedreader.core.library.orders import DEFAULT_ORDER, ORDERS
from feedreader.core.library.storyview import StoryView
from feedreader.core.marks.bits import FLAGGED, HIDDEN, READ

if TYPE_CHECKING:
    from feedreader.core.library.search import SearchResult

ROW_CACHE = 4000
FETCH_BEFORE, FETCH_AFTER = 40, 120
# A map of every key to its position pays off after a few look-ups, but at 1,000,000 keys it is
# ~0.3 s to build and ~80 MB: above this many keys, look near the rows last painted (where the
# cursor is: a mark, a repaint, a reload keeping the cursor's article), then scan (C, ~5 ms).
POSITION_MAP_LIMIT = 200_000
NEAR = 512


class ListModel:
    """The articles of the current view, in order, with their marks."""

    def __init__(self, library: Library, order: str = DEFAULT_ORDER) -> None:
        if order not in ORDERS:
            order = DEFAULT_ORDER
        self.library = library
        self.order = order
        self.marks: dict[int, int] = {}        # aid -> READ|HIDDEN|FLAGGED bits
        self.unread_only = False
        self.show_hidden = False
        self.flagged_only = False
        self.scope: set[int] | None = None      # the sources pane's folder or feed, None = every article
        self.match: set[int] | None = None      # search results, None = no search
        self.exclude: set[int] | None = None    # or: every article but these (a search matching most)
        self.match_shows_hidden = False         # the search asked for hidden ones (is:hidden)
        self._sets: tuple[set[int], set[int], set[int]] | None = None   # (read, hidden, flagged)
        self.keys: list[int] = []
        self._positions: dict[int, int] | None = None
        self._lookups = 0
        self._near = 0                          # the row last painted (row_at): look-ups start there
        self._read_count: tuple[int, bool, int] | None = None   # (generation, show hidden, read listed)
        self._rows: OrderedDict[int, ListRow] = OrderedDict()
        self.unread = 0
        self.stories: StoryView | None = None   # story mode: one row per story (storyview.py)

    # -- building ---------------------------------------------------------
    def rebuild(self) -> None:
        """Recompute ``keys`` from the library order, the filters and marks.

        Runs on every sort switch, filter toggle and search keystroke: the
        filters are C-level passes (``filter`` over sets) over the order's
        100,000 keys, ~3 ms each with a small set; the mark sets are kept
        up to date as marks change rather than rebuilt here.
        """
        base = self.library.order(self.order)
        match = self.match
        searching = match is not None or self.exclude is not None
        show_hidden = self.show_hidden or (searching and self.match_shows_hidden)
        read, hidden, flagged = self.mark_sets()
        keys = base
        if match is not None:  # first: usually the most selective
            keys = list(filter(match.__contains__, keys))
        if self.scope is not None:
            keys = list(filter(self.scope.__contains__, keys))
        drop = [s for s in (self.exclude, None if show_hidden else hidden, read if self.unread_only else None) if s]
        if drop:
            dropped = drop[0] if len(drop) == 1 else set().union(*drop)
            keys = list(filterfalse(dropped.__contains__, keys))
        if self.flagged_only:
            keys = list(filter(flagged.__contains__, keys))
        self.keys = listed = keys if keys is not base else list(base)
        if self.stories is not None:
            self.keys = self.stories.apply(self.keys, everything=keys is base)
        self._positions = None
        self._lookups = 0
        if self.unread_only or not read:
            self.unread = len(self.keys)
        elif match is None and self.exclude is None and self.scope is None and not self.flagged_only \
                and self.keys is listed:      # (story mode off: ``apply`` gave the list back)
            self.unread = len(self.keys) - self._read_listed(read, show_hidden)
        else:
            self.unread = len(self.keys) - len(read.intersection(self.keys))

    def _read_listed(self, read: set[int], show_hidden: bool) -> int:
        """How many read articles the unfiltered list holds. Every order at one index
        generation holds the same articles, so a sort switch reuses the count (a pass
        over 1,000,000 keys with a big read set is ~0.2 s); marks keep it up to date."""
        generation = self.library.order_generation(self.order)
        cached = self._read_count
        if cached is not None and generation is not None and cached[:2] == (generation, show_hidden):
            return cached[2]
        count = len(read.intersection(self.keys))
        self._read_count = (generation, show_hidden, count) if generation is not None else None
        return count

    def set_search(self, result: "SearchResult | None") -> None:
        """Filter by a search's result (None, or an empty query: no filter);
        ``rebuild`` applies it."""
        if result is None or result.count is None:
            self.exclude = self.match = None
            self.match_shows_hidden = False
            return
        # a result matching most articles comes as the few it does not match
        self.exclude = result.exclude
        self.match = result.include if result.exclude is None else None
        # a query with is:hidden must show hidden articles
        self.match_shows_hidden = bool(result.shows_hidden)

    def mark_sets(self) -> tuple[set[int], set[int], set[int]]:
        """(read, hidden, flagged) article keys, not to be changed."""
        if self._sets is None:
            self._sets = _mark_sets(self.marks)
        return self._sets

    def forget_rows(self) -> None:
        """Drop cached rows (after the index changed)."""
        self._rows.clear()

    # -- reading ----------------------------------------------------------
    def __len__(self) -> int:
        return len(self.keys)

    def key_at(self, index: int) -> int | None:
        if 0 <= index < len(self.keys):
            return self.keys[index]
        return None

    def index_of(self, aid: int) -> int | None:
        positions = self._positions
        if positions is not None:
            return positions.get(aid)
        keys = self.keys
        near = self._near
        try:   # usually the article at the cursor, on screen
            return keys.index(aid, max(0, near - NEAR), near + NEAR)
        except ValueError:
            pass
        # a few look-ups scan the list (C speed, ~1 ms at 100,000); then a map pays off (not at 1,000,000)
        self._lookups += 1
        if self._lookups > 3 and len(keys) <= POSITION_MAP_LIMIT:
            positions = self._positions = dict(zip(keys, range(len(keys))))
            return positions.get(aid)
        try:
            return keys.index(aid)
        except ValueError:
            return None

    def first_listed(self, candidates: list[int]) -> int | None:
        """The position of the first of ``candidates`` (keys in the list's order) still
        listed: one C pass over the keys up to it, not a look-up per candidate."""
        if self._positions is not None or len(self.keys) <= POSITION_MAP_LIMIT:
            for key in candidates:
                index = self.index_of(key)
                if index is not None:
                    return index
            return None
        wanted = set(candidates)
        found = next(filter(wanted.__contains__, self.keys), None)
        if found is None:
            return None
        # the list's order is the candidates' (a filter keeps it): the first listed is the nearest
        return self.keys.index(found)

    def row_at(self, index: int) -> ListRow | None:
        aid = self.key_at(index)
        if aid is None:
            return None
        self._near = index
        row = self._rows.get(aid)
        if row is not None:
            self._rows.move_to_end(aid)
            return row
        start = max(0, index - FETCH_BEFORE)
        window = [a for a in self.keys[start : index + FETCH_AFTER] if a not in self._rows]
        for key, value in self.library.rows(window).items():
            self._rows[key] = value
        while len(self._rows) > ROW_CACHE:
            self._rows.popitem(last=False)
        return self._rows.get(aid)

    def flags(self, aid: int) -> int:
        return self.marks.get(aid, 0)

    def story_note(self, aid: int) -> str:
        """The row's story cell ("+3 sources"; storyview.py), "" outside story mode."""
        return self.stories.note(aid) if self.stories is not None else ""

    def splice(self, start: int, end: int, keys: list[int]) -> None:
        """Rows ``start:end`` become ``keys`` (a story expanded or collapsed in place)."""
        read = self.mark_sets()[0]
        self.unread += sum(a not in read for a in keys) - sum(a not in read for a in self.keys[start:end])
        self.keys[start:end] = keys
        self._positions = None
        self._lookups = 0

    # -- marks --------------------------------------------------------------
    def set_flags(self, aid: int, bits: int) -> None:
        """Record one article's marks (does not re-filter: the caller decides)."""
        old = self.marks.get(aid, 0)
        if bits:
            self.marks[aid] = bits
        else:
            self.marks.pop(aid, None)
        if self._sets is not None:
            for bit, keys in zip((READ, HIDDEN, FLAGGED), self._sets):
                if bits & bit:
                    keys.add(aid)
                else:
                    keys.discard(aid)
        listed = (old ^ bits) & READ and self.index_of(aid) is not None
        if listed:
            self.unread += -1 if bits & READ else 1
        cached = self._read_count
        if cached is not None:   # the unfiltered list's read count (_read_listed) follows
            if (old | bits) & HIDDEN or ((old ^ bits) & READ and not listed):
                self._read_count = None
            elif listed:
                self._read_count = (cached[0], cached[1], cached[2] + (1 if bits & READ else -1))

    def replace_marks(self, marks: dict[int, int]) -> None:
        self.marks = marks
        self._sets = None
        self._read_count = None


def _mark_sets(marks: dict[int, int]) -> tuple[set[int], set[int], set[int]]:
    """(read, hidden, flagged) article keys."""
    read: set[int] = set()
    hidden: set[int] = set()
    flagged: set[int] = set()
    for aid, bits in marks.items():
        if bits & READ:
            read.add(aid)
        if bits & HIDDEN:
            hidden.add(aid)
        if bits & FLAGGED:
            flagged.add(aid)
    return read, hidden, flagged
