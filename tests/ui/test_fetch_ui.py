"""Pilot tests of o (open), p, P (prefetch) and the reader view, against a real
HTTP server on 127.0.0.1 (the app is allowed to reach loopback for the test)."""

from __future__ import annotations

from pathlib import Path

from conftest import notices, screen_text
from docs import doc, write
from feedreader.ui.article_list import ArticleList
from feedreader.ui.article_view import RelatedList
from feedreader.ui.reader import ReaderScreen
from helpers.httpserver import TestServer, html_page, status_page

PAGE = """<html><head><title>Long read</title></head><body><article>
<h1>The whole story</h1>
<p>First paragraph of the full article, with enough words to count as real text for the extractor to keep.</p>
<p>Second paragraph, which mentions <a href="https://more.example.org/x">a source</a> and goes on for a while longer.</p>
<ul><li>one point</li><li>another point</li></ul>
</article></body></html>"""


def library(tmp_path: Path, server: TestServer) -> Path:
    folder = tmp_path / "docs"
    write(folder, "1.txt", doc("Good page", server.url("/good"), "2021-12-03T00:00:00Z"))
    write(folder, "2.txt", doc("Missing page", server.url("/missing"), "2021-12-02T00:00:00Z"))
    write(folder, "3.txt", doc("Bad link", "javascript:alert(1)", "2021-12-01T00:00:00Z",
                               related=[{"title": "Related one", "webUrl": server.url("/related")},
                                        {"title": "Sneaky", "webUrl": "file:///etc/passwd"}]))
    return folder


def serve() -> TestServer:
    server = TestServer().start()
    server.route("/good", html_page(PAGE))
    server.route("/missing", status_page(404))
    server.route("/related", html_page(PAGE))
    return server


async def test_o_opens_the_article_and_related_items_with_the_opener(make_app, tmp_path):
    opened: list[str] = []
    with serve() as server:
        app = make_app(library(tmp_path, server), opener=lambda url: opened.append(url) or True)
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.press("o")
            await app.workers.wait_for_complete()
            assert opened == [server.url("/good")]
            # the article is now read (opening counts)
            assert app.model.unread == len(app.model) - 1
            # a refused URL is never handed to the opener, and says why
            app.query_one(ArticleList).cursor = 2
            await pilot.pause()
            await pilot.press("o")
            assert opened == [server.url("/good")]
            assert any("scheme 'javascript'" in n or "javascript" in n for n in notices(app))
            # a related item: focus it and press o
            related = app.query_one(RelatedList)
            related.focus()
            related.highlighted = 0
            await pilot.press("o")
            await app.workers.wait_for_complete()
            assert opened[-1] == server.url("/related")
            related.highlighted = 1
            await pilot.press("o")
            await app.workers.wait_for_complete()
            assert opened[-1] == server.url("/related") and len(opened) == 2
    assert server.hits() == 0  # opening never fetches


async def test_p_prefetches_one_and_rows_show_state(make_app, tmp_path):
    with serve() as server:
        app = make_app(library(tmp_path, server), allow_private_hosts=True)
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.press("p")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert server.hits("/good") == 1
            assert "Saved for offline reading." in notices(app)
            assert "saved for offline reading" in screen_text(app)
            assert screen_text(app).splitlines()[1][2] == "✓"
            await pilot.press("j", "p")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert any("HTTP 404" in n for n in notices(app))
            assert "fetch failed: HTTP 404" in screen_text(app)
            assert screen_text(app).splitlines()[2][2] == "✗"


async def test_P_prefetches_the_view_in_the_background(make_app, tmp_path):
    with serve() as server:
        app = make_app(library(tmp_path, server), allow_private_hosts=True)
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.press("P")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert server.hits("/good") == 1 and server.hits("/missing") == 1
            assert any(n.startswith("Prefetched: 1 fetched, 0 not modified, 1 failed") for n in notices(app))
            # a second run revalidates instead of refetching blindly
            await pilot.press("P")
            await app.workers.wait_for_complete()
            assert server.hits("/good") == 2


async def test_private_addresses_are_refused_by_default(make_app, tmp_path):
    with serve() as server:
        app = make_app(library(tmp_path, server))
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.press("p")
            await app.workers.wait_for_complete()
            assert server.hits() == 0
            assert any("blocked" in n for n in notices(app))


async def test_reader_view_fetches_then_reads_offline(make_app, tmp_path):
    with serve() as server:
        app = make_app(library(tmp_path, server), allow_private_hosts=True)
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.press("v")
            assert isinstance(app.screen, ReaderScreen)
            await app.workers.wait_for_complete()
            await pilot.pause()
            text = screen_text(app)
            assert "First paragraph of the full article" in text
            assert server.url("/good") in text
            await pilot.press("escape")
            assert not isinstance(app.screen, ReaderScreen)
        server.stop()
    # the server is gone: the cached copy still reads
    app = make_app(library(tmp_path, server), allow_private_hosts=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("enter", "enter")  # list -> detail -> reader
        assert isinstance(app.screen, ReaderScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Second paragraph" in screen_text(app)


async def test_reader_view_shows_why_a_fetch_failed(make_app, tmp_path):
    with serve() as server:
        app = make_app(library(tmp_path, server), allow_private_hosts=True)
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.press("j", "v")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert "Could not fetch: HTTP 404" in screen_text(app)
