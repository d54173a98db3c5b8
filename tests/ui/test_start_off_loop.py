"""Issue 17 (start after 100 files changed): what the first screen does not need is not
done on the event loop. The lead image's fetcher (its imports and its client) is built
in a thread, the image still shows; one fetcher, however many ask at once."""

from __future__ import annotations

import threading
import time

from conftest import screen_text
from helpers.httpserver import TestServer
from helpers.images import jpeg

from feedreader.core.web import fetch
from tests.ui.test_images_themes_links import (  # noqa: F401 (fixture)
    build,
    image_route,
    seed_with_image,
    wait_image,
)


async def test_the_lead_image_fetcher_is_built_off_the_event_loop(build, tmp_path, monkeypatch):  # noqa: F811
    on_loop: list[bool] = []
    real_init = fetch.Fetcher.__init__

    def init(self, *args, **kwargs):
        on_loop.append(threading.current_thread() is threading.main_thread())
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(fetch.Fetcher, "__init__", init)
    with TestServer() as server:
        server.route("/lead.jpg", image_route(jpeg()))
        app = build(seed_with_image(tmp_path / "docs", server.url("/lead.jpg")), images=True)
        async with app.run_test(size=(140, 44)) as pilot:
            await wait_image(pilot, app)
            await pilot.pause()
            assert "▀" in screen_text(app)           # the picture, in half blocks
            assert on_loop == [False]                # built once, in a thread
            assert app.fetching.fetcher is app.fetching.fetcher
            assert on_loop == [False]


async def test_one_fetcher_however_many_threads_ask_at_once(build, tmp_path, monkeypatch):  # noqa: F811
    real_init = fetch.Fetcher.__init__

    def slow(self, *args, **kwargs):
        time.sleep(0.05)        # a window for the others to ask meanwhile
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(fetch.Fetcher, "__init__", slow)
    app = build(seed_with_image(tmp_path / "docs", "http://127.0.0.1:9/none.jpg"))
    got: list[object] = []
    threads = [threading.Thread(target=lambda: got.append(app.fetching.fetcher)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(got) == 4 and all(f is got[0] for f in got)
    await app.fetching.close_fetcher()


SHOWN_WITHOUT = """
import asyncio, sys
from pathlib import Path
from feedreader.config import Settings
from feedreader.core.library.library import Library
from feedreader.core.marks.store import StateStore
from feedreader.core.web.pagecache import PageCache
from feedreader.ui.app import FeedReaderApp, Services
from feedreader.ui.article_list import ArticleList

tmp = Path(sys.argv[1])
library = Library.open(tmp / "cache", [Path(sys.argv[2])], "docs")
library.refresh(workers=1)
state = StateStore.open(tmp / "state.db")
app = FeedReaderApp(Services(library=library, settings=Settings(mark_read_after=0, images=False), state=state,
                             page_cache=PageCache(tmp / "pages"), scan_on_start=False))

async def main():
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert len(app.query_one(ArticleList).model) == 1
        print(sorted(m for m in sys.modules if m.startswith(("feedreader.core.stories", "feedreader.core.web.fetch"))))

asyncio.run(main())
state.close()
library.close()
"""


def test_the_first_screen_imports_no_story_grouping_and_no_fetcher(tmp_path):
    """(A fresh process.) The story grouping's modules load in its worker, the fetcher's
    when something fetches: neither is imported on the way to the first screen."""
    import subprocess
    import sys

    docs = seed_with_image(tmp_path / "docs", "http://127.0.0.1:9/none.jpg")
    out = subprocess.run([sys.executable, "-c", SHOWN_WITHOUT, str(tmp_path), str(docs)],
                         capture_output=True, text=True, timeout=120, cwd=str(tmp_path), check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
