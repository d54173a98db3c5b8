"""The ``feedreader`` command: the app by default, or a headless command.

``feedreader [PATH...]`` opens the reader; ``feedreader COMMAND ...`` runs a
command (``list``, ``show``, ``check``, ``mark``, ``state``, ``prefetch``,
``feed``, ``cache``, ...); an unknown word that is no existing path is an
unknown command (with the nearest one), not a folder to open.
Each group of commands lives in its own module with ``register(subparsers)``;
the UI is imported only when the app runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from feedreader import __version__
from feedreader.core.library.orders import ORDERS
from feedreader.cli.common import Context, add_common_options, add_paths_argument

COMMAND_MODULES: tuple[str, ...] = (
    "feedreader.cli.library_cmds",
    "feedreader.cli.state_cmds",
    "feedreader.cli.fetch_cmds",
    "feedreader.cli.feed_cmds",
    "feedreader.cli.cache_cmds",
    "feedreader.cli.sync_cmds",
    "feedreader.cli.rules_cmds",
)
_OPTIONS_WITH_VALUES = {"--data-dir", "--cache-dir", "--config-dir", "--sort"}


def build_parser() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser, set[str]]:
    """(the app's parser, the commands' parser, the command names)."""
    commands = argparse.ArgumentParser(
        prog="feedreader",
        description="A keyboard-driven terminal reader for curated news.",
        epilog="Run 'feedreader [PATH...]' to open the reader, 'feedreader COMMAND --help' for a command.",
    )
    commands.add_argument("--version", action="version", version=f"feedreader {__version__}")
    sub = commands.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    names = set(sub.choices)

    app = argparse.ArgumentParser(
        prog="feedreader",
        description=(
            "A keyboard-driven terminal reader for curated news. Opens the reader on PATH "
            "(files or folders of articles), else on the config's sources, else on the "
            "built-in samples. Press ? inside for the keys."
        ),
        epilog="commands: " + ", ".join(sorted(names)) + " (feedreader COMMAND --help)",
    )
    app.add_argument("--version", action="version", version=f"feedreader {__version__}")
    app.add_argument("--sort", choices=ORDERS, help="initial order of the list")
    add_common_options(app)
    add_paths_argument(app)
    app.set_defaults(func=_run_app, command=None)
    return app, commands, names


def _first_word(argv: Sequence[str]) -> str | None:
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--":
            return None
        if arg.startswith("-"):
            skip = arg in _OPTIONS_WITH_VALUES
            continue
        return arg
    return None


def _run_app(args: argparse.Namespace) -> int:
    from feedreader.ui.run import run_app

    return run_app(args)


def _damaged_index(args: argparse.Namespace, exc: Exception) -> int:
    """A damaged article index (a disposable cache) is deleted with a word to
    the user instead of a traceback; other database errors go on up."""
    from feedreader.core.library.index import damaged, index_damaged, index_path_for, remove_index

    if not damaged(exc):
        raise exc
    ctx = Context.from_args(args)
    path = index_path_for(ctx.paths.cache_dir, ctx.sources)
    if not path.exists() or not index_damaged(path):
        raise exc
    remove_index(path)
    print(f"feedreader: the article index {path} was damaged ({exc}) and has been deleted;"
          " it is rebuilt from your documents next time (your marks are kept elsewhere and are safe)."
          " Run the command again.", file=sys.stderr)
    return 1


def _looks_like_a_command(word: str) -> bool:
    """A bare word ("bogus", "lsit"), not something written as a path."""
    return bool(word) and word.replace("-", "").replace("_", "").isalnum() and "." not in word


def _missing_paths(args: argparse.Namespace, names: set[str]) -> int | None:
    """Exit status 2 for an unknown command, 1 for a PATH that is not there;
    None when the app may open on its paths."""
    import difflib
    from pathlib import Path

    for n, given in enumerate(getattr(args, "paths", None) or []):
        if Path(given).expanduser().exists():
            continue
        if n == 0 and _looks_like_a_command(given):
            close = difflib.get_close_matches(given, sorted(names), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            print(f"feedreader: unknown command '{given}'{hint} (commands: {', '.join(sorted(names))}; "
                  "a file or folder to read must exist)", file=sys.stderr)
            return 2
        print(f"feedreader: {given}: no such file or folder", file=sys.stderr)
        return 1
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    app, commands, names = build_parser()
    word = _first_word(argv)
    if word in names:
        args = commands.parse_args(argv)
    else:
        args = app.parse_args(argv)
        status = _missing_paths(args, names)
        if status is not None:
            return status
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("feedreader: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `feedreader list | head`: the reader went away; that's fine (and
        # nothing is flushed into the closed pipe at exit)
        sys.stdout = None
        return 0
    except Exception as exc:
        sqlite3 = sys.modules.get("sqlite3")   # (not imported by the CLI itself: start-up time)
        if sqlite3 is None or not isinstance(exc, sqlite3.DatabaseError):
            raise
        return _damaged_index(args, exc)
COMMAND_MODULES += ("feedreader.cli.story_cmds",)   # stories (issue 15)
