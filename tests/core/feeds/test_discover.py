"""discover_feeds (autodiscovery links) and looks_like_feed (feed or page?)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feedreader.core.feeds.discover import FoundFeed, discover_feeds, looks_like_feed

DATA = Path(__file__).parents[2] / "data" / "feeds"

# what tests/data/feeds/homepage.html must give, served from PAGE_URL
PAGE_URL = "https://www.example.com/blog/index.html"
HOMEPAGE_FEEDS = [
    FoundFeed("https://www.example.com/blog/feed.xml", "Main & RSS", "rss"),
    FoundFeed("https://www.example.com/atom.xml", "Atom feed", "atom"),
    FoundFeed("https://www.example.com/feed.json", "", "json"),
    FoundFeed("https://cdn.example.com/f.json", "Plain JSON", "json"),
]


def test_homepage_links_in_order_resolved_checked_and_deduplicated() -> None:
    assert discover_feeds((DATA / "homepage.html").read_bytes(), PAGE_URL) == HOMEPAGE_FEEDS


def test_str_input_gives_the_same() -> None:
    html = (DATA / "homepage.html").read_text(encoding="utf-8")
    assert discover_feeds(html, PAGE_URL) == HOMEPAGE_FEEDS


def test_without_base_element_links_resolve_against_the_page_url() -> None:
    html = '<head><link rel="alternate" type="application/atom+xml" href="../f.atom"></head>'
    assert discover_feeds(html, "https://ex.com/a/b/page") == [FoundFeed("https://ex.com/a/f.atom", "", "atom")]


def test_unsafe_base_element_is_ignored() -> None:
    html = (
        '<head><base href="javascript:alert(1)//">'
        '<link rel="alternate" type="application/rss+xml" href="rss"></head>'
    )
    assert discover_feeds(html, "https://ex.com/x/") == [FoundFeed("https://ex.com/x/rss", "", "rss")]


def test_legacy_charset_titles_are_decoded() -> None:
    html = (
        '<head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
        '<link rel="alternate" type="application/rss+xml" title="Caf\u00e9" href="/rss"></head>'
    ).encode("latin-1")
    assert discover_feeds(html, "https://ex.com/")[0].title == "Caf\u00e9"


def test_a_page_without_feeds_and_garbage() -> None:
    assert discover_feeds(b"<html><head><title>x</title></head><body>no feeds</body></html>", "https://ex.com/") == []
    assert discover_feeds(b"\x00\xff<<<>>>&&&;<link", "https://ex.com/") == []
    assert discover_feeds("", "https://ex.com/") == []


def test_the_number_of_links_is_bounded() -> None:
    links = "".join(
        f'<link rel="alternate" type="application/rss+xml" href="/f{i}.xml">' for i in range(500)
    )
    found = discover_feeds(f"<head>{links}</head>", "https://ex.com/")
    assert len(found) == 50
    assert found[0].url == "https://ex.com/f0.xml"


# --------------------------------------------------------------------------
# looks_like_feed
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["rss2.xml", "rss1.xml", "rss091.xml", "atom.xml", "feed.json", "feed10.json",
     "billion_laughs.xml", "xxe.xml", "malformed.xml"],
)
def test_every_feed_in_the_data_looks_like_a_feed(name: str) -> None:
    assert looks_like_feed((DATA / name).read_bytes(), "text/html")  # a mislabelled type does not matter


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ((DATA / "homepage.html").read_bytes(), "application/rss+xml"),  # a page labelled as a feed
        (b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'><body/></html>", "application/xml"),
        (b'{"name": "not a feed"}', "application/json"),
        (b'{"version": "https://example.com/other"}', "application/feed+json"),
        (b"[1, 2]", "application/json"),
        (b"{broken json", "application/feed+json"),
        (b"", None),
        (b"plain text", "text/plain"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
    ],
)
def test_pages_and_other_things_are_not_feeds(data: bytes, content_type: str | None) -> None:
    assert not looks_like_feed(data, content_type)


def test_prolog_noise_before_the_root_is_skipped() -> None:
    data = (
        b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- <html> -->\n<?xml-stylesheet href="s.xsl"?>\n'
        b'<!DOCTYPE rss [<!ENTITY a "b">]>\n<rss version="2.0"/>'
    )
    assert looks_like_feed(data, None)


def test_utf16_feed_is_recognised() -> None:
    assert looks_like_feed('<?xml version="1.0" encoding="utf-16"?><feed/>'.encode("utf-16"), None)


def test_json_feed_with_http_version_url() -> None:
    assert looks_like_feed(json.dumps({"version": "http://jsonfeed.org/version/1", "items": []}).encode(), None)
