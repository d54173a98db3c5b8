"""The filter language: terms, filters, dates, quoting, saved views and every error message."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedreader.core.library.query import (
    MAX_LENGTH,
    MAX_TERMS,
    Query,
    QueryError,
    SavedView,
    fold,
    parse_query,
    provider_query,
    quote,
    saved_views,
    topic_key,
    topic_query,
    view_for_key,
)

NOW = datetime(2022, 3, 1, 12, 0, tzinfo=timezone.utc).timestamp()
UTC = timezone.utc


def parse(text: str) -> Query:
    return parse_query(text, now=NOW, tz=UTC)


def kinds(text: str) -> list[tuple]:
    return [(t.kind, t.value, t.negated, t.prefix, t.op) for t in parse(text).terms]


def error(text: str) -> QueryError:
    with pytest.raises(QueryError) as info:
        parse(text)
    return info.value


# --------------------------------------------------------------------------
# terms


def test_empty_and_blank_queries_have_no_terms():
    for text in ("", "   ", "\t \n"):
        q = parse(text)
        assert q.is_empty and q.terms == () and q.describe() == ""


def test_words_are_word_starts_and_keep_their_case_and_accents():
    assert kinds("Xpe café") == [("word", "Xpe", False, True, ""), ("word", "café", False, True, "")]
    # a typed trailing * changes nothing: words are always word starts
    assert kinds("xpe*") == [("word", "xpe", False, True, "")]


def test_phrases_exclusions_and_phrase_prefix():
    assert kinds('"solid state" -xpeng -"face id" "solid sta"*') == [
        ("phrase", "solid state", False, False, ""),
        ("word", "xpeng", True, True, ""),
        ("phrase", "face id", True, False, ""),
        ("phrase", "solid sta", False, True, ""),
    ]


def test_hyphen_inside_a_word_is_not_an_exclusion():
    assert kinds("e-commerce") == [("word", "e-commerce", False, True, "")]


def test_backslash_escapes_inside_quotes():
    assert kinds(r'"say \"hi\" \\ now"') == [("phrase", 'say "hi" \\ now', False, False, "")]


def test_punctuation_only_words_are_ignored():
    assert kinds("Sprocket & Byte") == [("word", "Sprocket", False, True, ""), ("word", "Byte", False, True, "")]
    assert parse('& -- "&"').is_empty


def test_unknown_key_with_a_comparison_is_a_plain_word():
    assert kinds("E=mc2 a<b") == [("word", "E=mc2", False, True, ""), ("word", "a<b", False, True, "")]


def test_term_positions_and_describe():
    q = parse('  xpeng   topic:"Computer Vision"  -is:read ')
    assert [(t.start, t.end) for t in q.terms] == [(2, 7), (10, 33), (35, 43)]
    assert q.describe() == 'xpeng topic:"Computer Vision" -is:read'
    assert q.text == '  xpeng   topic:"Computer Vision"  -is:read '


# --------------------------------------------------------------------------
# filters


def test_topic_is_a_whole_name_unless_starred():
    assert kinds('topic:AI topic:"Computer Vision" -topic:comp* Topic:ai') == [
        ("topic", "AI", False, False, ""),
        ("topic", "Computer Vision", False, False, ""),
        ("topic", "comp", True, True, ""),
        ("topic", "ai", False, False, ""),
    ]
    assert kinds('topic:"comp"*') == [("topic", "comp", False, True, "")]


def test_provider_is_a_name_or_domain_start():
    assert kinds('provider:caixin provider:"Caixin Gl" provider:caixinglobal.com') == [
        ("provider", "caixin", False, True, ""),
        ("provider", "Caixin Gl", False, True, ""),
        ("provider", "caixinglobal.com", False, True, ""),
    ]


@pytest.mark.parametrize(
    "text, op, value",
    [
        ("q>50", ">", 50),
        ("q>=50", ">=", 50),
        ("q<30", "<", 30),
        ("q<=30", "<=", 30),
        ("q=0", "=", 0),
        ("q:100", "=", 100),
        ("q:>=7", ">=", 7),
        ("quality>50", ">", 50),
        ("QUALITY:<3", "<", 3),
    ],
)
def test_quality_comparisons(text, op, value):
    assert kinds(text) == [("quality", value, False, False, op)]


def test_relative_ages_count_back_from_now():
    day = 86400
    assert parse("since:7d").terms[0].value == NOW - 7 * day
    assert parse("since:12h").terms[0].value == NOW - 12 * 3600
    assert parse("since:2w").terms[0].value == NOW - 14 * day
    assert parse("since:3m").terms[0].value == NOW - 90 * day
    assert parse("before:1Y").terms[0].value == NOW - 365 * day
    # a different clock, a different instant
    later = parse_query("since:1d", now=NOW + 100, tz=UTC).terms[0].value
    assert later == NOW + 100 - day


def test_dates_are_days_in_the_given_zone():
    assert parse("since:2021-12-01").terms[0].value == datetime(2021, 12, 1, tzinfo=UTC).timestamp()
    assert parse("before:2021-12").terms[0].value == datetime(2021, 12, 1, tzinfo=UTC).timestamp()
    assert parse("before:2021").terms[0].value == datetime(2021, 1, 1, tzinfo=UTC).timestamp()
    tokyo = timezone(timedelta(hours=9))
    assert parse_query("since:2021-12-01", now=NOW, tz=tokyo).terms[0].value == datetime(
        2021, 11, 30, 15, tzinfo=UTC
    ).timestamp()


def test_is_filters_and_negation():
    assert kinds("is:unread -is:read IS:Flagged is:hidden") == [
        ("is", "unread", False, False, ""),
        ("is", "read", True, False, ""),
        ("is", "flagged", False, False, ""),
        ("is", "hidden", False, False, ""),
    ]
    assert parse("is:hidden").shows_hidden and not parse("-is:hidden").shows_hidden
    assert parse("is:read").uses_marks and not parse("xpeng").uses_marks


def test_highlight_terms_are_the_positive_words_and_phrases():
    q = parse('xpe -photo "solid state" topic:AI provider:caixin')
    assert [t.value for t in q.highlight_terms()] == ["xpe", "solid state"]


# --------------------------------------------------------------------------
# every error message, with its position


@pytest.mark.parametrize(
    "text, message, span",
    [
        ('"solid state', 'missing closing quote (")', (0, 12)),
        ('xpeng topic:"Computer', 'missing closing quote (")', (12, 21)),
        ("-", "'-' must be followed by a word, a \"phrase\" or a filter (no space after it)", (0, 1)),
        ("xpeng - photo", "'-' must be followed by a word, a \"phrase\" or a filter (no space after it)", (6, 7)),
        ('""', 'empty quotes: put words between them, like "solid state"', (0, 2)),
        ('"  "', 'empty quotes: put words between them, like "solid state"', (0, 4)),
        ('"solid"state', "put a space after the closing quote", (7, 8)),
        ('topic:"AI"x', "put a space after the closing quote", (10, 11)),
        ('don"t', 'a quote (") must start a phrase: put a space before it, like "solid state"', (3, 4)),
        (
            "xpeng foo:bar",
            "unknown filter 'foo:' (known: topic, provider, author, link, feed, folder, q, score, since, before, is, story; put a word with ':' in quotes)",
            (6, 10),
        ),
        (
            "https://example.com",
            "unknown filter 'https:' (known: topic, provider, author, link, feed, folder, q, score, since, before, is, story; put a word with ':' in quotes)",
            (0, 6),
        ),
        ("topic>3", "topic takes ':', as in topic:AI", (5, 6)),
        ("provider=x", "provider takes ':', as in provider:caixin", (8, 9)),
        ("since>7d", "since takes ':', as in since:7d", (5, 6)),
        ("before<2021", "before takes ':', as in before:2021-12-01", (6, 7)),
        ("is=read", "is takes ':', as in is:unread", (2, 3)),
        ("topic:", 'topic: needs a topic name, e.g. topic:AI or topic:"Computer Vision"', (0, 6)),
        ('topic:""', 'topic: needs a topic name, e.g. topic:AI or topic:"Computer Vision"', (6, 8)),
        ("topic:*", 'topic: needs a topic name, e.g. topic:AI or topic:"Computer Vision"', (6, 7)),
        ("topic:&&", "topic: needs letters or digits, got '&&'", (6, 8)),
        ("provider:", "provider: needs a name or domain, e.g. provider:caixin", (0, 9)),
        ("provider:...", "provider: needs letters or digits, got '...'", (9, 12)),
        ("is:purple", "is: must be one of unread, read, flagged, hidden, story; got 'purple'", (3, 9)),
        ("-is:", "is: must be one of unread, read, flagged, hidden, story; got nothing", (0, 4)),
        ("since:", "since: needs a date (2021-12-01) or an age (12h, 7d, 2w, 3m, 1y)", (0, 6)),
        ("before:", "before: needs a date (2021-12-01) or an age (12h, 7d, 2w, 3m, 1y)", (0, 7)),
        (
            "since:yesterday",
            "since: needs a date (2021-12-01) or an age (12h, 7d, 2w, 3m, 1y), got 'yesterday'",
            (6, 15),
        ),
        ("before:7x", "before: needs a date (2021-12-01) or an age (12h, 7d, 2w, 3m, 1y), got '7x'", (7, 9)),
        ("since:2021-13-01", "since: there is no date '2021-13-01'", (6, 16)),
        ("before:2021-02-30", "before: there is no date '2021-02-30'", (7, 17)),
        ("q>abc", "q> needs a whole number from 0 to 100 (like q>50), got 'abc'", (2, 5)),
        ("q>=150", "q>= needs a whole number from 0 to 100 (like q>50), got '150'", (3, 6)),
        ("q<-1", "q< needs a whole number from 0 to 100 (like q>50), got '-1'", (2, 4)),
        ("q:", "q: needs a whole number from 0 to 100 (like q>50), got nothing", (0, 2)),
        ("quality>4.5", "quality> needs a whole number from 0 to 100 (like quality>50), got '4.5'", (8, 11)),
        ("-q<=", "q<= needs a whole number from 0 to 100 (like q>50), got nothing", (0, 4)),
        ("q>٣", "q> needs a whole number from 0 to 100 (like q>50), got '٣'", (2, 3)),
    ],
)
def test_error_messages(text, message, span):
    exc = error(text)
    assert exc.message == message == str(exc)
    assert (exc.position, exc.end) == span


def test_too_long_and_too_many_terms():
    exc = error("a" * (MAX_LENGTH + 1))
    assert exc.message == f"the query is too long (at most {MAX_LENGTH} characters)"
    assert exc.position == MAX_LENGTH
    words = " ".join(f"w{i}" for i in range(MAX_TERMS + 1))
    exc = error(words)
    assert exc.message == f"too many terms (at most {MAX_TERMS})"
    assert words[exc.position : exc.end] == f"w{MAX_TERMS}"
    assert len(parse(" ".join(f"w{i}" for i in range(MAX_TERMS))).terms) == MAX_TERMS


def test_pointer_and_describe_point_at_the_mistake():
    exc = error("xpeng q>abc")
    assert exc.pointer() == "        ^^^"
    assert exc.describe() == "column 9: q> needs a whole number from 0 to 100 (like q>50), got 'abc'"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab -"*:<>=\\&é0q19topicsinerdvhwyl.\t')), max_size=40))
def test_any_text_parses_or_raises_query_error(text):
    try:
        q = parse(text)
    except QueryError as exc:
        assert 0 <= exc.position < exc.end <= max(len(text), exc.position + 1)
        assert exc.message
    else:
        for term in q.terms:
            assert 0 <= term.start < term.end <= len(text)
            assert text[term.start : term.end] == term.raw


# --------------------------------------------------------------------------
# folding and quoting helpers


def test_fold_and_topic_key():
    assert fold("Café ZÜRICH naïve") == "cafe zurich naive"
    assert topic_key("Computer Vision") == "computervision"
    assert topic_key("A.I.") == topic_key("ai") == "ai"
    assert topic_key("Économie") == "economie"


@pytest.mark.parametrize("topic", ["AI", "Computer Vision", 'Say "hi"', "back\\slash", "C++", "-minus", "x*"])
def test_topic_and_provider_queries_round_trip(topic):
    (term,) = parse(topic_query(topic)).terms
    assert (term.kind, term.value, term.prefix) == ("topic", topic.strip(), False)
    (term,) = parse(provider_query(topic)).terms
    assert (term.kind, term.value) == ("provider", topic)


def test_quote_leaves_simple_values_bare():
    assert quote("AI") == "AI"
    assert quote("caixinglobal.com") == "caixinglobal.com"
    assert quote("Computer Vision") == '"Computer Vision"'


# --------------------------------------------------------------------------
# saved views


def test_saved_views_keys_and_errors():
    config = [(f"v{i}", "xpeng") for i in range(10)] + [("bad", "q>abc")]
    views = saved_views(config, now=NOW)
    assert [v.key for v in views] == [str(i) for i in range(1, 10)] + ["", ""]
    assert views[0] == SavedView("v0", "xpeng", "1", None)
    assert views[0].label == "1 v0" and views[9].label == "v9"
    assert views[-1].error is not None and views[-1].error.message.startswith("q> needs a whole number")
    assert view_for_key(views, "3").name == "v2"
    assert view_for_key(views, "0") is None
    assert view_for_key(saved_views([], now=NOW), "1") is None


def test_saved_views_from_the_config_file(tmp_path):
    from feedreader.config import load_settings

    path = tmp_path / "config.toml"
    path.write_text('[views]\nai = "topic:AI is:unread"\nslow = "since:yesterday"\n', encoding="utf-8")
    views = saved_views(load_settings(path, environ={}).views, now=NOW)
    assert [(v.key, v.name, v.text, v.error is None) for v in views] == [
        ("1", "ai", "topic:AI is:unread", True),
        ("2", "slow", "since:yesterday", False),
    ]
