"""The reader view and downloads (issue 14): a result for a closed reader view
is dropped; the detail pane says a page is downloading; the list's keys do
not act behind the reader view; offline, the reader view shows what the
document says with the reason. Against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

from conftest import screen_text
from docs import doc, write
from feedreader.ui.reader import ReaderScreen
from helpers.httpserver import TestServer, html_page, slow_page, status_page

PAGE = """<html><head><title>Long read</title></head><body><article>
<h1>The whole story</h1>
<p>First paragraph of the full article, with enough words to count as real text for the extractor to keep.</p>
<p>Second paragraph, with more words so that the extractor has something to hold on to here.</p>
</article></body></html>"""
BODY = "The document's own words about the story, readable without the page."
EXCERPT = "A short excerpt of the story."


def library(tmp_path: Path, server: TestServer) -> Path:
    folder = tmp_path / "docs"
    write(folder, "1.txt", doc("Slow page", server.url("/slow"), "2021-12-03T00:00:00Z"))
    write(folder, "2.txt", doc("Gone page", server.url("/gone"), "2021-12-02T00:00:00Z",
                               extra=f"excerpt: {EXCERPT!r}") + BODY + "\n")
    write(folder, "3.txt", doc("Good page", server.url("/good"), "2021-12-01T00:00:00Z"))
    return folder


def serve(delay: float = 1.0) -> TestServer:
    server = TestServer().start()
    server.route("/slow", slow_page(PAGE, delay))
    server.route("/gone", status_page(404))
    server.route("/good", html_page(PAGE))
    return server


def errors(app) -> list[str]:
    return [n.message for n in app._notifications if n.severity == "error"]


async def test_v_then_escape_on_a_slow_page_drops_the_result(make_app, tmp_path):
    with serve(delay=0.8) as server:
        app = make_app(library(tmp_path, server), allow_private_hosts=True)
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.press("v")
            await pilot.pause(0.1)
            assert isinstance(app.screen, ReaderScreen)
            await pilot.press("escape")
            await pilot.pause(1.2)
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert errors(app) == [] and app.is_running
            assert not isinstance(app.screen, ReaderScreen)
            assert app.page_cache.status(server.url("/slow")).cached    # the page is saved all the same


async def test_the_detail_pane_says_a_page_is_downloading(make_app, tmp_path):
    with serve(delay=0.8) as server:
        app = make_app(library(tmp_path, server), allow_private_hosts=True)
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.press("p")
            await pilot.pause(0.3)
            assert "downloading" in screen_text(app)
            assert "not fetched yet" not in screen_text(app)
            await app.workers.wait_for_complete()


async def test_list_keys_do_not_act_behind_the_reader_view(make_app, tmp_path):
    with serve() as server:
        app = make_app(library(tmp_path, server), allow_private_hosts=True)
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.press("G")                   # the good page
            await pilot.press("v")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, ReaderScreen)
            order, marks = app.model.order, dict(app.model.marks)
            await pilot.press("s", "f", "x", "u")
            await pilot.pause()
            assert app.model.order == order and app.model.marks == marks and not app.model.unread_only


async def test_offline_the_reader_view_shows_what_the_document_says(make_app, tmp_path):
    with serve() as server:
        app = make_app(library(tmp_path, server), allow_private_hosts=True)
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.press("j", "v")
            await app.workers.wait_for_complete()
            await pilot.pause()
            text = screen_text(app)
            assert "Could not fetch: HTTP 404" in text
            assert EXCERPT in text and BODY in text
