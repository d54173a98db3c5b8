"""What every command needs: the session (paths, settings, sources), the
library brought up to date with progress on stderr, and the shared options."""

from __future__ import annotations

import argparse
import io
import logging
import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from feedreader.session import Session

if TYPE_CHECKING:
    from feedreader.core.library.library import Library
    from feedreader.core.marks.readonly import ReadOnlyMarks
    from feedreader.core.model import Article, Problem

log = logging.getLogger("feedreader")


def add_common_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("locations")
    group.add_argument("--data-dir", metavar="DIR", help="where marks live (env FEEDREADER_DATA_DIR)")
    group.add_argument("--cache-dir", metavar="DIR", help="index and page cache (env FEEDREADER_CACHE_DIR)")
    group.add_argument("--config-dir", metavar="DIR", help="where config.toml is (env FEEDREADER_CONFIG_DIR)")


def add_paths_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="document files or folders (default: the config's sources, else the built-in samples)",
    )


@dataclass
class Context(Session):
    """A command's session: the library it opens is brought up to date first."""

    scan_problems: list[Problem] = field(default_factory=list)   # from the last refresh

    def open_library(self, *, refresh: bool = True, quiet: bool = False, make_feed_folder: bool = False) -> Library:
        """Open the library and bring its index up to date (progress on stderr).
        A command makes no feed entries folder (``Session.open_library``)."""
        from feedreader.cli.progress import ProgressBar

        library = super().open_library(make_feed_folder=make_feed_folder)
        if library.index.notice:
            log.warning("%s", library.index.notice)
        self.scan_problems = []
        if refresh:
            with ProgressBar("indexing", stream=io.StringIO() if quiet else None) as bar:
                report = library.refresh(progress=lambda d, t: bar.update(d, t))
            self.scan_problems = self.quiet_feed_folder(report.problems)
        return library

    def print_settings_problems(self) -> None:
        for problem in self.settings.problems:
            print(f"feedreader: {problem}", file=sys.stderr)

    def read_marks(self) -> ReadOnlyMarks:
        """The marks for a command that only looks: read without writing the
        marks database (none, and no file created, when there is none)."""
        from feedreader.core.marks.readonly import open_read_only

        return open_read_only(self.paths.state_db)

    def source_problems(self, library: Library) -> list[str]:
        """Why a source itself (a PATH given, or a config ``sources`` entry)
        gave nothing: missing, unreadable, or a file that is not a document.
        Problems of files inside a folder are ``check``'s business."""
        from feedreader.core.text import clean_text

        named: dict[str, str] = {}
        for source in self.sources:
            named[str(source)] = str(source)
            try:
                named[str(source.resolve())] = str(source)
            except (OSError, RuntimeError):
                pass
        out = []
        for problem in library.problems(self.scan_problems):
            if problem.severity == "error" and problem.path in named:
                message = problem.message
                if os.path.isfile(named[problem.path]) and not message.startswith("cannot "):
                    message = f"not a document ({message})"
                out.append(f"{clean_text(named[problem.path], limit=4096)}: {message}")
        return list(dict.fromkeys(out))

    def print_source_problems(self, library: Library) -> bool:
        """Print :meth:`source_problems` on stderr; True when there were any."""
        problems = self.source_problems(library)
        for problem in problems:
            print(f"feedreader: {problem}", file=sys.stderr)
        return bool(problems)


def find_article(library: Library, text: str, where: str) -> tuple[Article | None, str | None]:
    """The article ``text`` names (its id, or a unique prefix of 4+ hex digits),
    else None and a sentence saying why: not an id, too short, no such
    article, or more than one."""
    from feedreader.core.ids import aid_from_id
    from feedreader.core.library.library import AmbiguousId
    from feedreader.core.text import clean_text, plural

    wanted = text.strip().lower()
    shown = repr(clean_text(text, limit=40))
    if not wanted or len(wanted) > 16 or any(c not in "0123456789abcdef" for c in wanted):
        return None, (f"{shown} is not an article id: ids are 16 hex digits, as 'feedreader list' "
                      "shows (a unique prefix of 4 or more will do)")
    if len(wanted) < 4:
        lo, hi = aid_from_id(wanted.ljust(16, "0")), aid_from_id(wanted.ljust(16, "f"))
        n = library.index.conn.execute(
            "SELECT count(*) FROM articles WHERE aid BETWEEN ? AND ?", (lo, hi)
        ).fetchone()[0]
        if not n:
            return None, (f"no article with an id starting with {shown} in {where}; "
                          "give at least 4 hex digits of an id, as 'feedreader list' shows")
        return None, (f"{shown} is too short: give at least 4 hex digits of the id "
                      f"(it matches {plural(n, 'article')} in {where})")
    try:
        article = library.resolve_id(wanted)
    except AmbiguousId as exc:
        return None, str(exc)
    if article is None:
        return None, f"no article with id {shown} in {where}"
    return article, None

