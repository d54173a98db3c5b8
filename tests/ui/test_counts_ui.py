"""Counts and messages that agree (issue 14): the header in unread-only mode,
the search bar's "N of M match", escape clearing a kept search, a read-only
marks store, the words for one and many."""

from __future__ import annotations

from conftest import notices, screen_text
from feedreader.core.marks.bits import READ
from feedreader.ui.article_list import ArticleList
from feedreader.ui.screens import ConfirmScreen


async def settle(pilot, app) -> None:
    for _ in range(3):
        await pilot.pause(0.1)
        await app.workers.wait_for_complete()
    await pilot.pause()


def header(app) -> str:
    return app.sub_title.split(" · ")[0]


async def test_header_counts_in_unread_only_mode_after_m(make_app):
    app = make_app()
    async with app.run_test(size=(140, 30)) as pilot:
        total = len(app.model)
        await pilot.press("u")
        await pilot.press("m")
        await pilot.pause()
        # the read row stays in the list until the next filter: the counts say so
        assert header(app) == f"{total - 1} unread / {total} articles"
        await pilot.press("m")
        assert header(app) == f"{total} unread / {total} articles"


async def test_search_count_leaves_out_hidden_and_read_articles_the_list_leaves_out(make_app):
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        everything = len(app.model)
        await pilot.press("x")          # one article hidden
        await pilot.press("m")          # one read (the next one, the cursor moved on)
        await pilot.press("u")          # unread only
        await pilot.pause()
        shown = len(app.model)
        assert shown == everything - 2
        await pilot.press("slash", *"a")
        await settle(pilot, app)
        status = str(app.search_bar.query_one("#search-status").render())
        matching = len(app.model)
        assert f"{matching} of {shown} match" in status, status
        # escape in the bar clears; a kept search (enter) is cleared by escape in the list
        await pilot.press("enter")
        await pilot.pause()
        assert app.article_list.has_focus and "esc: clear" in status
        await pilot.press("escape")
        await pilot.pause()
        assert app.search_bar.result is None and len(app.model) == shown
        assert not app.search_bar.is_open


async def test_read_only_marks_store_is_shown_and_q_asks(make_app, tmp_path):
    # a marks file the store cannot write (even as root): its folder is a file
    (tmp_path / "not-a-dir").write_text("a file, not a folder")
    db = tmp_path / "not-a-dir" / "state.db"
    app = make_app(state_db=db)
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        assert not app.state.persistent
        assert "marks not saved" in screen_text(app).splitlines()[0]     # a lasting sign, not a toast
        await pilot.press("q")                     # nothing changed: quits at once
        await pilot.pause()
        assert not app.is_running
    app = make_app(state_db=db)
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.press("m")
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and app.is_running
        assert "lose 1 change of marks" in screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running and app.model.flags(app.model.row_at(0).aid) & READ
        await pilot.press("q", "y")
        await pilot.pause()
        assert not app.is_running


async def test_one_and_many_in_words(make_app, tmp_path):
    from docs import doc, write

    folder = tmp_path / "docs"
    write(folder, "good.txt", doc("fine", "https://x.example.com/1"))
    write(folder, "other.txt", doc("other", "https://x.example.com/2"))
    write(folder, "broken.txt", "---\ntitle: [oops\n---\n")
    app = make_app(folder)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        assert "1 problem (!)" in app.sub_title
        await pilot.press("exclamation_mark")
        await pilot.pause()
        assert "1 problem: 1 file not loaded" in screen_text(app)
        await pilot.press("escape", "m", "M")
        await pilot.pause()
        assert "Mark 1 article in this view as read?" in screen_text(app)
        await pilot.press("y")
        await pilot.pause()
        assert any(n.startswith("Marked 1 article read") for n in notices(app))
        await pilot.press("x")
        await pilot.pause()
        assert any(n.startswith("Hidden: “") for n in notices(app))
        assert not any("1 articles" in n or "1 files" in n or "1 problems" in n for n in notices(app))
        assert ArticleList


async def test_new_files_in_an_open_folder_appear_and_are_counted(make_app, tmp_path):
    from dataclasses import replace

    from docs import doc, write

    folder = tmp_path / "docs"
    write(folder, "1.txt", doc("first", "https://x.example.com/1"))
    app = make_app(folder)
    app.services = replace(app.services, rescan_every=0.3)    # the app's periodic look (RESCAN_EVERY)
    async with app.run_test(size=(140, 30), notifications=True) as pilot:
        await pilot.pause()
        assert len(app.model) == 1
        for n in (2, 3, 4):
            write(folder, f"{n}.txt", doc(f"new {n}", f"https://x.example.com/{n}"))
        for _ in range(40):
            await pilot.pause(0.1)
            if len(app.model) == 4 and any(n == "3 new" for n in notices(app)):
                break
        assert len(app.model) == 4
        assert "3 new" in notices(app)


async def test_the_header_counts_change_in_the_marks_own_frame(make_app):
    """The header's line is set by the mark key itself, with the row (Textual's own
    watcher sets it in a callback after the key: a frame later); set again to the
    same text, it is not painted again."""
    from feedreader.ui.app import _Title

    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        title = app.query_one(_Title)
        total = len(app.model)
        app.marking.toggle_read()              # no await: what the key's own handler leaves to paint
        assert f"{total - 1} unread" in str(title._shown)
        assert title._repaint_required
        await pilot.pause()
        assert f"{total - 1} unread" in header(app)
        shown = title._shown
        title._repaint_required = False
        title.update(app.query_one("AppHeader").format_title())   # the watcher's call: the same text
        assert title._shown is shown and not title._repaint_required
