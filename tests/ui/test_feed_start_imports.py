"""A start with feeds none of which is due, and no sync account, loads neither
the feed refresh (its parser, the fetcher) nor the sync engine: their imports
were ~0.1 s of CPU in worker threads during the first paint (issue 13). In a
fresh process, since this one has imported everything already."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent("""
    import asyncio, json, sys, time
    from pathlib import Path
    from feedreader.config import FeedSettings, Settings
    from feedreader.core.feeds.store import FeedStore
    from feedreader.core.library.library import Library
    from feedreader.core.marks.store import StateStore
    from feedreader.core.web.pagecache import PageCache
    from feedreader.paths import builtin_library

    tmp = Path(sys.argv[1])
    entries = tmp / "data" / "feeds"
    entries.mkdir(parents=True)
    store_path = tmp / "data" / "feeds.sqlite"
    with FeedStore(store_path) as store:
        feed = store.add("http://127.0.0.1:9/rss")   # (nothing listens: a refresh fails at once)
        if sys.argv[2] == "due":
            store.record_fetch(feed, status=503, next_check=0.0, error="503")
        else:
            store.record_fetch(feed, status=200, next_check=time.time() + 86400)

    async def main():
        from feedreader.ui.app import FeedReaderApp, Services
        library = Library.open(tmp / "cache", [builtin_library(), entries], "samples + feeds")
        library.refresh(workers=1)
        state = StateStore.open(tmp / "data" / "state.db")
        settings = Settings(images=False, allow_private_hosts=True, feeds=FeedSettings(refresh_on_start=True))
        app = FeedReaderApp(Services(
            library=library, settings=settings, state=state, page_cache=PageCache(tmp / "cache" / "pages"),
            opener=lambda url: None, scan_on_start=False, feed_store=store_path, feed_entries=entries))
        async with app.run_test(size=(120, 30)) as pilot:
            for _ in range(400):
                await pilot.pause(0.05)
                if app.sources.feeds and not app.sources.jobs.refreshing and app.syncing.syncs:
                    break
            await app.workers.wait_for_complete()
            listed = [f.url for f in app.sources.feeds]
        library.close()
        state.close()
        return listed

    listed = asyncio.run(main())
    print(json.dumps({"listed": listed, "modules": sorted(m for m in sys.modules if m in (
        "feedreader.core.feeds.refresh", "feedreader.core.sync.engine", "feedreader.core.sync.greader"))}))
""")


def start(tmp_path: Path, due: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path), due], capture_output=True, text=True,
                          timeout=180, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_nothing_due_and_no_account_load_neither_refresh_nor_sync(tmp_path):
    found = start(tmp_path, "later")
    assert found["listed"] == ["http://127.0.0.1:9/rss"]     # the pane's feeds were read
    assert found["modules"] == []


def test_a_feed_that_is_due_is_refreshed_at_start(tmp_path):
    found = start(tmp_path, "due")
    assert found["listed"] == ["http://127.0.0.1:9/rss"]
    assert found["modules"] == ["feedreader.core.feeds.refresh"]    # (the sync engine still not: no account)
