"""Stories in the app (ui/storying.py): story mode, "+N sources", expanding and
collapsing in place, read_whole_story with its undo, and grouping and rules
after a refresh. Pilot tests on a part of the labelled story set."""

from __future__ import annotations

from conftest import notices, screen_text
from feedreader.config import StorySettings
from feedreader.core.library.scores import score_of
from feedreader.core.marks.bits import FLAGGED, READ
from feedreader.core.rules.spec import specs_from_config
from feedreader.ui.article_list import ArticleList
from tests.helpers.storyset import copy_stories


async def grouped(pilot, app, runs: int = 1) -> None:
    """Refresh the index (ctrl+r) and wait for the grouping and rules after it."""
    before = app.stories.groupings
    await pilot.press("ctrl+r")
    for _ in range(400):
        await app.workers.wait_for_complete()
        await pilot.pause(0.02)
        if app.stories.groupings >= before + runs and not app.stories.running:
            return
    raise AssertionError("no grouping came back")


def biggest(app):
    return max(app.stories.view.data.ranked.items(), key=lambda item: len(item[1]))


async def test_c_shows_one_row_per_story_and_back_with_the_cursor_on_its_article(make_app, tmp_path):
    copy_stories(tmp_path / "docs")
    app = make_app(tmp_path / "docs", sort="best")
    async with app.run_test(size=(140, 40)) as pilot:
        await grouped(pilot, app)
        data = app.stories.view.data
        lst = app.query_one(ArticleList)
        articles = len(app.model)
        sid, members = biggest(app)
        lst.cursor = app.model.index_of(members[0])
        await pilot.pause()
        await pilot.press("c")
        assert len(app.model) == articles - sum(len(m) - 1 for m in data.ranked.values())
        assert lst.current == members[0]
        assert f"+{len(members) - 1} sources" in screen_text(app)
        await pilot.press("c")
        assert len(app.model) == articles and lst.current == members[0]
        assert "sources" not in screen_text(app)
        # from a member under another's row: story mode opens its story, the cursor stays on it
        lst.cursor = app.model.index_of(members[-1])
        await pilot.pause()
        await pilot.press("c")
        assert lst.current == members[-1]
        assert app.model.story_note(members[-1]).strip() == "↳"


async def test_plus_expands_a_story_in_place_and_minus_folds_it(make_app, tmp_path):
    copy_stories(tmp_path / "docs")
    app = make_app(tmp_path / "docs", sort="best")
    async with app.run_test(size=(140, 40)) as pilot:
        await grouped(pilot, app)
        lst = app.query_one(ArticleList)
        await pilot.press("c")
        rows = len(app.model)
        arrows = screen_text(app).count("↳")
        sid, members = biggest(app)
        at = app.model.index_of(members[0])
        lst.cursor = at
        await pilot.pause()
        await pilot.press("plus")
        assert len(app.model) == rows + len(members) - 1
        assert app.model.keys[at : at + len(members)] == list(members)
        assert lst.current == members[0]
        assert screen_text(app).count("↳") == arrows + len(members) - 1
        await pilot.press("j", "j")
        assert lst.current == members[2]
        await pilot.press("minus")
        assert len(app.model) == rows and lst.current == members[0]
        assert screen_text(app).count("↳") == arrows
        await pilot.press("right")
        assert len(app.model) == rows + len(members) - 1
        await pilot.press("left")
        assert len(app.model) == rows
        assert "by story" in app.sub_title
        # a jump to a folded article (related coverage) opens its story
        app.jump_to(members[-1])
        await pilot.pause()
        assert lst.current == members[-1] and len(app.model) == rows + len(members) - 1
        await pilot.press("minus")
        # on an article alone, + does nothing
        alone = next(i for i in range(len(app.model)) if not app.model.story_note(app.model.key_at(i)))
        lst.cursor = alone
        await pilot.pause()
        await pilot.press("plus")
        assert len(app.model) == rows


async def test_read_whole_story_marks_the_story_read_in_one_undo_step(make_app, tmp_path):
    copy_stories(tmp_path / "docs")
    app = make_app(tmp_path / "docs", sort="best", stories=StorySettings(read_whole_story=True))
    async with app.run_test(size=(140, 40)) as pilot:
        await grouped(pilot, app)
        lst = app.query_one(ArticleList)
        sid, members = biggest(app)
        lst.cursor = app.model.index_of(members[1])
        await pilot.pause()
        await pilot.press("enter")            # opening it reads it: the whole story
        assert all(app.model.flags(a) & READ for a in members)
        others = [a for a in app.model.keys if a not in members]
        assert not any(app.model.flags(a) & READ for a in others)
        await pilot.press("escape", "z")
        assert not any(app.model.flags(a) & READ for a in members)
        assert any("Undid: read the story" in n for n in notices(app))


async def test_without_read_whole_story_only_the_article_is_read(make_app, tmp_path):
    copy_stories(tmp_path / "docs")
    app = make_app(tmp_path / "docs", sort="best")
    async with app.run_test(size=(140, 40)) as pilot:
        await grouped(pilot, app)
        sid, members = biggest(app)
        app.query_one(ArticleList).cursor = app.model.index_of(members[1])
        await pilot.pause()
        await pilot.press("enter")
        assert [bool(app.model.flags(a) & READ) for a in members] == [a == members[1] for a in members]


async def test_a_library_over_the_group_limit_is_not_grouped_and_c_says_why(make_app, tmp_path):
    """Grouping keeps every article's features in memory: over [stories]
    group_limit the app does not group (the rules still run) and says so."""
    copy_stories(tmp_path / "docs")
    app = make_app(tmp_path / "docs", sort="best", stories=StorySettings(group_limit=10))
    async with app.run_test(size=(140, 40)) as pilot:
        assert len(app.model) > 10
        await grouped(pilot, app)
        assert app.stories.skipped and not app.stories.view.data.ranked
        assert any("Stories are not grouped" in n and "10 articles" in n for n in notices(app))
        await pilot.press("c")
        await pilot.pause()
        assert not app.stories.view.on
        assert any("[stories] group_limit" in n and n.startswith("No stories") for n in notices(app))
        assert score_of(app.library.index.conn, app.model.key_at(0))[1] is not None   # scored all the same


async def test_a_refresh_groups_new_articles_and_applies_the_rules_once(make_app, tmp_path):
    labels = copy_stories(tmp_path / "incoming")
    docs = tmp_path / "docs"
    docs.mkdir()
    rules, problems = specs_from_config([{"name": "grouped", "match": "is:story", "add": 7},
                                         {"match": "is:story", "action": "flag"}], "test")
    assert not problems
    app = make_app(docs, rules=rules)
    async with app.run_test(size=(140, 40)) as pilot:
        await grouped(pilot, app)
        assert not app.stories.view.data.story_of and len(app.model) == 0
        # new files arrive (as a feed refresh writes entries): the rescan groups and scores them
        for path in sorted((tmp_path / "incoming").iterdir()):
            path.rename(docs / path.name)
        await grouped(pilot, app)
        data = app.stories.view.data
        assert len(data.ranked) == sum(len(n) > 1 for n in labels.values())
        conn = app.library.index.conn
        for aid in app.model.keys:
            score, reasons = score_of(conn, aid)
            assert ("+7 grouped" in reasons) == (aid in data.story_of)
            assert bool(app.model.flags(aid) & FLAGGED) == (aid in data.story_of)
        assert any('rule "is:story"' in n for n in notices(app))
        # the action is a mark like any other: z undoes it, and the next run does not flag them again
        await pilot.press("z")
        assert not any(app.model.flags(a) & FLAGGED for a in app.model.keys)
        await grouped(pilot, app)
        assert not any(app.model.flags(a) & FLAGGED for a in app.model.keys)


WIRE = ("Harbourline Freight said on Tuesday it would buy Kestrel Logistics for $2.4 billion in cash, "
        "creating the largest container operator in the Baltic. The deal, approved by both boards, values "
        "Kestrel at 31 euros a share, a premium of 18 percent. Harbourline chief executive Marta Olsen said "
        "the combined company would run 140 ships and employ 9,300 people. Regulators in Gdansk and Tallinn "
        "must still approve the takeover, which is expected to close in the third quarter.")


def wire_feed(title: str, domain: str, headline: str, other: str) -> str:
    items = [(f"https://{domain}/wire", headline, WIRE, "Tue, 22 Feb 2022 10:00:00 GMT"),
             (f"https://{domain}/other", other, f"{other}: a local story that no one else has.",
              "Mon, 21 Feb 2022 08:00:00 GMT")]
    body = "".join(f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid><pubDate>{when}</pubDate>"
                   f"<description>{text}</description></item>" for link, t, text, when in items)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>https://{domain}/</link>{body}</channel></rss>")


async def test_a_feed_refresh_leads_to_grouping_and_rules(tmp_path):
    from feedreader.config import FeedSettings, Settings
    from feedreader.core.feeds.store import FeedStore
    from feedreader.core.library.library import Library
    from feedreader.core.marks.store import StateStore
    from feedreader.core.web.pagecache import PageCache
    from feedreader.ui.app import FeedReaderApp, Services
    from tests.helpers.httpserver import TestServer, html_page
    from tests.ui.conftest import FIXED_NOW

    rules, _ = specs_from_config([{"name": "wire", "match": "is:story", "add": 7},
                                  {"match": "is:story", "action": "flag"}], "test")
    entries = tmp_path / "data" / "feeds"
    entries.mkdir(parents=True)
    rss = "application/rss+xml; charset=utf-8"
    with TestServer() as server:
        server.route("/a.xml", html_page(wire_feed("Alpha", "alpha.example", "Harbourline to buy Kestrel for "
                                                   "$2.4 billion", "Alpha bakery"), content_type=rss))
        server.route("/b.xml", html_page(wire_feed("Beta", "beta.example", "Harbourline agrees $2.4bn Kestrel "
                                                   "takeover", "Beta ferry"), content_type=rss))
        with FeedStore(tmp_path / "data" / "feeds.sqlite") as store:
            store.add(server.url("/a.xml"))
            store.add(server.url("/b.xml"))
        library = Library.open(tmp_path / "cache", [entries], "feeds")
        library.refresh(workers=1)
        state = StateStore.open(tmp_path / "data" / "state.db")
        try:
            app = FeedReaderApp(Services(
                library=library, state=state, page_cache=PageCache(tmp_path / "cache" / "pages"),
                settings=Settings(mark_read_after=0, images=False, allow_private_hosts=True, rules=rules,
                                  feeds=FeedSettings(refresh_on_start=False)),
                opener=lambda url: None, clock=lambda: FIXED_NOW, scan_on_start=False,
                feed_store=tmp_path / "data" / "feeds.sqlite", feed_entries=entries))
            async with app.run_test(size=(140, 40)) as pilot:
                await pilot.press("R")
                for _ in range(600):
                    await pilot.pause(0.05)
                    if len(app.model) == 4 and app.stories.view.data.story_of and not app.stories.running:
                        break
                await app.workers.wait_for_complete()
                await pilot.pause()
                rows = {app.model.row_at(i).title: app.model.row_at(i).aid for i in range(len(app.model))}
                wire = {rows[t] for t in rows if "Harbourline" in t}
                assert len(wire) == 2 and set(app.stories.view.data.story_of) == wire
                for title, aid in rows.items():
                    _score, reasons = score_of(app.library.index.conn, aid)
                    assert ("+7 wire" in reasons) == (aid in wire), (title, reasons)
                    assert bool(app.model.flags(aid) & FLAGGED) == (aid in wire)
                sid = app.stories.view.data.story(next(iter(wire)))
                assert app.library.search(f"story:{sid}").match == wire
                # heat for an entry without one: the providers carrying its story
                app.query_one(ArticleList).cursor = app.model.index_of(next(iter(wire)))
                await pilot.pause(0.2)
                assert "Heat: 2" in " ".join(screen_text(app).split())
        finally:
            library.close()
            state.close()
