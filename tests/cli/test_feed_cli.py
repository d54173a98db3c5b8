"""`feedreader feed ...` as a real process against a real local HTTP server."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from helpers.httpserver import TestServer, html_page, raw_response


def rss(title: str, n: int) -> str:
    items = "".join(f"<item><guid>{title}-{i}</guid><title>{title} {i}</title>"
                    f"<link>https://example.com/{title}/{i}</link></item>" for i in range(n))
    return f"<?xml version='1.0'?><rss version='2.0'><channel><title>{title}</title>{items}</channel></rss>"


def run(*args: str, allow_private: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["FEEDREADER_ALLOW_PRIVATE_HOSTS"] = "1" if allow_private else "0"
    return subprocess.run([sys.executable, "-m", "feedreader", "feed", *args],
                          capture_output=True, text=True, timeout=120, env=env)


def listing() -> list[dict]:
    out = run("list", "--json")
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


@pytest.fixture
def server():
    with TestServer() as s:
        s.route("/one.xml", html_page(rss("One", 3), content_type="application/rss+xml", etag='"e1"'))
        s.route("/two.xml", html_page(rss("Two", 2), content_type="application/rss+xml"))
        s.route("/gone.xml", raw_response(410, {"Content-Length": "0"}))
        yield s


def test_add_directly_and_via_a_home_page(server, isolated_dirs):
    out = run("add", server.url("/one.xml"), "--folder", "News/Tech")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == (f"subscribed to One ({server.url('/one.xml')}) in News/Tech, id 1: "
                                  "an RSS feed with 3 entries, 3 new")
    assert len(list((isolated_dirs["data"] / "feeds" / "1").glob("*.txt"))) == 3
    assert server.hits("/one.xml") == 1    # the first fetch is the probe: not fetched twice

    one_link = '<html><head><link rel="alternate" type="application/rss+xml" href="/two.xml"></head></html>'
    server.route("/site", html_page(one_link))
    out = run("add", server.url("/site"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"subscribed to Two ({server.url('/two.xml')}), id 2")

    again = run("add", server.url("/one.xml"))
    assert again.returncode == 1 and "subscribed already" in again.stderr
    feeds = listing()
    assert [(f["id"], f["title"], f["folder"], f["entries"], f["last_status"]) for f in feeds] == [
        (2, "Two", "", 2, 200), (1, "One", "News/Tech", 3, 200)]
    assert all(f["last_error"] is None and f["next_check"] > f["last_fetch"] for f in feeds)


def test_a_page_with_several_feeds_asks_for_pick(server):
    page = ('<html><head><link rel="alternate" type="application/rss+xml" title="First" href="/one.xml">'
            '<link rel="alternate" type="application/rss+xml" title="Second [b]x[/b]" href="/two.xml"></head></html>')
    server.route("/home", html_page(page))
    out = run("add", server.url("/home"))
    assert out.returncode == 1 and out.stdout == ""
    assert "links to 2 feeds; choose one with --pick N" in out.stderr
    assert f"  2. Second [b]x[/b] (rss) {server.url('/two.xml')}" in out.stderr   # no markup rendered
    assert listing() == []
    out = run("add", server.url("/home"), "--pick", "2")
    assert out.returncode == 0, out.stderr
    assert [f["url"] for f in listing()] == [server.url("/two.xml")]
    assert run("add", server.url("/home"), "--pick", "3").returncode == 2


def test_refresh_summary_and_exit_status(server):
    for path in ("/one.xml", "/two.xml"):
        assert run("add", server.url(path)).returncode == 0
    out = run("refresh")
    assert out.returncode == 0 and out.stdout.strip().startswith("no feeds are due")
    out = run("refresh", "--all")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2 feeds: 0 new entries, 0 updated, 1 fetched, 1 not modified, 0 failed"
    assert "\r" not in out.stderr     # no progress bar off a terminal

    server.route("/one.xml", html_page(rss("One", 5), content_type="application/rss+xml"))
    assert run("add", server.url("/gone.xml")).returncode == 1    # 410 on subscribing: not added
    missing = run("import", "/nonexistent/urls")
    assert missing.returncode == 1 and "cannot read /nonexistent/urls" in missing.stderr
    out = run("refresh", "1", server.url("/two.xml"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2 feeds: 2 new entries, 0 updated, 2 fetched, 0 not modified, 0 failed"
    server.route("/two.xml", raw_response(503, {"Retry-After": "600", "Content-Length": "0"}))
    out = run("refresh", "--all")
    assert out.returncode == 1
    assert f"failed: Two ({server.url('/two.xml')}): HTTP 503" in out.stderr
    assert out.stdout.strip().endswith("1 failed")
    two = next(f for f in listing() if f["title"] == "Two")
    assert two["last_error"] == "HTTP 503" and two["last_status"] == 503
    assert two["next_check"] - two["last_fetch"] >= 600
    refused = run("refresh", "--all", allow_private=False)
    assert refused.returncode == 1 and "blocked address 127.0.0.1 (loopback): set allow_private_hosts = true in config.toml" in refused.stderr


def test_import_newsboat_urls_and_opml_then_export_round_trip(server, tmp_path):
    urls = tmp_path / "urls"
    urls.write_text(f'{server.url("/one.xml")} tech "~One by me"\n'
                    '"query:Unread:unread = \\"yes\\""\n'
                    "javascript:alert(1)\n"
                    f"{server.url('/two.xml')}\n", encoding="utf-8")
    out = run("import", str(urls))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("imported 2 feeds from urls (0 subscribed already, 2 problems)")
    skipped = [line for line in out.stderr.splitlines() if line.startswith("skipped: ")]
    assert len(skipped) == 2 and any("query:" in s for s in skipped) and any("line 3" in s for s in skipped)
    assert sorted((f["url"], f["folder"]) for f in listing()) == [
        (server.url("/one.xml"), "tech"), (server.url("/two.xml"), "")]

    assert run("rename", "2", 'Two & <friends>').returncode == 0
    exported = tmp_path / "out.opml"
    out = run("export", str(exported))
    assert out.returncode == 0 and out.stdout.strip() == f"wrote 2 feeds to {exported}"
    stdout = run("export")
    def undated(text: str) -> list[str]:
        return [line for line in text.splitlines() if "<dateCreated>" not in line]

    assert stdout.returncode == 0 and undated(stdout.stdout) == undated(exported.read_text())
    assert "Two &amp; &lt;friends&gt;" in exported.read_text()

    before = sorted((f["url"], f["folder"], f["title"]) for f in listing())
    assert run("remove", "1").returncode == 0 and run("remove", server.url("/two.xml")).returncode == 0
    assert listing() == []
    out = run("import", str(exported))
    assert out.returncode == 0 and out.stdout.startswith("imported 2 feeds"), out.stderr
    after = sorted((f["url"], f["folder"], f["title"]) for f in listing())
    # a user's title comes back as the feed's title; URLs and folders are the same
    assert [(u, f) for u, f, _ in after] == [(u, f) for u, f, _ in before]
    assert "Two & <friends>" in [t for _, _, t in after]


def test_remove_rename_move(server, isolated_dirs):
    assert run("add", server.url("/one.xml")).returncode == 0
    out = run("rename", server.url("/one.xml"), "My One")
    assert out.returncode == 0 and out.stdout.strip() == "feed 1 is now called My One"
    out = run("move", "1", "--folder", "Reading/Later")
    assert out.returncode == 0 and out.stdout.strip() == "moved My One to Reading/Later"
    assert [(f["title"], f["folder"]) for f in listing()] == [("My One", "Reading/Later")]
    missing = run("move", "7", "--folder", "x")
    assert missing.returncode == 1 and "no feed '7'" in missing.stderr
    out = run("remove", "1")
    assert out.returncode == 0 and out.stdout.strip() == f"removed My One ({server.url('/one.xml')}) and 3 entries"
    assert listing() == [] and not list((isolated_dirs["data"] / "feeds").rglob("*.txt"))
    assert run("remove", "1").returncode == 1


def test_a_feed_the_sync_server_brings_is_not_fetched_here(server, isolated_dirs):
    """A server feed (sync set its next local check to never) would get its
    entries twice if `refresh` fetched it too: --all leaves it out, naming it
    says why."""
    from feedreader.core.feeds.store import FeedStore
    from feedreader.core.sync.engine import NEVER

    assert run("add", server.url("/one.xml")).returncode == 0
    assert run("add", server.url("/two.xml")).returncode == 0
    with FeedStore(isolated_dirs["data"] / "feeds.sqlite") as store:
        synced = store.get(server.url("/two.xml"))
        assert synced is not None
        store.record_fetch(synced, status=None, next_check=NEVER)
    before = server.hits("/two.xml")
    out = run("refresh", "--all")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().startswith("1 feed: "), out.stdout
    out = run("refresh", str(synced.id))
    assert out.returncode == 0 and "its entries come from the feed server" in out.stderr, out.stderr
    assert server.hits("/two.xml") == before        # never fetched here
    assert server.hits("/one.xml") >= 2
