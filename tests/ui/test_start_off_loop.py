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
