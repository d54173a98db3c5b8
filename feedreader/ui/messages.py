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
from typing import TYPE_CHECKING

from textual.message import Message

from feedreader.core.library.search import SearchResult
from feedreader.core.library.storyview import StoryData
from feedreader.core.model import Problem

if TYPE_CHECKING:   # core.feeds.refresh loads httpx: imported with the first refresh, not at start-up
    from feedreader.core.feeds.discover import FoundFeed
    from feedreader.core.feeds.refresh import FeedResult, Probe, RefreshSummary
    from feedreader.core.feeds.store import Feed
    from feedreader.core.rules.scoring import RulesReport
    from feedreader.core.sync.engine import SyncReport


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


# -- feeds (ui/sources.py) ---------------------------------------------------------


@dataclass
class FeedsListed(Message):
    """The subscriptions as the feed store has them now (names, folders, errors)."""

    feeds: list[Feed]


@dataclass
class FeedsProgress(Message):
    """A refresh of feeds has done ``done`` of ``total`` feeds, ``failed`` of them failed."""

    done: int
    total: int
    failed: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FeedsProgress)


@dataclass
class FeedsRefreshed(Message):
    """A refresh of feeds is over: its summary (None: nothing was due, or
    ``error``: it could not run) and how many old entries were pruned."""

    summary: RefreshSummary | None
    pruned: int = 0
    error: str | None = None
    quiet: bool = False         # the start-up refresh: says nothing when all went well
    synced: int = 0             # feeds asked for that the feed server brings (sync), not fetched here


@dataclass
class FeedProbed(Message):
    """``url`` was fetched to subscribe to it: a feed (``Probe``), the feeds the
    page links to (a list, maybe empty), or ``error``."""

    url: str
    found: Probe | list[FoundFeed] | None
    error: str | None = None


@dataclass
class FeedAdded(Message):
    """A subscription was made (``result``: its first refresh) or not (``error``)."""

    url: str
    probe: Probe | None
    result: FeedResult | None
    error: str | None = None


@dataclass
class FeedsImported(Message):
    """Subscriptions were read from ``name``: ``added`` feed ids, ``existing``
    already subscribed, ``problems`` skipped lines (``error``: unreadable file)."""

    name: str
    added: list[int]
    existing: int
    problems: tuple[str, ...]
    error: str | None = None


@dataclass
class SourcesGrouped(Message):
    """The article keys of each source folder and feed (sources pane), read
    off the UI thread at the index generation ``generation``."""

    generation: int
    groups: dict[str, set[int]]


# -- stories and rules (ui/storying.py) ------------------------------------------------


@dataclass
class StoriesGrouped(Message):
    """A grouping of the index into stories is done (``data``: its stories;
    ``rules``: what the scoring rules did after it, or ``error``)."""

    data: StoryData
    rules: RulesReport | None = None
    error: str | None = None
    skipped: bool = False       # the library is over [stories] group_limit: not grouped


# -- sync with a feed server (ui/syncing.py) ----------------------------------------------


@dataclass
class SyncUpdate(Message):
    """A background sync's news: its stage (``finished`` False), or its end: the report, or ``error``
    (a sentence, never a secret), when it last worked and when the next one is due (Unix times)."""

    stage: str = ""
    has_account: bool = True
    finished: bool = False
    report: SyncReport | None = None
    error: str | None = None
    last_sync: float | None = None
    next_at: float = float("inf")

    def can_replace(self, message: Message) -> bool:
        return not self.finished and isinstance(message, SyncUpdate) and not message.finished
