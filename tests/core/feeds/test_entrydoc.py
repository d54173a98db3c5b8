"""entry_document: a feed entry rendered as a document the project's parser reads back."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from feedreader.core.feeds.entrydoc import entry_document, entry_filename
from feedreader.core.feeds.parse import EntryImage, FeedEntry, parse_feed
from feedreader.core.text import clean_text
from tests.helpers.examples import EXAMPLES

try:  # the documents module is moving into a package
    from feedreader.core.documents.parse import parse_document
except ImportError:  # pragma: no cover - the old layout
    from feedreader.core.documents import parse_document  # type: ignore[no-redef]

DATA = Path(__file__).parents[2] / "data" / "feeds"
NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)
FIRST_SEEN = datetime(2024, 5, 31, 23, 0, tzinfo=timezone.utc)
FEED_URL = "https://news.example.com/feed.xml"


def render(entry: FeedEntry, **kw: object) -> bytes:
    args = dict(feed_url=FEED_URL, feed_title="Example News", site_domain="news.example.com",
                entry=entry, first_seen=FIRST_SEEN)
    args.update(kw)
    return entry_document(**args)  # type: ignore[arg-type]


def front_matter(doc: bytes) -> dict[str, object]:
    text = doc.decode("utf-8")
    assert text.startswith("---\n")
    front, sep, _body = text[4:].partition("\n---\n")
    assert sep
    loaded = yaml.safe_load(front)
    assert isinstance(loaded, dict)
    return loaded


def read_back(doc: bytes, name: str = "entry.txt"):  # type: ignore[no-untyped-def]
    article, problems = parse_document(doc, f"/feeds/{name}")
    assert article is not None, problems
    assert problems == (), problems
    return article


def test_full_entry_round_trips_through_the_document_parser() -> None:
    entry = parse_feed((DATA / "rss2.xml").read_bytes(), FEED_URL, now=NOW).entries[0]
    article = read_back(render(entry))
    assert article.title == "Full item"
    assert article.excerpt == "The short version & more."
    assert article.published == datetime(2024, 5, 31, 12, 20, tzinfo=timezone.utc)
    assert article.url == entry.link
    assert (article.provider.name, article.provider.domain) == ("Example News", "news.example.com")
    assert article.topics == ("World", "Science")
    assert [(i.url, i.width, i.height) for i in article.images] == [
        ("https://news.example.com/img/lead.jpg", None, None),
        ("https://cdn.example.com/thumb.jpg", 120, 90),
        ("https://news.example.com/img/inline.png", 640, 480),
    ]
    assert article.body == entry.content
    assert "Second paragraph." in article.body


def test_front_matter_has_the_seed_fields_and_the_extra_keys() -> None:
    entry = parse_feed((DATA / "rss2.xml").read_bytes(), FEED_URL, now=NOW).entries[0]
    doc = render(entry)
    front = front_matter(doc)
    assert front["originalUrl"] == front["webUrl"] == entry.link
    assert front["publishedDateTime"] == datetime(2024, 5, 31, 12, 20, tzinfo=timezone.utc)
    assert b"\npublishedDateTime: 2024-05-31T12:20:00Z\n" in doc  # the seed's form, not quoted
    assert front["feedUrl"] == FEED_URL
    assert front["entryKey"] == "tag:news.example.com,2024:full"
    assert front["author"] == "Ann Author"
    assert front["kind"] == "feed-entry"
    assert front["provider"] == {"name": "Example News", "domain": "news.example.com"}


def test_entry_without_link_has_no_urls_and_a_stable_identity() -> None:
    entry = parse_feed((DATA / "rss2.xml").read_bytes(), FEED_URL, now=NOW).entries[2]
    assert entry.link is None and entry.published is None
    doc = render(entry)
    front = front_matter(doc)
    assert "originalUrl" not in front and "webUrl" not in front
    assert front["entryKey"] == entry.key
    assert front["publishedDateTime"] == FIRST_SEEN  # no date in the feed: when it was first seen
    first = read_back(doc)
    again = read_back(render(entry))
    assert first.url is None
    assert first.identity == again.identity and first.identity.startswith("doc:")


def test_untitled_entry_gets_a_title_from_its_text_and_excerpt_from_content() -> None:
    feed = parse_feed((DATA / "feed.json").read_bytes(), "https://json.example.com/feed.json", now=NOW)
    entry = feed.entries[1]
    assert entry.title == "" and entry.summary == "" and entry.link is None
    article = read_back(render(entry))
    assert article.title == "A note without a title. Second paragraph."
    assert article.excerpt == "A note without a title. Second paragraph."
    assert article.body == "A note without a title.\n\nSecond paragraph."


def test_nothing_at_all_still_makes_a_loadable_document() -> None:
    entry = FeedEntry(key="k")
    article = read_back(render(entry))
    assert article.title == "Untitled entry"
    assert article.body == ""


def test_published_falls_back_to_updated() -> None:
    updated = datetime(2024, 5, 20, 10, 0, tzinfo=timezone.utc)
    article = read_back(render(FeedEntry(key="k", title="t", updated=updated)))
    assert article.published == updated


def test_the_same_datetime_twice_is_written_twice_not_as_an_alias() -> None:
    when = datetime(2024, 5, 20, 10, 0, tzinfo=timezone.utc)
    doc = render(FeedEntry(key="k", title="t", published=when, updated=when))
    assert b"&id" not in doc and b"*id" not in doc
    assert read_back(doc).published == when


@pytest.mark.parametrize(
    "nasty",
    [
        "---",
        "--- \n---",
        "key: value",
        "- item",
        "'quoted' \"double\"",
        "#not a comment",
        "&anchor *alias",
        "!!python/object:os.system",
        "{flow: mapping}",
        "yes",
        "null",
        "2021-12-15",
        "12345",
        "@at `back`",
        "% percent",
    ],
)
def test_yaml_significant_text_survives_as_text(nasty: str) -> None:
    entry = FeedEntry(
        key=nasty,
        title=nasty,
        summary=nasty,
        link="https://ex.com/a",
        author=nasty,
        categories=(nasty, "ok"),
        content=f"{nasty}\n---\n{nasty}\n...\n",
    )
    article = read_back(render(entry, feed_title=nasty))
    line = clean_text(nasty)
    assert article.title == line
    assert article.excerpt == line  # cleaned to one line even when a hand-built entry has more
    assert article.topics == (line, "ok")
    assert article.provider.name == line
    assert article.body == clean_text(entry.content, multiline=True)
    assert front_matter(render(entry))["entryKey"] == line


def test_unicode_and_long_content_round_trip() -> None:
    content = ("Ünïcödé — 日本語 😀 " * 4000).strip()
    entry = FeedEntry(key="u", title="Ünïcödé 😀", link="https://ex.com/u", content=content,
                      images=(EntryImage("https://ex.com/i.png", 10, None),))
    doc = render(entry)
    assert "😀".encode() in doc  # written as UTF-8, not escaped
    article = read_back(doc)
    assert article.title == "Ünïcödé 😀"
    assert article.body == content
    assert [(i.url, i.width, i.height) for i in article.images] == [("https://ex.com/i.png", 10, None)]


def test_every_entry_of_every_feed_file_round_trips() -> None:
    for name in ("rss2.xml", "rss1.xml", "rss091.xml", "atom.xml", "feed.json", "feed10.json",
                 "titles.xml", "escapes.xml", "javascript_links.xml", "malformed.xml"):
        feed = parse_feed((DATA / name).read_bytes(), f"https://example.com/{name}", now=NOW)
        for entry in feed.entries:
            article = read_back(render(entry, feed_title=feed.title), entry_filename(entry))
            assert article.url == entry.link
            if entry.title:
                assert article.title == entry.title


def test_entry_filename_is_a_stable_hash_of_the_key() -> None:
    a = FeedEntry(key="tag:x,2024:1", title="one")
    same_key = FeedEntry(key="tag:x,2024:1", title="edited title")
    other = FeedEntry(key="tag:x,2024:2")
    name = entry_filename(a)
    assert name.endswith(".txt") and len(name) == 36
    int(name[:-4], 16)
    assert entry_filename(same_key) == name
    assert entry_filename(other) != name
    assert entry_filename(a, "https://one.example/feed") != entry_filename(a, "https://two.example/feed")
    assert entry_filename(FeedEntry(key="../../etc/passwd")).isalnum() is False  # has the dot of .txt
    assert "/" not in entry_filename(FeedEntry(key="../../etc/passwd"))


# -- the front matter writer: what the project's safe loader reads back ------------------------

HOSTILE = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=40) | st.sampled_from([
    "", " ", "'", "''", '"', "\\", "\\n", "- x", "? x", ": x", "x: y", "x #y", "#x", "&a", "*a", "!!python/object",
    "|", ">", "---", "...", "%YAML", "null", "~", "yes", "No", "on", "123", "0x1f", "1e3", ".inf", "2021-12-15",
    "2021-12-15T12:20:00Z", "[a, b]", "{a: b}", "@x", "`x", "\t", "a\u2028b", "a\u2029b", "a\x85b", "\ufeffx",
    "\x1b[31mred", "\u202eevil", "\ud800", "a\udfffb", "\ufffe\uffff", "\x00\x07\x7f\x9f", "𝔘𝔫𝔦", "  lead", "trail  ",
])


def _plain(value):
    """A loaded value as plain dicts/lists (YamlMap/YamlList carry line numbers)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _expected(value):
    if isinstance(value, str):
        return re.sub("[\ud800-\udfff]", "\ufffd", value)
    if isinstance(value, dict):
        return {k: _expected(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_expected(v) for v in value]
    return value


@settings(max_examples=EXAMPLES * 2, deadline=None)
@given(st.lists(HOSTILE, min_size=7, max_size=7), st.integers(0, 10**6),
       st.datetimes(timezones=st.just(timezone.utc), min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)))
def test_hostile_strings_load_back_to_the_same_values(texts, number, moment) -> None:
    from feedreader.core.documents.fastyaml import load_simple
    from feedreader.core.documents.safeyaml import load_events, load_mapping
    from feedreader.core.feeds.entrydoc import _dump

    front = {"title": texts[0], "excerpt": texts[1], "publishedDateTime": moment.replace(microsecond=0),
             "provider": {"name": texts[2], "domain": texts[3]}, "topics": [texts[4], texts[5]],
             "images": [{"url": texts[6], "width": number}, {"url": texts[0]}], "empty": [],
             "kind": "feed-entry"}
    text = _dump(front)
    assert text.count("\n") == 15   # one line per value: nothing a string holds breaks a line
    loaded = _plain(load_mapping(text, 2))
    assert loaded == _expected(front)
    assert _plain(load_events(text, 2)) == loaded          # the full loader agrees with the fast one
    fast = load_simple(text.replace("empty: []\n", ""), 2)
    if all(t.isprintable() for t in texts):                 # what feeds give after clean_text
        assert fast is not None


def test_a_document_with_hostile_fields_reads_back_whole() -> None:
    nasty = "It's: #1 \"q\" \\ - [x] {y} & *z !t | > % @ ` \u202e\x1b[2J null 2021-01-01"
    entry = FeedEntry(key="k", title=nasty, link="https://e.org/a'b", summary=nasty, content="body",
                      content_html="", published=FIRST_SEEN, updated=None, author=nasty, categories=(nasty, "yes"),
                      images=(EntryImage("https://e.org/i'.png", 3, None),), content_hash="h")
    article = read_back(render(entry, feed_title=nasty))
    assert article.title == clean_text(nasty, limit=500)
    assert article.provider.name == clean_text(nasty, limit=200)
    assert article.topics == (clean_text(nasty, limit=200), "yes")
    assert article.url == "https://e.org/a'b"
