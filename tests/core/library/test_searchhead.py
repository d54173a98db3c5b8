"""The first matches of a search (searchhead.py) and the list made in the search's worker
(ListModel.prepare), against the whole search on a real index of 600 articles."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime

import pytest

from feedreader.core.library import searchhead, view
from feedreader.core.library.library import Library
from feedreader.core.library.query import parse_query
from feedreader.core.library.schema import SCHEMA, TEXT_COLUMNS
from feedreader.core.library.view import ListModel
from feedreader.core.marks.bits import FLAGGED, HIDDEN, READ
from tests.helpers.library import built_library

NOW = datetime(2022, 3, 1, 12, 0, tzinfo=UTC).timestamp()
COUNT = 600
# word -> share of the articles that have it (in the title, the excerpt or a topic)
WORDS = {"alpha": 0.7, "bravo": 0.35, "charlie": 0.12, "delta": 0.02, "échelon": 0.4}


def _article(i: int, rng: random.Random) -> str:
    title = [w for w, share in WORDS.items() if rng.random() < share and w != "bravo"] or ["plain"]
    excerpt = "bravo stuff" if rng.random() < WORDS["bravo"] else "other stuff"
    topics = rng.sample(["AI", "Energy", "Food"], rng.randint(0, 2))
    lines = ["---", f"title: {json.dumps(' '.join(title) + f' {i}')}",
             f"originalUrl: https://news{i % 3}.example.com/a{i}", f"excerpt: {json.dumps(excerpt)}",
             f"publishedDateTime: 2021-{1 + i % 12:02d}-{1 + i % 27:02d}T{i % 24:02d}:00:00Z",
             f"quality: {rng.randint(0, 100)}", "provider:", f"  name: Provider {i % 4}",
             f"  domain: news{i % 3}.example.com"]
    if topics:
        lines.append("topics:")
        lines += [f"  - {t}" for t in topics]
    return "\n".join(lines + ["---", ""])


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory):
    yield from built_library(tmp_path_factory.mktemp("head"), COUNT, _article, 7)


@pytest.fixture(scope="module")
def marks(lib: Library) -> dict[int, int]:
    rng = random.Random(3)
    out = {}
    for aid in lib.order("newest"):
        roll = rng.random()
        if roll < 0.3:
            out[aid] = READ
        elif roll < 0.35:
            out[aid] = FLAGGED
        elif roll < 0.38:
            out[aid] = HIDDEN | READ
    return out


QUERIES = [
    "alpha", "al", "a", "bravo", "alpha bravo", "-delta", "-charlie alpha", "echelon", "éch", "ÉCHELON alpha",
    '"alpha charlie"', "topic:AI", "-topic:food", "q>30", "q<=50 alpha", "since:2021-03-01", "before:2021-10-01 al",
    "link:news1", "provider:\"Provider 2\"", "is:unread", "-is:read al", "is:flagged", "is:hidden",
    "alpha OR delta", "-(topic:AI OR q<30)", "(alpha -bravo) OR is:flagged", "-(delta OR charlie) -is:read",
    "delta", "charlie delta", "zzz", 'NEAR(a b) OR al*', '"OR" al',
]


@pytest.mark.parametrize("order", ["newest", "best", "ranked"])
def test_the_head_is_the_first_matches_of_the_whole_result_in_the_lists_order(lib, marks, order):
    searcher = lib.searcher()
    base = lib.order(order)
    candidates = base[:searchhead.CANDIDATES]
    dense = 0
    try:
        for text in QUERIES:
            head = searcher.search_head(text, candidates, marks=marks, now=NOW)
            whole = searcher.search(text, marks=marks, now=NOW)
            match = whole.match
            assert match is not None
            expected = [k for k in base if k in match]
            if head is None:   # too few matches among the first candidates: the whole result only
                assert len([k for k in candidates[:searchhead.FIRST] if k in match]) < searchhead.HEAD_MATCHES, text
                continue
            dense += 1
            assert head.head == expected[:searchhead.HEAD_MATCHES], text
            assert head.include == set(head.head) and (head.highlight is None) == (whole.highlight is None)
    finally:
        searcher.close()
    assert dense >= 12     # the dense queries do come as heads


def test_a_query_that_matches_few_gives_no_head(lib, marks):
    searcher = lib.searcher()
    try:
        candidates = lib.order("newest")[:searchhead.CANDIDATES]
        assert searcher.search_head("delta", candidates, marks=marks, now=NOW) is None
        assert searcher.search_head("zzz", candidates, marks=marks, now=NOW) is None
        assert searcher.search_head("", candidates, marks=marks, now=NOW) is None
        assert searcher.search_head("alpha", [], marks=marks, now=NOW) is None
    finally:
        searcher.close()


def test_the_copy_of_the_text_is_made_like_article_text():
    """Same columns and tokenizer as the index's FTS5 table, or MATCH would mean another thing."""
    found = re.search(r"CREATE VIRTUAL TABLE IF NOT EXISTS article_text USING fts5\((.*?)\n\);", SCHEMA, re.DOTALL)
    assert found is not None
    definition = found.group(1)
    assert " ".join(definition.split()).startswith(TEXT_COLUMNS + ",")
    assert f"tokenize = {searchhead.TEXT_TOKENIZE}" in definition


def _listed(model: ListModel) -> tuple[list[int], int]:
    return list(model.keys), model.unread


@pytest.mark.parametrize("setup", ["plain", "unread_only", "show_hidden", "flagged_only", "scope", "best"])
def test_a_prepared_list_is_the_list_a_rebuild_makes(lib, marks, setup, monkeypatch):
    model = ListModel(lib, "best" if setup == "best" else "newest")
    model.replace_marks(dict(marks))
    model.unread_only = setup == "unread_only"
    model.show_hidden = setup == "show_hidden"
    model.flagged_only = setup == "flagged_only"
    if setup == "scope":
        model.scope = set(lib.order("newest")[::3])
    model.rebuild()
    for text in ["alpha", "-delta", "bravo -is:read", "is:hidden al", "q>50", "alpha OR is:flagged", "zzqxnothing"]:
        result = lib.search(text, marks=model.marks, now=NOW)
        prepared = model.prepare(result)
        assert prepared is not None
        assert model.first_matches(result, 50) is None          # a small list: prepared at once
        if text == "zzqxnothing":    # no match: an empty list at once, no pass over the order
            assert result.count == 0 and result.exclude is None and prepared.keys == [] and prepared.unread == 0
        with monkeypatch.context() as patch:
            patch.setattr(view, "FIRST_ABOVE", 0)
            assert model.first_matches(result, 50) == prepared.keys[:50], text
        model.set_search(result)
        model.rebuild()            # (set_search took the prepared list: nothing prepared now)
        plain = _listed(model)
        model.set_search(result)
        model._prepared = prepared
        model.rebuild()
        assert _listed(model) == plain, text
        assert model.keys is prepared.keys   # used, not filtered again


def test_a_prepared_list_is_not_used_once_a_mark_or_a_filter_changed(lib, marks):
    model = ListModel(lib, "newest")
    model.replace_marks(dict(marks))
    model.unread_only = True
    model.rebuild()
    result = lib.search("alpha", marks=model.marks, now=NOW)
    prepared = model.prepare(result)
    assert prepared is not None
    first = next(k for k in prepared.keys)
    model.set_flags(first, READ)                # read while the worker prepared: gone from the list
    model.set_search(result)
    model._prepared = prepared
    model.rebuild()
    assert first not in model.keys and model.keys is not prepared.keys
    prepared = model.prepare(result)
    model.unread_only = False
    model.set_search(result)
    model._prepared = prepared
    model.rebuild()
    assert first in model.keys and model.keys is not prepared.keys


def test_the_candidates_are_the_list_without_the_search(lib, marks):
    model = ListModel(lib, "newest")
    model.replace_marks(dict(marks))
    assert model.unsearched_head(10) is None       # no list yet
    model.unread_only = True
    model.rebuild()
    model.set_search(lib.search("delta", marks=model.marks, now=NOW))
    model.rebuild()
    unread = [k for k in lib.order("newest") if not marks.get(k, 0) & (READ | HIDDEN)]
    assert model.unsearched_head(50) == unread[:50]
    model.unread_only = False
    model.rebuild()
    assert model.unsearched_head(50, True) == lib.order("newest")[:50]
    shown = [k for k in lib.order("newest") if not marks.get(k, 0) & HIDDEN]
    assert model.unsearched_head(50) == shown[:50]


def test_a_head_in_the_model_lists_those_keys_and_counts_them(lib, marks):
    model = ListModel(lib, "newest")
    model.replace_marks(dict(marks))
    model.rebuild()
    searcher = lib.searcher()
    try:
        head = searcher.search_head("alp", model.unsearched_head(searchhead.CANDIDATES) or [], marks=marks, now=NOW)
    finally:
        searcher.close()
    assert head is not None and head.head is not None
    model.set_search(head)
    model.rebuild()
    assert model.keys == head.head and model.head == head.head
    assert model.unread == sum(1 for k in head.head if not marks.get(k, 0) & READ)
    model.set_search(lib.search("alp", marks=marks, now=NOW))
    model.rebuild()
    assert model.head is None and len(model.keys) > len(head.head)


def test_a_round_that_falls_short_is_followed_by_another(lib, marks):
    """Where the list bunches alike articles, the second round can find fewer than its
    density said: the head goes on while the query stays dense, up to CANDIDATES."""
    searcher = lib.searcher()
    query = parse_query("bravo", now=NOW)
    try:
        conn = searcher._connection()
        match = searcher.search(query).match
        assert match is not None
        base = lib.order("newest")
        hits = [k for k in base if k in match]
        misses = [k for k in base if k not in match]
        assert len(hits) >= 150 and len(misses) >= 320
        # 60 of the first 250 match (dense); the second round (125) finds none; then matches again
        candidates = hits[:60] + misses[:315] + hits[60:150]
        head = searchhead.head_keys(conn, searchhead.HeadText(), query, candidates, {}, None)
        assert head == (hits[:60] + hits[60:150])[:searchhead.HEAD_MATCHES]
        sparse = misses[:240] + hits[:150]        # 10 of the first 250: sparse, no head
        assert searchhead.head_keys(conn, searchhead.HeadText(), query, sparse, {}, None) is None
    finally:
        searcher.close()
