"""``feedreader feed ...``: subscriptions from the command line.

    feedreader feed add URL [--folder NAME] [--pick N]
    feedreader feed list [--json]
    feedreader feed remove URL|ID
    feedreader feed rename URL|ID TITLE
    feedreader feed move URL|ID --folder NAME
    feedreader feed refresh [URL|ID ...] [--all]
    feedreader feed import FILE
    feedreader feed export [FILE]

Subscriptions live in ``feeds.sqlite`` and entries in ``feeds/<feed id>/`` of
the data dir. Every string shown from a feed was cleaned when it was parsed
or stored; nothing here is printed through Rich, so markup stays text.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from feedreader.cli.common import Context, add_common_options
from feedreader.core.text import plural

if TYPE_CHECKING:
    from feedreader.core.feeds.refresh import FeedResult, RefreshSummary
    from feedreader.core.feeds.store import Feed, FeedStore


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "feed",
        help="subscribe to RSS, Atom and JSON feeds; refresh, list, import and export them",
        description="Manage feed subscriptions. Entries are stored as documents in the data dir.",
    )
    cmds = p.add_subparsers(dest="feed_command", metavar="SUBCOMMAND", required=True)

    def command(name: str, help: str, func: Any) -> argparse.ArgumentParser:
        c = cmds.add_parser(name, help=help, description=help)
        add_common_options(c)
        c.set_defaults(func=func, paths=[])
        return c

    c = command("add", "subscribe to a feed, or to the feed a site's home page links to", cmd_add)
    c.add_argument("url", metavar="URL")
    c.add_argument("--folder", default="", metavar="NAME", help="put it in this folder (a/b for nested)")
    c.add_argument("--pick", type=int, metavar="N", help="which of the feeds a page links to (1 = the first)")
    c = command("list", "every feed with its state", cmd_list)
    c.add_argument("--json", action="store_true", help="one JSON object per line")
    c = command("remove", "unsubscribe (flagged entries are kept)", cmd_remove)
    c.add_argument("feed", metavar="URL|ID")
    c = command("rename", "give a feed your own title ('' for the feed's own)", cmd_rename)
    c.add_argument("feed", metavar="URL|ID")
    c.add_argument("title", metavar="TITLE")
    c = command("move", "put a feed in a folder", cmd_move)
    c.add_argument("feed", metavar="URL|ID")
    c.add_argument("--folder", required=True, metavar="NAME", help="the folder ('' for the top level)")
    c = command("refresh", "fetch feeds (default: those due); exit status 1 when any failed", cmd_refresh)
    c.add_argument("feeds", nargs="*", metavar="URL|ID")
    c.add_argument("--all", action="store_true", help="every feed, due or not")
    c = command("import", "subscribe to the feeds of an OPML file or a newsboat urls file", cmd_import)
    c.add_argument("file", metavar="FILE")
    c = command("export", "write the subscriptions as OPML 2.0 (to stdout without FILE)", cmd_export)
    c.add_argument("file", nargs="?", metavar="FILE")


def _err(text: str) -> None:
    print(f"feedreader: {text}", file=sys.stderr)


class _Quit(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


@contextmanager
def _opened(args: argparse.Namespace) -> Iterator[tuple[Context, FeedStore]]:
    from feedreader.core.feeds.store import StoreError

    ctx = Context.from_args(args)
    ctx.print_settings_problems()
    try:
        store = ctx.open_feed_store()
    except StoreError as exc:
        _err(str(exc))
        raise _Quit(1) from None
    for warning in store.warnings:
        _err(warning)
    with store:
        yield ctx, store


def _run(fn: Any) -> Any:
    """Wrap a command so that _Quit and store errors become exit statuses."""

    def wrapper(args: argparse.Namespace) -> int:
        from feedreader.core.feeds.store import StoreError

        try:
            return int(fn(args) or 0)
        except _Quit as quit_:
            return quit_.code
        except StoreError as exc:
            _err(str(exc))
            return 1

    return wrapper


def _find(store: FeedStore, text: str) -> Feed:
    feed = store.get(text)
    if feed is None:
        _err(f"no feed {text!r} (give its URL or its id from 'feedreader feed list')")
        raise _Quit(1)
    return feed


def _when(stamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp)) if stamp else "never"


# -- add ------------------------------------------------------------------------------


@_run
def cmd_add(args: argparse.Namespace) -> int:
    from feedreader.core.feeds.refresh import Probe, SubscribeError, add_subscription, subscribe
    from feedreader.core.feeds.store import DuplicateFeed
    from feedreader.core.text import check_url

    url = args.url.strip()
    if check_url(url) is None:
        from feedreader.core.text import url_problem

        _err(f"cannot subscribe to {url!r}: it {url_problem(url)}")
        return 1
    with _opened(args) as (ctx, store):
        if store.get(url) is not None:
            _err(f"{url} is subscribed already")
            return 1

        async def run() -> tuple[Probe | None, FeedResult | None]:
            async with ctx.open_feed_fetcher() as fetcher:
                try:
                    found = await subscribe(fetcher, url)
                    chosen = _choose(url, found, args.pick) if isinstance(found, list) else found
                    return await add_subscription(store, fetcher, chosen, ctx.paths.feed_entries,
                                                  folder=args.folder,
                                                  refresh_every=ctx.settings.feeds.refresh_every,
                                                  rng=random.Random())
                except SubscribeError as exc:
                    _err(f"cannot subscribe to {url}: {exc}")
                except DuplicateFeed as exc:
                    _err(str(exc))
                return None, None

        probe, result = asyncio.run(run())
        if probe is None or result is None:
            return 1
        where = f" in {args.folder}" if args.folder else ""
        kind = {"rss": "an RSS", "atom": "an Atom", "json": "a JSON"}[probe.feed.kind]
        print(f"subscribed to {result.name} ({probe.url}){where}, id {result.feed_id}: "
              f"{kind} feed with {plural(len(probe.feed.entries), 'entry', 'entries')}, {result.new:,} new")
        for problem in probe.feed.problems[:10]:
            print(f"  note: {problem}", file=sys.stderr)
        if not result.ok:
            _err(f"but its entries could not be stored: {result.error}")
            return 1
        return 0


def _choose(url: str, found: list[Any], pick: int | None) -> str:
    if not found:
        _err(f"{url} is a web page that links to no feed")
        raise _Quit(1)
    if pick is not None:
        if not 1 <= pick <= len(found):
            _err(f"--pick must be from 1 to {len(found)}")
            raise _Quit(2)
        return str(found[pick - 1].url)
    if len(found) == 1:
        return str(found[0].url)
    _err(f"{url} links to {len(found)} feeds; choose one with --pick N:")
    for n, item in enumerate(found, 1):
        title = f" {item.title}" if item.title else ""
        print(f"  {n}.{title} ({item.kind}) {item.url}", file=sys.stderr)
    raise _Quit(1)


# -- list, remove, rename, move ---------------------------------------------------------


def _unread(ctx: Context, feeds: list[Feed]) -> dict[int, int]:
    """Entries of each feed in the library that are not read (hidden ones left out)."""
    from feedreader.core.ids import aid_of_identity
    from feedreader.core.library.scopes import count_by_scope, folder_prefix

    if not feeds or not ctx.paths.feed_entries.is_dir():
        return {}
    read: set[int] = set()
    hidden: set[int] = set()
    marks = ctx.read_marks()    # a read-only command: the marks database is never written
    try:
        for identity, m in marks.marks().items():
            if m.read:
                read.add(aid_of_identity(identity))
            if m.hidden:
                hidden.add(aid_of_identity(identity))
    finally:
        marks.close()
    library = ctx.open_library(quiet=True)
    try:
        entries = ctx.paths.feed_entries.resolve()     # as the index has the paths (a data dir behind a symlink)
        scopes = {f.id: folder_prefix(entries / str(f.id)) for f in feeds}
        counts = count_by_scope(library.index.conn, scopes, read, hidden)
    finally:
        library.close()
    return {key: c.unread for key, c in counts.items()}


def _row(feed: Feed, unread: dict[int, int]) -> dict[str, Any]:
    return {
        "id": feed.id, "title": feed.name, "url": feed.url, "folder": feed.folder, "site": feed.site_url,
        "entries": feed.entry_count,
        "unread": unread.get(feed.id, 0),
        "last_fetch": feed.last_fetch, "last_status": feed.last_status, "not_modified": feed.not_modified,
        "last_error": feed.last_error, "next_check": None if feed.gone else feed.next_check, "gone": feed.gone,
    }


@_run
def cmd_list(args: argparse.Namespace) -> int:
    with _opened(args) as (ctx, store):
        feeds = store.list()
    unread = _unread(ctx, feeds)
    if args.json:
        for feed in feeds:
            print(json.dumps(_row(feed, unread), ensure_ascii=False))
        return 0
    if not feeds:
        print("no feeds yet: feedreader feed add URL")
        return 0
    for feed in feeds:
        folder = f"[{feed.folder}] " if feed.folder else ""
        print(f"{feed.id:>4}  {folder}{feed.name}  {feed.url}")
        status = "304 not modified" if feed.not_modified else (str(feed.last_status) if feed.last_status else "-")
        nxt = "never (gone)" if feed.gone else _when(feed.next_check or time.time())
        print(f"      {feed.entry_count:,} entries, {unread.get(feed.id, 0):,} unread; last fetch {_when(feed.last_fetch)} ({status}); next {nxt}")
        if feed.last_error:
            print(f"      error: {feed.last_error}")
    return 0


def _flagged_entries(ctx: Context) -> list[str]:
    """The files of flagged articles (the library knows which file holds which article)."""
    from feedreader.core.ids import aid_of_identity

    marks = ctx.read_marks()
    try:
        flagged = [aid_of_identity(i) for i, m in marks.marks().items() if m.flagged]
    finally:
        marks.close()
    if not flagged:
        return []
    library = ctx.open_library(quiet=True)
    try:
        return [row.path for row in library.rows(flagged).values()]
    finally:
        library.close()


def _flagged_files(ctx: Context, files: list[str]) -> list[str]:
    """Those of ``files`` (relative to the entries dir) whose article is flagged."""
    from feedreader.core.documents.parse import load_document

    if not files or not ctx.paths.state_db.exists():
        return []
    identities: dict[str, str] = {}
    for name in files:
        article, _problems = load_document(ctx.paths.feed_entries / name)
        if article is not None:
            identities[article.identity] = name
    state = ctx.read_marks()
    try:
        marks = state.marks(list(identities))
    finally:
        state.close()
    return [identities[i] for i, m in marks.items() if m.flagged and i in identities]


@_run
def cmd_remove(args: argparse.Namespace) -> int:
    from feedreader.core.feeds.refresh import unsubscribe

    with _opened(args) as (ctx, store):
        feed = _find(store, args.feed)
        folder = ctx.paths.feed_entries / str(feed.id)
        files = [f"{feed.id}/{p.name}" for p in folder.glob("*.txt")] if folder.is_dir() else []
        keep = _flagged_files(ctx, files)
        deleted = unsubscribe(store, ctx.paths.feed_entries, feed, keep)
    kept = f"; {plural(len(keep), 'flagged entry', 'flagged entries')} kept" if keep else ""
    print(f"removed {feed.name} ({feed.url}) and {plural(deleted, 'entry', 'entries')}{kept}")
    return 0


@_run
def cmd_rename(args: argparse.Namespace) -> int:
    with _opened(args) as (_ctx, store):
        feed = store.rename(_find(store, args.feed), args.title)
    print(f"feed {feed.id} is now called {feed.name}")
    return 0


@_run
def cmd_move(args: argparse.Namespace) -> int:
    with _opened(args) as (_ctx, store):
        feed = store.move(_find(store, args.feed), args.folder)
    print(f"moved {feed.name} to {feed.folder or 'the top level'}")
    return 0


# -- refresh ------------------------------------------------------------------------------


@_run
def cmd_refresh(args: argparse.Namespace) -> int:
    from feedreader.cli.progress import ProgressBar
    from feedreader.core.feeds.refresh import refresh_and_prune

    if args.all and args.feeds:
        _err("give feeds or --all, not both")
        return 2
    with _opened(args) as (ctx, store):
        if args.all or args.feeds:
            asked = store.list() if args.all else list({f.id: f for f in (_find(store, text)
                                                                         for text in args.feeds)}.values())
            feeds = [f for f in asked if not f.from_server]
            for feed in asked:
                if feed.from_server and args.feeds:
                    _err(f"{feed.name}: its entries come from the feed server (feedreader sync), not fetched here")
            if asked and not feeds:
                return 0
        else:
            feeds = store.due()
        if not feeds:
            print("no feeds are due (feedreader feed refresh --all fetches every feed)")
            return 0

        with ProgressBar("refreshing") as bar:
            failed = 0

            def progress(done: int, total: int, result: FeedResult) -> None:
                nonlocal failed
                failed += not result.ok
                bar.update(done, total, f"failed {failed:,}")

            async def run() -> tuple[RefreshSummary, list[str]]:
                async with ctx.open_feed_fetcher() as fetcher:
                    return await refresh_and_prune(store, fetcher, feeds, ctx.paths.feed_entries,
                                                   refresh_every=ctx.settings.feeds.refresh_every,
                                                   keep_days=ctx.settings.feeds.keep_days,
                                                   keep_files=lambda: _flagged_entries(ctx),
                                                   rng=random.Random(), on_progress=progress)

            summary, pruned = asyncio.run(run())
        if pruned:
            print(f"pruned {plural(len(pruned), 'entry', 'entries')} older than {plural(ctx.settings.feeds.keep_days or 0, 'day')} "
                  "(flagged ones kept)")
    for result in summary.results:
        if not result.ok:
            print(f"failed: {result.name} ({result.url}): {result.error}", file=sys.stderr)
        if result.moved_to:
            print(f"moved: {result.name} is now at {result.moved_to}", file=sys.stderr)
    fetched = sum(r.outcome == "fetched" for r in summary.results)
    print(f"{plural(len(summary.results), 'feed')}: {plural(summary.new, 'new entry', 'new entries')}, {summary.changed:,} updated, "
          f"{fetched:,} fetched, {summary.not_modified:,} not modified, {len(summary.failed):,} failed")
    return 1 if summary.failed else 0


# -- import, export ---------------------------------------------------------------------------


@_run
def cmd_import(args: argparse.Namespace) -> int:
    from feedreader.core.feeds.opml import load_subscriptions

    path = Path(args.file).expanduser()
    try:
        result = load_subscriptions(path)
    except OSError as exc:
        _err(f"cannot read {path} ({exc.strerror or exc})")
        return 1
    for problem in result.problems:
        print(f"skipped: {problem}", file=sys.stderr)
    with _opened(args) as (_ctx, store):
        added, existing = store.add_many(result.feeds)
    print(f"imported {plural(len(added), 'feed')} from {path.name} ({len(existing):,} subscribed already, "
          f"{plural(len(result.problems), 'problem')}); fetch them with: feedreader feed refresh")
    return 1 if result.problems and not result.feeds else 0


@_run
def cmd_export(args: argparse.Namespace) -> int:
    from feedreader.core.feeds.opml import Subscription, write_opml
    from feedreader.core.files import replace_atomically

    with _opened(args) as (_ctx, store):
        feeds = store.list()
    data = write_opml(Subscription(f.url, f.name if f.name != f.url else "", f.folder) for f in feeds)
    if not args.file:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return 0
    target = Path(args.file).expanduser()
    try:
        replace_atomically(target, lambda fp: fp.write(data), durable=True)
    except OSError as exc:
        _err(f"cannot write {target} ({exc.strerror or exc})")
        return 1
    print(f"wrote {plural(len(feeds), 'feed')} to {target}")
    return 0
