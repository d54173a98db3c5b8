"""Modal screens: keys help and the problems list."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual import events
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from feedreader.core.model import Problem
from feedreader.ui.safe import plural

HelpRow = tuple[str, ...]   # (keys, description) or (keys, description, binding id)
SHOWN_PROBLEMS = 2000       # the problems screen lists this many (``feedreader check`` all)
# a badge in the theme's colours: of the built-in themes, these pairs contrast 3.2:1 or better
SEVERITY_STYLES = {"error": "bold $text-error on $error-muted", "warning": "bold $foreground on $warning-muted"}
HELP_TWO_COLUMNS = 140      # the help screen is two columns of sections from this width on (at 120 each had ~9 cells of description)
HELP_IDS_BELOW = 70         # below this width a binding id goes under its description (no room for 3 columns)


def describe_bindings(bindings: Iterable[BindingType]) -> list[tuple[str, str]]:
    """[(keys as the user types them, description)] for help."""
    return [(keys, text) for keys, text, _id in describe_with_ids(bindings)]


def describe_with_ids(bindings: Iterable[BindingType], keys: Mapping[str, str] | None = None) -> list[HelpRow]:
    """[(keys in force, description, binding id)] for help; ``keys``: binding id ->
    its keys now (a keymap from the config file), else the bindings' own."""
    out: list[HelpRow] = []
    for b in bindings:
        if not isinstance(b, Binding) or not b.description:
            continue
        now = keys.get(b.id) if keys is not None and b.id else None
        if now is not None and now != b.key:
            shown = ", ".join(_key_name(k.strip()) for k in now.split(","))
        else:
            shown = b.key_display or ", ".join(_key_name(k.strip()) for k in b.key.split(","))
        out.append((shown, b.tooltip or b.description, b.id or ""))
    return out


def _key_name(key: str) -> str:
    return {
        "question_mark": "?",
        "exclamation_mark": "!",
        "slash": "/",
        "pagedown": "PgDn",
        "pageup": "PgUp",
        "home": "Home",
        "end": "End",
        "down": "↓",
        "up": "↑",
        "space": "space",
    }.get(key, key)


class _Dialog(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q", "dismiss", "Close", id="dialog.close"),
        Binding("j,down", "scroll('down')", "Down", show=False),
        Binding("k,up", "scroll('up')", "Up", show=False),
    ]

    def action_scroll(self, direction: str) -> None:
        scroller = self.query_one(VerticalScroll)
        if direction == "down":
            scroller.scroll_down(animate=False)
        else:
            scroller.scroll_up(animate=False)


class HelpScreen(_Dialog):
    """Every key in force, by pane, with its binding id (what ``[keys]`` in the
    config file rebinds); two columns of sections on a wide terminal, one on a
    narrow one."""

    def __init__(self, sections: Sequence[tuple[str, Sequence[HelpRow]]]) -> None:
        super().__init__()
        self.sections = sections
        self._columns = 0

    def compose(self) -> ComposeResult:
        self._columns = self._columns_for(self.app.size.width)
        ids_below = self._columns == 0
        with VerticalScroll(classes="dialog help"):
            yield Static(Text("feedreader keys", style="bold"), classes="dialog-title")
            if self._columns == 2:
                # two columns of sections, split where the rows balance
                sizes = [len(rows) + 2 for _, rows in self.sections]
                prefix = [sum(sizes[:i]) for i in range(len(sizes) + 1)]
                split = min(range(len(prefix)), key=lambda i: abs(2 * prefix[i] - prefix[-1]))
                with Horizontal(classes="help-columns"):
                    yield Static(self._table(self.sections[:split]), classes="help-column")
                    yield Static(self._table(self.sections[split:]), classes="help-column help-right")
            else:
                yield Static(self._table(self.sections, ids_below=ids_below), classes="help-column")
            yield Static(Text("[keys] in the config file rebinds a binding id: \"marks.read\" = \"w\"", style="dim"))
            yield Static(Text("escape or q closes this", style="dim"))

    @staticmethod
    def _columns_for(width: int) -> int:
        """2 columns of sections, 1, or 0: one column with the ids under the descriptions."""
        return 2 if width >= HELP_TWO_COLUMNS else 1 if width >= HELP_IDS_BELOW else 0

    def on_resize(self, _event: events.Resize) -> None:
        if self._columns != self._columns_for(self.app.size.width):
            self.refresh(recompose=True)

    @staticmethod
    def _table(sections: Sequence[tuple[str, Sequence[HelpRow]]], *, ids_below: bool = False) -> Table:
        table = Table.grid(padding=(0, 2))
        if ids_below:   # narrow: one column, "keys  description" and the id under them
            table.add_column(ratio=1)
            for title, rows in sections:
                table.add_row(Text(title, style="bold underline"))
                for row in rows:
                    line = Text.assemble((row[0], "bold"), "  ", row[1])
                    if len(row) > 2 and row[2]:
                        line.append("\n  " + row[2], "dim")
                    table.add_row(line)
                table.add_row("")
            return table
        table.add_column(style="bold", no_wrap=True)
        table.add_column(ratio=1)
        table.add_column(style="dim", no_wrap=True)
        for title, rows in sections:
            table.add_row(Text(title, style="bold underline"), "", "")
            for row in rows:
                keys, description = row[0], row[1]
                binding_id = row[2] if len(row) > 2 else ""
                table.add_row(Text(keys, style="bold"), Text(description), Text(binding_id))
            table.add_row("", "", "")
        return table


class ProblemsScreen(_Dialog):
    """Files that could not be read, or had fields dropped."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__()
        self.problems = problems

    def compose(self) -> ComposeResult:
        errors = sum(p.severity == "error" for p in self.problems)
        title = (
            f"{plural(len(self.problems), 'problem')}: {plural(errors, 'file')} not loaded, "
            f"{len(self.problems) - errors:,} with dropped fields"
            if self.problems
            else "No problems: every file loaded."
        )
        parts: list[str | tuple[str, str]] = []
        for p in self.problems[:SHOWN_PROBLEMS]:
            # the theme's colours ($error, $warning), legible in light themes too (issue 16)
            parts += [(p.shown_path, "bold"), "\n  ", (f" {p.severity} ", SEVERITY_STYLES.get(p.severity, "$text-warning")),
                      ": ", p.message, "\n"]
        if len(self.problems) > SHOWN_PROBLEMS:
            parts.append((f"… and {len(self.problems) - SHOWN_PROBLEMS:,} more (see `feedreader check`)\n",
                          "$text-muted"))
        text = Content.assemble(*parts)     # plain text pieces: a message is never markup
        with VerticalScroll(classes="dialog"):
            yield Static(Text(title, style="bold"), classes="dialog-title")
            yield Static(text)
            yield Static(Text("escape or q closes this", style="dim"))


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; dismisses with True for y / enter."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape,q", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, hint: str) -> None:
        super().__init__()
        self.question = question
        self.hint = hint

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog confirm"):
            yield Static(Text(self.question, style="bold"), classes="dialog-title")
            yield Static(Text(self.hint, style="dim"))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
