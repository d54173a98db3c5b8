"""``feedreader stories``: the stories of the library (articles from several
providers about one event), each with its articles."""

from __future__ import annotations

import argparse
import json
import sys

from feedreader.cli.common import Context, add_common_options, add_paths_argument


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "stories",
        help="list the stories: the same event covered by several providers",
        description="Group the articles into stories (near-copies and rewrites of the same news from "
        "different providers, within 72 hours) and list each story with its articles, newest story "
        "first. The grouping is kept in the cache dir and only new or changed articles are grouped again.",
    )
    add_paths_argument(p)
    p.add_argument("--json", action="store_true",
                   help="JSON lines: one story per line: id, size, articles [{id, title, provider, published}]")
    p.add_argument("--quick", action="store_true",
                   help="group from the index alone (title, excerpt, provider, date), without reading the "
                   "files for their related coverage and body")
    add_common_options(p)
    p.set_defaults(func=cmd_stories)


def cmd_stories(args: argparse.Namespace) -> int:
    from feedreader.cli.library_cmds import iso_utc, local_time
    from feedreader.core.ids import id_from_aid
    from feedreader.core.stories.live import LiveStories

    ctx = Context.from_args(args)
    ctx.print_settings_problems()
    with ctx.open_library(quiet=args.json) as library:
        live = LiveStories(read_files=not args.quick, jobs=2)   # (it writes the index's story table too)
        live.sync(library)
        index = live.index
        assert index is not None
        stories = index.stories()
        aids = [aid for story in stories for aid in story.members]
        rows = library.rows(aids)
        out = sys.stdout
        for story in stories:
            members = [rows[a] for a in story.members if a in rows]
            if args.json:
                item = {
                    "id": story.id,
                    "size": len(members),
                    "articles": [{"id": id_from_aid(r.aid), "title": r.title, "provider": r.provider,
                                  "published": iso_utc(r.published)} for r in members],
                }
                out.write(json.dumps(item, ensure_ascii=False) + "\n")
            else:
                first = members[0] if members else None
                when = local_time(first.published) if first else ""
                out.write(f"story {story.id}  {len(members)} articles  {when}\n")
                for r in members:
                    out.write(f"  {id_from_aid(r.aid)}  {r.provider[:24]:<24}  {r.title}\n")
        if not args.json:
            from feedreader.core.text import plural

            print(f"{plural(len(stories), 'story', 'stories')} of {plural(sum(s.size for s in stories), 'article')}, "
                  f"of {plural(len(index), 'article')} in all", file=sys.stderr)
    return 0

