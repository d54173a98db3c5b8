"""The parsed-feed types, their limits, and the rules both parsers share.

:func:`feedreader.core.feeds.parse.parse_feed` builds these from RSS, Atom
(through feedparser) or JSON Feed (its own parser). Every ``str`` field is
cleaned for the terminal when the object is built; every URL field holds a
URL that :func:`feedreader.core.text.check_url` accepted, or None.

Shared rules live here so that both parsers give the same answers: the
identity key of an entry (:func:`entry_key`), URL resolution
(:func:`resolve_url`), date sanity (:func:`sane_date`), the content hash,
and the bounded list of problems (:class:`Problems`).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal
from urllib.parse import urljoin

from feedreader.core.text import canonical_url, check_url, clean_text, url_problem

__all__ = [
    "CONTENT_HTML_LIMIT",
    "CONTENT_LIMIT",
    "MAX_ENTRIES",
    "MAX_FEED_BYTES",
    "SUMMARY_LIMIT",
    "TITLE_LIMIT",
    "UNCHANGED_BY_URLJOIN",
    "EntryImage",
    "FeedEntry",
    "FeedKind",
    "FeedParseError",
    "ParsedFeed",
    "Problems",
    "content_hash",
    "entry_key",
    "key_of_link",
    "resolve_url",
    "sane_date",
]

FeedKind = Literal["rss", "atom", "json"]

MAX_FEED_BYTES = 10_000_000      # a feed larger than this is refused
MAX_ENTRIES = 50_000             # entries read from one feed; the rest are dropped
MAX_PROBLEMS = 100               # problem lines kept per feed (then one "and more")
TITLE_LIMIT = 500
SUMMARY_LIMIT = 3_000
CONTENT_LIMIT = 100_000          # plain text of the content
CONTENT_HTML_LIMIT = 200_000     # the sanitized HTML kept beside it
SHORT_LIMIT = 200                # author, category
KEY_LIMIT = 1_000                # an id longer than this is replaced by its hash
MAX_CATEGORIES = 50
MAX_IMAGES = 20
FUTURE_SLACK = timedelta(days=1)

_UTC = timezone.utc
_TRACKING_EXACT = frozenset({"fbclid", "gclid", "mc_cid", "mc_eid"})
# An absolute http(s) URL that urllib's urljoin gives back unchanged against
# any base: printable ASCII only (urlsplit drops blanks and control
# characters and checks non-ASCII host names), no "[" or "]" (IPv6 hosts,
# checked), no ";" (path parameters), no empty query or fragment, a host part
# that does not start with "/" (feedparser's _urljoin drops those slashes).
# urljoin against a base of another scheme returns it as is; against an
# http(s) base it splits and joins it again, which changes nothing in these
# (tests/core/feeds/test_urljoin_fast.py compares them on generated URLs).
_NOT_URL_CHAR = r"\x00-\x20\x7f-\U0010ffff\[\];"   # blanks, controls, non-ASCII, [ ] ;
UNCHANGED_BY_URLJOIN = re.compile(
    rf"https?://[^{_NOT_URL_CHAR}/?#][^{_NOT_URL_CHAR}?#]*"    # host (not starting with /), path
    rf"(?:\?[^{_NOT_URL_CHAR}#]+)?(?:#[^{_NOT_URL_CHAR}]+)?"   # query, fragment: not empty
)


class FeedParseError(ValueError):
    """The data is not a feed that can be read at all (the message says why).

    A feed that is merely damaged does not raise: it gives a ParsedFeed with
    what could be read and the damage in ``problems``.
    """


@dataclass(frozen=True, slots=True)
class EntryImage:
    url: str                     # checked http(s) URL
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class FeedEntry:
    key: str                     # identity within the feed: id/guid, else canonical link, else a hash
    title: str = ""
    link: str | None = None      # checked http(s) URL, resolved against the entry base / feed URL
    summary: str = ""            # plain text, one line
    content: str = ""            # plain text, multi-line; the full content when the feed has one
    content_html: str = ""       # sanitized HTML of the content (capped), "" when none
    published: datetime | None = None   # aware UTC; None if missing or more than a day ahead
    updated: datetime | None = None
    author: str = ""
    categories: tuple[str, ...] = ()
    images: tuple[EntryImage, ...] = ()
    content_hash: str = ""       # sha256 hex of what the entry shows: changes when the entry does


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str
    site_url: str | None
    ttl_minutes: int | None
    entries: tuple[FeedEntry, ...]
    problems: tuple[str, ...]
    kind: FeedKind


class Problems:
    """A bounded list of problem lines for one feed (cleaned, for a person)."""

    __slots__ = ("dropped", "lines")

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.dropped = 0

    def add(self, message: str) -> None:
        if len(self.lines) < MAX_PROBLEMS:
            self.lines.append(clean_text(message, limit=600))
        else:
            self.dropped += 1

    def result(self) -> tuple[str, ...]:
        if self.dropped:
            return (*self.lines, f"… and {self.dropped:,} more problems")
        return tuple(self.lines)


def short(value: str, size: int = 60) -> str:
    """A short cleaned excerpt of an untrusted value, for a problem line."""
    return clean_text(value, limit=size)


def resolve_url(value: str, base: str | None) -> tuple[str | None, str | None]:
    """``(checked absolute URL, None)`` or ``(None, why it was dropped)``.

    Relative references are resolved against ``base`` (an entry's xml:base or
    the feed URL) when that is an http(s) URL. Only http(s) URLs are kept, so
    ``javascript:``, ``data:`` and the like are dropped.
    """
    value = value.strip()
    if not value:
        return None, None
    if base and UNCHANGED_BY_URLJOIN.fullmatch(value) is None and check_url(base):
        try:  # an absolute URL (of any scheme) comes back unchanged
            value = urljoin(base, value)
        except ValueError:
            return None, "it cannot be resolved against the feed address"
    checked = check_url(value)
    if checked is None:
        return None, url_problem(value)
    return checked, None


def key_of_link(link: str) -> str:
    """The identity form of an entry link: canonical, without tracking parameters."""
    url = canonical_url(link)
    base, sep, query = url.partition("?")
    if not sep:
        return url
    kept = [
        part for part in query.split("&")
        if part and not _is_tracking(part.split("=", 1)[0])
    ]
    return f"{base}?{'&'.join(kept)}" if kept else base


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name.startswith("utm_") or name in _TRACKING_EXACT


def entry_key(
    raw_id: str,
    link: str | None,
    feed_url: str,
    title: str,
    date: datetime | None,
    fallback_text: str = "",
) -> str:
    """The identity of an entry within its feed.

    Its id/guid (cleaned; a very long one is replaced by ``sha256:<hex>``),
    else its canonical link (:func:`key_of_link`), else ``sha256:<hex>`` of
    the feed URL, title and date (and, for an entry without a title, the
    start of its text, so that untitled undated entries stay apart).
    """
    ident = clean_text(raw_id, limit=KEY_LIMIT + 1) if raw_id else ""
    if ident:
        if len(ident) > KEY_LIMIT:
            return "sha256:" + hashlib.sha256(raw_id.encode("utf-8", "surrogatepass")).hexdigest()
        return ident
    if link:
        return key_of_link(link)
    parts = [feed_url, title, date.isoformat() if date else ""]
    if not title:
        parts.append(fallback_text[:1000])
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return "sha256:" + digest


def sane_date(value: datetime | None, now: datetime) -> datetime | None:
    """``value`` in UTC, or None when it is more than a day in the future."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=_UTC)
    value = value.astimezone(_UTC)
    if value > now + FUTURE_SLACK:
        return None
    return value


def content_hash(
    title: str,
    link: str | None,
    summary: str,
    content: str,
    published: datetime | None,
    updated: datetime | None,
    author: str,
    categories: tuple[str, ...],
    images: tuple[EntryImage, ...],
) -> str:
    """sha256 hex of everything an entry shows (a refresh compares these)."""
    payload = json.dumps(
        [
            title,
            link,
            summary,
            content,
            published.isoformat() if published else None,
            updated.isoformat() if updated else None,
            author,
            list(categories),
            [[i.url, i.width, i.height] for i in images],
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


def make_entry(
    *,
    raw_id: str,
    feed_url: str,
    title: str,
    link: str | None,
    summary: str,
    content: str,
    content_html: str,
    published: datetime | None,
    updated: datetime | None,
    author: str,
    categories: list[str] | tuple[str, ...],
    images: list[EntryImage] | tuple[EntryImage, ...],
) -> FeedEntry:
    """A parsed entry with its key (:func:`entry_key`) and :func:`content_hash`
    (the one way the feed parsers, RSS/Atom and JSON, finish an entry)."""
    key = entry_key(raw_id, link, feed_url, title, published or updated, summary or content)
    cats = tuple(categories)
    pics = tuple(images)
    return FeedEntry(
        key=key,
        title=title,
        link=link,
        summary=summary,
        content=content,
        content_html=content_html,
        published=published,
        updated=updated,
        author=author,
        categories=cats,
        images=pics,
        content_hash=content_hash(title, link, summary, content, published, updated, author, cats, pics),
    )


def add_image(images: list[EntryImage], seen: set[str], url: str | None,
              width: int | None = None, height: int | None = None) -> None:
    """Append an image unless it is already there or the list is full."""
    if url is None or url in seen or len(images) >= MAX_IMAGES:
        return
    seen.add(url)
    images.append(EntryImage(url=url, width=width, height=height))


def add_category(categories: list[str], value: str) -> None:
    """Append a cleaned category unless empty, repeated or the list is full."""
    text = clean_text(value, limit=SHORT_LIMIT)
    if text and text not in categories and len(categories) < MAX_CATEGORIES:
        categories.append(text)


def utc_now() -> datetime:
    return datetime.now(_UTC)
