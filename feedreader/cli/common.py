"""What every command needs: the session (paths, settings, sources), the
library brought up to date with progress on stderr, and the shared options."""

from __future__ import annotations

import argparse
import io
import logging
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from feedreader.session import Session

if TYPE_CHECKING:
    from feedreader.core.library.library import Library
    from feedreader.core.model import Problem

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

    def open_library(self, *, refresh: bool = True, quiet: bool = False) -> Library:
        """Open the library and bring its index up to date (progress on stderr)."""
        from feedreader.cli.progress import ProgressBar

        library = super().open_library()
        if library.index.notice:
            log.warning("%s", library.index.notice)
        self.scan_problems = []
        if refresh:
            with ProgressBar("indexing", stream=io.StringIO() if quiet else None) as bar:
                report = library.refresh(progress=lambda d, t: bar.update(d, t))
            self.scan_problems = report.problems
        return library

    def print_settings_problems(self) -> None:
        for problem in self.settings.problems:
            print(f"feedreader: {problem}", file=sys.stderr)

