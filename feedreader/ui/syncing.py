"""The app's background sync with the feed server (``feedreader sync`` in a thread).

When ``feedreader sync setup`` has stored an account (``sync-account.json``
beside the feed store), the app syncs at start and then every
``[sync] sync_every`` (``0``: only at start); after a failure it tries again
after 60 s, 2 min, 4 min ... (``core.sync.engine.next_sync_at``), never later
than ``sync_every`` would. A sync runs in a thread worker with its own feed
store, sync state, marks connection and HTTP client, and reports in
:class:`~feedreader.ui.messages.SyncUpdate` messages; no key ever waits on
it. The header shows its state (``syncing…``, ``synced 2 min ago``,
``sync failed: reason``); a failure is also a notification (once per run of
failures) and a log line. Every message is plain text; the server's client
already keeps the password and the token out of every error.

After a sync the app takes what changed: the index is refreshed when entries
or feeds came or went (the list keeps its cursor on its article, as for any
index refresh), and marks pulled from the server are picked up as marks made
by another feedreader are (``MarksController.check_other_instances``). A mark
made in the app needs nothing here: it is the difference between the marks
store and what the last sync agreed, sent at the next sync. Feeds added or
removed in the app (or by ``feedreader feed``) go to the server at the next
sync too (``core.sync.feedsync``).

No sync runs when the marks cannot be saved (a read-only marks store): its
marks would be sent and then forgotten.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App

from feedreader.config import Settings
from feedreader.core.marks.store import StateStore
from feedreader.paths import Paths
from feedreader.ui.messages import SyncUpdate
from feedreader.ui.safe import plural

if TYPE_CHECKING:
    from feedreader.core.sync.engine import SyncReport
    from feedreader.ui.marking import MarksController

log = logging.getLogger("feedreader.ui.sync")

TICK = 20.0                 # seconds between looks at the schedule (and repaints of "synced N min ago")
NOTE_LIMIT = 60             # characters of a failure's reason in the header
MAX_PROBLEMS_SHOWN = 3


def ago(seconds: float) -> str:
    """``just now``, ``2 min ago``, ``3 h ago``, ``2 days ago``."""
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400 * 2:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} days ago"


def short(text: str, limit: int = NOTE_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class SyncController:
    """Schedules the background syncs and applies what they report (on the UI thread)."""

    def __init__(self, app: App[Any], *, settings: Settings, state: StateStore, marks: MarksController,
                 feed_store: Path | None, feed_entries: Path | None, update_header: Callable[[], None],
                 rescan: Callable[[], None], list_feeds: Callable[[], None],
                 clock: Callable[[], float] = time.time) -> None:
        self.app = app
        self.every = settings.sync.sync_every
        self.timeout = settings.fetch.timeout
        self.state = state
        self.marks = marks
        self.feed_store = feed_store
        self.feed_entries = feed_entries
        self.update_header = update_header
        self.rescan = rescan
        self.list_feeds = list_feeds
        self.clock = clock
        # the account and the sync state live beside the feed store, in the data dir (Paths names them)
        paths = Paths(*(feed_store.parent,) * 4) if feed_store is not None else None
        self.account_path = paths.sync_account if paths else None
        self.state_path = paths.sync_state if paths else None
        self.running = False
        self.has_account = False
        self.last_sync: float | None = None
        self.error: str | None = None
        self.stage = ""
        self.next_at = 0.0           # Unix time of the next sync (0: at once; inf: none planned)
        self.syncs = 0               # finished (for tests)

    # -- schedule -----------------------------------------------------------------------------
    def start(self) -> None:
        """At mount: the first sync now (if there is an account), then a look at the schedule every TICK."""
        if self.account_path is None or self.feed_entries is None:
            return
        self.sync_now(quiet=True)
        self.app.set_interval(TICK, self.tick)

    def tick(self) -> None:
        if self.has_account:
            self.update_header()            # "synced 3 min ago" moves on
        if not self.running and self.clock() >= self.next_at:
            self.sync_now(quiet=True)

    def sync_now(self, *, quiet: bool = False) -> None:
        if self.running or self.account_path is None:
            return
        if not self.state.persistent:
            if self.has_account and not quiet:
                self.app.notify("Sync is off while the marks cannot be saved.", severity="warning", markup=False)
            return
        self.running = True
        self.stage = ""
        self.app.run_worker(self._work, name="_sync", group="sync", thread=True, exit_on_error=False)

    @property
    def note(self) -> str:
        """For the header ("" without an account)."""
        if self.running and self.has_account:
            return f"syncing… {self.stage}".rstrip()
        if not self.has_account:
            return ""
        if self.error is not None:
            return f"sync failed: {short(self.error)}"
        if self.last_sync is None:
            return "not synced yet"
        return f"synced {ago(max(0.0, self.clock() - self.last_sync))}"

    # -- the worker ------------------------------------------------------------------------------
    def _post(self, message: SyncUpdate) -> None:
        self.app.post_message(message)

    def _work(self) -> None:
        """(A thread.) One sync; whatever happens, one finished SyncUpdate."""
        try:
            self._post(self._sync())
        except Exception as exc:     # a bug: say so in a word, the traceback goes to the log only
            log.exception("background sync failed")
            self._post(SyncUpdate(finished=True, has_account=True, error=f"unexpected error ({type(exc).__name__})"))

    def _sync(self) -> SyncUpdate:
        assert self.account_path is not None
        if not os.path.lexists(self.account_path):   # no account: nothing to import (httpx: ~0.1 s at start)
            return SyncUpdate(finished=True, has_account=False, next_at=self.clock() + TICK)
        import httpx

        from feedreader import __version__
        from feedreader.core.feeds.store import FeedStore, StoreError
        from feedreader.core.sync.account import AccountError, load_account
        from feedreader.core.sync.engine import Sync, next_sync_at
        from feedreader.core.sync.greader import GReaderClient, SyncError
        from feedreader.core.sync.state import StateError, SyncState

        assert self.account_path is not None and self.state_path is not None and self.feed_entries is not None
        assert self.feed_store is not None
        try:
            account = load_account(self.account_path)
        except AccountError as exc:
            return SyncUpdate(finished=True, has_account=True, error=str(exc), next_at=self.clock() + 3600)
        if account is None:       # looked at again at the next tick: `sync setup` may come while the app runs
            return SyncUpdate(finished=True, has_account=False, next_at=self.clock() + TICK)
        self._post(SyncUpdate(stage="", has_account=True))

        def progress(stage: str, done: int, total: int) -> None:
            self._post(SyncUpdate(stage=f"{stage} {done:,}/{total:,}" if total > 1 else stage, has_account=True))

        report: SyncReport | None = None
        error: str | None = None
        busy = False                # another sync of this data dir runs: look again in a minute
        try:
            feeds = FeedStore(self.feed_store)
        except StoreError as exc:
            return SyncUpdate(finished=True, has_account=True, error=str(exc), next_at=self.clock() + 600)
        try:
            state = SyncState(self.state_path)
        except StateError as exc:
            feeds.close()
            return SyncUpdate(finished=True, has_account=True, error=str(exc), next_at=self.clock() + 600)
        marks = StateStore.open(self.state.path)
        if not marks.persistent:        # fell back to memory: pulled marks would be agreed on and then lost
            why = "; ".join(marks.pop_warnings()) or "it cannot be written"
            marks.close()
            feeds.close()
            state.close()
            return SyncUpdate(finished=True, has_account=True, error=f"cannot open the marks store ({why})",
                              next_at=self.clock() + 600)
        try:
            with httpx.Client(timeout=httpx.Timeout(self.timeout), follow_redirects=False,
                              headers={"User-Agent": f"feedreader/{__version__} (sync)"}) as http:
                client = GReaderClient(http, account.url, auth=account.auth, page_size=10_000)
                try:
                    report = Sync(client, feeds, marks, state, self.feed_entries, progress=progress,
                                  push_since=account.created).run()
                except SyncError as exc:
                    error = exc.message + (" (run: feedreader sync setup URL --user NAME)"
                                           if exc.kind == "auth" else "")
                    busy = exc.kind == "busy"
                except (StoreError, StateError, OSError) as exc:
                    error = f"cannot write the synced data ({getattr(exc, 'strerror', None) or exc})"
                    state.record_failure(error)
            status = state.status()
        finally:
            feeds.close()
            state.close()
            marks.close()
        return SyncUpdate(finished=True, has_account=True, report=report, error=error, last_sync=status.last_sync,
                          next_at=self.clock() + 60 if busy else next_sync_at(status, self.every))

    # -- on the UI thread --------------------------------------------------------------------------
    def handle(self, message: SyncUpdate) -> None:
        self.has_account = message.has_account
        if not message.finished:
            self.stage = message.stage
            self.update_header()
            return
        self.running = False
        self.syncs += 1
        self.next_at = message.next_at
        self.stage = ""
        first_failure = message.error is not None and self.error != message.error
        self.error = message.error
        if message.last_sync is not None:
            self.last_sync = message.last_sync
        if message.error is not None:
            log.warning("sync failed: %s", message.error)
            if first_failure:
                self.app.notify(f"Sync failed, nothing was lost: {message.error}", title="Sync",
                                severity="error", timeout=10, markup=False)
        report = message.report
        if report is not None:
            self._took(report)
        self.update_header()

    def _took(self, report: SyncReport) -> None:
        log.info("synced: %d new entries, %d marks sent, %d received, %d conflicts in %.1f s",
                 report.new_entries, report.sent_total, report.received_total, len(report.conflicts),
                 report.seconds)
        feeds_changed = bool(report.feeds_added or report.feeds_removed or report.feeds_moved
                             or report.unsubscribed or report.subscribed)
        if report.received_total:
            self.marks.check_other_instances()      # the marks the sync wrote (another connection)
        if report.new_entries or feeds_changed or report.merged:
            self.rescan()
        if feeds_changed:
            self.list_feeds()
        lines = [f"note: {p}" for p in report.problems[:MAX_PROBLEMS_SHOWN]]
        if len(report.problems) > MAX_PROBLEMS_SHOWN:
            lines.append(f"and {len(report.problems) - MAX_PROBLEMS_SHOWN:,} more (feedreader sync)")
        if lines:
            self.app.notify("\n".join(lines), title="Sync", severity="warning", timeout=8, markup=False)
        if report.conflicts:
            self.app.notify(f"{plural(len(report.conflicts), 'article')} changed here and on the server: the later "
                            "change won", title="Sync", timeout=6, markup=False)
