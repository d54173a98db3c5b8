"""The list pane: a line-API ScrollView that renders only the visible rows.

Rows come from ``ListModel``; nothing here holds more than a screenful of
rendered text. A change to one row refreshes one line.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from feedreader.core.library import ListRow
from feedreader.core.view import FLAGGED, HIDDEN, READ, ListModel

Clock = Callable[[], float]
TimeZone = Callable[[datetime], datetime]


def local_zone(when: datetime) -> datetime:
    return when.astimezone()


class ArticleList(ScrollView, can_focus=True):
    """Virtual list of articles."""

    COMPONENT_CLASSES = {
        "article-list--cursor",
        "article-list--unread",
        "article-list--read",
        "article-list--hidden",
        "article-list--flag",
        "article-list--date",
        "article-list--quality",
        "article-list--provider",
        "article-list--status",
        "article-list--match",
    }

    DEFAULT_CSS = """
    ArticleList {
        background: $surface;
        overflow-x: hidden;
    }
    ArticleList > .article-list--cursor { background: $block-cursor-blurred-background; }
    ArticleList:focus > .article-list--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    ArticleList > .article-list--unread { color: $text; text-style: bold; }
    ArticleList > .article-list--read { color: $text-muted; }
    ArticleList > .article-list--hidden { color: $text-disabled; text-style: italic; }
    ArticleList > .article-list--flag { color: $warning; }
    ArticleList > .article-list--date { color: $text-muted; }
    ArticleList > .article-list--quality { color: $text-accent; }
    ArticleList > .article-list--provider { color: $text-secondary; }
    ArticleList > .article-list--status { color: $success; }
    ArticleList > .article-list--match { color: $text-warning; text-style: bold underline; }
    """

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, id="list.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="list.up"),
        Binding("g,home", "cursor_first", "First", show=False, id="list.first"),
        Binding("G,end", "cursor_last", "Last", show=False, id="list.last"),
        Binding("pagedown,ctrl+f,space", "page_down", "Page down", show=False, id="list.page_down"),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False, id="list.page_up"),
        Binding("enter", "select", "Detail", id="list.select"),
    ]

    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)

    class Highlighted(Message):
        """The cursor moved to another article (``aid`` None when empty)."""

        def __init__(self, aid: int | None) -> None:
            super().__init__()
            self.aid = aid

    class Selected(Message):
        def __init__(self, aid: int) -> None:
            super().__init__()
            self.aid = aid

    def __init__(
        self,
        model: ListModel,
        *,
        clock: Clock,
        zone: TimeZone = local_zone,
        status: Callable[[ListRow], str] | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.model = model
        self.clock = clock
        self.zone = zone
        self.status = status
        # search: (start, end) spans of a title to highlight (core/search.highlighter)
        self.highlight: Callable[[str], list[tuple[int, int]]] | None = None
        self._last_aid: int | None = None

    # -- data ---------------------------------------------------------------
    def reload(self, keep: int | None = None) -> None:
        """The model's keys changed: resize, keep the cursor on ``keep`` if visible."""
        self.virtual_size = Size(self.size.width, len(self.model))
        target = self.model.index_of(keep) if keep is not None else None
        if target is None:
            target = min(self.cursor, max(0, len(self.model) - 1))
        self._last_aid = None
        self.cursor = target
        self.refresh()

    def refresh_key(self, aid: int) -> None:
        """Repaint the one line showing ``aid`` (if it is on screen)."""
        index = self.model.index_of(aid)
        if index is not None:
            self.refresh_line(index)

    @property
    def current(self) -> int | None:
        return self.model.key_at(self.cursor)

    # -- cursor -------------------------------------------------------------
    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.model) - 1)) if len(self.model) else 0

    def watch_cursor(self, old: int, new: int) -> None:
        if old != new:
            self.refresh_line(old)
        self.refresh_line(new)
        self._scroll_to_cursor()
        aid = self.model.key_at(new)
        if aid != self._last_aid:
            self._last_aid = aid
            self.post_message(self.Highlighted(aid))

    def _scroll_to_cursor(self) -> None:
        region = Region(0, self.cursor, max(1, self.size.width), 1)
        self.scroll_to_region(region, animate=False, force=True, immediate=True)

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_cursor_first(self) -> None:
        self.cursor = 0

    def action_cursor_last(self) -> None:
        self.cursor = len(self.model) - 1

    def action_page_down(self) -> None:
        self.cursor += max(1, self.scrollable_content_region.height - 1)

    def action_page_up(self) -> None:
        self.cursor -= max(1, self.scrollable_content_region.height - 1)

    def action_select(self) -> None:
        aid = self.current
        if aid is not None:
            self.post_message(self.Selected(aid))

    def on_click(self, event: events.Click) -> None:
        index = event.y + int(self.scroll_offset.y)
        if 0 <= index < len(self.model):
            self.cursor = index
            if event.chain >= 2:
                self.action_select()

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self.model))

    # -- painting -----------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        index = y + int(self.scroll_offset.y)
        width = self.scrollable_content_region.width
        base = self.rich_style
        row = self.model.row_at(index)
        if row is None:
            return Strip.blank(width, base)
        text = self._row_text(row, width)
        if index == self.cursor:
            text.stylize(self.get_component_rich_style("article-list--cursor", partial=True))
        segments = list(text.render(self.app.console))
        strip = Strip(segments).adjust_cell_length(width, base).simplify()
        return strip.apply_style(base)

    def _row_text(self, row: ListRow, width: int) -> Text:
        flags = self.model.flags(row.aid)
        style = self.get_component_rich_style
        if flags & HIDDEN:
            body: Style = style("article-list--hidden", partial=True)
        elif flags & READ:
            body = style("article-list--read", partial=True)
        else:
            body = style("article-list--unread", partial=True)
        marker = "●" if not flags & READ else " "
        flag = "★" if flags & FLAGGED else ("⊘" if flags & HIDDEN else " ")
        status = self.status(row) if self.status else " "
        date = self._date(row.published)
        quality = " --" if row.quality is None else f"{row.quality:3d}"
        provider = (row.provider or "—")[:16].ljust(16)
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        text.append(f"{marker}", style("article-list--unread", partial=True))
        text.append(flag, style("article-list--flag", partial=True))
        text.append(status, style("article-list--status", partial=True))
        text.append(f" {date} ", style("article-list--date", partial=True))
        text.append(quality, style("article-list--quality", partial=True))
        text.append(f" {provider} ", style("article-list--provider", partial=True))
        start = len(text)
        text.append(row.title or "(untitled)", body)
        if self.highlight is not None and row.title:
            match = style("article-list--match", partial=True)
            for a, b in self.highlight(row.title):
                text.stylize(match, start + a, start + b)
        text.truncate(width, overflow="ellipsis", pad=True)
        return text

    def _date(self, published: int | None) -> str:
        if published is None:
            return "unknown date"[:12].ljust(12)
        when = self.zone(datetime.fromtimestamp(published, timezone.utc))
        now = self.zone(datetime.fromtimestamp(self.clock(), timezone.utc))
        if when.year == now.year:
            return when.strftime("%b %d %H:%M")
        return when.strftime("%Y-%m-%d  ")
