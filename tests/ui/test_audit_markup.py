"""Audit of issue 14 ("document text is never markup, anywhere") on the screens
and messages added since: story mode's "+N sources" rows and their expanded
members, a rule's action notice (its name quoted), the Add feed dialog's
folder list and suggestion, the sources pane, and the sync state in the header
and its error notice. Each shows markup-bearing values as typed, and no cell on
screen carries a click action from them (``[@click=app.quit]`` would quit)."""

from __future__ import annotations

import time

import pytest
from conftest import FIXED_NOW, screen_text
from docs import doc, write
from test_markup_everywhere import assert_plain, no_links_on_screen, toast_with

from feedreader.core.rules.spec import specs_from_config

HOSTILE = "[reverse]X[/reverse] [@click=app.quit]quit[/]"
TITLE = f"Chip export ban {HOSTILE} Nvidia China AI rules"
PROVIDERS = ("Prov [bold]B[/bold]", "[@click=app.quit]Q[/] News", "Third [on red]x", "Fourth [reverse]R")
RULE = "flag [reverse]chips[/reverse] [@click=app.quit]q[/]"
FOLDER = "News [b]x [@click=app.quit]q [reverse]R"   # no "/": that nests folders
EXCERPT = 'excerpt: "US tightens chip export controls on Nvidia AI chips to China"'


def story_library(folder) -> None:
    """Four providers' takes on one story, and two unrelated articles."""
    for n, provider in enumerate(PROVIDERS):
        write(folder, f"story{n}.txt", doc(f"{TITLE} {n}", f"https://example.com/a{n}[reverse]X[/reverse]b/[@click=app.quit]q[/]",
                                           provider=provider, topics=("[red]AI[/red]",), quality=30 + n,
                                           published=f"2021-12-15T1{n}:20:00Z", extra=EXCERPT))
    for n in range(2):
        write(folder, f"other{n}.txt", doc(f"Other [u]headline[/u] {n}", f"https://example.org/o{n}",
                                           provider="Misc [i]P[/i]", topics=("Misc",),
                                           published=f"2021-11-0{n + 1}T10:00:00Z"))


async def grouped(pilot, app) -> None:
    before = app.stories.groupings
    await pilot.press("ctrl+r")
    for _ in range(400):
        await app.workers.wait_for_complete()
        await pilot.pause(0.02)
        if app.stories.groupings > before and not app.stories.running:
            return
    raise AssertionError("no grouping came back")


async def test_story_rows_and_rule_notices_show_text_as_typed(make_app, tmp_path):
    story_library(tmp_path / "docs")
    rules, problems = specs_from_config([{"name": RULE, "match": "topic:Misc", "action": "flag"}], "test")
    assert not problems
    app = make_app(tmp_path / "docs", rules=rules)
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        await grouped(pilot, app)
        # the rule's notice quotes its name as typed
        assert_plain(toast_with(app, "flagged"), RULE)
        app.clear_notifications()
        await pilot.press("c")
        await pilot.pause()
        text = screen_text(app)
        assert "+3 sources" in text, text
        assert "+3 sources Chip export ban [reverse]X[/reverse]" in text and "Fourth [reverse]R" in text
        no_links_on_screen(app)
        # expanded in place: every member's provider and headline as typed
        await pilot.press("g", "plus")
        await pilot.pause()
        text = screen_text(app)
        for provider in PROVIDERS:
            assert provider[:14] in text, (provider, text)
        no_links_on_screen(app)
        for size in ((80, 24), (40, 12)):
            await pilot.resize_terminal(*size)
            await pilot.pause(0.1)
            assert "[reverse]" in screen_text(app) or size[0] < 60   # 40 columns: the headline is cut before it
            no_links_on_screen(app)
        assert app.is_running


async def test_add_feed_folders_and_sources_pane_show_text_as_typed(tmp_path):
    from textual.widgets import OptionList
    from test_sources import Home, open_add_dialog, until

    home = Home(tmp_path)
    home.subscribe("https://feeds.example.com/a.xml", folder=FOLDER)
    home.subscribe("https://feeds.example.com/b.xml", folder="Plain")
    app = home.app()
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            await until(pilot, lambda: len(app.sources.feeds) == 2)
            await pilot.press("S")
            await pilot.pause(0.2)
            assert FOLDER[:18] in screen_text(app)      # the pane cuts it with an ellipsis
            no_links_on_screen(app)
            dialog = await open_add_dialog(pilot, app)
            folders = dialog.query_one("#add-folders", OptionList)
            prompts = [folders.get_option_at_index(i).prompt for i in range(folders.option_count)]
            assert [str(p) for p in prompts] == [FOLDER, "Plain"]
            assert FOLDER in screen_text(app)
            # the folder field suggests the existing folder as typed
            await pilot.press("tab", *"News [")
            await pilot.pause(0.2)
            assert FOLDER in screen_text(app), screen_text(app)
            no_links_on_screen(app)
            await pilot.press("escape")
            assert app.is_running
    finally:
        home.close()


@pytest.fixture
def server():
    from tests.helpers.httpserver import TestServer

    with TestServer() as s:
        yield s


async def test_the_sync_state_and_its_error_show_text_as_typed(tmp_path, server):
    """A sync account whose server answers 404 at a URL full of markup: the header's
    state and the error notice quote it as typed."""
    from feedreader.config import Settings, SyncSettings
    from feedreader.core.library.library import Library
    from feedreader.core.marks.store import StateStore
    from feedreader.core.sync.account import Account, save_account
    from feedreader.core.sync.greader import Secret
    from feedreader.core.web.pagecache import PageCache
    from feedreader.ui.app import FeedReaderApp, Services
    from test_sources import until

    data = tmp_path / "data"
    (data / "feeds").mkdir(parents=True)
    save_account(data / "sync-account.json",
                 Account(server.url(f"/api/{HOSTILE}"), "user [b]u[/b]", Secret("user/token"), time.time()))
    library = Library.open(tmp_path / "cache", [data / "feeds"], "feeds")
    library.refresh(workers=1)
    state = StateStore.open(data / "state.db")
    app = FeedReaderApp(Services(
        library=library, settings=Settings(mark_read_after=0, allow_private_hosts=True,
                                           sync=SyncSettings(sync_every=900.0)),
        state=state, page_cache=PageCache(tmp_path / "cache" / "pages"), clock=lambda: FIXED_NOW,
        opener=lambda url: pytest.fail(f"opened {url}"), scan_on_start=False, rescan_every=0,
        feed_store=data / "feeds.sqlite", feed_entries=data / "feeds"))
    try:
        async with app.run_test(size=(160, 45), notifications=True) as pilot:
            await until(pilot, lambda: app.syncing.syncs >= 1)
            await pilot.pause(0.1)
            assert "sync failed:" in app.sub_title
            assert "sync failed" in screen_text(app).splitlines()[0]
            assert_plain(toast_with(app, "Sync failed"), "Sync failed")
            no_links_on_screen(app)
            assert app.is_running
    finally:
        library.close()
        state.close()
