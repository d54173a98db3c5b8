"""Parsing fetched feeds off the event loop: in a thread, or in worker processes.

A refresh that fetches many feeds at once is CPU-bound: parsing a 50-entry
feed and rendering its entry documents take tens of milliseconds each.
:class:`FeedParsers` parses the first few bodies of a refresh in a thread (a
single feed, or a refresh where most feeds answered 304, never starts a
process); once :data:`POOL_AFTER` bodies have come in it starts a process
pool, one worker per core, and every later body is parsed there, its entry
documents rendered beside it (:func:`parse_and_render`), so the worker hands
back a feed's parse and documents in one piece. The pool is made on demand
and shut down by :meth:`FeedParsers.close` at the end of the refresh; nothing
is created at import.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from feedreader.core.feeds.entries import ParsedFeed
from feedreader.core.feeds.entrydoc import entry_document
from feedreader.core.feeds.parse import parse_feed

if TYPE_CHECKING:
    from concurrent.futures import Executor

__all__ = ["POOL_AFTER", "FeedParsers", "Rendered", "doc_names", "host_of", "parse_and_render"]

POOL_AFTER = 4          # bodies parsed in a thread before the pool starts
Rendered = dict[str, bytes]   # entry key -> its document, for an entry first seen now
_UTC = timezone.utc


def parse_and_render(
    body: bytes, base: str, content_type: str | None, feed_url: str, names: tuple[str, str, str], stamp: float,
) -> tuple[ParsedFeed, Rendered]:
    """:func:`parse_feed`, and the document of every entry as a new entry
    (first seen at ``stamp``), titled by :func:`doc_names` from
    ``names`` = (the user's title, the stored title, the feed URL's host)."""
    parsed = parse_feed(body, base, content_type)
    title, domain = doc_names(names, parsed)
    first = datetime.fromtimestamp(stamp, _UTC)
    docs = {e.key: entry_document(feed_url, title, domain, e, first) for e in parsed.entries}
    return parsed, docs


def doc_names(names: tuple[str, str, str], parsed: ParsedFeed) -> tuple[str, str]:
    """(provider name, provider domain) of a feed's entry documents, from
    (the user's title, the stored title, the feed URL's host) and its body."""
    user_title, stored_title, host = names
    return user_title or parsed.title or stored_title or host, host_of(parsed.site_url) or host


def host_of(url: str | None) -> str:
    try:
        return urlsplit(url or "").hostname or ""
    except ValueError:
        return ""


class FeedParsers:
    """Where a refresh parses its bodies (see the module docstring)."""

    def __init__(self, *, workers: int | None = None, pool_after: int = POOL_AFTER) -> None:
        self.workers = workers if workers is not None else min(4, os.cpu_count() or 1)
        self.pool_after = pool_after
        self.seen = 0
        self._pool: Executor | None = None
        self._broken = False

    async def parse(
        self, body: bytes, base: str, content_type: str | None, feed_url: str, names: tuple[str, str, str],
        stamp: Callable[[], float],
    ) -> tuple[ParsedFeed, Rendered | None, float]:
        """``(parsed, rendered documents or None, stamp)``; raises what :func:`parse_feed` raises."""
        self.seen += 1
        if self.workers > 1 and not self._broken and self.seen > self.pool_after:
            from concurrent.futures.process import BrokenProcessPool

            when = stamp()
            try:
                parsed, docs = await asyncio.get_running_loop().run_in_executor(
                    self._executor(), parse_and_render, body, base, content_type, feed_url, names, when)
                return parsed, docs, when
            except (BrokenProcessPool, OSError, RuntimeError):
                self._broken = True   # a worker died (or could not start): parse here from now on
        parsed = await asyncio.to_thread(parse_feed, body, base, content_type)
        return parsed, None, stamp()

    def _executor(self) -> Executor:
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # spawn: the refreshing process has threads (and may be the app)
            self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                             mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    @property
    def started(self) -> bool:
        return self._pool is not None

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, True, cancel_futures=True)
