"""Asking the terminal about kitty graphics / Sixel only where it may answer."""

from __future__ import annotations

import pytest

from feedreader.ui import lead_image


@pytest.mark.parametrize("env, asks", [
    ({"TERM": "xterm-256color"}, False),
    ({"TERM": "screen-256color", "TERM_PROGRAM": "tmux"}, False),
    ({"TERM": "linux"}, False),
    ({}, False),
    ({"TERM": "xterm-kitty"}, True),
    ({"TERM": "xterm-256color", "KITTY_WINDOW_ID": "1"}, True),
    ({"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, True),
    ({"TERM": "foot"}, True),
    ({"TERM": "xterm-256color", "TERM_PROGRAM": "iTerm.app"}, True),
])
def test_worth_asking(env, asks):
    assert lead_image.worth_asking(env) is asks


def test_a_plain_terminal_is_not_asked(monkeypatch):
    """No question, no wait, no traceback: textual-image's probing import is not run."""
    import sys

    monkeypatch.setattr(lead_image, "_prepared", False)
    monkeypatch.delitem(sys.modules, "textual_image.widget", raising=False)
    lead_image.prepare_terminal({"TERM": "xterm-256color"})
    assert "textual_image.widget" not in sys.modules
    assert lead_image._prepared is False
