"""``feedreader cache status`` and ``feedreader cache prune``: the page cache's size.

The cap is ``cache_max_mb`` under ``[fetch]`` in the config (default 500;
0 = no cap), for the pages and the article images (``<page cache>/images``)
together; a prefetch or an image fetch that grows the cache over it prunes
by itself. Pages and images go least recently read first
(``core/web/pagecache.py``, "Size").
"""

from __future__ import annotations

import argparse
import sys

from feedreader.cli.common import Context, add_common_options
from feedreader.cli.library_cmds import local_time
from feedreader.core.text import plural

MB = 1_000_000


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "cache",
        help="the page cache: its size, and pruning it",
        description="The page cache holds the original pages fetched for the reader view (and their images).",
    )
    cache_sub = p.add_subparsers(dest="cache_command", metavar="SUBCOMMAND", required=True)

    s = cache_sub.add_parser(
        "status", help="size, pages and the least recently read",
        description="Print the page cache's folder, size (against the cap), pages, images and when "
        "the least recently read page was last read.",
    )
    add_common_options(s)
    s.set_defaults(func=cmd_status)

    r = cache_sub.add_parser(
        "prune", help="remove the least recently read pages until under the cap",
        description="Remove the least recently read pages (and images) until the cache is at most "
        "--max-mb megabytes (default: cache_max_mb under [fetch] in the config, 500).",
    )
    r.add_argument("--max-mb", type=_megabytes, metavar="N", help="the size to prune to, in MB (0: empty it)")
    add_common_options(r)
    r.set_defaults(func=cmd_prune)


def _megabytes(value: str) -> float:
    try:
        n = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0 <= n <= 1_000_000:
        raise argparse.ArgumentTypeError("must be from 0 to 1000000")
    return n


def size_text(n: int) -> str:
    if n < MB:
        return f"{n / 1000:.1f} kB" if n >= 1000 else plural(n, "byte")
    return f"{n / MB:,.1f} MB"


def cmd_status(args: argparse.Namespace) -> int:
    ctx = Context.from_args(args)
    ctx.print_settings_problems()
    cache = ctx.open_page_cache()
    usage = cache.usage()
    cap = ctx.settings.fetch.cache_max_mb
    print(f"page cache: {cache.dir}")
    print(f"size:       {size_text(usage.size)} of {f'{cap:,} MB' if cap else 'no cap'} (pages and images)")
    print(f"pages:      {plural(usage.pages, 'page')}, {size_text(usage.page_bytes)}")
    print(f"images:     {plural(usage.images, 'image')}, {size_text(usage.image_bytes)} ({cache.dir / 'images'})")
    if usage.oldest_read is not None:
        print(f"oldest:     last read {local_time(int(usage.oldest_read))}")
    return 0


def cmd_prune(args: argparse.Namespace) -> int:
    ctx = Context.from_args(args)
    ctx.print_settings_problems()
    cap = ctx.settings.fetch.cache_max_mb if args.max_mb is None else args.max_mb
    if args.max_mb is None and not cap:
        print("feedreader: no cap is set (cache_max_mb = 0 under [fetch]); give --max-mb N", file=sys.stderr)
        return 2
    cache = ctx.open_page_cache()
    report = cache.prune(int(cap * MB))
    print(f"removed {plural(report.removed, 'page or image', 'pages and images')} "
          f"({size_text(report.freed)}); {size_text(report.size)} left")
    return 0
