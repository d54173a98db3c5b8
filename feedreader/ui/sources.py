"""The sources pane: document folders, feed folders and feeds with their
unread counts; choosing one narrows the list to it.

``SourcesPane`` is the widget (an ``OptionList`` and a line for the
highlighted feed's error); ``SourcesController`` is the app's side: which
scopes there are, their article keys (grouped off the UI thread after the
index changes, ``core.library.scopes.group_by_scope``), their counts (set
operations on the model's read/hidden sets, recounted a moment after marks
change), the list's filter (``ListModel.scope``), the feed notes of the
detail pane and the reader view of an entry that carries its content. The
feed work itself (refresh, add, import) is ``feedreader.ui.feed_jobs``.

Every string from a feed is shown as a Rich ``Text``, never as markup.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from feedreader.config import Settings
from feedreader.core.library.library import Library
from feedreader.core.library.scopes import Count, count_groups, folder_prefix
from feedreader.core.library.view import ListModel
from feedreader.core.model import Article
from feedreader.ui.article_list import ArticleList
from feedreader.ui.fetching import FetchController
from feedreader.ui.marking import MarksController
from feedreader.ui.messages import (
    FeedAdded,
    FeedProbed,
    FeedsImported,
    FeedsListed,
    FeedsProgress,
    FeedsRefreshed,
    SourcesGrouped,
)

if TYPE_CHECKING:
    from feedreader.core.feeds.store import Feed
    from feedreader.ui.feed_jobs import FeedJobs

SOURCES_BINDINGS = [
    Binding("S", "toggle_sources", "Sources", show=False, tooltip="Show / hide the sources pane: folders and feeds, unread counts",
            id="sources.toggle"),
    Binding("r", "refresh_feed", "Refresh feed", show=False,
            tooltip="Refresh the feed selected in the sources pane, else the article's feed", id="sources.refresh"),
    Binding("R", "refresh_all_feeds", "Refresh all feeds", show=False, tooltip="Refresh every feed",
            id="sources.refresh_all"),
]
RECOUNT_DELAY = 0.3     # seconds after a change of marks before the pane's counts are redone
ALL = "all"

RowKind = Literal["all", "heading", "doc", "folder", "feed"]


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One line of the pane. ``scope``: "all", "doc:N", "folder:PATH", "feed:ID" ("" for a heading)."""

    scope: str
    kind: RowKind
    label: str
    depth: int = 0
    error: str | None = None


def build_rows(docs: list[str], feeds: list[Feed]) -> list[SourceRow]:
    """The pane's lines: All, the document sources, then the feed folders
    (nested by "/") with their feeds, and the feeds outside any folder."""
    rows = [SourceRow(ALL, "all", "All")]
    if docs:
        rows.append(SourceRow("", "heading", "Documents"))
        rows += [SourceRow(f"doc:{n}", "doc", name, 1) for n, name in enumerate(docs)]
    if not feeds:
        return rows
    rows.append(SourceRow("", "heading", "Feeds"))
    by_folder: dict[str, list[Feed]] = {}
    folders: set[str] = set()
    for feed in feeds:
        by_folder.setdefault(feed.folder, []).append(feed)
        parts = feed.folder.split("/") if feed.folder else []
        folders.update("/".join(parts[: i + 1]) for i in range(len(parts)))

    def emit(parent: str, depth: int) -> None:
        for folder in sorted(f for f in folders if f.rpartition("/")[0] == parent and f != parent):
            rows.append(SourceRow(f"folder:{folder}", "folder", folder.rpartition("/")[2], depth))
            emit(folder, depth + 1)
        for feed in by_folder.get(parent, ()):
            error = ("gone: " if feed.gone else "") + (feed.last_error or "") if feed.last_error or feed.gone else None
            rows.append(SourceRow(f"feed:{feed.id}", "feed", feed.name, depth, error))

    emit("", 1)
    return rows


def row_prompt(row: SourceRow, count: Count | None) -> Text:
    if row.kind == "heading":
        return Text(row.label, style="bold")
    unread = count.unread if count else 0
    t = Text(no_wrap=True, overflow="ellipsis")
    t.append(f"{unread:>6,} " if unread else "       ", "bold" if unread else "dim")
    t.append("  " * max(0, row.depth - 1))
    if row.kind == "folder":
        t.append("▸ ", "dim")
    if row.error:
        t.append("! ", "bold red")
    t.append(row.label, "" if unread else "dim")
    return t


class SourcesList(OptionList):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="sources.down"),
        Binding("k", "cursor_up", "Up", show=False, id="sources.up"),
    ]


class SourcesPane(Vertical):
    """The pane; ``on_choose(scope)`` on enter, ``handle(message)`` for the
    feed messages posted to it (from the workers)."""

    DEFAULT_CSS = """
    SourcesPane {
        width: 34;
        display: none;
        border-right: solid $primary-darken-2;
    }
    SourcesPane.-shown {
        display: block;
    }
    SourcesPane > #sources-title {
        padding: 0 1;
        color: $text-muted;
    }
    SourcesPane > SourcesList {
        height: 1fr;
        background: transparent;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    SourcesPane > #sources-note {
        height: auto;
        max-height: 6;
        padding: 0 1;
        color: $error;
        display: none;
    }
    """

    def __init__(self, *, on_choose: Callable[[str], None], handle: Callable[[Message], None],
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self._on_choose = on_choose
        self._handle = handle
        self.rows: list[SourceRow] = []
        self._shown: list[tuple[SourceRow, int, bool]] = []   # per line: its row, unread count, underlined
        self.chosen = ALL

    def compose(self) -> ComposeResult:
        yield Static(Text("Sources"), id="sources-title")
        yield SourcesList(id="sources-list", markup=False)
        yield Static(id="sources-note", markup=False)

    @property
    def option_list(self) -> SourcesList:
        return self.query_one(SourcesList)

    def show_rows(self, rows: list[SourceRow], counts: dict[str, Count]) -> None:
        """Paint ``rows`` with ``counts``, the highlight kept on the same scope.
        The same rows again (a recount after marks changed): only the lines
        whose count or underline changed are replaced (at 1,000 feeds, making
        every option again was ~45 ms of the UI thread's CPU, this ~14)."""
        lst = self.option_list
        keep = self.highlighted_row()
        shown = [(row, counts[row.scope].unread if row.scope in counts else 0,
                  row.scope == self.chosen and row.kind != "heading") for row in rows]
        if rows == self.rows and len(self._shown) == len(shown) == lst.option_count:
            for i, (line, before) in enumerate(zip(shown, self._shown)):
                if line != before:
                    lst.replace_option_prompt_at_index(i, self._prompt(*line))
            self._shown = shown
            self._show_note()
            return
        self.rows = rows
        self._shown = shown
        options = [Option(self._prompt(*line), id=line[0].scope or None, disabled=line[0].kind == "heading")
                   for line in shown]
        lst.clear_options()
        lst.add_options(options)
        index = next((i for i, r in enumerate(rows) if keep is not None and r.scope == keep.scope), None)
        lst.highlighted = index if index is not None else 0
        self._show_note()

    @staticmethod
    def _prompt(row: SourceRow, unread: int, underlined: bool) -> Text:
        prompt = row_prompt(row, Count(unread=unread))
        if underlined:
            prompt.stylize("underline")   # the one the list is narrowed to
        return prompt

    def highlighted_row(self) -> SourceRow | None:
        index = self.option_list.highlighted
        return self.rows[index] if index is not None and 0 <= index < len(self.rows) else None

    def _show_note(self) -> None:
        row = self.highlighted_row()
        note = self.query_one("#sources-note", Static)
        if row is not None and row.error:
            text = Text("! ", style="bold")
            text.append(row.label, "bold")
            text.append(f"\n{row.error}")
            note.update(text)
            note.display = True
        else:
            note.display = False

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._show_note()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self._on_choose(event.option.id)

    # the feed workers post their messages (ui/messages.py) to the pane: they stop here
    def _forward(self, message: Message) -> None:
        message.stop()
        self._handle(message)

    def on_feeds_listed(self, message: FeedsListed) -> None:
        self._forward(message)

    def on_sources_grouped(self, message: SourcesGrouped) -> None:
        self._forward(message)

    def on_feeds_progress(self, message: FeedsProgress) -> None:
        self._forward(message)

    def on_feeds_refreshed(self, message: FeedsRefreshed) -> None:
        self._forward(message)

    def on_feed_probed(self, message: FeedProbed) -> None:
        self._forward(message)

    def on_feed_added(self, message: FeedAdded) -> None:
        self._forward(message)

    def on_feeds_imported(self, message: FeedsImported) -> None:
        self._forward(message)


class SourcesController:
    """Scopes, counts and the list's filter for the sources pane; notes and the
    reader view for feed entries. ``feed_store``/``feed_entries`` None: no feeds."""

    def __init__(
        self,
        app: App[Any],
        *,
        model: ListModel,
        library: Library,
        settings: Settings,
        marks: MarksController,
        fetching: FetchController,
        feed_store: Path | None,
        feed_entries: Path | None,
        update_header: Callable[[], None],
        refresh_notes: Callable[[], None],
        rescan: Callable[[], None],
    ) -> None:
        self.app = app
        self.model = model
        self.library = library
        self.settings = settings
        self.marks = marks
        self.fetching = fetching
        self.feed_store = feed_store
        self.feed_entries = feed_entries
        self.update_header = update_header
        self.refresh_notes = refresh_notes
        self.rescan = rescan
        self.feeds: list[Feed] = []
        self.by_id: dict[int, Feed] = {}
        self.groups: dict[str, set[int]] = {}
        self.counts: dict[str, Count] = {}
        self.chosen = ALL
        self.note = ""                  # for the header: a refresh's progress
        self._stale = True              # the groups are older than the index
        self._recount_timer: Timer | None = None
        self._entries_prefix = folder_prefix(feed_entries.resolve()) if feed_entries is not None else None
        entries = feed_entries.resolve() if feed_entries is not None else None
        self.doc_sources = [s for s in library.sources if Path(s).resolve() != entries]
        self._jobs: FeedJobs | None = None

    # -- parts ------------------------------------------------------------------
    def make_pane(self) -> SourcesPane:
        return SourcesPane(on_choose=self.choose, handle=self.handle, id="sources")

    @property
    def pane(self) -> SourcesPane:
        return self.app.query_one(SourcesPane)

    def post(self, message: Message) -> None:
        """Post to the pane (from a worker thread); dropped when the app has closed
        its screen already (a refresh still running at quit raised NoMatches)."""
        from textual.css.query import NoMatches

        try:
            pane = self.pane
        except NoMatches:
            return
        pane.post_message(message)

    @property
    def article_list(self) -> ArticleList:
        return self.app.query_one(ArticleList)

    @property
    def jobs(self) -> FeedJobs:
        """The feed work (refresh, add, import): loaded with the first use."""
        if self._jobs is None:
            from feedreader.ui.feed_jobs import FeedJobs

            self._jobs = FeedJobs(self)
        return self._jobs

    @property
    def shown(self) -> bool:
        return self.pane.has_class("-shown")

    def handle(self, message: Message) -> None:
        """A feed message (posted to the pane by a worker)."""
        if isinstance(message, FeedsListed):
            self.listed(message.feeds)
        elif isinstance(message, SourcesGrouped):
            self.grouped(message)
        else:
            self.jobs.handle(message)

    # -- start --------------------------------------------------------------------
    def start(self) -> None:
        """At mount: once the first screen is painted, the feeds that are due are
        refreshed in the background (``[feeds] refresh_on_start``); nothing at all
        without a feed store. (Its worker's imports, the fetcher's and the parser's,
        took the GIL from the first paint.)"""
        if self.feed_store is None or not self.feed_store.exists():
            return
        self.app.call_after_refresh(self._start)

    def _start(self) -> None:
        if self.settings.feeds.refresh_on_start:
            self.jobs.refresh("due", quiet=True)
        else:
            self.jobs.list_feeds()

    # -- scopes and counts -------------------------------------------------------
    def scopes(self) -> dict[str, str]:
        """scope -> the path prefix of its files (folders are unions of their feeds)."""
        out: dict[str, str] = {}
        for n, source in enumerate(self.doc_sources):
            path = Path(source).resolve()
            out[f"doc:{n}"] = folder_prefix(path) if path.is_dir() else str(path)
        if self._entries_prefix is not None:
            for feed in self.feeds:
                out[f"feed:{feed.id}"] = f"{self._entries_prefix}{feed.id}{os.sep}"
        return out

    def _needed(self) -> bool:
        return self.shown or self.chosen != ALL

    def index_changed(self) -> None:
        """After an index batch: the groups are regrouped when the pane needs them."""
        self._stale = True
        if self._needed():
            self.regroup()

    def regroup(self) -> None:
        from functools import partial

        self.app.run_worker(partial(self._group, self.scopes(), self.library.index.db_path),
                            name="_sources_group", group="sources", exclusive=True, thread=True,
                            exit_on_error=False)

    def _group(self, scopes: dict[str, str], db_path: Path) -> None:
        """(A thread: ~0.1 s at 100,000 articles.) Its own read connection."""
        from feedreader.core.library.scopes import generation, group_by_scope, read_connection

        conn = read_connection(db_path)
        try:
            conn.execute("BEGIN")
            groups = group_by_scope(conn, scopes)
            gen = generation(conn)
            conn.execute("COMMIT")
        finally:
            conn.close()
        self.post(SourcesGrouped(gen, groups))

    def grouped(self, message: SourcesGrouped) -> None:
        self.groups = message.groups
        self._stale = False
        if self.chosen != ALL:
            self._apply_scope()
        self.recount()

    def scope_aids(self, scope: str) -> set[int] | None:
        if scope == ALL:
            return None
        if scope.startswith("folder:"):
            folder = scope[7:]
            out: set[int] = set()
            for feed in self.feeds:
                if feed.folder == folder or feed.folder.startswith(folder + "/"):
                    out |= self.groups.get(f"feed:{feed.id}", set())
            return out
        return self.groups.get(scope, set())

    def marks_changed(self) -> None:
        """Marks changed: recount a moment later (one recount for a burst of keys)."""
        if not self.shown:
            return
        if self._recount_timer is not None:
            self._recount_timer.stop()
        self._recount_timer = self.app.set_timer(RECOUNT_DELAY, self.recount)

    def recount(self) -> None:
        """The counts from the groups and the model's marks (set operations: a few
        ms at 100,000 articles), then the pane repainted."""
        self._recount_timer = None
        read, hidden, _flagged = self.model.mark_sets()
        counts = count_groups(self.groups, read, hidden)
        folders: dict[str, list[int]] = {}
        for feed in self.feeds:
            c = counts.get(f"feed:{feed.id}", Count())
            parts = feed.folder.split("/") if feed.folder else []
            for i in range(len(parts)):
                pair = folders.setdefault(f"folder:{'/'.join(parts[: i + 1])}", [0, 0])
                pair[0] += c.total
                pair[1] += c.unread
        counts.update({k: Count(t, u) for k, (t, u) in folders.items()})
        leaves = [c for k, c in counts.items() if k.startswith(("doc:", "feed:"))]
        counts[ALL] = Count(sum(c.total for c in leaves), sum(c.unread for c in leaves))
        self.counts = counts
        if self.shown:
            self.repaint()

    def repaint(self) -> None:
        names = [Path(s).name or str(s) for s in self.doc_sources]
        self.pane.chosen = self.chosen
        self.pane.show_rows(build_rows(names, self.feeds), self.counts)

    def listed(self, feeds: list[Feed]) -> None:
        """The feeds as the store has them now: the pane's rows (and groups, if
        new feeds), and what ``feed:``/``folder:`` name in a search."""
        known = set(self.by_id)
        self.feeds = feeds
        self.by_id = {f.id: f for f in feeds}
        if self.feed_entries is not None:
            from feedreader.core.feeds.scopes import feed_scopes

            self.library.scopes = feed_scopes(feeds, self.feed_entries, self.library.source_scopes)
        if set(self.by_id) != known:
            self._stale = True
        if self.chosen.startswith("feed:") and int(self.chosen[5:]) not in self.by_id:
            self.choose(ALL)
        if self._needed() and self._stale:
            self.regroup()
        elif self.shown:
            self.repaint()
        self.refresh_notes()

    # -- keys ------------------------------------------------------------------------
    def toggle(self) -> None:
        pane = self.pane
        if self.shown:
            pane.remove_class("-shown")
            if pane.has_focus_within:
                self.article_list.focus()
            return
        pane.add_class("-shown")
        if self._stale:
            self.regroup()
        self.recount()
        pane.option_list.focus()

    def choose(self, scope: str) -> None:
        """Narrow the list to ``scope`` ("all": every article)."""
        self.chosen = scope
        if scope != ALL and self._stale:
            self.regroup()      # the filter follows when the groups arrive
        self._apply_scope()
        if self.shown:
            self.repaint()

    def _apply_scope(self) -> None:
        lst = self.article_list
        keep = lst.current
        self.model.scope = self.scope_aids(self.chosen)
        self.model.rebuild()
        lst.reload(keep=keep if keep is not None and self.model.index_of(keep) is not None else None)
        self.update_header()

    def label(self) -> str:
        """For the header: where the list is narrowed to ("" for all)."""
        if self.chosen == ALL:
            return ""
        kind, _, value = self.chosen.partition(":")
        if kind == "feed":
            feed = self.by_id.get(int(value))
            return f"feed: {feed.name}" if feed else ""
        if kind == "doc":
            n = int(value)
            return f"folder: {Path(self.doc_sources[n]).name}" if n < len(self.doc_sources) else ""
        return f"folder: {value}"

    def feed_of(self, path: str) -> int | None:
        """The id of the feed whose entry is the file ``path`` (None: not a feed entry)."""
        prefix = self._entries_prefix
        if prefix is None or not path.startswith(prefix):
            return None
        head = path[len(prefix):].split(os.sep, 1)[0]
        return int(head) if head.isdigit() else None

    def refresh_targets(self) -> list[int] | None:
        """``r``: the feed (or folder) highlighted in the focused pane, else the
        feed of the article under the cursor (None: neither)."""
        if self.shown and self.pane.has_focus_within:
            row = self.pane.highlighted_row()
            if row is not None and row.kind == "feed":
                return [int(row.scope[5:])]
            if row is not None and row.kind == "folder":
                folder = row.scope[7:]
                return [f.id for f in self.feeds if f.folder == folder or f.folder.startswith(folder + "/")]
        article = self.fetching.current_article()
        feed_id = self.feed_of(article.path) if article is not None else None
        return [feed_id] if feed_id is not None else None

    def refresh_current(self) -> None:
        targets = self.refresh_targets()
        if not targets:
            self.app.notify("This article is not from a feed (R refreshes every feed).", timeout=3, markup=False)
            return
        self.jobs.refresh(targets)

    def refresh_all(self) -> None:
        if self.feed_store is None or not self.feed_store.exists():
            self.app.notify("No feeds yet: add one from the command palette (ctrl+p, “Add feed”).",
                            timeout=4, markup=False)
            return
        self.jobs.refresh("all")

    # -- detail and reader ------------------------------------------------------------
    def notes(self, article: Article) -> list[tuple[str, str, str]]:
        """The detail pane's line about the entry's feed when its last refresh failed."""
        feed_id = self.feed_of(article.path)
        feed = self.by_id.get(feed_id) if feed_id is not None else None
        if feed is None or not (feed.last_error or feed.gone):
            return []
        return [("Feed", f"{feed.name}: {feed.last_error or 'gone'}", "red")]

    def reader(self) -> bool:
        """The reader view of a feed entry with its content (True: shown, no fetch)."""
        article = self.fetching.current_article()
        if article is None or not article.body or self.feed_of(article.path) is None:
            return False
        from feedreader.core.web.readable import ReadableText
        from feedreader.ui.feed_dialogs import EntryReaderScreen

        aid = self.article_list.current
        self.marks.mark_opened()
        content = ReadableText(title=article.title, text=article.body, links=(), url=article.url or "")

        def original(screen: EntryReaderScreen) -> None:
            screen.set_fetching()
            self.fetching._start_reader(screen, screen.url, aid)   # the reader view's own fetch

        self.app.push_screen(EntryReaderScreen(content, url=article.url or "", title=article.title,
                                               fetch_original=original))
        return True
