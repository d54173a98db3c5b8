"""The feed work of the app: refresh (``r``, ``R``, at start), add a feed,
import subscriptions; each in a thread worker with an event loop, a fetcher
and a feed-store connection of its own, reporting in messages
(``feedreader.ui.messages``: ``FeedsListed``, ``FeedsProgress``,
``FeedsRefreshed``, ``FeedProbed``, ``FeedAdded``, ``FeedsImported``) posted
to the sources pane, which hands them to :meth:`FeedJobs.handle`.

The steps are the command line's (``feedreader feed refresh|add|import``):
``core.feeds.refresh.refresh_and_prune``, ``subscribe`` and
``add_subscription``, ``core.feeds.opml.load_subscriptions``; the fetcher is
``session.feed_fetcher``. Notices are plain text (``markup=False``): feed
titles and errors come from the web.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from textual.message import Message
from textual.widgets import ProgressBar

from feedreader.session import feed_fetcher
from feedreader.ui.messages import FeedAdded, FeedProbed, FeedsImported, FeedsListed, FeedsProgress, FeedsRefreshed
from feedreader.ui.safe import plural

if TYPE_CHECKING:
    from feedreader.core.feeds.refresh import Probe
    from feedreader.core.feeds.store import FeedStore
    from feedreader.ui.sources import SourcesController

log = logging.getLogger("feedreader.ui")

Which = Literal["due", "all"] | list[int]
MAX_FAILURES_SHOWN = 5


class FeedJobs:
    """Starts the feed workers and applies what they report (on the UI thread)."""

    def __init__(self, sources: SourcesController) -> None:
        self.sources = sources
        self.app = sources.app
        self.settings = sources.settings
        self.refreshing = False
        self._bar_shown = False
        self.folder = ""            # the folder of the feed being added (the add dialog's)

    @property
    def entries_dir(self) -> Path:
        assert self.sources.feed_entries is not None
        return self.sources.feed_entries

    def _post(self, message: Message) -> None:
        self.sources.post(message)

    def _store(self) -> FeedStore:
        from feedreader.core.feeds.store import FeedStore

        assert self.sources.feed_store is not None
        return FeedStore(self.sources.feed_store)

    def _run(self, work: Callable[[], None], name: str) -> None:
        self.app.run_worker(work, name=name, group="feeds", thread=True, exit_on_error=False)

    def notify(self, text: str, *, severity: Any = "information", timeout: float = 5) -> None:
        self.app.notify(text, severity=severity, timeout=timeout, markup=False)

    # -- list ---------------------------------------------------------------------
    def list_feeds(self) -> None:
        def work() -> None:
            store = self._store()
            try:
                self._post(FeedsListed(store.list()))
            finally:
                store.close()

        self._run(work, "_feeds_list")

    # -- refresh --------------------------------------------------------------------
    def refresh(self, which: Which, *, quiet: bool = False) -> None:
        """Refresh the feeds that are due, all of them, or these ids, in the background."""
        if self.sources.feed_store is None or self.sources.feed_entries is None:
            return
        if self.refreshing:
            if not quiet:
                self.notify("A refresh of feeds is running already.", timeout=2)
            return
        self.refreshing = True
        _read, _hidden, flagged = self.sources.model.mark_sets()
        self._run(partial(self._refresh, which, quiet, list(flagged)), "_feeds_refresh")

    def _refresh(self, which: Which, quiet: bool, flagged: list[int]) -> None:
        """(A thread.)"""
        from feedreader.core.feeds.store import StoreError

        try:
            store = self._store()
        except StoreError as exc:
            self._post(FeedsRefreshed(None, error=str(exc), quiet=quiet))
            return
        try:
            if which == "due":
                feeds = store.due()
            else:
                asked = store.list() if which == "all" else [f for f in (store.get(i) for i in which) if f is not None]
                feeds = [f for f in asked if not f.from_server]   # the feed server's come by sync
            self._post(FeedsListed(store.list()))
            if not feeds:
                self._post(FeedsRefreshed(None, quiet=quiet, synced=0 if which == "due" else len(asked)))
                return
            failed = 0
            self._post(FeedsProgress(0, len(feeds), 0))

            def progress(done: int, total: int, result: Any) -> None:
                nonlocal failed
                failed += not result.ok
                self._post(FeedsProgress(done, total, failed))

            # imported once there is a feed to fetch (httpx, the parser: ~0.1 s of CPU at start)
            from feedreader.core.feeds.refresh import refresh_and_prune

            async def run() -> Any:
                async with feed_fetcher(self.settings) as fetcher:
                    return await refresh_and_prune(
                        store, fetcher, feeds, self.entries_dir,
                        refresh_every=self.settings.feeds.refresh_every, keep_days=self.settings.feeds.keep_days,
                        keep_files=partial(self._files_of, flagged), rng=random.Random(), on_progress=progress)

            summary, pruned = asyncio.run(run())
            self._post(FeedsListed(store.list()))
            self._post(FeedsRefreshed(summary, len(pruned), quiet=quiet))
        except Exception as exc:  # noqa: BLE001 - reported, and the next refresh may start
            log.exception("feed refresh failed")
            self._post(FeedsRefreshed(None, error=f"the refresh failed: {exc}", quiet=quiet))
        finally:
            store.close()

    def _files_of(self, aids: list[int]) -> list[str]:
        """(The refresh's thread.) The files of the flagged articles: pruning keeps them."""
        from feedreader.core.library.scopes import paths_of, read_connection

        if not aids:
            return []
        conn = read_connection(self.sources.library.index.db_path)
        try:
            return paths_of(conn, aids)
        finally:
            conn.close()

    def progress(self, message: FeedsProgress) -> None:
        """The app's progress bar (the indexing one) while no index refresh uses it."""
        self.sources.note = f"feeds {message.done:,}/{message.total:,}" + (
            f", {message.failed:,} failed" if message.failed else "")
        self.sources.update_header()
        if any(w.group == "index" and w.is_running for w in self.app.workers):
            return
        bar = self.app.query_one("#indexing", ProgressBar)
        bar.update(total=max(1, message.total), progress=message.done)
        bar.display = True
        self._bar_shown = True

    def refreshed(self, message: FeedsRefreshed) -> None:
        self.refreshing = False
        self.sources.note = ""
        self.sources.update_header()
        if self._bar_shown:
            self._bar_shown = False
            if not any(w.group == "index" and w.is_running for w in self.app.workers):
                self.app.query_one("#indexing", ProgressBar).display = False
        if message.error is not None:
            self.notify(f"Feeds: {message.error}", severity="error", timeout=10)
            return
        summary = message.summary
        if summary is None:
            if message.synced:
                self.notify("Those entries come from your feed server: a sync brings them (not a refresh here).",
                            timeout=4)
            elif not message.quiet:
                self.notify("No feeds to refresh.", timeout=2)
            return
        failed = summary.failed
        if failed:
            lines = [f"{r.name}: {r.error}" for r in failed[:MAX_FAILURES_SHOWN]]
            if len(failed) > MAX_FAILURES_SHOWN:
                lines.append(f"and {len(failed) - MAX_FAILURES_SHOWN:,} more (feedreader feed list)")
            self.notify("\n".join(lines), severity="error", timeout=10)
        if not message.quiet or summary.new:
            self.notify(f"{plural(len(summary.results), 'feed')} refreshed: {plural(summary.new, 'new entry', 'new entries')}, "
                        f"{summary.changed:,} updated, {summary.not_modified:,} not modified, "
                        f"{len(failed):,} failed", timeout=4)
        if summary.new or summary.changed or message.pruned:
            self.sources.rescan()

    # -- add ------------------------------------------------------------------------
    def ask_add(self) -> None:
        from feedreader.ui.feed_dialogs import AddFeedScreen

        if self.sources.feed_store is None:
            self.notify("Feeds are not available in this run.", severity="warning")
            return
        self.app.push_screen(AddFeedScreen([f.folder for f in self.sources.feeds]), self.add)

    def add(self, chosen: tuple[str, str] | str | None) -> None:
        """Subscribe to ``(url, folder)`` (or a URL: the top level)."""
        from feedreader.core.feeds.opml import clean_folder
        from feedreader.core.text import check_url, url_problem

        if not chosen:
            return
        url, folder = (chosen, "") if isinstance(chosen, str) else chosen
        if check_url(url) is None:
            self.notify(f"Cannot subscribe to {url}: it {url_problem(url)}", severity="warning")
            return
        self.folder = clean_folder(folder)
        self.notify(f"Looking at {url}…", timeout=2)
        self._run(partial(self._probe, url), "_feed_probe")

    def _probe(self, url: str) -> None:
        """(A thread.) Fetch ``url``: a feed, or the feeds the page links to."""
        from feedreader.core.feeds.refresh import SubscribeError, subscribe

        store = self._store()
        try:
            if store.get(url) is not None:
                self._post(FeedProbed(url, None, f"{url} is subscribed already"))
                return
        finally:
            store.close()

        async def run() -> Any:
            async with feed_fetcher(self.settings) as fetcher:
                return await subscribe(fetcher, url)

        try:
            self._post(FeedProbed(url, asyncio.run(run())))
        except SubscribeError as exc:
            self._post(FeedProbed(url, None, str(exc)))

    def probed(self, message: FeedProbed) -> None:
        from feedreader.ui.feed_dialogs import PickScreen

        found = message.found
        if message.error is not None or found is None:
            self.notify(f"Cannot subscribe to {message.url}: {message.error}", severity="error", timeout=8)
        elif not isinstance(found, list):
            self._subscribe(message.url, found)
        elif not found:
            self.notify(f"{message.url} is a web page that links to no feed.", severity="warning", timeout=6)
        elif len(found) == 1:
            self._subscribe(message.url, found[0].url)
        else:
            def picked(index: int | None) -> None:
                if index is not None and isinstance(found, list):
                    self._subscribe(message.url, found[index].url)

            self.app.push_screen(PickScreen(f"{message.url} links to {len(found)} feeds: which one?",
                                            [(f.title or f.url, f"{f.kind} · {f.url}") for f in found]), picked)

    def _subscribe(self, url: str, found: Probe | str) -> None:
        self._run(partial(self._add, url, found, self.folder), "_feed_add")

    def _add(self, url: str, found: Probe | str, folder: str = "") -> None:
        """(A thread.) Subscribe and store the first entries."""
        from feedreader.core.feeds.refresh import SubscribeError, add_subscription
        from feedreader.core.feeds.store import DuplicateFeed

        store = self._store()
        try:
            async def run() -> Any:
                async with feed_fetcher(self.settings) as fetcher:
                    return await add_subscription(store, fetcher, found, self.entries_dir, folder=folder,
                                                  refresh_every=self.settings.feeds.refresh_every,
                                                  rng=random.Random())

            try:
                probe, result = asyncio.run(run())
            except (SubscribeError, DuplicateFeed) as exc:
                self._post(FeedAdded(url, None, None, str(exc)))
                return
            self._post(FeedsListed(store.list()))
            self._post(FeedAdded(url, probe, result))
        finally:
            store.close()

    def added(self, message: FeedAdded) -> None:
        probe, result = message.probe, message.result
        if message.error is not None or probe is None or result is None:
            self.notify(f"Cannot subscribe to {message.url}: {message.error}", severity="error", timeout=8)
            return
        self.notify(f"Subscribed to {result.name}: {plural(len(probe.feed.entries), 'entry', 'entries')}, {result.new:,} new",
                    timeout=5)
        if not result.ok:
            self.notify(f"But its entries could not be stored: {result.error}", severity="error", timeout=10)
        self._after_new_feeds()

    def _after_new_feeds(self) -> None:
        entries = self.entries_dir.resolve()
        if not any(Path(s).resolve() == entries for s in self.sources.library.sources):
            self.notify("Start feedreader again to list the entries of feeds with these documents "
                        "(the feeds join the list at start when no PATH is given).", severity="warning",
                        timeout=10)
            return
        self.sources.rescan()

    # -- import ----------------------------------------------------------------------
    def ask_import(self) -> None:
        from feedreader.ui.feed_dialogs import AskScreen

        if self.sources.feed_store is None:
            self.notify("Feeds are not available in this run.", severity="warning")
            return
        self.app.push_screen(
            AskScreen("Import subscriptions", "An OPML file, or newsboat's urls file. enter imports, escape cancels.",
                      placeholder="~/subscriptions.opml"),
            self.import_file)

    def import_file(self, path: str | None) -> None:
        if path:
            self._run(partial(self._import, Path(path).expanduser()), "_feeds_import")

    def _import(self, path: Path) -> None:
        """(A thread.)"""
        from feedreader.core.feeds.opml import load_subscriptions

        try:
            result = load_subscriptions(path)
        except OSError as exc:
            self._post(FeedsImported(path.name, [], 0, (), f"cannot read {path} ({exc.strerror or exc})"))
            return
        store = self._store()
        try:
            added, existing = store.add_many(result.feeds)
            self._post(FeedsListed(store.list()))
        except ValueError as exc:
            self._post(FeedsImported(path.name, [], 0, result.problems, str(exc)))
            return
        finally:
            store.close()
        self._post(FeedsImported(path.name, [f.id for f in added], len(existing), result.problems))

    def imported(self, message: FeedsImported) -> None:
        if message.error is not None:
            self.notify(f"Import: {message.error}", severity="error", timeout=8)
            return
        self.notify(f"Imported {plural(len(message.added), 'feed')} from {message.name} ({message.existing:,} subscribed "
                    f"already, {plural(len(message.problems), 'problem')})",
                    severity="warning" if message.problems else "information", timeout=6)
        if message.problems:
            self.notify("\n".join(message.problems[:MAX_FAILURES_SHOWN]), severity="warning", timeout=10)
        if message.added:
            self.refresh(message.added)

    # -- messages -----------------------------------------------------------------------
    def handle(self, message: Message) -> None:
        if isinstance(message, FeedsProgress):
            self.progress(message)
        elif isinstance(message, FeedsRefreshed):
            self.refreshed(message)
        elif isinstance(message, FeedProbed):
            self.probed(message)
        elif isinstance(message, FeedAdded):
            self.added(message)
        elif isinstance(message, FeedsImported):
            self.imported(message)
