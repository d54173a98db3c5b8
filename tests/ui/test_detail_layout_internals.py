"""The private Textual names the detail pane's one-layout update uses
(``ui/kept.py`` ``OneLayout``, ``ui/article_view.py``) are still there in the
shape it uses them, beside tests/ui/test_textual_internals.py's."""

from __future__ import annotations

import inspect

from textual.containers import VerticalScroll
from textual.scrollbar import ScrollBar
from textual.widget import Widget
from textual.widgets import Static

from feedreader.ui.article_view import ArticleView
from feedreader.ui.kept import KeptStatic, OneLayout, PaneScrollBar, PaneStatic
from feedreader.ui.lead_image import LeadImage


def test_size_updated_takes_layout_and_sets_the_virtual_size_with_it():
    # OneLayout._size_updated passes layout=False: the virtual size is set without a refresh
    assert list(inspect.signature(Widget._size_updated).parameters) == [
        "self", "size", "virtual_size", "container_size", "layout"]
    source = inspect.getsource(Widget._size_updated)
    assert "set_reactive(Widget.virtual_size, virtual_size)" in source and "_scroll_update" in source
    for cls in (ArticleView, KeptStatic, PaneStatic, PaneScrollBar, LeadImage):
        assert cls._size_updated is OneLayout._size_updated, cls


def test_the_mixin_keeps_the_widgets_css_type():
    # Textual's CSS follows a class's first DOM base: OneLayout is none, so a
    # PaneStatic is styled as a Static (height: auto), the pane as a VerticalScroll
    assert [c.__name__ for c in PaneStatic._css_bases(PaneStatic)][:2] == ["PaneStatic", "Static"]
    assert VerticalScroll in ArticleView._css_bases(ArticleView)
    assert ScrollBar in PaneScrollBar._css_bases(PaneScrollBar)
    assert issubclass(KeptStatic, Static)


def test_arrangement_cache_and_scroll_bar_names():
    # ArticleView._expect_scroll_bar clears the arrangement kept for the old content
    assert list(inspect.signature(Widget._clear_arrangement_cache).parameters) == ["self"]
    assert "_arrangement_cache" in inspect.getsource(Widget.arrange)
    # ... and shows the bar as Textual's own check does
    source = inspect.getsource(Widget._refresh_scrollbars)
    assert "self.show_vertical_scrollbar = show_vertical" in source
    assert "self.vertical_scrollbar.display = show_vertical" in source
    assert isinstance(inspect.getattr_static(ArticleView, "vertical_scrollbar"), property)
    assert "self._vertical_scrollbar" in inspect.getsource(Widget.vertical_scrollbar.fget)
