"""The list's paths for 1,000,000 articles (core/library/view.py above
POSITION_MAP_LIMIT keys: no map of every key) on the samples, with the limit
set to 0: the cursor keeps its article, or the nearest after it, through the
unread filter, marks and sort switches, and the header counts as a fresh count."""

from __future__ import annotations

from feedreader.core.library import view
from feedreader.core.marks.bits import READ


def current(app):
    return app.model.row_at(app.article_list.cursor)


def fresh_unread(app) -> int:
    again = view.ListModel(app.library, app.model.order)
    again.replace_marks(dict(app.model.marks))
    again.unread_only = app.model.unread_only
    again.rebuild()
    return again.unread


async def test_the_cursor_and_counts_without_a_position_map(make_app, monkeypatch):
    monkeypatch.setattr(view, "POSITION_MAP_LIMIT", 0)
    monkeypatch.setattr(view, "NEAR", 2)
    app = make_app()
    async with app.run_test(size=(140, 30)) as pilot:
        rows = [app.model.row_at(i) for i in range(6)]
        await pilot.press("m", "j", "m")            # rows 0 and 1 read, the cursor on row 1
        assert current(app).aid == rows[1].aid
        assert app.model.unread == fresh_unread(app)
        await pilot.press("u")
        await pilot.pause()
        assert current(app).aid == rows[2].aid      # the nearest after it that is still listed
        await pilot.press("u")
        await pilot.pause()
        assert current(app).aid == rows[2].aid
        assert app.model._positions is None        # never a map of every key on this path
        for _ in range(3):                          # every order, and back: the kept read count
            await pilot.press("s")
            await pilot.pause()
            assert current(app).aid == rows[2].aid
            assert app.model.unread == fresh_unread(app)
            assert app.model.flags(rows[0].aid) & READ
