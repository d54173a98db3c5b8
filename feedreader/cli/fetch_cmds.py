"""``feedreader prefetch``: fetch articles' original pages into the page cache.

    feedreader prefetch [PATH...] (--all | ID...) [--jobs N]

PATH (files or folders of articles) and ID (article ids, or unique prefixes of
4+ hex digits) may be mixed: an argument naming an existing file or folder is
a PATH, anything else an ID. A progress bar is drawn on stderr when it is a
terminal; failures are listed on stderr; the summary line goes to stdout.
Exit status 1 when any page failed.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from feedreader.cli.common import Context, add_common_options, find_article


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "prefetch",
        help="fetch articles' pages into the cache, for reading offline",
        description=(
            "Fetch the original page of the given articles (or of every article with --all) into "
            "the page cache, so that the reader view works offline. Pages already cached are "
            "revalidated (ETag/Last-Modified). Arguments naming an existing file or folder are "
            "document sources; others are article ids (or unique prefixes of 4+ hex digits). "
            "Exit status 1 when any page could not be fetched."
        ),
    )
    p.add_argument("targets", nargs="*", metavar="PATH|ID", help="document files/folders, and article ids")
    p.add_argument("--all", action="store_true", help="every article of the sources")
    p.add_argument("--jobs", type=_jobs, metavar="N", help="pages fetched at once (1-64; default: config fetch.jobs)")
    add_common_options(p)
    p.set_defaults(func=cmd_prefetch, paths=[])


def _jobs(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if not 1 <= n <= 64:
        raise argparse.ArgumentTypeError("must be from 1 to 64")
    return n


def split_targets(targets: list[str]) -> tuple[list[str], list[str]]:
    """(paths, ids): an existing file or folder is a path, anything else an id."""
    paths: list[str] = []
    ids: list[str] = []
    for target in targets:
        (paths if Path(target).expanduser().exists() else ids).append(target)
    return paths, ids


def cmd_prefetch(args: argparse.Namespace) -> int:
    from feedreader.core.web.fetch import fetch_urls

    paths, ids = split_targets(list(args.targets or []))
    if args.all and ids:
        print(f"feedreader: give article ids or --all, not both (not a file or folder: {ids[0]})", file=sys.stderr)
        return 2
    if not args.all and not ids:
        print("feedreader: nothing to prefetch: give article ids, or --all", file=sys.stderr)
        return 2
    args.paths = paths
    ctx = Context.from_args(args)
    ctx.print_settings_problems()
    settings = ctx.settings.fetch
    if args.jobs:
        settings = replace(settings, jobs=args.jobs)

    wanted: list[tuple[str, str]] = []     # (article id, url)
    skipped = 0
    with ctx.open_library() as library:
        if args.all:
            for row in library.iter_rows(ctx.settings.sort):
                if row.url:
                    wanted.append((row.id, row.url))
                else:
                    skipped += 1
        else:
            for text in ids:
                article, why = find_article(library, text, ctx.library_name)
                if article is None:
                    ctx.print_source_problems(library)
                    print(f"feedreader: {why}", file=sys.stderr)
                    return 1
                if article.url:
                    wanted.append((article.id, article.url))
                else:
                    print(f"feedreader: {article.id} has no URL that may be fetched; skipped", file=sys.stderr)
                    skipped += 1

    from feedreader.cli.progress import ProgressBar

    cache = ctx.open_page_cache()
    with ProgressBar("fetching") as bar:
        def progress(done: int, failed: int, total: int, _result) -> None:
            bar.update(done, total, f"ok {done - failed:,} failed {failed:,}")

        results = fetch_urls(
            [url for _, url in wanted], settings, cache,
            allow_private=ctx.settings.allow_private_hosts, on_progress=progress,
        )

    counts = {"fetched": 0, "not_modified": 0, "failed": 0}
    for (article_id, url), result in zip(wanted, results):
        counts[result.status] += 1
        if result.status == "failed":
            print(f"failed: {article_id} {url}: {result.error}", file=sys.stderr)
    summary = f"fetched {counts['fetched']:,}, not modified {counts['not_modified']:,}, failed {counts['failed']:,}"
    if skipped:
        summary += f", skipped {skipped:,} without a URL"
    print(summary)
    return 1 if counts["failed"] else 0
