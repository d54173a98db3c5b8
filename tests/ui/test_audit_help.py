"""Audit of issue 14 ("help adapts"): at every width the help screen says what
each key does, not only its key and binding id (at 40 columns the description
column was squeezed to nothing), and its columns never run into each other."""

from __future__ import annotations

import re

from conftest import screen_text


async def help_text(app, pilot) -> str:
    """The whole help screen's text (scrolled through to the end)."""
    await pilot.press("question_mark")
    await pilot.pause()
    return await scrolled_text(app, pilot)


async def scrolled_text(app, pilot) -> str:
    """The current dialog's text, its scroller taken through to the end."""
    from textual.containers import VerticalScroll

    scroller = app.screen.query_one(VerticalScroll)
    seen: list[str] = []
    for _ in range(200):
        seen.append(screen_text(app))
        if scroller.scroll_y >= scroller.max_scroll_y:
            break
        scroller.scroll_page_down(animate=False)
        await pilot.pause()
    return "\n".join(seen)


async def test_help_says_what_each_key_does_at_every_width(make_app):
    for size in ((160, 45), (80, 24), (40, 12)):
        app = make_app()
        async with app.run_test(size=size) as pilot:
            text = await help_text(app, pilot)
            flat = re.sub(r"[\s█▀▄▌▐▁▂▃▅▆▇●]+", " ", text)   # the dialog's border and the list behind it
            for words in ("Quit", "Read/unread", "Undo the last change", "Reader view"):
                assert words in flat, (size, words)
            for binding_id in ("app.quit", "marks.read", "marks.undo", "list.page_down"):
                assert binding_id in flat, (size, binding_id)
            # an id is never glued to the next column's words ("list.page_downPages")
            assert not re.search(r"\.[a-z_]+[A-Z]", text), (size, re.findall(r"\S*\.[a-z_]+[A-Z]\S*", text))


async def test_help_lists_the_reader_views_keys(make_app):
    """Issue 16's reader links are found in help too (it listed no key of the reader view)."""
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        flat = re.sub(r"[\s█▀▄▌▐▁▂▃▅▆▇●]+", " ", await help_text(app, pilot))
        assert "Reader view" in flat
        for words in ("a link's number", "Next link", "Previous link", "Copy the article's URL",
                      "l, the number, enter"):
            assert words in flat, words
