"""The detail pane's widgets (``ui/article_view.py``): ``KeptStatic``, a
``Static`` whose finished lines are kept per content (header, text, related
coverage); ``PaneStatic``, one that keeps Textual's own rendered lines (the
small parts); ``PaneScrollBar``; and ``OneLayout``, the mixin that makes a
widget's new size after a layout ask for no second layout."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.content import Content
from textual.message import Message
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.visual import Visual, visualize
from textual.widget import Widget
from textual.widgets import Static

from feedreader.ui.list_scrollbar import CachedScrollBar

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


class KeptBackground(_Widget):
    """A container of the detail pane (the pane, the lead image's box) whose
    own lines, its background and padding under the children, are kept per
    size, crop and look (a mixin, before the widget class). Textual draws them
    again after every layout that changed the container's size or content
    height, which is every article: 48 lines of background, 1-1.5 ms of the
    pane's frame at 100k. The same lines (tests/ui/test_detail_pane.py)."""

    KEEP_BACKGROUNDS = 8

    def render_lines(self, crop: Region) -> list[Strip]:
        # (what Textual's Widget.render gives a container: a blank of its background)
        if not self.is_container or self.styles.keyline[0] != "none" or self.text_selection is not None:
            return super().render_lines(crop)
        kept: OrderedDict[Hashable, list[Strip]] | None = getattr(self, "_backgrounds", None)
        if kept is None:
            kept = self._backgrounds = OrderedDict()
        key = (crop, self.outer_size, look_of(self, self.size.width))
        lines = kept.get(key)
        if lines is None:
            lines = kept[key] = super().render_lines(crop)
            while len(kept) > self.KEEP_BACKGROUNDS:
                kept.popitem(last=False)
        else:
            kept.move_to_end(key)
        return lines


class PaneScrollBar(OneLayout, CachedScrollBar):
    """The detail pane's scroll bar: shown or resized without a second layout
    (``OneLayout``), its lines kept while it looks the same (``CachedScrollBar``,
    the list's), and drawn straight from Textual's bar segments when it does
    not: each article has its own thumb, and Textual's drawing of the bar's 48
    lines (a Rich renderable, line by line through the styles cache) was half
    of the pane's frame. The same lines (tests/ui/test_detail_pane.py)."""

    def render_lines(self, crop: Region) -> list[Strip]:
        look = self._look()
        styles = self.styles
        if look is None or styles.tint.a or styles.text_opacity != 1 or self.opacity != 1:
            return super().render_lines(crop)
        key = (crop, look)
        lines = self._lines.get(key)
        if lines is None:
            lines = self._lines[key] = self._drawn(look[0], crop)
        return lines

    def _drawn(self, segments: tuple[Segment, ...], crop: Region) -> list[Strip]:
        """The bar's lines in ``crop``: one segment a line (Textual's vertical bar), the app's filters on."""
        width = self.size.width
        background = self.background_colors[1]
        # what Textual's styles cache puts under the content: the widget's colour, the background
        under = self.visual_style.rich_style + Style(bgcolor=background.rich_color)
        filters = self.get_line_filters()
        lines = []
        for y in crop.line_range:
            strip = (Strip([Segment(segments[y].text, under + segments[y].style)], width)
                     if 0 <= y < len(segments) else Strip.blank(width, under))
            if crop.column_span != (0, width):
                strip = strip.crop(*crop.column_span)
            for line_filter in filters:
                strip = strip.apply_filter(line_filter, background)
            lines.append(strip)
        return lines


class PaneStatic(OneLayout, Static):
    """A ``Static`` of the detail pane: resized without a second layout
    (``OneLayout``), and the lines Textual renders for it kept per content,
    size and look. Textual keeps a widget's lines only until it is updated or
    resized, and the pane's small parts are both for every article (the lead
    image's 14-line "loading image…" box, the status lines): at 100k that
    was two thirds of the pane's frame. Textual's own rendering, kept."""

    KEEP_RENDERED = 8

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rendered: OrderedDict[Hashable, list[Strip]] = OrderedDict()

    def post_message(self, message: Message) -> bool:
        """Every message but ``Resize``, ``Show`` and ``Hide``: nothing here (nor in
        ``Static``, which has no scroll bars to pass them on to) handles them, and
        the layout that showed a new article sent them to each part whose size
        changed, or that came or went: queued messages that kept that layout's
        frame from being the last, so the pane's new article was painted again a
        frame later, after whatever else was due (``skip_resize``)."""
        if skip_resize(message) or isinstance(message, (events.Show, events.Hide)):
            return False
        return super().post_message(message)

    def _look(self, width: int | None = None) -> tuple:
        """Everything besides the content and size that Textual renders the lines with
        (``width``: of the content, the widget's own by default)."""
        return look_of(self, self._width() if width is None else width)

    def _width(self) -> int:
        """The content's width, from the widget's size (``content_region`` would
        ask the compositor for the screen's map: a whole arrange while in a layout)."""
        return max(0, self.size.width - self.styles.gutter.width)

    def render_lines(self, crop: Region) -> list[Strip]:
        content = self.content
        size = self.outer_size
        if (not size.width or not size.height or self.text_selection is not None
                or not isinstance(content, (Text, str, Content))):
            return super().render_lines(crop)
        key = (_text_key(content), size, self._look())
        lines = self._rendered.get(key)
        if lines is None:
            lines = self._rendered[key] = super().render_lines(size.region)
            while len(self._rendered) > self.KEEP_RENDERED:
                self._rendered.popitem(last=False)
        else:
            self._rendered.move_to_end(key)
        strips = lines[crop.y : crop.bottom]
        if crop.column_span != (0, size.width):
            x1, x2 = crop.column_span
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips


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
        """Show ``text`` (nothing to do when it is the text shown). Always with a
        layout: Textual keeps a widget's box per container size until the widget
        asks for a layout, so an update without one, of the same height at this
        width, left the old height in force at another width (the pane's with or
        without its scroll bar): a line cut off. The pane's other parts change
        with the same article, and one layout takes them all."""
        key = _text_key(text)
        if key == self._key:
            return
        self._key = key
        self.update(text)

    def has_lines(self, text: Text) -> bool:
        """Whether ``text``'s lines are kept (showing it costs look-ups)."""
        return self.is_mounted and bool(self.size.width) and (_text_key(text), self._look()) in self._kept

    def prepared_height(self, text: Text, room: int | None = None) -> int | None:
        """The lines of ``text`` kept for the width now (or for ``room``), None if none are."""
        width = self._width() if room is None else room - self.styles.gutter.width
        found = self._kept.get((_text_key(text), self._look(width))) if self.is_mounted else None
        return len(found) if found is not None else None

    def prepare(self, text: Text, room: int | None = None) -> None:
        """Render ``text``'s lines now (idle time) for a later ``show_text``: at
        the widget's width now, or for a width of ``room`` cells (the pane's
        width for its parts with its scroll bar or without, whichever the next
        article needs; a part hidden now has no width of its own)."""
        width = self._width() if room is None else room - self.styles.gutter.width
        if self.is_mounted and width > 0:
            self._lines(_text_key(text), text, width)

    def _lines(self, key: Hashable, text: Text | None, width: int | None = None) -> list[Strip]:
        width = self._width() if width is None else width
        look = self._look(width)
        found = self._kept.get((key, look))
        if found is not None:
            self._kept.move_to_end((key, look))
            return found
        visual = visualize(self, text if text is not None else self.content)
        styles = self.styles
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


def look_of(widget: Widget, width: int) -> tuple:
    """Everything besides the content and size that Textual renders ``widget``'s
    lines with (``width``: of its content)."""
    app = widget.app
    styles = widget.styles
    return (width + styles.gutter.width, width, widget.background_colors,
            tuple(widget.get_line_filters()), widget.opacity, id(app.ansi_theme), app.native_ansi_color,
            styles.padding, styles.border, styles.tint, styles.text_opacity, widget.visual_style,
            styles.content_align_horizontal, styles.content_align_vertical, styles.text_align)


def skip_resize(message: Message, width: int | None = None) -> bool:
    """Whether ``message`` is a ``Resize`` a pane part may drop: any (``width`` None),
    or one that keeps the width ``width`` (a new height only)."""
    return isinstance(message, events.Resize) and (width is None or message.size.width == width)


def _text_key(text: Text | str | Content) -> Hashable:
    if isinstance(text, Text):
        return (text.plain, tuple(text.spans), str(text.style), text.end)
    if isinstance(text, Content):
        return ("content", text)
    return (str(text),)
