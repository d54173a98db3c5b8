"""What the list pane shows: an order, filters and marks over the library.

Holds only article keys (``aid``) and a bounded cache of the rows that were
painted; never every article's detail. Pure logic, no Textual.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from feedreader.core.library import ORDERS, Library, ListRow

READ, HIDDEN, FLAGGED = 1, 2, 4
ROW_CACHE = 4000
FETCH_BEFORE, FETCH_AFTER = 40, 120


class ListModel:
    """The articles of the current view, in order, with their marks."""

    def __init__(self, library: Library, order: str = "newest") -> None:
        if order not in ORDERS:
            order = "newest"
        self.library = library
        self.order = order
        self.marks: dict[int, int] = {}        # aid -> READ|HIDDEN|FLAGGED bits
        self.unread_only = False
        self.show_hidden = False
        self.flagged_only = False
        self.match: set[int] | None = None      # search results, None = no search
        self.match_shows_hidden = False         # the search asked for hidden ones (is:hidden)
        self.keys: list[int] = []
        self._positions: dict[int, int] | None = None
        self._rows: OrderedDict[int, ListRow] = OrderedDict()
        self.unread = 0

    # -- building ---------------------------------------------------------
    def rebuild(self) -> None:
        """Recompute ``keys`` from the library order, the filters and marks."""
        base = self.library.order(self.order)
        marks = self.marks
        match = self.match
        show_hidden = self.show_hidden or (match is not None and self.match_shows_hidden)
        if not (self.unread_only or self.flagged_only or match is not None) and (show_hidden or not marks):
            keys = base
        else:
            keys = base
            if match is not None:  # first: usually the most selective
                keys = [a for a in keys if a in match]
            if not show_hidden and marks:
                keys = [a for a in keys if not marks.get(a, 0) & HIDDEN]
            if self.unread_only:
                keys = [a for a in keys if not marks.get(a, 0) & READ]
            if self.flagged_only:
                keys = [a for a in keys if marks.get(a, 0) & FLAGGED]
        self.keys = keys if keys is not base else list(base)
        self._positions = None
        self._count_unread()

    def _count_unread(self) -> None:
        marks = self.marks
        if not marks:
            self.unread = len(self.keys)
        elif self.unread_only:
            self.unread = len(self.keys)
        else:
            self.unread = len(self.keys) - sum(1 for a in self.keys if marks.get(a, 0) & READ)

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
        if self._positions is None:
            self._positions = {a: i for i, a in enumerate(self.keys)}
        return self._positions.get(aid)

    def row_at(self, index: int) -> ListRow | None:
        aid = self.key_at(index)
        if aid is None:
            return None
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

    # -- marks --------------------------------------------------------------
    def set_flags(self, aid: int, bits: int) -> None:
        """Record one article's marks (does not re-filter: the caller decides)."""
        old = self.marks.get(aid, 0)
        if bits:
            self.marks[aid] = bits
        else:
            self.marks.pop(aid, None)
        if (old ^ bits) & READ and self.index_of(aid) is not None and not self.unread_only:
            self.unread += -1 if bits & READ else 1

    def replace_marks(self, marks: dict[int, int]) -> None:
        self.marks = marks

    def visible_keys(self) -> Iterable[int]:
        return self.keys
