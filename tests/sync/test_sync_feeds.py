"""Feeds added or removed here reach the server; a server feed with a local feed's URL is merged
into it; a sync with nothing new is four requests. Against a real Miniflux (tests/helpers/miniflux.py),
with the real command line (``feedreader feed add/remove``, ``feedreader sync``) on a real data dir."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from test_engine import Install, add_feeds, serve_feed
from test_sync_cli import setup

from feedreader.cli import main
from feedreader.core.feeds.store import FeedStore
from feedreader.core.marks.store import StateStore
from feedreader.core.sync.engine import server_managed
from feedreader.core.sync.state import SyncState


@pytest.fixture(autouse=True)
def loopback_feeds(isolated_dirs) -> None:
    """The test feeds are on 127.0.0.1: let ``feedreader feed add`` fetch them."""
    isolated_dirs["config"].mkdir(parents=True, exist_ok=True)
    (isolated_dirs["config"] / "config.toml").write_text("allow_private_hosts = true\n", encoding="utf-8")


def data_dir() -> Path:
    return Path(os.environ["FEEDREADER_DATA_DIR"])


def local_feeds() -> list:
    with FeedStore(data_dir() / "feeds.sqlite") as store:
        return store.list()


def entry_files() -> list[Path]:
    return sorted((data_dir() / "feeds").glob("*/*.txt"))


def test_a_feed_added_here_is_subscribed_on_the_server_once_with_its_marks(account, feed_server, capsys):
    assert setup(account) == 0
    url = serve_feed(feed_server, "Mine", 6)
    assert main(["feed", "add", url, "--folder", "Here"]) == 0         # fetched here: 6 entries
    assert len(entry_files()) == 6
    slug = url.rsplit("/", 1)[-1].removesuffix(".xml")
    read_here = [f"https://news.example/{slug}/{n}" for n in (1, 2)]
    with StateStore.open(data_dir() / "state.db") as marks:
        marks.set_marks(read_here, read=True)
        marks.set_marks([f"https://news.example/{slug}/3"], flagged=True)
    capsys.readouterr()
    assert main(["sync", "--dry-run"]) == 0
    assert "would subscribe on the server (added here): Mine" in capsys.readouterr().out
    assert account.feeds() == []                                   # a dry run sends nothing

    assert main(["sync"]) == 0
    out = capsys.readouterr().out
    assert "subscribe on the server (added here): Mine" in out
    (on_server,) = account.feeds()
    assert on_server["feed_url"] == url and on_server["category"]["title"] == "Here"
    # one feed here, one document per article: the server's items were matched to the local entries
    (feed,) = local_feeds()
    assert feed.url == url and server_managed(feed)
    assert len(entry_files()) == 6
    assert "6 entries matched to the local feed's own" in out
    # the marks made here won over the server's defaults, and went to the server
    entries = {e["url"]: e for e in account.entries()}
    assert {u for u, e in entries.items() if e["status"] == "read"} == set(read_here)
    assert [u for u, e in entries.items() if e["starred"]] == [f"https://news.example/{slug}/3"]
    with StateStore.open(data_dir() / "state.db") as marks:
        got = marks.marks()
    assert {i for i, m in got.items() if m.read} == set(read_here)

    # the next sync: nothing to add, nothing new, no duplicate
    assert main(["sync"]) == 0
    out = capsys.readouterr().out
    assert "subscribe on the server" not in out and "take 0 new entries" in out
    assert len(account.feeds()) == 1 and len(local_feeds()) == 1 and len(entry_files()) == 6


def test_feeds_from_before_the_setup_stay_local(account, feed_server, capsys):
    url = serve_feed(feed_server, "Old", 2)
    assert main(["feed", "add", url]) == 0           # before `sync setup`: a local feed
    assert setup(account) == 0
    assert main(["sync"]) == 0
    assert account.feeds() == []
    (feed,) = local_feeds()
    assert not server_managed(feed)


def test_a_feed_removed_here_is_unsubscribed_on_the_server(account, feed_server, capsys):
    urls = [serve_feed(feed_server, f"Both {n}", 3) for n in range(2)]
    add_feeds(account, [(u, None) for u in urls])
    assert setup(account) == 0
    assert main(["sync"]) == 0
    assert len(local_feeds()) == 2 and len(entry_files()) == 6
    gone = next(f for f in local_feeds() if f.url == urls[0])
    assert main(["feed", "remove", str(gone.id)]) == 0
    capsys.readouterr()
    assert main(["sync"]) == 0
    assert "unsubscribe on the server (removed here)" in capsys.readouterr().out
    assert [f["feed_url"] for f in account.feeds()] == [urls[1]]
    assert [f.url for f in local_feeds()] == [urls[1]]
    assert main(["sync"]) == 0                       # and it does not come back
    assert [f.url for f in local_feeds()] == [urls[1]]


def test_a_server_feed_with_a_local_feeds_url_is_merged_not_doubled(account, feed_server, capsys):
    """A feed subscribed here before the setup and on the server too (another machine added it)."""
    url = serve_feed(feed_server, "Twice", 5)
    assert main(["feed", "add", url, "--folder", "Mine"]) == 0
    slug = url.rsplit("/", 1)[-1].removesuffix(".xml")
    with StateStore.open(data_dir() / "state.db") as marks:
        marks.set_marks([f"https://news.example/{slug}/0"], flagged=True)
    add_feeds(account, [(url, None)])
    assert setup(account) == 0
    capsys.readouterr()
    assert main(["sync"]) == 0
    out = capsys.readouterr().out
    assert "5 entries matched" in out
    (feed,) = local_feeds()
    assert server_managed(feed) and len(entry_files()) == 5
    with SyncState(data_dir() / "sync.sqlite") as state:
        known = state.items()
    assert len(known) == 5 and len({k.file for k in known.values()}) == 5
    assert all((data_dir() / "feeds" / k.file).exists() for k in known.values())
    with StateStore.open(data_dir() / "state.db") as marks:
        assert marks.marks()[f"https://news.example/{slug}/0"].flagged        # kept
    assert len(account.feeds()) == 1


def test_a_sync_with_nothing_new_is_four_requests(tmp_path, account, feed_server):
    add_feeds(account, [(serve_feed(feed_server, f"Quiet {n}", 20), None) for n in range(3)])
    a = Install(tmp_path / "a", account)
    try:
        a.sync()
        a.sync()                  # logged in already (the stored token): no ClientLogin
        before = len(a.requests)
        report = a.sync()
    finally:
        a.close()
    made = sorted(r.url.path.rsplit("/0/", 1)[-1] for r in a.requests[before:])
    assert made == ["stream/items/ids"] * 3 + ["subscription/list"]
    assert report.new_entries == 0 and report.sent_total == 0


def test_which_local_feeds_go_to_the_server(tmp_path):
    from feedreader.core.feeds.store import FeedStore
    from feedreader.core.feeds.store import NEVER
    from feedreader.core.sync.feedsync import local_additions
    from feedreader.core.sync.greader import Subscription

    clock = [100.0]
    with FeedStore(tmp_path / "feeds.sqlite", clock=lambda: clock[0]) as store:
        before = store.add("https://a.example/feed.xml")          # before the account: stays local
        clock[0] = 200.0
        new = store.add("https://b.example/feed.xml")
        known = store.add("https://c.example/feed.xml")           # already synced
        on_server = store.add("https://d.example/feed.xml")       # the server has its URL: adopted instead
        server_feed = store.record_fetch(store.add("https://e.example/feed.xml"), status=None, next_check=NEVER)
        feeds = store.list()
    subs = [Subscription("feed/9", "D", "https://D.example/feed.xml", None, ())]
    got = local_additions(feeds, {known.id}, subs, since=150.0)
    assert [f.id for f in got] == [new.id]
    assert local_additions(feeds, set(), [], since=None) == []
    # an older account: the feed from before counts too; never the synced, adopted or server ones
    assert sorted(f.id for f in local_additions(feeds, {known.id}, subs, since=50.0)) == [before.id, new.id]
    assert {on_server.id, server_feed.id} <= {f.id for f in feeds}


def test_one_sync_at_a_time_per_data_dir(account, feed_server, capsys):
    """The app's background sync and `feedreader sync` share the state: a second one waits its turn."""
    add_feeds(account, [(serve_feed(feed_server, "Busy", 3), None)])
    assert setup(account) == 0
    capsys.readouterr()
    with SyncState(data_dir() / "sync.sqlite") as state, state.exclusive() as mine:
        assert mine
        assert main(["sync"]) == 1                     # another process (here: thread) holds the lock
        err = capsys.readouterr().err
        assert "another sync of this data dir is running" in err
        assert local_feeds() == [] and entry_files() == []
        with state.exclusive() as again:
            assert not again
    assert main(["sync"]) == 0                         # released: the sync runs
    assert len(entry_files()) == 3
