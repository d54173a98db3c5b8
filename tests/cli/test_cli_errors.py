"""Errors a person can act on, and the page cache commands (issue 14), as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from docs import SEED, doc, write

SEEDS = SEED.parent


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "feedreader", *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})}, cwd=cwd)


def ids_of(*args: str) -> dict[str, str]:
    proc = run("list", "--json", *args)
    assert proc.returncode == 0, proc.stderr
    return {item["title"]: item["id"] for item in map(json.loads, proc.stdout.splitlines())}


# -- unknown commands -----------------------------------------------------------------

def test_an_unknown_word_is_an_unknown_command_with_a_suggestion(tmp_path):
    proc = run("lsit", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "unknown command 'lsit'; did you mean 'list'?" in proc.stderr
    proc = run("bogus", cwd=tmp_path)
    assert proc.returncode == 2 and "unknown command 'bogus'" in proc.stderr and "did you mean" not in proc.stderr
    assert "commands: " in proc.stderr and "list" in proc.stderr


def test_a_missing_path_for_the_app_is_named(tmp_path):
    proc = run(str(tmp_path / "nope"), cwd=tmp_path)
    assert proc.returncode == 1
    assert f"{tmp_path / 'nope'}: no such file or folder" in proc.stderr


# -- the page cache -------------------------------------------------------------------

def test_cache_status_and_prune(isolated_dirs):
    from feedreader.core.web.pagecache import PageCache

    cache = PageCache(isolated_dirs["cache"] / "pages")
    now = time.time()
    for n, url in enumerate(["https://a.example/old", "https://a.example/new"]):
        cache.store(url, b"<html>" + b"x" * 600_000 + b"</html>", final_url=url, http_status=200,
                    content_type="text/html", etag=None, last_modified=None, now=now - 1000 + n)
        for suffix in (".html", ".json"):
            path = cache.dir / f"{__import__('hashlib').sha256(url.encode()).hexdigest()}{suffix}"
            os.utime(path, (now - 1000 + n * 500, now - 1000 + n * 500))
    status = run("cache", "status")
    assert status.returncode == 0, status.stderr
    assert "size:       1.2 MB of 500 MB" in status.stdout
    assert "pages:      2 pages, 0 images" in status.stdout
    assert "last read" in status.stdout
    pruned = run("cache", "prune", "--max-mb", "1")
    assert pruned.returncode == 0, pruned.stderr
    assert pruned.stdout.startswith("removed 1 page or image (600.")
    assert cache.status("https://a.example/old").state == "none"
    assert cache.status("https://a.example/new").cached
    assert "pages:      1 page, 0 images" in run("cache", "status").stdout
