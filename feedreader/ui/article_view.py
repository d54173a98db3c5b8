"""The detail pane: the highlighted article, its images and related coverage.

Every string from a document is put on screen as a Rich ``Text`` (never as
markup), so ``[bold]`` or ``[@click=app.quit]`` in a title shows as typed.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from feedreader.core import detail as fmt
from feedreader.core.model import Article, Image, Related
from feedreader.ui.lead_image import LeadImage

# the style words of status lines (marks, fetch state) -> theme variables, so they
# stay legible in every theme, light ones included (resolved when drawn)
NOTE_STYLES = {"red": "$text-error", "green": "$text-success", "yellow": "$text-warning",
               "dim": "$text-muted", "italic": "italic", "bold": "bold", "": ""}


class RelatedList(OptionList):
    """Related coverage; enter jumps to it (if in the library) or opens it."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="related.down"),
        Binding("k", "cursor_up", "Up", show=False, id="related.up"),
    ]

    _width: int | None = None

    def on_resize(self, event: events.Resize) -> None:
        # Textual's OptionList drops every rendered option on any resize; here the
        # height changes with each article shown (its own options), which needs
        # no new rendering: only a new width does. prevent_default keeps the
        # base classes' resize handlers (OptionList's) from running
        if event.size.width == self._width:
            event.prevent_default()
        self._width = event.size.width


class ArticleView(VerticalScroll, can_focus=True):
    """Shows one article."""

    BINDINGS = [
        Binding("j", "scroll_down", "Scroll down", show=False, id="detail.down"),
        Binding("k", "scroll_up", "Scroll up", show=False, id="detail.up"),
        Binding("enter", "read", "Reader view", id="detail.read"),
    ]

    class RelatedChosen(Message):
        def __init__(self, related: Related) -> None:
            super().__init__()
            self.related = related

    class ReadRequested(Message):
        """enter on the detail pane: open the reader view."""

    def __init__(self, *, clock: Callable[[], float], images: bool = False, renderer: str = "auto",
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.images = images            # the lead image above the text (the app's i turns it off)
        self.renderer = renderer
        self.article: Article | None = None
        self.notes: list[tuple[str, str, str]] = []  # (label, text, style) lines under the header

    DEFAULT_CSS = """
    ArticleView > #detail-head, ArticleView > #detail-notes, ArticleView > #detail-body {
        width: 1fr;
    }
    """

    def compose(self) -> ComposeResult:
        # header / status lines / the rest: a mark or a fetch changes only the
        # status lines, a small widget of its own (no re-render of the article,
        # and no layout of the screen while its height stays the same)
        yield Static(Text("No article selected.", style="dim"), id="detail-head")
        yield Static(id="detail-notes")
        yield LeadImage(self.renderer, id="lead-image")
        yield Static(id="detail-body")
        yield Static(Text("Related coverage", style="bold"), id="related-heading")
        yield RelatedList(id="related", markup=False)

    def on_mount(self) -> None:
        self._head = self.query_one("#detail-head", Static)
        self._notes = self.query_one("#detail-notes", Static)
        self._body = self.query_one("#detail-body", Static)
        self.lead = self.query_one(LeadImage)
        self._notes_height: int | None = None
        self._notes.display = self._body.display = False
        self.query_one("#related-heading").display = False
        self.query_one(RelatedList).display = False

    def action_read(self) -> None:
        if self.article is not None:
            self.post_message(self.ReadRequested())

    # -- content ----------------------------------------------------------
    def show(self, article: Article | None, notes: list[tuple[str, str, str]] | None = None) -> None:
        """Show ``article``; ``notes`` None keeps the status lines shown until
        ``set_notes`` (the caller's next step) replaces them: most articles have
        the same ones ("unread", "not fetched yet"), which then cost nothing."""
        self.article = article
        related = self.query_one(RelatedList)
        heading = self.query_one("#related-heading", Static)
        if article is None:
            self.notes = []
            self._head.update(Text("No article selected.", style="dim"))
            self._notes.display = self._body.display = False
            self.lead.show(None)
            related.clear_options()
            related.display = heading.display = False
            return
        self._head.update(self.render_head(article))
        if notes is not None:
            self.notes = notes
            self._show_notes(layout=True)
        self.lead.show(self.lead_of(article))
        self._body.update(self.render_body(article))
        self._body.display = True
        if related.option_count:
            related.clear_options()
        if article.related:
            related.add_options(
                Option(self._related_prompt(item), id=str(i)) for i, item in enumerate(article.related)
            )
            related.highlighted = 0
        related.display = heading.display = bool(article.related)
        if self.scroll_offset != (0, 0):
            self.scroll_home(animate=False)

    def lead_of(self, article: Article | None) -> Image | None:
        """The image shown above the text (None: images off, or none)."""
        return article.images[0] if self.images and article is not None and article.images else None

    def set_images(self, on: bool) -> None:
        self.images = on
        if self.article is not None:
            self.lead.show(self.lead_of(self.article))
            self._body.update(self.render_body(self.article))

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

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.article is None or event.option.id is None:
            return
        self.post_message(self.RelatedChosen(self.article.related[int(event.option.id)]))

    @property
    def highlighted_related(self) -> Related | None:
        related = self.query_one(RelatedList)
        if self.article is None or related.highlighted is None or not related.has_focus:
            return None
        return self.article.related[related.highlighted]
