"""parse_feed: each file in tests/data/feeds paired with the values it must give.

Like lemon24/reader's tests/data: ``<name>`` is the feed as served and
``<name>.py`` holds ``URL``, ``NOW``, ``feed`` (fields of the ParsedFeed),
``entries`` (for each entry, in order, the fields it must have) and
``problems`` (substrings each of which must appear in some problem line; an
empty list means the feed must parse without problems). Fields an expectation
does not name are not checked there; the general invariants below check every
entry of every file.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from feedreader.core.feeds.entries import MAX_ENTRIES, MAX_FEED_BYTES
from feedreader.core.feeds.parse import (
    EntryImage,
    FeedEntry,
    FeedParseError,
    ParsedFeed,
    parse_feed,
)
from feedreader.core.text import check_url, is_clean

DATA = Path(__file__).parents[2] / "data" / "feeds"
NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)
PAIRED = sorted(p.name[: -len(".py")] for p in DATA.glob("*.py"))


def load_expected(name: str) -> dict[str, Any]:
    scope: dict[str, Any] = {"datetime": datetime, "timezone": timezone, "EntryImage": EntryImage}
    exec((DATA / f"{name}.py").read_text(encoding="utf-8"), scope)  # noqa: S102 - our own test data
    return scope


def parse_file(name: str, **kwargs: Any) -> ParsedFeed:
    expected = load_expected(name) if (DATA / f"{name}.py").exists() else {}
    url = expected.get("URL", f"https://example.com/{name}")
    return parse_feed((DATA / name).read_bytes(), url, now=expected.get("NOW", NOW), **kwargs)


def all_text(feed: ParsedFeed) -> str:
    parts = [feed.title, feed.site_url or "", *feed.problems]
    for e in feed.entries:
        for f in dataclasses.fields(e):
            parts.append(repr(getattr(e, f.name)))
    return "\n".join(parts)


def assert_invariants(feed: ParsedFeed) -> None:
    assert is_clean(feed.title)
    assert feed.site_url is None or check_url(feed.site_url) == feed.site_url
    keys = [e.key for e in feed.entries]
    assert len(keys) == len(set(keys)), "keys must be unique within a feed"
    for e in feed.entries:
        assert isinstance(e, FeedEntry)
        assert e.key and is_clean(e.key)
        for text in (e.title, e.summary, e.author, *e.categories):
            assert is_clean(text), repr(text)
        assert is_clean(e.content, multiline=True), repr(e.content)
        assert e.link is None or check_url(e.link) == e.link
        for image in e.images:
            assert check_url(image.url) == image.url
        for d in (e.published, e.updated):
            assert d is None or (d.tzinfo is not None and d.utcoffset() == timedelta(0))
        assert len(e.content_hash) == 64
    for line in feed.problems:
        assert is_clean(line)


@pytest.mark.parametrize("name", PAIRED)
def test_paired_data(name: str) -> None:
    expected = load_expected(name)
    feed = parse_file(name)
    assert_invariants(feed)
    for field, value in expected["feed"].items():
        assert getattr(feed, field) == value, f"{name}: feed.{field}"
    assert len(feed.entries) == len(expected["entries"]), f"{name}: {[e.title for e in feed.entries]}"
    for i, (entry, want) in enumerate(zip(feed.entries, expected["entries"])):
        for field, value in want.items():
            assert getattr(entry, field) == value, f"{name}: entry {i + 1}.{field}"
    if not expected["problems"]:
        assert feed.problems == (), f"{name}: unexpected problems {feed.problems}"
    for wanted in expected["problems"]:
        assert any(wanted in line for line in feed.problems), f"{name}: no problem {wanted!r} in {feed.problems}"


def test_every_data_file_is_paired_or_tested_below() -> None:
    inputs = {p.name for p in DATA.iterdir() if p.suffix != ".py"}
    unpaired = inputs - set(PAIRED)
    # tested one by one below; homepage.html belongs to test_discover.py
    assert unpaired == {"billion_laughs.xml", "xxe.xml", "malformed.xml", "homepage.html"}


# --------------------------------------------------------------------------
# identity, hashes, dates
# --------------------------------------------------------------------------


def test_hash_key_is_stable_and_depends_on_feed_url_title_and_date() -> None:
    a = parse_file("rss2.xml").entries[2]
    b = parse_file("rss2.xml").entries[2]
    assert a.key == b.key and a.key.startswith("sha256:")
    other = parse_feed((DATA / "rss2.xml").read_bytes(), "https://mirror.example.org/feed.xml", now=NOW)
    assert other.entries[2].key != a.key
    retitled = (DATA / "rss2.xml").read_bytes().replace(b"Neither guid nor link", b"Renamed")
    assert parse_feed(retitled, "https://news.example.com/feed.xml", now=NOW).entries[2].key != a.key


def test_content_hash_changes_with_the_entry_and_only_then() -> None:
    data = (DATA / "rss2.xml").read_bytes()
    first = parse_feed(data, "https://news.example.com/feed.xml", now=NOW)
    again = parse_feed(data, "https://news.example.com/feed.xml", now=NOW)
    assert [e.content_hash for e in first.entries] == [e.content_hash for e in again.entries]
    edited = parse_feed(data.replace(b"Second paragraph.", b"Second paragraph, edited."),
                        "https://news.example.com/feed.xml", now=NOW)
    assert edited.entries[0].key == first.entries[0].key
    assert edited.entries[0].content_hash != first.entries[0].content_hash
    assert edited.entries[1].content_hash == first.entries[1].content_hash


def test_future_rule_uses_the_clock_given() -> None:
    late = datetime(2030, 6, 1, tzinfo=timezone.utc)
    feed = parse_feed((DATA / "rss2.xml").read_bytes(), "https://news.example.com/feed.xml", now=late)
    assert feed.entries[3].published == datetime(2030, 6, 1, tzinfo=timezone.utc)
    assert not any("future" in p for p in feed.problems)


def test_a_date_within_a_day_ahead_is_kept() -> None:
    rss = (
        b'<rss version="2.0"><channel><title>t</title><item><guid>x</guid>'
        b"<pubDate>Sat, 01 Jun 2024 20:00:00 GMT</pubDate></item></channel></rss>"
    )
    feed = parse_feed(rss, "https://example.com/f", now=NOW)
    assert feed.entries[0].published == datetime(2024, 6, 1, 20, tzinfo=timezone.utc)


# --------------------------------------------------------------------------
# hostile XML
# --------------------------------------------------------------------------


def test_billion_laughs_is_not_expanded() -> None:
    started = time.perf_counter()
    feed = parse_file("billion_laughs.xml")
    assert time.perf_counter() - started < 5  # generous; an expansion would take minutes and gigabytes
    assert_invariants(feed)
    assert "lollol" not in all_text(feed)
    assert feed.title == "Laughs &lol9;"  # the reference is left as written, not expanded
    assert [e.key for e in feed.entries] == ["laugh-1"]
    assert any("declares its own XML entities" in p for p in feed.problems)


def test_external_entity_does_not_read_local_files() -> None:
    feed = parse_file("xxe.xml")
    text = all_text(feed)
    assert "root:" not in text and "/bin/" not in text
    assert feed.entries[0].title == "Secret: &xxe;"
    assert any("declares its own XML entities" in p for p in feed.problems)


def test_external_entity_and_external_dtd_with_a_file_of_our_own(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-1234", encoding="utf-8")
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY fromdtd "DTD-WAS-READ">', encoding="utf-8")
    with_subset = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY s SYSTEM "{secret.as_uri()}">\n]>\n'
        '<rss version="2.0"><channel><title>a &s;</title>'
        '<item><guid>1</guid><title>&s;</title></item></channel></rss>'
    ).encode()
    external_dtd = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "{dtd.as_uri()}">\n'
        '<rss version="2.0"><channel><title>b &fromdtd;</title>'
        '<item><guid>1</guid><title>&fromdtd;</title></item></channel></rss>'
    ).encode()
    for data in (with_subset, external_dtd):
        text = all_text(parse_feed(data, "https://example.com/f", now=NOW))
        assert "TOPSECRET" not in text and "DTD-WAS-READ" not in text


def test_entity_declarations_hidden_behind_a_comment_are_still_removed() -> None:
    data = (
        b'<?xml version="1.0"?><!-- <a> --><!DOCTYPE rss [<!ENTITY a "AAAAAAAAAA">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<rss version="2.0"><channel><title>&b;</title><item><guid>1</guid></item></channel></rss>'
    )
    feed = parse_feed(data, "https://example.com/f", now=NOW)
    assert "AAAA" not in all_text(feed)
    assert any("declares its own XML entities" in p for p in feed.problems)


def test_unterminated_doctype_is_refused() -> None:
    with pytest.raises(FeedParseError, match="never ends"):
        parse_feed(b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "x">', "https://example.com/f", now=NOW)


def test_utf16_feed_with_entities_is_refused() -> None:
    data = '<?xml version="1.0" encoding="utf-16"?><!DOCTYPE rss [<!ENTITY a "x">]><rss/>'.encode("utf-16")
    with pytest.raises(FeedParseError, match="entities"):
        parse_feed(data, "https://example.com/f", now=NOW)


def test_netscape_doctype_without_subset_is_kept_and_unreported() -> None:
    feed = parse_file("rss091.xml")
    assert feed.problems == ()
    assert len(feed.entries) == 2


def test_malformed_xml_keeps_what_it_can_and_says_why() -> None:
    feed = parse_file("malformed.xml")
    assert_invariants(feed)
    assert feed.title == "Broken Feed"
    assert feed.entries[0].key == "https://broken.example.com/good"
    assert feed.entries[0].title == "Good item"
    bozo = [p for p in feed.problems if "not well-formed XML" in p]
    assert bozo and "line" in bozo[0], feed.problems


# --------------------------------------------------------------------------
# caps and refusals
# --------------------------------------------------------------------------


def test_more_than_the_entry_cap_is_cut_and_reported() -> None:
    count = MAX_ENTRIES + 3
    items = b"".join(b'<item><guid isPermaLink="false">%d</guid></item>' % i for i in range(count))
    data = b'<rss version="2.0"><channel><title>big</title>' + items + b"</channel></rss>"
    feed = parse_feed(data, "https://example.com/big", now=NOW)
    assert len(feed.entries) == MAX_ENTRIES
    assert feed.entries[-1].key == str(MAX_ENTRIES - 1)
    assert any(f"{count:,} entries" in p for p in feed.problems)


def test_json_entry_cap() -> None:
    import json

    items = [{"id": str(i)} for i in range(MAX_ENTRIES + 1)]
    data = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items}).encode()
    feed = parse_feed(data, "https://example.com/feed.json", now=NOW)
    assert len(feed.entries) == MAX_ENTRIES
    assert any("only the first 50,000" in p for p in feed.problems)


def test_text_fields_are_bounded() -> None:
    long_title = "word " * 2000
    long_body = "<p>" + "text " * 60_000 + "</p>"
    data = (
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title>'
        f"<item><guid>1</guid><title>{long_title}</title><description>{long_title * 3}</description>"
        f"<content:encoded><![CDATA[{long_body}]]></content:encoded></item></channel></rss>"
    ).encode()
    entry = parse_feed(data, "https://example.com/f", now=NOW).entries[0]
    assert len(entry.title) <= 500 and entry.title.endswith("…")
    assert len(entry.summary) <= 3000
    assert len(entry.content) <= 100_000 and entry.content.endswith("…")
    assert len(entry.content_html) <= 200_000


def test_too_large_is_refused_before_parsing() -> None:
    with pytest.raises(FeedParseError, match="larger than"):
        parse_feed(b" " * (MAX_FEED_BYTES + 1), "https://example.com/f", now=NOW)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"<!DOCTYPE html><html><head><title>Home</title></head><body>Hi</body></html>", "web page"),
        (b'{"version": "something else", "items": []}', "no JSON Feed version"),
        (b"[1, 2, 3]", "not a JSON Feed object"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [}', "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_not_a_feed_raises_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(FeedParseError, match=message):
        parse_feed(data, "https://example.com/f", now=NOW)


def test_json_wrong_top_level_types_are_dropped_with_warnings() -> None:
    data = b'{"version": "https://jsonfeed.org/version/1.1", "title": ["x"], "home_page_url": 5, "items": {}}'
    feed = parse_feed(data, "https://example.com/feed.json", now=NOW)
    assert (feed.title, feed.site_url, feed.entries) == ("", None, ())
    assert any("title must be a string" in p for p in feed.problems)
    assert any("home_page_url must be a string" in p for p in feed.problems)
    assert any("items must be a list" in p for p in feed.problems)


def test_json_content_html_is_sanitized() -> None:
    entry = parse_file("feed.json").entries[0]
    assert "<script" not in entry.content_html and "steal()" not in entry.content_html
    assert "onclick" not in entry.content_html and "javascript:" not in entry.content_html
    assert "https://json.example.com/i/first.png" in entry.content_html  # relative src resolved


def test_rss_content_html_is_sanitized_and_resolved() -> None:
    entry = parse_file("rss2.xml").entries[0]
    assert "<script" not in entry.content_html
    assert 'href="https://news.example.com/about"' in entry.content_html


def test_problems_are_bounded() -> None:
    items = b"".join(b"<item><guid>same</guid></item>" for _ in range(500))
    data = b'<rss version="2.0"><channel><title>t</title>' + items + b"</channel></rss>"
    feed = parse_feed(data, "https://example.com/f", now=NOW)
    assert len(feed.entries) == 1
    assert len(feed.problems) == 101
    assert feed.problems[-1] == "… and 399 more problems"


def test_bytes_are_never_taken_for_a_url_or_a_path(tmp_path: Path) -> None:
    # feedparser.parse("https://...") would fetch and parse("/path") would open a file
    target = tmp_path / "feed.xml"
    target.write_bytes((DATA / "rss2.xml").read_bytes())
    for data in (str(target).encode(), b"https://news.example.com/feed.xml"):
        with pytest.raises(FeedParseError):
            parse_feed(data, "https://example.com/f", now=NOW)


def test_content_type_charset_is_used() -> None:
    data = '<rss version="2.0"><channel><title>Caf\u00e9</title></channel></rss>'.encode("latin-1")
    feed = parse_feed(data, "https://example.com/f", "application/rss+xml; charset=iso-8859-1", now=NOW)
    assert feed.title == "Caf\u00e9"
