"""The app's side of search: keys, saved views, the bar's messages, the
header's label and the palette's entries.

``SearchController`` is one object the app builds with what it uses (the
app for notices and focus, the list model, the library, the settings, the
clock and the app's header); the app's ``action_*`` methods for
``SEARCH_BINDINGS`` and its ``on_search_bar_*`` handlers call it. The bar
itself is ``feedreader.ui.search_bar.SearchBar``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding

from feedreader.config import Settings
from feedreader.core.library.library import Library
from feedreader.core.library.query import SavedView, saved_views, view_for_key
from feedreader.core.library.searchhead import CANDIDATES, HEAD_MATCHES
from feedreader.core.library.view import ListModel
from feedreader.core.model import Article
from feedreader.ui.article_list import ArticleList
from feedreader.ui.article_view import ArticleView
from feedreader.ui.safe import plain_command
from feedreader.ui.search_bar import SearchBar, apply_search

SEARCH_BINDINGS = [
    # priority: handled by the app as the key arrives, so the bar has the focus
    # before the keys typed right after "/" are dispatched (a burst or a paste)
    Binding("slash", "search", "Search", key_display="/", priority=True, id="search.open"),
    Binding("t", "filter_topic", "Filter by topic", show=False, id="search.topic"),
    Binding("b", "filter_provider", "Filter by provider", show=False, id="search.provider"),
    # no description: not in the help and palette one by one (see SEARCH_HELP, view_commands)
    *[Binding(str(i), f"saved_view('{i}')", "", show=False, id=f"search.view{i}") for i in range(1, 10)],
]
SEARCH_HELP = [
    ("/", "search and filter: words, \"phrases\", -word, topic:, provider:, q>50, since:7d, before:, is:"),
    ("enter, in the bar", "keep the filter and go back to the list"),
    ("esc, in the bar", "clear the filter"),
    ("t", "filter on the article's topic (again: its next topic)"),
    ("b", "filter on the article's provider"),
    ("1 … 9", "saved views ([views] in the config file)"),
]


class SearchController:
    """Search for the app: the bar, the saved views, filters from the detail pane."""

    def __init__(
        self,
        app: App[Any],
        *,
        model: ListModel,
        library: Library,
        settings: Settings,
        clock: Callable[[], float],
        update_header: Callable[[], None],
    ) -> None:
        self.app = app
        self.model = model
        self.library = library
        self.settings = settings
        self.clock = clock
        self.update_header = update_header
        self.views: list[SavedView] = saved_views(settings.views, now=clock())

    def make_bar(self) -> SearchBar:
        """The widget to yield in ``compose`` (above the panes)."""
        model = self.model
        return SearchBar(self.library, marks=lambda: model.marks, clock=self.clock, id="search",
                         candidates=lambda hidden: model.unsearched_head(CANDIDATES, hidden), prepare=model.prepare,
                         first=lambda result: model.first_matches(result, HEAD_MATCHES))

    @property
    def bar(self) -> SearchBar:
        return self.app.query_one(SearchBar)

    @property
    def article_list(self) -> ArticleList:
        return self.app.query_one(ArticleList)

    def label(self) -> str:
        """``view ai: topic:AI is:unread`` / ``search: xpeng`` / "" for the header."""
        bars = self.app.query(SearchBar)
        return bars.first().label() if bars else ""

    def report_view_problems(self) -> None:
        """Tell about saved views whose query has a mistake (call on mount)."""
        for view in self.views:
            if view.error is not None:
                self.app.notify(f"views.{view.name}: {view.error.message} (column {view.error.position + 1})",
                                title="Settings", severity="warning", timeout=8, markup=False)

    # -- keys -------------------------------------------------------------------
    def open(self) -> None:
        app = self.app
        if app.screen is not app.screen_stack[0]:
            return  # a dialog or the reader view is on top
        if app.focused is self.bar.input:
            self.bar.input.insert_text_at_cursor("/")  # a "/" in the query itself
            return
        self.bar.open()

    def saved_view(self, key: str) -> None:
        view = view_for_key(self.views, key)
        if view is None:
            self.app.notify(f"No saved view on {key}: add one under [views] in the config file.", timeout=3,
                            markup=False)
        elif view.error is not None:
            self.app.notify(f"View {view.name}: {view.error.message}", severity="error", timeout=5, markup=False)
        else:
            self.apply_saved_view(view)

    def apply_saved_view(self, view: SavedView) -> None:
        self.bar.apply_view(view)

    def _detail_article(self) -> Article | None:
        article = self.app.query_one(ArticleView).article
        if article is None:
            self.app.notify("No article is shown.", timeout=2)
        return article

    def filter_topic(self) -> None:
        article = self._detail_article()
        if article is None:
            return
        if not article.topics:
            self.app.notify("This article has no topics.", timeout=2)
            return
        self.bar.filter_topic(article.topics)

    def filter_provider(self) -> None:
        article = self._detail_article()
        if article is None:
            return
        provider = article.provider.name or article.provider.domain
        if not provider:
            self.app.notify("This article has no provider.", timeout=2)
            return
        self.bar.filter_provider(provider)

    # -- the bar's messages -----------------------------------------------------
    def changed(self, message: SearchBar.Changed) -> None:
        if message.result is not None:
            apply_search(self.model, self.article_list, message.result)
            self.update_header()
            if message.result.count is not None and message.result.head is None:
                self.bar.show_count(len(self.model), self.view_total())

    def view_total(self) -> int:
        """How many articles the list shows without the search (hidden ones and
        the unread-only filter count as the list does)."""
        model = self.model
        if model.partial:       # the whole order is being read (ListModel.partial): the library's count
            return model.total
        base = self.library.order(model.order)
        read, hidden, flagged = model.mark_sets()
        drop: set[int] = set()
        if not (model.show_hidden or model.match_shows_hidden):
            drop |= hidden
        if model.unread_only:
            drop |= read
        if getattr(model, "flagged_only", False):
            return len(flagged.difference(drop).intersection(base))
        return len(base) - len(drop.intersection(base)) if drop else len(base)

    def clear_kept(self) -> bool:
        """``escape`` in the list: clear a search kept with ``enter`` (True if there was one)."""
        bars = self.app.query(SearchBar)
        if not bars or not bars.first().is_open:
            return False
        bars.first().clear()
        return True

    def submitted(self, _message: SearchBar.Submitted) -> None:
        self.article_list.focus()

    def cleared(self, _message: SearchBar.Cleared) -> None:
        apply_search(self.model, self.article_list, None)
        self.update_header()
        self.article_list.focus()

    # -- palette ----------------------------------------------------------------
    def view_commands(self) -> Iterator[SystemCommand]:
        """``SystemCommand``s: one per saved view."""
        for view in self.views:
            if view.error is None:
                help_text = f"{view.text}" + (f"  (key {view.key})" if view.key else "")
                yield plain_command(f"View: {view.name}", help_text, partial(self.apply_saved_view, view))
