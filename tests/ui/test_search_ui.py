"""Pilot tests of the search bar: typing, highlighting, errors in place, enter, esc, views.

The bar runs in a small host app built like FeedReaderApp's wiring (the lines
the app adds): a ListModel over the sample library, an ArticleList, and the
SearchBar whose messages go through ``apply_search``.
"""

from __future__ import annotations


from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding

from conftest import FIXED_NOW, screen_text
from feedreader.core.library.library import Library
from feedreader.core.library.query import saved_views, view_for_key
from feedreader.core.marks.bits import READ
from feedreader.core.library.view import ListModel
from feedreader.paths import builtin_library
from feedreader.ui.article_list import ArticleList
from feedreader.ui.search_bar import SearchBar, apply_search

XPENG = "Carmaker Xpeng Deletes 430,000 Photos for Misuse of Facial Recognition"
VIEWS = (("ai", "topic:AI is:unread"), ("caixin", "provider:caixin"), ("broken", "q>abc"))


class Host(App):
    BINDINGS = [
        Binding("slash", "search", "Search"),
        *[Binding(str(i), f"view('{i}')", show=False) for i in range(1, 10)],
    ]

    def __init__(self, library: Library, marks: dict[int, int] | None = None) -> None:
        super().__init__()
        self.library = library
        self.model = ListModel(library, "newest")
        self.model.replace_marks(dict(marks or {}))
        self.views = saved_views(VIEWS, now=FIXED_NOW)
        self.messages: list = []

    def compose(self) -> ComposeResult:
        yield SearchBar(self.library, marks=lambda: self.model.marks, clock=lambda: FIXED_NOW,
                        debounce=0.01, id="search")
        yield ArticleList(self.model, clock=lambda: FIXED_NOW, id="list")

    def on_mount(self) -> None:
        self.model.rebuild()
        self.list.reload()
        self.list.focus()

    @property
    def list(self) -> ArticleList:
        return self.query_one(ArticleList)

    @property
    def bar(self) -> SearchBar:
        return self.query_one(SearchBar)

    def action_search(self) -> None:
        self.bar.open()

    def action_view(self, key: str) -> None:
        view = view_for_key(self.views, key)
        if view is None or view.error is not None:
            self.bell()
            return
        self.bar.apply_view(view)

    @on(SearchBar.Changed)
    def _changed(self, message: SearchBar.Changed) -> None:
        self.messages.append(("changed", message.text, message.result, message.error))
        if message.result is not None:
            apply_search(self.model, self.list, message.result)

    @on(SearchBar.Submitted)
    def _submitted(self, message: SearchBar.Submitted) -> None:
        self.messages.append(("submitted", message.text))
        self.list.focus()

    @on(SearchBar.Cleared)
    def _cleared(self, _message: SearchBar.Cleared) -> None:
        self.messages.append(("cleared",))
        apply_search(self.model, self.list, None)
        self.list.focus()


def open_samples(tmp_path) -> Library:
    library = Library.open(tmp_path / "cache", [builtin_library()], "samples")
    library.refresh(workers=1)
    return library


async def settle(pilot, app: Host) -> None:
    """Wait until the bar's search (debounce + thread worker) has landed."""
    for _ in range(200):
        await pilot.pause(0.01)
        if not app.bar.busy:
            break
    await app.workers.wait_for_complete()
    await pilot.pause()


def titles(app: Host) -> list[str]:
    return [app.model.row_at(i).title for i in range(len(app.model))]


async def type_text(pilot, text: str) -> None:
    for ch in text:
        await pilot.press({" ": "space", '"': "quotation_mark", "-": "minus", ":": "colon",
                           ">": "greater_than_sign", "*": "asterisk"}.get(ch, ch))


def styled_spans(app: Host, line: int) -> list[tuple[str, bool]]:
    """(text, underlined) of each segment of a list line as painted."""
    strip = app.list.render_line(line)
    return [(seg.text, bool(seg.style and seg.style.underline)) for seg in strip]


async def test_typing_filters_as_you_type_and_highlights_titles(tmp_path):
    library = open_samples(tmp_path)
    app = Host(library)
    try:
        async with app.run_test(size=(160, 30)) as pilot:
            everything = len(app.model)
            assert everything == library.count() and not app.bar.display
            await pilot.press("slash")
            assert app.bar.display and app.bar.input.has_focus
            await type_text(pilot, "xpe")
            await settle(pilot, app)
            assert titles(app) == [XPENG]
            assert app.bar.result.text == "xpe" and app.bar.result.count == 1
            # only the matched word start is styled (underline from the component class)
            underlined = [text for text, under in styled_spans(app, 0) if under]
            assert "".join(underlined) == "Xpe"
            status = screen_text(app)
            assert f"1 of {everything} match" in status
            # typing on narrows and then widens again
            await pilot.press("backspace", "backspace", "backspace")
            await type_text(pilot, "photo")
            await settle(pilot, app)
            assert XPENG in titles(app) and len(titles(app)) == 5
            # every result posted belongs to the text it was posted with; the last is for the last text
            assert all(m[2] is None or m[2].text == m[1] for m in app.messages if m[0] == "changed")
            assert app.messages[-1][1] == "photo"
    finally:
        library.close()


async def test_a_mistake_is_shown_in_place_and_the_list_is_kept(tmp_path):
    library = open_samples(tmp_path)
    app = Host(library)
    try:
        async with app.run_test(size=(160, 30)) as pilot:
            await pilot.press("slash")
            await type_text(pilot, "topic:AI")
            await settle(pilot, app)
            ai = titles(app)
            assert len(ai) == 12
            await type_text(pilot, " q")   # "q" is a word here: one letter matches the whole word "q"
            await settle(pilot, app)
            with_q = titles(app)
            assert len(with_q) < len(ai)
            await type_text(pilot, ">")
            await settle(pilot, app)
            assert app.bar.error is not None and app.bar.has_class("-error")
            text = screen_text(app)
            assert "q> needs a whole number from 0 to 100 (like q>50), got nothing" in text
            assert titles(app) == with_q      # the list keeps the last good results
            await type_text(pilot, "abc")
            await settle(pilot, app)
            lines = screen_text(app).splitlines()
            query_line = next(i for i, line in enumerate(lines) if "topic:AI q>abc" in line)
            caret_line = lines[query_line + 1]
            column = lines[query_line].index("topic:AI q>abc")
            assert caret_line[column:].startswith("           ^^^ q> needs a whole number")
            # enter refuses a query with a mistake
            await pilot.press("enter")
            assert app.bar.input.has_focus and ("submitted", "topic:AI q>abc") not in app.messages
            await pilot.press("backspace", "backspace", "backspace")
            await type_text(pilot, "50")
            await settle(pilot, app)
            assert app.bar.error is None and not app.bar.has_class("-error")
            assert 0 < len(titles(app)) < len(ai)
    finally:
        library.close()


async def test_enter_keeps_the_filter_and_esc_clears_it(tmp_path):
    library = open_samples(tmp_path)
    app = Host(library)
    try:
        async with app.run_test(size=(160, 30)) as pilot:
            everything = len(app.model)
            await pilot.press("slash")
            await type_text(pilot, "quillon")
            await settle(pilot, app)
            await pilot.press("enter")
            await pilot.pause()
            assert ("submitted", "quillon") in app.messages
            assert app.list.has_focus and app.bar.display
            assert app.bar.label() == "search: quillon"
            found = titles(app)
            assert found and all("Quillon" in t for t in found)
            # moving in the list keeps the filter
            await pilot.press("j")
            assert titles(app) == found
            # back to the bar and esc: everything again, no highlight, bar closed
            await pilot.press("slash")
            assert app.bar.input.has_focus and app.bar.text == "quillon"
            await pilot.press("escape")
            await pilot.pause()
            assert app.messages[-1] == ("cleared",)
            assert len(app.model) == everything and app.model.match is None
            assert app.list.highlight is None and not app.bar.display and app.list.has_focus
            assert app.bar.label() == "" and app.bar.text == ""
            assert not any(under for _t, under in styled_spans(app, 0))
    finally:
        library.close()


async def test_the_cursor_stays_on_a_matching_article_else_goes_to_the_top(tmp_path):
    library = open_samples(tmp_path)
    app = Host(library)
    try:
        async with app.run_test(size=(160, 30)) as pilot:
            index = next(i for i, t in enumerate(titles(app)) if t == XPENG)
            app.list.cursor = index
            await pilot.press("slash")
            await type_text(pilot, "facial")
            await settle(pilot, app)
            assert app.model.row_at(app.list.cursor).title == XPENG
            await pilot.press("backspace", "backspace", "backspace", "backspace", "backspace", "backspace")
            await type_text(pilot, "quillon")
            await settle(pilot, app)
            assert app.list.cursor == 0
    finally:
        library.close()


async def test_saved_views_and_marks(tmp_path):
    library = open_samples(tmp_path)
    ai_rows = library.search("topic:AI", now=FIXED_NOW).match
    read = sorted(ai_rows)[:5]
    app = Host(library, {aid: READ for aid in read})
    try:
        async with app.run_test(size=(160, 30)) as pilot:
            await pilot.press("1")
            await settle(pilot, app)
            assert len(app.model) == len(ai_rows) - 5
            assert set(app.model.keys) == ai_rows - set(read)
            assert app.bar.label() == "view ai: topic:AI is:unread"
            assert app.list.has_focus and app.bar.display
            assert "topic:AI is:unread" in screen_text(app)
            await pilot.press("2")
            await settle(pilot, app)
            assert titles(app) == [XPENG] and app.bar.label() == "view caixin: provider:caixin"
            # a view whose query is wrong is never applied
            await pilot.press("3")
            await settle(pilot, app)
            assert titles(app) == [XPENG]
            # editing a view's query makes it a plain search
            await pilot.press("slash")
            await type_text(pilot, " -xpeng")
            await settle(pilot, app)
            assert titles(app) == [] and app.bar.label() == "search: provider:caixin -xpeng"
    finally:
        library.close()


async def test_topic_and_provider_filters_cycle_and_replace(tmp_path):
    library = open_samples(tmp_path)
    app = Host(library)
    try:
        async with app.run_test(size=(160, 30)) as pilot:
            article = library.article(library.find_by_url(
                "https://www.caixinglobal.com/2021-12-15/carmaker-xpeng-deletes-430000-photos-for-misuse-"
                "of-facial-recognition-101818294.html"))
            assert article.topics == ("Computer Vision", "AI")
            app.bar.filter_topic(article.topics)
            await settle(pilot, app)
            assert app.bar.text == 'topic:"Computer Vision"' and len(app.model) == 6
            app.bar.filter_topic(article.topics)
            await settle(pilot, app)
            assert app.bar.text == "topic:AI" and len(app.model) == 12
            app.bar.filter_topic(article.topics)
            await settle(pilot, app)
            assert app.bar.text == 'topic:"Computer Vision"'
            app.bar.filter_provider(article.provider.name)
            await settle(pilot, app)
            assert app.bar.text == 'provider:"Caixin Global"' and titles(app) == [XPENG]
    finally:
        library.close()


async def test_rerun_sees_new_articles(tmp_path):
    from docs import doc, write

    folder = tmp_path / "docs"
    write(folder, "a.txt", doc("Quillon one", "https://x.example.com/1"))
    library = Library.open(tmp_path / "cache", [folder], "docs")
    library.refresh(workers=1)
    app = Host(library)
    try:
        async with app.run_test(size=(160, 30)) as pilot:
            await pilot.press("slash")
            await type_text(pilot, "quillon")
            await settle(pilot, app)
            assert titles(app) == ["Quillon one"]
            write(folder, "b.txt", doc("Quillon two", "https://x.example.com/2", "2022-01-01T00:00:00Z"))
            library.refresh(workers=1)
            app.model.rebuild()
            app.bar.rerun()
            await settle(pilot, app)
            assert titles(app) == ["Quillon two", "Quillon one"]
    finally:
        library.close()


# --------------------------------------------------------------------------
# the real app (FeedReaderApp, its SearchController)


def build_wired(tmp_path, views=VIEWS):
    from feedreader.config import Settings
    from feedreader.core.web.pagecache import PageCache
    from feedreader.core.marks.store import StateStore
    from feedreader.ui.app import FeedReaderApp, Services

    library = open_samples(tmp_path)
    state = StateStore.open(tmp_path / "data" / "state.db")
    services = Services(library=library, settings=Settings(views=views, mark_read_after=0), state=state,
                        page_cache=PageCache(tmp_path / "cache" / "pages"), opener=lambda url: None,
                        clock=lambda: FIXED_NOW, scan_on_start=False)
    return FeedReaderApp(services), (library, state)


async def wait_for(pilot, app) -> None:
    for _ in range(200):
        await pilot.pause(0.01)
        if not app.search_bar.busy:
            break
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_in_the_app_typing_letters_never_triggers_app_keys(tmp_path):
    app, opened = build_wired(tmp_path)
    try:
        async with app.run_test(size=(200, 40)) as pilot:
            total = len(app.model)
            await pilot.press("slash")
            assert app.search_bar.input.has_focus
            # q quits, s sorts, m marks, f flags, t/b filter, 1 is a view: all are text here
            await type_text(pilot, "quillon sfmtb1")
            await wait_for(pilot, app)
            assert app.is_running and app.search_bar.text == "quillon sfmtb1"
            assert app.model.order == "newest" and not app.model.marks
            for _ in "quillon sfmtb1":
                await pilot.press("backspace")
            await type_text(pilot, "quillon")
            await wait_for(pilot, app)
            assert 0 < len(app.model) < total
            assert " · search: quillon · " in app.sub_title
            await pilot.press("enter")
            await pilot.pause()
            assert app.article_list.has_focus
            # marking read inside a search keeps the article in the list (no re-search)
            await pilot.press("m")
            await pilot.pause()
            assert len(app.model) == 3
            await pilot.press("slash", "escape")
            await pilot.pause()
            assert len(app.model) == total and app.sub_title.split(" · ")[0].endswith("articles")
    finally:
        for thing in opened:
            thing.close()


async def test_in_the_app_views_topic_and_provider_keys_and_palette(tmp_path):
    app, opened = build_wired(tmp_path)
    try:
        async with app.run_test(size=(200, 40)) as pilot:
            await pilot.pause()
            assert any("views.broken: q> needs a whole number" in n for n in
                       [m.message for m in app._notifications])
            await pilot.press("1")
            await wait_for(pilot, app)
            assert len(app.model) == 12 and " · view ai: topic:AI is:unread · " in app.sub_title
            await pilot.press("9")
            await pilot.pause()
            assert any("No saved view on 9" in m.message for m in app._notifications)
            # t on the shown article: its first topic, then the next
            for index in range(len(app.model)):
                if app.model.row_at(index).title == XPENG:
                    app.article_list.cursor = index
            await pilot.pause()
            assert app.article_view.article.title == XPENG
            await pilot.press("t")
            await wait_for(pilot, app)
            assert app.search_bar.text == 'topic:"Computer Vision"' and len(app.model) == 6
            await pilot.press("t")
            await wait_for(pilot, app)
            assert app.search_bar.text == "topic:AI"
            await pilot.press("b")
            await wait_for(pilot, app)
            assert app.search_bar.text == 'provider:"Caixin Global"' and len(app.model) == 1
            assert app.article_list.highlight is None   # filters highlight nothing
            titles_in_palette = [c.title for c in app.get_system_commands(app.screen)]
            assert "View: ai" in titles_in_palette and "View: caixin" in titles_in_palette
            assert "View: broken" not in titles_in_palette and "Search" in titles_in_palette
    finally:
        for thing in opened:
            thing.close()


async def test_keys_typed_right_after_slash_go_to_the_bar(tmp_path):
    """A fast typist (or a paste) sends '/xpe' in one burst: no app key fires."""
    app, opened = build_wired(tmp_path)
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            total = len(app.model)
            for key in ["slash", "x", "p", "e"]:      # queued together, no pause between
                app.post_message(events.Key(key, "/" if key == "slash" else key))
            await wait_for(pilot, app)
            assert app.search_bar.text == "xpe"
            assert not any(bits for bits in app.model.marks.values())   # x did not hide anything
            assert len(app.model) < total
            await pilot.press("slash")                  # in the bar, "/" is just a character
            assert app.search_bar.input.value == "xpe/"
    finally:
        for thing in opened:
            thing.close()
