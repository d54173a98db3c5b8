"""The app exits with a word, not a traceback, when the article index turns
out to be damaged, and deletes it (it is rebuilt at the next start)."""

from __future__ import annotations

import shutil

from docs import SEED
from feedreader.config import Settings
from feedreader.core.library.library import Library
from feedreader.core.web.pagecache import PageCache
from feedreader.core.marks.store import StateStore
from feedreader.ui.app import FeedReaderApp, Services

from helpers.damage import damage, first_read_error


async def test_the_app_exits_with_a_word_and_deletes_a_damaged_index(tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(SEED.parent, docs)
    lib = Library.open(tmp_path / "cache", [docs])
    lib.refresh()
    db = lib.index.db_path
    state = StateStore.open(tmp_path / "state.db")
    app = FeedReaderApp(Services(library=lib, settings=Settings(), state=state,
                                 page_cache=PageCache(tmp_path / "pages"), scan_on_start=False))
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            lib.index.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")   # all of it in the file damaged next
            damage(db)
            other = Library.open(tmp_path / "cache", [docs])
            error = first_read_error(other)          # what a read in the app would raise
            other.index.close()
            app._handle_exception(error)
            await pilot.pause()
        assert app.return_code == 1 and not db.exists()
    finally:
        state.close()
        lib.close()
