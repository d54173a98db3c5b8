"""`feedreader` as a person runs it: a real pseudo-terminal, a fresh machine."""

from __future__ import annotations

from helpers.terminal import Terminal


def test_feedreader_opens_the_samples_and_quits_cleanly(isolated_dirs):
    # no index, no marks, no config: the first run on a fresh machine
    with Terminal([], cols=200, rows=50) as term:
        term.wait_for(b"Caixin Global")          # the seed article's provider in the list
        term.wait_for(b"51 unread / 51 articles")
        term.send("m", pause=0.3)                 # mark the first article read
        term.wait_for(b"50 unread / 51 articles")
        term.send("q")
        assert term.wait_exit() == 0
    # the mark was saved where marks live
    assert (isolated_dirs["data"] / "state.db").exists()
    with Terminal([], cols=200, rows=50) as term:
        term.wait_for(b"50 unread / 51 articles")  # a restart shows it
        term.send("q")
        assert term.wait_exit() == 0
