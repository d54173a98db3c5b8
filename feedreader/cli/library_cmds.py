"""Headless commands over the library: ``list``, ``show``, ``check``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone

from feedreader.cli.common import Context, add_common_options, add_paths_argument, find_article
from feedreader.core.library.library import ORDERS
from feedreader.core.text import plural


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "list",
        help="print the articles, one per line",
        description="Print the articles in the chosen order, one per line (or JSON lines).",
    )
    add_paths_argument(p)
    p.add_argument("--sort", choices=ORDERS, help="order (default: the config's, else newest)")
    p.add_argument("--json", action="store_true",
                   help="JSON lines: id, title, provider, published, quality, score, score_reasons, url, path, …")
    p.add_argument("--hidden", action="store_true", help="include hidden articles")
    p.add_argument("--unread", action="store_true", help="only unread articles")
    p.add_argument("--flagged", action="store_true", help="only flagged articles")
    p.add_argument(
        "--query", metavar="QUERY",
        help='only articles matching QUERY, in the search language of the / box, e.g. '
        '\'topic:AI xpeng\', \'provider:caixin q>50 since:7d -is:read\' (exit status 2 if it has a mistake)',
    )
    add_common_options(p)
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="print one article's full detail", description="Print one article's full detail.")
    p.add_argument("id", metavar="ID", help="article id (or a unique prefix of 4+ hex digits)")
    add_paths_argument(p)
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="as one JSON object")
    fmt.add_argument(
        "--text", action="store_true",
        help="the readable text of the original page (from the page cache; fetched first if not cached)",
    )
    add_common_options(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser(
        "check",
        help="report every file that could not be read",
        description="Report every document that could not be read, or had a field dropped, "
        "with its path and the reason. Exit status 1 when there are any.",
    )
    add_paths_argument(p)
    add_common_options(p)
    p.set_defaults(func=cmd_check)


def iso_utc(ts: int | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_time(ts: int | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if ts is None:
        return "unknown date"
    return datetime.fromtimestamp(ts, timezone.utc).astimezone().strftime(fmt)


def cmd_list(args: argparse.Namespace) -> int:
    ctx = Context.from_args(args)
    ctx.print_settings_problems()
    from feedreader.core.marks.store import NO_MARKS

    query = None
    if args.query is not None:
        query = _parse_query_arg(args.query)
        if query is None:
            return 2
    order = args.sort or ctx.settings.sort
    from feedreader.cli.rules_cmds import apply_rules, score_fields
    from feedreader.core.stories.live import LiveStories, story_sizes

    library = ctx.open_library()
    try:
        # stories (core/stories/live.py) for "story" and story queries, before the rules (is:story, their sizes)
        wanted = args.json or (query is not None and query.uses("story"))
        stories = LiveStories(jobs=2).sync(library)[0] if wanted else None
        apply_rules(ctx, library, act=False, story_sizes=story_sizes(stories) if stories else None)
    except BaseException:
        library.close()
        raise
    with library, ctx.read_marks() as state:
        bad_sources = ctx.print_source_problems(library)
        for warning in state.pop_warnings():
            print(f"feedreader: {warning}", file=sys.stderr)
        marks = state.marks()
        match = _query_match(library, query, marks) if query is not None else None
        show_hidden = args.hidden or (query is not None and query.shows_hidden)
        scored = score_fields(library, library.order(order)) if args.json else {}
        out = sys.stdout
        for row in library.iter_rows(order):
            if match is not None and row.aid not in match:
                continue
            m = marks.get(row.identity, NO_MARKS)
            if (m.hidden and not show_hidden) or (args.unread and m.read) or (args.flagged and not m.flagged):
                continue
            if args.json:
                item = {
                    "id": row.id,
                    "title": row.title,
                    "provider": row.provider,
                    "published": iso_utc(row.published),
                    "quality": row.quality,
                    "score": row.score,
                    "score_reasons": scored.get(row.aid, (None, []))[1],
                    "story": stories.story(row.aid) if stories else None,
                    "url": row.url,
                    "path": row.path,
                    "topics": list(row.topics),
                    "read": m.read,
                    "hidden": m.hidden,
                    "flagged": m.flagged,
                }
                out.write(json.dumps(item, ensure_ascii=False) + "\n")
            else:
                quality = "  -" if row.quality is None else f"{row.quality:3d}"
                mark = ("★" if m.flagged else " ") + (" " if m.read else "●") + ("⊘" if m.hidden else " ")
                out.write(
                    f"{row.id} {mark} {local_time(row.published):16}  {quality}  {row.provider[:20]:20}  {row.title}\n"
                )
    return 1 if bad_sources else 0


def _parse_query_arg(text: str):
    """The parsed ``--query``, or None after printing the mistake (with a caret)."""
    from feedreader.core.library.query import QueryError, parse_query

    try:
        return parse_query(text)
    except QueryError as exc:
        print(f"feedreader: --query: {exc.message}\n  {text}\n  {exc.pointer()}", file=sys.stderr)
        return None


def _query_match(library, query, marks) -> set[int] | None:
    """The keys ``query`` matches (marks by identity are turned into keys for ``is:``)."""
    bits: dict[int, int] = {}
    if query.uses_marks:
        from feedreader.core.ids import aid_of_identity
        from feedreader.core.marks.bits import bits_of

        for identity, m in marks.items():
            value = bits_of(m)
            if value:
                bits[aid_of_identity(identity)] = value
    return library.search(query, marks=bits).match


def _find(ctx: Context, library, text: str):
    article, why = find_article(library, text, ctx.library_name)
    if article is None:
        ctx.print_source_problems(library)
        print(f"feedreader: {why}", file=sys.stderr)
    return article


def _marks_of(ctx: Context, article) -> dict[str, bool]:
    with ctx.read_marks() as state:
        for warning in state.pop_warnings():
            print(f"feedreader: {warning}", file=sys.stderr)
        m = state.get(article.identity)
    return {"read": m.read, "hidden": m.hidden, "flagged": m.flagged}


def marks_text(marks: dict[str, bool]) -> str:
    """'unread', 'read, flagged', 'unread, hidden'."""
    words = ["read" if marks["read"] else "unread"]
    words += [name for name in ("hidden", "flagged") if marks[name]]
    return ", ".join(words)


def cmd_show(args: argparse.Namespace) -> int:
    from feedreader.core.documents.codec import article_to_dict

    ctx = Context.from_args(args)
    with ctx.open_library() as library:
        article = _find(ctx, library, args.id)
        if article is None:
            return 1
        if args.text:
            return _show_text(ctx, article)
        marks = _marks_of(ctx, article)
        if args.json:
            print(json.dumps({**article_to_dict(article), **marks}, ensure_ascii=False, indent=2))
        else:
            from feedreader.core.detail import detail_lines

            lines = detail_lines(article)
            at = next((n for n, line in enumerate(lines) if line.startswith("id:")), len(lines) - 1) + 1
            lines.insert(at, f"marks:     {marks_text(marks)}")
            for line in lines:
                print(line)
    return 0


def _show_text(ctx: Context, article) -> int:
    from feedreader.core.web.fetch import fetch_urls
    from feedreader.core.text import url_problem

    if not article.url:
        raw = article.original_url or article.web_url
        print(f"feedreader: no page to read: {url_problem(raw) if raw else 'the article has no link'}",
              file=sys.stderr)
        return 1
    cache = ctx.open_page_cache()
    if not cache.status(article.url).cached:
        [result] = fetch_urls([article.url], ctx.settings.fetch, cache,
                              allow_private=ctx.settings.allow_private_hosts)
        if not result.ok:
            print(f"feedreader: could not fetch {article.url}: {result.error}", file=sys.stderr)
            return 1
    readable = cache.readable(article.url)
    if readable is None or not (readable.text or readable.links):
        print(f"feedreader: no readable text found on {article.url}", file=sys.stderr)
        return 1
    print(readable.title or article.title)
    print(article.url)
    print()
    print(readable.text)
    if readable.links:
        print("\nLinks")
        for n, link in enumerate(readable.links, 1):
            print(f"[{n}] {link}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    ctx = Context.from_args(args)
    ctx.print_settings_problems()
    with ctx.open_library() as library:
        problems = library.problems(ctx.scan_problems)
        count = library.count()
        files = library.index.file_count()
    for problem in problems:
        print(problem)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    print(
        f"{plural(files, 'file')}, {plural(count, 'article')}; {errors:,} unreadable, {warnings:,} with dropped fields",
        file=sys.stderr,
    )
    return 1 if problems else 0
