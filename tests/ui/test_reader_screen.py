"""The reader view (feedreader.ui.reader.ReaderScreen) driven by Textual's Pilot."""

from __future__ import annotations

from rich.text import Text
from textual.app import App
from textual.containers import VerticalScroll
from textual.widgets import LoadingIndicator, Static

from feedreader.core.web.readable import ReadableText
from feedreader.ui.reader import ReaderScreen

URL = "https://paper.example/news/rivers"


class Host(App[None]):
    """A tiny app that pushes the screen under test on mount."""

    def __init__(self, screen: ReaderScreen) -> None:
        super().__init__()
        self.reader = screen

    def on_mount(self) -> None:
        self.push_screen(self.reader)


def long_text(lines: int = 200) -> ReadableText:
    text = "\n\n".join(f"Paragraph {i} of the article." for i in range(lines))
    return ReadableText("Rivers rise", text, ("https://agency.example/report",), URL)


def shown(screen: ReaderScreen, widget_id: str) -> str:
    """The plain text a Static shows (from the content object it was given)."""
    content = screen.query_one(f"#{widget_id}", Static).content
    assert isinstance(content, Text), f"{widget_id} must hold a Text, not {type(content).__name__}"
    return content.plain


async def test_shows_title_url_text_and_links():
    readable = ReadableText("Rivers rise", "Water rose [1].\n\n• Stay away", ("https://agency.example/report",), URL)
    app = Host(ReaderScreen(readable, url=URL))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        assert shown(screen, "reader-title") == "Rivers rise"
        assert shown(screen, "reader-url") == URL
        body = shown(screen, "reader-body")
        assert body == "Water rose [1].\n\n• Stay away"
        assert shown(screen, "reader-links") == "Links\n[1] https://agency.example/report"
        assert not screen.query_one("#reader-loading", LoadingIndicator).display
        assert screen.state == "ready"


async def test_untrusted_text_is_never_markup():
    hostile = "[bold red]shout[/] [link=https://evil.example]click[/link] [@click=app.quit]x[/]"
    readable = ReadableText(hostile, hostile, (), URL)
    app = Host(ReaderScreen(readable, url=URL))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert shown(screen, "reader-title") == hostile
        assert shown(screen, "reader-body") == hostile
        # and what reaches the terminal has the brackets, as written
        rendered = "\n".join(strip.text for strip in screen.query_one("#reader-body", Static).render_lines(
            screen.query_one("#reader-body", Static).region.reset_offset))
        assert "[bold red]shout[/]" in rendered
        assert app.is_running      # "@click=app.quit" did nothing


async def test_escape_and_q_close_it():
    for key in ("escape", "q"):
        app = Host(ReaderScreen(long_text(), url=URL))
        async with app.run_test() as pilot:
            await pilot.pause()
            assert isinstance(app.screen, ReaderScreen)
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, ReaderScreen), key


async def test_keys_scroll():
    app = Host(ReaderScreen(long_text(), url=URL))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        scroller = app.screen.query_one("#reader-scroll", VerticalScroll)
        assert scroller.scroll_y == 0 and scroller.max_scroll_y > 50
        await pilot.press("j", "j", "j")
        assert scroller.scroll_y == 3
        await pilot.press("k")
        assert scroller.scroll_y == 2
        await pilot.press("space")
        after_page = scroller.scroll_y
        assert after_page > 10                         # a page, not a line
        await pilot.press("pagedown")
        assert scroller.scroll_y > after_page
        await pilot.press("pageup")
        assert scroller.scroll_y == after_page
        await pilot.press("end")
        assert scroller.scroll_y == scroller.max_scroll_y
        await pilot.press("home")
        assert scroller.scroll_y == 0


async def test_loading_then_content_arrives():
    screen = ReaderScreen(None, url=URL, loading=True, title="From the list")
    app = Host(screen)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert screen.state == "loading"
        assert screen.query_one("#reader-loading", LoadingIndicator).display
        assert shown(screen, "reader-title") == "From the list"
        assert "Fetching" in shown(screen, "reader-body")

        screen.set_readable(long_text(3))
        await pilot.pause()
        assert screen.state == "ready"
        assert not screen.query_one("#reader-loading", LoadingIndicator).display
        assert shown(screen, "reader-title") == "Rivers rise"
        assert shown(screen, "reader-body").startswith("Paragraph 0 of the article.")


async def test_error_is_shown_with_its_reason():
    screen = ReaderScreen(None, url=URL, loading=True)
    app = Host(screen)
    async with app.run_test() as pilot:
        await pilot.pause()
        screen.set_error("HTTP 404")
        await pilot.pause()
        assert screen.state == "error"
        assert shown(screen, "reader-body") == "Could not fetch: HTTP 404"
        assert not screen.query_one("#reader-loading", LoadingIndicator).display
        assert screen.has_class("-error")

        screen.set_error("[red]boom\x1b[2J")          # a reason is cleaned and never markup
        await pilot.pause()
        assert shown(screen, "reader-body") == "Could not fetch: [red]boom"

        screen.set_fetching()                         # a retry
        await pilot.pause()
        assert screen.state == "loading" and not screen.has_class("-error")


async def test_page_without_readable_text():
    screen = ReaderScreen(None, url=URL, loading=True)
    app = Host(screen)
    async with app.run_test() as pilot:
        await pilot.pause()
        screen.set_readable(None)
        await pilot.pause()
        assert screen.state == "empty"
        assert "No readable text" in shown(screen, "reader-body")
