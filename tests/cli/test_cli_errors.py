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
    from feedreader.core.web.images import ImageCache

    ImageCache(cache.dir / "images").store("https://a.example/lead.jpg", b"\xff" * 600_000, "image/jpeg")
    status = run("cache", "status")
    assert status.returncode == 0, status.stderr
    assert "size:       1.8 MB of 500 MB (pages and images)" in status.stdout
    assert "pages:      2 pages, 1.2 MB" in status.stdout
    assert "images:     1 image, 600." in status.stdout     # the images beside the pages count too
    assert "last read" in status.stdout
    pruned = run("cache", "prune", "--max-mb", "1.3")
    assert pruned.returncode == 0, pruned.stderr
    assert pruned.stdout.startswith("removed 1 page or image (600.")
    assert cache.status("https://a.example/old").state == "none"
    assert cache.status("https://a.example/new").cached
    after = run("cache", "status").stdout
    assert "pages:      1 page, 600." in after and "images:     1 image" in after
    pruned = run("cache", "prune", "--max-mb", "0.7")     # the image (stored now) outlives the page read before
    assert "removed 1 page or image" in pruned.stdout
    assert "pages:      0 pages" in run("cache", "status").stdout


# -- read-only commands never write the marks ------------------------------------------

def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def test_read_only_commands_never_create_the_marks_database(tmp_path, isolated_dirs):
    folder = tmp_path / "docs"
    write(folder, "a.txt", doc("One", "https://x.example.com/one"))
    [one] = ids_of(str(folder)).values()
    for args in (["list", str(folder)], ["list", "--json", "--hidden", str(folder)],
                 ["list", "--query", "is:unread", str(folder)], ["show", one, str(folder)],
                 ["show", "--json", one, str(folder)], ["check", str(folder)], ["feed", "list"]):
        proc = run(*args)
        assert proc.returncode == 0, (args, proc.stderr)
        data = isolated_dirs["data"]
        assert not data.exists() or not [p for p in data.iterdir() if p.name.startswith("state.db")], args


def test_read_only_commands_leave_the_marks_database_as_it_was(tmp_path, isolated_dirs):
    folder = tmp_path / "docs"
    write(folder, "a.txt", doc("One", "https://x.example.com/one"))
    write(folder, "b.txt", doc("Two", "https://x.example.com/two"))
    ids = ids_of(str(folder))
    assert run("mark", "flag", ids["One"], "--path", str(folder)).returncode == 0
    data = isolated_dirs["data"]
    before = snapshot(data)
    assert list(before) == ["state.db"]
    time.sleep(0.02)
    for args in (["list", str(folder)], ["list", "--json", "--flagged", str(folder)],
                 ["show", ids["One"], str(folder)], ["show", "--json", ids["Two"], str(folder)],
                 ["check", str(folder)]):
        proc = run(*args)
        assert proc.returncode == 0, (args, proc.stderr)
        assert snapshot(data) == before, args
    listed = run("list", "--json", "--flagged", str(folder)).stdout
    assert [json.loads(line)["title"] for line in listed.splitlines()] == ["One"]


def test_list_hidden_marks_hidden_rows_and_show_gives_the_marks(tmp_path):
    folder = tmp_path / "docs"
    write(folder, "a.txt", doc("Kept out", "https://x.example.com/one"))
    write(folder, "b.txt", doc("Plain", "https://x.example.com/two"))
    ids = ids_of(str(folder))
    for action in ("hide", "flag", "read"):
        assert run("mark", action, ids["Kept out"], "--path", str(folder)).returncode == 0
    plain = run("list", str(folder)).stdout
    assert "Kept out" not in plain
    lines = {line.rsplit("  ", 1)[-1]: line for line in run("list", "--hidden", str(folder)).stdout.splitlines()}
    assert lines["Kept out"].startswith(f"{ids['Kept out']} ★ ⊘ ")
    assert lines["Plain"].startswith(f"{ids['Plain']}  ●  ")
    text = run("show", ids["Kept out"], str(folder)).stdout
    assert "marks:     read, hidden, flagged" in text.splitlines()
    assert "marks:     unread" in run("show", ids["Plain"], str(folder)).stdout.splitlines()
    data = json.loads(run("show", "--json", ids["Kept out"], str(folder)).stdout)
    assert (data["read"], data["hidden"], data["flagged"]) == (True, True, True)
    data = json.loads(run("show", "--json", ids["Plain"], str(folder)).stdout)
    assert (data["read"], data["hidden"], data["flagged"]) == (False, False, False)


# -- sources that give nothing, and ids ------------------------------------------------

def test_list_names_a_missing_source_and_a_file_that_is_no_document(tmp_path):
    missing = tmp_path / "nonexistent"
    proc = run("list", str(missing))
    assert proc.returncode == 1 and proc.stdout == ""
    assert f"feedreader: {missing}: cannot open: No such file or directory" in proc.stderr
    junk = tmp_path / "notes.txt"
    junk.write_text("just some words\n")
    folder = tmp_path / "docs"
    write(folder, "a.txt", doc("Good one", "https://x.example.com/one"))
    for _ in range(2):      # the second time from the index
        proc = run("list", str(junk), str(folder))
        assert proc.returncode == 1 and "Good one" in proc.stdout
        assert f"feedreader: {junk}: not a document (" in proc.stderr
    # a bad file inside a folder is check's business, not list's
    write(folder, "bad.txt", "no front matter\n")
    proc = run("list", str(folder))
    assert proc.returncode == 0 and proc.stderr == ""


def test_a_config_source_that_does_not_exist_is_named(tmp_path, isolated_dirs):
    isolated_dirs["config"].mkdir(parents=True, exist_ok=True)
    (isolated_dirs["config"] / "config.toml").write_text(f'sources = ["{tmp_path / "gone"}"]\n')
    proc = run("list")
    assert proc.returncode == 1 and f"{tmp_path / 'gone'}: cannot open" in proc.stderr


def test_short_and_wrong_ids_say_what_to_do():
    ids = list(ids_of(str(SEEDS)).values())
    taken = {i[:3] for i in ids}
    free = next(p for p in (f"{n:03x}" for n in range(4096)) if p not in taken)
    proc = run("show", free, str(SEEDS))
    assert proc.returncode == 1 and f"no article with an id starting with '{free}'" in proc.stderr
    assert "give at least 4 hex digits" in proc.stderr
    short = ids[0][:3]
    count = sum(i.startswith(short) for i in ids)
    proc = run("show", short, str(SEEDS))
    assert proc.returncode == 1
    assert f"'{short}' is too short: give at least 4 hex digits of the id (it matches {count} article" in proc.stderr
    proc = run("show", "zebra", str(SEEDS))
    assert proc.returncode == 1 and "'zebra' is not an article id: ids are 16 hex digits" in proc.stderr
    proc = run("mark", "read", short, "--path", str(SEEDS))
    assert proc.returncode == 1 and "is too short" in proc.stderr and "nothing was changed" in proc.stderr


# -- marks that cannot be saved, and counts -------------------------------------------

def test_mark_on_a_store_that_cannot_be_written_says_so_and_changes_nothing(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    ids = ids_of(str(SEEDS))
    proc = run("mark", "read", next(iter(ids.values())), "--path", str(SEEDS),
               env={"FEEDREADER_DATA_DIR": str(blocker / "data")})
    assert proc.returncode == 1
    assert proc.stdout == ""                  # no "1 article marked read"
    assert "kept only until you quit" not in proc.stderr
    assert f"cannot create {blocker}" in proc.stderr and "nothing was changed" in proc.stderr


def test_counts_use_singular_and_plural(tmp_path):
    folder = tmp_path / "docs"
    write(folder, "a.txt", doc("One", "https://x.example.com/one"))
    proc = run("check", str(folder))
    assert "1 file, 1 article;" in proc.stderr
    write(folder, "b.txt", doc("Two", "https://x.example.com/two"))
    assert "2 files, 2 articles;" in run("check", str(folder)).stderr
    ids = ids_of(str(folder))
    assert run("mark", "read", ids["One"], "--path", str(folder)).stdout.strip() == "1 article marked read"
    out = run("mark", "read", *ids.values(), "--path", str(folder)).stdout.strip()
    assert out == "1 article marked read (1 already was)"


def test_a_relative_config_source_is_read_from_the_config_folder(tmp_path, isolated_dirs):
    config = isolated_dirs["config"]
    write(config / "news", "a.txt", doc("Beside the config", "https://x.example.com/beside"))
    (config / "config.toml").write_text('sources = ["news"]\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = run("list", cwd=elsewhere)
    assert proc.returncode == 0, proc.stderr
    assert "Beside the config" in proc.stdout


def test_the_cache_cap_comes_from_the_config(isolated_dirs):
    isolated_dirs["config"].mkdir(parents=True, exist_ok=True)
    (isolated_dirs["config"] / "config.toml").write_text("[fetch]\ncache_max_mb = 0\n")
    status = run("cache", "status")
    assert "of no cap" in status.stdout and status.stderr == ""
    proc = run("cache", "prune")
    assert proc.returncode == 2 and "no cap is set" in proc.stderr
