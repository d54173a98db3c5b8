"""Finding a site's feeds from its home page, and telling a feed from a page.

:func:`discover_feeds` reads the ``<link rel="alternate" type="...">``
elements of an HTML page (the standard feed autodiscovery) and returns their
checked, absolute URLs. :func:`looks_like_feed` says whether fetched bytes
are a feed (so "subscribe to this address" can take either a feed URL or a
home page). Both are bounded: only the first part of a page is read.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Literal

from feedreader.core.text import canonical_url, check_url, clean_text

__all__ = ["FoundFeed", "discover_feeds", "looks_like_feed"]

FoundKind = Literal["rss", "atom", "json"]

MAX_PAGE_CHARS = 1_000_000   # of a page read for links (they are in <head>)
MAX_FOUND = 50
MAX_SNIFF_BYTES = 65_536
MAX_JSON_SNIFF_BYTES = 10_000_000

_TYPES: dict[str, FoundKind] = {
    "application/rss+xml": "rss",
    "application/rdf+xml": "rss",
    "application/atom+xml": "atom",
    "application/feed+json": "json",
    "application/json": "json",
}
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]{1,40})""", re.I)
_FEED_ROOTS = frozenset({"rss", "feed", "rdf"})
_ROOT = re.compile(rb"<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")
_PROLOG_NOISE = re.compile(rb"<!--.*?-->|<\?.*?\?>|<!DOCTYPE(?:[^>\[]|\[[^\]]*\])*>", re.S | re.I)


@dataclass(frozen=True, slots=True)
class FoundFeed:
    url: str        # checked, absolute http(s) URL
    title: str      # the link's title attribute, cleaned ("" when none)
    kind: FoundKind


class _LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.links: list[tuple[str, str, FoundKind]] = []
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if tag == "base" and self.base is None:
            href = dict(attrs).get("href")
            if href:
                self.base = href.strip()
        elif tag == "link":
            self._link(dict(attrs))
        elif tag == "body":
            # autodiscovery links belong in <head>; a page body is not searched
            self.done = True

    handle_startendtag = handle_starttag

    def _link(self, attrs: dict[str, str | None]) -> None:
        rel = (attrs.get("rel") or "").lower().split()
        if "alternate" not in rel:
            return
        kind = _TYPES.get((attrs.get("type") or "").split(";")[0].strip().lower())
        href = attrs.get("href")
        if kind is None or not href or not href.strip():
            return
        if len(self.links) < MAX_FOUND:
            self.links.append((href.strip(), attrs.get("title") or "", kind))


def _decode(page: bytes) -> str:
    if page.startswith(b"\xef\xbb\xbf"):
        return page[3:].decode("utf-8", "replace")
    if page.startswith((b"\xff\xfe", b"\xfe\xff")):
        return page.decode("utf-16", "replace")
    m = _CHARSET.search(page[:4096])
    if m:
        try:
            name = codecs.lookup(m.group(1).decode("ascii")).name
        except (LookupError, UnicodeDecodeError):
            name = "utf-8"
        if name not in ("utf-16", "utf-32", "utf-16-le", "utf-16-be"):  # would be a lie in ASCII bytes
            return page.decode(name, "replace")
    return page.decode("utf-8", "replace")


def discover_feeds(html: bytes | str, base_url: str) -> list[FoundFeed]:
    """The feeds an HTML page links to, in page order, without repeats.

    Relative hrefs resolve against the page's ``<base href>`` (when it is
    http(s)) else ``base_url``; only http(s) URLs are returned.
    """
    from urllib.parse import urljoin

    text = _decode(html[: MAX_PAGE_CHARS * 2]) if isinstance(html, bytes) else html
    finder = _LinkFinder()
    try:
        finder.feed(text[:MAX_PAGE_CHARS])
        finder.close()
    except (AssertionError, ValueError):  # pragma: no cover - HTMLParser is lenient
        pass
    base = base_url
    if finder.base:
        try:
            candidate = urljoin(base_url, finder.base)
        except ValueError:
            candidate = ""
        if check_url(candidate):
            base = candidate
    found: list[FoundFeed] = []
    seen: set[str] = set()
    for href, title, kind in finder.links:
        try:
            absolute = urljoin(base, href) if check_url(base) else href
        except ValueError:
            continue
        url = check_url(absolute)
        if url is None:
            continue
        identity = canonical_url(url)
        if identity in seen:
            continue
        seen.add(identity)
        found.append(FoundFeed(url=url, title=clean_text(title, limit=200), kind=kind))
    return found


def _xml_root(data: bytes) -> str:
    head = data[:MAX_SNIFF_BYTES]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", "replace").encode("utf-8", "replace")
    head = _PROLOG_NOISE.sub(b"", head).lstrip()
    if not head.startswith(b"<"):
        return ""
    m = _ROOT.match(head)
    return m.group(2).decode("ascii", "replace").lower() if m else ""


def looks_like_feed(data: bytes, content_type: str | None) -> bool:
    """True when ``data`` is an RSS, Atom or JSON Feed document, not a web page.

    The bytes decide (servers mislabel feeds as text/html and pages as XML):
    an XML document whose root element is ``rss``, ``feed`` or ``rdf:RDF``,
    or a JSON object with a JSON Feed ``version``. ``content_type`` only
    breaks a tie for JSON that is too large to look into.
    """
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        if len(data) > MAX_JSON_SNIFF_BYTES:
            return "feed+json" in (content_type or "").lower()
        try:
            doc = json.loads(data.decode("utf-8-sig", "replace"))
        except (ValueError, RecursionError):
            return False
        version = doc.get("version") if isinstance(doc, dict) else None
        return isinstance(version, str) and version.startswith(
            ("https://jsonfeed.org/version/", "http://jsonfeed.org/version/")
        )
    return _xml_root(data) in _FEED_ROOTS
