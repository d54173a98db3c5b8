"""The composition root: where the command line and the app get their parts.

``Session.from_args(args)`` resolves the paths (options, environment, the
platform's dirs), sets up the log file, loads the settings and decides which
documents to read (the paths given, else the config's sources, else the
built-in samples), with the subscribed feeds' entries beside them when
no path is given. Its ``open_*`` methods open the library (the index in the
cache dir), the marks store (data dir) and the page cache: the same parts,
opened the same way, for ``feedreader.cli`` and ``feedreader.ui``.

Nothing heavy is imported here at import time: the core modules (SQLite,
httpx) load when a part is opened, so ``feedreader --help`` stays quick.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from feedreader.config import Settings, load_settings
from feedreader.paths import Paths, builtin_library

if TYPE_CHECKING:   # each loads SQLite (or httpx): imported when opened, not at start-up
    from feedreader.core.feeds.store import FeedStore
    from feedreader.core.library.library import Library
    from feedreader.core.library.search import Scopes
    from feedreader.core.marks.store import StateStore
    from feedreader.core.model import Problem
    from feedreader.core.web.fetch import Fetcher
    from feedreader.core.web.pagecache import PageCache

log = logging.getLogger("feedreader")


@dataclass
class Session:
    """Paths, settings and sources of one run; opens the parts built on them."""

    paths: Paths
    settings: Settings
    sources: list[Path]
    library_name: str

    @classmethod
    def from_args(cls, args: Any) -> Self:
        """From parsed options (``data_dir``, ``cache_dir``, ``config_dir``,
        ``paths``; any of them may be missing)."""
        paths = Paths.resolve(
            data_dir=getattr(args, "data_dir", None),
            cache_dir=getattr(args, "cache_dir", None),
            config_dir=getattr(args, "config_dir", None),
        )
        setup_logging(paths)
        settings = load_settings(paths.config_file)
        for problem in settings.problems:
            log.warning("%s", problem)
        given = [Path(p).expanduser() for p in getattr(args, "paths", None) or []]
        if given:
            sources, name = given, ", ".join(p.resolve().name or str(p) for p in given)
        elif settings.sources:
            sources = [config_source(s, paths.config_file) for s in settings.sources]
            name = ", ".join(settings.sources)
        else:
            sources, name = [builtin_library()], "samples"
        if not given:
            # subscribed feeds' entries are documents too (HACKING.md "Feeds"):
            # with no PATH they join the configured sources in one list, always
            # (even before the first feed: one added in the app lists at once)
            if paths.feed_entries.is_dir():
                name += " + feeds"
            sources.append(paths.feed_entries)
        return cls(paths, settings, sources, name)

    def open_library(self, *, make_feed_folder: bool = True) -> Library:
        """The library on the sources, its index in the cache dir (not refreshed),
        with ``feed:``/``folder:`` names resolved through the subscriptions.
        ``make_feed_folder``: the feed entries folder is made when missing (the
        app: a first feed added in it lists at once); a command that only reads
        passes False and writes nothing in the data dir (see ``quiet_feed_folder``)."""
        from feedreader.core.library.library import Library

        if make_feed_folder and self.paths.feed_entries in self.sources:
            try:   # the folder a first feed's entries go to: a source from the start
                self.paths.feed_entries.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                log.warning("cannot create %s (%s)", self.paths.feed_entries, exc.strerror or exc)
        library = Library.open(self.paths.cache_dir, self.sources, self.library_name)
        library.scopes = self.scopes_for(library)
        return library

    def quiet_feed_folder(self, problems: list[Problem]) -> list[Problem]:
        """A refresh's problems without "cannot open" for a feed entries folder
        that does not exist yet (no feed was ever added: nothing to read there)."""
        folder = self.paths.feed_entries
        if folder not in self.sources or folder.exists():
            return problems
        return [p for p in problems if p.path != str(folder)]

    def scopes_for(self, library: Library) -> Scopes:
        """``feed:``/``folder:`` names: the subscribed feeds, then the library's folders."""
        from feedreader.core.feeds.scopes import feed_scopes
        from feedreader.core.feeds.store import StoreError, read_feeds

        feeds = []
        if self.paths.feed_store.exists():
            try:
                feeds = read_feeds(self.paths.feed_store)
            except StoreError as exc:
                log.warning("%s; feed: and folder: know only the document folders", exc)
        return feed_scopes(feeds, self.paths.feed_entries, library.source_scopes)

    def open_marks(self) -> StateStore:
        """The marks store in the data dir."""
        from feedreader.core.marks.store import StateStore

        return StateStore.open(self.paths.state_db)

    def open_page_cache(self) -> PageCache:
        """The saved pages in the cache dir."""
        from feedreader.core.web.pagecache import PageCache

        return PageCache(self.paths.page_cache)

    def open_feed_store(self) -> FeedStore:
        """The subscriptions store in the data dir (``StoreError`` with a sentence)."""
        from feedreader.core.feeds.store import FeedStore

        return FeedStore(self.paths.feed_store)

    def open_feed_fetcher(self) -> Fetcher:
        return feed_fetcher(self.settings)


def feed_fetcher(settings: Settings) -> Fetcher:
    """The fetcher that refreshes feeds: the fetch settings and the address
    guard of ``settings``, no page cache (the command line and the app, which
    makes one per refresh in its worker thread: an httpx client belongs to
    one event loop)."""
    from feedreader.core.web.fetch import Fetcher

    return Fetcher(settings.fetch, None, allow_private=settings.allow_private_hosts)


def config_source(entry: str, config_file: Path) -> Path:
    """A ``sources`` entry of the config file: ``~`` expanded, and a relative
    one taken from the config file's folder (not from wherever the command runs)."""
    path = Path(entry).expanduser()
    return path if path.is_absolute() else config_file.parent / path


def setup_logging(paths: Paths) -> None:
    """Log warnings and errors to ``feedreader.log`` in the user log dir."""
    root = logging.getLogger("feedreader")
    if any(getattr(h, "_feedreader", False) for h in root.handlers):
        return
    try:
        paths.log_dir.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(paths.log_file, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler._feedreader = True  # type: ignore[attr-defined]  # a mark on the handler: set up once
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
