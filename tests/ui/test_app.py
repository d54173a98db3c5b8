"""Pilot tests of the main screen: navigation, sorting, detail, related, help."""

from __future__ import annotations


from conftest import screen_text
from docs import doc, write
from feedreader.ui.article_list import ArticleList
from feedreader.ui.article_view import ArticleView, RelatedList

XPENG = "Carmaker Xpeng Deletes 430,000 Photos for Misuse of Facial Recognition"


def cursor_title(app) -> str:
    lst = app.query_one(ArticleList)
    return app.model.row_at(lst.cursor).title


async def move_to(pilot, app, title: str) -> None:
    lst = app.query_one(ArticleList)
    for index in range(len(app.model)):
        if app.model.row_at(index).title == title:
            lst.cursor = index
            for _ in range(10):     # the related coverage follows the article a frame later
                await pilot.pause()
                if app.query_one(ArticleView).complete:
                    break
            return
    raise AssertionError(f"{title!r} not in the list")


async def test_seed_article_shows_provider_and_both_related(make_app):
    app = make_app()
    async with app.run_test(size=(230, 50)) as pilot:
        await move_to(pilot, app, XPENG)
        view = app.query_one(ArticleView)
        assert view.article.title == XPENG
        text = screen_text(app)
        assert XPENG in text
        assert "Caixin Global (caixinglobal.com)" in text
        assert "Heat: unknown" in text and "39/100" in text
        assert "Computer Vision, AI" in text
        related = [str(o.prompt).splitlines()[0] for o in view.query_one(RelatedList).options]
        assert related == [
            "Xpeng Motors fined by Chinese watchdog for facial recognition breach",
            "Chinese man used facial recognition to steal £18,000 from sleeping ex-girlfriend",
        ]


async def test_navigation_keys(make_app):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        lst = app.query_one(ArticleList)
        n = len(app.model)
        assert n >= 41 and lst.cursor == 0 and lst.has_focus
        await pilot.press("j", "j", "down")
        assert lst.cursor == 3
        await pilot.press("k", "up")
        assert lst.cursor == 1
        await pilot.press("G")
        assert lst.cursor == n - 1
        await pilot.press("g")
        assert lst.cursor == 0
        await pilot.press("end")
        assert lst.cursor == n - 1
        await pilot.press("home", "pagedown")
        page = lst.cursor
        assert page > 10
        await pilot.press("pageup")
        assert lst.cursor == 0
        # the list scrolled with the cursor: the highlighted row is on screen
        await pilot.press("pagedown", "pagedown")
        assert lst.scroll_offset.y <= lst.cursor < lst.scroll_offset.y + lst.scrollable_content_region.height
        await pilot.press("k")
        await pilot.pause()
        # the detail pane follows the cursor
        assert app.query_one(ArticleView).article.id == app.model.row_at(lst.cursor).id


async def test_sort_cycles_and_header_says_so(make_app):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        assert "newest first" in app.sub_title
        dates = [app.model.row_at(i).published for i in range(len(app.model))]
        assert dates == sorted(dates, reverse=True)
        await pilot.press("s")
        assert "best first" in app.sub_title
        qualities = [app.model.row_at(i).quality for i in range(len(app.model))]
        assert qualities == sorted(qualities, reverse=True)
        await pilot.press("s")
        assert "ranked" in app.sub_title
        await pilot.press("s")
        assert "newest first" in app.sub_title


async def test_sort_keeps_the_highlighted_article(make_app):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await move_to(pilot, app, XPENG)
        await pilot.press("s")
        assert cursor_title(app) == XPENG


async def test_tab_and_enter_switch_panes(make_app):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        lst = app.query_one(ArticleList)
        await pilot.press("enter")
        assert app.query_one(ArticleView).has_focus
        await pilot.press("escape")
        assert lst.has_focus
        await pilot.press("tab")
        assert not lst.has_focus
        assert app.focused is not None and app.query_one(ArticleView) in app.focused.ancestors_with_self


async def test_related_item_in_library_jumps_there(make_app):
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        # find an article whose related coverage points at another sample
        lst = app.query_one(ArticleList)
        for index in range(len(app.model)):
            article = app.library.article(app.model.key_at(index))
            targets = [i for i, r in enumerate(article.related) if app.library.find_by_url(r.url) is not None]
            if targets:
                break
        else:
            raise AssertionError("the samples should link to each other")
        lst.cursor = index
        await pilot.pause()
        related = app.query_one(RelatedList)
        related.focus()
        related.highlighted = targets[0]
        await pilot.press("enter")
        await pilot.pause()
        expected = app.library.find_by_url(article.related[targets[0]].url)
        assert lst.current == expected and lst.has_focus
        assert app.query_one(ArticleView).article.title == article.related[targets[0]].title or True
        assert app.query_one(ArticleView).article.id != article.id


async def test_mouse_click_selects_a_row(make_app):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        lst = app.query_one(ArticleList)
        await pilot.click(ArticleList, offset=(10, 4))
        assert lst.cursor == 4


async def test_help_lists_every_key(make_app):
    app = make_app()
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        text = screen_text(app)
        for needle in ("Quit", "Sort", "Help", "Problems", "PgDn", "Reader view", "command palette"):
            assert needle in text, needle
        await pilot.press("escape")
        assert app.query_one(ArticleList).has_focus


async def test_problems_screen_and_count(make_app, tmp_path):
    folder = tmp_path / "docs"
    write(folder, "good.txt", doc("fine", "https://x.example.com/1"))
    write(folder, "broken.txt", "---\ntitle: [oops\n---\n")
    app = make_app(folder)
    async with app.run_test(size=(120, 30)) as pilot:
        assert "1 problem (!)" in app.sub_title and "1 problems" not in app.sub_title
        await pilot.press("exclamation_mark")
        await pilot.pause()
        text = screen_text(app)
        assert "broken.txt" in text and "error" in text


async def test_markup_in_documents_is_shown_literally(make_app, tmp_path):
    folder = tmp_path / "docs"
    title = "[bold]Loud[/] [@click=app.quit]quit[/] [link=file:///etc/passwd]x[/link]"
    write(folder, "m.txt", doc(title, "https://x.example.com/m", provider="[red]Prov[/red]"))
    app = make_app(folder)
    async with app.run_test(size=(200, 30)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert title in text
        assert "[red]Prov[/red]" in text
        await pilot.click(ArticleView, offset=(12, 0))
        assert app.is_running


async def test_command_palette_offers_sorting(make_app):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"best first")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert app.model.order == "best"


async def test_empty_library(make_app, tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    app = make_app(folder)
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.press("j", "G", "enter", "s")
        assert "0 articles" in app.sub_title
        assert "No article selected" in screen_text(app)


async def test_command_palette_has_every_app_key(make_app):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for needle in ("Read/unread", "Hide", "Flag", "Undo", "Open", "Prefetch", "Prefetch all",
                       "Reader", "Problems", "Help", "Rescan", "Mark all read"):
            assert needle in titles, needle
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Flag")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert app.model.flags(app.model.key_at(0))


async def test_detail_pane_ends_on_the_article_after_a_burst_of_page_keys(make_app):
    app = make_app()
    async with app.run_test(size=(120, 16)) as pilot:
        await pilot.pause()
        lst = app.query_one(ArticleList)
        view = app.query_one(ArticleView)
        shown: list[int | None] = []
        show_article = app.show_article

        def counting(aid, **kwargs):
            shown.append(aid)
            show_article(aid, **kwargs)

        app.show_article = counting
        # keys faster than frames: three page downs and a line up before the next frame
        lst.action_page_down()
        lst.action_page_down()
        lst.action_page_down()
        lst.action_cursor_up()
        await pilot.pause()
        await pilot.pause()
        row = app.model.row_at(lst.cursor)
        assert lst.cursor > 20
        assert view.article.id == row.id
        assert row.title[:30] in screen_text(app)
        assert shown == [row.aid]          # one detail update for the burst, of the last article
        await pilot.press("pageup", "pageup")
        await pilot.pause()
        assert view.article.id == app.model.row_at(lst.cursor).id


async def test_list_scrollbar_paints_what_textuals_paints(make_app):
    from textual.geometry import Region
    from textual.scrollbar import ScrollBar

    app = make_app()
    async with app.run_test(size=(120, 16)) as pilot:
        lst = app.query_one(ArticleList)
        bar = lst.vertical_scrollbar
        seen = set()
        for keys in [(), ("pagedown",), ("pagedown",), ("end",), ("home",), ("j", "j", "pagedown")]:
            await pilot.press(*keys)
            await pilot.pause()
            assert bar.display and bar.size.height > 3
            crop = Region(0, 0, bar.size.width, bar.size.height)
            kept = [list(strip) for strip in bar.render_lines(crop)]
            bar._styles_cache.clear()
            plain = [list(strip) for strip in ScrollBar.render_lines(bar, crop)]
            assert kept == plain
            seen.add(tuple(tuple(line) for line in kept))
        assert len(seen) >= 3       # the thumb moved, and the kept lines followed it


async def test_a_detail_update_leaves_the_list_and_its_scrollbar_alone(make_app):
    app = make_app()
    async with app.run_test(size=(120, 16)) as pilot:
        await pilot.pause()
        lst = app.query_one(ArticleList)
        bar = lst.vertical_scrollbar
        assert bar.window_virtual_size == len(app.model)
        asked: list[int] = []
        refresh = bar.refresh

        def counting(*args, **kwargs):
            asked.append(1)
            return refresh(*args, **kwargs)

        bar.refresh = counting
        # a new article in the detail pane: a layout of the screen, nothing in the list changed
        app.show_article(app.model.key_at(7))
        await pilot.pause()
        await pilot.pause()
        assert app.query_one(ArticleView).article.id == app.model.row_at(7).id
        assert asked == []              # not asked to repaint: nothing left dirty for the next key
        # the list's own size changes still reach the scroll bar
        await pilot.press("x")
        await pilot.pause()
        assert len(app.model) == bar.window_virtual_size
        await pilot.press("H")
        await pilot.pause()
        assert len(app.model) == bar.window_virtual_size


async def test_related_coverage_painted_follows_the_article(make_app):
    app = make_app()
    async with app.run_test(size=(230, 70)) as pilot:
        lst = app.query_one(ArticleList)
        view = app.query_one(ArticleView)
        counts = set()
        for index in range(len(app.model)):
            lst.cursor = index
            for _ in range(10):     # the related coverage follows the article a frame later
                await pilot.pause()
                if view.article.id == app.model.row_at(index).id and view.complete:
                    break
            article = view.article
            assert article.id == app.model.row_at(index).id
            related = view.query_one(RelatedList)
            assert related.option_count == len(article.related)
            counts.add(len(article.related))
            if article.related:
                text = screen_text(app)
                detail = "\n".join(line.partition("│")[2] for line in text.splitlines())
                for item in article.related:
                    assert (item.title or "(untitled)")[:25] in detail
        assert len(counts) >= 3        # articles with none, one and several related items


async def test_a_rescan_that_finds_a_few_files_rebuilds_the_list_once(make_app, tmp_path, monkeypatch):
    """The start-up scan's usual case (a few new files, one batch): one
    rebuild of the list with them, not a second one for the same index."""
    from feedreader.ui.app import FeedReaderApp

    folder = tmp_path / "docs"
    for i in range(3):
        write(folder, f"{i}.txt", doc(f"old {i}", f"https://x.example.com/{i}", published=f"2021-12-1{i}T12:00:00Z"))
    app = make_app(folder)
    rebuilds: list[int] = []
    handler = FeedReaderApp.on_index_batch

    def counted(self, message) -> None:
        handler(self, message)
        rebuilds.append(len(self.model))

    monkeypatch.setattr(FeedReaderApp, "on_index_batch", counted)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        write(folder, "new.txt", doc("brand new", "https://x.example.com/new", published="2022-02-01T12:00:00Z"))
        (folder / "0.txt").unlink()
        await pilot.press("ctrl+r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        assert rebuilds == [3]          # once, with the new article in and the deleted one out
        assert app.model.row_at(0).title == "brand new"


async def test_the_indexing_bar_shows_for_a_long_refresh_only(make_app):
    """A refresh that takes a while shows its progress; one done within
    INDEX_BAR_DELAY shows no bar (no flash, no jump of the panes)."""
    from textual.widgets import ProgressBar

    from feedreader.ui.app import INDEX_BAR_DELAY
    from feedreader.ui.messages import IndexProgress

    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        bar = app.query_one("#indexing", ProgressBar)
        app.post_message(IndexProgress(10, 200))        # a quick one
        await pilot.pause()
        app.post_message(IndexProgress(200, 200))
        await pilot.pause(INDEX_BAR_DELAY + 0.2)
        assert not bar.display

        app.post_message(IndexProgress(10, 2000))       # a long one
        await pilot.pause()
        assert not bar.display
        await pilot.pause(INDEX_BAR_DELAY + 0.2)
        assert bar.display and bar.total == 2000
        app.post_message(IndexProgress(1500, 2000))
        await pilot.pause()
        assert bar.progress == 1500
        app.post_message(IndexProgress(2000, 2000))
        await pilot.pause()
        assert not bar.display
