"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1), read strictly.

Strict types: a field of the wrong type is dropped with a problem line, and
never makes the parse fail. (An ``id`` that is a number is made a string, as
the 1.1 text asks of readers.) The size is bounded before ``json.loads``,
and a document nested too deeply is refused, not allowed to crash.
Content HTML goes through feedparser's sanitizer, the one the RSS/Atom path
uses, so both give the same kind of ``content_html``.
"""

from __future__ import annotations

import json
import math
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
    FeedParseError,
    ParsedFeed,
    Problems,
    add_category,
    add_image,
    make_entry,
    resolve_url,
    sane_date,
    short,
)
from feedreader.core.feeds.htmltext import html_to_text, text_to_line
from feedreader.core.text import clean_text

__all__ = ["parse_json_feed", "sanitize_html"]

_VERSION_PREFIXES = ("https://jsonfeed.org/version/", "http://jsonfeed.org/version/")
_KNOWN_VERSIONS = frozenset({"1", "1.1"})
_UTC = timezone.utc


def sanitize_html(markup: str, base: str) -> str:
    """``markup`` with relative URIs resolved and unsafe markup removed (feedparser's rules)."""
    from feedparser.sanitizer import (
        _sanitize_html,  # the sanitizer feedparser applies to RSS/Atom
    )
    from feedparser.urls import resolve_relative_uris

    markup = markup[: CONTENT_HTML_LIMIT * 2]
    try:
        if base:
            markup = resolve_relative_uris(markup, base, "utf-8", "text/html")
        result = _sanitize_html(markup, "utf-8", "text/html")
    except Exception:  # noqa: BLE001 - a sanitizer failure must not keep unsanitized HTML
        return ""
    return str(result)[:CONTENT_HTML_LIMIT]


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return f"the string '{short(value, 30)}'"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "something else"  # pragma: no cover - json.loads builds no other types


class _Reader:
    """Typed getters over JSON objects; a wrong type warns and gives nothing."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems

    def string(self, obj: dict[str, Any], key: str, where: str) -> str:
        value = obj.get(key)
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        self.problems.add(f"{where}{key} must be a string, got {_describe(value)}; ignored")
        return ""

    def url(self, obj: dict[str, Any], key: str, where: str, base: str) -> str | None:
        raw = self.string(obj, key, where)
        if not raw:
            return None
        checked, why = resolve_url(raw, base)
        if checked is None and why:
            self.problems.add(f"{where}{key} '{short(raw)}' dropped: {why}")
        return checked

    def date(self, obj: dict[str, Any], key: str, where: str, now: datetime) -> datetime | None:
        raw = self.string(obj, key, where)
        if not raw:
            return None
        text = raw.strip()
        if text[-1:] in ("z", "Z"):
            text = text[:-1] + "+00:00"
        try:
            value = datetime.fromisoformat(text) if len(text) <= 64 else None
        except ValueError:
            value = None
        if value is None:
            self.problems.add(f"{where}{key} '{short(raw, 40)}' is not an RFC 3339 date; ignored")
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=_UTC)
        result = sane_date(value, now)
        if result is None:
            self.problems.add(f"{where}{key} '{short(raw, 40)}' is more than a day in the future; ignored")
        return result

    def listing(self, obj: dict[str, Any], key: str, where: str) -> list[Any]:
        value = obj.get(key)
        if value is None:
            return []
        if isinstance(value, list):
            return value
        self.problems.add(f"{where}{key} must be a list, got {_describe(value)}; ignored")
        return []

    def mapping(self, obj: dict[str, Any], key: str, where: str) -> dict[str, Any] | None:
        value = obj.get(key)
        if value is None:
            return None
        if isinstance(value, dict):
            return value
        self.problems.add(f"{where}{key} must be an object, got {_describe(value)}; ignored")
        return None

    def authors(self, obj: dict[str, Any], where: str) -> str:
        names: list[str] = []
        people: list[Any] = self.listing(obj, "authors", where)
        single = self.mapping(obj, "author", where)  # JSON Feed 1.0
        if single is not None:
            people = [*people, single]
        for i, person in enumerate(people[:20]):
            if not isinstance(person, dict):
                self.problems.add(f"{where}authors[{i}] must be an object, got {_describe(person)}; ignored")
                continue
            name = clean_text(self.string(person, "name", f"{where}authors[{i}]."), limit=SHORT_LIMIT)
            if name and name not in names:
                names.append(name)
        return clean_text(", ".join(names), limit=SHORT_LIMIT)


def _load(data: bytes, problems: Problems) -> Any:
    if len(data) > MAX_FEED_BYTES:
        raise FeedParseError(f"the feed is larger than {MAX_FEED_BYTES:,} bytes ({len(data):,} bytes)")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.add(f"the feed is not valid UTF-8 (byte {exc.start:,}); bad bytes were replaced")
        text = data.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except RecursionError:
        raise FeedParseError("the JSON is nested too deeply to read") from None
    except ValueError as exc:  # JSONDecodeError, or an integer with too many digits
        where = ""
        if isinstance(exc, json.JSONDecodeError):
            where = f" at line {exc.lineno}, column {exc.colno}"
            message = exc.msg
        else:
            message = str(exc)
        raise FeedParseError(f"the feed is not valid JSON{where}: {short(message, 80)}") from None


def parse_json_feed(data: bytes, url: str, now: datetime) -> ParsedFeed:
    """A JSON Feed document as a ParsedFeed; FeedParseError if it is not one."""
    problems = Problems()
    doc = _load(data, problems)
    if not isinstance(doc, dict):
        raise FeedParseError(f"the JSON is {_describe(doc)}, not a JSON Feed object")
    version = doc.get("version")
    if not isinstance(version, str) or not version.startswith(_VERSION_PREFIXES):
        raise FeedParseError("the JSON has no JSON Feed version (https://jsonfeed.org/version/1.1)")
    number = version.rsplit("/", 1)[-1]
    if number not in _KNOWN_VERSIONS:
        problems.add(f"unknown JSON Feed version '{short(number, 20)}'; read as 1.1")

    r = _Reader(problems)
    title = clean_text(r.string(doc, "title", ""), limit=TITLE_LIMIT)
    site_url = r.url(doc, "home_page_url", "", url)
    items = r.listing(doc, "items", "")
    if "items" not in doc:
        problems.add("the feed has no items list")
    if len(items) > MAX_ENTRIES:
        problems.add(f"the feed has {len(items):,} items; only the first {MAX_ENTRIES:,} were read")
        items = items[:MAX_ENTRIES]

    entries: list[FeedEntry] = []
    first_index: dict[str, int] = {}
    for index, item in enumerate(items):
        where = f"item {index + 1}: "
        if not isinstance(item, dict):
            problems.add(f"{where}must be an object, got {_describe(item)}; ignored")
            continue
        entry = _entry(r, item, where, url, now)
        if entry.key in first_index:
            problems.add(
                f"{where}duplicate id '{short(entry.key)}' (first at item {first_index[entry.key]}); dropped"
            )
            continue
        first_index[entry.key] = index + 1
        entries.append(entry)

    return ParsedFeed(
        title=title,
        site_url=site_url,
        ttl_minutes=None,
        entries=tuple(entries),
        problems=problems.result(),
        kind="json",
    )


def _raw_id(r: _Reader, item: dict[str, Any], where: str) -> str:
    value = item.get("id")
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # "a JSON Feed reader must coerce it to a string"
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    r.problems.add(f"{where}id must be a string, got {_describe(value)}; ignored")
    return ""


def _entry(r: _Reader, item: dict[str, Any], where: str, feed_url: str, now: datetime) -> FeedEntry:
    link = r.url(item, "url", where, feed_url) or r.url(item, "external_url", where, feed_url)
    raw_title = r.string(item, "title", where)
    title = text_to_line(raw_title, limit=TITLE_LIMIT) if raw_title else ""
    raw_summary = r.string(item, "summary", where)
    summary = text_to_line(raw_summary, limit=SUMMARY_LIMIT) if raw_summary else ""

    images: list[EntryImage] = []
    seen: set[str] = set()
    for key in ("image", "banner_image"):
        add_image(images, seen, r.url(item, key, where, feed_url))
    for i, attachment in enumerate(r.listing(item, "attachments", where)[:50]):
        if not isinstance(attachment, dict):
            r.problems.add(f"{where}attachments[{i}] must be an object, got {_describe(attachment)}; ignored")
            continue
        mime = r.string(attachment, "mime_type", f"{where}attachments[{i}].")
        if mime.lower().startswith("image/"):
            add_image(images, seen, r.url(attachment, "url", f"{where}attachments[{i}].", feed_url))

    content_html = ""
    content = ""
    raw_html = r.string(item, "content_html", where)
    raw_text = r.string(item, "content_text", where)
    if raw_html:
        content_html = sanitize_html(raw_html, feed_url)
        content, found = html_to_text(content_html, limit=CONTENT_LIMIT)
        if found is not None:
            checked, _why = resolve_url(found.src, feed_url)
            add_image(images, seen, checked, found.width, found.height)
    if raw_text:
        content = clean_text(raw_text, multiline=True, limit=CONTENT_LIMIT)

    published = r.date(item, "date_published", where, now)
    updated = r.date(item, "date_modified", where, now)
    author = r.authors(item, where)
    categories: list[str] = []
    for i, tag in enumerate(r.listing(item, "tags", where)[:200]):
        if isinstance(tag, str):
            add_category(categories, tag)
        else:
            r.problems.add(f"{where}tags[{i}] must be a string, got {_describe(tag)}; ignored")

    return make_entry(
        raw_id=_raw_id(r, item, where),
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

