"""ArticleList builds its rows as segments directly (speed); they must show
exactly what a Rich ``Text`` of the same parts shows (the former renderer,
kept here as the reference): same characters, same styles, cell for cell."""

from __future__ import annotations

import random

from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.strip import Strip

from feedreader.core.library.library import ListRow
from feedreader.core.marks.bits import FLAGGED, HIDDEN, READ
from feedreader.ui.article_list import _PART_STYLES, ArticleList, fit_cells, row_layout
from feedreader.ui.list_columns import score_cell

NOW = 1_700_000_000.0


class Model:
    """Just enough of ListModel for the widget."""

    def __init__(self, rows: list[ListRow]) -> None:
        self.rows = rows
        self.marks: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def key_at(self, index: int):
        return self.rows[index].aid if 0 <= index < len(self.rows) else None

    def row_at(self, index: int):
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def index_of(self, aid: int):
        return next((i for i, r in enumerate(self.rows) if r.aid == aid), None)

    def flags(self, aid: int) -> int:
        return self.marks.get(aid, 0)

    def story_note(self, aid: int) -> str:     # ListModel's story cell: "" outside story mode
        return ""


def reference(lst: ArticleList, row: ListRow, flags: int, status: str, width: int, styles: tuple) -> Strip:
    """The renderer before segments were built directly (Rich Text)."""
    base, cursor, unread, read, hidden, flag_style, date_style, quality_style, provider_style, \
        status_style, match_style = styles
    body = hidden if flags & HIDDEN else read if flags & READ else unread
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append("●" if not flags & READ else " ", unread)
    text.append("★" if flags & FLAGGED else ("⊘" if flags & HIDDEN else " "), flag_style)
    text.append(status, status_style)
    date_cells, provider_cells, score_cells = row_layout(width)
    text.append(f" {lst._date(row.published, date_cells)} " if date_cells else " ", date_style)
    if score_cells:
        text.append(score_cell(row.score, row.quality, score_cells), quality_style)
    if provider_cells:
        text.append(f" {fit_cells(row.provider or '—', provider_cells)} ", provider_style)
    elif score_cells:
        text.append(" ", provider_style)
    start = len(text)
    text.append(row.title or "(untitled)", body)
    if lst.highlight is not None and row.title:
        for a, b in lst.highlight(row.title):
            text.stylize(match_style, start + a, start + b)
    text.truncate(width, overflow="ellipsis", pad=True)
    if cursor is not None:
        text.stylize(cursor)
    segments = list(text.render(Console(width=500, color_system="truecolor", legacy_windows=False)))
    return Strip(segments).adjust_cell_length(width, base).simplify().apply_style(base)


def cells(strip: Strip) -> list[tuple[str, Style | None]]:
    return [(ch, seg.style) for seg in strip for ch in seg.text]


WORDS = ["Chip", "plant", "opens", "中文标题", "Ünïcödé", "café", "—", "🚀", "AI", "x" * 30, "lunar", "vans"]


def random_row(rng: random.Random, n: int) -> ListRow:
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 14)))
    provider = rng.choice(["", "Northwind Tribune", "东方日报社新闻网络有限公司", "A", "Sprocket & Byte Weekly Extra"])
    return ListRow(
        aid=n, identity=f"https://example.com/{n}", title=title, provider=provider,
        published=rng.choice([None, 1_600_000_000 + rng.randrange(10**8), int(NOW) - 3600]),
        quality=rng.choice([None, 0, 7, 55, 100]), url=None, topics=(),
    )


class ListApp(App):
    def __init__(self, model: Model) -> None:
        super().__init__()
        self.model = model

    def compose(self) -> ComposeResult:
        yield ArticleList(self.model, clock=lambda: NOW, id="list")


async def test_segments_match_the_rich_text_renderer() -> None:
    rng = random.Random(6)
    rows = [random_row(rng, n) for n in range(60)]
    model = Model(rows)
    app = ListApp(model)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        lst = app.query_one(ArticleList)
        get = lst.get_component_rich_style
        parts = tuple(get(name, partial=True) for name in _PART_STYLES)
        checked = 0
        for highlight in (None, lambda title: [(0, 3), (5, 9), (max(0, len(title) - 2), len(title) + 4)]):
            lst.highlight = highlight
            for row in rows:
                for flags in (0, READ, HIDDEN, FLAGGED | READ, HIDDEN | FLAGGED):
                    for cursor in (None, get("article-list--cursor", partial=True)):
                        for width in (0, 1, 2, 20, 39, 40, 41, 57, rng.randint(42, 119), 160):
                            status = rng.choice([" ", "✓", "!"])
                            styles = (lst.rich_style, cursor, *parts)
                            got = lst._render_row(row, flags, status, width, styles)
                            want = reference(lst, row, flags, status, width, styles)
                            assert got.cell_length == want.cell_length == width
                            assert cells(got) == cells(want), (row, flags, width, cursor)
                            checked += 1
        assert checked > 10_000


async def test_a_changed_row_is_not_served_from_the_cache() -> None:
    rows = [ListRow(1, "https://example.com/1", "First title", "P", 1_600_000_000, 50, None, ())]
    model = Model(rows)
    app = ListApp(model)
    async with app.run_test(size=(100, 10)) as pilot:
        await pilot.pause()
        lst = app.query_one(ArticleList)
        first = "".join(seg.text for seg in lst.render_line(0))
        assert "First title" in first and "●" in first
        whole = lst.region.size.region
        assert "●" in "".join(seg.text for seg in lst.render_lines(whole)[0])
        model.marks[1] = READ                      # marked read: the dot goes
        assert "●" not in "".join(seg.text for seg in lst.render_line(0))
        assert "●" not in "".join(seg.text for seg in lst.render_lines(whole)[0])
        model.rows[0] = ListRow(1, "https://example.com/1", "Second title", "P", 1_600_000_000, 50, None, ())
        assert "Second title" in "".join(seg.text for seg in lst.render_line(0))
        assert "Second title" in "".join(seg.text for seg in lst.render_lines(whole)[0])


class TwoPanes(App):
    def __init__(self, model: Model) -> None:
        super().__init__()
        self.model = model

    def compose(self) -> ComposeResult:
        from textual.widgets import Input

        yield ArticleList(self.model, clock=lambda: NOW, id="list")
        yield Input(id="other")


async def test_the_cursor_row_follows_focus() -> None:
    rows = [ListRow(1, "https://example.com/1", "Only title", "P", 1_600_000_000, 50, None, ())]
    app = TwoPanes(Model(rows))
    async with app.run_test(size=(100, 10)) as pilot:
        lst = app.query_one(ArticleList)
        lst.focus()
        await pilot.pause()
        focused = [seg.style for seg in lst.render_line(0)]
        app.query_one("#other").focus()
        await pilot.pause()
        blurred = [seg.style for seg in lst.render_line(0)]
        assert focused != blurred
        assert blurred[0].bgcolor == lst.get_component_rich_style("article-list--cursor", partial=True).bgcolor


def textual_lines(lst: ArticleList, crop) -> list[Strip]:
    """The lines as Textual's own styles cache renders them (its path for any widget)."""
    from textual.widget import Widget

    lst._styles_cache.clear()
    return Widget.render_lines(lst, crop)


async def test_the_rows_go_to_the_screen_as_textual_would_render_them() -> None:
    """``ArticleList.render_lines`` keeps each row styled for the screen (Textual
    keeps lines by position); the cells and styles on screen must be the same."""
    from textual.filter import Monochrome
    from textual.geometry import Region

    rng = random.Random(11)
    model = Model([random_row(rng, n) for n in range(300)])
    model.marks.update({n: rng.choice([0, READ, HIDDEN, FLAGGED]) for n in range(0, 300, 3)})
    app = TwoPanes(model)
    async with app.run_test(size=(100, 24)) as pilot:
        lst = app.query_one(ArticleList)
        lst.focus()
        await pilot.pause()
        compared = 0
        for step in range(5):
            if step == 1:
                lst.cursor = 150                     # scrolled: other rows, the cursor row in view
            elif step == 2:
                app.query_one("#other").focus()      # the blurred cursor style
            elif step == 3:
                app._filters.append(Monochrome())    # another line filter (as NO_COLOR-like settings add)
            elif step == 4:
                lst.styles.border_right = ("solid", "red")   # as the app's stylesheet has it
            await pilot.pause()
            width, height = lst.region.size
            crops = [Region(0, 0, width, height), Region(0, 3, width, 5), Region(7, 0, width - 20, height),
                     Region(0, 0, 1, 1), Region(width - 1, 0, 1, height)]
            for crop in crops:
                ours = lst.render_lines(crop)
                theirs = textual_lines(lst, crop)
                assert [s.cell_length for s in ours] == [s.cell_length for s in theirs]
                assert [cells(s) for s in ours] == [cells(s) for s in theirs], (step, crop)
                compared += len(ours)
        assert compared > 250


async def test_styles_the_fast_path_does_not_know_use_textuals_way() -> None:
    rows = [ListRow(n, f"https://example.com/{n}", f"Title {n}", "P", 1_600_000_000, 50, None, ()) for n in range(40)]
    app = ListApp(Model(rows))
    async with app.run_test(size=(60, 12)) as pilot:
        lst = app.query_one(ArticleList)
        await pilot.pause()
        plain = lst.render_lines(lst.region.size.region)
        lst.styles.padding = (0, 2)
        await pilot.pause()
        whole = lst.region.size.region
        padded = lst.render_lines(whole)
        text = "".join(seg.text for seg in padded[0])
        assert text.startswith("  ") and "Title 0" in text
        assert "".join(seg.text for seg in plain[0]).startswith("●")
        assert [cells(s) for s in padded] == [cells(s) for s in textual_lines(lst, whole)]
        lst.styles.padding = (1, 0)                 # a blank line on top: Textual's own way
        await pilot.pause()
        top = lst.render_lines(whole)
        assert "".join(seg.text for seg in top[0]).strip() == ""
        assert [cells(s) for s in top] == [cells(s) for s in textual_lines(lst, whole)]


def test_the_headline_has_priority_at_any_width():
    """Narrower rows shrink the date, abbreviate the provider (with an
    ellipsis) and drop columns: the headline keeps about half of the row."""
    widths = [200, 120, 90, 70, 56, 45, 36, 24, 12]
    for width in widths:
        date, provider, score = row_layout(width)
        fixed = 3 + (date + 2 if date else 1) + score + (provider + 2 if provider else 1)
        assert width - fixed >= width * 0.45 or (date, provider, score) == (0, 0, 0), width
    assert row_layout(200) == (12, 16, 3)          # wide: everything, full size
    assert row_layout(78)[:2] == (6, 16)           # 80x24's list (full width): a compact date
    assert 0 < row_layout(60)[1] < 16              # 100 columns (beside the detail): a short provider
    assert row_layout(12) == (0, 0, 0)
    assert fit_cells("Northwind Tribune", 8) == "Northwi…"
    assert fit_cells("AP", 8) == "AP      "


async def test_the_row_styles_follow_the_theme_focus_and_the_backgrounds_below() -> None:
    """The row styles are kept over refreshes (``_row_styles``): a theme, the focus,
    or another background under the list (an inline style: no style update of
    the list itself) must show at once, as freshly made styles would."""
    rows = [ListRow(n, f"https://example.com/{n}", f"Title {n}", "P", 1_600_000_000, 50, None, ()) for n in range(5)]
    app = TwoPanes(Model(rows))
    async with app.run_test(size=(100, 10)) as pilot:
        lst = app.query_one(ArticleList)
        lst.focus()
        await pilot.pause()

        def shown(index: int) -> list:
            lst.refresh_line(index)
            return [seg.style for seg in lst.render_line(index)]

        def fresh(index: int) -> list:
            lst._kept_styles = None
            lst._rich_style_cache.clear()
            lst.clear_render_cache()
            return [seg.style for seg in lst.render_line(index)]

        before = (shown(0), shown(1))
        changes = [lambda: setattr(app, "theme", "textual-light"),
                   lambda: app.query_one("#other").focus(),
                   lambda: setattr(lst.styles, "background", "darkred"),     # inline: no style update
                   lambda: setattr(lst.styles, "color", "yellow")]
        for change in changes:
            change()
            await pilot.pause()
            now = (shown(0), shown(1))
            assert now != before
            assert now == (fresh(0), fresh(1))
            before = now
