"""feedreader.core never imports Textual, and importing the package starts nothing."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import feedreader.core


def test_core_does_not_import_textual():
    # walk_packages: the rooms are subpackages, and every module in them counts
    modules = [m.name for m in pkgutil.walk_packages(feedreader.core.__path__, "feedreader.core.")]
    assert "feedreader.core.library.library" in modules
    assert "feedreader.core.documents.parse" in modules
    code = (
        "import importlib, sys\n"
        # httpx imports its command line (click, rich, pygments) when click is
        # installed (import-linter brings it): not core's import, so kept out
        "sys.modules['httpx._main'] = None\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"core imported: {out.stdout}"


def test_importing_the_package_and_cli_is_cheap():
    code = (
        "import sys, threading\n"
        "import feedreader, feedreader.cli, feedreader.config, feedreader.paths\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'httpx', 'trafilatura', 'sqlite3'))\n"
        "print(','.join(heavy), threading.active_count())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    *heavy, threads = out.stdout.split()
    assert heavy == [], f"importing the CLI loaded {heavy}"
    assert threads == "1", "importing started a thread"
