"""Feed bytes -> :class:`ParsedFeed`: the boundary between the web and the reader.

RSS 0.9x/1.0/2.0 and Atom go through feedparser (given bytes only, never a
URL, so it fetches nothing; the feed URL is passed as ``Content-Location`` so
relative links resolve against it). JSON Feed 1.0/1.1 has its own strict
parser (:mod:`feedreader.core.feeds.jsonfeed`). Either way the result is the
project's own frozen types (:mod:`feedreader.core.feeds.entries`), with every
string cleaned for the terminal and every URL checked.

Hostile XML: a DOCTYPE with an internal subset (entity declarations: the
"billion laughs" expansion bomb, external entities reading local files) is
removed before feedparser sees the bytes, and reported. feedparser itself
also drops unsafe entity declarations and turns off external entities in
expat; the pre-pass means we do not depend on either.

A damaged feed gives what could be read plus ``problems`` lines; data that is
not a feed at all raises :class:`FeedParseError`.
"""

from __future__ import annotations

import html
import io
import re
import xml.sax
from datetime import datetime, timezone
from typing import Any

from feedreader.core.feeds.entries import (
    CONTENT_HTML_LIMIT,
    CONTENT_LIMIT,
    MAX_ENTRIES,
    MAX_FEED_BYTES,
    SHORT_LIMIT,
    SUMMARY_LIMIT,
    TITLE_LIMIT,
    EntryImage,
    FeedEntry,
    FeedKind,
    FeedParseError,
    ParsedFeed,
    Problems,
    add_category,
    add_image,
    make_entry,
    resolve_url,
    sane_date,
    short,
    utc_now,
)
from feedreader.core.feeds.htmltext import (
    dimension,
    html_to_text,
    markup_line_and_image,
    markup_to_line,
    text_to_line,
)
from feedreader.core.feeds.fastfeed import read_simple
from feedreader.core.feeds.jsonfeed import parse_json_feed
from feedreader.core.text import clean_text

__all__ = ["EntryImage", "FeedEntry", "FeedParseError", "ParsedFeed", "parse_feed"]

_UTC = timezone.utc
_MAX_TTL = 60 * 24 * 365
_PERIODS = {"hourly": 60, "daily": 1440, "weekly": 10080, "monthly": 43200, "yearly": 525600}
_IMAGE_SUFFIX = re.compile(r"\.(?:jpe?g|png|gif|webp|avif|svg)(?:[?#]|\Z)", re.I)
_ROOT = re.compile(rb"<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")
_DOCTYPE = b"<!doctype"


# --------------------------------------------------------------------------
# the prolog: refuse entity declarations before any XML parser sees them
# --------------------------------------------------------------------------


def _doctype_end(data: bytes, start: int) -> tuple[int, bool]:
    """(index just after the DOCTYPE that starts at ``start``, has internal subset).

    -1 when it never ends. Quoted strings and comments inside the internal
    subset are skipped, so a ``>`` or ``]`` inside them does not end it.
    """
    i = start + len(_DOCTYPE)
    n = len(data)
    subset = False
    depth = 0
    while i < n:
        c = data[i:i + 1]
        if c in (b'"', b"'"):
            close = data.find(c, i + 1)
            if close == -1:
                return -1, subset
            i = close + 1
            continue
        if depth and data.startswith(b"<!--", i):
            close = data.find(b"-->", i + 4)
            if close == -1:
                return -1, subset
            i = close + 3
            continue
        if c == b"[":
            subset = True
            depth += 1
        elif c == b"]" and depth:
            depth -= 1
        elif c == b">" and not depth:
            return i + 1, subset
        i += 1
    return -1, subset


def _defuse_prolog(data: bytes, problems: Problems) -> bytes:
    """``data`` without a DOCTYPE internal subset (where entities are declared)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4]:
        # UTF-16/32: look at a decoded copy; refuse rather than rewrite it
        for codec in ("utf-32", "utf-16"):
            try:
                text = data[:200_000].decode(codec, "ignore")
            except (UnicodeError, LookupError):
                continue
            if "<!doctype" in text.lower() and "<!entity" in text.lower():
                raise FeedParseError("the feed declares XML entities (a DOCTYPE with <!ENTITY>); refused")
        return data
    i = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    n = len(data)
    while i < n:
        while i < n and data[i] in b" \t\r\n":
            i += 1
        if data.startswith(b"<?", i):
            close = data.find(b"?>", i + 2)
            if close == -1:
                return data
            i = close + 2
        elif data.startswith(b"<!--", i):
            close = data.find(b"-->", i + 4)
            if close == -1:
                return data
            i = close + 3
        elif data[i:i + len(_DOCTYPE)].lower() == _DOCTYPE:
            end, subset = _doctype_end(data, i)
            if end == -1:
                raise FeedParseError("the feed's DOCTYPE declaration never ends")
            if not subset:
                return data  # e.g. the Netscape RSS 0.91 DOCTYPE; expat reads no external DTD
            decl = data[i:end].lower()
            what = "entities (<!ENTITY>)" if b"<!entity" in decl else "an internal DTD subset"
            problems.add(
                f"the feed declares its own XML {what} in its DOCTYPE, a way to attack "
                "XML readers; the declaration was removed and the entities were not expanded"
            )
            return data[:i] + data[end:]
        else:
            return data
    return data


# --------------------------------------------------------------------------
# parse_feed
# --------------------------------------------------------------------------


def _first_byte(data: bytes) -> bytes:
    head = data[:1024]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    head = head.lstrip()
    return head[:1]


def parse_feed(
    data: bytes,
    url: str,
    content_type: str | None = None,
    *,
    now: datetime | None = None,
) -> ParsedFeed:
    """Parse a fetched feed body.

    ``url`` is the address the feed came from (after redirects): the base for
    relative links and part of the fallback identity of entries. ``content_type``
    is the response's Content-Type header, if any (it may name the charset).
    ``now`` (aware) is the clock for the "more than a day in the future" rule.

    Raises :class:`FeedParseError` when the data is not a feed at all (too
    large, empty, a web page, JSON that is not a JSON Feed).
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"parse_feed needs bytes, got {type(data).__name__}")
    data = bytes(data)
    now = now.astimezone(_UTC) if now is not None else utc_now()
    if len(data) > MAX_FEED_BYTES:
        raise FeedParseError(f"the feed is larger than {MAX_FEED_BYTES:,} bytes ({len(data):,} bytes)")
    first = _first_byte(data)
    if not first:
        raise FeedParseError("the feed is empty")
    is_json_type = bool(content_type) and "json" in (content_type or "").lower()
    if first in (b"{", b"[") or (is_json_type and first != b"<"):
        return parse_json_feed(data, url, now)
    return _parse_xml(data, url, content_type, now)


def _bozo_message(exc: object) -> str:
    name = type(exc).__name__
    if isinstance(exc, xml.sax.SAXParseException):
        line, column = exc.getLineNumber(), exc.getColumnNumber()
        where = f"line {line}, column {column}: " if line else ""
        return f"the feed is not well-formed XML ({where}{short(exc.getMessage(), 100)}); what could be read was kept"
    if name == "CharacterEncodingOverride":
        return f"the feed's declared character encoding was wrong: {short(str(exc), 160)}"
    if name == "NonXMLContentType":
        return f"the server did not call the feed XML: {short(str(exc), 160)}"
    if name == "CharacterEncodingUnknown":
        return f"the feed's character encoding is unknown: {short(str(exc), 160)}"
    return f"the feed is damaged ({name}: {short(str(exc), 160)}); what could be read was kept"


def _parse_xml(data: bytes, url: str, content_type: str | None, now: datetime) -> ParsedFeed:
    simple = read_simple(data, url, content_type)
    if simple is not None:   # plain RSS 2.0: what feedparser would give, without feedparser
        feed, raw_entries, version = simple
        return _build(feed, raw_entries, version, data, url, now, Problems())
    return _parse_with_feedparser(data, url, content_type, now)


def _parse_with_feedparser(data: bytes, url: str, content_type: str | None, now: datetime) -> ParsedFeed:
    import feedparser  # imported here: parsing is rare next to starting the reader

    problems = Problems()
    data = _defuse_prolog(data, problems)
    headers = {"content-location": url, "content-type": content_type or "application/xml"}
    try:
        # a file object, never a str: feedparser would fetch a URL or open a path
        result: Any = feedparser.parse(
            io.BytesIO(data),
            response_headers=headers,
            resolve_relative_uris=True,
            sanitize_html=True,
        )
    except RecursionError:
        raise FeedParseError("the feed is nested too deeply to read") from None
    except Exception as exc:  # noqa: BLE001 - a feedparser bug must not escape as anything else
        raise FeedParseError(f"the feed could not be read ({type(exc).__name__})") from None

    # plain dicts: FeedParserDict.get invents values ("updated" from "published")
    feed: dict[str, Any] = dict(result.get("feed") or {})
    raw_entries: list[Any] = list(result.get("entries") or [])
    version = str(result.get("version") or "")
    if not version and not raw_entries and not feed.get("title"):
        if _root_name(data) == "html":
            raise FeedParseError("this is a web page, not a feed (look for its feed links)")
        raise FeedParseError("this is not an RSS, Atom or JSON feed")
    if result.get("bozo"):
        problems.add(_bozo_message(result.get("bozo_exception")))
    return _build(feed, raw_entries, version, data, url, now, problems)


def _build(feed: dict[str, Any], raw_entries: list[Any], version: str, data: bytes, url: str, now: datetime,
           problems: Problems) -> ParsedFeed:
    kind: FeedKind
    if version.startswith("atom") or (not version and _root_name(data) == "feed"):
        kind = "atom"
    else:
        kind = "rss"

    title = _text_field(feed, "title", TITLE_LIMIT)
    site_url = None
    raw_link = feed.get("link")
    if isinstance(raw_link, str) and raw_link:
        site_url, why = resolve_url(raw_link, url)
        if site_url is None and why:
            problems.add(f"the feed's link '{short(raw_link)}' dropped: {why}")

    if len(raw_entries) > MAX_ENTRIES:
        problems.add(f"the feed has {len(raw_entries):,} entries; only the first {MAX_ENTRIES:,} were read")
        raw_entries = raw_entries[:MAX_ENTRIES]

    entries: list[FeedEntry] = []
    first_index: dict[str, int] = {}
    for index, raw in enumerate(raw_entries):
        entry = _entry(dict(raw) if isinstance(raw, dict) else {}, url, now, problems, f"entry {index + 1}: ")
        if entry.key in first_index:
            label = f"entry {index + 1} ('{short(entry.title, 40)}')" if entry.title else f"entry {index + 1}"
            problems.add(
                f"{label}: duplicate id '{short(entry.key)}' "
                f"(first at entry {first_index[entry.key]}); dropped"
            )
            continue
        first_index[entry.key] = index + 1
        entries.append(entry)

    return ParsedFeed(
        title=title,
        site_url=site_url,
        ttl_minutes=_ttl(feed, problems),
        entries=tuple(entries),
        problems=problems.result(),
        kind=kind,
    )


def _root_name(data: bytes) -> str:
    """Local name of the first element (lowercase), skipping prolog, comments, DOCTYPE."""
    head = data[:65536]
    head = re.sub(rb"<!--.*?-->|<\?.*?\?>|<![^>]*>", b"", head, flags=re.S)
    m = _ROOT.search(head)
    return m.group(2).decode("ascii", "replace").lower() if m else ""


def _ttl(feed: Any, problems: Problems) -> int | None:
    raw = feed.get("ttl")
    if isinstance(raw, str) and raw.strip():
        text = raw.strip()
        if text.isdigit() and len(text) < 10 and 1 <= int(text) <= _MAX_TTL:
            return int(text)
        problems.add(f"the feed's ttl '{short(text, 20)}' is not a number of minutes (1–{_MAX_TTL}); ignored")
        return None
    period = feed.get("sy_updateperiod")
    if isinstance(period, str) and period.strip().lower() in _PERIODS:
        minutes = _PERIODS[period.strip().lower()]
        frequency = feed.get("sy_updatefrequency")
        if isinstance(frequency, str) and frequency.strip().isdigit() and len(frequency.strip()) < 7:
            minutes = max(1, minutes // max(1, int(frequency.strip())))
        return minutes
    return None


# --------------------------------------------------------------------------
# one entry
# --------------------------------------------------------------------------


def _detail_is_html(detail: Any) -> bool:
    kind = detail.get("type") if isinstance(detail, dict) else None
    return isinstance(kind, str) and "html" in kind.lower()


def _text_field(obj: Any, key: str, limit: int) -> str:
    """A title-like field: markup stripped when feedparser says it is HTML."""
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        return ""
    if _detail_is_html(obj.get(f"{key}_detail")):
        return markup_to_line(value, limit=limit)
    return text_to_line(value, limit=limit)


def _base_of(raw: Any, feed_url: str) -> str:
    for key in ("content", "summary_detail", "title_detail"):
        detail = raw.get(key)
        if isinstance(detail, list):
            detail = detail[0] if detail else None
        if isinstance(detail, dict):
            base = detail.get("base")
            if isinstance(base, str) and base:
                return base
    return feed_url


def _date(raw: Any, key: str, now: datetime, problems: Problems, where: str) -> datetime | None:
    parsed = raw.get(f"{key}_parsed")
    written = raw.get(key)
    if parsed is None:
        if isinstance(written, str) and written.strip():
            problems.add(f"{where}{key} date '{short(written, 40)}' not understood; ignored")
        return None
    try:
        y, mo, d, h, mi, sec = (int(part) for part in tuple(parsed)[:6])
        value = datetime(y, mo, d, h, mi, sec, tzinfo=_UTC)
    except (TypeError, ValueError, OverflowError):
        problems.add(f"{where}{key} date '{short(str(written), 40)}' is not a real date; ignored")
        return None
    result = sane_date(value, now)
    if result is None:
        problems.add(f"{where}{key} date {value:%Y-%m-%d %H:%M} UTC is more than a day in the future; ignored")
    return result


def _content(raw: Any) -> tuple[str, str, Any]:
    """(plain text, sanitized html, first <img>) of the entry's full content."""
    contents = raw.get("content")
    if not isinstance(contents, list) or not contents:
        return "", "", None
    chosen = next((c for c in contents if _detail_is_html(c) and isinstance(c.get("value"), str)), None)
    if chosen is None:
        chosen = next((c for c in contents if isinstance(c, dict) and isinstance(c.get("value"), str)), None)
    if chosen is None:
        return "", "", None
    value: str = chosen["value"]
    if _detail_is_html(chosen):
        text, image = html_to_text(value, limit=CONTENT_LIMIT)
        return text, value[:CONTENT_HTML_LIMIT], image
    text = clean_text(value, multiline=True, limit=CONTENT_LIMIT)
    return text, html.escape(value[:CONTENT_HTML_LIMIT]), None


def _images(raw: Any, base: str, first_img: Any) -> tuple[EntryImage, ...]:
    images: list[EntryImage] = []
    seen: set[str] = set()

    def add(value: Any, width: Any = None, height: Any = None) -> None:
        if isinstance(value, str):
            checked, _why = resolve_url(value, base)
            add_image(images, seen, checked, dimension(width), dimension(height))

    for enclosure in _dicts(raw.get("links")):
        kind = enclosure.get("type")
        if enclosure.get("rel") != "enclosure":
            continue
        if isinstance(kind, str) and kind.lower().startswith("image/"):
            add(enclosure.get("href"))
    for thumb in _dicts(raw.get("media_thumbnail")):
        add(thumb.get("url"), thumb.get("width"), thumb.get("height"))
    for media in _dicts(raw.get("media_content")):
        medium, kind, src = media.get("medium"), media.get("type"), media.get("url")
        is_image = (
            (isinstance(medium, str) and medium.lower() == "image")
            or (isinstance(kind, str) and kind.lower().startswith("image/"))
            or (medium is None and kind is None and isinstance(src, str) and _IMAGE_SUFFIX.search(src))
        )
        if is_image:
            add(src, media.get("width"), media.get("height"))
    if first_img is not None:
        add(first_img.src, first_img.width, first_img.height)
    return tuple(images)


def _dicts(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        return []
    return [v for v in value[:100] if isinstance(v, dict)]


def _entry(raw: Any, feed_url: str, now: datetime, problems: Problems, where: str) -> FeedEntry:
    base = _base_of(raw, feed_url)
    title = _text_field(raw, "title", TITLE_LIMIT)
    if title:
        where = f"{where[:-2]} ('{short(title, 40)}'): "

    link = None
    raw_link = raw.get("link")
    if isinstance(raw_link, str) and raw_link.strip():
        link, why = resolve_url(raw_link, base)
        from_guid = bool(raw.get("guidislink")) and raw_link == raw.get("id")
        if link is None and why and not from_guid:  # feedparser copies a guid such as tag:… into link
            problems.add(f"{where}link '{short(raw_link)}' dropped: {why}")

    content, content_html, first_img = _content(raw)
    summary_html = raw.get("summary")
    if isinstance(summary_html, str) and summary_html and _detail_is_html(raw.get("summary_detail")):
        # one parse gives the summary's text and its first image
        summary, summary_img = markup_line_and_image(summary_html, limit=SUMMARY_LIMIT, image_limit=200)
        if first_img is None:
            first_img = summary_img
    else:
        summary = _text_field(raw, "summary", SUMMARY_LIMIT)
    images = _images(raw, base, first_img)

    published = _date(raw, "published", now, problems, where)
    updated = _date(raw, "updated", now, problems, where)
    author_value = raw.get("author")
    author = clean_text(author_value, limit=SHORT_LIMIT) if isinstance(author_value, str) else ""

    categories: list[str] = []
    for tag in _dicts(raw.get("tags")):
        term = tag.get("term") or tag.get("label")
        if isinstance(term, str):
            add_category(categories, term)

    raw_id = raw.get("id")
    return make_entry(
        raw_id=raw_id if isinstance(raw_id, str) else "",
        feed_url=feed_url,
        title=title,
        link=link,
        summary=summary,
        content=content,
        content_html=content_html,
        published=published,
        updated=updated,
        author=author,
        categories=categories,
        images=images,
    )

