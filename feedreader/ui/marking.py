"""Read / hidden / flagged marks in the app: keys -> StateStore -> list rows.

``MarksController`` is one object the app builds with what it uses (the app
for notices, timers and dialogs, the list model, the marks store, the
library, the settings, and the app's two repaint calls); the app's
``action_*`` methods for ``MARK_BINDINGS`` call it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.timer import Timer

from feedreader.config import Settings
from feedreader.core.ids import aid_of_identity
from feedreader.core.library.library import Library, ListRow
from feedreader.core.library.view import ListModel
from feedreader.core.marks.bits import FLAGGED, HIDDEN, READ, bits_of
from feedreader.core.marks.store import Change, Marks, StateStore
from feedreader.ui.article_list import ArticleList

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
        self._state_version = -1

    @property
    def article_list(self) -> ArticleList:
        return self.app.query_one(ArticleList)

    # -- loading ------------------------------------------------------------
    def load_marks(self) -> None:
        """Read every mark from the store into the list model."""
        marks = self.state.marks()
        self.model.replace_marks({aid_of_identity(i): bits_of(m) for i, m in marks.items()})
        self._state_version = self.state.version()
        self.show_state_warnings()

    def show_state_warnings(self) -> None:
        for warning in self.state.pop_warnings():
            self.app.notify(warning, title="Marks", severity="warning", timeout=15)

    def check_other_instances(self) -> None:
        """Pick up marks another feedreader wrote (cheap: PRAGMA data_version)."""
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
        current = self.state.marks(change.identities)
        lst = self.article_list
        for identity in change.identities:
            aid = aid_of_identity(identity)
            self.model.set_flags(aid, bits_of(current.get(identity, Marks())))
            lst.refresh_key(aid)
        self._state_version = self.state.version()
        if refilter:
            self._refilter()
        self.update_header()
        self.refresh_notes()

    def _refilter(self) -> None:
        """Re-apply filters, keeping the cursor at the same place in the list."""
        lst = self.article_list
        keep, position = lst.current, lst.cursor
        self.model.rebuild()
        if keep is not None and self.model.index_of(keep) is not None:
            lst.reload(keep=keep)
        else:
            lst.reload()
            lst.cursor = min(position, max(0, len(self.model) - 1))

    def _current_row(self) -> ListRow | None:
        return self.model.row_at(self.article_list.cursor)

    def _toggle(self, field: str) -> Change | None:
        row = self._current_row()
        if row is None:
            return None
        self.check_other_instances()
        return self.state.toggle(row, field)

    def mark_read(self, rows: Iterable[ListRow | None], *, label: str | None = None) -> None:
        """Mark these rows read (opening, the 2-second timer)."""
        unread = [r for r in rows if r is not None and not self.model.flags(r.aid) & READ]
        if unread:
            self._apply_change(self.state.set_marks(unread, read=True, label=label))

    # -- keys ---------------------------------------------------------------
    def toggle_read(self) -> None:
        self.cancel_read_timer()
        change = self._toggle("read")
        if change is not None:
            self._apply_change(change)

    def toggle_hidden(self) -> None:
        change = self._toggle("hidden")
        if change is not None:
            self._apply_change(change, refilter=not self.model.show_hidden)
            if change.count:
                self.app.notify(f"{change.label.capitalize()} (z undoes)", timeout=2)

    def toggle_flag(self) -> None:
        change = self._toggle("flagged")
        if change is not None:
            self._apply_change(change)

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
                lst.cursor = index
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
            rows = self.library.rows(unread)
            change = self.state.set_marks(
                [rows[a] for a in unread if a in rows], read=True,
                label=f"mark {len(unread):,} articles in this view read",
            )
            self._apply_change(change, refilter=self.model.unread_only)
            self.article_list.refresh()
            self.app.notify(f"Marked {change.count:,} articles read (z undoes)", timeout=3)

        self.app.push_screen(
            ConfirmScreen(f"Mark {len(unread):,} articles in this view as read?", "y marks them, n or escape cancels"),
            done,
        )

    def undo(self) -> None:
        change = self.state.undo_change()
        if change is None:
            self.app.notify("Nothing to undo.", timeout=1.5)
            return
        self._apply_change(change, refilter=True)
        self.article_list.refresh()
        self.app.notify(change.label, timeout=3)

    # -- read after a while in the detail pane ------------------------------
    def cancel_read_timer(self) -> None:
        if self._read_timer is not None:
            self._read_timer.stop()
            self._read_timer = None

    def start_read_timer(self, aid: int | None) -> None:
        self.cancel_read_timer()
        delay = self.settings.mark_read_after
        if aid is None or delay <= 0 or self.model.flags(aid) & READ:
            return

        def fire() -> None:
            self._read_timer = None
            if self.article_list.current == aid:
                self.mark_read([self.model.row_at(self.article_list.cursor)])

        self._read_timer = self.app.set_timer(delay, fire)

    def mark_opened(self) -> None:
        """The user opened the article (detail focus, reader, browser)."""
        if self.settings.mark_read_on_open:
            self.cancel_read_timer()
            self.mark_read([self._current_row()])

    # -- detail notes ---------------------------------------------------------
    def notes(self, aid: int) -> list[tuple[str, str, str]]:
        bits = self.model.flags(aid)
        words = ["read" if bits & READ else "unread"]
        if bits & FLAGGED:
            words.append("★ flagged")
        if bits & HIDDEN:
            words.append("hidden")
        return [("Marks", ", ".join(words), "italic")]
