"""Refreshing subscriptions: fetch, parse, write entry documents, schedule.

:func:`refresh_feeds` fetches feeds concurrently through one
:class:`~feedreader.core.web.fetch.Fetcher` (which keeps ``jobs`` requests at
once and ``per_host`` per host, the address guard, the size cap and the
deadline), hosts interleaved so that one slow host does not hold every slot.
For each feed:

* a conditional GET with the validators stored from its last full fetch,
  exactly as the server sent them; a 304 costs no parsing;
* the body is parsed (:func:`~feedreader.core.feeds.parse.parse_feed`, in a
  thread, or in a worker process of :class:`~feedreader.core.feeds.parsepool.FeedParsers`,
  which then also writes the new entries' files); every new entry, and every
  entry whose content changed, is written atomically as a document in the
  seed format to ``entries_dir/<feed id>/<entry file>`` (same file, same
  identity, when it changes); an entry without a usable date is dated by
  when it was first seen, kept in the store, so it never jumps;
* the store records the entries, what happened and when to look again
  (:func:`~feedreader.core.feeds.schedule.next_check`: Retry-After, max-age,
  Expires, ``<ttl>``, back-off after failures, jitter) in one transaction
  (``FeedStore.record_refresh``); a 301/308 moves the subscription, a 410
  stops it.

A failing feed is a :class:`FeedResult` with a reason; it never stops the
others. :func:`prune` forgets old entries; :func:`subscribe` probes a URL for
``feed add`` (a feed, or a page whose feed links are listed).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from feedreader.core.feeds.discover import FoundFeed, discover_feeds, looks_like_feed
from feedreader.core.feeds.entries import MAX_FEED_BYTES, FeedEntry, FeedParseError, ParsedFeed
from feedreader.core.feeds.entrydoc import entry_document, entry_filename
from feedreader.core.feeds.parse import parse_feed
from feedreader.core.feeds.parsepool import FeedParsers, Written, doc_names, write_file, write_files
from feedreader.core.feeds.schedule import Random, next_check
from feedreader.core.feeds.store import EntryRow, Feed, FeedStore, StoreError
from feedreader.core.text import canonical_url, clean_text
from feedreader.core.web.fetch import Fetcher, interleave_hosts
from feedreader.core.web.resource import Resource

__all__ = [
    "FEED_ACCEPT",
    "FeedResult",
    "Probe",
    "RefreshSummary",
    "SubscribeError",
    "add_subscription",
    "prune",
    "refresh_and_prune",
    "refresh_feed",
    "refresh_feeds",
    "subscribe",
    "unsubscribe",
]

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, application/json;q=0.7, text/html;q=0.5, */*;q=0.1"
)
Outcome = Literal["fetched", "not_modified", "failed", "gone"]
Progress = Callable[[int, int, "FeedResult"], None]
_ENTRY_PATH = re.compile(r"[0-9]{1,19}/[0-9a-f]{32}\.txt")
_UTC = timezone.utc


@dataclass(frozen=True, slots=True)
class FeedResult:
    """What refreshing one feed did. ``error`` is a sentence when failed/gone;
    ``moved_to`` the new URL after a 301/308; ``problems`` what the parser
    could not read (the rest was kept)."""

    feed_id: int
    url: str
    name: str
    outcome: Outcome
    http_status: int | None = None
    new: int = 0
    changed: int = 0
    error: str | None = None
    moved_to: str | None = None
    problems: tuple[str, ...] = ()
    next_check: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome in ("fetched", "not_modified")


@dataclass(frozen=True, slots=True)
class RefreshSummary:
    results: tuple[FeedResult, ...]

    @property
    def new(self) -> int:
        return sum(r.new for r in self.results)

    @property
    def changed(self) -> int:
        return sum(r.changed for r in self.results)

    @property
    def not_modified(self) -> int:
        return sum(r.outcome == "not_modified" for r in self.results)

    @property
    def failed(self) -> list[FeedResult]:
        """Failed and gone feeds."""
        return [r for r in self.results if not r.ok]

    @property
    def moved(self) -> list[FeedResult]:
        return [r for r in self.results if r.moved_to]


@dataclass(frozen=True, slots=True)
class Probe:
    """A URL that gave a feed: ``url`` is what to subscribe to (the 301/308
    target if it moved for good), ``feed`` the parsed body."""

    url: str
    feed: ParsedFeed
    resource: Resource


class SubscribeError(Exception):
    """The URL gave neither a feed nor a page; ``str()`` says why."""


# -- one feed ------------------------------------------------------------------


def _validators(feed: Feed) -> dict[str, str]:
    out = {}
    if feed.etag:
        out["If-None-Match"] = feed.etag
    if feed.last_modified:
        out["If-Modified-Since"] = feed.last_modified
    return out


def _host(url: str | None) -> str:
    try:
        return urlsplit(url or "").hostname or ""
    except ValueError:
        return ""


def _stamp(moment: datetime | None) -> float | None:
    return moment.timestamp() if moment is not None else None


def _names(feed: Feed) -> tuple[str, str, str]:
    return feed.user_title, feed.title, _host(feed.url)


class _Writer:
    """Writes the new and changed entries of one fetch (runs in a thread).
    ``known``: the store's entries of this feed; ``written``: the files of
    new entries (first seen at ``now``) a parser process wrote already."""

    def __init__(self, store: FeedStore, feed: Feed, parsed: ParsedFeed, entries_dir: Path, now: float,
                 known: dict[str, tuple[str, str]], written: Written | None = None) -> None:
        self.store, self.feed, self.parsed, self.now, self.known = store, feed, parsed, now, known
        self.folder = entries_dir / str(feed.id)
        self.title, self.domain = doc_names(_names(feed), parsed)
        self.written = written or {}

    def run(self) -> tuple[int, int, list[EntryRow]]:
        """(new, changed, the store rows to record for them)."""
        known = self.known
        fresh: list[tuple[FeedEntry, str]] = []
        changed: list[tuple[FeedEntry, str]] = []
        for entry in self.parsed.entries:
            old = known.get(entry.key)
            if old is None:
                fresh.append((entry, f"{self.feed.id}/{entry_filename(entry)}"))
            elif old[0] and old[1] != entry.content_hash and _ENTRY_PATH.fullmatch(old[0]):
                changed.append((entry, old[0]))   # same file: same identity
        if not fresh and not changed:
            return 0, 0, []
        seen = self.store.first_seen(self.feed, (e.key for e, _ in changed)) if changed else {}
        self.folder.mkdir(parents=True, exist_ok=True)
        rows = []
        files: list[tuple[str, bytes]] = []
        for entry, name in fresh + changed:
            first = seen.get(entry.key)
            if first is not None or entry.key not in self.written:
                when = datetime.fromtimestamp(self.now if first is None else first, _UTC)
                data = entry_document(self.feed.url, self.title, self.domain, entry, when)
                path = self.folder.parent / name
                if path.parent == self.folder:
                    files.append((path.name, data))
                else:   # never today: a stored file of another folder
                    write_file(path, data)
            rows.append(EntryRow(entry.key, name, entry.content_hash, _stamp(entry.published or entry.updated)))
        write_files(self.folder, files)
        return len(fresh), len(changed), rows


async def refresh_feed(
    store: FeedStore,
    fetcher: Fetcher,
    feed: Feed,
    entries_dir: Path,
    *,
    now: Callable[[], float] = time.time,
    refresh_every: float,
    rng: Random | None,
    probe: Probe | None = None,
    parsers: FeedParsers | None = None,
) -> FeedResult:
    """Fetch one feed (or use ``probe``, what :func:`subscribe` fetched) and
    store what it gave. Never raises (except cancellation). ``parsers``: where
    :func:`refresh_feeds` parses (default: a thread)."""
    every = feed.refresh_every or refresh_every
    try:
        resource = probe.resource if probe is not None else await fetcher.get(
            feed.url, validators=_validators(feed), accept=FEED_ACCEPT, max_bytes=MAX_FEED_BYTES
        )
        return await _apply(store, feed, resource, probe, entries_dir, now, every, rng, parsers)
    except (StoreError, OSError) as exc:
        why = str(exc) if isinstance(exc, StoreError) else f"cannot write its entries ({exc.strerror or exc})"
        return FeedResult(feed.id, feed.url, feed.name, "failed", error=clean_text(why, limit=500))
    except Exception as exc:  # noqa: BLE001 - one feed's surprise must not stop the others
        return FeedResult(feed.id, feed.url, feed.name, "failed", error=f"unexpected error ({type(exc).__name__})")


async def _apply(
    store: FeedStore, feed: Feed, resource: Resource, probe: Probe | None, entries_dir: Path,
    now: Callable[[], float], every: float, rng: Random | None, parsers: FeedParsers | None = None,
) -> FeedResult:
    moved = resource.permanent_redirect_to
    new_url = moved if moved and canonical_url(moved) != feed.url else None
    status = resource.http_status
    headers = resource.headers

    def failed(error: str, *, gone: bool = False) -> FeedResult:
        when = next_check(now(), refresh_every=every, status=status, headers=headers,
                          fail_count=feed.fail_count + 1, rng=rng)
        row = store.record_fetch(feed, status=status, next_check=when, error=error, gone=gone, new_url=new_url)
        return FeedResult(feed.id, feed.url, row.name, "gone" if gone else "failed", status, error=row.last_error,
                          moved_to=_moved(feed, row), next_check=when)

    if resource.gone:
        return await asyncio.to_thread(
            failed, "the feed is gone (HTTP 410): its site removed it, so it is no longer checked; "
            "remove it or add its new address", gone=True)
    if resource.status == "failed":
        return await asyncio.to_thread(failed, resource.error or "failed")
    if resource.status == "not_modified":
        when = next_check(now(), refresh_every=every, status=status, headers=headers, rng=rng)
        row = await asyncio.to_thread(
            store.record_fetch, feed, status=status, next_check=when, not_modified=True,
            etag=resource.etag, last_modified=resource.last_modified, new_url=new_url)
        return FeedResult(feed.id, feed.url, row.name, "not_modified", status, moved_to=_moved(feed, row),
                          next_check=when)
    base = resource.final_url or feed.url
    written: Written | None = None
    known = await asyncio.to_thread(store.known_entries, feed)
    try:
        if probe is not None:
            parsed, stamp = probe.feed, now()
        elif parsers is not None:
            parsed, written, stamp = await parsers.parse(
                resource.body, base, resource.content_type, feed.url, _names(feed), now,
                entries_dir / str(feed.id), {key: hashed for key, (_file, hashed) in known.items()})
        else:
            parsed = await asyncio.to_thread(parse_feed, resource.body, base, resource.content_type)
            stamp = now()
    except FeedParseError as exc:
        return await asyncio.to_thread(failed, str(exc))
    when = next_check(stamp, refresh_every=every, status=status, headers=headers,
                      ttl_minutes=parsed.ttl_minutes, rng=rng)
    writer = _Writer(store, feed, parsed, entries_dir, stamp, known, written)

    def write_and_record() -> tuple[int, int, Feed]:
        new, changed, rows = writer.run()
        _added, row = store.record_refresh(   # the entries and the fetch: one transaction
            feed, rows, status=status, next_check=when, etag=resource.etag, last_modified=resource.last_modified,
            new_url=new_url, title=parsed.title or None, site_url=parsed.site_url)
        return new, changed, row

    new, changed, row = await asyncio.to_thread(write_and_record)
    return FeedResult(feed.id, feed.url, row.name, "fetched", status, new, changed, row.last_error,
                      _moved(feed, row), parsed.problems, when)


def _moved(old: Feed, new: Feed) -> str | None:
    return new.url if new.url != old.url else None


# -- many feeds ---------------------------------------------------------------------


async def refresh_feeds(
    store: FeedStore,
    fetcher: Fetcher,
    feeds: Iterable[Feed],
    entries_dir: Path,
    *,
    now: Callable[[], float] = time.time,
    refresh_every: float,
    rng: Random | None,
    on_progress: Progress | None = None,
) -> RefreshSummary:
    """Refresh ``feeds`` at once (the fetcher bounds how many requests run);
    results in the order given. ``on_progress(done, total, result)`` after each."""
    given = list(feeds)
    by_url = {f.url: f for f in given}
    order = [by_url[u] for u in interleave_hosts(list(by_url))]
    results: dict[int, FeedResult] = {}
    queue = iter(order)

    parsers = FeedParsers()   # a thread for the first few bodies, then a process pool
    parsers.warm_up(sum(1 for f in order if not (f.etag or f.last_modified)))   # bodies, not 304s

    async def worker() -> None:
        for feed in queue:
            result = await refresh_feed(store, fetcher, feed, entries_dir, now=now,
                                        refresh_every=refresh_every, rng=rng, parsers=parsers)
            results[feed.id] = result
            if on_progress is not None:
                on_progress(len(results), len(order), result)

    workers = max(1, min(len(order), fetcher.settings.jobs * 2))
    try:
        await asyncio.gather(*(worker() for _ in range(workers)))
    finally:
        await parsers.close()
    return RefreshSummary(tuple(results[f.id] for f in given if f.id in results))


async def refresh_and_prune(
    store: FeedStore,
    fetcher: Fetcher,
    feeds: Iterable[Feed],
    entries_dir: Path,
    *,
    refresh_every: float,
    keep_days: float | None,
    keep_files: Callable[[], Collection[str | Path]],
    rng: Random | None,
    on_progress: Progress | None = None,
) -> tuple[RefreshSummary, list[str]]:
    """What ``feed refresh`` and the app's ``r``/``R`` do: :func:`refresh_feeds`,
    then, with ``keep_days``, :func:`prune` (``keep_files()``, asked only then:
    the files of flagged entries). Returns the summary and the pruned files."""
    summary = await refresh_feeds(store, fetcher, feeds, entries_dir, refresh_every=refresh_every,
                                  rng=rng, on_progress=on_progress)
    pruned: list[str] = []
    if keep_days is not None:
        keep = keep_files()
        pruned = await asyncio.to_thread(prune, store, entries_dir, keep_days, keep)
    return summary, pruned


# -- forgetting ---------------------------------------------------------------------


def _relative(entries_dir: Path, files: Collection[str | Path]) -> set[str]:
    out = set()
    for item in files:
        path = Path(item)
        if path.is_absolute():
            try:
                path = path.relative_to(entries_dir)
            except ValueError:
                continue
        out.add(path.as_posix())
    return out


def _delete(entries_dir: Path, names: Iterable[str]) -> list[str]:
    deleted = []
    for name in names:
        if not _ENTRY_PATH.fullmatch(name):   # only ever our own files
            continue
        try:
            (entries_dir / name).unlink()
        except FileNotFoundError:
            pass
        deleted.append(name)
    return deleted


def prune(
    store: FeedStore, entries_dir: Path, keep_days: float, keep_files: Collection[str | Path] = (),
    *, now: float | None = None,
) -> list[str]:
    """Delete the files of entries older than ``keep_days`` except ``keep_files``
    (flagged ones: paths under ``entries_dir`` or relative to it); returns the
    deleted paths, relative to ``entries_dir``. The store keeps their keys, so
    a feed still carrying them does not bring them back."""
    names = store.prune(keep_days, now=now, keep=_relative(entries_dir, keep_files))
    return _delete(entries_dir, names)


def unsubscribe(store: FeedStore, entries_dir: Path, feed: Feed, keep_files: Collection[str | Path] = ()) -> int:
    """Remove the subscription and its entry files except ``keep_files``; returns how many files went."""
    keep = _relative(entries_dir, keep_files)
    deleted = _delete(entries_dir, [n for n in store.remove(feed) if n not in keep])
    try:
        (entries_dir / str(feed.id)).rmdir()
    except OSError:
        pass   # not empty (kept files) or never made
    return len(deleted)


# -- subscribing ----------------------------------------------------------------------


async def subscribe(fetcher: Fetcher, url: str) -> list[FoundFeed] | Probe:
    """Fetch ``url``: a feed gives a :class:`Probe`; a web page gives the
    feeds it links to (maybe none). :class:`SubscribeError` when the fetch
    fails or the body is neither."""
    resource = await fetcher.get(url, validators={}, accept=FEED_ACCEPT, max_bytes=MAX_FEED_BYTES)
    if resource.status != "fetched":
        raise SubscribeError(resource.error or "the fetch failed")
    base = resource.final_url or url
    if looks_like_feed(resource.body, resource.content_type):
        try:
            parsed = await asyncio.to_thread(parse_feed, resource.body, base, resource.content_type)
        except FeedParseError as exc:
            raise SubscribeError(str(exc)) from None
        return Probe(resource.permanent_redirect_to or url, parsed, resource)
    mime = (resource.content_type or "").split(";")[0].strip().lower()
    if mime in ("text/html", "application/xhtml+xml") or resource.body.lstrip()[:1] == b"<":
        return discover_feeds(resource.body, base)
    raise SubscribeError(f"this is neither a feed nor a web page ({clean_text(mime, limit=60) or 'no content type'})")


async def add_subscription(
    store: FeedStore,
    fetcher: Fetcher,
    found: Probe | str,
    entries_dir: Path,
    *,
    folder: str = "",
    refresh_every: float,
    rng: Random | None,
) -> tuple[Probe, FeedResult]:
    """Subscribe to ``found`` (what :func:`subscribe` gave, or the URL of one of
    the feeds a page links to) and store its entries at once. Raises
    :class:`SubscribeError` (not a feed) and ``DuplicateFeed`` (subscribed already)."""
    probe = found if isinstance(found, Probe) else await subscribe(fetcher, found)
    if isinstance(probe, list):
        raise SubscribeError("the link it gives is a web page, not a feed")
    feed = store.add(probe.url, folder=folder)
    result = await refresh_feed(store, fetcher, feed, entries_dir, refresh_every=refresh_every, rng=rng,
                                probe=probe)
    return probe, result
