"""Regenerate screenshots/*.svg from the real app on the built-in samples.

    .venv/bin/python scripts/make_screenshots.py

Fixed terminal size, clock (2022-03-01 12:00 UTC) and time zone (UTC), a
throwaway cache and data dir: the pictures change only when the UI does.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXED_NOW = 1646136000.0
XPENG = "Carmaker Xpeng Deletes 430,000 Photos for Misuse of Facial Recognition"

# (file name, terminal size, keys to press before the shot)
SHOTS = [
    # a few rows read (dimmed) and one flagged, then the seed article
    ("main.svg", (150, 42), ["m", "j", "j", "f", "j", "m", "j", "m", "find:" + XPENG]),
    ("help.svg", (150, 48), ["question_mark"]),
    ("search.svg", (150, 42), ["slash", *"quillon", "wait", "enter"]),
    # the sources pane: the samples and a few feeds served on 127.0.0.1, one of them failing
    ("sources.svg", (150, 42), ["feeds", "S", "wait", "pane:Example Status"]),
    # the common 80x24: one pane at a time (below 100 columns), the list full width, the
    # headline first; enter opens the detail full-size
    ("main-80x24.svg", (80, 24), ["m", "j", "j", "f", "j", "m", "j", "m", "find:" + XPENG]),
    ("detail-80x24.svg", (80, 24), ["find:" + XPENG, "enter"]),
    ("detail-60x20.svg", (60, 20), ["find:" + XPENG, "enter"]),
    ("help-80x24.svg", (80, 24), ["question_mark"]),
    # the seed's lead image as half blocks (it works in every terminal), served on 127.0.0.1
    ("lead-image.svg", (150, 46), ["image", "find:" + XPENG, "wait-image"]),
    # a light theme (theme = "textual-light" in the config, or ctrl+p "Change theme")
    ("light-theme.svg", (150, 42), ["theme:textual-light", "m", "j", "j", "f", "j", "m", "j", "x", "j",
                                    "find:" + XPENG]),
]
SEED_IMAGE = "https://img.caixin.com/2021-12-15/163955376422173_560_373.jpg"

FEEDS = [  # (path, title, folder, items)
    ("/wire.xml", "Example Tech Wire", "News", ["Chip makers report record quarter", "A new open laptop",
                                                "Batteries that charge in minutes", "The quiet return of RSS"]),
    ("/science.xml", "Example Science Daily", "News/Science", ["Comet seen from the city", "Bees count to four"]),
    ("/notes.xml", "Example Notes", "", ["Weekly notes", "On reading slowly", "Terminal tricks"]),
    ("/status.xml", "Example Status", "", []),      # answers 503: its error shows in the pane
]


def rss(title: str, items: list[str]) -> bytes:
    out = [f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
           "<link>https://example.com/</link>"]
    for n, item in enumerate(items):
        out.append(f"<item><title>{item}</title><link>https://example.com/{title[8:12]}{n}</link>"
                   f"<pubDate>Mon, {21 + n} Feb 2022 10:00:00 GMT</pubDate><description>{item}.</description></item>")
    return ("".join(out) + "</channel></rss>").encode()


async def subscribe_and_refresh(home: Path) -> None:
    """Serve FEEDS on 127.0.0.1, subscribe to them and refresh them once (core, like the CLI)."""
    import random

    sys.path.insert(0, str(ROOT))
    from tests.helpers.httpserver import TestServer, html_page, status_page

    from feedreader.config import Settings
    from feedreader.core.feeds.refresh import refresh_feeds
    from feedreader.core.feeds.store import FeedStore
    from feedreader.session import feed_fetcher

    with TestServer() as server, FeedStore(home / "data" / "feeds.sqlite") as store:
        feeds = []
        for path, title, folder, items in FEEDS:
            route = html_page(rss(title, items), content_type="application/rss+xml") if items else status_page(503)
            feed = store.add(server.route(path, route), folder=folder)
            feeds.append(store.rename(feed, title) if not items else feed)   # (its URL has the port)

        async def run() -> None:
            async with feed_fetcher(Settings(allow_private_hosts=True)) as fetcher:
                await refresh_feeds(store, fetcher, feeds, home / "data" / "feeds", refresh_every=3600,
                                    rng=random.Random(1))

        await run()


async def shoot(name: str, size: tuple[int, int], keys: list[str], home: Path) -> None:
    from feedreader.config import Settings
    from feedreader.core.library.library import Library
    from feedreader.paths import builtin_library
    from feedreader.ui.app import FeedReaderApp, Services
    from feedreader.ui.article_list import ArticleList

    from feedreader.core.marks.store import StateStore

    sources, feeds = [builtin_library()], {}
    settings: dict = {}
    if keys[:1] and keys[0].startswith("theme:"):
        settings["theme"] = keys[0][6:]
        keys = keys[1:]
    server = None
    if keys[:1] == ["image"]:
        keys = keys[1:]
        server, sources[0] = serve_lead_image(home)
        settings.update(images=True, allow_private_hosts=True)
    if keys[:1] == ["feeds"]:
        keys = keys[1:]
        await subscribe_and_refresh(home)
        sources.append(home / "data" / "feeds")
        feeds = {"feed_store": home / "data" / "feeds.sqlite", "feed_entries": home / "data" / "feeds"}
    library = Library.open(home / "cache", sources, "samples" + (" + feeds" if feeds else ""))
    library.refresh(workers=1)
    state = StateStore.open(home / name / "state.db")
    from feedreader.config import FeedSettings
    from feedreader.core.web.pagecache import PageCache

    settings.setdefault("images", False)       # no network: only the lead-image shot fetches (locally)
    app = FeedReaderApp(
        Services(library=library, state=state,
                 settings=Settings(mark_read_after=0, feeds=FeedSettings(refresh_on_start=False), **settings),
                 page_cache=PageCache(home / name / "pages"), opener=lambda url: False, renderer="halfblocks",
                 clock=lambda: FIXED_NOW, scan_on_start=False, **feeds)  # type: ignore[arg-type]
    )
    try:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            for key in keys:
                if key == "wait":
                    await pilot.pause(0.5)
                    await app.workers.wait_for_complete()
                elif key == "wait-image":
                    await wait_for_image(pilot, app)
                elif key.startswith("pane:"):       # highlight that row of the sources pane
                    pane = app.sources.pane
                    pane.option_list.highlighted = next(i for i, r in enumerate(pane.rows) if r.label == key[5:])
                elif key.startswith("find:"):
                    title = key[5:]
                    lst = app.query_one(ArticleList)
                    lst.cursor = next(i for i in range(len(app.model)) if app.model.row_at(i).title == title)
                else:
                    await pilot.press(key)
                await pilot.pause()
            await pilot.pause(0.3)
            svg = app.export_screenshot(title="feedreader")
    finally:
        state.close()
        library.close()
        if server is not None:
            server.stop()
    out = ROOT / "screenshots" / name
    out.write_text(svg, encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT)}")


def serve_lead_image(home: Path):
    """The samples, with the seed's lead image served on 127.0.0.1 (a picture made
    with Pillow, 560x373 like the seed's): (the running server, the folder)."""
    import shutil

    from feedreader.paths import builtin_library

    sys.path.insert(0, str(ROOT))
    from tests.helpers.httpserver import TestServer, raw_response
    from tests.helpers.images import jpeg

    body = jpeg()
    server = TestServer().start()
    server.route("/lead.jpg", raw_response(200, {"Content-Type": "image/jpeg", "Content-Length": str(len(body))},
                                           body))
    folder = home / "samples-with-image"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(builtin_library(), folder)
    for doc in folder.iterdir():
        if doc.is_file() and SEED_IMAGE in (text := doc.read_text(encoding="utf-8")):
            doc.write_text(text.replace(SEED_IMAGE, server.url("/lead.jpg")), encoding="utf-8")
    return server, folder


async def wait_for_image(pilot, app) -> None:
    from feedreader.ui.lead_image import LeadImage

    for _ in range(100):
        await pilot.pause(0.1)
        if app.query_one("#detail LeadImage", LeadImage).result is not None:
            return
    raise SystemExit("the lead image never arrived")


def main() -> int:
    os.environ["TZ"] = "UTC"
    time.tzset()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        for kind in ("data", "cache", "config", "log"):
            os.environ[f"FEEDREADER_{kind.upper()}_DIR"] = str(home / kind)
        only = set(sys.argv[1:])
        for name, size, keys in SHOTS:
            if not only or name in only:
                asyncio.run(shoot(name, size, keys, home))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
