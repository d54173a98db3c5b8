"""The fetcher against a real HTTP server on 127.0.0.1 (tests/helpers/httpserver.py).

No mocks of httpx: every test talks TCP to a server thread that can misbehave
like a hostile one (drip, reset, gzip bomb, lying lengths, redirect games).
"""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import json
import time
import tracemalloc

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
    reset_after,
    slow_page,
    status_page,
)

from feedreader.core.web.settings import FetchSettings
from feedreader.core.web.fetch import Fetcher, FetchResult, PageCache, fetch_urls
from feedreader.core.model import Article
from feedreader.core.web.netguard import AddressPolicy, address_kind
from feedreader.core.web.pagecache import url_key


def readable_for(article: Article, cache: PageCache):
    """The readable text of ``article``'s cached page, or None (no URL, not cached, nothing readable)."""
    return cache.readable(article.url) if article.url else None


SETTINGS = FetchSettings(jobs=4, per_host=2, timeout=3.0, deadline=5.0, max_bytes=200_000, max_redirects=3)
LOOPBACK = ("127.0.0.0/8",)

ARTICLE = """<!doctype html><html><head><meta charset="utf-8"><title>Site | A story</title>
<meta property="og:title" content="A story worth reading"></head>
<body><nav><a href="/">Home</a> <a href="/sections">Sections</a></nav>
<article><h1>A story worth reading</h1>
<p>The first paragraph explains what happened, with a <a href="https://example.org/source">source</a>
and enough words to count as content for the extractor to keep it around.</p>
<p>The second paragraph adds detail. It is also long enough to be kept as a paragraph of the article body.</p>
<ul><li>first point</li><li>second point</li></ul>
</article><footer>Copyright and cookie notices</footer></body></html>"""


@pytest.fixture
def server():
    with TestServer() as s:
        yield s


@pytest.fixture
def cache(tmp_path):
    return PageCache(tmp_path / "pages")


async def fetch_one(url: str, cache: PageCache, settings: FetchSettings = SETTINGS, **kw) -> FetchResult:
    kw.setdefault("allow_private", True)
    async with Fetcher(settings, cache, **kw) as fetcher:
        return await fetcher.fetch(url)


# -- success, cache, revalidation ---------------------------------------------------

async def test_200_html_is_cached_and_readable(server, cache):
    url = server.route("/story", html_page(ARTICLE))
    result = await fetch_one(url, cache)
    assert result.status == "fetched", result
    assert result.error is None
    assert result.bytes == len(ARTICLE.encode())
    assert result.final_url == url and result.http_status == 200

    status = cache.status(url)
    assert status.state == "cached" and status.error is None and status.size == result.bytes
    assert cache.html(url) == ARTICLE
    key = url_key(url)
    files = sorted(p.name for p in cache.dir.iterdir())
    assert files == [f"{key}.html", f"{key}.json"]          # no temp files left behind
    meta = json.loads((cache.dir / f"{key}.json").read_text())
    assert meta["url"] == url and meta["final_url"] == url and meta["status"] == 200

    text = cache.readable(url)
    assert text.title == "A story worth reading"
    assert "The first paragraph explains what happened" in text.text
    assert "• first point" in text.text
    assert "Copyright" not in text.text and "Sections" not in text.text
    assert text.links == ("https://example.org/source",)
    assert "source [1]" in text.text
    # the extraction is kept next to the page, and used again
    assert (cache.dir / f"{key}.text.json").exists()
    assert cache.readable(url) == text

    article = Article(id="x", identity=url, path="/tmp/a.md", url=url)
    assert readable_for(article, cache) == text
    assert readable_for(Article(id="y", identity="i", path="/tmp/b.md", url=None), cache) is None


async def test_304_revalidation_keeps_the_copy(server, cache):
    url = server.route("/page", html_page(ARTICLE, etag='"v1"'))
    assert (await fetch_one(url, cache)).status == "fetched"
    assert "if-none-match" not in server.requests[-1].headers

    again = await fetch_one(url, cache)
    assert again.status == "not_modified", again
    assert server.requests[-1].headers["if-none-match"] == '"v1"'
    assert cache.html(url) == ARTICLE

    # the server really compares: a new version is fetched in full
    server.route("/page", html_page(ARTICLE.replace("first paragraph", "updated paragraph"), etag='"v2"'))
    third = await fetch_one(url, cache)
    assert third.status == "fetched"
    assert "updated paragraph" in cache.html(url)
    assert "updated paragraph" in cache.readable(url).text   # extraction redone for the new copy


async def test_last_modified_revalidation(server, cache):
    stamp = "Wed, 21 Oct 2015 07:28:00 GMT"
    url = server.route("/lm", html_page(ARTICLE, last_modified=stamp))
    assert (await fetch_one(url, cache)).status == "fetched"
    again = await fetch_one(url, cache)
    assert again.status == "not_modified"
    assert server.requests[-1].headers["if-modified-since"] == stamp


# -- redirects ---------------------------------------------------------------------------

async def test_redirects_are_followed(server, cache):
    server.route("/new", html_page(ARTICLE))
    server.route("/middle", redirect(server.url("/new"), 301))
    url = server.route("/old", redirect("/middle", 302))      # relative Location
    result = await fetch_one(url, cache)
    assert result.status == "fetched", result
    assert result.final_url == server.url("/new")
    assert cache.html(url) == ARTICLE                          # cached under the URL asked for
    assert [r.path for r in server.requests] == ["/old", "/middle", "/new"]


async def test_redirect_loop(server, cache):
    server.route("/a", redirect("/b"))
    url = server.route("/b", redirect("/a"))
    result = await fetch_one(url, cache)
    assert (result.status, result.error) == ("failed", "redirect loop")
    assert server.hits() == 2


async def test_too_many_redirects(server, cache):
    for i in range(6):
        server.route(f"/r{i}", redirect(f"/r{i + 1}"))
    server.route("/r6", html_page(ARTICLE))
    result = await fetch_one(server.url("/r0"), cache)
    assert result.error == "too many redirects"
    assert server.hits() == SETTINGS.max_redirects + 1


async def test_redirect_to_another_scheme_is_refused(server, cache):
    url = server.route("/x", redirect("file:///etc/passwd"))
    result = await fetch_one(url, cache)
    assert result.status == "failed"
    assert result.error.startswith("invalid redirect target: scheme 'file'")


# -- failures --------------------------------------------------------------------------

@pytest.mark.parametrize("code", [404, 500])
async def test_http_errors(server, cache, code):
    url = server.route("/e", status_page(code))
    result = await fetch_one(url, cache)
    assert (result.status, result.error) == ("failed", f"HTTP {code}")
    assert cache.status(url).state == "failed"
    assert cache.status(url).error == f"HTTP {code}"
    assert cache.html(url) is None


async def test_drip_is_cut_at_the_deadline(server, cache):
    url = server.route("/drip", drip(b"<html>" + b"x" * 100, interval=1.0))
    settings = FetchSettings(timeout=5.0, deadline=1.0, max_bytes=200_000)
    start = time.monotonic()
    result = await fetch_one(url, cache, settings)
    took = time.monotonic() - start
    assert (result.status, result.error) == ("failed", "timeout after 1 s")
    assert 0.9 <= took < 3.0


async def test_read_timeout_when_the_server_goes_quiet(server, cache):
    url = server.route("/quiet", drip(b"<html>", interval=10.0))
    settings = FetchSettings(timeout=0.5, deadline=10.0, max_bytes=200_000)
    result = await fetch_one(url, cache, settings)
    assert result.error == "no data for 0.5 s"
    assert result.elapsed < 3


async def test_body_over_the_cap_with_honest_length(server, cache):
    url = server.route("/big", chunked_body(SETTINGS.max_bytes + 1, honest_length=True))
    result = await fetch_one(url, cache)
    assert result.error == "too large (over 200,000 bytes)"


async def test_body_over_the_cap_without_length(server, cache):
    url = server.route("/big", chunked_body(3 * SETTINGS.max_bytes, honest_length=False))
    result = await fetch_one(url, cache)
    assert result.error == "too large (over 200,000 bytes)"
    # the same server under the cap works: the test above measures the cap, not a failure
    ok = server.route("/ok", chunked_body(SETTINGS.max_bytes - 10, honest_length=False))
    assert (await fetch_one(ok, cache)).bytes == SETTINGS.max_bytes - 10


async def test_gzip_bomb_is_cut_without_inflating_it(server, cache):
    url = server.route("/bomb", gzip_bomb(100_000_000))          # ~100 KB on the wire
    tracemalloc.start()
    try:
        result = await fetch_one(url, cache)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.error == "too large (over 200,000 bytes)"
    assert peak < 10_000_000, f"peak {peak:,} bytes: the body was inflated in memory"


async def test_gzip_page_is_decoded(server, cache):
    body = gzip.compress(ARTICLE.encode())
    url = server.route("/gz", raw_response(200, {
        "Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip", "Content-Length": str(len(body)),
    }, body))
    result = await fetch_one(url, cache)
    assert result.status == "fetched"
    assert cache.html(url) == ARTICLE


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Content-Type": "image/png"}, "not HTML (image/png)"),
        ({"Content-Type": "application/json; charset=utf-8"}, "not HTML (application/json)"),
        ({}, "not HTML (no content type)"),
        ({"Content-Type": "image/\x1b[2Jgif"}, "not HTML (image/gif)"),   # terminal escapes dropped
    ],
)
async def test_non_html_is_refused(server, cache, headers, reason):
    url = server.route("/thing", raw_response(200, {**headers, "Content-Length": "3"}, b"abc"))
    result = await fetch_one(url, cache)
    assert (result.status, result.error) == ("failed", reason)


async def test_connection_reset_mid_body(server, cache):
    url = server.route("/reset", reset_after(b"<html><body>" + b"x" * 5000, declared_length=100_000))
    result = await fetch_one(url, cache)
    assert (result.status, result.error) == ("failed", "connection reset")


async def test_unsupported_content_encoding(server, cache):
    url = server.route("/br", raw_response(200, {
        "Content-Type": "text/html", "Content-Encoding": "br", "Content-Length": "4"}, b"\x0b\x01\x80\x03"))
    result = await fetch_one(url, cache)
    assert result.error == "unsupported content encoding (br)"


async def test_a_failed_refetch_keeps_the_good_copy(server, cache):
    url = server.route("/page", html_page(ARTICLE))
    assert (await fetch_one(url, cache)).status == "fetched"
    good = cache.status(url)

    server.route("/page", status_page(500))
    result = await fetch_one(url, cache)
    assert result.error == "HTTP 500"
    status = cache.status(url)
    assert status.state == "cached" and status.error == "HTTP 500"
    assert status.fetched_at == good.fetched_at
    assert cache.html(url) == ARTICLE
    assert "first paragraph" in cache.readable(url).text

    server.route("/page", gzip_bomb(10_000_000))
    assert (await fetch_one(url, cache)).status == "failed"
    assert cache.html(url) == ARTICLE

    # and a later success clears the error
    server.route("/page", html_page(ARTICLE))
    assert (await fetch_one(url, cache)).status == "fetched"
    assert cache.status(url).error is None


@pytest.mark.parametrize(
    "make",
    [
        lambda s: "file:///etc/passwd",
        lambda s: "-" + s.url("/a"),
        lambda s: s.url("/a").replace("http://", "http://user:pw@"),
        lambda s: s.url("/a b"),
        lambda s: s.url("/a") + "\x1b[2J",
        lambda s: "javascript:alert(1)",
        lambda s: s.url("/a").replace("/a", "\\a"),
        lambda s: "",
    ],
)
async def test_invalid_urls_are_refused_without_connecting(server, cache, make):
    server.route("/a", html_page(ARTICLE))
    result = await fetch_one(make(server), cache)
    assert result.status == "failed"
    assert result.error.startswith("invalid URL: ")
    assert server.hits() == 0


# -- blocked addresses -------------------------------------------------------------------

# the message names the setting that lets such an address through (issue 14)
HINT = ": set allow_private_hosts = true in config.toml to allow it"


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("192.168.1.20", "private"),
        ("172.16.5.4", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("100.64.0.1", "shared/CGNAT"),
        ("fc00::1", "private"),
        ("240.0.0.1", "private"),            # reserved class E: Python files it under private too
        ("::ffff:127.0.0.1", "loopback, IPv4-mapped"),
        ("::ffff:10.1.2.3", "private, IPv4-mapped"),
        ("2002:7f00:1::", "loopback, 6to4"),
        ("2002:a9fe:a9fe::", "link-local, 6to4"),
        ("64:ff9b::a00:1", "private, NAT64"),
        ("::127.0.0.1", "loopback, IPv4-compatible"),
    ],
)
def test_address_policy_blocks_non_public_addresses(address, kind):
    ip = ipaddress.ip_address(address)
    assert address_kind(ip) == kind
    policy = AddressPolicy.make()
    assert policy.problem(address) == f"blocked address {ip} ({kind}){HINT}"
    assert AddressPolicy.make(allow_private=True).problem(address) is None


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "2002:808:808::"])
def test_address_policy_lets_public_addresses_through(address):
    assert AddressPolicy.make().problem(address) is None


def test_allowlist_is_narrow():
    policy = AddressPolicy.make(allow_networks=LOOPBACK)
    assert policy.problem("127.0.0.1") is None
    assert policy.problem("::ffff:127.0.0.1") is None
    assert policy.problem("10.0.0.1") == "blocked address 10.0.0.1 (private)" + HINT
    assert policy.problem("::1") == "blocked address ::1 (loopback)" + HINT


async def test_loopback_is_refused_by_default(server, cache):
    url = server.route("/a", html_page(ARTICLE))
    result = await fetch_one(url, cache, allow_private=False)
    assert (result.status, result.error) == ("failed", "blocked address 127.0.0.1 (loopback)" + HINT)
    assert server.hits() == 0
    assert cache.status(url).error == "blocked address 127.0.0.1 (loopback)" + HINT


async def test_a_name_resolving_to_loopback_is_refused_at_connect_time(server, cache):
    # "localhost" is not an IP literal: this goes through the resolver and the
    # guarded connection, proving the transport really checks what it connects to
    server.route("/a", html_page(ARTICLE))
    result = await fetch_one(server.url("/a", host="localhost"), cache, allow_private=False)
    assert result.status == "failed"
    assert result.error.startswith("blocked address ") and "loopback" in result.error
    assert server.hits() == 0


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", "blocked address 169.254.169.254 (link-local)" + HINT),
        ("http://10.0.0.1/admin", "blocked address 10.0.0.1 (private)" + HINT),
        ("http://[::ffff:192.168.0.1]/", "blocked address ::ffff:c0a8:1 (private, IPv4-mapped)" + HINT),
    ],
)
async def test_redirect_to_a_blocked_address_is_refused_before_connecting(server, cache, target, reason):
    # the test server is reachable through the narrow loopback allowlist only
    url = server.route("/go", redirect(target))
    start = time.monotonic()
    result = await fetch_one(url, cache, allow_private=False, allow_networks=LOOPBACK)
    assert (result.status, result.error) == ("failed", reason)
    assert time.monotonic() - start < 2        # no connection attempt to wait for
    assert server.hits() == 1


async def test_redirect_to_a_name_that_resolves_to_a_private_address(server, cache):
    attempts = []

    async def resolver(host, port, timeout):
        attempts.append(host)
        return {"intranet.test": ["10.1.2.3"], "mixed.test": ["93.184.216.34", "192.168.0.7"]}.get(host, [host])

    server.route("/to-intranet", redirect("http://intranet.test/secret"))
    server.route("/to-mixed", redirect("http://mixed.test/secret"))
    kw = dict(allow_private=False, allow_networks=LOOPBACK, resolver=resolver)
    result = await fetch_one(server.url("/to-intranet"), cache, **kw)
    assert result.error == "blocked address 10.1.2.3 (private)" + HINT
    # one private answer among public ones is enough to refuse
    result = await fetch_one(server.url("/to-mixed"), cache, **kw)
    assert result.error == "blocked address 192.168.0.7 (private)" + HINT
    assert "intranet.test" in attempts and "mixed.test" in attempts


# -- concurrency ----------------------------------------------------------------------

async def test_concurrency_is_bounded_overall_and_per_host(cache):
    stats = InFlight()
    held = InFlight()
    servers = []
    try:
        for host in ("127.0.0.1", "127.0.0.2", "127.0.0.3"):
            try:
                servers.append(TestServer(host, stats).start())
            except OSError:
                pytest.skip(f"cannot listen on {host}")
        urls = []
        for s in servers:
            for i in range(6):
                urls.append(s.route(f"/p{i}", slow_page("<html><body><p>x</p></body></html>", 0.25, held)))
        settings = FetchSettings(jobs=4, per_host=2, timeout=5, deadline=10, max_bytes=100_000)
        progress = []
        async with Fetcher(settings, cache, allow_private=False, allow_networks=LOOPBACK) as fetcher:
            results = await fetcher.fetch_many(urls, lambda *a: progress.append(a[:3]))
    finally:
        for s in servers:
            s.stop()
    assert [r.status for r in results] == ["fetched"] * len(urls)
    assert [r.url for r in results] == urls
    # (counted while the server holds them, before any byte of the answer: the server's
    # own count ends after the last byte, and under load the client's next request could
    # arrive first, one more than the client ever had in flight)
    assert held.max_in_flight == settings.jobs                   # bounded, and actually parallel
    assert max(held.per_host_max.values()) == settings.per_host
    assert stats.max_in_flight >= settings.jobs
    assert progress[-1] == (len(urls), 0, len(urls))
    assert [p[0] for p in progress] == list(range(1, len(urls) + 1))


async def test_fetch_many_counts_failures_and_dedupes(server, cache):
    good = server.route("/good", html_page(ARTICLE))
    bad = server.route("/bad", status_page(404))
    seen = []
    async with Fetcher(SETTINGS, cache, allow_private=True) as fetcher:
        results = await fetcher.fetch_many([good, bad, good, "nope"], lambda d, f, t, r: seen.append((d, f, t)))
    assert [r.status for r in results] == ["fetched", "failed", "fetched", "failed"]
    assert results[3].url == "nope" and results[3].error.startswith("invalid URL")
    assert seen[-1] == (3, 2, 3)
    assert server.hits("/good") == 1


def test_fetch_urls_runs_without_an_event_loop(server, cache):
    url = server.route("/s", html_page(ARTICLE))
    results = fetch_urls([url], SETTINGS, cache, allow_private=True)
    assert results[0].status == "fetched"
    assert cache.status(url).cached


def test_fetcher_is_cheap_to_import_and_builds_nothing_at_import():
    import feedreader.core.web.fetch as fetch

    assert not any(isinstance(v, (Fetcher, asyncio.AbstractEventLoop)) for v in vars(fetch).values())
