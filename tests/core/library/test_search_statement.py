"""A flat query as one SQL statement (search.one_statement), the tree's kept steps and the
counted complements, against the step-by-step way on a real index of 500 articles."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedreader.core.library import search as search_module
from feedreader.core.library import searchplan
from feedreader.core.library.library import Library
from feedreader.core.library.query import QueryError, parse_query
from feedreader.core.library.search import (
    EVERY,
    SearchResult,
    Step,
    one_statement,
    plan,
)
from feedreader.core.library.stepcache import StepCache
from feedreader.core.marks.bits import FLAGGED, HIDDEN, READ
from tests.helpers.library import built_library

NOW = datetime(2022, 3, 1, 12, 0, tzinfo=UTC).timestamp()
COUNT = 500
WORDS = {"alpha": 0.6, "bravo": 0.3, "charlie": 0.1, "delta": 0.02, "chip": 0.15, "china": 0.05}
HOSTILE = ['he said "OR"', "NEAR(a b)", "x* ^y", "'; DROP TABLE articles;--", "a:b {title}", "nul\\x00byte"]


def _article(i: int, rng: random.Random) -> str:
    words = [w for w, share in WORDS.items() if rng.random() < share] or ["plain"]
    if i % 50 == 0:
        words.append(HOSTILE[(i // 50) % len(HOSTILE)].replace("\\x00", " "))
    lines = ["---", f"title: {json.dumps(' '.join(words) + f' {i}')}",
             f"originalUrl: https://news{i % 3}.example.com/a{i}",
             f"excerpt: {json.dumps('bravo stuff' if rng.random() < 0.2 else 'other stuff')}"]
    if i % 17:    # some without a date
        month, day = 1 + rng.randrange(14), 1 + rng.randrange(27)
        lines.append(f"publishedDateTime: {2021 + (month > 12)}-{(month - 1) % 12 + 1:02d}-{day:02d}T10:00:00Z")
    if i % 13:    # some without a quality
        lines.append(f"quality: {rng.randint(0, 100)}")
    lines += ["provider:", f"  name: Provider {i % 4}", f"  domain: news{i % 3}.example.com"]
    topics = rng.sample(["AI", "Energy", "Food"], rng.randint(0, 2))
    if topics:
        lines += ["topics:", *(f"  - {t}" for t in topics)]
    return "\n".join(lines + ["---", ""])


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory):
    yield from built_library(tmp_path_factory.mktemp("statement"), COUNT, _article, 11)


@pytest.fixture(scope="module")
def marks(lib: Library) -> dict[int, int]:
    rng = random.Random(5)
    out = {aid: rng.choice([0, READ, READ, FLAGGED, HIDDEN | READ]) for aid in lib.order("newest")}
    out[12345] = READ | FLAGGED    # another library's article
    return out


def _run(lib: Library, text: str, marks: dict[int, int], cache: StepCache | None = None) -> SearchResult:
    return search_module.search(lib.index.conn, text, marks=marks, now=NOW, tz=UTC, cache=cache)


def _ways(lib: Library, text: str, marks: dict[int, int]) -> tuple[set | None, set | None, set | None, int]:
    """(the statement wherever it can be one, the step-by-step way, the default choice, statements run)."""
    used = []
    real = search_module.one_statement

    def counted(*args, **kwargs):
        got = real(*args, **kwargs)
        used.append(got is not None)
        return got

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(searchplan, "_steps_cost", lambda *a, **k: float("inf"))
        patch.setattr(search_module, "one_statement", counted)
        forced = _run(lib, text, marks).match
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search_module, "one_statement", lambda *a, **k: None)
        steps = _run(lib, text, marks).match
    return forced, steps, _run(lib, text, marks).match, sum(used)


_TERM = st.one_of(
    st.sampled_from(["alpha", "bravo", "charlie", "delta", "chi", "chip", "ch", "c", "plain", "zzz", "stuff"]),
    st.sampled_from(['"alpha bravo"', '"bravo stuff"', "topic:AI", "topic:food", "provider:news1",
                     '"he said"', "NEAR(a", "DROP", "OR", "x*", "{title}", '"nul byte"']),
    st.builds(lambda op, n: f"q{op}{n}", st.sampled_from([">", ">=", "<", "<=", "="]),
              st.sampled_from([0, 10, 50, 90, 100])),
    st.sampled_from(["since:2021-06-01", "since:2022-01-01", "before:2021-03-01", "before:2022-02-01",
                     "since:2021-12-31", "before:2021-01-01", "since:30d", "before:2022"]),
    st.sampled_from(["is:read", "is:unread", "is:flagged", "is:hidden"]),
)
_QUERY = st.lists(st.tuples(st.booleans(), _TERM), min_size=1, max_size=4).map(
    lambda terms: " ".join(("-" + t if neg else t) for neg, t in terms))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_QUERY)
def test_one_statement_finds_what_the_steps_find(lib, marks, text):
    try:
        forced, steps, chosen, _used = _ways(lib, text, marks)
    except QueryError:
        with pytest.raises(QueryError):
            _run(lib, text, marks)
        return
    assert forced == steps == chosen, text


FIXED = [
    "since:2021-06-01 before:2022-02-01 chi", "since:2022-01-01 before:2022-01-01", "before:2021-03-01 -alpha",
    "q>=90 -alpha", "q>50 since:2021-12-31 -chip -china", "-since:2022-01-01 q<50 bravo", "-q>10 -before:2021-06-01",
    "since:2021-06-01 before:2022-02-01 \"he said\" \"OR\"", "q=0 NEAR(a", "since:2021-06-01 'DROP", "q<40 -{title}",
    "since:2021-06-01 before:2022-02-01 chi is:unread", "q>=50 alpha -is:read", "-since:2021-06-01 -q<0 is:flagged",
    "since:2021-06-01 nul\x00byte", "q>5 \"NEAR(a b)\" -c*", "before:2022-02-01 -\"'; DROP\"",
]


def test_the_statement_runs_and_agrees_on_fixed_and_hostile_queries(lib, marks):
    statements = 0
    for text in FIXED:
        forced, steps, chosen, used = _ways(lib, text, marks)
        assert forced == steps == chosen, text
        assert used == 1 or not forced, text    # (a term that matches nothing ends the search first)
        statements += used
    assert statements >= len(FIXED) - 2


def test_the_statement_is_chosen_where_it_costs_less():
    total = 1_000_000
    memo = StepCache()
    # a word and a month: a month of the time index and a list of the word's matches
    month = parse_query("chi since:2022-01-01 before:2022-02-01", now=NOW, tz=UTC)
    steps = plan(month)
    assert [s.where is None for s in steps] == [True, False, False]
    sized = sorted([(152_280, 152_280, steps[0]), (248_140, 248_140, steps[1]), (227_250, 772_750, steps[2])])
    statement = one_statement(sized, total, memo)
    assert statement is not None
    sql, params = statement
    assert "+aid IN (SELECT rowid FROM article_text WHERE article_text MATCH ?)" in sql
    assert sorted(map(str, params)) == sorted(map(str, [steps[1].params[0], steps[2].params[0], '("chi"*)']))
    # a rare word and a quality: its few matches checked by key (no index holds quality alone)
    rare = plan(parse_query("provider:northwind q>70", now=NOW, tz=UTC))
    assert one_statement(sorted([(17_300, 17_300, rare[0]), (325_240, 325_240, rare[1])]), total, memo) is None
    # a link is not in the time index: never one statement
    link = plan(parse_query("chi link:example", now=NOW, tz=UTC))
    assert one_statement(sorted([(1000, 1000, link[0]), (400_000, 400_000, link[1])]), total, memo) is None


def test_the_tree_reads_a_subtree_once_for_the_next_keystrokes(lib, marks):
    cache = StepCache()
    conn = lib.index.conn
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        cache.start(conn)
        first = _run(lib, "-(topic:AI OR q<30) since:2021-06-01", marks, cache)
        reads = [s for s in seen if "quality" in s]
        assert len(reads) >= 2                       # counted and read
        seen.clear()
        again = _run(lib, "-(topic:AI OR q<30) since:2021-06", marks, cache)
        assert [s for s in seen if "quality" in s] == []     # kept
        assert again.match == _run(lib, "-(topic:AI OR q<30) since:2021-06", marks).match
        assert first.match == _run(lib, "-(topic:AI OR q<30) since:2021-06-01", marks).match
    finally:
        conn.set_trace_callback(None)


def test_a_kept_set_is_never_handed_out(lib, marks):
    cache = StepCache()
    cache.start(lib.index.conn)
    one = _run(lib, "(charlie OR delta)", {}, cache)
    expected = set(one.match or ())
    assert one.include is not None
    one.include.clear()               # a caller changing its result ...
    two = _run(lib, "(charlie OR delta)", {}, cache)
    assert two.match == expected      # ... does not change the next one's
    neg = _run(lib, "-(charlie OR delta) charlie", {}, cache)
    assert neg.match is not None and neg.match == _run(lib, "-(charlie OR delta) charlie", {}).match


def test_a_complement_is_counted_as_every_row_less_its_own(lib):
    conn = lib.index.conn
    for expression in ['("alpha")', '("ch"*)', '"zzz"', 'tags : "ai"']:
        step = Step(search_module._COUNT_FTS, "", "", (f"{EVERY} NOT ({expression})",), (), complement=expression)
        direct = conn.execute(search_module._COUNT_FTS, step.params).fetchone()[0]
        assert search_module._size(conn, step, StepCache()) == direct


def test_marks_that_forbid_are_looked_up_for_the_keys_found(lib, marks):
    every = set(lib.order("newest"))
    alpha = _run(lib, "alpha", {}).match
    assert alpha is not None
    for text, bits in [("-is:read alpha", READ), ("is:unread alpha", READ), ("-is:hidden -is:flagged alpha", HIDDEN | FLAGGED)]:
        assert _run(lib, text, marks).match == {a for a in alpha if not marks.get(a, 0) & bits}, text
    # no keys from the index: the marked ones are dropped from every key (another library's too)
    found = _run(lib, "-is:read", marks)
    assert found.match == {a for a in every if not marks.get(a, 0) & READ}
    assert _run(lib, "is:flagged -is:read", marks).match == {
        a for a in every if marks.get(a, 0) & FLAGGED and not marks.get(a, 0) & READ}


def test_a_lone_full_text_step_with_few_keys_is_read_without_its_count(lib, marks):
    conn = lib.index.conn
    seen: list[str] = []
    for text in ["charlie", "delta", "china -is:read", "is:flagged charlie", '"alpha bravo" -chip', "zzz", "alpha",
                 "bravo", '"he said"', "NEAR(a"]:
        conn.set_trace_callback(seen.append)
        try:
            seen.clear()
            cache = StepCache()
            cache.start(conn)
            got = _run(lib, text, marks, cache)
            counted = [s for s in seen if "count(*) FROM article_text" in s]
            again = _run(lib, text, marks, cache).match     # (kept as a plain read keeps it)
        finally:
            conn.set_trace_callback(None)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(search_module, "FEW", 0)    # (counted, then read: the step-by-step way)
            expected = _run(lib, text, marks).match
        assert got.match == again == expected, text
        (step,) = plan(parse_query(text, now=NOW, tz=UTC))
        size = conn.execute(step.count, step.params).fetchone()[0]
        assert (counted == []) == (size <= COUNT // 8), (text, size, counted)
