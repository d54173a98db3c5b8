"""Audit of issue 14 ("any size"): a terminal made narrower while the app runs
refits the header, so its counts stay on screen (the header line was fitted to
the old width until the counts changed)."""

from __future__ import annotations

from conftest import screen_text
from docs import doc, write
from test_audit_help import scrolled_text


async def test_a_resize_refits_the_header_and_keeps_the_counts(make_app, tmp_path):
    folder = tmp_path / ("a library folder with a rather long name " * 2).strip()
    for n in range(3):
        write(folder, f"{n}.txt", doc(f"Headline {n}", f"https://news.example.com/{n}"))
    app = make_app(folder)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        assert "3 unread / 3 articles" in screen_text(app).splitlines()[0]
        for width, height in ((80, 24), (60, 20), (40, 12)):
            await pilot.resize_terminal(width, height)
            await pilot.pause(0.2)     # the app's Resize comes after a timer
            await pilot.pause()
            header = screen_text(app).splitlines()[0]
            assert "3 unread / 3 articles" in header, (width, header)


async def test_a_search_mistake_too_long_for_the_line_ends_in_an_ellipsis(make_app):
    """The search bar's one status line: a message longer than the line is elided
    (it was wrapped at a word and its second line hidden: '... (like' and nothing)."""
    from textual.widgets import Static

    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("slash", *"topic:AI q>>5")
        await pilot.pause(0.3)
        status = app.query_one("#search-status", Static)
        line = screen_text(app).splitlines()[status.region.y]
        assert "q> needs a whole number" in line
        assert line.rstrip().endswith("…"), line


async def test_the_problems_screen_shows_a_long_path_whole(make_app, tmp_path):
    """A path longer than the dialog (no spaces to wrap at) is folded onto the next
    lines, not cut: the file name at its end is what the user needs."""
    from docs import doc as a_doc

    folder = tmp_path / ("archive-of-news-" * 5) / "2021" / "12"
    write(folder, "good.txt", a_doc("Fine", "https://x.example.com/1"))
    write(folder, "the-broken-one.txt", "---\ntitle: [oops\n---\n")
    for size in ((80, 24), (40, 12)):
        app = make_app(folder)
        async with app.run_test(size=size) as pilot:
            await pilot.press("exclamation_mark")
            await pilot.pause()
            seen = await scrolled_text(app, pilot)
            joined = "".join(line.strip(" █●▁▂▃▄▅▆▇") for line in seen.splitlines())
            assert "the-broken-one.txt" in joined, (size, seen)
