"""Feeds subscribed here, sent to the feed server; a server feed merged with a local one.

* :func:`local_additions`: the local feeds a sync subscribes to on the server:
  added here (``Feed.added``) since the account was set up, fetched locally
  (not a server feed already), not known to the sync state and not on the
  server under the same URL (that one is adopted, not added twice). Feeds
  that were here before ``sync setup`` stay local.
* :func:`subscribe_on_server`: ``subscription/quickadd`` for each (the
  server fetches it), then its folder with ``subscription/edit``; returns
  stream id -> local feed, so the feed is adopted by the stream id the
  server gave even when the server rewrote its URL. A feed the server cannot
  subscribe to (``numResults`` 0, a 4xx/5xx) is a problem in the report and
  is tried again at the next sync; a network failure stops the sync.
* :func:`local_documents`: identity -> entry file of a local feed's own
  entries. When a server subscription is adopted (its URL is a local feed's),
  a server item whose identity (its link, see ``items.identity_of_entry``) is
  one of these is mapped to the existing file instead of being written again:
  one feed, one document per article, and the marks (keyed by identity) kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from feedreader.core.feeds.store import Feed, FeedStore
from feedreader.core.sync.greader import GReaderClient, Subscription, SyncError
from feedreader.core.text import canonical_url, clean_text

__all__ = ["local_additions", "local_documents", "subscribe_on_server"]

def local_additions(local: Iterable[Feed], known_feed_ids: set[int], subs: Iterable[Subscription],
                    since: float | None) -> list[Feed]:
    """The local feeds to subscribe to on the server (see the module docstring); none if ``since`` is None."""
    if since is None:
        return []
    on_server = {canonical_url(s.url) for s in subs if s.url}
    return [f for f in local if f.added >= since and not f.from_server and f.id not in known_feed_ids
            and canonical_url(f.url) not in on_server]


def subscribe_on_server(client: GReaderClient, feeds: Iterable[Feed], problems: list[str]) -> dict[str, Feed]:
    """quickadd (+ folder) for each feed; stream id -> feed for those the server took."""
    out: dict[str, Feed] = {}
    for feed in feeds:
        name = clean_text(feed.name, limit=120)
        try:
            stream = client.quickadd(feed.url)
            if stream is None:
                problems.append(f"the server found no feed at {feed.url} ({name}); it stays a local feed "
                                "for now (tried again at the next sync)")
                continue
            if feed.folder:
                client.edit_subscription(stream, folder=feed.folder)
        except SyncError as exc:
            if exc.kind == "network":
                raise
            problems.append(f"could not subscribe the server to {name}: {exc.message} (tried again at the "
                            "next sync)")
            continue
        out[stream] = feed
    return out


def local_documents(store: FeedStore, feed: Feed, entries_dir: Path) -> dict[str, str]:
    """identity -> ``<feed id>/<file>`` of the entries this feed has written (read from the documents)."""
    from feedreader.core.documents.parse import load_document     # the parser, only when a feed is adopted

    out: dict[str, str] = {}
    for file, _hash in store.known_entries(feed).values():
        if not file:
            continue                        # pruned
        article, _problems = load_document(entries_dir / file)
        if article is not None:
            out.setdefault(article.identity, file)
    return out
