"""What the list pane shows: an order, filters and marks over the library.

Holds only article keys (``aid``) and a bounded cache of the rows that were
painted; never every article's detail. Pure logic, no Textual.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from itertools import compress, filterfalse, islice, repeat
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
# The marks of an order's keys, one byte per position (``_MarkBytes``): a change of marks
# since they were made is looked up by position (a C scan, ~8 ms at 1,000,000) for up to
# this many articles; more and the bytes are dropped, made again when used (~80 ms at 1,000,000).
PENDING_SCAN = 4
# A rebuild of a large library whose order is not at hand (not cached, not saved at the index's
# generation: reading 1,000,000 keys is ~0.8 s; the first paint, a first switch to an order)
# lists the order's first HEAD_ROWS keys from SQL (``partial``); the caller reads the whole
# order in a worker (``Library.order``) and rebuilds (ui/article_list.py). Smaller libraries
# (at most HEAD_ABOVE articles: ~0.1 s to read) read it at once: at 100,000 the head and the
# worker cost more CPU in all (a sort switch 93-98 ms against 75-77, keys.py) for no gain.
HEAD_ROWS = 1000
HEAD_ABOVE = 200_000
_MARK_BITS = READ | HIDDEN | FLAGGED


def _table(drop: int, need: int, unread: bool = False) -> bytes:
    """A ``bytes.translate`` table: 1 for the mark bytes with none of ``drop`` and all of
    ``need`` (and not read, with ``unread``), else 0."""
    return bytes(int(not b & drop and b & need == need and not (unread and b & READ)) for b in range(256))


class _MarkBytes:
    """The marks of one order's keys, ``bits[i]`` for ``base[i]``: the mark filters
    (unread only, hidden, flagged) are then ``itertools.compress`` over the order with
    a ``translate`` of these bytes (C, no hashing: ~12 ms at 1,000,000 keys where a set
    look-up per key is ~70 ms), and the unfiltered list's unread count a ``count``."""

    __slots__ = ("base", "bits", "generation", "pending")

    def __init__(self, base: list[int], marks: dict[int, int], generation: int | None) -> None:
        self.base = base
        self.generation = generation            # the index generation the order was read at (None: a head)
        self.bits = bytearray(map(marks.get, base, repeat(0)))   # (bits are READ|HIDDEN|FLAGGED: < 256)
        self.pending: dict[int, int] = {}       # aid -> bits, changed since

    def settle(self) -> None:
        """Bring the bytes up to the ``pending`` changes (at most ``PENDING_SCAN``)."""
        pending, self.pending = self.pending, {}
        base, bits = self.base, self.bits
        for aid, value in pending.items():
            try:
                bits[base.index(aid)] = value & _MARK_BITS
            except ValueError:
                pass      # not in this order (another library's article)


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
        self._bytes: dict[str, _MarkBytes] = {}   # order -> its keys' marks (kept while the order is)
        self._rows: OrderedDict[int, ListRow] = OrderedDict()
        self.unread = 0
        self.stories: StoryView | None = None   # story mode: one row per story (storyview.py)
        self.partial = False                    # ``keys`` are from the order's first rows only (HEAD_ROWS)
        self.head: list[int] | None = None      # a search's first matches only (searchhead.py): count to come
        self.head_kept: tuple[int | None, int | None] | None = None   # (cursor's article, the one shown) over it
        self._prepared: Prepared | None = None  # the search's keys made in its worker (``prepare``)
        self._last_base: list[int] | None = None
        self.marks_version = 0                  # changes with every mark (a prepared list is then stale)
        self._count = 0                         # (the library's count, while partial)

    # -- building ---------------------------------------------------------
    def rebuild(self) -> None:
        """Recompute ``keys`` from the library order, the filters and marks.

        Runs on every sort switch, filter toggle and search keystroke. The mark
        filters are one ``compress`` over the order with its mark bytes
        (``_MarkBytes``, kept up to date as marks change); a search's or the
        sources pane's set is a C-level ``filter`` over the rest (~20 ms at
        1,000,000 keys with a small set, ~100 ms with a large one).
        """
        base = self._base()
        self._last_base = base
        if self._from_search(base):
            return
        match = self.match
        searching = match is not None or self.exclude is not None
        show_hidden = self.show_hidden or (searching and self.match_shows_hidden)
        read, hidden, flagged = self.mark_sets()
        drop = (0 if show_hidden or not hidden else HIDDEN) | (READ if self.unread_only and read else 0)
        need = FLAGGED if self.flagged_only else 0
        marked = self._mark_bytes(base) if drop or need else None
        keys = base
        if marked is not None:
            keys = list(compress(base, marked.bits.translate(_table(drop, need))))
        if match is not None:  # usually the most selective
            keys = list(filter(match.__contains__, keys))
        if self.scope is not None:
            keys = list(filter(self.scope.__contains__, keys))
        if self.exclude:
            keys = list(filterfalse(self.exclude.__contains__, keys))
        self.keys = listed = keys if keys is not base else list(base)
        if self.stories is not None:
            self.keys = self.stories.apply(self.keys, everything=keys is base)
        self._positions = None
        self._lookups = 0
        if self.unread_only or not read:
            self.unread = len(self.keys)
        elif match is None and self.exclude is None and self.scope is None \
                and self.keys is listed:      # (story mode off: ``apply`` gave the list back)
            # the list is the order less the mark filters: count in the bytes (any order's
            # at the same index generation: they hold the same articles; a sort switch makes none)
            counted = marked or self._same_articles() or self._mark_bytes(base)
            self.unread = counted.bits.translate(_table(drop, need, unread=True)).count(1)
        else:
            self.unread = len(self.keys) - len(read.intersection(self.keys))

    def _from_search(self, base: list[int]) -> bool:
        """The keys from the search's head, or from what its worker prepared for this very
        list (``prepare``): no filter over the order on this thread."""
        prepared, self._prepared = self._prepared, None
        if self.head is not None and self.stories is None:
            keys = list(self.head)
            read = self.mark_sets()[0]
        elif prepared is not None and prepared.base is base and prepared.state == self._state():
            keys, read = prepared.keys, set()
        else:
            return False
        self.keys = keys
        self._positions = None
        self._lookups = 0
        self.unread = len(keys) - len(read.intersection(keys)) if prepared is None else prepared.unread
        return True

    def _state(self) -> tuple:
        return (self.order, self.unread_only, self.show_hidden, self.flagged_only, id(self.scope),
                self.marks_version, self.stories is None)

    def unsearched_head(self, limit: int, shows_hidden: bool = False) -> list[int] | None:
        """The first ``limit`` keys the list shows without a search (its order, mark filters
        and scope; ``shows_hidden``: with the hidden ones), for ``Searcher.search_head``;
        None in story mode or before a first rebuild."""
        base = self._last_base
        if base is None or self.stories is not None:
            return None
        read, hidden, flagged = self.mark_sets()
        keys: Iterable[int] = base
        if hidden and not (self.show_hidden or shows_hidden):
            keys = filterfalse(hidden.__contains__, keys)
        if self.unread_only and read:
            keys = filterfalse(read.__contains__, keys)
        if self.flagged_only:
            keys = filter(flagged.__contains__, keys)
        if self.scope is not None:
            keys = filter(self.scope.__contains__, keys)
        return list(islice(keys, limit))

    def first_matches(self, result: SearchResult, limit: int) -> list[int] | None:
        """The first ``limit`` keys the list will show for ``result`` (from a worker, before
        ``prepare``: one pass over the head of the order, not a million keys), or None
        when ``prepare`` is quick (at most ``FIRST_ABOVE`` keys) or cannot be used."""
        base = self._last_base
        if base is None or len(base) <= FIRST_ABOVE or self.partial or self.stories is not None \
                or result.count is None or result.head is not None:
            return None
        if result.exclude is None and not result.include:
            return []               # nothing matches: no pass over a million keys to find none
        read, hidden, flagged = self.mark_sets()
        keys: Iterable[int] = base
        if result.exclude is None:
            assert result.include is not None
            keys = filter(result.include.__contains__, keys)
        elif result.exclude:
            keys = filterfalse(result.exclude.__contains__, keys)
        if self.scope is not None:
            keys = filter(self.scope.__contains__, keys)
        if hidden and not (self.show_hidden or result.shows_hidden):
            keys = filterfalse(hidden.__contains__, keys)
        if self.unread_only and read:
            keys = filterfalse(read.__contains__, keys)
        if self.flagged_only:
            keys = filter(flagged.__contains__, keys)
        return list(islice(keys, limit))

    def prepare(self, result: SearchResult) -> Prepared | None:
        """The list's keys for ``result``, made where it was searched (a worker thread) from
        the order last listed, with the filters and marks as they are now; ``rebuild`` uses
        them if nothing changed since (else it filters as usual). None: nothing to prepare."""
        base = self._last_base
        if base is None or self.partial or self.stories is not None or result.count is None \
                or result.head is not None:
            return None
        state = self._state()
        if result.exclude is None and not result.include:
            return Prepared(base, [], 0, state)     # nothing matches: no pass over the order
        keys: list[int] = base
        if result.exclude is None:
            assert result.include is not None
            keys = _chunked(filter, result.include.__contains__, keys)
        elif result.exclude:
            keys = _chunked(filterfalse, result.exclude.__contains__, keys)
        if self.scope is not None:
            keys = _chunked(filter, self.scope.__contains__, keys)
        read, hidden, flagged = self.mark_sets()
        if hidden and not (self.show_hidden or result.shows_hidden):
            keys = _chunked(filterfalse, hidden.__contains__, keys)
        if self.unread_only and read:
            keys = _chunked(filterfalse, read.__contains__, keys)
        if self.flagged_only:
            keys = _chunked(filter, flagged.__contains__, keys)
        if keys is base:
            keys = list(base)
        unread = len(keys) if self.unread_only else len(keys) - len(_chunked(filter, read.__contains__, keys))
        return Prepared(base, keys, unread, state)

    def _base(self) -> list[int]:
        """The order's keys; of a large library whose order is not at hand (the first
        paint, a first switch to an order), only its head (``partial``)."""
        library, order = self.library, self.order
        if not library.order_ready(order):
            count = library.count()
            if count > HEAD_ABOVE:
                self.partial = True
                self._count = count
                return library.head(order, HEAD_ROWS)
        self.partial = False
        return library.order(order)

    def _mark_bytes(self, base: list[int]) -> _MarkBytes:
        """The marks of ``base``'s keys by position, made when the order or the marks
        were replaced, else brought up to date."""
        marked = self._bytes.get(self.order)
        if marked is None or marked.base is not base:
            generation = None if self.partial else self.library.order_generation(self.order)
            marked = self._bytes[self.order] = _MarkBytes(base, self.marks, generation)
        elif marked.pending:
            marked.settle()
        return marked

    def _same_articles(self) -> _MarkBytes | None:
        """Another order's mark bytes, up to date, if it was read at the index generation
        this order was (the same articles: the same counts)."""
        generation = None if self.partial else self.library.order_generation(self.order)
        if generation is None:
            return None
        for name, marked in self._bytes.items():
            if marked.generation == generation and self.library.order_generation(name) == generation:
                if marked.pending:
                    marked.settle()
                return marked
        return None

    def set_search(self, result: "SearchResult | None") -> None:
        """Filter by a search's result (None, or an empty query: no filter);
        ``rebuild`` applies it."""
        self.head = result.head if result is not None else None
        listed = getattr(result, "listed", None)
        self._prepared = listed if isinstance(listed, Prepared) else None
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

    @property
    def total(self) -> int:
        """The articles listed; while ``partial``, the library's count (for the header)."""
        return max(len(self.keys), self._count) if self.partial else len(self.keys)

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
        self.marks_version += 1
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
        if (old ^ bits) & READ and self.index_of(aid) is not None:
            self.unread += -1 if bits & READ else 1
        if (old ^ bits) & _MARK_BITS:
            for name, marked in list(self._bytes.items()):   # (looked up by position when next used)
                marked.pending[aid] = bits
                if len(marked.pending) > PENDING_SCAN:
                    del self._bytes[name]                     # made again when next used

    def replace_marks(self, marks: dict[int, int]) -> None:
        self.marks_version += 1
        self.marks = marks
        self._sets = None
        self._bytes.clear()


FIRST_ABOVE = 150_000   # above this many keys a whole result's first rows are shown before the rest
CHUNK = 50_000   # keys filtered at a time off the UI thread (C loops hold the GIL: it runs in between)


def _chunked(how: Callable[..., Iterable[int]], test: Callable[[int], bool], keys: list[int]) -> list[int]:
    """``list(how(test, keys))`` a slice at a time (``how``: filter or filterfalse)."""
    out: list[int] = []
    for start in range(0, len(keys), CHUNK):
        out += how(test, keys[start:start + CHUNK])
    return out


class Prepared:
    """A search's list made in its worker (``ListModel.prepare``): ``keys`` from ``base``,
    ``unread`` of them, for the model's ``state`` then."""

    __slots__ = ("base", "keys", "state", "unread")

    def __init__(self, base: list[int], keys: list[int], unread: int, state: tuple) -> None:
        self.base = base
        self.keys = keys
        self.unread = unread
        self.state = state


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
