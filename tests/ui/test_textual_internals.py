"""The private Textual names feedreader uses are still there, in the shape it
uses them: a Textual upgrade that renames or reshapes one fails here, by name,
instead of somewhere in a Pilot test (or not at all: several only save time).

Each is used where no public API does the job; the comment at the use says
why. The public replacements already made: ``RelatedList.on_resize`` (was
``_on_resize``; ``prevent_default`` skips OptionList's handler) and
``ReaderScreen.set_fetching`` (was ``set_loading``, which shadowed
``Widget.set_loading``).
"""

from __future__ import annotations

import inspect

from textual.app import App
from textual.scroll_view import ScrollView
from textual.widget import Widget
from textual.widgets import Header, OptionList, Static

from feedreader.ui.app import AppHeader, FeedReaderApp
from feedreader.ui.article_list import ArticleList
from feedreader.ui.article_view import RelatedList
from feedreader.ui.reader import ReaderScreen


def parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_app_handle_exception_takes_the_error():
    # FeedReaderApp._handle_exception: a damaged index ends the app with a word
    assert parameters(App._handle_exception) == ["self", "error"]
    assert FeedReaderApp._handle_exception is not App._handle_exception


def test_app_display_writes_a_frame_of_a_screen():
    # FeedReaderApp._display: the garbage collector is released once the key's frame is out
    assert parameters(App._display) == ["self", "screen", "renderable"]
    assert "write" in inspect.getsource(App._display)     # it is where the frame goes to the terminal


def test_the_vertical_scroll_bar_is_made_as_the_list_makes_it():
    # ArticleList.vertical_scrollbar: Textual's property, with a caching bar
    source = inspect.getsource(Widget.vertical_scrollbar.fget)
    assert "self._vertical_scrollbar" in source and "self.app._start_widget(self, scroll_bar)" in source
    assert parameters(App._start_widget) == ["self", "parent", "widget"]
    assert Widget()._vertical_scrollbar is None
    assert isinstance(inspect.getattr_static(ArticleList, "vertical_scrollbar"), property)


def test_size_updated_has_the_signature_the_list_overrides():
    # ArticleList._size_updated passes on only real changes
    expected = ["self", "size", "virtual_size", "container_size", "layout"]
    assert parameters(ScrollView._size_updated) == expected
    assert parameters(ArticleList._size_updated) == expected


def test_the_styles_cache_renders_one_line():
    # ArticleList._finished_line styles a row with Textual's own line renderer
    from textual._styles_cache import StylesCache

    widget = Widget()
    assert isinstance(widget._styles_cache, StylesCache)
    assert parameters(StylesCache.render_line) == [
        "self", "styles", "y", "size", "content_size", "padding", "base_background", "background",
        "render_content_line", "border_title", "border_subtitle", "opacity", "ansi_theme", "native_ansi",
    ]
    assert parameters(StylesCache.clear) == ["self"]


def test_the_component_style_cache_is_a_dict_of_name_tuples():
    # ArticleList._row_styles keeps its row styles in it (Textual clears it when styles change)
    widget = Widget()
    assert widget._rich_style_cache == {}
    assert "_rich_style_cache" in inspect.getsource(Widget.get_component_rich_style)
    assert "_rich_style_cache.clear()" in inspect.getsource(Widget)


def test_the_header_title_is_the_static_the_header_updates():
    # AppHeader yields its own HeaderTitle, one that never lays the screen out again
    from textual.widgets._header import HeaderTitle

    assert issubclass(HeaderTitle, Static)
    assert "HeaderTitle()" in inspect.getsource(Header.compose)
    assert "query_one(HeaderTitle).update(" in inspect.getsource(Header)
    assert "layout" in parameters(Static.update)
    assert issubclass(AppHeader, Header)


def test_public_replacements_keep_textual_names_free():
    assert "_on_resize" not in vars(RelatedList) and "on_resize" in vars(RelatedList)
    assert "_on_resize" in vars(OptionList) or "on_resize" in vars(OptionList)   # what prevent_default skips
    assert "set_loading" not in vars(ReaderScreen)
    assert parameters(Widget.set_loading) == ["self", "loading"]
