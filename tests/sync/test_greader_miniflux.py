"""The Google Reader client against a real Miniflux (tests/helpers/miniflux.py).

Each test gets a fresh Miniflux user (``account``), so feeds and marks of one
test never show up in another. Server-side state is checked through
Miniflux's own REST API, not through the client under test.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from helpers.httpserver import TestServer, html_page
from helpers.miniflux import Account, rss_feed

from feedreader.core.sync.greader import (
    STARRED,
    GReaderClient,
    SyncError,
    long_item_id,
    short_item_id,
)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5, trust_env=False) as client:
        yield client


def serve_feed(server: TestServer, title: str, count: int) -> tuple[str, list[dict[str, str]]]:
    """A new RSS feed of ``count`` items at a fresh path; returns (url, items)."""
    path = f"/feeds/{uuid.uuid4().hex}.xml"
    now = datetime.now(UTC)
    items = [{
        "guid": f"{path}#{n}",
        "title": f"{title} item {n}",
        "link": f"https://news.example/{title.replace(' ', '-')}/{n}",
        "description": f"<p>Body of <b>{title}</b> item {n}</p>",
        "author": "reporter@example.com (A Reporter)",
        "pubDate": format_datetime(now - timedelta(hours=n)),
    } for n in range(count)]
    url = server.route(path, html_page(rss_feed(title, items), content_type="application/rss+xml"))
    return url, items


def logged_in(http: httpx.Client, account: Account, **kw) -> GReaderClient:
    client = GReaderClient(http, account.greader_url, **kw)
    client.login(account.username, account.password)
    return client


def test_login_gives_a_masked_token_and_an_action_token(http, account):
    client = GReaderClient(http, account.greader_url)
    assert not client.logged_in
    auth = client.login(account.username, account.password)
    assert client.logged_in
    assert auth.reveal() and auth.reveal() not in repr(auth) + str(auth) + repr(client)
    token = client.token()
    assert token and token not in repr(client)
    assert client.subscriptions().subscriptions == ()      # a fresh user: nothing yet


def test_a_stored_auth_token_works_without_logging_in_again(http, account):
    auth = GReaderClient(http, account.greader_url).login(account.username, account.password)
    client = GReaderClient(http, account.greader_url, auth=auth)
    assert client.subscriptions().subscriptions == ()


@pytest.mark.parametrize("who", ["wrong password", "unknown user"])
def test_wrong_credentials_say_so_and_never_show_the_password(http, account, who):
    client = GReaderClient(http, account.greader_url)
    user, password = (account.username, "not-" + account.password) if who == "wrong password" \
        else ("nobody-" + account.username, account.password)
    with pytest.raises(SyncError) as caught:
        client.login(user, password)
    assert caught.value.kind == "auth"
    assert "wrong user name or password" in caught.value.message
    shown = str(caught.value) + repr(caught.value) + repr(client)
    assert password not in shown and account.password not in shown
    assert not client.logged_in


def test_calls_before_login_are_refused_clearly(http, account):
    with pytest.raises(SyncError, match="not logged in"):
        GReaderClient(http, account.greader_url).subscriptions()


def test_subscription_list_shows_feeds_added_through_rest(http, account, feed_server):
    url_a, _ = serve_feed(feed_server, "Alpha News", 2)
    url_b, _ = serve_feed(feed_server, "Beta Blog", 1)
    id_a = account.add_feed(url_a, category="World")
    id_b = account.add_feed(url_b)
    subs = logged_in(http, account).subscriptions()
    assert subs.dropped == ()
    by_id = {s.id: s for s in subs.subscriptions}
    assert set(by_id) == {f"feed/{id_a}", f"feed/{id_b}"}
    a, b = by_id[f"feed/{id_a}"], by_id[f"feed/{id_b}"]
    assert (a.title, a.url, a.folders) == ("Alpha News", url_a, ("World",))
    assert (b.title, b.url) == ("Beta Blog", url_b)
    assert b.folders and b.folders != ("World",)          # Miniflux's default category


def test_item_ids_and_contents_match_the_feed(http, account, feed_server):
    url, items = serve_feed(feed_server, "Gamma", 3)
    feed_id = account.add_feed(url)
    client = logged_in(http, account)
    ids = client.item_ids()
    assert len(ids) == 3 and all(i.startswith("tag:google.com,2005:reader/item/") for i in ids)
    got = client.items(ids)
    assert (got.dropped, got.missing) == ((), ())
    assert sorted(i.title for i in got.items) == sorted(i["title"] for i in items)
    by_title = {i.title: i for i in got.items}
    first = by_title["Gamma item 0"]
    assert first.url == items[0]["link"]
    assert first.feed_id == f"feed/{feed_id}"
    assert "<p>Body of" in first.content_html and "Gamma item 0" in first.content_html
    assert first.published is not None and abs(first.published - datetime.now(UTC)) < timedelta(minutes=5)
    assert not first.read and not first.starred
    assert by_title["Gamma item 2"].published < by_title["Gamma item 0"].published


def test_paging_follows_miniflux_continuations(http, account, feed_server):
    url, _ = serve_feed(feed_server, "Delta", 7)
    account.add_feed(url)
    client = logged_in(http, account, page_size=2)
    paged = client.item_ids()
    assert len(paged) == 7 and len(set(paged)) == 7
    assert set(paged) == set(logged_in(http, account).item_ids())


def test_unread_and_starred_streams_follow_server_side_changes(http, account, feed_server):
    url, _ = serve_feed(feed_server, "Epsilon", 4)
    feed_id = account.add_feed(url)
    entries = account.entries(feed_id)
    client = logged_in(http, account)
    assert len(client.unread_ids()) == 4 and client.starred_ids() == ()
    account.set_read([entries[0]["id"]])
    account.set_starred(entries[1]["id"])
    unread = client.unread_ids()
    assert long_item_id(entries[0]["id"]) not in unread and len(unread) == 3
    assert client.starred_ids() == (long_item_id(entries[1]["id"]),)
    state = {i.id: (i.read, i.starred) for i in client.items(client.item_ids()).items}
    assert state[long_item_id(entries[0]["id"])] == (True, False)
    assert state[long_item_id(entries[1]["id"])] == (False, True)


def test_edit_tag_marks_read_and_starred_both_ways(http, account, feed_server):
    url, _ = serve_feed(feed_server, "Zeta", 3)
    feed_id = account.add_feed(url)
    e0, e1, e2 = (e["id"] for e in account.entries(feed_id))
    client = logged_in(http, account)


    def server(field: str) -> list[object]:
        state = {e["id"]: e[field] for e in account.entries(feed_id)}
        return [state[e] for e in (e0, e1, e2)]

    client.mark_read([long_item_id(e0), long_item_id(e1)])
    assert server("status") == ["read", "read", "unread"]
    client.mark_read(long_item_id(e1), read=False)
    assert server("status") == ["read", "unread", "unread"]

    client.mark_starred([long_item_id(e2)])
    assert server("starred") == [False, False, True]
    client.edit_tags([long_item_id(e2)], remove=[STARRED])
    client.edit_tags([long_item_id(e0)], add=[STARRED])
    assert server("starred") == [True, False, False]


def test_many_marks_and_contents_go_in_batches(account, feed_server):
    url, _ = serve_feed(feed_server, "Batch", 12)
    feed_id = account.add_feed(url)
    ids = [e["id"] for e in account.entries(feed_id)]
    sent: list[str] = []
    hooks = {"request": [lambda request: sent.append(request.url.path)]}
    with httpx.Client(timeout=5, trust_env=False, event_hooks=hooks) as http:
        client = logged_in(http, account, batch_size=5)
        client.token()
        sent.clear()
        client.mark_read(ids)
        assert sent == ["/reader/api/0/edit-tag"] * 3          # 12 marks: 5 + 5 + 2
        assert {e["status"] for e in account.entries(feed_id)} == {"read"}
        sent.clear()
        got = client.items(ids)
        assert sent == ["/reader/api/0/stream/items/contents"] * 3
        assert len(got.items) == 12 and all(i.read for i in got.items)


def test_short_and_long_ids_name_the_same_items(http, account, feed_server):
    url, _ = serve_feed(feed_server, "Eta", 3)
    feed_id = account.add_feed(url)
    rest_ids = sorted(e["id"] for e in account.entries(feed_id))
    client = logged_in(http, account)
    long_ids = client.item_ids()
    assert sorted(int(short_item_id(i)) for i in long_ids) == rest_ids
    assert sorted(long_item_id(str(i)) for i in rest_ids) == sorted(long_ids)
    # the client accepts both forms and always sends the long one
    # (Miniflux 2.2 would read a short id as hex: "16" would be entry 22)
    by_short = client.items([short_item_id(i) for i in long_ids])
    by_long = client.items(long_ids)
    assert sorted(i.id for i in by_short.items) == sorted(i.id for i in by_long.items) == sorted(long_ids)
    client.mark_read([str(rest_ids[0])])
    status = {e["id"]: e["status"] for e in account.entries(feed_id)}
    assert [status[e] for e in rest_ids] == ["read", "unread", "unread"]


def test_subscribe_edit_and_unsubscribe_through_the_api(http, account, feed_server):
    url, _ = serve_feed(feed_server, "Theta", 2)
    client = logged_in(http, account)
    client.subscribe(url, title="My Theta", folder="Tech")
    (feed,) = account.feeds()
    assert (feed["feed_url"], feed["title"], feed["category"]["title"]) == (url, "My Theta", "Tech")
    stream = f"feed/{feed['id']}"
    client.edit_subscription(stream, title="Renamed", folder="Later")
    (sub,) = client.subscriptions().subscriptions
    assert (sub.id, sub.title, sub.folders) == (stream, "Renamed", ("Later",))
    client.unsubscribe(stream)
    assert account.feeds() == []
    other, _ = serve_feed(feed_server, "Iota", 1)
    new_stream = client.quickadd(other)
    assert new_stream is not None and new_stream.startswith("feed/")
    assert [s.url for s in client.subscriptions().subscriptions] == [other]


def test_a_stale_action_token_is_fetched_again_once(http, account, feed_server):
    url, _ = serve_feed(feed_server, "Kappa", 1)
    feed_id = account.add_feed(url)
    (entry,) = account.entries(feed_id)
    client = logged_in(http, account)
    client._token = "stale-token"          # as if the server had rotated it
    client.mark_read([entry["id"]])
    assert account.entry(entry["id"])["status"] == "read"
    assert client.token() != "stale-token"


def test_a_killed_server_gives_sync_error_and_recovers(http, account, feed_server, miniflux):
    url, _ = serve_feed(feed_server, "Lambda", 2)
    account.add_feed(url)
    client = logged_in(http, account)
    ids = client.item_ids()
    miniflux.kill()
    try:
        started = time.monotonic()
        with pytest.raises(SyncError) as caught:
            client.items(ids)
        assert caught.value.kind == "network" and "could not connect" in caught.value.message
        with pytest.raises(SyncError):
            client.mark_read(ids)
        assert time.monotonic() - started < 5
    finally:
        miniflux.start()
    assert len(client.items(ids).items) == 2               # the same client carries on


def test_a_hung_server_times_out_with_sync_error(account, miniflux):
    with httpx.Client(timeout=httpx.Timeout(1.0), trust_env=False) as http:
        client = logged_in(http, account)
        miniflux.pause()
        try:
            started = time.monotonic()
            with pytest.raises(SyncError) as caught:
                client.item_ids()
            assert time.monotonic() - started < 4
        finally:
            miniflux.resume()
    assert caught.value.kind == "network" and "did not answer in time" in caught.value.message
