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


# any size (issue 14): the common 80x24, a narrow 60x20 (one pane at a time), a large 160x45
def test_main_screen_80x24(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=(80, 24), press=["j", "j"])


def test_detail_open_60x20(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=(60, 20), press=["j", "enter"])


def test_list_60x20(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=(60, 20), press=["j"])


def test_main_screen_160x45(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=(160, 45), press=["j", "j"])


def test_help_screen_80x24(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=(80, 24), press=["question_mark"])


def test_sources_pane_open_80x24(snap_compare, make_app):
    """The sources pane open at 80x24: the list beside it laid out for its own width."""
    assert snap_compare(make_app(), terminal_size=(80, 24), press=["S"])


def test_sources_pane_closed_again_80x24(snap_compare, make_app):
    """Open and closed again: the list back to the full width (not one toggle behind)."""
    assert snap_compare(make_app(), terminal_size=(80, 24), press=["S", "S"])
