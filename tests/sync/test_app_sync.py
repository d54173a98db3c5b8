"""The app syncs in the background (ui/syncing.py), against a real Miniflux: the header says what the sync
is doing, a mark made in the app reaches the server, a change made on the server reaches the list (the
cursor staying on its article), and a failing sync says why without a secret."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import pytest
from test_engine import add_feeds, serve_feed, set_feed

from feedreader.config import Settings, SyncSettings
from feedreader.core.library.library import Library
from feedreader.core.marks.store import StateStore
from feedreader.core.sync.account import Account as SyncAccount
from feedreader.core.sync.account import save_account
from feedreader.core.sync.greader import GReaderClient, Secret
from feedreader.core.web.pagecache import PageCache
from tests.ui.test_sources import open_add_dialog, until

FIXED_NOW = 1646136000.0


class Home:
    """A data dir with a sync account, and the app on its feed entries."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.entries = self.data / "feeds"
        self.entries.mkdir(parents=True)
        self.opened: list = []
        self.headers: list[str] = []

    def log_in(self, account, auth: Secret | None = None) -> Secret:
        if auth is None:
            with httpx.Client(timeout=10, trust_env=False) as http:
                auth = GReaderClient(http, account.greader_url).login(account.username, account.password)
        save_account(self.data / "sync-account.json", SyncAccount(account.greader_url, account.username, auth,
                                                                  time.time()))
        return auth

    def app(self, *, every: float = 900.0):
        from feedreader.ui.app import FeedReaderApp, Services

        library = Library.open(self.root / "cache", [self.entries], "feeds")
        library.refresh(workers=1)
        state = StateStore.open(self.data / "state.db")
        self.opened += [library, state]
        settings = Settings(mark_read_after=0, allow_private_hosts=True, sync=SyncSettings(sync_every=every))
        app = FeedReaderApp(Services(
            library=library, settings=settings, state=state, page_cache=PageCache(self.root / "cache" / "pages"),
            opener=lambda url: pytest.fail(f"opened {url}"), clock=lambda: FIXED_NOW, scan_on_start=False,
            rescan_every=0, feed_store=self.data / "feeds.sqlite", feed_entries=self.entries))
        shown = app.syncing.update_header

        def record() -> None:           # every state the header was given
            shown()
            self.headers.append(app.sub_title)

        app.syncing.update_header = record
        return app


@pytest.fixture
def home(tmp_path):
    h = Home(tmp_path)
    yield h
    for thing in h.opened:
        thing.close()


async def synced(pilot, app, count: int) -> None:
    """Wait for the ``count``-th sync to end and the index refresh after it."""
    await until(pilot, lambda: app.syncing.syncs >= count)
    await app.workers.wait_for_complete()
    await pilot.pause(0.1)
    await app.workers.wait_for_complete()
    await pilot.pause()


async def next_sync(pilot, app) -> None:
    """The schedule's next look (the app's timer does it every TICK s) once the next sync is due."""
    before = app.syncing.syncs
    await until(pilot, lambda: time.time() >= app.syncing.next_at)
    app.syncing.tick()
    await synced(pilot, app, before + 1)


def article_at_cursor(app):
    return app.library.article(app.article_list.current)


async def test_the_app_syncs_in_the_background_both_ways(home, account, feed_server):
    path = f"/feeds/{uuid.uuid4().hex}.xml"
    set_feed(feed_server, path, "Growing", range(3))
    other = serve_feed(feed_server, "Steady", 3)
    growing_id, _ = add_feeds(account, [(feed_server.url(path), "News"), (other, None)])
    home.log_in(account)
    app = home.app(every=1.0)
    async with app.run_test() as pilot:
        await synced(pilot, app, 1)
        assert len(app.model) == 6                     # the server's entries are in the list
        assert any("syncing…" in h for h in home.headers)
        assert "synced just now" in app.sub_title
        assert sorted(f.name for f in app.sources.feeds) == ["Growing", "Steady"]

        # a mark made here reaches the server at the next sync (due 1 s later: sync_every)
        await pilot.press("j")
        flagged = article_at_cursor(app)
        await pilot.press("f")
        await next_sync(pilot, app)
        assert [e["url"] for e in account.entries(starred="true")] == [flagged.identity]

        # a change made on the server (another machine read an entry; a new entry) reaches the list,
        # and the cursor stays on its article
        await pilot.press("j")
        keep = app.article_list.current
        on_server = {e["url"]: e for e in account.entries()}
        read_there = next(u for u in on_server if u not in (flagged.identity, article_at_cursor(app).identity))
        account.set_read([on_server[read_there]["id"]])
        set_feed(feed_server, path, "Growing", range(4))
        account.refresh_feed(growing_id)
        await next_sync(pilot, app)
        await until(pilot, lambda: len(app.model) == 7)
        assert app.article_list.current == keep
        read, _hidden, flags = app.model.mark_sets()
        assert [app.library.article(aid).identity for aid in flags] == [flagged.identity]
        assert [app.library.article(aid).identity for aid in read] == [read_there]
        assert "sync failed" not in " ".join(home.headers)


async def test_a_feed_added_in_the_app_reaches_the_server_once(home, account, feed_server):
    home.log_in(account)
    url = serve_feed(feed_server, "Added here", 4)
    app = home.app(every=1.0)
    async with app.run_test(size=(150, 40)) as pilot:
        await synced(pilot, app, 1)
        assert len(app.model) == 0 and account.feeds() == []
        await open_add_dialog(pilot, app)
        await pilot.press(*url, "tab", *"Mine")
        await pilot.press("enter")
        await until(pilot, lambda: len(app.model) == 4)          # fetched here first
        await next_sync(pilot, app)
        (on_server,) = account.feeds()
        assert on_server["feed_url"] == url and on_server["category"]["title"] == "Mine"
        await next_sync(pilot, app)
        assert len(app.model) == 4 and len(app.sources.feeds) == 1       # one feed, no entry twice
        assert len(list(home.entries.glob("*/*.txt"))) == 4


async def test_a_failing_sync_says_why_without_the_token(home, account, feed_server, caplog):
    secret = "not-a-token-" + uuid.uuid4().hex
    home.log_in(account, Secret(f"{account.username}/{secret}"))
    app = home.app()
    async with app.run_test() as pilot:
        await synced(pilot, app, 1)
        assert "sync failed:" in app.sub_title
        shown = [n.message for n in app._notifications]         # the toasts shown
        assert any("Sync failed, nothing was lost" in n and "log in again" in n for n in shown)
        assert "sync failed" in caplog.text                      # logged too
        assert secret not in " ".join(shown) + " ".join(home.headers) + caplog.text
        # keys still work while the next try waits (back-off: 60 s after the first failure)
        assert app.syncing.next_at - time.time() > 30
        await pilot.press("s")
        assert not app.syncing.running


async def test_no_account_no_sync_and_no_note(home):
    app = home.app()
    async with app.run_test() as pilot:
        await synced(pilot, app, 1)
        assert not app.syncing.has_account and "sync" not in app.sub_title


def test_the_header_words():
    from feedreader.ui.syncing import ago, short

    assert [ago(s) for s in (0, 59, 60, 150, 3599, 3600, 86400 * 2 - 1, 86400 * 3)] == [
        "just now", "just now", "1 min ago", "2 min ago", "59 min ago", "1 h ago", "47 h ago", "3 days ago"]
    assert short("a  b\nc") == "a b c"
    assert short("x" * 100, 10) == "x" * 9 + "…"

