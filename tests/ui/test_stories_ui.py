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
