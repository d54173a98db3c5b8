"""The small screens of the feeds: ask for a text (a path), add a feed (its
address and folder), pick one of the feeds a page links to, and the reader
view of a feed entry.

Every string from a feed or a page is shown as a Rich ``Text`` or with
``markup=False``: ``[b]`` in a title stays as typed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from feedreader.core.text import clean_text
from feedreader.core.web.readable import ReadableText
from feedreader.ui.reader import ReaderScreen


class AskScreen(ModalScreen[str | None]):
    """One line of input: enter gives the text, escape None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="ask.cancel")]

    def __init__(self, title: str, hint: str, *, placeholder: str = "", value: str = "") -> None:
        super().__init__()
        self._title, self._hint, self._placeholder, self._value = title, hint, placeholder, value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog confirm"):
            yield Static(Text(self._title, style="bold"), classes="dialog-title")
            yield Input(value=self._value, placeholder=self._placeholder, id="ask-input")
            yield Static(Text(self._hint, style="dim"))

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class AddFeedScreen(ModalScreen[tuple[str, str] | None]):
    """The address of a feed and the folder to put it in: enter (in either
    field) gives ``(url, folder)``, escape None. The existing ``folders`` are
    listed (choosing one fills the folder field) and suggested as it is
    typed; a new name makes a new folder ("a/b" nests), none the top level."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="addfeed.cancel")]

    def __init__(self, folders: Sequence[str]) -> None:
        super().__init__()
        self._folders = sorted({f for f in folders if f}, key=str.casefold)

    def compose(self) -> ComposeResult:
        from textual.suggester import SuggestFromList

        with Vertical(classes="dialog"):
            yield Static(Text("Add a feed", style="bold"), classes="dialog-title")
            yield Input(placeholder="https://… (a feed, or a site's home page: its feed is found)", id="add-url")
            yield Input(placeholder="Folder: none (top level), one below, or type a new one (a/b nests)",
                        id="add-folder", suggester=SuggestFromList(self._folders, case_sensitive=False))
            if self._folders:
                yield OptionList(*(Option(Text(clean_text(f, limit=200)), id=f"folder-{n}")
                                   for n, f in enumerate(self._folders)), id="add-folders")
            yield Static(Text("enter adds, tab moves between the fields, escape cancels.", style="dim"))

    def on_mount(self) -> None:
        self.query_one("#add-url", Input).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        folder = self.query_one("#add-folder", Input)
        folder.value = self._folders[int((event.option.id or "folder-0").removeprefix("folder-"))]
        folder.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        url = self.query_one("#add-url", Input)
        if not url.value.strip():
            url.focus()
            return
        self.dismiss((url.value.strip(), self.query_one("#add-folder", Input).value.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)


class PickScreen(ModalScreen[int | None]):
    """Choose one of several items (``(title, detail)`` each): its index, or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="pick.cancel")]

    def __init__(self, title: str, items: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self._title = title
        self._items = list(items)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self._title, style="bold"), classes="dialog-title")
            options = []
            for n, (title, detail) in enumerate(self._items):
                prompt = Text(f"{n + 1}. ")
                prompt.append(clean_text(title, limit=200) or "(untitled)", "bold")
                prompt.append("\n   ")
                prompt.append(clean_text(detail, limit=300), "dim")
                options.append(Option(prompt, id=str(n)))
            yield OptionList(*options, id="pick-list")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(event.option.id or 0))

    def action_cancel(self) -> None:
        self.dismiss(None)


ENTRY_NOTE = "The text the feed gave (no fetch). v or p fetches the original page."


class EntryReaderScreen(ReaderScreen):
    """The reader view of a feed entry that carries its full content: that
    content at once, without fetching; ``v`` or ``p`` fetches the original
    page (``fetch_original(screen)``, the app's reader fetch)."""

    DEFAULT_CSS = """
    EntryReaderScreen #reader-note {
        padding: 0 2 1 2;
        color: $text-muted;
        text-style: italic;
    }
    """

    BINDINGS = [Binding("v,p", "original", "Original page", id="reader.original")]

    def __init__(self, content: ReadableText, *, url: str, title: str,
                 fetch_original: Callable[[EntryReaderScreen], None]) -> None:
        super().__init__(content, url=url, title=title)
        self._fetch_original = fetch_original
        self.showing_original = False

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            yield widget
            if widget.id == "reader-url":
                yield Static(Text(ENTRY_NOTE), id="reader-note", markup=False)

    def action_original(self) -> None:
        if self.showing_original:
            return
        if not self.url:
            self.notify("This entry has no link to fetch.", severity="warning", markup=False)
            return
        self.showing_original = True
        self.query_one("#reader-note", Static).update(Text("The original page."))
        self._fetch_original(self)
