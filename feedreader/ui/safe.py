"""The one way text reaches the screen: as text, never as markup.

Textual reads markup in a notification's message (``[@click=app.quit]`` is a
link that quits), in a command palette entry's title and help, and in a
``Static`` given a ``str``. Every string the app shows may quote a value from
a document, a file name, a URL or the config file, so:

- notifications: ``notify_plain`` (the app's ``notify`` calls it: markup off
  for every caller, whatever it passes);
- palette entries: ``plain_command`` (title and help escaped: the palette
  always parses them);
- widgets: a ``rich.text.Text`` (``plain``), never a ``str``;
- counts in words: ``plural`` ("1 problem", "2 files").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import App, SystemCommand
from textual.notifications import SeverityLevel


def escape_markup(text: str) -> str:
    """``text`` as content markup that shows exactly ``text`` (every ``[`` escaped:
    Textual's own ``escape`` leaves ``[Reverse]`` and ``[$accent]`` as tags)."""
    return text.replace("[", "\\[")


def plain(text: str, style: str = "") -> Text:
    """A Rich ``Text`` of ``text`` (a widget shows it as typed)."""
    return Text(text, style=style)


def notify_plain(
    app: App[Any],
    message: str,
    *,
    title: str = "",
    severity: SeverityLevel = "information",
    timeout: float | None = None,
) -> None:
    """A notification whose message and title show as typed (no markup)."""
    App.notify(app, str(message), title=str(title), severity=severity, timeout=timeout, markup=False)


def plain_command(title: str, help_text: str, callback: Callable[[], Any], discover: bool = True) -> SystemCommand:
    """A palette entry whose title and help show as typed."""
    return SystemCommand(escape_markup(title), escape_markup(help_text), callback, discover)


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 problem``, ``2 problems``, ``1,234 files`` (``many``: an irregular plural)."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"
