"""``KeptStatic``: a ``Static`` whose finished lines are kept per content
(the detail pane's header, text and related coverage; ``ui/article_view.py``),
and ``OneLayout``: a widget whose new size after a layout asks for no second one."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.geometry import Region, Size
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.visual import Visual, visualize
from textual.widget import Widget
from textual.widgets import Static

if TYPE_CHECKING:
    _Widget = Widget
else:
    _Widget = object    # a mixin, not a DOM node: Textual's CSS follows a class's first DOM base


class OneLayout(_Widget):
    """A widget that, resized by a layout, does not ask for another layout (a
    mixin, named before the widget class: ``class PaneStatic(OneLayout, Static)``).

    Textual's layout hands every widget its new size with ``_size_updated``,
    which sets the widget's ``virtual_size``, a reactive that lays out the
    whole screen again (``Reactive(layout=True)``). For a widget whose new size
    came from that layout (the detail pane, its header, text, status lines,
    image box) the second layout changes nothing, and at 100k articles it was
    half of a new article's cost: each article shown laid the screen out twice,
    and a deferred part twice more. A scroll container still gets its scroll
    bars redone (``_scroll_update``; a bar shown or hidden is a layout, as it
    must be)."""

    # Textual's private size hook (no public one sees a layout's sizes before
    # they are applied); tests/ui/test_textual_internals.py checks its signature
    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        return super()._size_updated(size, virtual_size, container_size, layout=False)


class PaneScrollBar(OneLayout, ScrollBar):
    """The detail pane's scroll bar: shown or resized without a second layout (``OneLayout``)."""


class PaneStatic(OneLayout, Static):
    """A ``Static`` of the detail pane: resized without a second layout (``OneLayout``)."""


class KeptStatic(PaneStatic):
    """A ``Static`` whose lines, styled for the screen, are kept per content.

    Textual renders a ``Static`` anew after every update (wrap, then style each
    line: background, colour, the app's filters), about as much per line as
    the rest of a frame together. Here the finished lines are kept by what
    they show (the text and its spans) and everything Textual styles them
    with (``_look``), so an article shown again, or one ``prepare``-d while
    the app was idle (the pane renders the articles a key may show next),
    costs a look-up per line. For widgets whose lines do not depend on their
    place (no top or bottom border or padding: the pane's parts have none).
    """

    KEEP = 24

    def __init__(self, content: Text | str = "", *, id: str | None = None) -> None:
        super().__init__(content, id=id)
        self._kept: OrderedDict[Hashable, list[Strip]] = OrderedDict()
        self._key: Hashable = _text_key(content)

    def show_text(self, text: Text) -> None:
        """Show ``text``; a layout only when its height differs from the shown one's."""
        key = _text_key(text)
        if key == self._key:
            return
        before = self._height_of(self._key)
        self._key = key
        after = self._height_of(key)
        self.update(text, layout=before is None or after is None or before != after)

    def _height_of(self, key: Hashable) -> int | None:
        found = self._kept.get((key, self._look())) if self.is_mounted and self.size.width else None
        return len(found) if found is not None else None

    def _width(self) -> int:
        """The content's width, from the widget's size (``content_region`` would
        ask the compositor for the screen's map: a whole arrange while in a layout)."""
        return max(0, self.size.width - self.styles.gutter.width)

    def _look(self, width: int | None = None) -> tuple:
        """Everything besides the text that Textual's line cache renders with
        (``width``: of the content, the widget's own by default)."""
        app = self.app
        styles = self.styles
        width = self._width() if width is None else width
        return (width + styles.gutter.width, width, self.background_colors,
                tuple(self.get_line_filters()), self.opacity, id(app.ansi_theme), app.native_ansi_color,
                styles.padding, styles.border, styles.tint, styles.text_opacity, self.visual_style)

    def has_lines(self, text: Text) -> bool:
        """Whether ``text``'s lines are kept (showing it costs look-ups)."""
        return self.is_mounted and bool(self.size.width) and (_text_key(text), self._look()) in self._kept

    def prepare(self, text: Text) -> None:
        """Render ``text``'s lines now (idle time) for a later ``show_text``."""
        if self.is_mounted and self.size.width:
            self._lines(_text_key(text), text)

    def _lines(self, key: Hashable, text: Text | None) -> list[Strip]:
        look = self._look()
        found = self._kept.get((key, look))
        if found is not None:
            self._kept.move_to_end((key, look))
            return found
        visual = visualize(self, text if text is not None else self.content)
        styles = self.styles
        width = self._width()
        content = Visual.to_strips(self, visual, width, None, self.visual_style)
        size = Size(width + styles.gutter.width, len(content))
        base_background, background = self.background_colors
        app = self.app
        filters = self.get_line_filters()
        lines = []
        for y in range(len(content)):
            # Textual's styling of one line (private; no public API styles a line
            # apart from its place on screen), as ui/article_list.py does:
            # tests/ui/test_textual_internals.py
            line = self._styles_cache.render_line(
                styles, y, size, Size(width, len(content)), styles.padding, base_background, background,
                content.__getitem__, None, None, self.opacity, app.ansi_theme, app.native_ansi_color)
            for line_filter in filters:
                line = line.apply_filter(line_filter, background)
            lines.append(line)
        self._kept[(key, look)] = lines
        while len(self._kept) > self.KEEP:
            self._kept.popitem(last=False)
        return lines

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        found = self._kept.get((self._key, self._look(width))) if self.is_mounted else None
        return len(found) if found is not None else super().get_content_height(container, viewport, width)

    def render_lines(self, crop: Region) -> list[Strip]:
        styles = self.styles
        if (not self.size.width or styles.border.top[0] or styles.padding.top or styles.padding.bottom
                or self.text_selection is not None):
            return super().render_lines(crop)
        lines = self._lines(self._key, None)
        blank = Strip.blank(self.size.width, self.visual_style.rich_style)
        strips = [lines[y] if y < len(lines) else blank for y in crop.line_range]
        if crop.column_span != (0, self.size.width):
            x1, x2 = crop.column_span
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips


def _text_key(text: Text | str) -> Hashable:
    if isinstance(text, Text):
        return (text.plain, tuple(text.spans), str(text.style), text.end)
    return (str(text),)
