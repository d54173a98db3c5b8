"""A feed refresh still running when the app quits ends quietly: its worker's
messages to the sources pane, which is gone, are dropped (they raised
NoMatches, logged as "feed refresh failed")."""

from __future__ import annotations

import logging
import threading

from tests.helpers.httpserver import TestServer
from tests.ui.test_sources import Home, delayed_feed, rss, until


async def test_a_refresh_that_outlives_the_app_logs_no_failure(tmp_path, caplog):
    release = threading.Event()
    home = Home(tmp_path)
    try:
        with TestServer() as server:
            server.route("/slow.xml", delayed_feed(rss("Slow", [("s1", "Slow one")]), release))
            home.subscribe(server.url("/slow.xml"))
            app = home.app(refresh_on_start=True)
            jobs = app.sources.jobs
            done = threading.Event()
            refresh = jobs._refresh

            def watched(*args, **kwargs):   # (the worker's own function: done when it returns)
                try:
                    refresh(*args, **kwargs)
                finally:
                    done.set()

            jobs._refresh = watched  # type: ignore[method-assign]
            with caplog.at_level(logging.INFO, logger="feedreader"):
                async with app.run_test(size=(150, 40)) as pilot:
                    await until(pilot, lambda: server.hits("/slow.xml") == 1)
                    assert app.sources.jobs.refreshing and not done.is_set()
                # the app has closed its screen; the fetch answers now
                release.set()
                assert done.wait(20)
            assert not [r for r in caplog.records if "feed refresh failed" in r.getMessage()]
    finally:
        release.set()
        home.close()
