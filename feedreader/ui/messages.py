"""The app's messages: what a worker reports back, as dataclasses.

A worker never writes the app's state: it posts one of these, and the
handler (on the UI thread) applies it. ``post_message`` is thread-safe.
A message that a newer one of its kind makes stale says so in
``can_replace``, so a flood of them costs one handling.

The widgets' own messages (``ArticleList.Highlighted``, ``SearchBar.Changed``
…) stay with their widgets, as Textual's do.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from feedreader.core.library.search import SearchResult
from feedreader.core.model import Problem


@dataclass
class IndexProgress(Message):
    """The index refresh has read ``done`` of ``total`` files (done == total: finished)."""

    done: int
    total: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, IndexProgress)     # only the newest count shows


@dataclass
class IndexBatch(Message):
    """New rows are in the index (the order was recomputed off-thread)."""

    at: float | None = None     # time.monotonic() of a batch during the scan; None: its end


@dataclass
class IndexScanned(Message):
    """The refresh is over: the files it could not read, and why (before the last ``IndexProgress``)."""

    problems: list[Problem]


@dataclass
class BrowserOpened(Message):
    """The browser was asked to show ``url``: ``started`` False if none could be
    started, ``error`` if asking failed."""

    url: str
    started: bool
    error: str | None = None


@dataclass
class SearchFound(Message):
    """A search of ``text`` finished (``failure``: why it did not); stale
    unless ``generation`` is still the bar's."""

    generation: int
    text: str
    result: SearchResult | None
    failure: str | None
