"""Audit of issue 16 ("`p`/`P` prefetch images too, so they show offline"): `P`
saves the lead image of an article never shown, and a later run with the
server gone shows that image from the cache (half blocks), against a real HTTP
server on 127.0.0.1."""

from __future__ import annotations

from conftest import screen_text
from helpers.httpserver import TestServer, html_page
from helpers.images import jpeg
from test_images_themes_links import build, image_route, seed_with_image, wait_image  # noqa: F401 (build: fixture)

from feedreader.ui.article_list import ArticleList

SEED_URL = ("https://www.caixinglobal.com/2021-12-15/carmaker-xpeng-deletes-430000-photos-for-misuse-of-facial-"
            "recognition-101818294.html")


def two_articles(folder, server) -> None:
    """The seed twice, each with its own page and lead image on the test server; the
    second is older, so the list starts on the first."""
    for n, when in ((1, "2021-12-15T12:20:00Z"), (2, "2021-12-01T12:20:00Z")):
        path = seed_with_image(folder, server.url(f"/lead{n}.jpg"), name=f"seed{n}.txt") / f"seed{n}.txt"
        text = path.read_text(encoding="utf-8").replace(SEED_URL, server.url(f"/page{n}"))
        text = text.replace("publishedDateTime: 2021-12-15T12:20:00Z", f"publishedDateTime: {when}", 1)
        path.write_text(text.replace("Carmaker Xpeng", f"Article {n}: Carmaker Xpeng", 1), encoding="utf-8")


async def test_P_saves_the_lead_images_and_they_show_offline(build, tmp_path):  # noqa: F811
    folder = tmp_path / "docs"
    with TestServer() as server:
        for n in (1, 2):
            server.route(f"/page{n}", html_page(f"<html><body><article><p>Page {n} text.</p></article></body></html>"))
            server.route(f"/lead{n}.jpg", image_route(jpeg()))
        two_articles(folder, server)
        app = build(folder, images=True)
        async with app.run_test(size=(140, 44)) as pilot:
            await wait_image(pilot, app)                 # the first article's, shown
            assert server.hits("/lead2.jpg") == 0
            await pilot.press("P")
            for _ in range(100):
                await pilot.pause(0.1)
                if server.hits("/lead2.jpg"):
                    break
            await app.workers.wait_for_complete()
            assert server.hits("/lead2.jpg") == 1, "P did not fetch the second article's lead image"
    # the server is gone: the second article's image comes from the cache
    offline = build(folder, images=True)
    async with offline.run_test(size=(140, 44)) as pilot:
        await pilot.pause()
        lst = offline.query_one(ArticleList)
        await pilot.press("j")
        await pilot.pause()
        assert offline.model.row_at(lst.cursor).title.startswith("Article 2")
        await wait_image(pilot, offline)
        await pilot.pause()
        text = screen_text(offline)
        assert "▀" in text and "image not fetched" not in text, text


async def test_the_reader_view_shows_the_lead_image(build, tmp_path):  # noqa: F811
    """Issue 16: "The reader view also shows the lead image" (no test had it)."""
    from feedreader.ui.lead_image import LeadImage
    from feedreader.ui.reader import ReaderScreen

    folder = tmp_path / "docs"
    with TestServer() as server:
        for n in (1, 2):
            server.route(f"/page{n}", html_page(f"<html><body><article><p>Page {n} text, long enough to be "
                                                 "the article's readable text.</p></article></body></html>"))
            server.route(f"/lead{n}.jpg", image_route(jpeg()))
        two_articles(folder, server)
        app = build(folder, images=True)
        async with app.run_test(size=(140, 44)) as pilot:
            await pilot.pause()
            await pilot.press("v")
            for _ in range(100):
                await pilot.pause(0.1)
                if isinstance(app.screen, ReaderScreen):
                    leads = list(app.screen.query(LeadImage))
                    if leads and leads[0].result is not None:
                        break
            else:
                raise AssertionError("the reader view showed no lead image")
            await pilot.pause()
            assert "▀" in screen_text(app) and "Page 1 text" in screen_text(app)
