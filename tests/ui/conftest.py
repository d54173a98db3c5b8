"""Building the app for Pilot and snapshot tests: fixed clock, UTC, temp dirs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from feedreader.config import Settings
from feedreader.core.library.library import Library
from feedreader.paths import builtin_library

# 2022-03-01 12:00 UTC: after every sample, so relative times read "… ago"
FIXED_NOW = 1646136000.0


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def make_app(tmp_path):
    """make_app(folder=None, **settings) -> FeedReaderApp on that folder (default: samples)."""
    from feedreader.ui.app import FeedReaderApp, Services

    from feedreader.core.marks.store import StateStore

    opened: list = []

    def build(folder: Path | None = None, *, state_db: Path | None = None, opener=None, **settings):
        opener = opener or (lambda url: pytest.fail(f"a test opened a browser on {url}"))
        library = Library.open(tmp_path / "cache", [folder or builtin_library()], "samples")
        library.refresh(workers=1)
        state = StateStore.open(state_db or tmp_path / "data" / "state.db")
        opened.extend((library, state))
        settings.setdefault("mark_read_after", 0)
        settings.setdefault("images", False)   # no network for the seeds' images (tests that want them say so)
        from feedreader.core.web.pagecache import PageCache

        return FeedReaderApp(
            Services(library=library, settings=Settings(**settings), state=state,
                     page_cache=PageCache(tmp_path / "cache" / "pages"), opener=opener,
                     clock=lambda: FIXED_NOW, scan_on_start=False)
        )

    yield build
    for thing in opened:
        thing.close()


def screen_text(app) -> str:
    """Everything on the current screen as plain text (what a person would see)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def notices(app) -> list[str]:
    """The notifications currently shown (toasts)."""
    return [n.message for n in app._notifications]
