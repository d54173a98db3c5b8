"""One two-way sync with a Google Reader API server.

    with SyncState(paths.sync_state) as state:
        report = Sync(client, feed_store, marks, state, paths.feed_entries).run()
        report = run_with_retries(lambda: Sync(...).run(), attempts=3)

What a sync does, in this order:

1. **Read** (network only, nothing written): the subscriptions; every item id
   of the reading list and of the starred stream, and the unread ones
   (``stream/items/ids``: three listings whatever the size of the change, so
   that an entry crawled late with an old date is not missed -- Miniflux's
   ``ot`` filters on the *published* date, so ``ot`` cannot find "new since
   the last sync"); the contents of the items not seen before
   (``stream/items/contents`` in batches); a snapshot of the local marks.
2. **Plan** (pure): subscriptions added/removed/moved on either side; for
   every item the three-way merge of :mod:`~feedreader.core.sync.merge`
   against what the last sync agreed (:class:`~feedreader.core.sync.state.SyncState`).
   The difference between a local mark and that base is the queue of marks
   made offline. Conflicting items get their server change time from one
   more ``stream/items/contents`` call. ``dry_run`` stops here.
3. **Send**: ``edit-tag`` in batches (many ``i=`` per request, one request
   per tag and direction per batch); ``read`` only for entries the server
   has unread, ``unread`` only for read ones (Miniflux 2.2.6 toggles an
   already-read entry when told "read"); unsubscribes and folder moves made
   here.
4. **Apply locally**: feeds added/adopted/removed/moved in the
   :class:`~feedreader.core.feeds.store.FeedStore` (server feeds are
   scheduled never to be fetched by a local refresh: ``next_check`` at the
   end of year 9999), new entries written by the refresh's writer, pulled
   marks merged into the marks store in one transaction (``import_``: a
   local change made meanwhile is newer and is kept), then everything agreed
   committed to the sync state in one transaction.

A failure in 1-2 changes nothing anywhere. A failure in 3 or 4 leaves a
state the next sync completes without losing or doubling anything: every
step compares with what is there (a mark already sent is "both changed the
same way"; an entry already written is known to the feed store; a feed
already added is found by its URL). Hidden marks never leave this machine.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from feedreader.core.feeds.entries import FeedEntry
from feedreader.core.feeds.opml import Subscription as OpmlSubscription
from feedreader.core.feeds.opml import clean_folder
from feedreader.core.feeds.store import NEVER, Feed, FeedStore
from feedreader.core.marks.exchange import Entry, write_state_file
from feedreader.core.marks.store import StateStore
from feedreader.core.sync.feedsync import local_additions, local_documents, subscribe_on_server
from feedreader.core.sync.greader import READ, STARRED, GReaderClient, Item, Subscription, Subscriptions, SyncError
from feedreader.core.sync.items import entry_file, entry_of, identity_of_entry, provider_name, write_entries
from feedreader.core.sync.marksview import local_marks
from feedreader.core.sync.merge import NO_ROW, Decision, Local, decide, in_conflict
from feedreader.core.sync.state import KnownFeed, KnownItem, SyncState, SyncStatus
from feedreader.core.text import clean_text

__all__ = ["NEVER", "Conflict", "Progress", "Sync", "SyncReport", "local_marks", "next_sync_at",
           "queued_marks", "run_with_retries", "server_managed"]

Progress = Callable[[str, int, int], None]     # (stage, done, total)


@dataclass(frozen=True, slots=True)
class Conflict:
    """An article changed on both sides: which mark, who won, and the state that lost."""

    identity: str
    title: str
    mark: str                  # "read" or "flagged"
    winner: str                # "local" or "server"
    lost: bool                 # the losing side's value


@dataclass
class SyncReport:
    dry_run: bool = False
    feeds_added: list[str] = field(default_factory=list)
    feeds_removed: list[str] = field(default_factory=list)       # unsubscribed on the server
    feeds_moved: list[str] = field(default_factory=list)
    unsubscribed: list[str] = field(default_factory=list)        # removed here, so on the server too
    subscribed: list[str] = field(default_factory=list)          # added here, so on the server too
    merged: int = 0                  # server items that are a local feed's entry already (not written twice)
    new_entries: int = 0
    sent: dict[str, int] = field(default_factory=lambda: {"read": 0, "unread": 0, "starred": 0, "unstarred": 0})
    received: dict[str, int] = field(default_factory=lambda: {"read": 0, "unread": 0, "flagged": 0,
                                                              "unflagged": 0})
    conflicts: list[Conflict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    requests: int = 0
    seconds: float = 0.0

    @property
    def sent_total(self) -> int:
        return sum(self.sent.values())

    @property
    def received_total(self) -> int:
        return sum(self.received.values())


def server_managed(feed: Feed) -> bool:
    """True for a feed whose entries come from the feed server (``Feed.from_server``)."""
    return feed.from_server


def queued_marks(state: SyncState, marks: StateStore) -> dict[str, int]:
    """Marks changed here since the last sync, not yet sent: {"read": n, "unread": n, ...}."""
    local = local_marks(marks)
    out = {"read": 0, "unread": 0, "starred": 0, "unstarred": 0}
    for item in state.items().values():
        mine = local.get(item.identity, NO_ROW)
        if mine.read != item.read:
            out["read" if mine.read else "unread"] += 1
        if mine.flagged != item.starred:
            out["starred" if mine.flagged else "unstarred"] += 1
    return out


def next_sync_at(status: SyncStatus, every: float, *, max_backoff: float = 3600.0) -> float:
    """When a background sync should run next (Unix time): at once if never synced, else ``every``
    after the last attempt; after failures in a row, 60 s, 2 min, 4 min ... (at most ``max_backoff``,
    and never later than ``every`` would be)."""
    last = status.last_attempt or status.last_sync
    if last is None:
        return 0.0
    if status.fail_count:
        wait = min(60.0 * 2 ** (status.fail_count - 1), max_backoff)
        return last + (min(wait, every) if every > 0 else wait)
    return last + every if every > 0 else float("inf")


def run_with_retries(attempt: Callable[[], SyncReport], *, attempts: int = 3, backoff: float = 2.0,
                     sleep: Callable[[float], None] = time.sleep,
                     on_retry: Callable[[SyncError, float], None] | None = None) -> SyncReport:
    """Run ``attempt`` again after a network or server failure, waiting ``backoff``, 2x, 4x ... seconds.

    Login and protocol failures are not retried (another try would fail the same way).
    """
    for n in range(1, attempts + 1):
        try:
            return attempt()
        except SyncError as exc:
            if exc.kind not in ("network", "server") or n == attempts:
                raise
            wait = backoff * 2 ** (n - 1)
            if on_retry is not None:
                on_retry(exc, wait)
            sleep(wait)
    raise AssertionError("unreachable")


@dataclass
class _Plan:
    """Everything a sync will change, computed before anything is changed."""

    add_feeds: list[Subscription] = field(default_factory=list)
    adopt: dict[str, Feed] = field(default_factory=dict)             # stream -> a local feed with its URL
    feed_of: dict[str, Feed] = field(default_factory=dict)           # stream -> local feed (kept or adopted)
    provider: dict[str, str] = field(default_factory=dict)           # stream -> provider name of its entries
    update_feeds: list[tuple[Feed, Subscription]] = field(default_factory=list)
    move_local: list[tuple[Feed, str]] = field(default_factory=list)
    move_server: list[tuple[str, str]] = field(default_factory=list)     # (stream, folder)
    remove_local: list[tuple[str, Feed]] = field(default_factory=list)   # unsubscribed on the server
    unsubscribe_server: list[str] = field(default_factory=list)          # removed here
    drop_feeds: list[str] = field(default_factory=list)
    keep_feeds: dict[str, KnownFeed] = field(default_factory=dict)
    new_items: dict[str, list[Item]] = field(default_factory=dict)       # stream -> items
    entries: dict[str, FeedEntry] = field(default_factory=dict)          # item id -> entry (new items)
    identities: dict[str, str] = field(default_factory=dict)             # item id -> identity (new items)
    send: dict[tuple[str, bool], list[str]] = field(default_factory=dict)   # (tag, add) -> ids
    pull: dict[str, Entry] = field(default_factory=dict)
    agreed: list[KnownItem] = field(default_factory=list)
    agreed_new: dict[str, Decision] = field(default_factory=dict)
    drop_items: list[str] = field(default_factory=list)


def _folder(sub: Subscription) -> str:
    return clean_folder(sub.folders[0]) if sub.folders else ""


class Sync:
    """One sync; see the module docstring."""

    def __init__(self, client: GReaderClient, feeds: FeedStore, marks: StateStore, state: SyncState,
                 entries_dir: Path, *, clock: Callable[[], float] = time.time,
                 progress: Progress | None = None, push_since: float | None = None) -> None:
        """``push_since``: local feeds added since then (the account's creation) are subscribed to on the
        server (None: none are)."""
        self.client, self.feeds, self.marks, self.state = client, feeds, marks, state
        self.push_since = push_since
        self.entries_dir = entries_dir
        self.clock = clock
        self.progress: Progress = progress or (lambda stage, done, total: None)
        self.report = SyncReport()

    def run(self, *, dry_run: bool = False) -> SyncReport:
        """One sync. Only one at a time per data dir (the app's and ``feedreader sync`` share the state):
        a second one raises SyncError(kind="busy") at once, changing nothing -- two syncs planned from
        the same state would send the same marks twice, and Miniflux 2.2.6 toggles "read" told twice."""
        started = time.monotonic()
        self.report = SyncReport(dry_run=dry_run)
        with self.state.exclusive() as mine:
            if not mine:
                raise SyncError("another sync of this data dir is running (the app's or feedreader sync); "
                                "try again when it is done", kind="busy")
            try:
                plan = self._read_and_plan(dry_run)
                if not dry_run:
                    self._send(plan)
                    self._apply(plan)
            except SyncError as exc:
                if not dry_run:
                    self.state.record_failure(exc.message)
                raise
        self.report.seconds = time.monotonic() - started
        return self.report

    # -- 1, 2: read and plan -----------------------------------------------------------
    def _listings(self) -> tuple[Subscriptions, tuple[str, ...], set[str], set[str]]:
        client = self.client
        self.progress("subscriptions", 0, 4)
        # the four listings at once (GETs, no shared state in the client): the wall time of the slowest
        with ThreadPoolExecutor(4, thread_name_prefix="sync-list") as pool:
            subs_f = pool.submit(client.subscriptions)
            ids_f = [pool.submit(client.item_ids), pool.submit(client.unread_ids), pool.submit(client.starred_ids)]
            subs = subs_f.result()
            self.progress("item ids", 1, 4)
            every = ids_f[0].result()
            self.progress("item ids", 2, 4)
            unread = set(ids_f[1].result())
            self.progress("item ids", 3, 4)
            starred = set(ids_f[2].result())
        return subs, every, unread, starred

    def _read_and_plan(self, dry_run: bool = False) -> _Plan:
        client, plan = self.client, _Plan()
        subs, every, unread, starred = self._listings()
        known, known_feeds = self.state.items(), self.state.feeds()
        if self.state.meta().get("server") not in (None, client.base_url):
            known, known_feeds = {}, {}        # another server: nothing agreed with the old one holds
        pushed: dict[str, Feed] = {}
        adding = local_additions(self.feeds.list(), {k.feed_id for k in known_feeds.values()},
                                 subs.subscriptions, self.push_since)
        if adding:
            self.report.subscribed = [f.name for f in adding]
            if not dry_run:               # the server fetches them: list again to see their entries
                self.progress("subscribing on the server", 0, len(adding))
                pushed = subscribe_on_server(client, adding, self.report.problems)
                self.report.subscribed = [f.name for f in pushed.values()]
                if pushed:
                    subs, every, unread, starred = self._listings()
        self.report.problems += subs.dropped
        on_server = dict.fromkeys([*every, *starred])
        streams = self._plan_feeds(plan, subs.subscriptions, known_feeds, pushed)

        new_ids = [i for i in on_server if i not in known]
        fetched: dict[str, Item] = {}
        for start in range(0, len(new_ids), client.batch_size):      # one request each
            self.progress("new entries", start, len(new_ids))
            got = client.items(new_ids[start:start + client.batch_size])
            self.report.problems += got.dropped
            fetched.update((i.id, i) for i in got.items)
        self.progress("new entries", len(new_ids), len(new_ids))
        for item in fetched.values():
            if item.feed_id in streams:
                plan.new_items.setdefault(item.feed_id, []).append(item)

        now = self.clock()
        now_ms = int(now * 1000)
        self._entries_of(plan, now)
        local = local_marks(self.marks)
        server_state = {i: (i not in unread, i in starred) for i in on_server}
        # a conflict needs the server's change time: one more contents call for the known items
        times: dict[str, int | None] = {i.id: _changed_ms(i) for i in fetched.values()}
        # the items where something changed since the last sync (on either side); the rest, nearly
        # all of them in a quiet sync, need no merge at all
        changed: list[tuple[str, KnownItem, Local]] = []
        for item_id, k in known.items():
            theirs = server_state.get(item_id)
            if theirs is None or k.stream not in streams:
                plan.drop_items.append(item_id)
                continue
            mine = local.get(k.identity, NO_ROW)
            if theirs != (k.read, k.starred) or mine.read != k.read or mine.flagged != k.starred:
                changed.append((item_id, k, mine))
        conflicted = [item_id for item_id, k, mine in changed
                      if in_conflict((k.read, k.starred), mine, server_state[item_id])]
        if conflicted:
            times.update((i.id, _changed_ms(i)) for i in client.items(conflicted).items)

        for item_id, k, mine in changed:
            decision = decide((k.read, k.starred), mine, server_state[item_id], times.get(item_id), now_ms)
            self._queue(plan, item_id, k.identity, mine, server_state[item_id], decision, now_ms)
            if (decision.read, decision.starred) != (k.read, k.starred):      # only what changed is rewritten
                plan.agreed.append(KnownItem(item_id, k.stream, k.feed_id, k.identity, k.file, decision.read,
                                             decision.starred))
        for stream, items in plan.new_items.items():
            for item in items:
                identity = plan.identities[item.id]
                mine = local.get(identity, NO_ROW)
                # a feed this sync subscribed the server to: its items' marks there are the defaults, the
                # marks made here are the user's (they win)
                when = 0 if stream in pushed else times.get(item.id)
                decision = decide(None, mine, server_state[item.id], when, now_ms)
                self._queue(plan, item.id, identity, mine, server_state[item.id], decision, now_ms)
                plan.agreed_new[item.id] = decision
        self._count(plan)
        return plan

    def _plan_feeds(self, plan: _Plan, subs: Iterable[Subscription], known: dict[str, KnownFeed],
                    pushed: dict[str, Feed]) -> set[str]:
        """Plan the subscriptions; returns the streams whose items are to be taken."""
        local = {f.id: f for f in self.feeds.list()}
        by_stream: dict[str, Subscription] = {}
        for sub in subs:
            if sub.url is None:
                self.report.problems.append(f"left out the subscription {sub.title!r}: its address "
                                            f"{sub.raw_url!r} is not a usable http(s) URL")
                continue
            by_stream[sub.id] = sub
        for stream, old in known.items():
            if stream not in by_stream:
                plan.drop_feeds.append(stream)
                if old.feed_id in local:
                    plan.remove_local.append((stream, local[old.feed_id]))
            elif old.feed_id not in local:           # removed here: remove it on the server too
                plan.unsubscribe_server.append(stream)
                plan.drop_feeds.append(stream)
                del by_stream[stream]
        for stream, sub in by_stream.items():
            kf = known.get(stream)
            if kf is not None:
                feed = local[kf.feed_id]
                server_folder = folder = _folder(sub)
                if feed.folder != kf.folder and server_folder == kf.folder:
                    plan.move_server.append((stream, feed.folder))
                    folder = feed.folder
                elif feed.folder != server_folder:
                    plan.move_local.append((feed, server_folder))
                if sub.title != feed.title or (sub.html_url or "") != feed.site_url:
                    plan.update_feeds.append((feed, sub))
                plan.keep_feeds[stream] = KnownFeed(stream, feed.id, feed.url, folder)
                plan.feed_of[stream] = feed
                plan.provider[stream] = provider_name(feed, sub.title)
                continue
            existing = pushed.get(stream) or self.feeds.get(sub.url or "")
            if existing is not None:                # subscribed here already: it becomes a server feed
                plan.adopt[stream] = plan.feed_of[stream] = existing
                plan.provider[stream] = provider_name(existing, sub.title)
            else:
                plan.add_feeds.append(sub)
                plan.provider[stream] = clean_text(sub.title, limit=300) or (urlsplit(sub.url or "").hostname or "")
        return set(by_stream)

    def _entries_of(self, plan: _Plan, now: float) -> None:
        stamp = datetime.fromtimestamp(now, UTC)
        for stream, items in plan.new_items.items():
            provider = plan.provider.get(stream, "")
            for item in items:
                entry = entry_of(item, stamp)
                plan.entries[item.id] = entry
                plan.identities[item.id] = identity_of_entry(entry, provider, stamp)

    def _queue(self, plan: _Plan, item_id: str, identity: str, mine: Local, server: tuple[bool, bool],
               decision: Decision, now_ms: int) -> None:
        push_read, push_star = decision.push(server)
        if push_read is not None:
            plan.send.setdefault((READ, push_read), []).append(item_id)
        if push_star is not None:
            plan.send.setdefault((STARRED, push_star), []).append(item_id)
        if decision.pull(mine) and identity not in plan.pull:
            stamp = max(now_ms, (mine.updated_at or 0) + 1)
            plan.pull[identity] = Entry(identity, "", decision.read, mine.hidden, decision.starred, stamp)
            if decision.read != mine.read:
                self.report.received["read" if decision.read else "unread"] += 1
            if decision.starred != mine.flagged:
                self.report.received["flagged" if decision.starred else "unflagged"] += 1
        for mark, winner in decision.conflicts:
            if winner == "local":
                lost = server[0] if mark == "read" else server[1]
            else:
                lost = mine.read if mark == "read" else mine.flagged
            entry = plan.entries.get(item_id)
            self.report.conflicts.append(Conflict(identity, entry.title if entry else identity, mark, winner, lost))

    def _count(self, plan: _Plan) -> None:
        report = self.report
        for (tag, add), ids in plan.send.items():
            name = ("read" if add else "unread") if tag == READ else ("starred" if add else "unstarred")
            report.sent[name] = len(ids)
        report.new_entries = sum(len(v) for v in plan.new_items.values())
        report.feeds_added = [clean_text(s.title, limit=200) for s in plan.add_feeds] + \
            [f.name for f in plan.adopt.values()]
        report.feeds_removed = [f.name for _s, f in plan.remove_local]
        report.unsubscribed = list(plan.unsubscribe_server)
        report.feeds_moved = [f"{f.name} -> {folder or 'the top level'}" for f, folder in plan.move_local] + \
            [f"{stream} -> {folder or 'the top level'} (on the server)" for stream, folder in plan.move_server]

    # -- 3: send -------------------------------------------------------------------------
    def _send(self, plan: _Plan) -> None:
        total = sum(len(v) for v in plan.send.values())
        done = 0
        for (tag, add), ids in sorted(plan.send.items()):
            for start in range(0, len(ids), self.client.batch_size):
                batch = ids[start:start + self.client.batch_size]
                if add:
                    self.client.edit_tags(batch, add=[tag])
                else:
                    self.client.edit_tags(batch, remove=[tag])
                done += len(batch)
                self.progress("sending marks", done, total)
        for stream in plan.unsubscribe_server:
            self.client.unsubscribe(stream)
        for stream, folder in plan.move_server:
            self.client.edit_subscription(stream, folder=folder or None)

    # -- 4: apply locally --------------------------------------------------------------------
    def _apply(self, plan: _Plan) -> None:
        now = self.clock()
        feed_of: dict[str, Feed] = dict(plan.feed_of)
        if plan.add_feeds:
            self.feeds.add_many(OpmlSubscription(s.url or "", s.title, _folder(s)) for s in plan.add_feeds)
        for sub in plan.add_feeds:
            found = self.feeds.get(sub.url or "")
            if found is not None:
                feed_of[sub.id] = self.feeds.record_fetch(found, status=None, next_check=NEVER, title=sub.title,
                                                          site_url=sub.html_url or "")
        for stream, feed in plan.adopt.items():
            feed_of[stream] = self.feeds.record_fetch(feed, status=None, next_check=NEVER)
        for feed, sub in plan.update_feeds:
            feed_of[sub.id] = self.feeds.record_fetch(feed, status=None, next_check=NEVER, title=sub.title,
                                                      site_url=sub.html_url or "")
        for feed, folder in plan.move_local:
            self.feeds.move(feed, folder)
        for stream, feed in plan.remove_local:
            self._remove_local(stream, feed)

        new_known: list[KnownItem] = []
        total, done = self.report.new_entries, 0
        for stream, items in plan.new_items.items():
            target = feed_of.get(stream)
            if target is None:
                continue
            feed = target
            # an adopted local feed: its own entries are these articles already (matched by identity)
            mine = local_documents(self.feeds, feed, self.entries_dir) if stream in plan.adopt else {}
            entries = [plan.entries[i.id] for i in items if plan.identities[i.id] not in mine]
            self.report.merged += len(items) - len(entries)
            write_entries(self.feeds, feed, feed.title, feed.site_url or None, entries, self.entries_dir, now)
            for item in items:
                d = plan.agreed_new[item.id]
                identity = plan.identities[item.id]
                new_known.append(KnownItem(item.id, stream, feed.id, identity,
                                           mine.get(identity) or entry_file(feed.id, item.id), d.read, d.starred))
            done += len(items)
            self.progress("writing entries", done, total)
        self.report.new_entries -= self.report.merged

        if plan.pull:
            buf = io.StringIO()
            write_state_file(buf, sorted(plan.pull.values(), key=lambda e: e.identity), int(now * 1000))
            self.marks.import_(io.StringIO(buf.getvalue()))
        new_feeds = [KnownFeed(s, f.id, f.url, f.folder) for s, f in feed_of.items() if s not in plan.keep_feeds]
        self.state.commit(server=self.client.base_url, items=[*plan.agreed, *new_known],
                          drop_items=plan.drop_items, feeds=[*plan.keep_feeds.values(), *new_feeds],
                          drop_feeds=plan.drop_feeds, when=self.clock())

    def _remove_local(self, stream: str, feed: Feed) -> None:
        """The server dropped this feed: so do we, keeping the files of flagged entries."""
        from feedreader.core.feeds.refresh import unsubscribe     # the fetch stack: loaded only when needed

        items = [k for k in self.state.items().values() if k.stream == stream]
        marks = self.marks.marks([k.identity for k in items])
        keep = [k.file for k in items if k.identity in marks and marks[k.identity].flagged]
        unsubscribe(self.feeds, self.entries_dir, feed, keep)


def _changed_ms(item: Item) -> int | None:
    """When the server's state of ``item`` last changed (ms); 0 when it never did since the server fetched it
    (Miniflux: ``updated`` is the entry's changed_at, ``crawlTimeMsec`` its creation): its read/starred are
    the defaults then, and a mark made here is the later change."""
    if item.updated is not None and item.crawled is not None and item.updated <= item.crawled + timedelta(seconds=1):
        return 0
    return _ms(item.updated)


def _ms(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)
