"""FeedReaderApp: wiring between the panes, the keys and the core.

The app holds little logic of its own: keys become calls on its three
controllers (``MarksController``, ``FetchController``, ``SearchController``,
each built here with what it uses) and on the core (library, list model);
slow calls run in workers, and a thread worker's results come back as
messages (``feedreader.ui.messages``), never by writing the app's state.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import ClassVar

from rich.console import RenderableType
from textual import events, on
from textual.actions import SkipAction
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.reactive import Reactive
from textual.screen import Screen
from textual.visual import VisualType
from textual.widgets import Footer, Header, Input, ProgressBar
from textual.widgets._header import HeaderTitle  # not exported; AppHeader's title (tests/ui/test_textual_internals.py)
from textual.worker import Worker, WorkerState

from feedreader.config import Settings
from feedreader.core.library.library import ORDER_LABELS, ORDERS, Library
from feedreader.core.web.pagecache import PageCache
from feedreader.core.marks.store import StateStore
from feedreader.core.library.view import ListModel
from feedreader.ui.article_list import ArticleList
from feedreader.ui.article_view import ArticleView, DetailExtras, ahead_of
from feedreader.ui.indexing import INDEX_BAR_DELAY, IndexController  # noqa: F401 (tests)
from feedreader.ui.fetching import FETCH_BINDINGS, FetchController, Opener
from feedreader.ui.lead_image import ImageController, ImageReady
from feedreader.ui.keys import MAIN_SCREEN_ONLY, app_key_groups, binding_commands, help_sections, keys_in_force
from feedreader.ui.keys import resolve_keymap
from feedreader.ui.layout import LayoutController, fit_header
from feedreader.ui.marking import MARK_BINDINGS, MarksController
from feedreader.ui.reader import ReaderScreen
from feedreader.ui.messages import BrowserOpened, IndexBatch, IndexProgress, IndexScanned, StoriesGrouped, SyncUpdate
from feedreader.ui.commands import FeedCommands
from feedreader.ui.safe import notify_plain, plain_command, plural
from feedreader.ui.search_bar import SearchBar
from feedreader.ui.searching import SEARCH_BINDINGS, SearchController
from feedreader.ui.sources import SOURCES_BINDINGS, SourcesController
from feedreader.ui.storying import STORY_BINDINGS, StoryController
from feedreader.ui.syncing import SyncController
from feedreader.ui.themes import ThemeKeeper

log = logging.getLogger("feedreader.ui")

RESCAN_EVERY = 30.0        # seconds between looks for new files in the sources (Services.rescan_every)


class _Title(HeaderTitle):
    """The header's one line: new text never changes its size (no layout of the screen);
    the same text again is no repaint."""

    _shown: VisualType | None = None

    def update(self, content: VisualType = "", *, layout: bool = False) -> None:
        if content == self._shown:
            return
        self._shown = content
        super().update(content, layout=False)


class AppHeader(Header):
    """Textual's header, but a new sub-title repaints only its line (marks change it)."""

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            yield _Title() if type(widget) is HeaderTitle else widget

    def show_title(self) -> None:
        """The title now, in the frame of the key that changed it (Textual's own watcher
        sets it in a callback after the key: the mark key's frame waited for it)."""
        for title in self.query(_Title):
            title.update(self.format_title())


@dataclass(frozen=True)
class Services:
    """Everything the app talks to, built outside it (tests pass their own)."""

    library: Library
    settings: Settings
    state: StateStore
    page_cache: PageCache
    clock: Callable[[], float] = time.time
    opener: Opener | None = None       # None: the browser setting, $BROWSER, the system's (ui/browser.py)
    scan_on_start: bool = True
    rescan_every: float | None = None  # seconds between rescans for new files; None: RESCAN_EVERY if scan_on_start
    feed_store: Path | None = None     # feeds.sqlite (ui/sources.py); None: no feeds in this run
    feed_entries: Path | None = None   # the folder of feed entries (one of the library's sources)
    renderer: str = "auto"             # lead images: auto | kitty | sixel | halfblocks (ui/lead_image.py)
    ui_state: Path | None = None       # where the chosen theme is remembered (ui/themes.py); None: nowhere


class FeedReaderApp(App[int]):
    """A keyboard-driven reader for curated news.

    Three controllers do the work of their keys (``action_*`` here are one
    line each): ``marking`` (marks), ``fetching`` (pages, browser, reader
    view), ``searching`` (the search bar and saved views).
    """

    CSS_PATH = "app.tcss"
    TITLE = "feedreader"

    # the header shows the counts: its own line repaints (AppHeader), not the whole screen
    sub_title: Reactive[str] = Reactive("", compute=False, repaint=False)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", key_display="?", id="app.help"),
        Binding("s", "cycle_sort", "Sort", tooltip="Sort: newest → best → ranked", id="app.sort"),
        Binding("exclamation_mark", "problems", "Problems", key_display="!",
                tooltip="Files that could not be read, and why", id="app.problems"),
        Binding("escape", "focus_list", "List", show=False, tooltip="Back to the list", id="app.focus_list"),
        Binding("ctrl+r", "rescan", "Rescan", show=False, tooltip="Look for new, changed and deleted files",
                id="app.rescan"),
        Binding("i", "toggle_images", "Images", show=False, tooltip="Show or hide the lead image",
                id="app.images"),
        *MARK_BINDINGS,
        *FETCH_BINDINGS,
        *SEARCH_BINDINGS,
        *SOURCES_BINDINGS,
        *STORY_BINDINGS,
    ]
    COMMANDS = App.COMMANDS | {FeedCommands}

    # Textual's handler of an uncaught exception (no public hook does this);
    # tests/ui/test_textual_internals.py checks it is still there
    def _handle_exception(self, error: Exception) -> None:
        """A damaged article index (a disposable cache, see core/library/index.py) is
        deleted and the app exits with a word instead of a traceback."""
        from feedreader.core.library.index import damaged

        if damaged(error) and self.library.index.discard_if_damaged():
            self.exit(return_code=1, message=(
                f"feedreader: the article index was damaged ({error}) and has been deleted; start"
                " feedreader again to rebuild it from your documents (your marks are kept elsewhere and are safe)."))
            return
        super()._handle_exception(error)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Every notification, whoever asks: plain text, never markup (ui/safe.py)."""
        notify_plain(self, message, title=title, severity=severity, timeout=timeout)

    def format_title(self, title: str, sub_title: str) -> Content:
        """The header's line: elided to the terminal's width, the counts kept (ui/layout.py)."""
        return fit_header(title, sub_title, self.size.width)

    async def on_event(self, event: events.Event) -> None:
        """A key is handled and its frame painted with the garbage collector
        held off; the next frame out releases it (``_display``). A young
        collection holds 5-15 ms of Textual's objects at 100,000 articles and
        fell into about one page key in five; it now runs after the frame
        (after a move, the detail pane's, which follows). A key that paints
        nothing releases it after 0.1 s. Not touched when collections are off
        anyway (a user's or a test's choice)."""
        if isinstance(event, events.Key) and not event.is_forwarded and gc.isenabled():
            gc.disable()
            self._gc_held = True
            self._gc_keys += 1      # (an earlier key's timer leaves this key's hold alone)
            self.set_timer(0.1, partial(self._release_gc, self._gc_keys))
        await super().on_event(event)

    # Textual's "write a frame to the terminal" (no public after-frame hook);
    # tests/ui/test_textual_internals.py checks it is still there
    def _display(self, screen: Screen, renderable: RenderableType | None) -> None:
        super()._display(screen, renderable)
        # after a move the detail pane's frame follows the list's: collections wait for it too
        # (one let go here ran in the pane's update: 19-48 ms for a page key, not 17)
        if not (self._gc_held and any(lst.highlight_due for lst in screen.query(ArticleList))):
            self._release_gc()

    def _release_gc(self, key: int | None = None) -> None:
        if self._gc_held and key in (None, self._gc_keys):
            self._gc_held = False
            gc.enable()

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.library = services.library
        self.settings = services.settings
        self.clock = services.clock
        self.state = services.state
        self.page_cache = services.page_cache
        self.opener = services.opener
        self.model = ListModel(self.library, services.settings.sort)
        from feedreader.core.web.images import ImageCache

        self.images = ImageController(self, fetcher=lambda: self.fetching.fetcher,
                                      cache=ImageCache(self.page_cache.dir / "images"),
                                      enabled=services.settings.images, renderer=services.renderer)
        self.themes = ThemeKeeper(self, configured=services.settings.theme, state_path=services.ui_state)
        self.marking = MarksController(
            self, model=self.model, state=self.state, library=self.library, settings=self.settings,
            update_header=self._marks_changed, refresh_notes=self.refresh_detail_notes)
        self.fetching = FetchController(
            self, model=self.model, library=self.library, settings=self.settings, page_cache=self.page_cache,
            opener=self.opener, marks=self.marking, images=self.images, update_header=self.update_header,
            refresh_notes=self.refresh_detail_notes)
        self.searching = SearchController(
            self, model=self.model, library=self.library, settings=self.settings, clock=self.clock,
            update_header=self.update_header)
        self.sources = SourcesController(
            self, model=self.model, library=self.library, settings=self.settings, marks=self.marking,
            fetching=self.fetching, feed_store=services.feed_store, feed_entries=services.feed_entries,
            update_header=self.update_header, refresh_notes=self.refresh_detail_notes, rescan=self.rescan)
        self.layout = LayoutController(self)
        self.keys_now: dict[str, str] = {}      # binding id -> its keys in force (help, palette)
        self.indexing = IndexController(self, model=self.model, library=self.library,
                                        scan_on_start=services.scan_on_start, on_batch=self._index_batch_shown,
                                        update_header=self.update_header)
        self.stories = StoryController(self, model=self.model, library=self.library, settings=self.settings,
                                       state=self.state, marks=self.marking, on_change=self._index_batch_shown,
                                       update_header=self.update_header)
        self.syncing = SyncController(self, settings=self.settings, state=self.state, marks=self.marking,
                                      feed_store=services.feed_store, feed_entries=services.feed_entries,
                                      update_header=self.update_header, rescan=self.rescan,
                                      list_feeds=lambda: self.sources.jobs.list_feeds())
        self._gc_held = False       # collections held off while a key's frame is made (on_event)
        self._gc_keys = 0

    # -- layout -------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield self.searching.make_bar()
        with Horizontal(id="panes"):
            yield self.sources.make_pane()
            yield ArticleList(self.model, clock=self.clock, status=self.fetching.row_status, id="list")
            yield ArticleView(clock=self.clock, images=self.images.enabled, renderer=self.services.renderer,
                              extras=self.detail_extras(), id="detail")
        yield ProgressBar(id="indexing", show_eta=False)
        yield ProgressBar(id="fetching", show_eta=False)
        yield Footer()

    def detail_extras(self) -> DetailExtras:
        """The pane's score explanations, story members, and the articles it renders ahead (ui/article_view.py)."""
        return DetailExtras(self.library, lambda: self.stories.view.data,
                            load=lambda aid: self.stories.with_heat(self.library.article(aid)),
                            ahead=lambda: ahead_of(self.article_list.cursor,
                                                   self.article_list.scrollable_content_region.height,
                                                   self.model.key_at))

    @property
    def article_list(self) -> ArticleList:
        return self.query_one(ArticleList)

    @property
    def article_view(self) -> ArticleView:
        return self.query_one(ArticleView)

    @property
    def search_bar(self) -> SearchBar:
        return self.query_one(SearchBar)

    def on_mount(self) -> None:
        self.title = f"feedreader — {self.library.name}"
        self.themes.start()
        if self.themes.problem:
            self.notify(self.themes.problem, title="Settings", severity="warning", timeout=8)
        self.query_one("#indexing", ProgressBar).display = False
        self.query_one("#fetching", ProgressBar).display = False
        groups = app_key_groups(self.BINDINGS)
        keymap, key_problems = resolve_keymap(groups, self.settings.keys)
        self.set_keymap(keymap)
        self.keys_now = keys_in_force(groups, keymap)
        self.marking.load_marks()
        self.model.rebuild()
        self.indexing.start()
        self.article_list.reload()
        self.article_list.focus()
        self.update_header()
        if self.library.index.notice:
            self.notify(self.library.index.notice, severity="warning")
        for problem in (*self.settings.problems, *key_problems):
            self.notify(problem, title="Settings", severity="warning", timeout=8)
        self.searching.report_view_problems()
        if self.services.scan_on_start:
            self.rescan()
        self.sources.start()    # the feeds that are due, in the background (never waits on the network)
        self.syncing.start()    # the feed server at start and every sync_every, in the background (ui/syncing.py)
        # another feedreader may mark articles too: look every 2 s (and on focus)
        self.set_interval(2.0, self.check_other_instances)
        every = self.services.rescan_every
        if (every if every is not None else RESCAN_EVERY * self.services.scan_on_start) > 0:
            self.set_interval(every or RESCAN_EVERY, self.rescan)   # new files in the sources: "3 new"

    def on_resize(self, event: events.Resize) -> None:
        self.layout.resized(event.size.width)
        self.update_header()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The list's keys act on the main screen only (not behind the reader view or a dialog)."""
        if action in MAIN_SCREEN_ONLY and self.screen_stack and self.screen is not self.screen_stack[0]:
            return False
        return True

    async def action_quit(self) -> None:
        """``q``: with marks that could not be saved (a read-only marks file), ask first."""
        self.marking.confirm_quit(self.exit)

    def on_app_focus(self) -> None:
        self.check_other_instances()

    def check_other_instances(self) -> None:
        self.marking.check_other_instances()

    async def on_unmount(self) -> None:
        self._release_gc()      # a key that quit the app held collections off
        self.marking.close()    # the marks still being written (ui/marking.py)
        await self.fetching.close_fetcher()

    # -- header ---------------------------------------------------------------
    def update_header(self) -> None:
        total = self.model.total    # (while the list shows the order's head only: the library's count)
        parts = [f"{plural(total, 'article')}, sorting…" if self.model.partial
                 else f"{len(self.model):,}+ articles, counting…" if self.model.head is not None   # (search head)
                 else f"{self.model.unread:,} unread / {plural(total, 'article')}"]
        if not self.state.persistent:
            parts.append("marks not saved (read-only)")
        parts.append(ORDER_LABELS[self.model.order])
        filters = [name for name, on in (("unread only", self.model.unread_only),
                                         ("with hidden", self.model.show_hidden),
                                         ("by story", self.stories.view.on)) if on]
        if filters:
            parts.append(", ".join(filters))
        if self.indexing.problem_count:
            parts.append(f"{plural(self.indexing.problem_count, 'problem')} (!)")
        if self.fetching.note:
            parts.append(self.fetching.note)
        if self.sources.note:
            parts.append(self.sources.note)
        if self.syncing.note:
            parts.append(self.syncing.note)
        label = self.searching.label()
        if label:
            parts.insert(1, label)      # after the counts: a narrow header cuts from the end (ui/layout.py)
        if self.sources.label():
            parts.insert(1, self.sources.label())
        self.sub_title = " · ".join(parts)
        for header in self.query(AppHeader):
            header.show_title()

    # -- indexing (ui/indexing.py) ------------------------------------------
    def rescan(self) -> None:
        self.indexing.rescan()

    def action_rescan(self) -> None:
        self.rescan()

    def on_index_scanned(self, message: IndexScanned) -> None:
        self.indexing.scanned(message)
        self.stories.index_changed()    # stories and rules follow, in the background (ui/storying.py)

    def on_stories_grouped(self, message: StoriesGrouped) -> None:
        self.stories.grouped(message)

    def on_sync_update(self, message: SyncUpdate) -> None:
        self.syncing.handle(message)

    def on_index_progress(self, message: IndexProgress) -> None:
        self.indexing.progress(message)

    def on_index_batch(self, message: IndexBatch) -> None:
        self.indexing.batch(message)

    def _index_batch_shown(self) -> None:
        keep = self.article_list.current
        self.model.forget_rows()
        self.model.rebuild()
        self.article_list.reload(keep=keep)
        self.update_header()
        self.search_bar.rerun()
        self.sources.index_changed()

    def on_article_list_order_read(self, message: ArticleList.OrderRead) -> None:
        if self.model.partial and message.order == self.model.order:
            self._index_batch_shown()     # the list, its counts, a search and the sources follow

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            log.error("background task %s failed: %r", event.worker.name, error, exc_info=error)
            self.notify(f"{event.worker.name} failed: {error}", title="Error", severity="error", timeout=10)

    # -- highlighting -------------------------------------------------------------
    @on(ArticleList.Highlighted)
    def _show_highlighted(self, message: ArticleList.Highlighted) -> None:
        self.show_article(message.aid, moved=message.moved)

    def show_article(self, aid: int | None, *, moved: bool = False) -> None:
        """Show ``aid``; ``moved``: the user moved the cursor to it (the read timer, ui/marking.py)."""
        article = self.article_view.extras.article(aid) if aid is not None else None   # type: ignore[union-attr]
        self.article_view.show(article)
        self.images.load(self.article_view.lead.image)
        self.refresh_detail_notes()
        self.marking.start_read_timer(aid, moved=moved)

    def article_notes(self, aid: int | None) -> list[tuple[str, str, str]]:
        """Status lines under the detail header: marks (and fetch state)."""
        article = self.article_view.article
        if aid is None or article is None:
            return []
        return (self.marking.notes(aid) + self.fetching.notes(article.url, article.original_url or article.web_url)
                + self.sources.notes(article))

    def refresh_detail_notes(self) -> None:
        self.article_view.set_notes(self.article_notes(self.article_list.current))

    @on(ArticleList.Selected)
    def _focus_detail(self, _message: ArticleList.Selected) -> None:
        self.marking.mark_opened()
        self.layout.open_detail()
        self.article_view.focus()

    @on(ArticleView.ReadRequested)
    def _read_requested(self, _message: ArticleView.ReadRequested) -> None:
        self.action_reader()

    @on(ArticleView.RelatedChosen)
    def _related_chosen(self, message: ArticleView.RelatedChosen) -> None:
        aid = message.aid if message.aid is not None else self.library.find_by_url(message.related.url)
        if aid is None:
            self.notify("That story is not in this library.", timeout=3)
            return
        self.jump_to(aid)

    def jump_to(self, aid: int) -> None:
        self.stories.reveal(aid)    # story mode: a folded article's story opens (ui/storying.py)
        index = self.model.index_of(aid)
        if index is None:
            self.notify("That article is filtered out of the current view.", severity="warning")
            return
        self.layout.close_detail()
        self.article_list.move(index)
        self.article_list.focus()

    # -- the controllers' keys and messages (MARK_, FETCH_, SEARCH_BINDINGS) -------
    def action_toggle_read(self) -> None:
        self.marking.toggle_read()

    def action_toggle_hidden(self) -> None:
        self.marking.toggle_hidden()

    def action_toggle_flag(self) -> None:
        self.marking.toggle_flag()

    def action_toggle_unread_only(self) -> None:
        self.marking.toggle_unread_only()

    def action_toggle_show_hidden(self) -> None:
        self.marking.toggle_show_hidden()

    def action_next_unread(self) -> None:
        self.marking.jump_unread(1)

    def action_previous_unread(self) -> None:
        self.marking.jump_unread(-1)

    def action_mark_all_read(self) -> None:
        self.marking.mark_all_read()

    def action_undo(self) -> None:
        self.marking.undo()

    def action_open_browser(self) -> None:
        self.fetching.open_browser()

    def action_prefetch(self) -> None:
        self.fetching.prefetch()

    def action_prefetch_view(self) -> None:
        self.fetching.prefetch_view()

    def action_reader(self) -> None:
        if not self.sources.reader():   # a feed entry's own content first, else the page
            self.fetching.reader()

    def action_toggle_sources(self) -> None:
        self.sources.toggle()
        self.layout.refit()     # the panes' room changed without a resize (ui/layout.py)

    def action_refresh_feed(self) -> None:
        self.sources.refresh_current()

    def action_refresh_all_feeds(self) -> None:
        self.sources.refresh_all()

    def _marks_changed(self) -> None:
        self.update_header()
        self.sources.marks_changed()

    def on_browser_opened(self, message: BrowserOpened) -> None:
        self.fetching.opened(message)

    def on_reader_screen_follow(self, message: ReaderScreen.Follow) -> None:
        self.fetching.follow(message.url, read=message.read)

    async def on_image_ready(self, message: ImageReady) -> None:
        """A lead image (or why not) for the detail pane and any reader view showing it."""
        for view in self.query(ArticleView):     # none once the app is closing
            await view.lead.set_result(message.url, message.result)
        await self.fetching.image_ready(message)

    def action_story(self, what: str) -> None:   # c, +, - (STORY_BINDINGS)
        getattr(self.stories, what)()

    def action_toggle_images(self) -> None:
        self.images.enabled = not self.images.enabled
        self.article_view.set_images(self.images.enabled)
        self.images.load(self.article_view.lead.image)
        self.notify("Images on." if self.images.enabled else "Images off.", timeout=1.5)

    def action_search(self) -> None:
        if self.screen is not self.screen_stack[0] and isinstance(self.focused, Input):
            raise SkipAction()      # a "/" typed in a dialog's input (an address, a path) is a "/"
        self.searching.open()

    def action_saved_view(self, key: str) -> None:
        self.searching.saved_view(key)

    def action_filter_topic(self) -> None:
        self.searching.filter_topic()

    def action_filter_provider(self) -> None:
        self.searching.filter_provider()

    def on_search_bar_changed(self, message: SearchBar.Changed) -> None:
        self.searching.changed(message)

    def on_search_bar_submitted(self, message: SearchBar.Submitted) -> None:
        self.searching.submitted(message)

    def on_search_bar_cleared(self, message: SearchBar.Cleared) -> None:
        self.searching.cleared(message)

    # -- actions ------------------------------------------------------------------
    def action_focus_list(self) -> None:
        """``escape``: back to the list (narrow: from the full-size detail); in the list: clear a kept search."""
        if self.layout.close_detail():
            self.article_list.focus()
            return
        if self.focused is self.article_list and self.searching.clear_kept():
            return
        self.article_list.focus()

    def action_cycle_sort(self) -> None:
        order = ORDERS[(ORDERS.index(self.model.order) + 1) % len(ORDERS)]
        self.set_order(order)

    def set_order(self, order: str) -> None:
        keep = self.article_list.current
        self.model.order = order
        self.model.rebuild()
        self.article_list.reload(keep=keep)
        self.update_header()
        self.notify(f"Sorted: {ORDER_LABELS[order]}", timeout=1.5)

    def action_help(self) -> None:
        from feedreader.ui.screens import HelpScreen

        self.push_screen(HelpScreen(self.key_help()))

    def action_problems(self) -> None:
        from feedreader.ui.screens import ProblemsScreen

        self.push_screen(ProblemsScreen(self.indexing.problems()))

    def key_help(self) -> list[tuple[str, list[tuple[str, ...]]]]:
        """(section, [(keys in force, description, binding id)]) for the help screen."""
        return help_sections(self.BINDINGS, self.keys_now)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for order in ORDERS:
            yield plain_command(f"Sort: {ORDER_LABELS[order]}", f"Order the list {ORDER_LABELS[order]}",
                                partial(self.set_order, order))
        # every key of the app is a command too, with its key in force as the help text
        yield from binding_commands(self.BINDINGS, self.keys_now, self.run_action)
        yield from self.searching.view_commands()
