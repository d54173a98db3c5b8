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


# the row's columns by width, richest first: (date cells, provider cells, quality
# shown); the first whose fixed part leaves the headline TITLE_SHARE of the row
LAYOUTS: tuple[tuple[int, int, bool], ...] = (
    (12, 16, True), (6, 16, True), (6, 12, True), (6, 8, True), (6, 0, True), (0, 0, False))
TITLE_SHARE = 0.45


def row_layout(width: int) -> tuple[int, int, bool]:
    """(date cells, provider cells, quality shown) for a row ``width`` cells wide:
    the headline has priority, the other columns shrink, then drop."""
    for layout in LAYOUTS:
        if fixed_width(layout) <= width * (1 - TITLE_SHARE):
            return layout
    return LAYOUTS[-1]


def fixed_width(layout: tuple[int, int, bool]) -> int:
    date, provider, quality = layout
    return 3 + (date + 2 if date else 1) + (3 if quality else 0) + (provider + 2 if provider else 1)


def fit_cells(text: str, cells: int) -> str:
    """``text`` in exactly ``cells`` cells: padded, or cut with an ellipsis."""
    if cell_len(text) <= cells:
        return set_cell_size(text, cells)
    return set_cell_size(text, cells - 1) + ELLIPSIS
