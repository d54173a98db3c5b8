"""Refreshing feeds against a real HTTP server on 127.0.0.1 (no mocks of httpx)."""

from __future__ import annotations

import asyncio
import json
import random
import time
import tracemalloc
from pathlib import Path

import pytest
from helpers.httpserver import (
    InFlight,
    TestServer,
    chunked_body,
    drip,
    gzip_bomb,
    html_page,
    raw_response,
    redirect,
    slow_page,
)

from feedreader.core.documents.parse import load_document
from feedreader.core.feeds.refresh import (
    Probe,
    RefreshSummary,
    SubscribeError,
    prune,
    refresh_feeds,
    subscribe,
    unsubscribe,
)
from feedreader.core.feeds.store import Feed, FeedStore
from feedreader.core.web.fetch import Fetcher
from feedreader.core.web.settings import FetchSettings

SETTINGS = FetchSettings(jobs=4, per_host=2, timeout=3.0, deadline=5.0, max_bytes=200_000, max_redirects=3)
LM = "Wed, 21 Oct 2015 07:28:00 GMT"
HOUR = 3600.0


def rss(items: list[tuple[str, str]] | int, title: str = "A Feed", extra: str = "") -> str:
    """An RSS 2.0 feed; ``items`` are (guid, title) pairs, or a count."""
    if isinstance(items, int):
        items = [(f"id-{n}", f"Entry {n}") for n in range(items)]
    body = "".join(
        f"<item><guid isPermaLink='false'>{g}</guid><title>{t}</title>"
        f"<link>https://example.com/{g}</link><pubDate>Mon, 06 Sep 2021 16:45:00 GMT</pubDate></item>"
        for g, t in items
    )
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>{title}</title>"
            f"<link>https://example.com/</link>{extra}{body}</channel></rss>")


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Site</title>
<link href="https://atom.example.org/"/><id>urn:feed</id><updated>2021-09-06T16:45:00Z</updated>
<entry><id>urn:a1</id><title>Atom one</title><link href="https://atom.example.org/1"/>
<updated>2021-09-06T16:45:00Z</updated><summary>First atom entry</summary></entry>
</feed>"""

JSONFEED = json.dumps({
    "version": "https://jsonfeed.org/version/1.1", "title": "JSON Site", "home_page_url": "https://json.example.net/",
    "items": [{"id": "j1", "title": "JSON one", "url": "https://json.example.net/1",
               "content_text": "Hello from JSON", "date_published": "2021-09-06T16:45:00Z"}],
})


class Clock:
    def __init__(self, t: float = 1_700_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def server():
    with TestServer() as s:
        yield s


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(tmp_path, clock):
    with FeedStore(tmp_path / "feeds.sqlite", clock=clock) as s:
        yield s


@pytest.fixture
def entries(tmp_path) -> Path:
    return tmp_path / "feeds"


def feed_route(body: str, content_type: str = "application/rss+xml", **kw):
    return html_page(body, content_type=content_type, **kw)


def refresh(store: FeedStore, entries: Path, clock: Clock, feeds: list[Feed] | None = None,
            settings: FetchSettings = SETTINGS, allow_private: bool = True, **kw) -> RefreshSummary:
    async def run() -> RefreshSummary:
        async with Fetcher(settings, None, allow_private=allow_private) as fetcher:
            return await refresh_feeds(store, fetcher, store.due() if feeds is None else feeds, entries,
                                       now=clock, refresh_every=HOUR, rng=random.Random(1), **kw)

    return asyncio.run(run())


def documents(entries: Path, feed: Feed) -> dict[str, object]:
    out = {}
    for path in sorted((entries / str(feed.id)).glob("*.txt")):
        article, problems = load_document(path)
        assert article is not None, problems
        out[article.title] = article
    return out


# -- formats, validators -----------------------------------------------------------------

def test_rss_atom_and_json_feeds_become_documents(server, store, entries, clock):
    a = store.add(server.route("/rss", feed_route(rss([("g1", "First"), ("g2", "Second")]))))
    b = store.add(server.route("/atom", feed_route(ATOM, "application/atom+xml")))
    c = store.add(server.route("/json", feed_route(JSONFEED, "application/feed+json")))
    progress = []
    summary = refresh(store, entries, clock, on_progress=lambda d, t, r: progress.append((d, t, r.outcome)))
    assert [r.outcome for r in summary.results] == ["fetched"] * 3
    assert [r.new for r in summary.results] == [2, 1, 1] and summary.new == 4
    assert sorted(progress) == [(1, 3, "fetched"), (2, 3, "fetched"), (3, 3, "fetched")]
    assert set(documents(entries, a)) == {"First", "Second"}
    json_doc = documents(entries, c)["JSON one"]
    assert json_doc.url == "https://json.example.net/1" and json_doc.body == "Hello from JSON"
    assert json_doc.provider.name == "JSON Site" and json_doc.provider.domain == "json.example.net"
    assert documents(entries, b)["Atom one"].published.isoformat() == "2021-09-06T16:45:00+00:00"
    # the feed's own title and site are stored; the schedule is an hour away (±10 %)
    got = store.get(b.id)
    assert (got.title, got.site_url, got.entry_count, got.last_status) == ("Atom Site", "https://atom.example.org/", 1, 200)
    assert 0.9 * HOUR <= got.next_check - clock.t <= 1.1 * HOUR
    assert store.due(clock.t) == []


def test_second_refresh_sends_the_exact_validators_and_costs_no_parsing(server, store, entries, clock):
    etag = 'W/"odd  etag, with spaces"'
    feed = store.add(server.route("/f", feed_route(rss(3), etag=etag)))
    lm_feed = store.add(server.route("/lm", feed_route(rss(2), last_modified=LM)))
    refresh(store, entries, clock)
    assert (store.get(feed.id).etag, store.get(lm_feed.id).last_modified) == (etag, LM)
    files = {p: p.stat().st_mtime_ns for p in entries.rglob("*.txt")}

    clock.t += 2 * HOUR
    summary = refresh(store, entries, clock)
    assert [r.outcome for r in summary.results] == ["not_modified", "not_modified"]
    assert summary.not_modified == 2 and summary.new == 0
    seen = {r.path: r.headers for r in server.requests[-2:]}
    assert seen["/f"].get("if-none-match") == etag
    assert seen["/lm"].get("if-modified-since") == LM and "if-none-match" not in seen["/lm"]
    assert {p: p.stat().st_mtime_ns for p in entries.rglob("*.txt")} == files
    f = store.get(feed.id)
    assert f.not_modified and f.last_status == 304 and f.etag == etag and f.last_error is None


def test_changed_entry_rewrites_its_file_and_undated_entries_keep_their_first_seen(server, store, entries, clock):
    undated = "<item><guid>u1</guid><title>No date</title><description>{}</description></item>"
    body = {"v": rss([("g1", "Old title")], extra=undated.format("first"))}
    server.route("/f", lambda ctx: feed_route(body["v"])(ctx))
    feed = store.add(server.url("/f"))
    refresh(store, entries, clock)
    before = documents(entries, feed)
    assert set(before) == {"Old title", "No date"}
    assert before["No date"].published.timestamp() == clock.t

    clock.t += 2 * HOUR
    body["v"] = rss([("g1", "New title")], extra=undated.format("second"))
    summary = refresh(store, entries, clock)
    assert (summary.new, summary.changed) == (0, 2)
    after = documents(entries, feed)
    assert set(after) == {"New title", "No date"}
    assert after["New title"].id == before["Old title"].id            # same identity
    assert after["No date"].excerpt == "second"
    assert after["No date"].published == before["No date"].published   # never jumps
    assert len(list((entries / str(feed.id)).glob("*.txt"))) == 2
    assert store.get(feed.id).entry_count == 2


# -- the server says wait, moved, gone -----------------------------------------------------

def test_429_with_retry_after_schedules_later(server, store, entries, clock):
    feed = store.add(server.route("/busy", raw_response(429, {"Retry-After": "7200", "Content-Length": "0"})))
    summary = refresh(store, entries, clock)
    result = summary.results[0]
    assert result.outcome == "failed" and result.http_status == 429 and "429" in result.error
    got = store.get(feed.id)
    assert got.fail_count == 1 and got.last_status == 429
    assert 7200 <= got.next_check - clock.t <= 7200 * 1.1
    assert store.due(clock.t + 3600) == []


def test_301_updates_the_stored_url_302_does_not(server, store, entries, clock):
    server.route("/new", feed_route(rss(1)))
    moved = store.add(server.route("/old", redirect(server.url("/new"), 301)))
    temporary = store.add(server.route("/tmp", redirect(server.url("/new2"), 302)))
    server.route("/new2", feed_route(rss(1, title="Other")))
    summary = refresh(store, entries, clock)
    by_id = {r.feed_id: r for r in summary.results}
    assert by_id[moved.id].moved_to == server.url("/new") and summary.moved == [by_id[moved.id]]
    assert store.get(moved.id).url == server.url("/new")
    assert by_id[temporary.id].moved_to is None and store.get(temporary.id).url == server.url("/tmp")
    assert all(r.outcome == "fetched" and r.new == 1 for r in summary.results)


def test_410_stops_the_feed_and_says_so(server, store, entries, clock):
    feed = store.add(server.route("/gone", raw_response(410, {"Content-Length": "0"})))
    result = refresh(store, entries, clock).results[0]
    assert result.outcome == "gone" and not result.ok
    assert "gone (HTTP 410)" in result.error and "no longer checked" in result.error
    got = store.get(feed.id)
    assert got.gone and "410" in got.last_error
    assert store.due(clock.t + 365 * 86400) == []


# -- hostile servers ------------------------------------------------------------------------

def test_gzip_bomb_and_a_300_mb_body_fail_with_the_size_reason(server, store, entries, clock):
    bomb = store.add(server.route("/bomb", gzip_bomb(200_000_000)))
    huge = store.add(server.route("/huge", chunked_body(300_000_000, honest_length=False)))
    tracemalloc.start()
    try:
        summary = refresh(store, entries, clock)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    for result in summary.results:
        assert result.outcome == "failed" and "too large (over 10,000,000 bytes)" in result.error
    assert peak < 60_000_000
    assert store.get(bomb.id).fail_count == store.get(huge.id).fail_count == 1
    assert not entries.exists() or not list(entries.rglob("*.txt"))


def test_slow_drip_hits_the_deadline(server, store, entries, clock):
    store.add(server.route("/drip", drip(rss(1).encode(), interval=0.2, content_type="application/rss+xml")))
    fast = FetchSettings(jobs=2, per_host=2, timeout=3.0, deadline=1.0)
    result = refresh(store, entries, clock, settings=fast).results[0]
    assert result.outcome == "failed" and result.error == "timeout after 1 s"


def test_redirect_loop_and_blocked_private_address(server, store, entries, clock):
    loop = store.add(server.route("/a", redirect(server.url("/b"))))
    server.route("/b", redirect(server.url("/a")))
    result = refresh(store, entries, clock, [loop]).results[0]
    assert result.outcome == "failed" and result.error == "redirect loop"

    before = server.hits()
    good = store.add(server.route("/ok", feed_route(rss(1))))
    result = refresh(store, entries, clock, [good], allow_private=False).results[0]
    assert result.outcome == "failed" and "blocked address 127.0.0.1 (loopback)" in result.error
    assert server.hits() == before


def test_not_a_feed_fails_with_the_parser_reason(server, store, entries, clock):
    store.add(server.route("/page", html_page("<html><body>hello</body></html>")))
    result = refresh(store, entries, clock).results[0]
    assert result.outcome == "failed" and "web page, not a feed" in result.error


def test_fifty_thousand_entries_in_one_feed(server, store, entries, clock):
    items = [{"id": str(n), "title": f"Entry {n}", "content_text": "x"} for n in range(50_000)]
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "Big", "items": items})
    feed = store.add(server.route("/big", feed_route(body, "application/feed+json")))
    result = refresh(store, entries, clock).results[0]
    assert result.outcome == "fetched" and result.new == 50_000, result.error
    assert len(list((entries / str(feed.id)).iterdir())) == 50_000
    assert store.get(feed.id).entry_count == 50_000


def test_a_failing_feed_beside_good_ones(server, store, entries, clock):
    good = [store.add(server.route(f"/good{n}", feed_route(rss([(f"g{n}", f"Good {n}")])))) for n in range(5)]
    bad = store.add(server.route("/bad", slow_page("never mind", 10.0)))
    quick = FetchSettings(jobs=4, per_host=2, timeout=0.5, deadline=1.0)
    summary = refresh(store, entries, clock, settings=quick)
    by_id = {r.feed_id: r for r in summary.results}
    assert by_id[bad.id].outcome == "failed" and summary.failed == [by_id[bad.id]]
    assert all(by_id[f.id].outcome == "fetched" and by_id[f.id].new == 1 for f in good)
    assert store.get(bad.id).fail_count == 1 and store.get(bad.id).last_error


def test_never_more_than_per_host_at_once(store, entries, clock):
    stats = InFlight()
    with TestServer(stats=stats) as s1, TestServer(host="127.0.0.2", stats=stats) as s2:
        for s in (s1, s2):
            for n in range(6):
                store.add(s.route(f"/f{n}", lambda ctx, n=n: (ctx.stop.wait(0.2), feed_route(rss(1))(ctx))))
        summary = refresh(store, entries, clock, settings=FetchSettings(jobs=8, per_host=2, timeout=3, deadline=5))
    assert all(r.outcome == "fetched" for r in summary.results) and len(summary.results) == 12
    assert max(stats.per_host_max.values()) == 2
    assert stats.max_in_flight == 4


# -- prune, unsubscribe, subscribe -------------------------------------------------------------

def test_prune_keeps_flagged_and_recent_entries(server, store, entries, clock):
    old = "<item><guid>{0}</guid><title>{0}</title><pubDate>Mon, 06 Sep 2021 16:45:00 GMT</pubDate></item>"
    two = old.format("o1") + old.format("o2")
    feed = store.add(server.route("/f", feed_route(rss([], extra=two))))
    refresh(store, entries, clock)
    files = sorted((entries / str(feed.id)).glob("*.txt"))
    flagged = next(p for p in files if "o1" in p.read_text())
    clock.t += 31 * 86400
    server.route("/f", feed_route(rss([], extra=two + "<item><guid>n1</guid><title>fresh</title></item>")))
    assert refresh(store, entries, clock).results[0].new == 1
    assert prune(store, entries, 31, [], now=clock.t) == []          # not old enough yet
    deleted = prune(store, entries, 30, [flagged], now=clock.t)
    left = "".join(p.read_text() for p in entries.rglob("*.txt"))
    assert len(deleted) == 1 and "o2" not in left and "o1" in left and "fresh" in left
    assert store.get(feed.id).entry_count == 2
    clock.t += 2 * HOUR   # the feed still carries o2, changed: it does not come back
    server.route("/f", feed_route(rss([], extra=two.replace(">o2</title>", ">o2 again</title>"))))
    assert refresh(store, entries, clock).results[0].new == 0
    assert len(list(entries.rglob("*.txt"))) == 2


def test_unsubscribe_deletes_files_except_kept_ones(server, store, entries, clock):
    feed = store.add(server.route("/f", feed_route(rss(3))))
    refresh(store, entries, clock)
    files = sorted((entries / str(feed.id)).glob("*.txt"))
    assert unsubscribe(store, entries, feed, [files[0]]) == 2
    assert store.get(feed.id) is None and [p for p in entries.rglob("*.txt")] == [files[0]]


def probe(url: str):
    async def run():
        async with Fetcher(SETTINGS, None, allow_private=True) as fetcher:
            return await subscribe(fetcher, url)

    return asyncio.run(run())


def test_subscribe_to_a_feed_a_home_page_or_nothing(server):
    server.route("/feed.xml", feed_route(rss(2)))
    server.route("/atom", feed_route(ATOM, "text/xml"))
    page = ('<html><head><link rel="alternate" type="application/rss+xml" title="Main" href="/feed.xml">'
            '<link rel="alternate" type="application/atom+xml" href="atom"></head><body></body></html>')
    server.route("/", html_page(page))
    server.route("/moved", redirect(server.url("/feed.xml"), 308))
    found = probe(server.url("/feed.xml"))
    assert isinstance(found, Probe) and found.url == server.url("/feed.xml") and len(found.feed.entries) == 2
    assert probe(server.url("/moved")).url == server.url("/feed.xml")
    links = probe(server.url("/"))
    assert [(f.url, f.title, f.kind) for f in links] == [
        (server.url("/feed.xml"), "Main", "rss"), (server.url("/atom"), "", "atom")]
    server.route("/nolinks", html_page("<html><head></head><body>hi</body></html>"))
    assert probe(server.url("/nolinks")) == []
    server.route("/png", raw_response(200, {"Content-Type": "image/png", "Content-Length": "4"}, b"\x89PNG"))
    with pytest.raises(SubscribeError, match="neither a feed nor a web page"):
        probe(server.url("/png"))
    with pytest.raises(SubscribeError, match="HTTP 404"):
        probe(server.url("/missing"))
    assert time.time() > 0


# -- many feeds: parsed and written in worker processes ---------------------------------------------

def test_many_feeds_go_through_the_parser_processes(server, store, entries, clock):
    from feedreader.core.feeds.parsepool import POOL_AFTER

    body = {n: rss([(f"f{n}-{i}", f"Feed {n} entry {i}") for i in range(3)]) for n in range(POOL_AFTER + 6)}
    feeds = [store.add(server.route(f"/many/{n}", lambda ctx, n=n: feed_route(body[n])(ctx))) for n in body]
    summary = refresh(store, entries, clock)
    assert [r.outcome for r in summary.results] == ["fetched"] * len(feeds) and summary.new == 3 * len(feeds)
    for n, feed in enumerate(feeds):
        assert set(documents(entries, feed)) == {f"Feed {n} entry {i}" for i in range(3)}
        assert store.get(feed.id).entry_count == 3
    assert not [p for p in entries.rglob("*") if p.name.startswith(".")]   # no temporary left

    clock.t += 2 * HOUR   # one entry changes, one is new in every feed
    for n in body:
        body[n] = rss([(f"f{n}-0", f"Feed {n} changed"), (f"f{n}-1", f"Feed {n} entry 1"),
                       (f"f{n}-2", f"Feed {n} entry 2"), (f"f{n}-9", f"Feed {n} new")])
    summary = refresh(store, entries, clock)
    assert (summary.new, summary.changed) == (len(feeds), len(feeds))
    for n, feed in enumerate(feeds):
        got = documents(entries, feed)
        assert set(got) == {f"Feed {n} changed", f"Feed {n} entry 1", f"Feed {n} entry 2", f"Feed {n} new"}
        assert got[f"Feed {n} new"].published.isoformat() == "2021-09-06T16:45:00+00:00"


def test_the_parser_pool_writes_new_entries_only(tmp_path):
    from feedreader.core.feeds.parsepool import FeedParsers

    async def run():
        parsers = FeedParsers(workers=2, pool_after=0)
        try:
            out: list = []
            for n in range(3):
                # 1: id-0 known with another content (it changed); 2: known as it is
                known = {} if n == 0 else {"id-0": "an older hash" if n == 1 else out[0][0].entries[0].content_hash}
                out.append(await parsers.parse(rss(4).encode(), "https://e.org/f.xml", "application/rss+xml",
                                               "https://e.org/f.xml", ("", "", "e.org"), lambda: 1.7e9,
                                               tmp_path / str(n), known))
            return parsers.started, out
        finally:
            await parsers.close()

    started, out = asyncio.run(run())
    assert started
    for n, (parsed, written, stamp) in enumerate(out):
        assert len(parsed.entries) == 4 and stamp == 1.7e9
        assert sorted(written) == [f"id-{i}" for i in range(0 if n == 0 else 1, 4)]
        assert sorted(p.name for p in (tmp_path / str(n)).iterdir()) == sorted(written.values())
        for name in written.values():
            article, problems = load_document(tmp_path / str(n) / name)
            assert article is not None and problems == ()
        # what comes back from the pool: key, hash and dates; the whole entry only when it changed
        for entry in parsed.entries:
            assert entry.key and len(entry.content_hash) == 64 and entry.published is not None
            full = n == 1 and entry.key == "id-0"
            assert bool(entry.title and entry.link) == full, (n, entry)
