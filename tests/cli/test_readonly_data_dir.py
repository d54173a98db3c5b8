"""With no PATH the library's sources include the feed entries folder
(``<data>/feeds``); the commands that only read (``list``, ``show``,
``check``) must still write nothing in the data dir, not even that empty
folder, and must not call its absence a problem. Real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from docs import doc, write


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "feedreader", *args], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ), cwd=cwd)


def everything_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def test_list_show_and_check_with_no_path_leave_the_data_dir_empty(tmp_path, isolated_dirs):
    docs = tmp_path / "docs"
    write(docs, "a.txt", doc("One", "https://x.example.com/one"))
    config = isolated_dirs["config"]
    config.mkdir(parents=True)
    (config / "config.toml").write_text(f"sources = [{json.dumps(str(docs))}]\n")
    data = isolated_dirs["data"]

    listed = run("list", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    [one] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert one["title"] == "One"
    for args in (["list"], ["list", "--query", "is:unread"], ["show", one["id"]], ["show", "--json", one["id"]],
                 ["check"]):
        proc = run(*args, cwd=tmp_path)
        assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
        assert "cannot open" not in proc.stdout + proc.stderr, args
        assert everything_in(data) == [], args
    assert everything_in(isolated_dirs["cache"]) != []    # (the index was written: the commands did run)


def test_the_samples_with_no_config_leave_the_data_dir_empty(tmp_path, isolated_dirs):
    for args, says in ((["list"], "Smartwatch heart alerts"), (["check"], "articles; 0 unreadable")):
        proc = run(*args, cwd=tmp_path)
        assert proc.returncode == 0, (args, proc.stderr)
        assert says in proc.stdout + proc.stderr, args
        assert "cannot open" not in proc.stdout + proc.stderr, args
        assert everything_in(isolated_dirs["data"]) == [], args


def test_a_feed_entries_folder_that_exists_is_still_read(tmp_path, isolated_dirs):
    """The entries folder, once there (a feed was added), is a source like before."""
    entries = isolated_dirs["data"] / "feeds" / "1"
    write(entries, "e.txt", doc("An entry", "https://feed.example.com/e"))
    proc = run("list", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "An entry" in [json.loads(line)["title"] for line in proc.stdout.splitlines()]
