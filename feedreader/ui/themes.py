"""The theme: Textual's own themes, picked in the command palette or set in the config, remembered.

The choice made in the app ("Change theme" in ctrl+p) is written to a small
state file in the data dir (``ui-state.json``), never to the user's config.
At start the remembered theme is used, unless the config's ``theme`` has
changed since it was remembered (an edit of the config wins). A name that is
not one of the app's themes is reported and Textual's default kept.

Every colour of the app's own styles is a theme variable (``app.tcss``, the
widgets' DEFAULT_CSS, ``$``-styles in ``Content``), so read, unread, flagged,
hidden and the quality column stay legible in every theme, light ones too.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from textual.app import App

from feedreader.core.files import replace_atomically

log = logging.getLogger("feedreader.ui")

MAX_STATE_BYTES = 16_000


def read_state(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_STATE_BYTES + 1)
        data = json.loads(raw) if len(raw) <= MAX_STATE_BYTES else None
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_state(path: Path, **values: Any) -> None:
    data = read_state(path)
    data.update(values)
    payload = json.dumps(data, indent=1, sort_keys=True).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_atomically(path, lambda f: f.write(payload))


def initial_theme(configured: str, state: dict[str, Any]) -> str:
    """The theme to start with: the remembered one, unless the config's changed since."""
    remembered = state.get("theme")
    if isinstance(remembered, str) and remembered and state.get("config_theme", "") == configured:
        return remembered
    return configured


class ThemeKeeper:
    """Sets the app's theme at start and writes every later change to ``state_path``."""

    def __init__(self, app: App[Any], *, configured: str, state_path: Path | None) -> None:
        self.app = app
        self.configured = configured
        self.state_path = state_path
        self.problem: str | None = None

    def start(self) -> None:
        name = initial_theme(self.configured, read_state(self.state_path))
        if name and name != self.app.theme:
            if name in self.app.available_themes:
                self.app.theme = name
            else:
                self.problem = (f"theme {name!r} is not one of the themes "
                                f"({', '.join(sorted(self.app.available_themes))}); using {self.app.theme!r}")
        self.app.theme_changed_signal.subscribe(self.app, self._changed)

    def _changed(self, theme: Any) -> None:
        if self.state_path is None:
            return
        try:
            write_state(self.state_path, theme=self.app.theme, config_theme=self.configured)
        except OSError as exc:
            log.warning("could not remember the theme: %s", exc)
