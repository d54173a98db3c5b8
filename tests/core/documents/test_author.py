"""The ``author`` field: a feed entry document names its author; it is cleaned like every string."""

from __future__ import annotations

from datetime import datetime, timezone

from feedreader.core.documents.codec import article_from_dict, article_to_dict
from feedreader.core.documents.parse import parse_document
from feedreader.core.feeds.entries import FeedEntry
from feedreader.core.feeds.entrydoc import entry_document


def test_author_is_read_cleaned_and_round_trips() -> None:
    data = b'---\ntitle: T\nauthor: "Ann \\e[31mAuthor"\n---\n'
    article, problems = parse_document(data, "/docs/a.txt")
    assert article is not None and problems == ()
    assert article.author == "Ann Author"
    assert article_from_dict(article_to_dict(article)) == article


def test_a_wrong_author_is_dropped_with_a_warning() -> None:
    article, problems = parse_document(b"---\ntitle: T\nauthor: [1, 2]\n---\n", "/docs/a.txt")
    assert article is not None and article.author == ""
    assert [p.message for p in problems] == ["line 3: author must be a string, got a list"]


def test_a_feed_entry_document_carries_its_author() -> None:
    entry = FeedEntry(key="k1", title="Hello", link="https://example.com/1", author="Bo Writer")
    data = entry_document("https://example.com/feed", "Example", "example.com", entry,
                          datetime(2024, 1, 1, tzinfo=timezone.utc))
    article, _problems = parse_document(data, "/data/feeds/1/x.txt")
    assert article is not None and article.author == "Bo Writer"
