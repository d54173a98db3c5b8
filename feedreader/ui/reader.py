"""The reader view: an article's readable text, full screen, scrollable.

Self-contained: the app pushes ``ReaderScreen(readable, url=..., loading=...)``
and, when a fetch finishes, calls :meth:`ReaderScreen.set_readable` or
:meth:`ReaderScreen.set_error`. Every string shown comes from the web and is
put on screen as a Rich ``Text`` (never parsed as markup), already cleaned by
the core.

Links: the page's links are numbered ``[n]``. Typing a number opens link n
in the browser (a number that could go on, 1 of 12, waits ``NUMBER_WAIT``
for the next digit; ``l`` then the number and ``enter`` never guesses);
``tab``/``shift+tab`` select a link, ``enter`` reads the selected link in the
reader view when it is an article of the library (else it opens in the
browser), ``o`` opens it; ``y`` copies the article's URL (OSC 52). These
travel to the app as ``ReaderScreen.Follow`` messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, LoadingIndicator, Static

from feedreader.core.model import Image
from feedreader.core.web.images import DecodedImage, ImageProblem
from feedreader.core.web.readable import ReadableText
from feedreader.core.text import clean_text
from feedreader.ui.lead_image import LeadImage

ReaderState = Literal["loading", "ready", "empty", "error"]
NUMBER_WAIT = 0.8      # seconds a typed number waits for another digit


def render_body(readable: ReadableText) -> Text:
    """The article text, then its numbered links, as one Text (no markup involved)."""
    body = Text(readable.text or "", no_wrap=False)
    links = render_links(readable.links)
    if links.plain:
        body.append("\n\n")
        body.append_text(links)
    return body


def render_links(links: tuple[str, ...] | list[str], selected: int | None = None) -> Text:
    """"Links" and one line per link, ``[n] url`` (``selected``: shown reversed)."""
    t = Text()
    if not links:
        return t
    t.append("Links\n", style="bold")
    for n, link in enumerate(links, 1):
        line = Text(overflow="ellipsis", no_wrap=True, end="")
        line.append(f"[{n}] ", style="reverse bold" if n == selected else "bold")
        line.append(link, style="underline reverse" if n == selected else "underline")
        t.append_text(line)
        if n < len(links):
            t.append("\n")
    return t


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
        color: $text-error;
    }
    ReaderScreen #reader-links {
        max-width: 100;
        margin-top: 1;
    }
    ReaderScreen #reader-status {
        height: 1;
        padding: 0 2;
        color: $text-muted;
    }
    """

    @dataclass
    class Follow(Message):
        """A link of the page: ``read`` it in the reader view (when it is an
        article of the library), else open it in the browser."""

        url: str
        read: bool

    BINDINGS = [
        Binding("escape,q", "close", "Close"),
        Binding("j,down", "scroll_lines(1)", "Down", show=False),
        Binding("k,up", "scroll_lines(-1)", "Up", show=False),
        Binding("space,pagedown", "page(1)", "Page down"),
        Binding("b,pageup", "page(-1)", "Page up"),
        Binding("g,home", "edge(0)", "Top", show=False),
        Binding("G,end", "edge(1)", "Bottom", show=False),
        Binding("tab", "select_link(1)", "Next link", show=False),
        Binding("shift+tab", "select_link(-1)", "Previous link", show=False),
        Binding("enter", "read_link", "Read link", show=False,
                tooltip="Read the selected link here when it is in the library, else open it in the browser"),
        Binding("o", "open_link", "Open", show=False, tooltip="Open the selected link (or the page) in the browser"),
        Binding("l", "link_number", "Link n", show=False, tooltip="l, the number, enter: open that link"),
        Binding("y", "copy_url", "Copy URL", tooltip="Copy the article's URL (OSC 52)"),
    ]

    def __init__(
        self,
        readable: ReadableText | None,
        *,
        url: str,
        loading: bool = False,
        title: str = "",
        lead: Image | None = None,
        renderer: str = "auto",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.url = url
        self._readable = readable
        self._fallback_title = clean_text(title, limit=300)
        self._error: str | None = None
        self._known = ""      # the document's own text, shown when the page cannot be fetched
        self.closed = False   # dismissed: nothing more to show
        self._lead = lead
        self._renderer = renderer
        self.selected: int | None = None      # the selected link (1-based)
        self.typed = ""                       # digits of a link number being typed
        self._link_mode = False               # l was pressed: wait for enter
        self._number_timer: Timer | None = None
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
            yield LeadImage(self._renderer, max_rows=20, id="reader-image")
            yield Static(id="reader-body", markup=False)
            yield Static(id="reader-links", markup=False)
        yield Static(id="reader-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(LeadImage).show(self._lead)
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
            text = Text(f"Could not fetch: {self._error}", style="bold")
            if self._known:
                text.append("\n\nWhat the document itself says (the page is not saved for offline reading):\n\n",
                            style="dim")
                text.append(self._known, style="")
            body.update(text)
        elif self.state == "empty":
            body.update(Text("No readable text was found on this page.", style="dim"))
        else:
            assert readable is not None
            body.update(Text(readable.text or "", no_wrap=False))
        self._paint_links()
        self._status()
        self.query_one("#reader-scroll", VerticalScroll).scroll_home(animate=False)

    @property
    def links(self) -> tuple[str, ...]:
        return tuple(self._readable.links) if self._readable is not None and self.state == "ready" else ()

    def _paint_links(self) -> None:
        links = self.query_one("#reader-links", Static)
        links.update(render_links(self.links, self.selected))
        links.display = bool(self.links)

    def _status(self, text: str = "") -> None:
        if not text and self.links:
            text = "type a link's number to open it · tab selects a link, enter reads it · y copies the URL"
        self.query_one("#reader-status", Static).update(Text(text))

    async def set_image(self, url: str, result: DecodedImage | ImageProblem) -> None:
        """The lead image arrived (``url`` is checked against the one shown)."""
        if self.is_mounted:
            await self.query_one(LeadImage).set_result(url, result)

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
        if self.showing:
            self._paint()

    def set_error(self, message: str, *, known: str = "") -> None:
        """The fetch failed: ``message`` is the reason ("HTTP 404", "timeout after 30 s"…);
        ``known``: what the document says itself (its excerpt and body), shown under it."""
        self._error = clean_text(message, limit=300) or "unknown error"
        self._known = known
        self.state = "error"
        if self.showing:
            self._paint()

    @property
    def showing(self) -> bool:
        """Whether the screen has its widgets to paint (mounted, not closed)."""
        return self.is_mounted and not self.closed

    def on_unmount(self) -> None:
        self.closed = True      # a result for a reader view closed meanwhile is dropped

    # -- links -------------------------------------------------------------------------
    def on_key(self, event: events.Key) -> None:
        if event.character is not None and event.character.isdigit() and len(event.character) == 1:
            event.stop()
            event.prevent_default()
            self.type_digit(event.character)
        elif event.key == "escape" and (self.typed or self._link_mode):
            event.stop()
            event.prevent_default()
            self._reset_number()
            self._status()

    def type_digit(self, digit: str) -> None:
        links = self.links
        if not links:
            self._status("this page has no links")
            return
        typed = (self.typed + digit).lstrip("0")
        if not typed:
            return
        if int(typed) > len(links):
            self._reset_number()
            self._status(f"there is no link {typed} (1 to {len(links)})")
            return
        self.typed = typed
        self._select(int(typed), scroll=True)
        if self._number_timer is not None:
            self._number_timer.stop()
            self._number_timer = None
        if self._link_mode:
            self._status(f"link {typed}: enter opens it, escape cancels")
        elif int(typed) * 10 > len(links):
            self._open_typed()       # no longer number starts with these digits
        else:
            self._status(f"link {typed}…")
            self._number_timer = self.set_timer(NUMBER_WAIT, self._open_typed)

    def _open_typed(self) -> None:
        typed = self.typed
        self._reset_number()
        if typed:
            self._follow(int(typed), read=False)

    def _reset_number(self) -> None:
        self.typed = ""
        self._link_mode = False
        if self._number_timer is not None:
            self._number_timer.stop()
            self._number_timer = None

    def _follow(self, n: int, *, read: bool) -> None:
        links = self.links
        if 1 <= n <= len(links):
            self._status(f"{'reading' if read else 'opening'} link {n}")
            self.post_message(self.Follow(links[n - 1], read))

    def _select(self, n: int | None, *, scroll: bool) -> None:
        self.selected = n
        self._paint_links()
        if scroll and n is not None:
            links = self.query_one("#reader-links", Static)
            # one line per link under the "Links" line
            self._scroller().scroll_to(y=links.virtual_region.y + n, animate=False)

    def action_select_link(self, step: int) -> None:
        links = self.links
        if not links:
            return
        n = self.selected or (0 if step > 0 else len(links) + 1)
        n = (n - 1 + step) % len(links) + 1
        self._select(n, scroll=True)
        self._status(f"link {n}: enter reads it, o opens it in the browser")

    def action_read_link(self) -> None:
        if self._link_mode or self.typed:
            self._open_typed()
        elif self.selected is not None:
            self._follow(self.selected, read=True)
        elif self.links:
            self._status("tab selects a link first")

    def action_open_link(self) -> None:
        if self.selected is not None:
            self._follow(self.selected, read=False)
        else:
            self.post_message(self.Follow(self.url, False))

    def action_link_number(self) -> None:
        if not self.links:
            self._status("this page has no links")
            return
        self._reset_number()
        self._link_mode = True
        self._status("open link: type its number, then enter")

    def action_copy_url(self) -> None:
        self.app.copy_to_clipboard(self.url)
        self._status(f"copied {self.url}")

    # -- keys --------------------------------------------------------------------------
    def action_close(self) -> None:
        self._reset_number()
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
