"""The list pane's scroll bar, its rendered lines kept (ui/article_list.py)."""

from __future__ import annotations

from rich.style import Style
from textual.cache import FIFOCache
from textual.geometry import Region
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip


def render_context(widget) -> tuple:
    """Everything besides a widget's own content that Textual's line cache
    renders its lines with: size, background, the app's colour filters,
    opacity, the terminal's colours."""
    app = widget.app
    return (widget.region.size, widget.background_colors, tuple(widget.get_line_filters()),
            widget.opacity, id(app.ansi_theme), app.native_ansi_color)


class CachedScrollBar(ScrollBar):
    """Textual's scroll bar, its rendered lines kept while it would look the same.

    The list's bar is repainted on every page key and every layout of the
    screen (the detail pane's), ~2 ms each time for 48 lines; with 100,000 rows
    its thumb moves one eighth of a cell every few pages. The key is what the
    bar draws (Textual's own ``render_bar`` segments: thumb, colours) and
    everything Textual's line cache renders it with.
    """

    CACHED = 32

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._lines: FIFOCache[tuple, list[Strip]] = FIFOCache(self.CACHED)

    def _look(self) -> tuple | None:
        bar = self.render()
        if type(bar) is not ScrollBarRender or not self.vertical:
            return None
        style = bar.style
        if not isinstance(style, Style):
            return None
        width, height = self.size
        segments = ScrollBarRender.render_bar(
            size=height, virtual_size=bar.virtual_size, window_size=bar.window_size,
            position=bar.position, thickness=width, vertical=True,
            back_color=style.bgcolor, bar_color=style.color,
        ).segments if style.bgcolor is not None and style.color is not None else None
        if segments is None:
            return None
        return (tuple(segments), style, *render_context(self))

    def render_lines(self, crop: Region) -> list[Strip]:
        look = self._look()
        if look is None:
            return super().render_lines(crop)
        key = (crop, look)
        lines = self._lines.get(key)
        if lines is None:
            lines = self._lines[key] = super().render_lines(crop)
        return lines

    def notify_style_update(self) -> None:
        self._lines.clear()
        super().notify_style_update()
