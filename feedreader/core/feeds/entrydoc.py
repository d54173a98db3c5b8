"""A feed entry as an article document (the seed format of FORMAT.md).

The feed store keeps each entry it has seen as one document file, so the rest
of the reader (index, library, search, marks) treats feed entries exactly like
the user's own documents. :func:`entry_document` renders the front matter
with ``yaml`` (the safe dumper, nothing but plain mappings, lists, strings,
numbers and timestamps) and puts the full content, as plain text, in the body
after the closing ``---``. :func:`entry_filename` names the file.

Keys beyond the seed format (``feedUrl``, ``entryKey``, ``author``,
``updatedDateTime``, ``kind: feed-entry``) are allowed by the format and
ignored by today's parser; they let the store find an entry's feed again.
An entry without a link has no ``originalUrl``/``webUrl``: its identity is
then the document parser's hash of title, date and provider, which is stable
because the date falls back to the stored ``first_seen``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any

import yaml

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


_Base: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: ~5x faster


class _Dumper(_Base):  # type: ignore[valid-type,misc]
    """The safe dumper (libyaml's emitter when there is one), writing aware datetimes as ``2021-12-15T12:20:00Z``
    and never anchors/aliases (the document parser refuses them; the same
    datetime object as published and updated would otherwise get one)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_datetime(dumper: yaml.SafeDumper, value: datetime) -> yaml.Node:
    if value.tzinfo is None:
        value = value.replace(tzinfo=_UTC)
    text = value.astimezone(_UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", text)


_Dumper.add_representer(datetime, _represent_datetime)


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

    text: str = yaml.dump(
        front,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=1_000_000,
    )
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
