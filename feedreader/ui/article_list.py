"""The list pane: a line-API ScrollView that renders only the visible rows.

Rows come from ``ListModel``; nothing here holds more than a screenful of
rendered text. A change to one row refreshes one line.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from datetime import datetime, timezone

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import FIFOCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip

from feedreader.core.library.library import ListRow
from feedreader.ui.list_columns import ELLIPSIS, fit_cells, highlighted, row_layout, score_cell
from feedreader.ui.list_scrollbar import CachedScrollBar, render_context
from feedreader.core.marks.bits import FLAGGED, HIDDEN, READ
from feedreader.core.library.view import ListModel

Clock = Callable[[], float]
TimeZone = Callable[[datetime], datetime]

_STYLES_KEY = ("feedreader:article-list-row-styles",)
STRIP_CACHE = 256      # rendered rows kept (keyed by everything that shows): ~5 screens
PREPARE_ROWS = 100     # at most this many rows rendered ahead (the next page, after a page key)
PREPARE_AFTER = 0.02   # s after the moved cursor's frame: the detail pane's update and frame come first
_PART_STYLES = tuple(f"article-list--{name}" for name in (
    "unread", "read", "hidden", "flag", "date", "quality", "provider", "status", "match"))


def local_zone(when: datetime) -> datetime:
    return when.astimezone()


class ArticleList(ScrollView, can_focus=True):
    """Virtual list of articles.

    After a cursor move ``Highlighted`` is posted once the frame that shows the
    moved cursor is painted (once per frame at most, with the article under
    the cursor then); after mount or ``reload`` at once.
    """

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
        """The cursor is on another article (``aid`` None when empty);
        ``moved``: the user moved it there (a key, a click, a jump), not a
        reload of the list (start-up, a rescan, a filter, another copy's marks)."""

        def __init__(self, aid: int | None, moved: bool = False) -> None:
            super().__init__()
            self.aid = aid
            self.moved = moved

    class Selected(Message):
        def __init__(self, aid: int) -> None:
            super().__init__()
            self.aid = aid

    class OrderRead(Message):
        """The whole ``order`` is read (the list showed its head: ``ListModel.partial``)."""

        def __init__(self, order: str) -> None:
            super().__init__()
            self.order = order

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
        # search: (start, end) spans of a title to highlight (core/library/search.py, SearchResult.highlight)
        self.highlight: Callable[[str], list[tuple[int, int]]] | None = None
        self._last_aid: int | None = None
        self._highlight_due = False
        self._moving = False            # the cursor change under way is the user's (``move``)
        self._moved_due = False         # a user's move is part of the Highlighted due
        self._keys_shown: list[int] = []   # the model's keys at the last reload (for ``reload``'s nearest)
        self._kept: tuple[int, int | None] | None = None   # (the cursor's article, the one shown) over a head
        self._prepare_direction = 0     # a page key's direction: render the next page ahead
        self._sized: tuple[Size, Size, Size] | None = None
        self._strips: FIFOCache[tuple, Strip] = FIFOCache(STRIP_CACHE)     # rendered rows, ~5 screens
        self._finished: FIFOCache[tuple, Strip] = FIFOCache(STRIP_CACHE)   # the same rows styled for the screen
        self._look: tuple | None = None            # what those were styled with
        self._kept_styles: tuple[tuple, tuple[Style, Style, tuple[Style, ...]]] | None = None   # (_row_styles)
        self._dates: dict[tuple[int, int], str] = {}
        self._this_year = 0
        self._year_checked = float("-inf")

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """The vertical scroll bar (created on first use, as Textual does): one
        that keeps its rendered lines."""
        # Textual's own attribute and start-up call for the bar (no public way to
        # give a widget another scroll bar); tests/ui/test_textual_internals.py
        if self._vertical_scrollbar is None:
            self._vertical_scrollbar = bar = CachedScrollBar(
                vertical=True, name="vertical", thickness=self.scrollbar_size_vertical
            )
            bar.display = False
            self.app._start_widget(self, bar)
        return self._vertical_scrollbar

    # -- data ---------------------------------------------------------------
    def reload(self, keep: int | None = None) -> None:
        """The model's keys changed: resize, keep the cursor on ``keep`` if it is
        still listed, else on the nearest article after it that is (in the list
        as it was), else at the same place."""
        self.virtual_size = Size(self.size.width, len(self.model))
        # after a head (ListModel.partial) the cursor goes back to the article it was on
        # before, unless the user moved it since
        if self._kept is not None and not self.model.partial:
            if keep == self._kept[1]:
                keep = self._kept[0]
            self._kept = None
        target = self.model.index_of(keep) if keep is not None else None
        if target is None and keep is not None:
            target = self._nearest_after(keep)
        if target is None:
            target = min(self.cursor, max(0, len(self.model) - 1))
        self._keys_shown = self.model.keys
        self._last_aid = None
        self._moving = False
        self.cursor = target
        self.refresh()
        if self.model.partial:
            if keep is not None and target != self.model.index_of(keep) and self._kept is None:
                self._kept = (keep, self.model.key_at(target))
            self._read_order(self.model.order)

    def _read_order(self, order: str) -> None:
        """Read the whole ``order`` in a thread, then ``OrderRead`` (the app rebuilds the list)."""
        def read() -> None:
            self.model.library.order(order)     # cached in the library (its own connection in this thread)
            self.model.library.release_memory()
            self.post_message(self.OrderRead(order))

        self.run_worker(read, name="_list_order", group="list-order", exclusive=True, thread=True,
                        exit_on_error=False)

    NEAREST_LOOK = 5000     # articles after the vanished one looked at for one still listed

    def _nearest_after(self, aid: int) -> int | None:
        old = self._keys_shown
        start = self.cursor if 0 <= self.cursor < len(old) and old[self.cursor] == aid else None
        if start is None:
            try:
                start = old.index(aid)
            except ValueError:
                return None
        return self.model.first_listed(old[start + 1 : start + 1 + self.NEAREST_LOOK])

    def move(self, index: int) -> None:
        """Put the cursor on row ``index`` for the user (``Highlighted.moved``)."""
        self._moving = True
        try:
            self.cursor = index
        finally:
            self._moving = False

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
            first = self._last_aid is None     # after mount or reload: tell the app now
            self._last_aid = aid
            if first:
                self._highlight_due = self._moved_due = False
                self.post_message(self.Highlighted(aid, self._moving))
                return
            self._moved_due = self._moved_due or self._moving
            # a move: tell the app after the frame that shows the moved cursor; the
            # detail pane follows, and keys pressed faster than frames cost one
            # detail update, not one each
            if not self._highlight_due:
                self._highlight_due = True
                self.call_after_refresh(self._post_highlighted)

    @property
    def highlight_due(self) -> bool:
        """A move's ``Highlighted`` is still to be posted (after the frame that shows the cursor)."""
        return self._highlight_due

    def _post_highlighted(self) -> None:
        if self._highlight_due:
            moved, self._highlight_due, self._moved_due = self._moved_due, False, False
            self.post_message(self.Highlighted(self.model.key_at(self.cursor), moved))
        # after a page key its way, after any other move the next page down (the
        # first page key after a jump, a search or j/k found no row ready: ~5 ms more)
        direction, self._prepare_direction = self._prepare_direction or 1, 0
        # once the app is idle: after the detail pane's update and its frame (the
        # Highlighted just posted), not before them (that was ~1/3 of page down's
        # time until the pane showed the new article). The timer lets the app
        # handle Highlighted first; the after-refresh callback then waits for a
        # frame still due (Textual runs it once the screen has nothing to paint)
        self.set_timer(PREPARE_AFTER, partial(self.call_after_refresh, self._prepare_next_page, direction))

    def _scroll_to_cursor(self) -> None:
        region = Region(0, self.cursor, max(1, self.size.width), 1)
        self.scroll_to_region(region, animate=False, force=True, immediate=True)

    def action_cursor_down(self) -> None:
        self.move(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move(self.cursor - 1)

    def action_cursor_first(self) -> None:
        self.move(0)

    def action_cursor_last(self) -> None:
        self.move(len(self.model) - 1)

    def action_page_down(self) -> None:
        self.move(self.cursor + max(1, self.scrollable_content_region.height - 1))
        self._prepare_page(1)

    def action_page_up(self) -> None:
        self.move(self.cursor - max(1, self.scrollable_content_region.height - 1))
        self._prepare_page(-1)

    def _prepare_page(self, direction: int) -> None:
        """After the frame that shows this page (and the detail pane's update),
        render the next page this way into the row cache, while the keyboard is
        idle: the next page key then costs a cache look-up per row (no rows
        read from the index, no page-cache look-ups, no row building).
        Armed by the after-frame callback the move already has (no message of
        its own while the key is handled)."""
        self._prepare_direction = direction

    def _prepare_next_page(self, direction: int) -> None:
        if self._highlight_due or not self.is_attached:
            return      # another key moved the cursor meanwhile: its own frame first (it arms its own)
        height = self.scrollable_content_region.height
        width = self.scrollable_content_region.width
        if height <= 0 or width <= 0:
            return
        # where the page key will scroll: the least that shows the cursor moved a page
        top = int(self.scroll_offset.y)
        cursor = self.validate_cursor(self.cursor + direction * max(1, height - 1))
        if cursor < top:
            top = cursor
        elif cursor >= top + height:
            top = cursor - height + 1
        styled = self._styling()
        for index in range(max(0, top), min(top + height, len(self.model), top + PREPARE_ROWS)):
            if styled:
                self._finished_line(index, width)
            else:
                self._row_strip(index, width, False)

    def action_select(self) -> None:
        aid = self.current
        if aid is not None:
            self.post_message(self.Selected(aid))

    def on_click(self, event: events.Click) -> None:
        index = event.y + int(self.scroll_offset.y)
        if 0 <= index < len(self.model):
            self.move(index)
            if event.chain >= 2:
                self.action_select()

    # Textual's private size hook (no public one sees a layout before the scroll
    # bars are redone); tests/ui/test_textual_internals.py checks its signature
    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        """Textual calls this on every layout of the screen with the arrangement's
        virtual size, never the list's own (which ScrollView uses instead): that
        always looked like a change, so every layout (each detail pane update)
        re-did the scroll bars and repainted the bar after the frame, leaving the
        screen dirty for the next key. Only a real change is passed on."""
        seen = (size, self.virtual_size, container_size)
        if seen == self._sized:
            return False
        self._sized = seen
        return super()._size_updated(size, virtual_size, container_size, layout)

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self.model))

    # -- painting -----------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        """The visible rows, as Textual's styles cache would render them, but
        kept per row.

        Textual's cache keeps lines by their place on screen: every scroll
        (each page key) styles every line anew (the border, the background,
        the app's colour filter), half of a page key's frame. Here a row's
        finished line is kept with the row's key, so a page already rendered
        (the next one is, after a page key) costs a look-up per line. A miss
        is rendered by Textual's own code for one line. Only for lines whose
        look does not depend on where they are (no top or bottom border,
        padding or outline); otherwise Textual's way
        (``tests/ui/test_article_list_render.py`` holds the two side by side).
        """
        if not self._styling():
            if self._finished:
                self._finished.clear()
                # Textual's line cache (private: tests/ui/test_textual_internals.py)
                self._styles_cache.clear()     # lines it kept are older than the rows shown since
            return super().render_lines(crop)
        top = int(self.scroll_offset.y)
        width = self.scrollable_content_region.width
        strips = [self._finished_line(top + y, width) for y in crop.line_range]
        if crop.column_span != (0, self.region.width):
            x1, x2 = crop.column_span
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips

    def _styling(self) -> bool:
        """Whether rows can be styled for the screen one by one, wherever they
        are (see ``render_lines``); forgets the styled rows if their look changed."""
        styles = self.styles
        gutter = styles.gutter
        outline = styles.outline
        if gutter.top or gutter.bottom or outline.top[0] or outline.bottom[0]:
            return False
        look = (self.content_region.size, styles.border, styles.padding, outline, styles.tint,
                styles.text_opacity, styles.hatch if styles.has_rule("hatch") else None,
                *render_context(self))
        if look != self._look:
            self._look = look
            self._finished.clear()
        return True

    def _finished_line(self, index: int, width: int) -> Strip:
        """Row ``index`` styled for the screen (after ``_styling`` said yes)."""
        key, strip = self._row(index, width, index == self.cursor)
        line = self._finished.get(key)
        if line is None:
            app = self.app
            styles = self.styles
            base_background, background = self.background_colors
            # Textual's styling of one line (private; no public API styles a line
            # apart from its place on screen): tests/ui/test_textual_internals.py
            line = self._styles_cache.render_line(
                styles, 0, self.region.size, self.content_region.size, styles.padding, base_background,
                background, lambda _y: strip, None, None, self.opacity, app.ansi_theme, app.native_ansi_color)
            for line_filter in self.get_line_filters():
                line = line.apply_filter(line_filter, background)
            self._finished[key] = line
        return line

    def render_line(self, y: int) -> Strip:
        index = y + int(self.scroll_offset.y)
        return self._row_strip(index, self.scrollable_content_region.width, index == self.cursor)

    def _row_strip(self, index: int, width: int, is_cursor: bool) -> Strip:
        return self._row(index, width, is_cursor)[1]

    def _row(self, index: int, width: int, is_cursor: bool) -> tuple[tuple, Strip]:
        """(everything the row shows, its rendered strip), from the row cache."""
        base, cursor_style, parts = self._row_styles()
        row = self.model.row_at(index)
        if row is None:
            return (None, width, base), Strip.blank(width, base)
        flags = self.model.flags(row.aid)
        status = self.status(row) if self.status else " "
        styles = (base, cursor_style if is_cursor else None, *parts)
        note = self.model.story_note(row.aid)     # "+3 sources" in story mode (core/library/storyview.py)
        key = (row, flags, status, width, self.highlight, styles, self._check_year(), note)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._strips[key] = self._render_row(row, flags, status, width, styles, note)
        return key, strip

    def _row_styles(self) -> tuple[Style, Style, tuple[Style, ...]]:
        """(base, cursor, the parts' styles), looked up once per repaint: kept
        in Textual's own component-style cache, which it clears whenever those
        styles may change (CSS, theme, focus), and on every refresh, even of one
        line (each key). Eleven component styles were then made again for each
        frame (~1/3 of the list's frame): they are kept here too, while the
        widget's styles were not updated (``notify_style_update``; not called
        for an inline style) and what they are made from is the same (focus,
        the backgrounds below, its colour and text style, the theme, the
        terminal's colours)."""
        # Textual's component-style cache (private; getattr: without it, no
        # caching): tests/ui/test_textual_internals.py
        cache = getattr(self, "_rich_style_cache", None)
        found = cache.get(_STYLES_KEY) if cache is not None else None
        if found is None:
            app = self.app
            styles = self.styles
            around = (self.has_focus, self.background_colors, styles.color, styles.text_style, app.theme,
                      id(app.ansi_theme), app.native_ansi_color)
            kept = self._kept_styles
            if kept is not None and kept[0] == around:
                found = kept[1]
            else:
                style = self.get_component_rich_style
                found = (self.rich_style, style("article-list--cursor", partial=True),
                         tuple(style(n, partial=True) for n in _PART_STYLES))
                self._kept_styles = (around, found)
            if cache is not None:
                cache[_STYLES_KEY] = found
        return found

    def notify_style_update(self) -> None:
        self._kept_styles = None
        super().notify_style_update()

    def _render_row(self, row: ListRow, flags: int, status: str, width: int, styles: tuple,
                    note: str = "") -> Strip:
        """One row as segments, built directly (no Rich ``Text``: ~10x faster, and
        a page of 48 rows is repainted on every page-down and sort switch).

        The same cells and styles as a ``Text`` of the parts, truncated with an
        ellipsis and padded to ``width``, with the cursor style over it all
        (``tests/ui/test_article_list_render.py`` holds the two side by side).
        """
        base, cursor, unread, read, hidden, flag_style, date_style, quality_style, provider_style, \
            status_style, match_style = styles
        if flags & HIDDEN:
            body = hidden
        elif flags & READ:
            body = read
        else:
            body = unread
        date_cells, provider_cells, score_cells = row_layout(width)
        parts: list[tuple[str, Style]] = [
            ("●" if not flags & READ else " ", unread),
            ("★" if flags & FLAGGED else ("⊘" if flags & HIDDEN else " "), flag_style),
            (status, status_style),
            (f" {self._date(row.published, date_cells)} " if date_cells else " ", date_style),
        ]
        if score_cells:     # the score (issue 15) in the quality's place: ui/list_columns.py
            parts.append((score_cell(row.score, row.quality, score_cells), quality_style))
        if provider_cells:
            parts.append((f" {fit_cells(row.provider or '—', provider_cells)} ", provider_style))
        elif score_cells:
            parts.append((" ", provider_style))
        title = row.title or "(untitled)"
        if note:
            parts.append((f"{note} ", quality_style))
        if self.highlight is not None and row.title:
            parts.extend(highlighted(title, self.highlight(row.title), body, body + match_style))
        else:
            parts.append((title, body))
        plain = "".join(text for text, _ in parts)
        length = cell_len(plain)
        if width <= 0:
            return Strip.blank(0, base)
        if length > width:
            cut = set_cell_size(plain, width - 1)
            # the ellipsis takes the style of the character it replaces
            plain = cut + ELLIPSIS
            keep = len(plain)
        else:
            keep = len(plain)
        segments: list[Segment] = []
        offset = 0
        last_style: Style | None = None
        for text, part_style in parts:
            if offset >= keep:
                break
            piece = plain[offset : min(offset + len(text), keep)]
            offset += len(text)
            seg_style = base + (part_style + cursor if cursor is not None else part_style)
            if seg_style == last_style:
                segments[-1] = Segment(segments[-1].text + piece, seg_style)
            else:
                segments.append(Segment(piece, seg_style))
                last_style = seg_style
        if offset < keep:  # the width cut inside a wide character: its padding space
            piece = plain[offset:keep]
            segments[-1] = Segment(segments[-1].text + piece, segments[-1].style)
        if length < width:
            pad_style = base + cursor if cursor is not None else base
            pad = " " * (width - length)
            if pad_style == last_style:
                segments[-1] = Segment(segments[-1].text + pad, pad_style)
            else:
                segments.append(Segment(pad, pad_style))
        return Strip(segments, width)

    def _check_year(self) -> int:
        """This year in the list's zone (dates in it are shown without the year)."""
        now = self.clock()
        if now - self._year_checked > 1.0 or now < self._year_checked:
            year = self.zone(datetime.fromtimestamp(now, timezone.utc)).year
            if year != self._this_year:
                self._dates.clear()
                self._this_year = year
            self._year_checked = now
        return self._this_year

    def _date(self, published: int | None, cells: int = 12) -> str:
        """The date column: 12 cells ("Mar 01 14:05", "2021-12-03"), or 6 ("Mar 01", "Dec'21")."""
        if published is None:
            return ("unknown date" if cells >= 12 else "—").ljust(cells)
        key = (published, cells)
        text = self._dates.get(key)
        if text is None:
            when = self.zone(datetime.fromtimestamp(published, timezone.utc))
            if cells >= 12:
                text = when.strftime("%b %d %H:%M") if when.year == self._this_year else when.strftime("%Y-%m-%d  ")
            else:
                text = when.strftime("%b %d") if when.year == self._this_year else when.strftime("%b'%y")
            if len(self._dates) >= STRIP_CACHE * 4:
                self._dates.clear()
            self._dates[key] = text
        return text

    def clear_render_cache(self) -> None:
        """Forget rendered rows (the rows' data changed, or the time zone)."""
        self._strips.clear()
        self._finished.clear()
        self._dates.clear()
