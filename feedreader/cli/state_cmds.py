"""Headless commands over the marks: ``mark``, ``state export``, ``state import``."""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from feedreader.cli.common import Context, add_common_options, find_article
from feedreader.core.files import replace_atomically
from feedreader.core.text import plural

if TYPE_CHECKING:
    from feedreader.core.marks.store import StateStore

# action -> (the StateStore.set_marks keyword and value, the past tense for messages)
ACTIONS: dict[str, tuple[str, bool, str]] = {
    "read": ("read", True, "marked read"),
    "unread": ("read", False, "marked unread"),
    "hide": ("hidden", True, "hidden"),
    "unhide": ("hidden", False, "unhidden"),
    "flag": ("flagged", True, "flagged"),
    "unflag": ("flagged", False, "unflagged"),
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "mark",
        help="mark articles read/unread, hide/unhide, flag/unflag",
        description=(
            "Set a mark on one or more articles, by id (16 hex digits, or a unique prefix of 4 or "
            "more, as shown by 'feedreader list'). Every id is checked first: if any is unknown "
            "or ambiguous, nothing is changed and the exit status is 1."
        ),
    )
    p.add_argument("action", choices=tuple(ACTIONS), help="what to do")
    p.add_argument("ids", nargs="+", metavar="ID", help="article ids")
    p.add_argument(
        "--path",
        dest="paths",
        action="append",
        default=[],
        metavar="PATH",
        help="document file or folder to look the ids up in (repeatable; default: the config's "
        "sources, else the built-in samples)",
    )
    add_common_options(p)
    p.set_defaults(func=cmd_mark)

    p = sub.add_parser(
        "state",
        help="export or import the marks (JSON)",
        description="Export the marks to a JSON file, or merge such a file into them.",
    )
    state_sub = p.add_subparsers(dest="state_command", metavar="SUBCOMMAND", required=True)

    e = state_sub.add_parser(
        "export",
        help="write all marks as JSON",
        description=(
            'Write every mark as one JSON document ({"format": "feedreader-state", "version": 1, '
            '"exported_at": ..., "marks": [...]}) to FILE (replaced atomically), or to standard '
            "output when FILE is missing or '-'."
        ),
    )
    e.add_argument("file", nargs="?", metavar="FILE", help="where to write (default: standard output)")
    add_common_options(e)
    e.set_defaults(func=cmd_export)

    i = state_sub.add_parser(
        "import",
        help="merge marks from a JSON export",
        description=(
            "Merge the marks of an export file into yours: for each article, the file's marks win "
            "when they are newer than yours (its updated_at), yours stay otherwise. The whole file "
            "is checked first; a bad file is rejected with the reason and changes nothing. "
            "'-' reads standard input."
        ),
    )
    i.add_argument("file", metavar="FILE", help="a file written by 'feedreader state export'")
    add_common_options(i)
    i.set_defaults(func=cmd_import)


def _err(message: str) -> None:
    print(f"feedreader: {message}", file=sys.stderr)


def _open_store(ctx: Context) -> StateStore:
    return ctx.open_marks()


# the store's words for the app, where marks kept in memory last until quitting;
# a one-shot command ends at once, so its change is simply not saved
_IN_MEMORY = "; your marks are kept only until you quit"


def _unsaved(store) -> bool:
    """True (after saying why) when the store cannot save changes to its file."""
    warnings = store.pop_warnings()
    if store.persistent:
        for warning in warnings:
            _err(f"warning: {warning}")
        return False
    for warning in warnings:
        _err(warning.replace(_IN_MEMORY, ""))
    if not warnings:
        _err(f"cannot save marks to {store.path}")
    return True


def resolve_ids(ctx: Context, texts: list[str]) -> tuple[list, list[str]]:
    """Look every id up in the library: (articles found, an error message per bad id)."""
    found, errors = [], []
    with ctx.open_library(quiet=True) as library:
        for text in texts:
            article, why = find_article(library, text, ctx.library_name)
            if article is None:
                errors.append(str(why))
            else:
                found.append(article)
        if errors:
            errors[:0] = ctx.source_problems(library)
    return found, errors


def cmd_mark(args: argparse.Namespace) -> int:
    ctx = Context.from_args(args)
    ctx.print_settings_problems()
    articles, errors = resolve_ids(ctx, args.ids)
    if errors:
        for message in errors:
            _err(message)
        _err("nothing was changed")
        return 1
    field, value, done = ACTIONS[args.action]
    with _open_store(ctx) as store:
        if _unsaved(store):
            _err("nothing was changed")
            return 1
        marks = {field: value}
        change = store.set_marks(articles, read=marks.get("read"), hidden=marks.get("hidden"),
                                 flagged=marks.get("flagged"))
        if _unsaved(store):
            _err(f"the change could not be saved: {plural(len(articles), 'article')} left as they were")
            return 1
    unique = len({a.identity for a in articles})
    same = unique - change.count
    note = f" ({same:,} already {'was' if same == 1 else 'were'})" if same else ""
    print(f"{plural(change.count, 'article')} {done}{note}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    ctx = Context.from_args(args)
    with _open_store(ctx) as store:
        for warning in store.pop_warnings():
            _err(f"warning: {warning}")
        if args.file in (None, "-"):
            store.export(sys.stdout)
            sys.stdout.flush()
            return 0
        target = Path(args.file).expanduser()
        try:
            def export_to(fp) -> int:
                text = io.TextIOWrapper(fp, encoding="utf-8", newline="\n")
                try:
                    return store.export(text)
                finally:
                    text.flush()
                    text.detach()

            count = replace_atomically(target, export_to, durable=True)
        except OSError as exc:
            _err(f"cannot write {target}: {exc.strerror or exc}")
            return 1
    print(f"exported the marks of {plural(count, 'article')} to {target}", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from feedreader.core.marks.store import StateFileError

    ctx = Context.from_args(args)
    name = "standard input" if args.file == "-" else args.file
    try:
        fp = sys.stdin.buffer if args.file == "-" else open(Path(args.file).expanduser(), "rb")
    except OSError as exc:
        _err(f"cannot read {name}: {exc.strerror or exc}; nothing was changed")
        return 1
    with _open_store(ctx) as store:
        if _unsaved(store):
            if fp is not sys.stdin.buffer:
                fp.close()
            _err(f"cannot import {name}: nothing was changed")
            return 1
        try:
            with fp:
                change = store.import_(fp)
        except (StateFileError, OSError) as exc:
            for warning in store.pop_warnings():
                _err(f"warning: {warning}")
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            _err(f"cannot import {name}: {reason}; nothing was changed")
            return 1
        if _unsaved(store):
            _err(f"cannot import {name}: the change could not be saved")
            return 1
    print(f"imported {name}: the marks of {plural(change.count, 'article')} changed")
    return 0
