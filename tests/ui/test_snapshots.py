"""Snapshot tests of the main screens at a fixed size, clock and time zone.

Regenerate after an intended UI change with:
    .venv/bin/python -m pytest tests/ui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations


def test_main_screen(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=(140, 40), press=["j", "j"])


def test_main_screen_best_order(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=(140, 40), press=["s"])


def test_help_screen(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=(140, 48), press=["question_mark"])
