"""The app holds garbage collection off while a key is handled and its frame
painted (a young collection there cost a page key 5-15 ms at 100,000
articles), and always turns it back on: after the frame, after 0.1 s for a
key that paints nothing, and when the app ends."""

from __future__ import annotations

import asyncio
import gc

import pytest

from feedreader.ui.article_list import ArticleList


@pytest.fixture
def collecting():
    """Collections on (as ``feedreader`` runs), whatever the test does."""
    was = gc.isenabled()
    gc.enable()
    yield
    assert gc.isenabled(), "the app left garbage collection off"
    if not was:
        gc.disable()


async def test_a_key_runs_without_collections_and_they_come_back_after_its_frame(make_app, collecting, monkeypatch):
    seen: list[bool] = []
    down = ArticleList.action_cursor_down

    def cursor_down(self) -> None:
        seen.append(gc.isenabled())
        down(self)

    monkeypatch.setattr(ArticleList, "action_cursor_down", cursor_down)
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        for _ in range(3):
            await pilot.press("j")
            await pilot.pause()
            assert gc.isenabled()
        assert seen == [False, False, False]
        assert app.article_list.cursor == 3


async def test_a_key_that_paints_nothing_gives_collections_back_soon(make_app, collecting):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("f12")           # bound to nothing
        for _ in range(50):
            if gc.isenabled():
                break
            await asyncio.sleep(0.02)
        assert gc.isenabled()


async def test_collections_left_off_by_the_user_stay_off(make_app, collecting):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        gc.disable()
        try:
            await pilot.press("j")
            await pilot.pause()
            await asyncio.sleep(0.15)
            assert not gc.isenabled()
        finally:
            gc.enable()


async def test_quitting_in_the_middle_of_a_key_gives_collections_back(make_app, collecting):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("q")
    assert gc.isenabled()
