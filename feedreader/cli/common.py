"""What every command needs: paths, settings, sources, the library, logging."""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from feedreader.config import Settings, load_settings
from feedreader.paths import Paths, builtin_library

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
class Context:
    paths: Paths
    settings: Settings
    sources: list[Path]
    library_name: str

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> "Context":
        paths = Paths.resolve(
            data_dir=getattr(args, "data_dir", None),
            cache_dir=getattr(args, "cache_dir", None),
            config_dir=getattr(args, "config_dir", None),
        )
        setup_logging(paths)
        settings = load_settings(paths.config_file)
        for problem in settings.problems:
            log.warning("%s", problem)
        given = [Path(p).expanduser() for p in getattr(args, "paths", None) or []]
        if given:
            sources, name = given, ", ".join(p.resolve().name or str(p) for p in given)
        elif settings.sources:
            sources = [Path(s).expanduser() for s in settings.sources]
            name = ", ".join(settings.sources)
        else:
            sources, name = [builtin_library()], "samples"
        return cls(paths, settings, sources, name)

    def open_library(self, *, refresh: bool = True, quiet: bool = False):
        """Open the library and bring its index up to date (progress on stderr)."""
        from feedreader.cli.progress import ProgressBar
        from feedreader.core.library.library import Library

        library = Library.open(self.paths.cache_dir, self.sources, self.library_name)
        if library.index.notice:
            log.warning("%s", library.index.notice)
        self.scan_problems = []
        if refresh:
            with ProgressBar("indexing", stream=None if not quiet else _Null()) as bar:
                report = library.refresh(progress=lambda d, t: bar.update(d, t))
            self.scan_problems = report.problems
        return library

    def print_settings_problems(self) -> None:
        for problem in self.settings.problems:
            print(f"feedreader: {problem}", file=sys.stderr)


class _Null:
    def isatty(self) -> bool:
        return False

    def write(self, _text: str) -> None:
        pass

    def flush(self) -> None:
        pass


def setup_logging(paths: Paths) -> None:
    """Log warnings and errors to ``feedreader.log`` in the user log dir."""
    root = logging.getLogger("feedreader")
    if any(getattr(h, "_feedreader", False) for h in root.handlers):
        return
    try:
        paths.log_dir.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(paths.log_file, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler._feedreader = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
