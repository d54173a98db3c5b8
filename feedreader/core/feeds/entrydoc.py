"""A feed entry as an article document (the seed format of FORMAT.md).

The feed store keeps each entry it has seen as one document file, so the rest
of the reader (index, library, search, marks) treats feed entries exactly like
the user's own documents. :func:`entry_document` writes the front matter
itself (:func:`_dump`: nothing but plain mappings, lists, quoted strings,
numbers and timestamps, in the block YAML the document loader's fast path
reads; a YAML library's emitter cost ~0.2 ms an entry) and puts the full
content, as plain text, in the body after the closing ``---``.
:func:`entry_filename` names the file.

Keys beyond the seed format (``feedUrl``, ``entryKey``, ``author``,
``updatedDateTime``, ``kind: feed-entry``) are allowed by the format and
ignored by today's parser; they let the store find an entry's feed again.
An entry without a link has no ``originalUrl``/``webUrl``: its identity is
then the document parser's hash of title, date and provider, which is stable
because the date falls back to the stored ``first_seen``.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from typing import Any

from feedreader.core.feeds.entries import (
    CONTENT_LIMIT,
    SUMMARY_LIMIT,
    TITLE_LIMIT,
    FeedEntry,
)
from feedreader.core.text import clean_text

__all__ = ["entry_document", "entry_filename"]

EXCERPT_FROM_CONTENT = 500   # characters of content used when there is no summary
FALLBACK_TITLE_LIMIT = 120
_UTC = timezone.utc


# A value is written single-quoted ('' for a quote: no escapes, and anything
# YAML allows in a document reads back as written) unless it holds a
# character YAML does not allow in a document or reads as a line break, or one
# the loader's fast path refuses: then double-quoted with escapes.
_SINGLE_OK = re.compile(r"[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*")
_ESCAPE = re.compile(r'[^\x20-\x21\x23-\x5b\x5d-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]')
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_NAMED = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if code > 0xFFFF:
        return f"\\U{code:08x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _scalar(value: object) -> str:
    if isinstance(value, str):
        if _SINGLE_OK.fullmatch(value):
            return "'" + value.replace("'", "''") + "'"
        value = _SURROGATE.sub("\ufffd", value)   # lone halves (a FeedEntry built by hand), as clean_text does
        return '"' + _ESCAPE.sub(_escape, value) + '"'
    if isinstance(value, bool):   # never written today; here so that True is not taken for an int
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_UTC)
        return value.astimezone(_UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    raise TypeError(f"no YAML for {type(value).__name__}")


def _dump(front: dict[str, Any]) -> str:
    """The front matter: block YAML of str keys (plain words) and strings,
    ints, datetimes, one level of mappings and lists (of scalars or of
    mappings of scalars). What ``safeyaml.load_mapping`` loads back to the
    same values (``tests/core/feeds/test_entrydoc.py``, hostile strings too)
    and its fast path reads: ~10x quicker than a YAML library's emitter."""
    out: list[str] = []
    for key, value in front.items():
        if isinstance(value, dict):
            out.append(f"{key}:")
            out += [f"  {k}: {_scalar(v)}" for k, v in value.items()]
        elif isinstance(value, list):
            if not value:
                out.append(f"{key}: []")
                continue
            out.append(f"{key}:")
            for item in value:
                if isinstance(item, dict):
                    lead = "  - "
                    for k, v in item.items():
                        out.append(f"{lead}{k}: {_scalar(v)}")
                        lead = "    "
                else:
                    out.append(f"  - {_scalar(item)}")
        else:
            out.append(f"{key}: {_scalar(value)}")
    return "\n".join(out) + "\n"


def _title(entry: FeedEntry) -> str:
    if entry.title:
        return clean_text(entry.title, limit=TITLE_LIMIT)
    text = entry.summary or entry.content
    if text:
        return clean_text(text, limit=FALLBACK_TITLE_LIMIT)
    return "Untitled entry"


def entry_document(
    feed_url: str,
    feed_title: str,
    site_domain: str,
    entry: FeedEntry,
    first_seen: datetime,
) -> bytes:
    """The document (UTF-8 bytes) for ``entry`` of the feed at ``feed_url``.

    ``publishedDateTime`` is the entry's published date, else its updated
    date, else ``first_seen`` (when the store first saw it). The excerpt is
    the summary, else the start of the content. An entry without a title is
    titled by the start of its text (so the document always has a title).
    """
    published = entry.published or entry.updated or first_seen
    # cleaned again (cheap when already clean): a FeedEntry may be built by hand
    excerpt = clean_text(entry.summary, limit=SUMMARY_LIMIT) or clean_text(
        entry.content, limit=EXCERPT_FROM_CONTENT
    )
    front: dict[str, Any] = {"title": _title(entry)}
    if excerpt:
        front["excerpt"] = excerpt
    front["publishedDateTime"] = published
    if entry.updated is not None:
        front["updatedDateTime"] = entry.updated
    if entry.link:
        front["originalUrl"] = entry.link
        front["webUrl"] = entry.link
    front["provider"] = {
        "name": clean_text(feed_title, limit=200),
        "domain": clean_text(site_domain, limit=200),
    }
    if entry.categories:
        front["topics"] = [t for t in (clean_text(c, limit=200) for c in entry.categories) if t]
    if entry.images:
        images = []
        for image in entry.images:
            item: dict[str, Any] = {"url": image.url}
            if image.width is not None:
                item["width"] = image.width
            if image.height is not None:
                item["height"] = image.height
            images.append(item)
        front["images"] = images
    if entry.author:
        front["author"] = clean_text(entry.author, limit=200)
    front["kind"] = "feed-entry"
    front["feedUrl"] = clean_text(feed_url, limit=2100)
    front["entryKey"] = clean_text(entry.key, limit=2100)

    text = _dump(front)
    out = "---\n" + text + "---\n"
    body = clean_text(entry.content, multiline=True, limit=CONTENT_LIMIT)
    if body:
        out += body + "\n"
    return out.encode("utf-8", "surrogatepass")


def entry_filename(entry: FeedEntry, feed_url: str = "") -> str:
    """``<32 hex>.txt``: a hash of the entry key (and of ``feed_url`` when given,
    so that two feeds whose entries share an id such as "1" do not collide)."""
    name = f"{feed_url}\n{entry.key}" if feed_url else entry.key
    return hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:32] + ".txt"
