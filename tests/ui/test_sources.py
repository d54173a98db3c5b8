"""The sources pane and the feeds in the app, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from feedreader.config import FeedSettings, Settings
from feedreader.core.feeds.store import FeedStore
from feedreader.core.library.library import Library
from feedreader.core.library.scopes import Count
from feedreader.core.marks.store import StateStore
from feedreader.core.web.pagecache import PageCache
from feedreader.paths import builtin_library
from tests.helpers.httpserver import RouteContext, TestServer, html_page, status_page
from tests.ui.conftest import FIXED_NOW, notices, screen_text

MARKUP = "[b]x[/b] [@click=app.quit]q[/]"


def rss(title: str, items: list[tuple[str, str]], *, content: str = "") -> str:
    """An RSS 2.0 feed; ``items`` are (guid, title); dates on 2022-02-2x."""
    out = [f'<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
           f"<channel><title>{title}</title><link>https://example.com/</link>"]
    for n, (guid, item_title) in enumerate(items):
        body = f"<content:encoded><![CDATA[<p>{content}</p>]]></content:encoded>" if content else ""
        out.append(f"<item><title>{item_title}</title><link>https://example.com/{guid}</link><guid>{guid}</guid>"
                   f"<pubDate>Mon, {20 + n} Feb 2022 10:00:00 GMT</pubDate>"
                   f"<description>About {item_title}</description>{body}</item>")
    out.append("</channel></rss>")
    return "".join(out)


def feed_route(body: str):
    return html_page(body, content_type="application/rss+xml; charset=utf-8")


@pytest.fixture
def server():
    with TestServer() as s:
        yield s


class Home:
    """Temp dirs, a feed store with some subscriptions, and the app on samples + entries."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.entries = tmp_path / "data" / "feeds"
        self.entries.mkdir(parents=True)
        self.store_path = tmp_path / "data" / "feeds.sqlite"
        self.opened: list = []

    def subscribe(self, url: str, folder: str = "") -> int:
        with FeedStore(self.store_path) as store:
            return store.add(url, folder=folder).id

    def app(self, *, refresh_on_start: bool = False, feeds: bool = True):
        from feedreader.ui.app import FeedReaderApp, Services

        library = Library.open(self.tmp / "cache", [builtin_library(), self.entries], "samples + feeds")
        library.refresh(workers=1)
        state = StateStore.open(self.tmp / "data" / "state.db")
        self.opened += [library, state]
        settings = Settings(mark_read_after=0, allow_private_hosts=True,
                            feeds=FeedSettings(refresh_on_start=refresh_on_start))
        return FeedReaderApp(Services(
            library=library, settings=settings, state=state, page_cache=PageCache(self.tmp / "cache" / "pages"),
            opener=lambda url: pytest.fail(f"opened {url}"), clock=lambda: FIXED_NOW, scan_on_start=False,
            feed_store=self.store_path if feeds else None, feed_entries=self.entries if feeds else None))

    def close(self) -> None:
        for thing in self.opened:
            thing.close()


@pytest.fixture
def home(tmp_path):
    h = Home(tmp_path)
    yield h
    h.close()


async def until(pilot, condition, timeout: float = 20.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("timed out")


async def refreshed(pilot, app) -> None:
    """Wait for the refresh in flight and the index refresh after it."""
    await until(pilot, lambda: not app.sources.jobs.refreshing)
    await app.workers.wait_for_complete()
    await pilot.pause(0.1)
    await app.workers.wait_for_complete()
    await pilot.pause()
    await until(pilot, lambda: not app.stories.running)   # and the stories and rules after it (ui/storying.py)
    await pilot.pause()


def titles(app) -> list[str]:
    return [app.model.row_at(i).title for i in range(len(app.model))]


def row_index(app, scope: str) -> int:
    return next(i for i, r in enumerate(app.sources.pane.rows) if r.scope == scope)


async def test_pane_counts_narrowing_and_recount(server, home):
    server.route("/a.xml", feed_route(rss("Alpha", [("a1", "Alpha one"), ("a2", "Alpha two"), ("a3", "Alpha three")])))
    server.route("/b.xml", feed_route(rss("Beta", [("b1", "Beta one"), ("b2", "Beta two")])))
    a = home.subscribe(server.url("/a.xml"))
    b = home.subscribe(server.url("/b.xml"), folder="News")
    app = home.app()
    async with app.run_test(size=(150, 40)) as pilot:
        samples = len(app.model)
        await pilot.press("R")
        await refreshed(pilot, app)
        assert len(app.model) == samples + 5
        assert {"Alpha one", "Beta two"} <= set(titles(app))

        await pilot.press("S")
        await until(pilot, lambda: f"feed:{a}" in app.sources.counts)
        counts = app.sources.counts
        assert counts[f"feed:{a}"] == Count(3, 3) and counts[f"feed:{b}"] == Count(2, 2)
        assert counts["folder:News"] == Count(2, 2)
        assert counts["doc:0"] == Count(samples, samples)
        assert counts["all"] == Count(samples + 5, samples + 5)
        text = screen_text(app)
        assert "Alpha" in text and "News" in text and "Documents" in text

        # enter on a feed narrows the list to its entries; on the folder, to its feeds'
        app.sources.pane.option_list.highlighted = row_index(app, f"feed:{a}")
        await pilot.press("enter")
        await pilot.pause()
        assert sorted(titles(app)) == ["Alpha one", "Alpha three", "Alpha two"]
        assert "feed: Alpha" in app.sub_title
        app.sources.pane.option_list.highlighted = row_index(app, "folder:News")
        await pilot.press("enter")
        await pilot.pause()
        assert sorted(titles(app)) == ["Beta one", "Beta two"]

        # marking one read recounts (a moment later), then "All" clears the filter
        app.article_list.focus()
        await pilot.press("m")
        await until(pilot, lambda: app.sources.counts[f"feed:{b}"] == Count(2, 1))
        assert app.sources.counts["folder:News"] == Count(2, 1)
        app.sources.pane.option_list.focus()
        app.sources.pane.option_list.highlighted = row_index(app, "all")
        await pilot.press("enter")
        await pilot.pause()
        assert len(app.model) == samples + 5

        await pilot.press("S")
        assert not app.sources.shown


async def test_r_refreshes_the_articles_feed_and_keeps_the_cursor(server, home):
    items = [("a1", "Alpha one"), ("a2", "Alpha two")]
    server.route("/a.xml", feed_route(rss("Alpha", items)))
    server.route("/b.xml", feed_route(rss("Beta", [("b1", "Beta one")])))
    home.subscribe(server.url("/a.xml"))
    home.subscribe(server.url("/b.xml"))
    app = home.app()
    async with app.run_test(size=(150, 40)) as pilot:
        await pilot.press("R")
        await refreshed(pilot, app)
        hits_b = server.hits("/b.xml")
        lst = app.article_list
        lst.cursor = titles(app).index("Alpha two")
        await pilot.pause()
        keep = lst.current

        server.route("/a.xml", feed_route(rss("Alpha", [*items, ("a3", "Alpha three, new")])))
        await pilot.press("r")
        await refreshed(pilot, app)
        assert "Alpha three, new" in titles(app)
        assert lst.current == keep                  # the cursor stayed on the same article
        assert server.hits("/b.xml") == hits_b      # only the article's feed was fetched

        # an article that is not a feed entry: r says so and fetches nothing
        lst.cursor = next(i for i in range(len(app.model)) if not app.model.row_at(i).title.startswith(("Alpha", "Beta")))
        await pilot.pause()
        hits = server.hits()
        await pilot.press("r")
        await pilot.pause()
        assert server.hits() == hits
        assert any("not from a feed" in n for n in notices(app))


async def test_r_on_an_entry_of_a_feed_the_sync_server_brings_fetches_nothing(server, home):
    """Its entries come by sync: fetching the feed here too would list them twice."""
    from feedreader.core.sync.engine import NEVER

    server.route("/a.xml", feed_route(rss("Alpha", [("a1", "Alpha one")])))
    home.subscribe(server.url("/a.xml"))
    app = home.app()
    async with app.run_test(size=(150, 40)) as pilot:
        await pilot.press("R")
        await refreshed(pilot, app)
        with FeedStore(home.store_path) as store:
            feed = store.get(server.url("/a.xml"))
            assert feed is not None
            store.record_fetch(feed, status=None, next_check=NEVER)     # what a sync makes of a server feed
        hits = server.hits()
        app.article_list.cursor = titles(app).index("Alpha one")
        await pilot.pause()
        await pilot.press("r")
        await refreshed(pilot, app)
        await pilot.press("R")
        await refreshed(pilot, app)
        assert server.hits() == hits
        assert any("come from your feed server" in n for n in notices(app))


async def test_failing_feed_shows_its_error_and_markup_stays_text(server, home):
    server.route("/m.xml", feed_route(rss(MARKUP, [("m1", f"Entry {MARKUP}")])))
    feed_id = home.subscribe(server.url("/m.xml"))
    app = home.app()
    async with app.run_test(size=(150, 40)) as pilot:
        await pilot.press("R")
        await refreshed(pilot, app)
        assert f"Entry {MARKUP}" in titles(app)

        server.route("/m.xml", status_page(500))
        await pilot.press("R")
        await refreshed(pilot, app)
        assert app.is_running                                   # [@click=app.quit] was not run
        errors = [n for n in notices(app) if "HTTP 500" in n]
        assert errors and f"{MARKUP}: HTTP 500" in errors[-1]   # the title as typed, not as markup

        await pilot.press("S")
        await pilot.pause(0.2)
        row = app.sources.pane.rows[row_index(app, f"feed:{feed_id}")]
        assert row.error and "HTTP 500" in row.error
        app.sources.pane.option_list.highlighted = row_index(app, f"feed:{feed_id}")
        await pilot.pause()
        text = screen_text(app)
        assert "HTTP 500" in text and "[b]x[/b]" in text and "[@click=app.quit]q[/]" in text   # note and row

        # the entry's detail pane says its feed failed
        app.article_list.focus()
        app.article_list.cursor = titles(app).index(f"Entry {MARKUP}")
        await until(pilot, lambda: any(label == "Feed" and "HTTP 500" in note
                                       for label, note, _ in app.article_view.notes))


def delayed_feed(body: str, release: threading.Event):
    data = body.encode()

    def route(ctx: RouteContext) -> None:
        release.wait(20)
        ctx.send_head(200, {"Content-Type": "application/rss+xml", "Content-Length": str(len(data))})
        ctx.write(data)

    return route


async def test_start_up_refresh_runs_in_the_background(server, home):
    release = threading.Event()
    server.route("/slow.xml", delayed_feed(rss("Slow", [("s1", "Slow one")]), release))
    home.subscribe(server.url("/slow.xml"))
    app = home.app(refresh_on_start=True)
    try:
        async with app.run_test(size=(150, 40)) as pilot:
            await until(pilot, lambda: server.hits("/slow.xml") == 1)
            # the list is painted while the server has not answered
            samples = len(app.model)
            assert samples > 0 and app.model.row_at(0).title[:20] in screen_text(app)
            assert app.sources.jobs.refreshing
            release.set()
            await refreshed(pilot, app)
            assert "Slow one" in titles(app) and len(app.model) == samples + 1
    finally:
        release.set()


async def test_no_feeds_no_start_up_refresh(home, tmp_path):
    app = home.app(refresh_on_start=True)
    async with app.run_test(size=(150, 40)) as pilot:
        await pilot.pause()
        assert not app.sources.jobs.refreshing
        await pilot.press("R")
        await pilot.pause()
        assert any("No feeds yet" in n for n in notices(app))
    assert not home.store_path.exists()       # looking never creates the store


async def test_reader_shows_the_entrys_content_without_fetching(server, home):
    server.route("/c.xml", feed_route(rss("Full", [("c1", "Full text")], content="The whole story, from the feed.")))
    home.subscribe(server.url("/c.xml"))
    app = home.app()
    async with app.run_test(size=(150, 40)) as pilot:
        await pilot.press("R")
        await refreshed(pilot, app)
        app.article_list.cursor = titles(app).index("Full text")
        await pilot.pause()
        hits = server.hits()
        await pilot.press("v")
        await pilot.pause(0.2)
        from feedreader.ui.feed_dialogs import EntryReaderScreen

        assert isinstance(app.screen, EntryReaderScreen)
        text = screen_text(app)
        assert "The whole story, from the feed." in text and "v or p fetches the original" in text
        assert server.hits() == hits


async def test_add_feed_from_the_palette_with_discovery(server, home):
    server.route("/one.xml", feed_route(rss("One", [("o1", "One first")])))
    server.route("/two.xml", feed_route(rss("Two", [("t1", "Two first")])))
    server.route("/site", html_page(
        '<html><head><link rel="alternate" type="application/rss+xml" title="One" href="/one.xml">'
        '<link rel="alternate" type="application/rss+xml" title="Two" href="/two.xml"></head></html>'))
    home.subscribe(server.url("/one.xml"))      # the store exists; "Two" is added
    app = home.app()
    async with app.run_test(size=(150, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"Add feed")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.2)
        from feedreader.ui.feed_dialogs import AddFeedScreen, PickScreen

        assert isinstance(app.screen, AddFeedScreen)
        await pilot.press(*server.url("/site"))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, PickScreen))
        await pilot.press("down", "enter")
        await until(pilot, lambda: "Two first" in titles(app))
    with FeedStore(home.store_path) as store:
        names = [f.name for f in store.list()]
        assert [f.folder for f in store.list()] == ["", ""]   # no folder chosen: the top level
    assert len(names) == 2 and "Two" in names


async def open_add_dialog(pilot, app):
    from feedreader.ui.feed_dialogs import AddFeedScreen

    await pilot.press("ctrl+p")
    await pilot.pause(0.2)
    await pilot.press(*"Add feed")
    await pilot.pause(0.3)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, AddFeedScreen))
    return app.screen


async def test_add_feed_offers_the_folders_and_takes_a_new_one(server, home):
    from textual.widgets import Input, OptionList

    server.route("/one.xml", feed_route(rss("One", [("o1", "One first")])))
    server.route("/two.xml", feed_route(rss("Two", [("t1", "Two first")])))
    server.route("/three.xml", feed_route(rss("Three", [("h1", "Three first")])))
    home.subscribe(server.url("/one.xml"), folder="News/Tech")
    home.subscribe(server.url("/x.xml"), folder="Blogs")
    app = home.app(refresh_on_start=False)
    async with app.run_test(size=(150, 40)) as pilot:
        await until(pilot, lambda: len(app.sources.feeds) == 2)
        dialog = await open_add_dialog(pilot, app)
        folders = dialog.query_one("#add-folders", OptionList)
        assert [str(folders.get_option_at_index(i).prompt) for i in range(folders.option_count)] == [
            "Blogs", "News/Tech"]
        await pilot.press(*server.url("/two.xml"))
        folders.focus()
        folders.highlighted = 1
        await pilot.press("enter")             # the existing folder fills the field
        assert dialog.query_one("#add-folder", Input).value == "News/Tech"
        await pilot.press("enter")
        await until(pilot, lambda: "Two first" in titles(app))

        dialog = await open_add_dialog(pilot, app)
        await pilot.press(*server.url("/three.xml"), "tab", *"Podcasts / Weekly ")
        await pilot.press("enter")
        await until(pilot, lambda: "Three first" in titles(app))
        await until(pilot, lambda: len(app.sources.feeds) == 4)
        await pilot.press("S")
        await until(pilot, lambda: "folder:Podcasts/Weekly" in app.sources.counts)
        # One (in News/Tech) was never fetched: the folder counts Two's entry
        assert app.sources.counts["folder:News/Tech"] == Count(1, 1)
        assert app.sources.counts["folder:Podcasts/Weekly"] == Count(1, 1)
    with FeedStore(home.store_path) as store:
        assert {f.name: f.folder for f in store.list() if f.title} == {"Two": "News/Tech",
                                                                        "Three": "Podcasts/Weekly"}


async def test_a_first_feed_added_in_the_app_lists_at_once(server, isolated_dirs):
    """The run's own path (session.open_library, as ``feedreader`` with no PATH
    opens it) on a data dir with no feeds yet: the entries join at once,
    and feed:/folder: know the new feed."""
    import argparse

    from feedreader.session import Session
    from feedreader.ui.app import FeedReaderApp, Services

    server.route("/first.xml", feed_route(rss("First Feed", [("f1", "First entry"), ("f2", "Second entry")])))
    (isolated_dirs["config"]).mkdir(parents=True, exist_ok=True)
    (isolated_dirs["config"] / "config.toml").write_text("allow_private_hosts = true\nmark_read_after = 0\n"
                                                         "[feeds]\nrefresh_on_start = false\n", encoding="utf-8")
    session = Session.from_args(argparse.Namespace(paths=[]))
    assert not session.paths.feed_store.exists() and not session.paths.feed_entries.exists()
    library = session.open_library()
    state = session.open_marks()
    try:
        library.refresh(workers=1)
        app = FeedReaderApp(Services(
            library=library, settings=session.settings, state=state, page_cache=session.open_page_cache(),
            opener=lambda url: pytest.fail(f"opened {url}"), clock=lambda: FIXED_NOW, scan_on_start=False,
            feed_store=session.paths.feed_store, feed_entries=session.paths.feed_entries))
        async with app.run_test(size=(150, 40)) as pilot:
            samples = len(app.model)
            await open_add_dialog(pilot, app)
            await pilot.press(*server.url("/first.xml"), "tab", *"Reading")
            await pilot.press("enter")
            await until(pilot, lambda: {"First entry", "Second entry"} <= set(titles(app)))
            assert len(app.model) == samples + 2
            assert not any("Start feedreader again" in n for n in notices(app))
            assert library.scopes is not None
            assert library.scopes("feed", "First Feed") == [f"{session.paths.feed_entries.resolve()}/1/"]
            found = library.search("folder:Reading").match
            assert sorted(r.title for r in library.rows(sorted(found)).values()) == ["First entry", "Second entry"]
    finally:
        state.close()
        library.close()


def test_sources_pane_snapshot(snap_compare, server, home):
    server.route("/wire.xml", feed_route(rss("Example Wire", [("w1", "Chips report a record quarter"),
                                                              ("w2", "A new open laptop")])))
    server.route("/notes.xml", feed_route(rss("Example Notes", [("n1", "Weekly notes")])))
    server.route("/down.xml", status_page(503))
    home.subscribe(server.url("/wire.xml"), folder="News")
    home.subscribe(server.url("/notes.xml"))
    down = home.subscribe(server.url("/down.xml"))
    with FeedStore(home.store_path) as store:
        store.rename(down, "Example Status")        # its URL (with the port) is not shown
    app = home.app()

    async def run_before(pilot) -> None:
        await pilot.press("R")
        await refreshed(pilot, app)
        app.clear_notifications()       # (their timeouts would make the picture depend on timing)
        await pilot.press("S")
        await until(pilot, lambda: bool(app.sources.counts))
        app.sources.pane.option_list.highlighted = row_index(app, f"feed:{down}")
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(140, 40), run_before=run_before)
