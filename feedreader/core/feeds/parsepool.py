"""Parsing fetched feeds off the event loop: in a thread, or in worker processes.

A refresh that fetches many feeds at once is CPU-bound: parsing a 50-entry
feed and rendering its entry documents take tens of milliseconds each.
:class:`FeedParsers` parses the first few bodies of a refresh in a thread (a
single feed, or a refresh where most feeds answered 304, never starts a
process); once :data:`POOL_AFTER` bodies have come in it starts a process
pool, one worker per core, and every later body is parsed there, and its new
entries' documents rendered and written there too (:func:`parse_and_write`),
so the refreshing process only fetches and records: rendering and writing
15,000 files is a third of a first refresh's CPU. The pool is made on demand
and shut down by :meth:`FeedParsers.close` at the end of the refresh; nothing
is created at import, and nothing a worker does not use is imported (a
worker imports this module: asyncio, ~60-90 ms of CPU for each worker, is
imported where :class:`FeedParsers` needs it).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from feedreader.core.feeds.entries import FeedEntry, ParsedFeed
from feedreader.core.feeds.entrydoc import entry_document, entry_filename
from feedreader.core.feeds.parse import parse_feed

if TYPE_CHECKING:
    from concurrent.futures import Executor

__all__ = ["POOL_AFTER", "FeedParsers", "Written", "doc_names", "host_of", "parse_and_write", "slim", "write_file", "write_files"]

POOL_AFTER = 4          # bodies parsed in a thread before the pool starts
Written = dict[str, str]      # entry key -> the file written for it (a name in the feed's folder)
_UTC = timezone.utc


def parse_and_write(
    body: bytes, base: str, content_type: str | None, feed_url: str, names: tuple[str, str, str], stamp: float,
    folder: str, known: Mapping[str, str],
) -> tuple[ParsedFeed, Written]:
    """:func:`parse_feed`, and the document of every entry whose key is not
    in ``known`` (key -> the content hash the store has) written (first seen
    at ``stamp``) to ``folder/<entry file>`` (:func:`write_file`): key -> file
    name. The caller records them in the store; a file written and not
    recorded (a crash between) is written again under the same name by the
    next refresh.

    The entries given back are :func:`slim` but for those whose content
    changed (the caller writes them again, dated by when it first saw them):
    the refreshing process needs only their keys, hashes and dates, and
    sending 15,000 full entries back cost more than writing their files."""
    parsed = parse_feed(body, base, content_type)
    title, domain = doc_names(names, parsed)
    first = datetime.fromtimestamp(stamp, _UTC)
    written: Written = {}
    fresh = [e for e in parsed.entries if e.key not in known]
    if fresh:
        where = Path(folder)
        where.mkdir(parents=True, exist_ok=True)
        files = []
        for entry in fresh:
            if entry.key not in written:
                name = entry_filename(entry)
                files.append((name, entry_document(feed_url, title, domain, entry, first)))
                written[entry.key] = name
        write_files(where, files)
    entries = tuple(e if e.key in known and known[e.key] != e.content_hash else slim(e) for e in parsed.entries)
    return replace(parsed, entries=entries), written


def slim(entry: FeedEntry) -> FeedEntry:
    """What the refreshing process records of an entry it does not write: its
    key, content hash and dates (``FeedStore.record_refresh``); the rest empty."""
    return FeedEntry(entry.key, published=entry.published, updated=entry.updated, content_hash=entry.content_hash)


def write_files(folder: Path, files: Iterable[tuple[str, bytes]]) -> None:
    """Each ``(name, data)`` to ``folder/name``, atomically, as :func:`write_file`
    does, but a new file is written unnamed (``O_TMPFILE``) and linked in when
    complete: one directory entry made instead of a temporary's made, renamed
    and removed (the kernel's work per file is most of a refresh's file
    writing), and nothing is left behind by a crash. Where that does not work
    (a file system or kernel without ``O_TMPFILE``, no ``/proc``) and for a
    file that exists already (a changed entry), :func:`write_file`."""
    items = list(files)
    if not items:
        return
    unnamed = getattr(os, "O_TMPFILE", 0)
    dfd = -1
    if unnamed:
        try:
            dfd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError:
            dfd = -1
    try:
        for name, data in items:
            if dfd >= 0:
                try:
                    _link_new(dfd, unnamed, name, data)
                    continue
                except FileExistsError:
                    pass   # a changed entry: replaced by rename below
                except OSError:
                    os.close(dfd)   # not here: the temporary and rename from now on
                    dfd = -1
            write_file(folder / name, data)
    finally:
        if dfd >= 0:
            os.close(dfd)


def _link_new(dfd: int, unnamed: int, name: str, data: bytes) -> None:
    fd = os.open(".", unnamed | os.O_WRONLY | os.O_CLOEXEC, 0o666, dir_fd=dfd)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        # linkat(AT_SYMLINK_FOLLOW) of the open file, as open(2) documents for O_TMPFILE
        os.link(f"/proc/self/fd/{fd}", name, dst_dir_fd=dfd, follow_symlinks=True)
    finally:
        os.close(fd)


def write_file(path: Path, data: bytes) -> None:
    """``data`` to ``path`` atomically: a hidden temporary beside it (the
    library skips hidden files), then renamed over it. Cheaper than
    ``files.replace_atomically`` (no random name, no file object): entries
    are written by the ten thousand."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    except FileExistsError:   # left by a crash of a process with the same id
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


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


def _ready() -> int:
    """(In a worker.) Load what parsing needs (this module, feedparser, lxml)."""
    import feedparser  # noqa: F401
    from lxml import etree  # noqa: F401

    return os.getpid()


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
        stamp: Callable[[], float], folder: Path, known: Mapping[str, str],
    ) -> tuple[ParsedFeed, Written | None, float]:
        """``(parsed, the files written or None, stamp)``: in the pool, the new
        entries (keys not in ``known``: key -> content hash) are written there
        too and the others come back slim (:func:`parse_and_write`); in the
        thread nothing is written.
        Raises what :func:`parse_feed` raises."""
        import asyncio  # here, not at the top: the workers import this module and never need it

        self.seen += 1
        if self.workers > 1 and not self._broken and self.seen > self.pool_after:
            from concurrent.futures.process import BrokenProcessPool

            when = stamp()
            try:
                future = asyncio.get_running_loop().run_in_executor(
                    self._executor(), parse_and_write, body, base, content_type, feed_url, names, when,
                    str(folder), known)
            except (OSError, RuntimeError):
                self._broken = True   # the pool could not start: parse here from now on
            else:
                try:
                    parsed, written = await future
                    return parsed, written, when
                except BrokenProcessPool:
                    self._broken = True   # a worker died: parse here from now on
        parsed = await asyncio.to_thread(parse_feed, body, base, content_type)
        return parsed, None, stamp()

    def warm_up(self, bodies: int) -> None:
        """Start the pool's workers now (they import the parser while the
        first fetches wait on the network) when about ``bodies`` bodies are
        coming, more than the thread takes: a refresh of feeds never fetched,
        not one whose feeds will mostly answer 304."""
        if self.workers > 1 and not self._broken and bodies > self.pool_after and self._pool is None:
            try:
                pool = self._executor()
                for _ in range(self.workers):
                    pool.submit(_ready)
            except (OSError, RuntimeError):
                self._broken = True

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
        import asyncio

        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, True, cancel_futures=True)
