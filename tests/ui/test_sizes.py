"""Any terminal size (issue 14): the headline has priority at 80x24; below
NARROW_WIDTH one pane at a time (enter opens the detail full-size, escape
returns); the header elides without losing its counts; help adapts."""

from __future__ import annotations

from conftest import screen_text
from feedreader.ui.layout import NARROW_WIDTH, fit_header

XPENG = "Carmaker Xpeng Deletes 430,000 Photos for Misuse of Facial Recognition"


async def test_80x24_gives_the_headline_the_room(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        rows = screen_text(app).splitlines()[1:10]
        for row in rows:
            listed = row.split("│")[0]
            title = app.model.row_at(rows.index(row)).title
            # at least 18 cells of the headline (it had 6): the provider and date give way
            assert title[:18] in listed, (title, listed)


async def test_narrow_one_pane_at_a_time(make_app):
    app = make_app()
    async with app.run_test(size=(NARROW_WIDTH - 10, 20)) as pilot:
        await pilot.pause()
        detail = app.article_view
        assert not detail.display or detail.region.width == 0
        assert app.article_list.region.width >= NARROW_WIDTH - 12
        title = app.model.row_at(0).title
        await pilot.press("enter")
        await pilot.pause()
        assert detail.has_focus and detail.region.width >= NARROW_WIDTH - 14
        assert app.article_list.region.width == 0 or not app.article_list.display
        assert title[:20] in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.article_list.has_focus and app.article_list.region.width > 0
        # wide again: both panes
        await pilot.resize_terminal(140, 30)
        await pilot.pause()
        assert app.article_view.region.width > 0 and app.article_list.region.width > 0


def test_the_header_elides_but_keeps_the_counts():
    sub = "12,345 unread / 99,999 articles · search: topic:AI provider:something long · newest first · 3 problems (!)"
    for width in (200, 120, 80, 60, 40):
        line = fit_header("feedreader — a library with a long name", sub, width).plain
        assert "12,345 unread / 99,999 articles" in line, (width, line)
        assert len(line) <= width - 6
    assert "feedreader" in fit_header("feedreader — x", sub, 200).plain
    assert "feedreader" not in fit_header("feedreader — x", sub, 80).plain


async def test_help_adapts_to_the_width(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        text = screen_text(app)
        assert "feedreader keys" in text and "app.quit" in text
