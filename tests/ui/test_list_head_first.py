"""A large library whose order is not at hand (not saved at the index's generation)
paints the order's head first (core/library/view.py ``partial``, ui/article_list.py
reads the whole order in a thread); set here with HEAD_ABOVE 0 on the samples."""

from __future__ import annotations

import threading

from feedreader.core.library import view
from feedreader.core.library.library import Library


async def test_the_head_first_then_the_whole_order_with_the_cursor_kept(make_app, monkeypatch):
    monkeypatch.setattr(view, "HEAD_ABOVE", 0)
    monkeypatch.setattr(view, "HEAD_ROWS", 4)
    gate = threading.Event()
    real = Library.order

    def held(self, order):      # the worker's read waits for the test
        if threading.current_thread() is not threading.main_thread():
            assert gate.wait(10)
        return real(self, order)

    monkeypatch.setattr(Library, "order", held)
    app = make_app()
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        everything = real(app.library, "newest")
        assert len(everything) > 8
        assert app.model.partial and app.model.keys == everything[:4]
        assert len(app.model) == 4 and app.model.total == len(everything)
        assert f"{len(everything)} articles, sorting" in app.sub_title
        await pilot.press("j", "j")
        kept = app.article_list.current
        assert kept == everything[2]
        gate.set()
        for _ in range(100):
            await pilot.pause(0.02)
            if not app.model.partial:
                break
        assert not app.model.partial
        assert app.model.keys == everything
        assert app.article_list.current == kept          # the cursor kept its article
        assert f"{len(everything)} unread / {len(everything)} articles" in app.sub_title


async def test_a_first_switch_to_an_order_shows_its_head_then_the_cursor_article(make_app, monkeypatch):
    monkeypatch.setattr(view, "HEAD_ABOVE", 0)
    monkeypatch.setattr(view, "HEAD_ROWS", 3)
    gate = threading.Event()
    real = Library.order

    def held(self, order):      # the worker's read of "best" waits for the test
        if order == "best" and threading.current_thread() is not threading.main_thread():
            assert gate.wait(10)
        return real(self, order)

    monkeypatch.setattr(Library, "order", held)
    app = make_app()
    async with app.run_test(size=(140, 30)) as pilot:
        for _ in range(100):
            await pilot.pause(0.02)
            if not app.model.partial:
                break
        newest = real(app.library, "newest")
        best = real(app.library, "best")
        app.library._orders.pop("best")       # (read here for the test: not at hand for the app)
        row = next(i for i, aid in enumerate(newest) if aid not in best[:3])
        app.article_list.move(row)
        await pilot.pause()
        kept = app.article_list.current
        await pilot.press("s")
        await pilot.pause()
        assert app.model.order == "best" and app.model.partial and app.model.keys == best[:3]
        assert app.article_list.current != kept
        gate.set()
        for _ in range(100):
            await pilot.pause(0.02)
            if not app.model.partial:
                break
        assert app.model.keys == best
        assert app.article_list.current == kept          # back on the article it was on
