"""Stories in the list (core/library/storyview.py) and in the query language
(is:story, story:ID), on a real index of a part of the labelled story set,
grouped by the real grouping (core/stories/live.py)."""

from __future__ import annotations

import pytest

from feedreader.core.ids import aid_from_id
from feedreader.core.library.library import Library
from feedreader.core.library.query import QueryError
from feedreader.core.library.storyview import StoryView
from feedreader.core.library.view import ListModel
from feedreader.core.marks.bits import READ
from feedreader.core.stories.live import LiveStories
from tests.helpers.storyset import copy_stories, labels_by_id


@pytest.fixture
def home(tmp_path):
    labels = labels_by_id(tmp_path / "docs", copy_stories(tmp_path / "docs"))
    truth = {aid_from_id(article_id): label for article_id, label in labels.items()}
    with Library.open(tmp_path / "cache", [tmp_path / "docs"]) as library:
        library.refresh(workers=1)
        live = LiveStories()
        data, changes = live.sync(library)
        yield library, live, data, truth


def groups_of(truth):
    out: dict[str, set[int]] = {}
    for aid, label in truth.items():
        out.setdefault(label, set()).add(aid)
    return sorted(sorted(g) for g in out.values() if len(g) > 1)


def test_the_grouping_finds_the_labelled_stories_and_ranks_members_by_score(home):
    library, _live, data, truth = home
    assert sorted(sorted(m) for m in data.ranked.values()) == groups_of(truth)
    scores = {aid: row.score for aid, row in library.rows(list(data.story_of)).items()}
    for sid, members in data.ranked.items():
        got = [scores[a] if scores[a] is not None else -1 for a in members]
        assert got == sorted(got, reverse=True)
        assert all(data.story_of[a] == sid for a in members)
        assert data.heat(members[0]) == data.providers[sid] >= 2
    alone = next(a for a in truth if a not in data.story_of)
    assert data.heat(alone) is None and data.members(alone) == ()


def test_a_second_sync_without_a_change_reads_nothing(home):
    library, live, data, _truth = home
    again, changes = live.sync(library)
    assert changes is None and again is data


def test_is_story_and_story_id_select_the_grouped_articles(home):
    library, _live, data, truth = home
    grouped = set(data.story_of)
    assert library.search("is:story").match == grouped
    assert library.search("-is:story").match == set(truth) - grouped
    sid, members = next(iter(data.ranked.items()))
    assert library.search(f"story:{sid}").match == set(members)
    assert library.search(f"story:{sid.upper()}").match == set(members)
    prefix = library.search(f"story:{sid[:6]}").match
    assert set(members) <= prefix and all(data.story_of[a].startswith(sid[:6]) for a in prefix)
    assert library.search(f"-story:{sid}").match == set(truth) - set(members)
    other_sid, others = list(data.ranked.items())[1]
    assert library.search(f"story:{sid} OR story:{other_sid}").match == set(members) | set(others)
    assert library.search(f"is:story -(story:{sid})").match == grouped - set(members)
    assert library.search("story:ffffffffffffffff").match == set()
    with pytest.raises(QueryError, match="story: needs a story id"):
        library.search("story:")


def model_on(library, data) -> ListModel:
    model = ListModel(library, "best")
    model.stories = StoryView()
    model.stories.data = data
    model.stories.on = True
    model.rebuild()
    return model


def test_story_mode_shows_one_row_per_story_with_its_best_article(home):
    library, _live, data, truth = home
    model = model_on(library, data)
    plain = library.order("best")
    assert len(model) == len(plain) - sum(len(m) - 1 for m in data.ranked.values())
    for sid, members in data.ranked.items():
        assert model.index_of(members[0]) is not None
        assert all(model.index_of(m) is None for m in members[1:])
        assert model.story_note(members[0]) == f"+{len(members) - 1} sources"
    alone = next(a for a in truth if a not in data.story_of)
    assert model.story_note(alone) == "" and model.index_of(alone) is not None
    # the rows keep the order's order: the articles alone and the stories' best ones
    assert model.keys == [a for a in plain if a not in data.story_of or data.ranked[data.story_of[a]][0] == a]


def test_a_filter_that_takes_the_best_article_out_makes_the_next_one_the_row(home):
    library, _live, data, _truth = home
    model = model_on(library, data)
    sid, members = max(data.ranked.items(), key=lambda item: len(item[1]))
    model.set_flags(members[0], READ)
    model.unread_only = True
    model.rebuild()
    assert model.index_of(members[0]) is None and model.index_of(members[1]) is not None
    assert model.story_note(members[1]) == f"+{len(members) - 2} sources"


def test_expanding_and_collapsing_a_story_is_a_splice_with_counts_kept(home):
    library, _live, data, _truth = home
    model = model_on(library, data)
    view = model.stories
    sid, members = max(data.ranked.items(), key=lambda item: len(item[1]))
    model.set_flags(members[1], READ)
    at = model.index_of(members[0])
    rows, unread = len(model), model.unread
    start, end, keys = view.expand(model.keys, at)
    model.splice(start, end, keys)
    assert model.keys[at : at + len(members)] == list(members)
    assert len(model) == rows + len(members) - 1 and model.unread == unread + len(members) - 2
    assert model.story_note(members[0]).startswith("▾") and model.story_note(members[2]).strip() == "↳"
    assert view.expand(model.keys, at) is None            # expanded already
    # a rebuild (a filter, new marks) keeps it expanded
    model.rebuild()
    assert model.keys[at : at + len(members)] == list(members)
    # collapsing from a member's row: back to the story's row
    start, end, keys, row = view.collapse(model.keys, at + 2)
    model.splice(start, end, keys)
    assert row == at and model.keys[at] == members[0] and len(model) == rows and model.unread == unread
    assert view.collapse(model.keys, at) is None
