"""Text is never markup anywhere on screen (issue 14): every notification,
screen, title, palette entry and error line that quotes a value from a
document, a file name or the config file shows it as typed."""

from __future__ import annotations

import asyncio

from conftest import screen_text
from docs import doc, write
from textual.content import Content
from textual.widgets import Static
from textual.widgets._toast import Toast  # the toast widget (no public name): its rendered content

URL = "https://example.com/a[reverse]X[/reverse]b/[@click=app.quit]quit[/]"
TITLE = "Title [bold]B[/bold] [@click=app.quit]Q[/] [$accent]C"
PROVIDER = "Prov [reverse]R[/reverse] [on red]x"
TOPIC = "[red]AI[/red]"
BAD_FILE = "bad[@click=app.quit]x[/].txt"
VIEW = "v[b]1[/b]"
PROBLEM = "config: [@click=app.quit]bad[/] value [Reverse]kept[/Reverse]"
UNKNOWN_ID = "nope.[b]x"


def toast_contents(app) -> list[Content]:
    return [toast.render() for toast in app.screen.query(Toast)]


def assert_plain(content: Content, literal: str) -> None:
    assert literal in content.plain, (literal, content.plain)
    for span in content.spans:
        style = str(span.style)
        assert "@click" not in style and "reverse" not in style.lower() and "red" not in style, span


def toast_with(app, needle: str) -> Content:
    found = [c for c in toast_contents(app) if needle in c.plain]
    assert found, (needle, [c.plain for c in toast_contents(app)])
    return found[0]


def no_links_on_screen(app) -> None:
    """No cell on screen carries a click action from a document or the config."""
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            meta = segment.style.meta if segment.style is not None else {}
            assert "app.quit" not in str(meta.get("@click", "")), meta


def test_escape_markup_round_trips_every_bracket():
    from feedreader.ui.safe import escape_markup

    for text in (URL, TITLE, PROVIDER, TOPIC, "a\\[b]", "[", "x\\", "[views]", "[1]"):
        content = Content.from_markup(escape_markup(text))
        assert content.plain == text and not content.spans


async def test_every_notification_screen_and_title_shows_text_as_typed(make_app, tmp_path):
    folder = tmp_path / "docs[@click=app.quit]"
    write(folder, "hostile.txt", doc(TITLE, URL, provider=PROVIDER, topics=(TOPIC,)))
    write(folder, BAD_FILE, "---\ntitle: [oops\n---\n")
    opened: list[str] = []
    app = make_app(folder, opener=lambda url: opened.append(url) or True,
                   views=(("broken[b]x", "q>"), (VIEW, "topic:AI")), problems=(PROBLEM,), keys=((UNKNOWN_ID, "r"),))
    async with app.run_test(size=(200, 50), notifications=True) as pilot:
        await pilot.pause()
        # settings problems, a broken saved view, an unknown binding id: toasts at start
        assert_plain(toast_with(app, "bad"), PROBLEM)
        assert_plain(toast_with(app, "views."), "views.broken[b]x")
        assert_plain(toast_with(app, "unknown binding"), UNKNOWN_ID)
        app.clear_notifications()

        # the case: o on a hostile originalUrl
        await pilot.press("o")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert opened == [URL]
        assert_plain(toast_with(app, "Opened"), URL)
        no_links_on_screen(app)

        # a message that quotes the config file's own syntax keeps its brackets
        await pilot.press("9")
        await pilot.pause()
        assert_plain(toast_with(app, "No saved view"), "add one under [views] in the config file.")

        # hide names the article; undo names it too
        await pilot.press("x")
        await pilot.pause()
        assert_plain(toast_with(app, "Hidden"), TITLE)
        await pilot.press("z")
        await pilot.pause()
        assert_plain(toast_with(app, "Undid"), TITLE)

        # the detail pane, the list and the header show the values as typed
        text = screen_text(app)
        assert TITLE in text and PROVIDER in text and TOPIC in text
        no_links_on_screen(app)

        # t: the topic filter puts the topic in the search bar and the header
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert TOPIC in screen_text(app)

        # the problems screen names the file
        await pilot.press("exclamation_mark")
        await pilot.pause()
        assert BAD_FILE in " ".join(str(widget.render()) for widget in app.screen.query(Static))
        no_links_on_screen(app)
        await pilot.press("escape")

        # a notification from anywhere in the app (the one path) is plain too
        from feedreader.ui.safe import notify_plain

        app.notify(PROBLEM)
        notify_plain(app, TITLE, title=PROVIDER)
        await pilot.pause()
        assert_plain(toast_with(app, "kept"), PROBLEM)
        assert_plain(toast_with(app, PROVIDER), TITLE)

        # the palette: the saved view's name, and a key's help text
        app.action_command_palette()
        await pilot.pause()
        await pilot.press(*"View")
        for _ in range(20):
            await asyncio.sleep(0.05)
            await pilot.pause()
            if "View: " in screen_text(app):
                break
        assert f"View: {VIEW}" in screen_text(app)
        no_links_on_screen(app)
        assert app.is_running
