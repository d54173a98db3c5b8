"""Pilot tests of every marks key, the read timer and a second instance."""

from __future__ import annotations

from conftest import notices, screen_text
from feedreader.core.marks.store import StateStore
from feedreader.core.marks.bits import FLAGGED, HIDDEN, READ
from feedreader.ui.article_list import ArticleList
from feedreader.ui.screens import ConfirmScreen


def current(app):
    return app.model.row_at(app.query_one(ArticleList).cursor)


async def test_m_toggles_read_and_persists(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        row = current(app)
        total = len(app.model)
        assert f"{total} unread / {total} articles" in app.sub_title
        await pilot.press("m")
        assert app.model.flags(row.aid) & READ
        assert f"{total - 1} unread" in app.sub_title
        assert "read" in screen_text(app)
        await pilot.press("m")
        assert not app.model.flags(row.aid) & READ
        await pilot.press("m")
    # a new store on the same file sees it
    with StateStore.open(tmp_path / "data" / "state.db") as store:
        assert store.get(row.identity).read


async def test_read_rows_look_different(make_app):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("m")
        lines = screen_text(app).splitlines()
        # row 0 lost its unread dot; row 1 still has it
        assert lines[1].startswith(" ") and lines[2].startswith("●")


async def test_x_hides_and_H_shows_hidden(make_app):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        row = current(app)
        total = len(app.model)
        await pilot.press("x")
        assert app.model.index_of(row.aid) is None and len(app.model) == total - 1
        assert current(app).aid != row.aid
        await pilot.press("H")
        assert app.model.index_of(row.aid) is not None and len(app.model) == total
        assert app.model.flags(row.aid) & HIDDEN
        assert "with hidden" in app.sub_title
        app.query_one(ArticleList).cursor = app.model.index_of(row.aid)
        await pilot.pause()
        assert "⊘" in screen_text(app)
        await pilot.press("x")  # unhide
        assert not app.model.flags(row.aid) & HIDDEN
        await pilot.press("H")
        assert app.model.index_of(row.aid) is not None


async def test_f_flags(make_app):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        row = current(app)
        await pilot.press("f")
        assert app.model.flags(row.aid) & FLAGGED
        assert "★" in screen_text(app)
        await pilot.press("f")
        assert not app.model.flags(row.aid) & FLAGGED


async def test_u_unread_only_and_n_N(make_app):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        lst = app.query_one(ArticleList)
        await pilot.press("m", "j", "j", "m", "g")  # rows 0 and 2 read
        await pilot.press("n")
        assert lst.cursor == 1
        await pilot.press("n")
        assert lst.cursor == 3
        await pilot.press("N")
        assert lst.cursor == 1
        total = len(app.model)
        await pilot.press("u")
        assert len(app.model) == total - 2 and "unread only" in app.sub_title
        assert all(not app.model.flags(a) & READ for a in app.model.keys)
        await pilot.press("u")
        assert len(app.model) == total


async def test_M_marks_view_read_after_confirmation_and_z_undoes(make_app):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        total = len(app.model)
        await pilot.press("M")
        assert isinstance(app.screen, ConfirmScreen)
        assert f"Mark {total} articles" in screen_text(app)
        await pilot.press("n")  # cancelled
        assert app.model.unread == total
        await pilot.press("M", "y")
        await pilot.pause()
        assert app.model.unread == 0
        await pilot.press("z")
        await pilot.pause()
        assert app.model.unread == total
        assert any(n.startswith("Undid: mark 51 articles in this view read") for n in notices(app))
        await pilot.press("z")
        assert "Nothing to undo." in notices(app)


async def test_undo_several_levels(make_app):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        first = current(app)
        await pilot.press("f", "j", "x")
        second_hidden = [a for a, bits in app.model.marks.items() if bits & HIDDEN]
        assert len(second_hidden) == 1
        await pilot.press("z")
        await pilot.pause()
        assert app.model.index_of(second_hidden[0]) is not None
        assert not app.model.flags(second_hidden[0]) & HIDDEN
        await pilot.press("z")
        assert not app.model.flags(first.aid) & FLAGGED


async def test_opening_marks_read(make_app):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        row = current(app)
        await pilot.press("enter")
        assert app.model.flags(row.aid) & READ


async def test_opening_does_not_mark_when_disabled(make_app):
    app = make_app(mark_read_on_open=False)
    async with app.run_test(size=(120, 30)) as pilot:
        row = current(app)
        await pilot.press("enter")
        assert not app.model.flags(row.aid) & READ


async def test_shown_for_a_while_marks_read(make_app):
    app = make_app(mark_read_after=0.3)
    async with app.run_test(size=(120, 30)) as pilot:
        row = current(app)
        await pilot.press("j")  # moves on before the timer fires: row 0 stays unread
        second = current(app)
        await pilot.pause(0.6)
        assert not app.model.flags(row.aid) & READ
        assert app.model.flags(second.aid) & READ


async def test_second_instance_changes_are_picked_up(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        row = current(app)
        with StateStore.open(tmp_path / "data" / "state.db") as other:
            other.set_marks([row.identity], flagged=True)
        app.check_other_instances()  # what the 2-second timer and app focus do
        await pilot.pause()
        assert app.model.flags(row.aid) & FLAGGED


async def test_keymap_from_config_rebinds(make_app):
    app = make_app(keys=(("marks.read", "w"),))
    async with app.run_test(size=(120, 30)) as pilot:
        row = current(app)
        await pilot.press("w")
        assert app.model.flags(row.aid) & READ


async def test_damaged_marks_file_is_moved_aside_and_the_user_told(make_app, tmp_path):
    db = tmp_path / "broken" / "state.db"
    db.parent.mkdir()
    db.write_bytes(b"definitely not a database " * 200)
    app = make_app(state_db=db)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        told = " ".join(notices(app))
        assert "state.db.corrupt-" in told
        await pilot.press("m")  # marking still works on the fresh file
        assert app.model.unread == len(app.model) - 1
    assert list(db.parent.glob("state.db.corrupt-*"))


def detail_line(app, label: str) -> str:
    """The detail pane's status line starting with ``label`` (as painted)."""
    for line in screen_text(app).splitlines():
        _, bar, right = line.partition("│")
        if bar and right.strip().startswith(label):
            return right.strip()
    raise AssertionError(f"no {label!r} line in the detail pane")


async def test_m_rewrites_the_marks_line_and_header_not_the_article(make_app):
    from textual.widgets import Static

    from feedreader.ui.article_view import ArticleView

    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        total = len(app.model)
        view = app.query_one(ArticleView)
        head, body = view.query_one("#detail-head", Static), view.query_one("#detail-body", Static)
        shown = (head.content, body.content)
        assert detail_line(app, "Marks").split() == ["Marks", "unread"]
        assert f"{total} unread / {total} articles" in screen_text(app).splitlines()[0]
        await pilot.press("f", "m")
        await pilot.pause()
        # the painted screen, not only the model: the status line and the header counts
        assert detail_line(app, "Marks").split() == ["Marks", "read,", "★", "flagged"]
        assert f"{total - 1} unread / {total} articles" in screen_text(app).splitlines()[0]
        # the article's own text was not rebuilt for a mark
        assert (head.content, body.content) == shown
        assert head.content is shown[0] and body.content is shown[1]
        await pilot.press("m")
        await pilot.pause()
        assert detail_line(app, "Marks").split() == ["Marks", "unread,", "★", "flagged"]
        assert f"{total} unread / {total} articles" in screen_text(app).splitlines()[0]
