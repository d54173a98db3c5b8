"""The reader view: an article's readable text, full screen, scrollable.

Self-contained: the app pushes ``ReaderScreen(readable, url=..., loading=...)``
and, when a fetch finishes, calls :meth:`ReaderScreen.set_readable` or
:meth:`ReaderScreen.set_error`. Every string shown comes from the web and is
put on screen as a Rich ``Text`` (never parsed as markup), already cleaned by
the core.
"""

from __future__ import annotations

from typing import Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, LoadingIndicator, Static

from feedreader.core.web.readable import ReadableText
from feedreader.core.text import clean_text

ReaderState = Literal["loading", "ready", "empty", "error"]


def render_body(readable: ReadableText) -> Text:
    """The article text, then its numbered links, as one Text (no markup involved)."""
    body = Text(readable.text or "", no_wrap=False)
    if readable.links:
        body.append("\n\nLinks\n", style="bold")
        for n, link in enumerate(readable.links, 1):
            body.append(f"[{n}] ", style="dim")
            body.append(link, style="underline")
            body.append("\n")
        body.rstrip()
    return body


class ReaderScreen(Screen[None]):
    """Full-screen reader. ``escape``/``q`` closes; ``j``/``k``/space/PgUp/PgDn scroll."""

    DEFAULT_CSS = """
    ReaderScreen {
        layout: vertical;
    }
    ReaderScreen #reader-title {
        padding: 1 2 0 2;
        text-style: bold;
    }
    ReaderScreen #reader-url {
        padding: 0 2 1 2;
        color: $text-muted;
    }
    ReaderScreen #reader-loading {
        height: 3;
    }
    ReaderScreen #reader-scroll {
        height: 1fr;
        padding: 0 2;
    }
    ReaderScreen #reader-body {
        max-width: 100;
    }
    ReaderScreen.-error #reader-body {
        color: $error;
    }
    """

    BINDINGS = [
        Binding("escape,q", "close", "Close"),
        Binding("j,down", "scroll_lines(1)", "Down", show=False),
        Binding("k,up", "scroll_lines(-1)", "Up", show=False),
        Binding("space,pagedown", "page(1)", "Page down"),
        Binding("b,pageup", "page(-1)", "Page up"),
        Binding("g,home", "edge(0)", "Top", show=False),
        Binding("G,end", "edge(1)", "Bottom", show=False),
    ]

    def __init__(
        self,
        readable: ReadableText | None,
        *,
        url: str,
        loading: bool = False,
        title: str = "",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.url = url
        self._readable = readable
        self._fallback_title = clean_text(title, limit=300)
        self._error: str | None = None
        self.state: ReaderState = "loading" if loading and readable is None else self._ready_state(readable)

    @staticmethod
    def _ready_state(readable: ReadableText | None) -> ReaderState:
        return "ready" if readable is not None and (readable.text or readable.links) else "empty"

    # -- layout ----------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="reader-title", markup=False)
        yield Static(Text(clean_text(self.url, limit=2048), style="underline"), id="reader-url", markup=False)
        yield LoadingIndicator(id="reader-loading")
        with VerticalScroll(id="reader-scroll"):
            yield Static(id="reader-body", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self._paint()
        self.query_one("#reader-scroll", VerticalScroll).focus()

    def _paint(self) -> None:
        title = self.query_one("#reader-title", Static)
        body = self.query_one("#reader-body", Static)
        readable = self._readable
        shown_title = (readable.title if readable is not None else "") or self._fallback_title
        title.update(Text(shown_title or "(untitled)"))
        self.query_one("#reader-loading", LoadingIndicator).display = self.state == "loading"
        self.set_class(self.state == "error", "-error")
        if self.state == "loading":
            body.update(Text("Fetching the page…", style="dim"))
        elif self.state == "error":
            body.update(Text(f"Could not fetch: {self._error}"))
        elif self.state == "empty":
            body.update(Text("No readable text was found on this page.", style="dim"))
        else:
            assert readable is not None
            body.update(render_body(readable))
        self.query_one("#reader-scroll", VerticalScroll).scroll_home(animate=False)

    # -- what the app calls ---------------------------------------------------------
    def set_fetching(self) -> None:
        """Show the loading indicator again (a refetch). (Not ``set_loading``:
        that is Textual's ``Widget.set_loading(loading)``.)"""
        self.state = "loading"
        self._error = None
        if self.is_mounted:
            self._paint()

    def set_readable(self, readable: ReadableText | None) -> None:
        """The page arrived (None: it has no readable text)."""
        self._readable = readable
        self._error = None
        self.state = self._ready_state(readable)
        if self.is_mounted:
            self._paint()

    def set_error(self, message: str) -> None:
        """The fetch failed: ``message`` is the reason ("HTTP 404", "timeout after 30 s"…)."""
        self._error = clean_text(message, limit=300) or "unknown error"
        self.state = "error"
        if self.is_mounted:
            self._paint()

    # -- keys --------------------------------------------------------------------------
    def action_close(self) -> None:
        self.dismiss(None)

    def _scroller(self) -> VerticalScroll:
        return self.query_one("#reader-scroll", VerticalScroll)

    def action_scroll_lines(self, lines: int) -> None:
        self._scroller().scroll_relative(y=lines, animate=False)

    def action_page(self, direction: int) -> None:
        scroller = self._scroller()
        if direction > 0:
            scroller.scroll_page_down(animate=False)
        else:
            scroller.scroll_page_up(animate=False)

    def action_edge(self, end: int) -> None:
        scroller = self._scroller()
        if end:
            scroller.scroll_end(animate=False)
        else:
            scroller.scroll_home(animate=False)
