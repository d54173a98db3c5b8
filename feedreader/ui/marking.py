"""Read / hidden / flagged marks in the app: keys -> StateStore -> list rows.

``MarksController`` is one object the app builds with what it uses (the app
for notices, timers and dialogs, the list model, the marks store, the
library, the settings, and the app's two repaint calls); the app's
``action_*`` methods for ``MARK_BINDINGS`` call it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.timer import Timer

from feedreader.config import Settings
from feedreader.core.ids import aid_of_identity
from feedreader.core.library.library import Library, ListRow
from feedreader.core.library.view import ListModel
from feedreader.core.marks.bits import FLAGGED, HIDDEN, READ, bits_of
from feedreader.core.marks.store import Change, Marks, StateStore
from feedreader.ui.article_list import ArticleList
from feedreader.ui.article_view import ArticleView
from feedreader.ui.safe import plural

MARK_BINDINGS = [
    Binding("m", "toggle_read", "Read/unread", id="marks.read"),
    Binding("x", "toggle_hidden", "Hide", tooltip="Hide / unhide (hidden ones leave the list)", id="marks.hide"),
    Binding("f", "toggle_flag", "Flag", id="marks.flag"),
    Binding("u", "toggle_unread_only", "Unread only", tooltip="Show only unread articles / all",
            id="marks.unread_only"),
    Binding("H", "toggle_show_hidden", "Show hidden", show=False, tooltip="Show hidden articles too / not",
            id="marks.show_hidden"),
    Binding("n", "next_unread", "Next unread", show=False, id="marks.next_unread"),
    Binding("N", "previous_unread", "Previous unread", show=False, id="marks.previous_unread"),
    Binding("M", "mark_all_read", "Mark all read", show=False,
            tooltip="Mark every article in the view read (asks first)", id="marks.all_read"),
    Binding("z", "undo", "Undo", tooltip="Undo the last change (several levels)", id="marks.undo"),
]


class MarksController:
    """The mark keys, the read timer, and the marks another feedreader writes.

    ``update_header`` and ``refresh_notes`` are the app's: the header's counts
    and the detail pane's status lines, after marks changed.

    The read timer (``mark_read_after`` seconds): time counts only while the
    article is shown in a detail pane on screen, after the user moved the
    cursor to it (not the article the list starts on, nor one a reload,
    filter, hide or another copy's change puts under the cursor). An article
    the user marked unread (``m``) stays unread until the user opens it. A
    read by the timer is not an undo step (``z`` undoes the user's own last
    change).

    ``m``, ``f`` and marking read (opening, the timer) do not wait for the
    marks file: the list, the header and the detail pane's notes show the
    new marks at once (what the store will make of them: the cursor's row
    flipped), and the store's transaction (``synchronous=FULL``: an fsync,
    ~5-15 ms here, the most of a mark key's frame) runs in one writer thread,
    in the order of the keys; when it is done the rows are brought to what
    the store holds (the same, unless another feedreader changed them), and
    its warnings shown. Everything else that reads or writes the store
    (``x``, ``z``, mark all, another copy's marks) first waits for the writes
    under way (``flush``), as the app does when it ends.
    """

    def __init__(
        self,
        app: App[Any],
        *,
        model: ListModel,
        state: StateStore,
        library: Library,
        settings: Settings,
        update_header: Callable[[], None],
        refresh_notes: Callable[[], None],
    ) -> None:
        self.app = app
        self.model = model
        self.state = state
        self.library = library
        self.settings = settings
        self.update_header = update_header
        self.refresh_notes = refresh_notes
        self._read_timer: Timer | None = None
        self._timer_aid: int | None = None
        self._kept_unread: set[int] = set()     # set unread by the user: no timer until opened
        self._state_version = -1
        self.unsaved = 0        # changes made while the store keeps marks in memory only
        # (rows, label, undo) -> the rows to mark read: the whole story with read_whole_story (ui/storying.py)
        self.widen_read: Callable[[list[ListRow | None], str | None, bool], tuple] = lambda r, lb, u: (r, lb, u)
        self._writer: ThreadPoolExecutor | None = None
        self._pending: list[Future] = []        # writes under way, in order
        self._written: dict[str, Marks] = {}    # identity -> its marks after the writes done since the last settle

    @property
    def article_list(self) -> ArticleList:
        return self.app.query_one(ArticleList)

    # -- loading ------------------------------------------------------------
    def load_marks(self) -> None:
        """Read every mark from the store into the list model."""
        self.flush()
        marks = self.state.marks()
        self.model.replace_marks({aid_of_identity(i): bits_of(m) for i, m in marks.items()})
        self._state_version = self.state.version()
        self.show_state_warnings()

    def show_state_warnings(self, warnings: Iterable[str] | None = None) -> None:
        """The store's warnings: popped now, or those a write in the writer thread popped."""
        for warning in self.state.pop_warnings() if warnings is None else warnings:
            self.app.notify(warning, title="Marks", severity="warning", timeout=15)

    def check_other_instances(self) -> None:
        """Pick up marks another feedreader wrote (cheap: PRAGMA data_version)."""
        self.flush()
        if self.state.changed_since(self._state_version):
            keep = self.article_list.current
            self.load_marks()
            self.model.rebuild()
            self.article_list.reload(keep=keep)
            self.update_header()
            self.refresh_notes()

    # -- applying changes ---------------------------------------------------
    def _apply_change(self, change: Change, *, refilter: bool = False) -> None:
        """Copy the store's marks of the changed articles into the model."""
        self.show_state_warnings()
        if not change.count:
            return
        if not self.state.persistent:
            self.unsaved += change.count
        current = self.state.marks(change.identities)
        self._set_rows({aid_of_identity(i): bits_of(current.get(i, Marks())) for i in change.identities},
                       self.article_list)
        self._state_version = self.state.version()
        if refilter:
            self._refilter()
        self.update_header()
        self.refresh_notes()

    # -- writing in the writer thread ---------------------------------------
    def _set_rows(self, bits: dict[int, int], lst: ArticleList | None) -> bool:
        """These articles' marks (aid -> bits) into the model, their rows repainted
        (``lst``); whether any changed."""
        changed = False
        for aid, value in bits.items():
            if self.model.flags(aid) != value:
                self.model.set_flags(aid, value)
                changed = True
                if lst is not None:
                    lst.refresh_key(aid)
        return changed

    def _show_now(self, bits: dict[int, int]) -> None:
        """Show these articles' marks (aid -> bits) before the store has them."""
        self._set_rows(bits, self.article_list)
        self.update_header()
        self.refresh_notes()

    def _write_later(self, write: Callable[[], Change]) -> None:
        """``write`` (one store change) in the writer thread, after those under way;
        ``_done`` on the app's thread when it is done (a callback message: an
        exception there is the app's, as in a handler). Without a running event
        loop (no app running), at once."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            self._apply_change(write())
            return
        if self._writer is None:
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="marks-writer")
        state = self.state

        def work() -> tuple[Change, dict[str, Marks], list[str], int, bool]:
            change = write()
            return change, state.marks(change.identities), state.pop_warnings(), state.version(), state.persistent

        future = self._writer.submit(work)
        self._pending.append(future)

        # (post_message is thread-safe; once the app has ended it posts nothing: ``flush`` settled it)
        future.add_done_callback(lambda finished: self.app.call_later(self._done, finished))

    def _done(self, future: Future) -> None:
        """A write is done (on the app's thread): settle once none is under way."""
        if future not in self._pending:
            return          # settled by ``flush``
        self._take(future)
        if not self._pending:
            self._settle()

    def _take(self, future: Future) -> None:
        self._pending.remove(future)
        change, current, warnings, version, persistent = future.result()    # a bug's exception: here
        self.show_state_warnings(warnings)
        if not persistent:
            self.unsaved += change.count
        for identity in change.identities:
            self._written[identity] = current.get(identity, Marks())
        self._state_version = version

    def _settle(self) -> None:
        """The rows the writes touched, as the store holds them (as shown, unless
        another feedreader changed them meanwhile, or the store could not save)."""
        written, self._written = self._written, {}
        try:
            lst: ArticleList | None = self.article_list
        except NoMatches:       # (the app is ending)
            lst = None
        changed = self._set_rows({aid_of_identity(i): bits_of(m) for i, m in written.items()}, lst)
        if lst is not None and (changed or not self.state.persistent):
            self.update_header()
            self.refresh_notes()

    def flush(self) -> None:
        """Wait for the writes under way and settle them (before another use of the
        store, and when the app ends)."""
        if not self._pending:
            return
        while self._pending:
            future = self._pending[0]
            future.exception()      # waits
            self._take(future)
        self._settle()

    def close(self) -> None:
        """The app ends: the writes under way finished, the writer thread ended."""
        self.flush()
        if self._writer is not None:
            self._writer.shutdown()
            self._writer = None

    def _refilter(self) -> None:
        """Re-apply filters; the cursor stays on its article, or the nearest after it."""
        lst = self.article_list
        keep = lst.current
        self.model.rebuild()
        lst.reload(keep=keep)

    def _current_row(self) -> ListRow | None:
        return self.model.row_at(self.article_list.cursor)

    def _toggle(self, field: str) -> Change | None:
        row = self._current_row()
        if row is None:
            return None
        self.check_other_instances()
        return self.state.toggle(row, field)

    def _toggle_later(self, field: str, bit: int) -> ListRow | None:
        """Flip ``field`` of the cursor's article: shown now, written in the writer thread."""
        row = self._current_row()
        if row is None:
            return None
        if not self._pending:
            self.check_other_instances()    # (else after those writes: no wait on the file here)
            row = self._current_row()
            if row is None:
                return None
        state = self.state
        self._show_now({row.aid: self.model.flags(row.aid) ^ bit})
        self._write_later(lambda: state.toggle(row, field))
        return row

    def mark_read(self, rows: Iterable[ListRow | None], *, label: str | None = None, undo: bool = True) -> None:
        """Mark these rows read (opening; the read timer, with ``undo`` False):
        shown now, written in the writer thread."""
        rows, label, undo = self.widen_read(list(rows), label, undo)
        unread = [r for r in rows if r is not None and not self.model.flags(r.aid) & READ]
        if unread:
            state = self.state
            self._show_now({r.aid: self.model.flags(r.aid) | READ for r in unread})
            self._write_later(lambda: state.set_marks(unread, read=True, label=label, undo=undo))

    def _title(self, identities: Iterable[str]) -> str:
        """“Title” of the one article of ``identities`` ("" for several or none)."""
        found = list(identities)
        if len(found) != 1:
            return ""
        aid = aid_of_identity(found[0])
        row = self.library.rows([aid]).get(aid)
        return f"“{row.title or '(untitled)'}”" if row is not None else ""

    # -- keys ---------------------------------------------------------------
    def toggle_read(self) -> None:
        self.cancel_read_timer()
        row = self._toggle_later("read", READ)
        if row is not None:
            if self.model.flags(row.aid) & READ:
                self._kept_unread.discard(row.aid)
            else:
                self._kept_unread.add(row.aid)

    def toggle_hidden(self) -> None:
        row = self._current_row()
        change = self._toggle("hidden")
        if change is not None:
            self._apply_change(change, refilter=not self.model.show_hidden)
            if change.count and row is not None:
                verb = "Hidden" if self.model.flags(row.aid) & HIDDEN else "Unhidden"
                self.app.notify(f"{verb}: “{row.title or '(untitled)'}” (z undoes)", timeout=2)

    def toggle_flag(self) -> None:
        self._toggle_later("flagged", FLAGGED)

    def toggle_unread_only(self) -> None:
        self.model.unread_only = not self.model.unread_only
        self._refilter()
        self.update_header()

    def toggle_show_hidden(self) -> None:
        self.model.show_hidden = not self.model.show_hidden
        self._refilter()
        self.update_header()
        self.app.notify("Showing hidden articles" if self.model.show_hidden else "Hiding hidden articles",
                        timeout=1.5)

    def jump_unread(self, step: int) -> None:
        """To the next (``step`` 1) or previous (-1) unread article in the list."""
        lst = self.article_list
        index = lst.cursor + step
        keys, marks = self.model.keys, self.model.marks
        while 0 <= index < len(keys):
            if not marks.get(keys[index], 0) & READ:
                lst.move(index)
                return
            index += step
        self.app.notify("No more unread articles this way.", timeout=1.5)

    def mark_all_read(self) -> None:
        from feedreader.ui.screens import ConfirmScreen

        marks = self.model.marks
        unread = [a for a in self.model.keys if not marks.get(a, 0) & READ]
        if not unread:
            self.app.notify("Every article in this view is already read.", timeout=2)
            return

        def done(confirmed: bool | None) -> None:
            if not confirmed:
                return
            self.flush()
            rows = self.library.rows(unread)
            change = self.state.set_marks(
                [rows[a] for a in unread if a in rows], read=True,
                label=f"mark {plural(len(unread), 'article')} in this view read",
            )
            self._apply_change(change, refilter=self.model.unread_only)
            self.article_list.refresh()
            self.app.notify(f"Marked {plural(change.count, 'article')} read (z undoes)", timeout=3)

        self.app.push_screen(
            ConfirmScreen(f"Mark {plural(len(unread), 'article')} in this view as read?",
                          "y marks them, n or escape cancels"),
            done,
        )

    def undo(self) -> None:
        self.flush()
        label = self.state.undo_label
        change = self.state.undo_change()
        if change is None:
            self.app.notify("Nothing to undo.", timeout=1.5)
            return
        self._apply_change(change, refilter=True)
        self.article_list.refresh()
        title = self._title(change.identities)
        text = f"Undid: {label}" if label else change.label
        self.app.notify(f"{text}: {title}" if title else text, timeout=3)

    # -- read after a while in the detail pane ------------------------------
    def cancel_read_timer(self) -> None:
        if self._read_timer is not None:
            self._read_timer.stop()
            self._read_timer = None
        self._timer_aid = None

    def detail_visible(self) -> bool:
        """Whether the detail pane is on the screen the user sees (not off screen
        in a narrow terminal, nor under a dialog or the reader view)."""
        views = self.app.query(ArticleView)
        if not views:
            return False
        view = views.first()
        return (self.app.screen is view.screen and view.display and view.region.width > 0
                and view.is_on_screen)

    def start_read_timer(self, aid: int | None, *, moved: bool) -> None:
        """``aid`` is shown in the detail pane; ``moved``: because the user moved
        the cursor to it (else a reload put it there: a timer already counting
        for it goes on, none starts)."""
        if not moved:
            if aid is None or aid != self._timer_aid:
                self.cancel_read_timer()
            return
        self.cancel_read_timer()
        delay = self.settings.mark_read_after
        if aid is None or delay <= 0 or self.model.flags(aid) & READ or aid in self._kept_unread:
            return

        def fire() -> None:
            self._read_timer = self._timer_aid = None
            if self.article_list.current != aid:
                return
            if not self.detail_visible():
                return
            row = self.model.row_at(self.article_list.cursor)
            if row is not None:
                self.mark_read([row], undo=False, label=f"read after {delay:g} s: “{row.title or '(untitled)'}”")

        self._timer_aid = aid
        self._read_timer = self.app.set_timer(delay, fire)

    def mark_opened(self) -> None:
        """The user opened the article (detail focus, reader, browser)."""
        row = self._current_row()
        if row is not None:
            self._kept_unread.discard(row.aid)
        if self.settings.mark_read_on_open:
            self.cancel_read_timer()
            self.mark_read([row])

    def confirm_quit(self, quit_now: Callable[[], object]) -> None:
        """``q``: marks changed while the store keeps them in memory only (it
        cannot write its file) are lost on quitting: ask first."""
        from feedreader.ui.screens import ConfirmScreen

        if not self.unsaved or self.state.persistent:
            quit_now()
            return

        def done(confirmed: bool | None) -> None:
            if confirmed:
                quit_now()

        self.app.push_screen(ConfirmScreen(
            f"Quit and lose {plural(self.unsaved, 'change')} of marks? The marks file could not be written.",
            "y quits, n or escape stays"), done)

    # -- detail notes ---------------------------------------------------------
    def notes(self, aid: int) -> list[tuple[str, str, str]]:
        bits = self.model.flags(aid)
        words = ["read" if bits & READ else "unread"]
        if bits & FLAGGED:
            words.append("★ flagged")
        if bits & HIDDEN:
            words.append("hidden")
        return [("Marks", ", ".join(words), "italic")]
