"""The detail pane (ui/article_view.py), issue 15: the score line explains the
score ("39 from the document, +60 caixin = 99", plain text), and the related
coverage lists the other articles of the article's story in the library,
which enter jumps to. Both are part of the article's own frame."""

from __future__ import annotations

import pytest

from conftest import screen_text
from feedreader.core.ids import aid_from_id
from feedreader.core.rules.spec import RuleSpec
from feedreader.ui.article_list import ArticleList
from feedreader.ui.article_view import ArticleView, RelatedList
from tests.helpers.storyset import copy_stories
from test_stories_ui import biggest, grouped

XPENG = "Carmaker Xpeng Deletes 430,000 Photos for Misuse of Facial Recognition"


async def shown(pilot, app, index: int) -> ArticleView:
    """Put the list's cursor on row ``index`` and wait until the pane shows it whole."""
    lst = app.query_one(ArticleList)
    view = app.query_one(ArticleView)
    lst.cursor = index
    for _ in range(20):
        await pilot.pause()
        if view.article is not None and aid_from_id(view.article.id) == lst.current and view.complete:
            return view
    raise AssertionError("the detail pane did not follow the cursor")


def detail_text(app) -> str:
    return "\n".join(line.partition("│")[2] for line in screen_text(app).splitlines())


async def test_the_score_line_explains_the_score_in_plain_text(make_app):
    rules = (RuleSpec(match='provider:"Caixin Global"', add=60, name="[b]caixin[/b]"),
             RuleSpec(match="topic:nothing-has-this", add=-5, name="never"))
    app = make_app(rules=rules)
    async with app.run_test(size=(230, 50)) as pilot:
        await grouped(pilot, app)          # the rules run after the index refresh (ui/storying.py)
        index = next(i for i in range(len(app.model)) if app.model.row_at(i).title == XPENG)
        await shown(pilot, app, index)
        text = detail_text(app)
        line = next(line for line in text.splitlines() if line.lstrip().startswith("Score"))
        # the document's quality, the rule that matched (its name as typed, not markup), the sum
        assert "39 from the document" in line and "+60 [b]caixin[/b]" in line and line.rstrip().endswith("= 99")
        assert "never" not in line
        # another provider's article: no rule, the document's own figure
        other = next(i for i in range(len(app.model)) if app.model.row_at(i).provider != "Caixin Global"
                     and app.model.row_at(i).quality is not None)
        row = app.model.row_at(other)
        await shown(pilot, app, other)
        line = next(line for line in detail_text(app).splitlines() if line.lstrip().startswith("Score"))
        assert f"{row.quality} from the document" in line and "caixin" not in line
        assert line.rstrip().endswith(f"= {row.quality}")


async def test_the_related_coverage_lists_the_story_and_enter_jumps_to_a_member(make_app, tmp_path):
    copy_stories(tmp_path / "docs")
    app = make_app(tmp_path / "docs", sort="best")
    async with app.run_test(size=(200, 60)) as pilot:
        await grouped(pilot, app)
        _sid, members = biggest(app)
        assert len(members) >= 3
        lst = app.query_one(ArticleList)
        view = await shown(pilot, app, app.model.index_of(members[0]))
        related = view.query_one(RelatedList)
        # every other member, best first, after the document's own related items
        listed = [aid for _item, aid in view.items if aid is not None]
        assert listed == [a for a in members if a != members[0]]
        rows = app.library.rows(members)
        prompts = [str(related.get_option_at_index(i).prompt) for i in range(related.option_count)]
        assert any(rows[members[1]].title in p and "same story, in this library" in p for p in prompts)
        # enter on a member: the list's cursor goes to it, the pane shows it
        target = members[2]
        at = next(i for i, (_item, aid) in enumerate(view.items) if aid == target)
        related.focus()
        related.highlighted = at
        await pilot.pause()
        assert view.highlighted_related.title == rows[target].title     # what o / prefetch act on
        await pilot.press("enter")
        for _ in range(20):
            await pilot.pause()
            if view.article is not None and aid_from_id(view.article.id) == target and view.complete:
                break
        assert lst.current == target and lst.has_focus
        assert aid_from_id(view.article.id) == target
        # and from there the story lists the first article, not itself
        assert [aid for _item, aid in view.items if aid is not None] == [a for a in members if a != target]
        assert rows[members[0]].title[:30] in detail_text(app)


async def test_a_new_article_is_one_layout_of_the_screen_with_its_own_related_items(make_app):
    """Showing an article changes every part of the pane in one step: the
    related list offers the new article's items at once (never another's),
    and the screen is laid out once at most (Textual would lay it out again
    for each widget whose size changed: ``OneLayout``)."""
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        screen = app.screen
        layouts: list[int] = []
        layout = screen._refresh_layout

        def counting(*args, **kwargs):
            layouts.append(view._shown)
            return layout(*args, **kwargs)

        screen._refresh_layout = counting
        # the start-up's own layouts (the first article, its image, the header's refit)
        # may still be due on a loaded machine: wait until three pauses lay nothing out
        quiet = 0
        for _ in range(100):
            before = len(layouts)
            await pilot.pause()
            quiet = quiet + 1 if len(layouts) == before else 0
            if quiet == 3:
                break
        layouts.clear()
        sizes = set()
        for index in range(3, 9):
            aid = app.model.key_at(index)
            app.show_article(aid)
            assert view.complete and aid_from_id(view.article.id) == aid
            assert [item for item, _aid in view.items][: len(view.article.related)] == list(view.article.related)
            assert view.query_one(RelatedList).display == bool(view.items)
            for _ in range(4):
                await pilot.pause()
            sizes.add(tuple(child.size for child in view.children))
            assert layouts.count(view._shown) <= 1, layouts
        assert len(sizes) > 1       # the articles do differ in size (each was laid out, once)


async def test_kept_and_prepared_lines_paint_what_textual_paints(make_app):
    """The header and text lines the pane keeps, or renders ahead while idle
    (KeptStatic), are the lines Textual's own Static rendering gives."""
    from textual.widget import Widget
    from textual.widgets import Static

    from feedreader.ui.article_view import KeptStatic
    from feedreader.ui.kept import PaneStatic

    def painted(app) -> list:
        return [list(strip) for strip in app.screen._compositor.render_strips()]

    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        lst = app.query_one(ArticleList)
        prepared: list[tuple] = []
        prepare = KeptStatic.prepare

        def counting(self, text, *args):
            prepared.append((self.id, text.plain))
            prepare(self, text, *args)

        KeptStatic.prepare = counting
        try:
            view = await shown(pilot, app, 3)
            await pilot.pause(0.2)       # idle: the next rows are rendered ahead
        finally:
            KeptStatic.prepare = prepare
        after = app.library.article(app.model.key_at(4))
        assert ("detail-head", view.render_head(after).plain) in prepared
        await pilot.press("j")
        await shown(pilot, app, lst.cursor)
        assert view.article.id == after.id
        kept = painted(app)
        view.focus()        # another background (:focus-within), kept too
        await pilot.pause()
        kept_focused = painted(app)
        assert kept_focused != kept
        lst.focus()
        await pilot.pause()
        assert painted(app) == kept
        # the same article drawn by Textual's own Static code, nothing kept (the
        # header, text and related items, and the small parts: status lines, image box),
        # and the pane's and image box's own background by Textual's Widget code
        parts = list(view.query(PaneStatic))
        assert {"detail-head", "detail-body", "related-text", "detail-notes", "lead-box"} <= {w.id for w in parts}
        for widget in parts:
            if isinstance(widget, KeptStatic):
                widget._kept.clear()
            widget._rendered.clear()
            widget.render_lines = Static.render_lines.__get__(widget)
            widget.refresh()
        for container in (view, *([view.lead] if view.lead.display else [])):
            assert container._backgrounds       # kept
            container._backgrounds.clear()
            container.render_lines = Widget.render_lines.__get__(container)
            container.refresh()
        await pilot.pause()
        assert painted(app) == kept
        view.focus()
        await pilot.pause()
        assert painted(app) == kept_focused


async def test_a_click_on_a_folded_related_item_opens_the_list_on_it(make_app):
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        index = next(i for i in range(len(app.model))
                     if len(app.library.article(app.model.key_at(i)).related) >= 2)
        view = await shown(pilot, app, index)
        related = view.query_one(RelatedList)
        text = view.query_one("#related-text")
        assert not related.has_focus and related.size.height == 0 and text.display
        # the second item's headline: the first item's lines and the blank line under it on
        first = str(related.get_option_at_index(0).prompt)
        lines = text.render_lines(text.region.reset_offset)
        second = str(related.get_option_at_index(1).prompt).splitlines()[0][:30]
        row = next(y for y, strip in enumerate(lines) if second in strip.text)
        assert first.splitlines()[0][:30] not in lines[row].text
        await pilot.click(text, offset=(3, row))
        await pilot.pause()
        assert related.has_focus and related.highlighted == 1
        assert related.size.height > 0 and not text.display         # open: the list draws itself
        assert view.highlighted_related == view.items[1][0]
        related.blur()
        await pilot.pause()
        assert related.size.height == 0 and text.display             # folded again


async def test_the_panes_scroll_bar_draws_what_textual_draws(make_app):
    """The pane's scroll bar, drawn from Textual's bar segments (PaneScrollBar),
    is the bar Textual's own drawing gives, for every article's thumb."""
    from textual.widget import Widget

    from feedreader.ui.kept import PaneScrollBar

    app = make_app()
    async with app.run_test(size=(160, 24)) as pilot:
        view = app.query_one(ArticleView)
        seen = 0
        for index in range(6):
            await shown(pilot, app, index)
            for _ in range(2):
                await pilot.pause()
            if not view.show_vertical_scrollbar:
                continue
            bar = view.vertical_scrollbar
            assert isinstance(bar, PaneScrollBar)
            for offset in (0, view.max_scroll_y):
                view.scroll_to(y=offset, animate=False)
                await pilot.pause()
                crop = bar.size.region
                assert bar._drawn(bar._look()[0], crop) == Widget.render_lines(bar, crop)
                seen += 1
        assert seen >= 2


async def test_an_article_with_the_other_scroll_bar_is_drawn_from_lines_rendered_ahead(make_app):
    """The next article may need the pane's scroll bar when the one shown does
    not (or the reverse): the pane keeps the bar's room either way, so the text
    has the same width, and the lines rendered ahead for it are the ones shown
    (the key that shows it renders no header or text lines anew)."""
    from feedreader.ui.kept import KeptStatic

    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        lst = app.query_one(ArticleList)
        bars = []
        for index in range(len(app.model)):
            view = await shown(pilot, app, index)
            bars.append(view.show_vertical_scrollbar)
        index = next(i for i in range(len(bars) - 1) if bars[i] != bars[i + 1])
        view = await shown(pilot, app, index)
        body = view.query_one("#detail-body")
        width = body.size.width
        await pilot.pause(0.5)          # idle: the next articles are rendered ahead
        missed: list[str | None] = []
        lines = KeptStatic._lines

        def counting(self, key, text, *args):
            if text is None and (key, self._look()) not in self._kept:     # drawn, and not kept
                missed.append(self.id)
            return lines(self, key, text, *args)

        KeptStatic._lines = counting
        try:
            await pilot.press("j")
            view = await shown(pilot, app, index + 1)
        finally:
            KeptStatic._lines = lines
        assert view.show_vertical_scrollbar != bars[index]      # the bar came or went
        assert lst.cursor == index + 1 and body.size.width == width
        assert "detail-head" not in missed and "detail-body" not in missed, missed


async def test_the_layout_of_a_new_article_leaves_nothing_for_another_frame(make_app):
    """The layout that shows a new article leaves no message queued in the pane or
    for the screen: Textual sends a Resize to each part whose size changed (all of
    them when the scroll bar comes or goes), a Show to each part that appears, and
    the related list an OptionHighlighted; queued, they made that layout's frame
    not the article's last, and the pane was painted again a frame later, after
    whatever else was due (the list's next page: page down waited on it)."""
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        screen = app.screen
        left: list[tuple[str, str]] = []
        layout = screen._refresh_layout

        def looking(*args, **kwargs):
            done = layout(*args, **kwargs)
            for pump in (screen, *view.walk_children(with_self=True)):
                left.extend((str(pump.id), type(m).__name__) for m in pump._message_queue.values
                            if type(m).__name__ in ("Resize", "Show", "Hide", "OptionHighlighted"))
            return done

        screen._refresh_layout = looking
        sizes, shown_parts = set(), set()
        for index in (3, 4, 5, 6, 7, 8, 3, 9, 10):
            app.show_article(app.model.key_at(index))
            for _ in range(4):
                await pilot.pause()
            sizes.add(tuple(child.size for child in view.children))
            shown_parts.add(tuple(child.display for child in view.children))
        # the articles differ in size and in the parts they show (the layouts had work to do)
        assert len(sizes) > 1 and len(shown_parts) > 1
        assert not left, left


@pytest.fixture
def collecting():
    """Python's garbage collector on for the test (the app holds it off during keys), as it was after."""
    import gc

    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


async def test_collections_held_for_a_key_wait_for_the_detail_panes_frame(make_app, monkeypatch, collecting):
    """A key's garbage collections are held off until the detail pane shows the
    article the cursor moved to (the pane's update follows the list's frame), and
    come back after the pane's frame (ui/app.py ``_display``)."""
    import gc

    seen: list[bool] = []
    show = ArticleView.show

    def showing(self, article, *args, **kwargs):
        seen.append(gc.isenabled())
        return show(self, article, *args, **kwargs)

    monkeypatch.setattr(ArticleView, "show", showing)
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        lst = app.query_one(ArticleList)
        seen.clear()
        for key in ("j", "j", "pagedown", "k"):
            await pilot.press(key)
            view = await shown(pilot, app, lst.cursor)
            await pilot.pause()
            assert gc.isenabled()
        assert seen == [False, False, False, False]
        assert aid_from_id(view.article.id) == lst.current


async def test_an_earlier_keys_timer_leaves_the_next_keys_hold_alone(make_app, collecting):
    """The 0.1 s that gives collections back after a key that paints nothing is
    that key's own: fired during a later key, it does not end the later one's hold."""
    import asyncio
    import gc

    from textual import events

    async def key() -> int:
        held = app._gc_keys
        app._driver.send_message(events.Key("f12", None))      # bound to nothing
        for _ in range(500):
            if app._gc_keys != held:
                return app._gc_keys
            await asyncio.sleep(0.001)
        raise AssertionError("the key held no collections")

    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        first = await key()
        app._release_gc()                       # its frame (or its timer)
        assert gc.isenabled()
        second = await key()
        assert app._gc_held and not gc.isenabled()
        app._release_gc(first)                  # the first key's timer, late
        assert app._gc_held and not gc.isenabled()
        app._release_gc(second)                 # its own
        assert not app._gc_held and gc.isenabled()
