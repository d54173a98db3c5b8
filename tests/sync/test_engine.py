"""The sync engine against a real Miniflux (tests/helpers/miniflux.py).

Each test gets a fresh Miniflux user (``account``) and one or two "installs"
(data dirs with their own feed store, marks store and sync state). Server
state is checked through Miniflux's REST API, not through the code under
test; requests are counted with httpx event hooks on a real client.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
from helpers.httpserver import TestServer, html_page
from helpers.miniflux import Account, rss_feed

from feedreader.core.documents.parse import load_document
from feedreader.core.feeds.store import FeedStore
from feedreader.core.marks.store import StateStore
from feedreader.core.sync.engine import Sync, SyncReport, queued_marks, server_managed
from feedreader.core.sync.greader import GReaderClient, Secret, SyncError
from feedreader.core.sync.state import SyncState


def serve_feed(server: TestServer, title: str, count: int, *, start: int = 0) -> str:
    """An RSS feed of ``count`` items at a fresh path (items numbered from ``start``)."""
    path = f"/feeds/{uuid.uuid4().hex}.xml"
    set_feed(server, path, title, range(start, start + count))
    return server.url(path)


def set_feed(server: TestServer, path: str, title: str, numbers: range) -> None:
    now = datetime.now(UTC)
    slug = path.rsplit("/", 1)[-1].removesuffix(".xml")
    items = [{
        "guid": f"{slug}#{n}",
        "title": f"{title} item {n}",
        "link": f"https://news.example/{slug}/{n}",
        "description": f"<p>Body of <b>{title}</b> item {n}</p>",
        "pubDate": format_datetime(now - timedelta(minutes=n)),
    } for n in numbers]
    server.route(path, html_page(rss_feed(title, items), content_type="application/rss+xml"))


def add_feeds(account: Account, urls: list[tuple[str, str | None]]) -> list[int]:
    """Subscribe through Miniflux's REST API, several at once (each POST fetches the feed)."""
    for folder in {f for _u, f in urls if f}:
        account.category_id(folder)
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda uf: account.add_feed(uf[0], category=uf[1]), urls))


@dataclass
class Install:
    """One feedreader data dir: its stores, and a counting HTTP client."""

    root: Path
    account: Account
    feeds: FeedStore = field(init=False)
    marks: StateStore = field(init=False)
    state: SyncState = field(init=False)
    requests: list[httpx.Request] = field(default_factory=list)
    auth: Secret | None = None

    def __post_init__(self) -> None:
        self.feeds = FeedStore(self.root / "feeds.sqlite")
        self.marks = StateStore.open(self.root / "state.db")
        self.state = SyncState(self.root / "sync.sqlite")
        self.http = httpx.Client(timeout=10, trust_env=False,
                                 event_hooks={"request": [self.requests.append]})

    @property
    def entries(self) -> Path:
        return self.root / "feeds"

    def client(self, **kw) -> GReaderClient:
        client = GReaderClient(self.http, self.account.greader_url, auth=self.auth, **kw)
        if self.auth is None:
            self.auth = client.login(self.account.username, self.account.password)
        return client

    def sync(self, *, dry_run: bool = False, progress=None, **kw) -> SyncReport:
        return Sync(self.client(**kw), self.feeds, self.marks, self.state, self.entries,
                    progress=progress).run(dry_run=dry_run)

    def calls(self, endpoint: str) -> int:
        return sum(1 for r in self.requests if r.url.path.endswith(endpoint))

    def identities(self) -> dict[str, str]:
        """identity -> item id, of what the last sync agreed."""
        return {k.identity: k.item_id for k in self.state.items().values()}

    def files(self) -> list[Path]:
        return sorted(self.entries.glob("*/*.txt")) if self.entries.exists() else []

    def close(self) -> None:
        self.http.close()
        self.feeds.close()
        self.marks.close()
        self.state.close()


@pytest.fixture
def installs(tmp_path) -> Iterator[list[Install]]:
    made: list[Install] = []
    yield made
    for inst in made:
        inst.close()


@pytest.fixture
def make_install(tmp_path, installs, account):
    def make(name: str = "a", acct: Account | None = None) -> Install:
        inst = Install(tmp_path / name, acct or account)
        installs.append(inst)
        return inst

    return make


def server_entries(account: Account) -> dict[str, dict]:
    """url -> Miniflux entry (status, starred)."""
    return {e["url"]: e for e in account.entries()}


# -- first sync ----------------------------------------------------------------------

def test_first_sync_of_2000_entries_in_50_feeds(make_install, account, feed_server):
    urls = [serve_feed(feed_server, f"Feed {n}", 40) for n in range(50)]
    add_feeds(account, [(u, f"Folder {n % 3}" if n % 5 else None) for n, u in enumerate(urls)])
    a = make_install()
    report = a.sync()
    assert report.new_entries == 2000 and not report.problems
    assert len(report.feeds_added) == 50
    # edit-tag is not called on a first sync with no local marks; contents come in batches
    assert a.calls("edit-tag") == 0
    assert a.calls("stream/items/contents") <= 2000 // 250 + 2

    feeds = a.feeds.list()
    assert sorted(f.url for f in feeds) == sorted(urls)
    folders = {f.url: f.folder for f in feeds}
    assert folders[urls[1]] == "Folder 1" and folders[urls[3]] == "Folder 0"
    assert a.feeds.due() == [] and all(server_managed(f) for f in feeds)      # a local refresh skips them
    files = a.files()
    assert len(files) == 2000
    # the documents are the library's: they parse, and their identities are what the sync keys marks by
    known = a.identities()
    for path in files[::97]:
        article, problems = load_document(path)
        assert article is not None and not problems
        assert article.identity in known
    assert len(known) == 2000

    before = len(a.requests)
    again = a.sync()
    assert again.new_entries == 0 and again.sent_total == again.received_total == 0
    assert a.calls("stream/items/contents") <= 2000 // 250 + 2     # nothing fetched again
    assert len(a.requests) - before <= 6
    assert len(a.files()) == 2000


# -- marks both ways ------------------------------------------------------------------

def _setup(make_install, account, feed_server, feeds: int = 2, items: int = 5):
    urls = [serve_feed(feed_server, f"Feed {n}", items) for n in range(feeds)]
    ids = add_feeds(account, [(u, None) for u in urls])
    a = make_install()
    a.sync()
    return a, urls, ids


def test_marks_go_both_ways_in_batches(make_install, account, feed_server):
    a, _urls, _ids = _setup(make_install, account, feed_server, feeds=2, items=30)
    on_server = server_entries(account)
    links = sorted(on_server)
    # made on the server: read 5, star 2
    account.set_read([on_server[u]["id"] for u in links[:5]])
    for u in links[5:7]:
        account.set_starred(on_server[u]["id"])
    # made here, offline: read 20 others, flag 3, hide one (hidden stays local)
    a.marks.set_marks(links[10:30], read=True)
    a.marks.set_marks(links[30:33], flagged=True)
    a.marks.set_marks([links[40]], hidden=True)
    assert queued_marks(a.state, a.marks) == {"read": 20, "unread": 0, "starred": 3, "unstarred": 0}

    edits = a.calls("edit-tag")
    report = a.sync(batch_size=8)
    assert report.sent == {"read": 20, "unread": 0, "starred": 3, "unstarred": 0}
    assert report.received == {"read": 5, "unread": 0, "flagged": 2, "unflagged": 0}
    assert a.calls("edit-tag") - edits == 3 + 1        # 20 ids in batches of 8, then 3 stars in one
    assert queued_marks(a.state, a.marks) == {"read": 0, "unread": 0, "starred": 0, "unstarred": 0}

    now = server_entries(account)
    assert {u for u, e in now.items() if e["status"] == "read"} == set(links[:5]) | set(links[10:30])
    assert {u for u, e in now.items() if e["starred"]} == set(links[5:7]) | set(links[30:33])
    local = a.marks.marks()
    assert {i for i, m in local.items() if m.read} == set(links[:5]) | set(links[10:30])
    assert {i for i, m in local.items() if m.flagged} == set(links[5:7]) | set(links[30:33])
    assert local[links[40]].hidden and not local[links[40]].read

    # un-marking goes both ways too, and a quiet sync sends nothing
    a.marks.set_marks(links[10:12], read=False)
    account.set_starred(now[links[5]]["id"], False)
    report = a.sync()
    assert report.sent["unread"] == 2 and report.received["unflagged"] == 1
    assert server_entries(account)[links[10]]["status"] == "unread"
    assert not a.marks.get(links[5]).flagged
    assert a.sync().sent_total == 0


def test_already_read_entries_are_never_told_read_again(make_install, account, feed_server):
    """Miniflux 2.2.6 toggles an already-read entry when told 'read': only unread ones are sent."""
    a, _urls, _ids = _setup(make_install, account, feed_server, feeds=1, items=6)
    on_server = server_entries(account)
    links = sorted(on_server)
    account.set_read([on_server[u]["id"] for u in links[:3]])      # read there, unknown here yet
    a.marks.set_marks(links, read=True)                             # and everything read here
    report = a.sync()
    assert report.sent["read"] == 3 and not report.conflicts
    assert all(e["status"] == "read" for e in server_entries(account).values())


def test_a_change_on_the_server_between_syncs(make_install, account, feed_server):
    path = f"/feeds/{uuid.uuid4().hex}.xml"
    set_feed(feed_server, path, "Moving", range(5))
    other = serve_feed(feed_server, "Going", 4)
    moving_id, going_id = add_feeds(account, [(feed_server.url(path), None), (other, None)])
    a = make_install()
    a.sync()
    assert len(a.files()) == 9
    a.marks.set_marks([e["url"] for e in account.entries(going_id)][:1], flagged=True)
    a.sync()

    set_feed(feed_server, path, "Moving", range(8))          # 3 new entries
    account.refresh_feed(moving_id)
    account._call("PUT", f"/feeds/{moving_id}", {"category_id": account.category_id("Elsewhere")})
    account.remove_feed(going_id)
    report = a.sync()
    assert report.new_entries == 3
    assert report.feeds_removed == ["Going"]
    assert [f.folder for f in a.feeds.list()] == ["Elsewhere"]
    # the flagged entry of the removed feed is kept; the rest went
    assert len(a.files()) == 8 + 1


def test_the_same_article_changed_on_both_sides(make_install, account, feed_server):
    """Since the last sync: read here and starred there -> both; read on both sides -> nothing sent
    (Miniflux would toggle it back)."""
    a, _urls, _ids = _setup(make_install, account, feed_server, feeds=1, items=4)
    on_server = server_entries(account)
    first, second = sorted(on_server)[:2]
    a.marks.set_marks([first], read=True)
    account.set_starred(on_server[first]["id"])
    a.marks.set_marks([second], read=True)
    account.set_read([on_server[second]["id"]])
    report = a.sync()
    assert report.sent["read"] == 1 and report.received["flagged"] == 1 and not report.conflicts
    now = server_entries(account)
    assert now[first]["status"] == now[second]["status"] == "read" and now[first]["starred"]
    assert a.marks.get(first).read and a.marks.get(first).flagged and a.marks.get(second).read


def test_different_states_on_first_meeting_the_later_change_wins(make_install, account, feed_server):
    """Marks made here before this install ever synced, and changes made on the server: per
    article and mark, the later one wins, and every conflict is reported with the losing state."""
    import time

    urls = [serve_feed(feed_server, "Met", 4)]
    (feed_id,) = add_feeds(account, [(u, None) for u in urls])
    on_server = {e["url"]: e for e in account.entries(feed_id)}
    one, two = sorted(on_server)[:2]
    a = make_install()
    account.set_read([on_server[one]["id"]])               # there, earlier
    time.sleep(1.1)
    a.marks.set_marks([one], read=True)
    a.marks.set_marks([one], read=False)                     # here, later: explicitly unread
    a.marks.set_marks([two], flagged=True)                   # here, earlier
    time.sleep(1.1)
    account.set_starred(on_server[two]["id"])
    account.set_starred(on_server[two]["id"], False)         # there, later: explicitly unstarred
    report = a.sync()
    by = {(c.identity, c.mark): c for c in report.conflicts}
    assert (by[one, "read"].winner, by[one, "read"].lost) == ("local", True)
    assert (by[two, "flagged"].winner, by[two, "flagged"].lost) == ("server", True)
    assert len(report.conflicts) == 2
    now = server_entries(account)
    assert now[one]["status"] == "unread" and not a.marks.get(one).read
    assert not now[two]["starred"] and not a.marks.get(two).flagged


# -- failures ---------------------------------------------------------------------------

def _snapshot(inst: Install) -> tuple:
    return ([(f.url, f.folder) for f in inst.feeds.list()], [p.name for p in inst.files()],
            inst.marks.marks(), inst.state.items())


def test_the_server_killed_mid_sync_loses_nothing(make_install, account, feed_server, miniflux):
    a, _urls, _ids = _setup(make_install, account, feed_server, feeds=2, items=10)
    queued = sorted(a.identities())[:12]
    more = [serve_feed(feed_server, f"More {n}", 150) for n in range(2)]
    add_feeds(account, [(u, None) for u in more])
    a.marks.set_marks(queued, read=True)
    before = _snapshot(a)

    stages: list[tuple[str, int]] = []

    def kill_when_fetching(stage: str, done: int, total: int) -> None:
        stages.append((stage, done))
        if stage == "new entries" and done > 0:
            miniflux.kill()

    try:
        with pytest.raises(SyncError) as caught:
            a.sync(progress=kill_when_fetching, batch_size=50)
    finally:
        miniflux.start()
    assert caught.value.kind == "network"
    assert stages[-1] == ("new entries", 50)                    # killed between two batches of contents
    assert _snapshot(a) == before                               # nothing changed here
    assert a.state.status().last_error == caught.value.message
    assert queued_marks(a.state, a.marks)["read"] == 12

    def kill_when_sending(stage: str, done: int, total: int) -> None:
        if stage == "sending marks" and done > 0:
            miniflux.kill()

    try:
        with pytest.raises(SyncError):
            a.sync(progress=kill_when_sending, batch_size=5)    # 5 sent, then the server dies
    finally:
        miniflux.start()
    assert _snapshot(a)[1:] == before[1:]
    report = a.sync()
    assert report.new_entries == 300
    assert queued_marks(a.state, a.marks)["read"] == 0
    assert a.state.status().last_error is None
    now = server_entries(account)
    assert {u for u, e in now.items() if e["status"] == "read"} == set(queued)   # none toggled back


def test_a_server_that_answers_500_or_hangs_changes_nothing(make_install, account, feed_server, miniflux):
    a, _urls, _ids = _setup(make_install, account, feed_server, feeds=1, items=3)
    a.marks.set_marks(sorted(server_entries(account))[:1], read=True)
    before = _snapshot(a)
    miniflux.pause()
    try:
        with pytest.raises(SyncError) as caught:
            Sync(GReaderClient(httpx.Client(timeout=0.5, trust_env=False), account.greader_url, auth=a.auth),
                 a.feeds, a.marks, a.state, a.entries).run()
    finally:
        miniflux.resume()
    assert caught.value.kind == "network" and "did not answer in time" in caught.value.message
    assert _snapshot(a) == before
    assert a.sync().sent["read"] == 1


def test_a_wrong_password_or_a_revoked_token(make_install, account):
    a = make_install()
    with pytest.raises(SyncError) as caught:
        GReaderClient(a.http, account.greader_url).login(account.username, "not-" + account.password)
    assert caught.value.kind == "auth" and account.password not in str(caught.value)
    a.auth = Secret(f"{account.username}/0000000000000000000000000000000000000000")
    with pytest.raises(SyncError) as caught:
        a.sync()
    assert caught.value.kind == "auth"
    assert "log in again" in (a.state.status().last_error or "")


# -- a hostile server --------------------------------------------------------------------

def test_a_hostile_server_gives_bounded_clear_errors_and_changes_nothing(tmp_path, stub):
    from test_greader_parse import PASSWORD

    inst = Install(tmp_path / "h", Account(stub.base_url, "alice", PASSWORD, ""))
    try:
        stub.json("/reader/api/0/subscription/list", {"subscriptions": [
            {"id": "feed/1", "title": "\x1b[31mEvil\x1b]0;pwned\x07", "url": "http://127.0.0.1:1/f.xml",
             "categories": [{"id": "user/-/label/\x1b[2J", "label": "\x1b[2J"}]}]})
        stub.route("/reader/api/0/stream/items/ids",
                   lambda ctx: ctx.send(200, '{"itemRefs": [{"id": "1"}], "continuation": "again"}'))
        with pytest.raises(SyncError, match="continuation"):
            inst.sync()
        stub.json("/reader/api/0/stream/items/ids", b'{"itemRefs": [' + b'{"id": "1"},' * 10 + b'{"id": "1"}]}')
        stub.json("/reader/api/0/stream/items/contents", b"[" * 100_000)
        with pytest.raises(SyncError, match="not valid JSON|items"):
            inst.sync()
        stub.json("/reader/api/0/stream/items/contents", b'{"items": "' + b"x" * 300_000 + b'"}')
        with pytest.raises(SyncError) as caught:
            inst.sync(max_reply_bytes=100_000)
        assert "too big" in caught.value.message
        assert inst.feeds.list() == [] and inst.files() == [] and inst.state.items() == {}
        assert inst.state.status().fail_count == 3
        # a sane reply after all that: the escapes are gone from what is stored
        stub.json("/reader/api/0/stream/items/contents", {"items": [{
            "id": "tag:google.com,2005:reader/item/0000000000000001", "title": "\x1b[31mred\x1b[0m title",
            "origin": {"streamId": "feed/1"}, "published": 1700000000,
            "canonical": [{"href": "https://news.example/evil"}], "summary": {"content": "<p>hi</p>"}}]})
        report = inst.sync()
        assert report.new_entries == 1
        (feed,) = inst.feeds.list()
        assert "\x1b" not in feed.title + feed.folder and "Evil" in feed.title
        text = inst.files()[0].read_text()
        assert "\x1b" not in text and "red title" in text
    finally:
        inst.close()


# -- two installs ---------------------------------------------------------------------

def test_two_installs_end_with_the_same_subscriptions_and_marks(make_install, account, feed_server):
    urls = [serve_feed(feed_server, f"Shared {n}", 8) for n in range(3)]
    add_feeds(account, [(u, "News" if n else None) for n, u in enumerate(urls)])
    a, b = make_install("a"), make_install("b")
    a.sync()
    b.sync()
    links = sorted(a.identities())
    a.marks.set_marks(links[:4], read=True)
    a.marks.set_marks(links[4:6], flagged=True)
    b.marks.set_marks(links[10:13], read=True)
    b.marks.set_marks([links[0]], flagged=True)
    b.marks.set_marks([links[20]], hidden=True)
    for inst in (a, b, a):
        inst.sync()

    def view(inst: Install) -> tuple:
        marks = inst.marks.marks()
        return (sorted((f.url, f.folder) for f in inst.feeds.list()),
                sorted(i for i, m in marks.items() if m.read), sorted(i for i, m in marks.items() if m.flagged))

    assert view(a) == view(b)
    assert view(a)[1] == sorted(links[:4] + links[10:13])
    assert view(a)[2] == sorted(links[4:6] + [links[0]])
    assert not a.marks.get(links[20]).hidden and b.marks.get(links[20]).hidden    # hidden stays local


def test_a_dry_run_shows_and_changes_nothing(make_install, account, feed_server):
    a, _urls, _ids = _setup(make_install, account, feed_server, feeds=1, items=4)
    url = serve_feed(feed_server, "Later", 3)
    add_feeds(account, [(url, None)])
    links = sorted(a.identities())
    a.marks.set_marks(links[:2], read=True)
    before, edits = _snapshot(a), a.calls("edit-tag")
    report = a.sync(dry_run=True)
    assert report.dry_run and report.new_entries == 3 and report.sent["read"] == 2
    assert report.feeds_added == ["Later"]
    assert _snapshot(a) == before and a.calls("edit-tag") == edits
    assert all(e["status"] == "unread" for e in server_entries(account).values())


def test_feeds_removed_or_moved_here_are_removed_or_moved_on_the_server(make_install, account, feed_server):
    from feedreader.core.feeds.refresh import unsubscribe

    urls = [serve_feed(feed_server, f"Local change {n}", 3) for n in range(2)]
    keep_id, gone_id = add_feeds(account, [(urls[0], "Old"), (urls[1], None)])
    a = make_install()
    a.sync()
    by_url = {f.url: f for f in a.feeds.list()}
    a.feeds.move(by_url[urls[0]], "New place")
    unsubscribe(a.feeds, a.entries, by_url[urls[1]])
    report = a.sync()
    assert report.unsubscribed == [f"feed/{gone_id}"]
    assert [f["id"] for f in account.feeds()] == [keep_id]
    assert account.feeds()[0]["category"]["title"] == "New place"
    assert [(f.url, f.folder) for f in a.feeds.list()] == [(urls[0], "New place")]
    assert a.sync().feeds_moved == []                     # agreed: nothing moves back


# -- pure parts ---------------------------------------------------------------------------

def test_the_merge_rules():
    from feedreader.core.sync.merge import Local, decide

    now = 10_000_000
    read_then = Local(read=True, updated_at=5_000_000)
    # one side changed: that side
    assert (decide((False, False), read_then, (False, False), None, now).read) is True
    assert decide((False, False), Local(updated_at=1), (True, True), None, now).starred is True
    # both the same way: agreed, nothing to send
    d = decide((False, False), read_then, (True, False), None, now)
    assert d.read and d.push((True, False)) == (None, None) and not d.conflicts
    # first meeting, different: the later wins; no server time means "seen now" (the server's)
    assert decide(None, read_then, (False, False), 4_000_000, now).conflicts == (("read", "local"),)
    assert decide(None, read_then, (False, False), 6_000_000, now).read is False
    assert decide(None, read_then, (False, False), None, now).conflicts == (("read", "server"),)
    # first meeting with no local row: the server's, no conflict
    d = decide(None, Local(), (True, True), None, now)
    assert (d.read, d.starred, d.conflicts) == (True, True, ())


def test_next_background_sync_backs_off_after_failures():
    from feedreader.core.sync.engine import next_sync_at
    from feedreader.core.sync.state import SyncStatus

    def status(fails: int) -> SyncStatus:
        return SyncStatus("s", 1000.0, 1000.0, "down" if fails else None, fails, 0, 0)

    assert next_sync_at(SyncStatus(None, None, None, None, 0, 0, 0), 900) == 0.0
    assert next_sync_at(status(0), 900) == 1900.0
    assert [next_sync_at(status(n), 900) - 1000 for n in (1, 2, 3, 5)] == [60, 120, 240, 900]
    assert next_sync_at(status(0), 0) == float("inf")      # sync_every = 0: only at start


def test_identities_match_what_the_document_parser_gives(tmp_path):
    """Also for an item without a link (identity from title, date and provider)."""
    from feedreader.core.sync.greader import Item
    from feedreader.core.sync.items import entry_of, identity_of_entry, provider_name, write_entries

    when = datetime(2026, 5, 1, 12, 30, 15, 123456, tzinfo=UTC)
    items = [Item(id=f"tag:google.com,2005:reader/item/{n:016x}", feed_id="feed/1", title=title, url=url,
                  published=published, updated=None, summary_html="<p>Some <b>text</b> here</p>",
                  content_html="<p>Some <b>text</b> here</p>", author="", categories=("user/-/label/Tech",),
                  read=False, starred=False)
             for n, (title, url, published) in enumerate([
                 ("With a link", "https://news.example/a?utm_source=x", when),
                 ("No link", None, when), ("", None, None)])]
    with FeedStore(tmp_path / "feeds.sqlite") as store:
        feed = store.add("https://feed.example/rss", "Provider")
        now = datetime(2026, 6, 1, tzinfo=UTC)
        entries = [entry_of(i, now) for i in items]
        assert write_entries(store, feed, "Provider", None, entries, tmp_path / "feeds", now.timestamp()) == (3, 0)
        for entry in entries:
            from feedreader.core.sync.items import entry_file

            article, problems = load_document(tmp_path / "feeds" / entry_file(feed.id, entry.key))
            assert article is not None and not problems
            assert article.identity == identity_of_entry(entry, provider_name(feed, "Provider"), now)


def test_a_500_is_retried_with_back_off_then_reported(tmp_path, stub):
    from test_greader_parse import PASSWORD

    from feedreader.core.sync.engine import run_with_retries

    inst = Install(tmp_path / "h", Account(stub.base_url, "alice", PASSWORD, ""))
    try:
        stub.json("/reader/api/0/subscription/list", {"error_message": "database is down"}, status=500)
        waits: list[float] = []
        with pytest.raises(SyncError) as caught:
            run_with_retries(inst.sync, attempts=3, backoff=0.5, sleep=waits.append)
        assert caught.value.kind == "server" and "500" in caught.value.message
        assert "database is down" in caught.value.message
        assert waits == [0.5, 1.0] and len(stub.seen("subscription/list")) == 3
        assert inst.state.status().fail_count == 3 and inst.feeds.list() == []
        stub.json("/reader/api/0/subscription/list", {"subscriptions": []})
        stub.json("/reader/api/0/stream/items/ids", {"itemRefs": []})
        assert run_with_retries(inst.sync, sleep=waits.append).new_entries == 0
        assert inst.state.status().fail_count == 0 and inst.state.status().last_error is None
    finally:
        inst.close()
