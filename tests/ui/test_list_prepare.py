"""The list renders the next page ahead while the keyboard is idle: after a page
key its way, after any other move the page below, where the page key will
scroll (the least that shows the moved cursor)."""

from __future__ import annotations

from conftest import screen_text
from feedreader.ui.article_list import ArticleList


async def page_after(app, pilot, *keys: str, page_key: str = "pagedown") -> tuple[list[int], list[int]]:
    """Press ``keys``, wait while idle, press ``page_key``: (the new page's rows
    but the cursor's, the rows rendered from the page key on)."""
    lst = app.query_one(ArticleList)
    await pilot.press(*keys)
    await pilot.pause()
    await pilot.pause(0.2)          # idle: the page ahead is rendered (after the detail pane's frame)
    rendered: list[int] = []
    render_row = lst._render_row

    def counting(row, *args):
        rendered.append(row.aid)
        return render_row(row, *args)

    lst._render_row = counting
    before = screen_text(app)
    await pilot.press(page_key)
    await pilot.pause()
    assert screen_text(app) != before
    top, height = int(lst.scroll_offset.y), lst.scrollable_content_region.height
    page = [app.model.key_at(i) for i in range(top, top + height) if i != lst.cursor]
    assert len(page) == height - 1
    return page, rendered


async def shows_a_fresh_render(app, pilot) -> None:
    """The rows rendered ahead show what a fresh render of them shows."""
    lst = app.query_one(ArticleList)
    shown = screen_text(app)
    lst.clear_render_cache()
    lst.refresh()
    await pilot.pause()
    assert screen_text(app) == shown


async def test_page_key_renders_the_next_page_ahead(make_app):
    app = make_app()
    async with app.run_test(size=(120, 16)) as pilot:
        # the rows of the second page were ready: only the cursor row (and the
        # page after, prepared in turn) were built after the key
        page, rendered = await page_after(app, pilot, "pagedown")
        assert not set(page) & set(rendered)
        assert app.model.key_at(app.query_one(ArticleList).cursor) in rendered
        await shows_a_fresh_render(app, pilot)


async def test_the_first_page_down_after_cursor_moves_finds_its_rows_ready(make_app):
    app = make_app()
    async with app.run_test(size=(120, 14)) as pilot:
        page, rendered = await page_after(app, pilot, "j", "j", "j")
        assert not set(page) & set(rendered)
        lst = app.query_one(ArticleList)
        assert app.model.key_at(lst.cursor) in rendered      # the cursor row: after the key
        await shows_a_fresh_render(app, pilot)


async def test_a_page_up_after_page_downs_finds_its_rows_ready(make_app):
    app = make_app()
    async with app.run_test(size=(120, 14)) as pilot:
        await pilot.press("pagedown", "pagedown")
        page, rendered = await page_after(app, pilot, "pageup", page_key="pageup")
        assert not set(page) & set(rendered)
