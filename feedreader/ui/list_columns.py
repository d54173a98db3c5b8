"""The list's row columns: which fit a row's width (the headline first), and
cutting text to a number of cells."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.style import Style

ELLIPSIS = "…"


def highlighted(title: str, spans: list[tuple[int, int]], body: Style, match: Style) -> list[tuple[str, Style]]:
    """The title cut into (text, style) pieces, the matched spans in ``match``."""
    marked = [False] * len(title)
    for a, b in spans:
        for i in range(max(0, a), min(len(title), b)):
            marked[i] = True
    pieces: list[tuple[str, Style]] = []
    start = 0
    for i in range(1, len(title) + 1):
        if i == len(title) or marked[i] != marked[start]:
            pieces.append((title[start:i], match if marked[start] else body))
            start = i
    return pieces


# the row's columns by width, richest first: (date cells, provider cells, score
# cells); the first whose fixed part leaves the headline TITLE_SHARE of the row.
# The score (quality + scoring rules, issue 15) takes the quality's place: 3
# cells ("54", "--"), or 1 at the narrowest (a bar, SCORE_BARS).
LAYOUTS: tuple[tuple[int, int, int], ...] = (
    (12, 16, 3), (6, 16, 3), (6, 12, 3), (6, 8, 3), (6, 0, 3), (0, 0, 1), (0, 0, 0))
TITLE_SHARE = 0.53     # 80x24 (78 cells): a compact date, the headline 46; 140 columns (82): all columns full
SCORE_BARS = "▁▂▃▄▅▆▇█"


def row_layout(width: int) -> tuple[int, int, int]:
    """(date cells, provider cells, score cells) for a row ``width`` cells wide:
    the headline has priority, the other columns shrink, then drop."""
    for layout in LAYOUTS:
        if fixed_width(layout) <= width * (1 - TITLE_SHARE):
            return layout
    return LAYOUTS[-1]


def fixed_width(layout: tuple[int, int, int]) -> int:
    date, provider, score = layout
    return 3 + (date + 2 if date else 1) + score + (provider + 2 if provider else 1)


def score_cell(score: int | None, quality: int | None, cells: int) -> str:
    """The score column in ``cells`` cells (3: the number; 1: a bar of eight
    heights; 0: nothing): the score, the quality while the rules have not
    scored the article, "--" (or "·") when it has neither."""
    value = score if score is not None else quality
    if cells <= 0:
        return ""
    if cells < 3:
        if value is None:
            return "·".rjust(cells)
        return SCORE_BARS[max(0, min(len(SCORE_BARS) - 1, value * len(SCORE_BARS) // 101))].rjust(cells)
    return " --".rjust(cells) if value is None else f"{value:{cells}d}"[-cells:]


def fit_cells(text: str, cells: int) -> str:
    """``text`` in exactly ``cells`` cells: padded, or cut with an ellipsis."""
    if cell_len(text) <= cells:
        return set_cell_size(text, cells)
    return set_cell_size(text, cells - 1) + ELLIPSIS
