"""The detail pane: the highlighted article, its images and related coverage.

Every string from a document is put on screen as a Rich ``Text`` (never as
markup), so ``[bold]`` or ``[@click=app.quit]`` in a title shows as typed.

A new article is one step: header (with the score's explanation, one
indexed look-up, kept per article), status lines, lead image, text and the
related coverage (the document's ``related`` items and the other articles of
its story in the library, ``DetailExtras``) all change in ``show``, so the
screen is laid out once for it, in one frame.
What made a new article cost 50-100 ms at 100k was not drawing but layouts:
Textual lays the screen out again after every layout that resized a widget
(``OneLayout`` in ui/kept.py stops that for the pane's widgets), a scroll bar
that comes or goes was one more (``_expect_scroll_bar`` decides it before the
layout), and the related coverage, shown a frame later, two more. Lines are
kept per text (``KeptStatic``) and the articles a key may show next are
rendered while the app is idle, so a frame is mostly look-ups; the pane keeps
its scroll bar's room whether the bar shows or not (app.tcss), so every
article's text has one width and is rendered ahead once.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime, timezone
from functools import partial
from typing import TYPE_CHECKING, cast

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.content import Content
from textual.message import Message
from textual.scrollbar import ScrollBar
from textual.visual import visualize
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from feedreader.core import detail as fmt
from feedreader.core.ids import aid_from_id
from feedreader.core.model import Article, Image, Provider, Related
from feedreader.ui.kept import KeptBackground, KeptStatic, OneLayout, PaneScrollBar, PaneStatic, skip_resize
from feedreader.ui.lead_image import LeadImage

if TYPE_CHECKING:
    from textual.css.styles import RulesMap

    from feedreader.core.library.library import Library, ListRow
    from feedreader.core.library.storyview import StoryData

AHEAD_AFTER = 0.015    # s of idle time after an article is shown whole, before the next ones are rendered
KEEP = 256      # articles whose explanation and story members are kept (DetailExtras)

# the style words of status lines (marks, fetch state) -> theme variables, so they
# stay legible in every theme, light ones included (resolved when drawn)
NOTE_STYLES = {"red": "$text-error", "green": "$text-success", "yellow": "$text-warning",
               "dim": "$text-muted", "italic": "italic", "bold": "bold", "": ""}


class DetailExtras:
    """What the pane shows beside the document: the score's explanation
    (``core.rules.scoring.explanation``) and the other articles of its story
    that are in the library (``StoryData.members``, best first, their list
    rows). Kept per article, forgotten when the stories (and scores) come
    back from a new grouping: ``stories()`` returns another ``StoryData``."""

    def __init__(self, library: Library, stories: Callable[[], StoryData | None], *,
                 load: Callable[[int], Article | None] | None = None,
                 ahead: Callable[[], list[int]] | None = None) -> None:
        self.library = library
        self.stories = stories
        self.load = load or library.article     # the article as the pane shows it (the app adds heat)
        self.ahead = ahead                      # the articles a key may show next (render-ahead)
        self._articles: OrderedDict[tuple[int, int | None], Article | None] = OrderedDict()
        self._data: object = None
        self._explained: OrderedDict[int, str | None] = OrderedDict()
        self._members: OrderedDict[int, tuple[ListRow, ...]] = OrderedDict()

    def _current(self) -> StoryData | None:
        data = self.stories()
        if data is not self._data:
            self._data = data
            self._explained.clear()
            self._members.clear()
            self._articles.clear()      # heat comes from the stories
        return data

    def article(self, aid: int) -> Article | None:
        """``load(aid)``, kept while the file's version in the index (its mtime) is the same."""
        self._current()
        row = self.library.index.conn.execute("SELECT mtime_ns FROM articles WHERE aid=?", (aid,)).fetchone()
        key = (aid, row[0] if row else None)
        if key in self._articles:
            self._articles.move_to_end(key)
            return self._articles[key]
        article = self._articles[key] = self.load(aid)
        while len(self._articles) > 16:
            self._articles.popitem(last=False)
        return article

    def explanation(self, aid: int) -> str | None:
        """"39 from the document, +25 ai policy = 64" (None: not in the index)."""
        self._current()
        if aid in self._explained:
            self._explained.move_to_end(aid)
            return self._explained[aid]
        from feedreader.core.rules.scoring import explanation

        found = explanation(self.library, aid)
        text = self._explained[aid] = fmt.score_line(found.text if found is not None else None)
        _trim(self._explained)
        return text

    def story_rows(self, aid: int) -> tuple[ListRow, ...]:
        """The list rows of the other articles of ``aid``'s story, best first."""
        data = self._current()
        if aid in self._members:
            self._members.move_to_end(aid)
            return self._members[aid]
        others = [a for a in (data.members(aid) if data is not None else ()) if a != aid]
        found = self.library.rows(others) if others else {}
        rows = self._members[aid] = tuple(found[a] for a in others if a in found)
        _trim(self._members)
        return rows


def _trim(cache: OrderedDict) -> None:
    while len(cache) > KEEP:
        cache.popitem(last=False)


def member_related(row: ListRow) -> Related:
    """A story member as a related item: what the browser and prefetch keys use."""
    published = datetime.fromtimestamp(row.published, timezone.utc) if row.published is not None else None
    return Related(title=row.title, url=row.url, raw_url=row.url or "", published=published,
                   provider=Provider(row.provider, ""), quality=row.score)


def ahead_of(cursor: int, page: int, key_at: Callable[[int], int | None]) -> list[int]:
    """The articles a key may show next: the rows after and before the cursor, a page on, a page back."""
    out = []
    for index in (cursor + 1, cursor - 1, cursor + max(1, page - 1), cursor - max(1, page - 1)):
        aid = key_at(index) if index >= 0 else None
        if aid is not None and aid not in out:
            out.append(aid)
    return out


class RelatedList(OptionList):
    """Related coverage; enter jumps to it (if in the library) or opens it."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="related.down"),
        Binding("k", "cursor_up", "Up", show=False, id="related.up"),
    ]

    _width: int | None = None
    on_fold: Callable[[bool], None] | None = None     # the pane's: folded (True) or open

    def on_focus(self, _event: events.Focus) -> None:
        # open: the list draws itself (the pane's kept text stands in while it is folded)
        if self.on_fold is not None:
            self.on_fold(False)

    def on_blur(self, _event: events.Blur) -> None:
        if self.on_fold is not None:
            self.on_fold(True)

    @property
    def folded(self) -> bool:
        """Folded to no height (the pane's kept text shows the items): while it has not the focus."""
        height = self.styles.height
        return height is not None and height.is_cells and height.value == 0

    def post_message(self, message: Message) -> bool:
        # a Resize of the same width (a new height: each article's own options) is
        # dropped, not handled (on_resize): one left queued after the pane's layout
        # made that frame not the article's last (ui/kept.py); and Show or Hide while
        # folded (no scroll bar to pass them on to then, nor the focus for Hide to take)
        if skip_resize(message, self._width) or (isinstance(message, (events.Show, events.Hide)) and self.folded):
            return False
        return super().post_message(message)

    def on_resize(self, event: events.Resize) -> None:
        # Textual's OptionList drops every rendered option on any resize; here the
        # height changes with each article shown (its own options), which needs
        # no new rendering: only a new width does. prevent_default keeps the
        # base classes' resize handlers (OptionList's) from running
        if event.size.width == self._width:
            event.prevent_default()
        self._width = event.size.width


class ArticleView(OneLayout, KeptBackground, VerticalScroll, can_focus=True):
    """Shows one article."""

    BINDINGS = [
        Binding("j", "scroll_down", "Scroll down", show=False, id="detail.down"),
        Binding("k", "scroll_up", "Scroll up", show=False, id="detail.up"),
        Binding("enter", "read", "Reader view", id="detail.read"),
    ]

    class RelatedChosen(Message):
        """enter on a related item: ``aid`` is set for a story member (in the library)."""

        def __init__(self, related: Related, aid: int | None = None) -> None:
            super().__init__()
            self.related = related
            self.aid = aid

    class ReadRequested(Message):
        """enter on the detail pane: open the reader view."""

    def __init__(self, *, clock: Callable[[], float], images: bool = False, renderer: str = "auto",
                 extras: DetailExtras | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.images = images            # the lead image above the text (the app's i turns it off)
        self.renderer = renderer
        self.extras = extras            # the score's explanation, the story's other articles
        self.article: Article | None = None
        self.notes: list[tuple[str, str, str]] = []  # (label, text, style) lines under the header
        self.items: list[tuple[Related, int | None]] = []   # the related list's options: (item, aid in the library)
        self._shown = 0                 # bumped by every show(): a deferred fill for an older article is dropped
        self._filled = 0                # the show() whose related coverage is in the list
        # the related options made for an article (a key back and forth makes them once)
        self._options: OrderedDict[Hashable, tuple[list[Option], list[tuple[Related, int | None]], Text]] = \
            OrderedDict()

    DEFAULT_CSS = """
    ArticleView > #detail-head, ArticleView > #detail-notes, ArticleView > #detail-body {
        width: 1fr;
    }
    """

    def compose(self) -> ComposeResult:
        # header / status lines / the rest: a mark or a fetch changes only the
        # status lines, a small widget of its own (no re-render of the article,
        # and no layout of the screen while its height stays the same)
        yield KeptStatic(Text("No article selected.", style="dim"), id="detail-head")
        yield PaneStatic(id="detail-notes")
        yield LeadImage(self.renderer, id="lead-image")
        yield KeptStatic(id="detail-body")
        yield PaneStatic(Text("Related coverage", style="bold"), id="related-heading")
        # the related items as kept text (drawn ahead like the rest), and the list
        # itself, folded to no height until it has the focus (see the module's doc)
        yield KeptStatic(id="related-text")
        yield RelatedList(id="related", markup=False)

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """The vertical scroll bar (made on first use, as Textual does), one that,
        shown for a long article, asks for no second layout (``PaneScrollBar``)."""
        # Textual's own attribute and start-up call for the bar (no public way to
        # give a widget another scroll bar), as ui/article_list.py does:
        # tests/ui/test_textual_internals.py, tests/ui/test_detail_layout_internals.py
        if self._vertical_scrollbar is None:
            self._vertical_scrollbar = bar = PaneScrollBar(
                vertical=True, name="vertical", thickness=self.scrollbar_size_vertical)
            bar.display = False
            self.app._start_widget(self, bar)
        return self._vertical_scrollbar

    def on_mount(self) -> None:
        self._head = self.query_one("#detail-head", KeptStatic)
        self._notes = self.query_one("#detail-notes", PaneStatic)
        self._body = self.query_one("#detail-body", KeptStatic)
        self.lead = self.query_one(LeadImage)
        self.lead.on_result = self._expect_scroll_bar     # a picture or a one-line problem: another height
        self._notes_height: int | None = None
        self._notes.display = self._body.display = False
        self._related_text = self.query_one("#related-text", KeptStatic)
        self._heading = self.query_one("#related-heading", PaneStatic)
        self._heading.display = self._related_text.display = False
        related = self.query_one(RelatedList)
        related.display = False
        related.styles.height = 0
        related.on_fold = self._fold

    def on_click(self, event: events.Click) -> None:
        """A click on the folded related items: the list opens there (enter then jumps)."""
        text = self._related_text
        offset = event.get_content_offset(text) if event.widget is text else None
        related = self.query_one(RelatedList)
        if offset is None or not related.option_count:
            return
        event.stop()
        width = text.content_region.width
        line = 0
        for index in range(related.option_count):
            line += visualize(text, related.get_option_at_index(index).prompt).get_height(
                cast("RulesMap", text.styles), width) + 1
            if offset.y < line:
                break
        related.focus()
        related.highlighted = index

    def _fold(self, folded: bool) -> None:
        related = self.query_one(RelatedList)
        related.styles.height = 0 if folded else "auto"
        self._related_text.display = folded and related.display

    def action_read(self) -> None:
        if self.article is not None:
            self.post_message(self.ReadRequested())

    # -- content ----------------------------------------------------------
    def show(self, article: Article | None, notes: list[tuple[str, str, str]] | None = None) -> None:
        """Show ``article``; ``notes`` None keeps the status lines shown until
        ``set_notes`` (the caller's next step) replaces them: most articles have
        the same ones ("unread", "not fetched yet"), which then cost nothing.
        Everything the article shows changes here, in one step: one layout of
        the screen, one frame (tests/ui/test_detail_pane.py counts them)."""
        self.article = article
        self._shown += 1
        if article is None:
            related = self.query_one(RelatedList)
            self.notes = []
            self.items = []
            self._head.show_text(Text("No article selected.", style="dim"))
            self._notes.display = self._body.display = False
            self.lead.show(None)
            related.clear_options()
            related.display = self._heading.display = self._related_text.display = False
            self._filled = self._shown
            return
        self._head.show_text(self.render_head(article))
        if notes is not None:
            self.notes = notes
            self._show_notes(layout=True)
        self.lead.show(self.lead_of(article))
        self._body.show_text(self.render_body(article))
        self._body.display = True
        if self.scroll_offset != (0, 0):
            self.scroll_home(animate=False)
        self._fill_related(self._shown)
        self._expect_scroll_bar()

    def _expect_scroll_bar(self) -> None:
        """Show or hide the scroll bar for the new content before the layout.

        Textual decides it after a layout (the content's height against the
        pane's), and a bar that comes or goes is one more layout of the screen,
        a frame later. The text's width does not change with it (the pane keeps
        the bar's room: ``scrollbar-gutter: stable``); here the content is
        arranged now at that width (Textual's own ``arrange``), so the one
        layout shows the bar as it must be; Textual's check after it agrees,
        or corrects it as before."""
        container = self.container_size
        styles = self.styles
        if styles.overflow_y != "auto" or not container.width or not container.height:
            return
        # the children's room, as Textual's layout arranges them: the bar's columns kept
        if styles.scrollbar_gutter == "stable":
            container = Size(max(0, container.width - styles.scrollbar_size_vertical), container.height)
        # the arrangements kept for the old content (Textual clears them at idle, after
        # this); private: tests/ui/test_detail_layout_internals.py
        self._clear_arrangement_cache()
        self.lead._clear_arrangement_cache()
        height = self.arrange(container).total_region.height
        show = height > container.height
        if show != self.show_vertical_scrollbar:
            self.show_vertical_scrollbar = show
            self.vertical_scrollbar.display = show

    def _fill_related(self, shown: int) -> None:
        """The related coverage of the article shown (if still the one ``show`` was called for)."""
        article = self.article
        if shown != self._shown or article is None or not self.is_attached:
            return
        related = self.query_one(RelatedList)
        self._filled = shown
        options, self.items, text = self._related_options(article)
        if related.option_count:
            related.clear_options()
        if options:
            # (no OptionHighlighted for the screen: one more message after the pane's layout)
            with related.prevent(OptionList.OptionHighlighted):
                related.add_options(options)
                related.highlighted = 0
            self._related_text.show_text(text)
        related.display = self._heading.display = bool(options)
        self._related_text.display = bool(options) and not related.has_focus
        if self.extras is not None and self.extras.ahead is not None:
            # once the app is idle: a timer, started after this article's frame (not part of it)
            self.call_after_refresh(self._ahead_later, shown)

    def _ahead_later(self, shown: int) -> None:
        if shown == self._shown and self.is_attached:
            self.set_timer(AHEAD_AFTER, partial(self._prepare_ahead, shown, None))

    def _prepare_ahead(self, shown: int, todo: list[int] | None) -> None:
        """Idle time: the articles a key may show next, rendered (one per turn),
        so their frame is a look-up (``KeptStatic``). Stops when another article
        is shown. One width serves every article: the pane keeps its scroll bar's
        room whether the bar shows or not (``scrollbar-gutter: stable``, app.tcss)."""
        extras = self.extras
        if shown != self._shown or extras is None or extras.ahead is None or not self.is_attached:
            return
        if todo is None:
            todo = extras.ahead()
        if not todo:
            return
        aid, rest = todo[0], todo[1:]
        article = extras.article(aid)
        room = self.scrollable_content_region.width
        if article is not None and room > 0:
            parts = ((self._head, self.render_head(article)), (self._body, self.render_body(article)),
                     (self._related_text, self._related_options(article)[2]))
            for part, text in parts:
                part.prepare(text, room)
        if rest:
            self.set_timer(0.001, partial(self._prepare_ahead, shown, rest))

    @property
    def complete(self) -> bool:
        """Whether the related coverage of the article shown is in the list (it follows a frame later)."""
        return self._filled == self._shown or self.article is None

    def _related_options(self, article: Article) -> tuple[list[Option], list[tuple[Related, int | None]], Text]:
        """The document's related items, then its story's other articles in the
        library (those not among the items already): made once per article."""
        members = self.extras.story_rows(aid_from_id(article.id)) if self.extras is not None else ()
        key = (article, members)
        found = self._options.get(key)
        if found is not None:
            self._options.move_to_end(key)
            return found
        items: list[tuple[Related, int | None]] = [(item, None) for item in article.related]
        listed = {item.url for item in article.related if item.url}
        items += [(member_related(row), row.aid) for row in members if not (row.url and row.url in listed)]
        prompts = [self._related_prompt(item) if aid is None else self._member_prompt(item) for item, aid in items]
        options = [Option(prompt, id=str(i)) for i, prompt in enumerate(prompts)]
        # the folded list's text: each item and the blank line under it, as the list draws them
        text = Text("\n").join(Text.assemble(prompt, "\n") for prompt in prompts)
        found = self._options[key] = (options, items, text)
        while len(self._options) > 32:
            self._options.popitem(last=False)
        return found

    def lead_of(self, article: Article | None) -> Image | None:
        """The image shown above the text (None: images off, or none)."""
        return article.images[0] if self.images and article is not None and article.images else None

    def set_images(self, on: bool) -> None:
        self.images = on
        if self.article is not None:
            self.lead.show(self.lead_of(self.article))
            self._body.show_text(self.render_body(self.article))
            self._expect_scroll_bar()

    def set_notes(self, notes: list[tuple[str, str, str]]) -> None:
        """Update the status lines (marks, fetch state): only their own widget is
        re-rendered, and the screen is laid out again only if their height changes."""
        if self.article is not None and notes != self.notes:
            self.notes = notes
            self._show_notes(layout=False)

    def _show_notes(self, *, layout: bool) -> None:
        text = self.render_notes()
        self._notes.display = bool(self.notes)
        # one line per note unless one is wider than the pane (then it wraps)
        width = self._notes.content_region.width or self.scrollable_content_region.width
        fits = width > 0 and all(cell_len(line) <= width for line in text.plain.split("\n"))
        height = len(self.notes) if fits else None
        self._notes.update(text, layout=layout or height is None or height != self._notes_height)
        self._notes_height = height

    def render_head(self, a: Article) -> Text:
        now = self.clock()
        t = Text()
        t.append(a.title or "(untitled)", "bold")
        t.append("\n")
        t.append(fmt.provider_text(a.provider.name, a.provider.domain), "italic")
        t.append("\n\n")
        rows = [
            ("Published", fmt.when_text(a.published, now)),
            ("Quality", f"{fmt.quality_text(a.quality)}    Heat: {fmt.heat_text(a.heat)}"),
            *((("Score", explained),) if (explained := self._explanation(a)) else ()),
            ("Topics", ", ".join(a.topics) or "none"),
            ("Flag", f"published: {fmt.flag_text(a.published_flag)}"
                     + (f"   category: {a.category}" if a.category else "")
                     + (f"   type: {a.type}" if a.type else "")),
            ("Link", fmt.url_text(a.url, a.original_url or a.web_url)),
        ]
        for n, (label, value) in enumerate(rows):
            if n:
                t.append("\n")
            t.append(f"{label:<10}", "dim")
            t.append(value)
        return t

    def _explanation(self, a: Article) -> str | None:
        return self.extras.explanation(aid_from_id(a.id)) if self.extras is not None else None

    def render_notes(self) -> Content:
        parts: list[tuple[str, str] | str] = []
        for n, (label, note, style) in enumerate(self.notes):
            if n:
                parts.append("\n")
            parts.append((f"{label:<10}", "$text-muted"))
            parts.append((note, " ".join(NOTE_STYLES.get(word, "") for word in style.split())))
        return Content.assemble(*parts)

    def render_body(self, a: Article) -> Text:
        """Excerpt, body, images, problems: a blank line before each part (empty:
        the blank line under the article)."""
        t = Text()
        if a.excerpt:
            t.append("\n")
            t.append(a.excerpt)
            t.append("\n")
        if a.body:
            t.append("\n")
            t.append(a.body)
            t.append("\n")
        shown = 1 if self.lead_of(a) is not None else 0     # the lead image shows above
        if a.images[shown:]:
            t.append("\nImages\n" if not shown else "\nMore images\n", "bold")
            for n, image in enumerate(a.images[shown:], shown):
                size = f"{image.width}×{image.height}" if image.width and image.height else "size unknown"
                t.append(f"{'lead image' if n == 0 else f'image {n + 1}'}, {size}\n", "dim")
                t.append(fmt.url_text(image.url, image.raw_url))
                t.append("\n")
        if a.warnings:
            t.append("\nProblems in this file\n", "bold")
            for warning in a.warnings:
                t.append(f"• {warning}\n")
        return t     # ends with a line break: a blank line under the article, as always

    def _related_prompt(self, item: Related) -> Text:
        t = Text()
        t.append(item.title or "(untitled)", "bold")
        t.append("\n")
        t.append(fmt.related_heading(item), "dim")
        if item.excerpt:
            t.append("\n")
            t.append(item.excerpt)
        t.append("\n")
        t.append(fmt.url_text(item.url, item.raw_url), "dim italic")
        return t

    def _member_prompt(self, item: Related) -> Text:
        t = Text()
        t.append(item.title or "(untitled)", "bold")
        t.append("\n")
        published = int(item.published.timestamp()) if item.published is not None else None
        t.append(fmt.story_member_heading(item.provider.name if item.provider else "", published, item.quality),
                 "dim")
        t.append("\n")
        t.append(fmt.url_text(item.url, item.raw_url), "dim italic")
        return t

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.article is None or event.option.id is None or int(event.option.id) >= len(self.items):
            return
        item, aid = self.items[int(event.option.id)]
        self.post_message(self.RelatedChosen(item, aid))

    @property
    def highlighted_related(self) -> Related | None:
        related = self.query_one(RelatedList)
        if (self.article is None or related.highlighted is None or not related.has_focus
                or related.highlighted >= len(self.items)):
            return None
        return self.items[related.highlighted][0]
