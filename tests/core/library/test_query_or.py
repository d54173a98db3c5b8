"""OR, parentheses, negated groups and the feed/folder/author/link/score filters of the language."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedreader.core.library.query import (
    MAX_DEPTH,
    Query,
    QueryError,
    Term,
    feed_query,
    folder_query,
    parse_query,
    quote,
)

NOW = datetime(2022, 3, 1, 12, 0, tzinfo=timezone.utc).timestamp()


def parse(text: str) -> Query:
    return parse_query(text, now=NOW, tz=timezone.utc)


def shape(node) -> object:
    """A tree as nested tuples: ('or', [...]), ('-and', [...]), or a term's raw text."""
    if isinstance(node, Term):
        return node.raw
    return (("-" if node.negated else "") + node.op, [shape(c) for c in node.children])


@pytest.mark.parametrize(
    "text, tree",
    [
        ("a b OR c", ("or", [("and", ["a", "b"]), "c"])),
        ("a OR b c", ("or", ["a", ("and", ["b", "c"])])),
        ("a OR b OR c", ("or", ["a", "b", "c"])),
        ("topic:AI (regulation OR \"privacy bill\")", ("and", ["topic:AI", ("or", ["regulation", '"privacy bill"'])])),
        ("-(a OR b) c", ("and", [("-or", ["a", "b"]), "c"])),
        ("(a OR b) (c OR d)", ("and", [("or", ["a", "b"]), ("or", ["c", "d"])])),
        ("((a OR b))", ("or", ["a", "b"])),
        ("x -(y z)", ("and", ["x", ("-and", ["y", "z"])])),
        ("(a OR (b OR c))", ("or", ["a", "b", "c"])),
        ("(a)OR(b)", ("or", ["a", "b"])),
    ],
)
def test_and_binds_tighter_than_or(text, tree):
    query = parse(text)
    assert not query.is_flat
    assert shape(query.tree) == tree
    assert [t.raw for t in query.terms] == [t for t in _raws(tree)]


def _raws(tree):
    if isinstance(tree, str):
        return [tree]
    return [r for child in tree[1] for r in _raws(child)]


@pytest.mark.parametrize(
    "text, raws",
    [
        ("(a b)", ["a", "b"]),            # a group without OR is just its terms
        ("-(a)", ["-a"]),                 # a negated group of one term is that term negated
        ("-(-a)", ["a"]),
        ("a (b (c))", ["a", "b", "c"]),
        ("OR", ["OR"]),                   # a lone OR is the word
        ("a OR", ["a", "OR"]),
        ("OR a", ["OR", "a"]),
        ("a or b", ["a", "or", "b"]),     # only upper case is the operator
        ("ORwell", ["ORwell"]),
    ],
)
def test_queries_without_or_stay_flat(text, raws):
    query = parse(text)
    assert query.is_flat and query.tree is None
    assert [t.raw for t in query.terms] == raws


def test_flat_queries_are_the_same_objects_as_before():
    assert parse("a -b topic:AI") == Query("a -b topic:AI", parse("a -b topic:AI").terms)
    assert parse("(a -b)").describe() == "a -b"


def test_describe_writes_the_normal_form():
    assert parse("a  b   OR  c").describe() == "a b OR c"
    assert parse("x ( y  OR z )").describe() == "x (y OR z)"
    assert parse("-( y OR z )").describe() == "-(y OR z)"
    assert parse(parse("x (y OR -z) -(w v)").describe()).describe() == "x (y OR -z) -(w v)"


def test_highlight_and_shows_hidden_follow_the_negations():
    q = parse("a -(b OR -c) (d OR is:hidden)")
    assert [t.value for t in q.highlight_terms()] == ["a", "c", "d"]
    assert q.shows_hidden and q.uses_marks
    assert not parse("a -(b OR is:hidden)").shows_hidden
    assert parse("a -(b OR -is:hidden)").shows_hidden


@pytest.mark.parametrize(
    "text, message, span",
    [
        ("(a", "missing closing parenthesis ')'", (0, 2)),
        ("x (a OR (b c)", "missing closing parenthesis ')'", (2, 13)),
        ("a )", "')' without a '(' before it", (2, 3)),
        ("()", "empty parentheses: put terms between them, like (a OR b)", (0, 2)),
        ("a -( )", "empty parentheses: put terms between them, like (a OR b)", (2, 6)),
        ("(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1),
         f"parentheses nested too deeply (at most {MAX_DEPTH})", (MAX_DEPTH, MAX_DEPTH + 1)),
        ('(topic:"AI)', 'missing closing quote (")', (7, 11)),
        ("(a OR q>abc)", "q> needs a whole number from 0 to 100 (like q>50), got 'abc'", (8, 11)),
        ("feed:", "feed: needs a subscribed feed's title or URL, e.g. feed:\"Hacker News\"", (0, 5)),
        ("folder:\"\"", "folder: needs a folder name, e.g. folder:Tech", (7, 9)),
        ("author:", "author: needs a name, e.g. author:smith", (0, 7)),
        ("author:--", "author: needs letters or digits, got '--'", (7, 9)),
        ("link:", "link: needs part of a web address, e.g. link:example.com", (0, 5)),
        ("score>101", "score> needs a whole number from 0 to 100 (like score>50), got '101'", (6, 9)),
        ("feed=x", "feed takes ':', as in feed:\"Hacker News\"", (4, 5)),
    ],
)
def test_error_messages(text, message, span):
    with pytest.raises(QueryError) as info:
        parse(text)
    assert info.value.message == message
    assert (info.value.position, info.value.end) == span


def test_new_filters_parse():
    q = parse('feed:"Hacker News" folder:Tech* author:smi link:Example.COM/Path score>=40 -score<5')
    assert [(t.kind, t.value, t.prefix, t.op, t.negated) for t in q.terms] == [
        ("feed", "Hacker News", False, "", False),
        ("folder", "Tech", True, "", False),
        ("author", "smi", True, "", False),
        ("link", "example.com/path", False, "", False),
        ("score", 40, False, ">=", False),
        ("score", 5, False, "<", True),
    ]
    assert q.uses("score") and not q.uses("topic")


def test_a_closing_parenthesis_ends_a_word_or_a_value_inside_a_group():
    q = parse('(topic:AI OR "a b") (feed:x)')
    assert [(t.kind, t.value) for t in q.terms] == [("topic", "AI"), ("phrase", "a b"), ("feed", "x")]
    assert [t.value for t in parse("f(x)").terms] == ["f(x)"]   # outside a group: part of the word


def test_query_helpers_quote_parentheses():
    assert quote("AI (UK)") == '"AI (UK)"'
    assert feed_query("Hacker News") == 'feed:"Hacker News"'
    assert folder_query("Tech") == "folder:Tech"
    assert [t.value for t in parse(feed_query("a (b)")).terms] == ["a (b)"]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab -"*:()ORq>5 feed:')), max_size=40))
def test_any_text_with_parentheses_parses_or_raises_query_error(text):
    try:
        q = parse(text)
    except QueryError as exc:
        assert 0 <= exc.position < exc.end <= max(len(text), exc.position + 1)
        assert exc.message
    else:
        # the normal form means the same: it parses to the same tree
        again = parse(q.describe())
        assert again.describe() == q.describe()
        assert (shape(again.tree) if again.tree else None) == (shape(q.tree) if q.tree else None)
