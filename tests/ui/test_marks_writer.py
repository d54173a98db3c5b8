"""The mark keys do not wait for the marks file (ui/marking.py's writer thread):
shown at once, written in key order, settled to what the store holds, and
written before the app ends."""

from __future__ import annotations

import threading

from conftest import screen_text
from feedreader.core.marks.bits import FLAGGED, READ
from feedreader.core.marks.store import StateStore
from feedreader.ui.article_list import ArticleList

WAIT = 30.0     # s: only a hang runs into it


def current(app):
    return app.model.row_at(app.query_one(ArticleList).cursor)


def held(store: StateStore, name: str) -> threading.Event:
    """Make ``store.<name>`` wait for the returned event (the file's fsync taking long)."""
    gate = threading.Event()
    real = getattr(store, name)

    def slow(*args, **kwargs):
        assert gate.wait(WAIT), "the test never let the write go"
        return real(*args, **kwargs)

    setattr(store, name, slow)
    return gate


async def test_m_shows_the_mark_while_the_write_is_still_under_way(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        row = current(app)
        total = len(app.model)
        gate = held(app.marking.state, "toggle")
        await pilot.press("m")
        await pilot.pause()
        # the write waits; the list, the header and the detail pane already show it
        assert app.marking._pending
        assert app.model.flags(row.aid) & READ
        assert f"{total - 1} unread" in app.sub_title
        assert screen_text(app).splitlines()[1].startswith(" ")     # no unread dot on the row
        with StateStore.open(tmp_path / "data" / "state.db") as other:
            assert not other.get(row.identity).read
        gate.set()
        for _ in range(200):
            if not app.marking._pending:
                break
            await pilot.pause(0.05)
        assert not app.marking._pending
        assert app.model.flags(row.aid) & READ
        with StateStore.open(tmp_path / "data" / "state.db") as other:
            assert other.get(row.identity).read


async def test_writes_go_in_key_order_and_undo_waits_for_them(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        row = current(app)
        gate = held(app.marking.state, "toggle")
        await pilot.press("m", "f", "m")       # read, flagged, unread again: all three held
        assert app.model.flags(row.aid) == FLAGGED
        assert len(app.marking._pending) == 3
        threading.Timer(0.2, gate.set).start()
        await pilot.press("z")                 # undoes the last m (waits for the three first)
        assert not app.marking._pending
        assert app.model.flags(row.aid) == READ | FLAGGED
    with StateStore.open(tmp_path / "data" / "state.db") as store:
        marks = store.get(row.identity)
        assert marks.read and marks.flagged


async def test_a_write_still_under_way_when_the_app_ends_is_saved(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        row = current(app)
        gate = held(app.marking.state, "toggle")
        await pilot.press("m")
        assert app.marking._pending
        threading.Timer(0.2, gate.set).start()
    with StateStore.open(tmp_path / "data" / "state.db") as store:
        assert store.get(row.identity).read


async def test_the_rows_end_as_the_store_has_them(make_app, tmp_path):
    """Another feedreader flagged the article between the key and the write: the
    row shows what the store holds once the write is done."""
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        row = current(app)
        gate = held(app.marking.state, "toggle")
        await pilot.press("m")
        with StateStore.open(tmp_path / "data" / "state.db") as other:
            other.set_marks([row.identity], read=True, flagged=True)
        gate.set()                              # the toggle now flips read off again
        for _ in range(200):
            if not app.marking._pending:
                break
            await pilot.pause(0.05)
        await pilot.pause()
        assert app.model.flags(row.aid) == FLAGGED
        assert screen_text(app).splitlines()[1].startswith("●★")
