"""The detail pane: the highlighted article, its images and related coverage.

Every string from a document is put on screen as a Rich ``Text`` (never as
markup), so ``[bold]`` or ``[@click=app.quit]`` in a title shows as typed.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from feedreader.core import detail as fmt
from feedreader.core.model import Article, Related


class RelatedList(OptionList):
    """Related coverage; enter jumps to it (if in the library) or opens it."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="related.down"),
        Binding("k", "cursor_up", "Up", show=False, id="related.up"),
    ]


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

    def __init__(self, *, clock: Callable[[], float], id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.article: Article | None = None
        self.notes: list[tuple[str, str, str]] = []  # (label, text, style) lines under the header

    def compose(self) -> ComposeResult:
        yield Static(Text("No article selected.", style="dim"), id="detail-body")
        yield Static(Text("Related coverage", style="bold"), id="related-heading")
        yield RelatedList(id="related", markup=False)

    def on_mount(self) -> None:
        self.query_one("#related-heading").display = False
        self.query_one(RelatedList).display = False

    def action_read(self) -> None:
        if self.article is not None:
            self.post_message(self.ReadRequested())

    # -- content ----------------------------------------------------------
    def show(self, article: Article | None, notes: list[tuple[str, str, str]] | None = None) -> None:
        self.article = article
        self.notes = notes or []
        body = self.query_one("#detail-body", Static)
        related = self.query_one(RelatedList)
        heading = self.query_one("#related-heading", Static)
        if article is None:
            body.update(Text("No article selected.", style="dim"))
            related.clear_options()
            related.display = heading.display = False
            return
        body.update(self.render_article(article))
        related.clear_options()
        if article.related:
            related.add_options(
                Option(self._related_prompt(item), id=str(i)) for i, item in enumerate(article.related)
            )
            related.highlighted = 0
        related.display = heading.display = bool(article.related)
        self.scroll_home(animate=False)

    def set_notes(self, notes: list[tuple[str, str, str]]) -> None:
        """Update the status lines (marks, fetch state) without rebuilding the rest."""
        if self.article is not None and (notes != self.notes or not notes):
            self.notes = notes
            self.query_one("#detail-body", Static).update(self.render_article(self.article))

    def render_article(self, a: Article) -> Text:
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
        for label, value in rows:
            t.append(f"{label:<10}", "dim")
            t.append(value)
            t.append("\n")
        for label, note, style in self.notes:
            t.append(f"{label:<10}", "dim")
            t.append(note, style)
            t.append("\n")
        if a.excerpt:
            t.append("\n")
            t.append(a.excerpt)
            t.append("\n")
        if a.body:
            t.append("\n")
            t.append(a.body)
            t.append("\n")
        if a.images:
            t.append("\nImages\n", "bold")
            for n, image in enumerate(a.images):
                size = f"{image.width}×{image.height}" if image.width and image.height else "size unknown"
                t.append(f"{'lead image' if n == 0 else f'image {n + 1}'}, {size}\n", "dim")
                t.append(fmt.url_text(image.url, image.raw_url))
                t.append("\n")
        if a.warnings:
            t.append("\nProblems in this file\n", "bold red")
            for warning in a.warnings:
                t.append(f"• {warning}\n", "red")
        return t

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
