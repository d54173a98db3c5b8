"""The ``/`` search bar: live results as the user types, errors in place.

``SearchBar`` is a two-line widget (the query, then a status line) placed
above the panes. It does not touch the list itself: it posts messages and the
app applies them (``apply_search`` does that in one call).

- typing: the text is parsed at once (a mistake is shown under the query, with
  a caret, and the list keeps its last results); a valid query is searched
  after ``debounce`` seconds of quiet, in a thread worker (``exclusive``, on a
  ``Searcher`` with its own SQLite connection: a newer search interrupts an
  older one, whose results are dropped). Each result is posted as
  ``SearchBar.Changed``.
- ``enter``: ``SearchBar.Submitted`` (the app returns focus to the list; the
  filter stays, and so does the bar, showing the query and its count).
- ``esc``: the query is cleared, the bar closes, ``SearchBar.Cleared``.

Saved views and the topic/provider filters of the detail pane put a query in
the bar with ``set_query`` (searched at once, focus unchanged).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from collections.abc import Callable, Mapping, Sequence

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static

from feedreader.core.library.library import Library
from feedreader.core.library.query import (
    QueryError,
    SavedView,
    parse_query,
    provider_query,
    topic_query,
)
from feedreader.core.library.search import SearchCancelled, SearchResult
from feedreader.core.library.searcher import Searcher
from feedreader.core.library.view import ListModel
from feedreader.ui.article_list import ArticleList
from feedreader.ui.messages import SearchFound

log = logging.getLogger("feedreader.ui")

PLACEHOLDER = 'words, "a phrase", -exclude, topic:AI provider:name q>50 since:7d before:2021-12-01 is:unread'
HINT = "enter: keep the filter · esc: clear"


class SearchBar(Vertical):
    """Search as you type; see the module docstring for the messages."""

    DEFAULT_CSS = """
    SearchBar {
        height: auto;
        display: none;
        background: $panel;
        padding: 0 1;
    }
    SearchBar.-open { display: block; }
    SearchBar > Input {
        border: none;
        height: 1;
        padding: 0;
        background: $panel;
    }
    SearchBar > Input:focus { border: none; background: $boost; }
    SearchBar > #search-status { height: 1; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
    SearchBar.-error > #search-status { color: $text-error; }
    """

    BINDINGS = [Binding("escape", "clear", "Clear search", id="search.clear")]

    class Changed(Message):
        """New results (``result``), or a mistake in the text (``error``)."""

        def __init__(self, bar: "SearchBar", text: str, result: SearchResult | None, error: QueryError | None) -> None:
            super().__init__()
            self.bar = bar
            self.text = text
            self.result = result
            self.error = error

        @property
        def control(self) -> "SearchBar":
            return self.bar

    class Submitted(Message):
        """``enter``: keep the filter, go back to the list."""

        def __init__(self, bar: "SearchBar", text: str) -> None:
            super().__init__()
            self.bar = bar
            self.text = text

        @property
        def control(self) -> "SearchBar":
            return self.bar

    class Cleared(Message):
        """``esc``: no filter any more; the bar closed."""

        def __init__(self, bar: "SearchBar") -> None:
            super().__init__()
            self.bar = bar

        @property
        def control(self) -> "SearchBar":
            return self.bar

    def __init__(
        self,
        library: Library,
        *,
        marks: Callable[[], Mapping[int, int]],
        clock: Callable[[], float] = time.time,
        candidates: Callable[[bool], list[int] | None] | None = None,
        prepare: Callable[[SearchResult], object] | None = None,
        first: Callable[[SearchResult], list[int] | None] | None = None,
        debounce: float = 0.03,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.library = library
        self.marks = marks
        self.clock = clock
        self.debounce = debounce
        self.candidates = candidates    # the list's first keys without a search (ListModel.unsearched_head)
        self.prepare = prepare          # the list's keys for a result, made in the worker (ListModel.prepare)
        self.first = first              # and its first rows, before (ListModel.first_matches)
        self._shows_hidden = False
        self.result: SearchResult | None = None   # the results last posted (None: no filter)
        self.error: QueryError | None = None
        self.view: SavedView | None = None        # the saved view the query came from
        self._searcher: Searcher | None = None
        self._timer: Timer | None = None
        self._generation = 0
        self._pending = False

    def compose(self) -> ComposeResult:
        yield Input(placeholder=PLACEHOLDER, id="search-input", select_on_focus=False)
        yield Static("", id="search-status", markup=False)

    def on_unmount(self) -> None:
        self._generation += 1
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    # -- what the app calls ---------------------------------------------------
    @property
    def input(self) -> Input:
        return self.query_one("#search-input", Input)

    @property
    def text(self) -> str:
        return self.input.value

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    @property
    def active(self) -> bool:
        """A filter is applied (the last results posted were a filter)."""
        return self.result is not None and self.result.count is not None

    @property
    def busy(self) -> bool:
        """A search is waiting for quiet or running."""
        return self._pending

    def open(self, text: str | None = None) -> None:
        """Show the bar and focus it (``/``); ``text`` replaces the query."""
        self.add_class("-open")
        if text is not None and text != self.text:
            self.input.value = text
        # focus now, not on the next loop turn (Widget.focus defers): keys
        # typed right after "/" are already queued and must reach the bar
        self.screen.set_focus(self.input)
        self.input.cursor_position = len(self.input.value)

    def set_query(self, text: str, *, view: SavedView | None = None) -> None:
        """Put ``text`` in the bar and search it now (views, topic filters);
        the bar opens but the focus stays where it is."""
        self.add_class("-open")
        self.view = view
        with self.prevent(Input.Changed):
            self.input.value = text
        self.input.cursor_position = len(text)
        self._changed(text, debounce=False)

    def apply_view(self, view: SavedView) -> None:
        self.set_query(view.text, view=view)

    def filter_topic(self, topics: Sequence[str]) -> None:
        """Filter on one of an article's topics; again, on the next one."""
        if not topics:
            return
        queries = [topic_query(t) for t in topics]
        current = self.text.strip()
        following = queries[(queries.index(current) + 1) % len(queries)] if current in queries else queries[0]
        self.set_query(following)

    def filter_provider(self, provider: str) -> None:
        """Filter on one provider (its name)."""
        if provider:
            self.set_query(provider_query(provider))

    def rerun(self) -> None:
        """Search the current text again (the index or the marks changed)."""
        if self.is_open and self.text.strip() and self.error is None:
            self._changed(self.text, debounce=False)

    def clear(self) -> None:
        """Forget the filter, close the bar, post ``Cleared``."""
        self._cancel()
        self._generation += 1
        with self.prevent(Input.Changed):
            self.input.value = ""
        self.result = None
        self.error = None
        self.view = None
        self.remove_class("-open", "-error")
        self._status("")
        self.post_message(self.Cleared(self))

    def label(self) -> str:
        """For the header: ``view ai: topic:AI is:unread``, ``search: xpeng``, or ""."""
        if not self.active or self.result is None:
            return ""
        described = self.result.query.describe()
        if self.view is not None and self.view.text.strip() == self.text.strip():
            return f"view {self.view.name}: {described}"
        return f"search: {described}"

    # -- keys and typing -----------------------------------------------------------
    def action_clear(self) -> None:
        self.clear()

    @on(Input.Changed, "#search-input")
    def _input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.view is not None and event.value.strip() != self.view.text.strip():
            self.view = None
        self._changed(event.value, debounce=True)

    @on(Input.Submitted, "#search-input")
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.error is not None:
            self.app.bell()
            return
        if not event.value.strip():
            self.clear()
            return
        self.post_message(self.Submitted(self, event.value))

    def _changed(self, text: str, *, debounce: bool) -> None:
        self._cancel()
        self._generation += 1
        try:
            query = parse_query(text, now=self.clock())
        except QueryError as exc:
            self._show_error(text, exc)
            self.post_message(self.Changed(self, text, None, exc))
            return
        self.error = None
        self.remove_class("-error")
        self._shows_hidden = query.shows_hidden
        if query.is_empty:
            result = SearchResult(query, None)
            self.result = result
            self._status("")
            self.post_message(self.Changed(self, text, result, None))
            return
        self._pending = True
        generation = self._generation
        if debounce and self.debounce > 0:
            self._timer = self.set_timer(self.debounce, lambda: self._search(generation, text))
        else:
            self._search(generation, text)

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    # -- searching -----------------------------------------------------------
    def _search(self, generation: int, text: str) -> None:
        self._timer = None
        if generation != self._generation:
            return
        if self._searcher is None:
            self._searcher = self.library.searcher()
        candidates = self.candidates(self._shows_hidden) if self.candidates is not None else None
        self._worker(self._searcher, generation, text, self.marks(), self.clock(), candidates)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _worker(self, searcher: Searcher, generation: int, text: str, marks: Mapping[int, int], now: float,
                candidates: list[int] | None = None) -> None:
        """The list's first matches first when they are a screenful (``search_head``: a dense
        query, whose whole result costs most), then the whole result with the list's keys
        made here (``prepare``), so that the UI thread only swaps them in."""
        try:
            if candidates:
                head = searcher.search_head(text, candidates, marks=marks, now=now)
                if head is not None:
                    self.post_message(SearchFound(generation, text, head, None))
            result = searcher.search(text, marks=marks, now=now)
            if self.prepare is not None and generation == self._generation:
                try:
                    first = self.first(result) if self.first is not None else None
                    if first is not None:     # (a large list: its first rows before the whole is made)
                        self.post_message(SearchFound(generation, text, replace(result, head=first), None))
                    result = replace(result, listed=self.prepare(result))
                except Exception:   # (the marks changed under it: the UI thread filters as before)
                    log.debug("preparing the list for %r failed", text, exc_info=True)
        except SearchCancelled:
            return
        except Exception as exc:  # shown in the bar, never a crash while typing
            log.exception("search for %r failed", text)
            self.post_message(SearchFound(generation, text, None, f"search failed: {exc}"))
            return
        self.post_message(SearchFound(generation, text, result, None))

    @on(SearchFound)
    def _found(self, message: SearchFound) -> None:
        message.stop()
        if message.generation != self._generation or message.text != self.text:
            return  # the user typed on: a newer search is coming
        self._pending = False
        if message.failure is not None:
            self.add_class("-error")
            self._status(message.failure)
            return
        result = message.result
        assert result is not None
        self.result = result
        if result.head is not None:     # the list's first matches: the whole result follows
            self._pending = True
            counted = result.exclude is not None or len(result.include or ()) > len(result.head)
            self._status(f"{result.count or 0:,} of {self.library.count():,} match, listing… · {HINT}" if counted
                         else f"{len(result.head):,}+ match, counting… · {HINT}")
            self.post_message(self.Changed(self, message.text, result, None))
            return
        count = result.count or 0
        total = self.library.count()
        self._status(f"{count:,} of {total:,} match · {HINT}")
        self.post_message(self.Changed(self, message.text, result, None))

    # -- status line ------------------------------------------------------------
    def _show_error(self, text: str, error: QueryError) -> None:
        self.error = error
        self._pending = False
        self.add_class("-error")
        scroll = int(self.input.scroll_x)
        pointer = error.pointer()[scroll:] if scroll < error.end else ""
        self._status(f"{pointer} {error.message}" if pointer.strip() else error.message)

    def show_count(self, shown: int, of: int) -> None:
        """The status line's count: ``shown`` articles listed of the ``of`` the list
        has without the search (the app's filters and hidden articles counted)."""
        if self.active and self.error is None:
            self._status(f"{shown:,} of {of:,} match · {HINT}")

    def _status(self, text: str) -> None:
        self.query_one("#search-status", Static).update(Text(text, no_wrap=True, overflow="ellipsis"))


def apply_search(model: ListModel, article_list: ArticleList, result: SearchResult | None) -> None:
    """Show ``result`` in the list: filter the keys, highlight titles, keep the
    cursor on the current article if it still matches, else on the nearest
    one after it that does.

    ``result`` None (or an empty query) removes the filter.
    """
    keep = article_list.current
    if model.head_kept is not None:     # over a search's first matches: back to the cursor's article
        if keep == model.head_kept[1]:  # unless the user moved since
            keep = model.head_kept[0]
        model.head_kept = None
    model.set_search(result)
    article_list.highlight = result.highlight if result is not None and result.count is not None else None
    model.rebuild()
    article_list.reload(keep=keep)
    if result is not None and result.head is not None:
        model.head_kept = (keep, article_list.current)
