"""The app at any terminal size: one pane at a time when narrow, a header that
keeps its counts.

- Below ``NARROW_WIDTH`` columns for the list and the detail pane (the
  terminal's width less the sources pane's when it is shown) they do not both
  fit with a readable headline: ``#panes`` gets ``-narrow`` (``app.tcss``) and
  shows the list only, full width, as newsboat does; ``enter`` opens the
  detail full-size (``-detail-open``) and ``escape`` returns to the list. At
  80x24 the headline then gets ~40 of the 80 columns instead of ~22 beside a
  30-column detail pane. A stacked layout (list above, detail below) was
  weighed and not taken: at 24 rows each half has ~10 lines.
- The decision follows every change of the room the panes have, not only a
  terminal resize: ``refit`` after the sources pane is toggled (it takes 34
  columns without the terminal changing size; with the old decision the list
  was laid out 137 columns wide on an 80-column terminal).
- The header's line: the counts come first and are never cut; the title goes
  first when the line is too long, then the trailing parts, then an ellipsis.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len, set_cell_size
from textual.app import App
from textual.containers import Horizontal
from textual.content import Content

NARROW_WIDTH = 100      # columns for list + detail: below it, one pane at a time
SOURCES_WIDTH = 34      # the sources pane (ui/sources.py), before its first layout
HEADER_CHROME = 6       # the header's icon and margins
SEPARATOR = " · "


class LayoutController:
    """Narrow or wide; the detail pane open full-size or not (narrow only)."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self.width: int | None = None     # the terminal's, at the last resize

    @property
    def panes(self) -> Horizontal:
        return self.app.query_one("#panes", Horizontal)

    @property
    def narrow(self) -> bool:
        return self.panes.has_class("-narrow")

    @property
    def detail_open(self) -> bool:
        panes = self.panes
        return not panes.has_class("-narrow") or panes.has_class("-detail-open")

    def resized(self, width: int) -> None:
        """The terminal is ``width`` columns wide now."""
        self.width = width
        self.refit()
        # the header's line is fitted to the app's size, which Textual sets after the
        # app's own on_resize: fit it again once that is done
        self.app.call_later(self.refit_header)

    def refit_header(self) -> None:
        """Fit the header's line to the width again (``fit_header``), even when its text
        did not change (a new width alone does not repaint it)."""
        from textual.widgets import Header
        from textual.widgets._header import HeaderTitle   # not exported (tests/ui/test_textual_internals.py)

        for screen in self.app.screen_stack:
            for header in screen.query(Header):
                header.query_one(HeaderTitle).update(header.format_title())

    def room(self) -> int:
        """The columns the list and the detail pane share (the sources pane's taken off)."""
        width = self.width if self.width is not None else self.app.size.width
        sources = self.app.query("#sources")
        if sources and sources.first().has_class("-shown"):
            width -= sources.first().outer_size.width or SOURCES_WIDTH
        return width

    def refit(self) -> None:
        """Narrow or wide for the room the panes have now (after a resize, or the
        sources pane shown or hidden)."""
        narrow = self.room() < NARROW_WIDTH
        panes = self.panes
        panes.set_class(narrow, "-narrow")
        if not narrow:
            panes.remove_class("-detail-open")

    def open_detail(self) -> None:
        """``enter`` on the list: on a narrow terminal the detail takes the screen."""
        if self.narrow:
            self.panes.add_class("-detail-open")

    def close_detail(self) -> bool:
        """``escape``: back to the list (True if the detail was open full-size)."""
        panes = self.panes
        if panes.has_class("-narrow") and panes.has_class("-detail-open"):
            panes.remove_class("-detail-open")
            return True
        return False


def fit_header(title: str, sub_title: str, width: int) -> Content:
    """The header's line in ``width`` columns: ``title — sub_title`` when it fits;
    else without the title; else the sub-title's trailing parts (`` · ``) go,
    and a last one that does not fit is cut with an ellipsis: the first part
    (the counts) always shows."""
    room = max(10, width - HEADER_CHROME)
    if not sub_title:
        return Content(_elide(title, room))
    if cell_len(title) + 3 + cell_len(sub_title) <= room:
        return Content.assemble(Content(title), (" — ", "dim"), Content(sub_title).stylize("dim"))
    parts = sub_title.split(SEPARATOR)
    kept = [parts[0]]
    for part in parts[1:]:
        if cell_len(SEPARATOR.join([*kept, part])) > room:
            break
        kept.append(part)
    return Content(_elide(SEPARATOR.join(kept), room)).stylize("dim")


def _elide(text: str, room: int) -> str:
    if cell_len(text) <= room:
        return text
    return set_cell_size(text, room - 1) + "…"
