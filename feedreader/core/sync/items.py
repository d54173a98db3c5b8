"""Server items as feed entries: the same documents, in the same place, as local feeds.

:func:`entry_of` turns a checked :class:`~feedreader.core.sync.greader.Item`
into a :class:`~feedreader.core.feeds.entries.FeedEntry` (HTML to plain text,
dates checked, the server's label categories as topics; the key is the long
item id). :func:`write_entries` hands them to the feed refresh's own writer
(``feeds/refresh.py``), so entries from the server are written exactly as a
local refresh writes them: atomically, under ``<entries>/<feed id>/``, a
changed entry into its own file. :func:`identity_of_entry` gives the identity
the document parser will give the written document (the marks key).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from feedreader.core.feeds.entries import (
    CONTENT_LIMIT,
    SUMMARY_LIMIT,
    TITLE_LIMIT,
    FeedEntry,
    ParsedFeed,
    content_hash,
    sane_date,
)
from feedreader.core.feeds.entrydoc import entry_filename
from feedreader.core.feeds.store import Feed, FeedStore
from feedreader.core.ids import identity_of
from feedreader.core.sync.greader import LABEL_PREFIX, Item
from feedreader.core.text import clean_text

__all__ = ["entry_file", "entry_of", "identity_of_entry", "provider_name", "write_entries"]

FALLBACK_TITLE_LIMIT = 120


def entry_of(item: Item, now: datetime) -> FeedEntry:
    # the HTML parsers load with the first new entry (a sync with nothing new does without them)
    from feedreader.core.feeds.htmltext import html_to_text, markup_to_line, text_to_line

    title = text_to_line(item.title, limit=TITLE_LIMIT)
    summary = markup_to_line(item.summary_html, limit=SUMMARY_LIMIT)
    content, _image = html_to_text(item.content_html, limit=CONTENT_LIMIT)
    if not title:      # a document always has a title: the start of its text (as entrydoc does)
        title = clean_text(summary or content, limit=FALLBACK_TITLE_LIMIT) or "Untitled entry"
    published = sane_date(item.published, now)
    labels = tuple(dict.fromkeys(clean_text(c[len(LABEL_PREFIX):], limit=200) for c in item.categories
                                 if c.startswith(LABEL_PREFIX) and len(c) > len(LABEL_PREFIX)))
    author = clean_text(item.author, limit=200)
    return FeedEntry(
        key=item.id, title=title, link=item.url, summary=summary, content=content, published=published,
        author=author, categories=labels,
        content_hash=content_hash(title, item.url, summary, content, published, None, author, labels, ()),
    )


def provider_name(feed: Feed, title: str) -> str:
    """The provider name the refresh writer puts in the document (see ``_Writer``)."""
    return feed.user_title or title or feed.title or (urlsplit(feed.url).hostname or "")


def identity_of_entry(entry: FeedEntry, provider: str, first_seen: datetime) -> str:
    """The identity the document parser gives the document written for ``entry``."""
    if entry.link is not None:
        return identity_of(entry.link, "", None, "")
    published = (entry.published or first_seen).astimezone(UTC).replace(microsecond=0)
    return identity_of(None, clean_text(entry.title, limit=TITLE_LIMIT), published, clean_text(provider, limit=200))


def entry_file(feed_id: int, key: str) -> str:
    """``<feed id>/<entry file>``, the name the writer gives an entry of ``feed_id``."""
    return f"{feed_id}/{entry_filename(FeedEntry(key=key))}"


def write_entries(store: FeedStore, feed: Feed, title: str, site_url: str | None,
                  entries: Sequence[FeedEntry], entries_dir: Path, now: float) -> tuple[int, int]:
    """Write new/changed ``entries`` of ``feed`` (the refresh's writer); (new, changed)."""
    parsed = ParsedFeed(title=title, site_url=site_url, ttl_minutes=None, entries=tuple(entries), problems=(),
                        kind="rss")
    # The refresh's writer, reused rather than copied (one way to write an entry; private to feeds/ today --
    # a public name there would be better); imported here: a sync with nothing new does not load the fetch stack
    from feedreader.core.feeds.refresh import _Writer

    if not entries:
        return 0, 0
    done: Any = _Writer(store, feed, parsed, entries_dir, now, known=store.known_entries(feed)).run()
    if len(done) == 3:              # (new, changed, rows): the writer leaves recording the rows to its caller
        store.record_entries(feed, done[2])
    return int(done[0]), int(done[1])
