"""`feedreader list/show/check/--version/--help` as real processes."""

from __future__ import annotations

import json
import subprocess
import sys


from docs import SEED, doc, write
from feedreader import __version__

SEEDS = SEED.parent
XPENG = "Carmaker Xpeng Deletes 430,000 Photos for Misuse of Facial Recognition"


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "feedreader", *args], capture_output=True, text=True, timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def test_list_json_prints_every_sample():
    out = run("list", "--json", str(SEEDS)).stdout.splitlines()
    items = [json.loads(line) for line in out]
    assert len(items) == len(list(SEEDS.glob("*.txt")))
    xpeng = next(i for i in items if i["title"] == XPENG)
    assert xpeng["provider"] == "Caixin Global"
    assert xpeng["published"] == "2021-12-15T12:20:00Z"
    assert xpeng["quality"] == 39
    assert xpeng["url"].startswith("https://www.caixinglobal.com/2021-12-15/")
    assert xpeng["path"].endswith("000_17b63d52bf50f52a.txt")
    assert (xpeng["read"], xpeng["hidden"], xpeng["flagged"]) == (False, False, False)
    assert len(xpeng["id"]) == 16
    published = [i["published"] for i in items]
    assert published == sorted(published, reverse=True)


def test_list_defaults_to_the_samples_and_sorts():
    default = run("list").stdout
    assert XPENG in default
    best = [json.loads(l)["quality"] for l in run("list", "--json", "--sort", "best").stdout.splitlines()]
    assert best == sorted(best, reverse=True)


def test_config_sources_replace_the_samples(tmp_path, isolated_dirs):
    folder = tmp_path / "mine"
    write(folder, "a.txt", doc("Mine only", "https://x.example.com/mine"))
    cfg = isolated_dirs["config"]
    cfg.mkdir(parents=True, exist_ok=True)
    (cfg / "config.toml").write_text(f'sources = ["{folder}"]\nsort = "best"\n')
    out = run("list").stdout
    assert "Mine only" in out and XPENG not in out


def test_bad_config_value_is_reported_and_defaults_used(isolated_dirs):
    cfg = isolated_dirs["config"]
    cfg.mkdir(parents=True, exist_ok=True)
    (cfg / "config.toml").write_text('sort = "sideways"\n')
    proc = run("list")
    assert XPENG in proc.stdout
    assert "sort must be one of newest, best, ranked" in proc.stderr


def test_show_by_id_and_prefix():
    items = [json.loads(l) for l in run("list", "--json").stdout.splitlines()]
    xpeng = next(i for i in items if i["title"] == XPENG)
    text = run("show", xpeng["id"]).stdout
    assert XPENG in text and "Caixin Global (caixinglobal.com)" in text
    assert "Xpeng Motors fined by Chinese watchdog" in text and "The Times" in text
    assert "heat: unknown" in text
    assert "4p49lwnk" not in text  # `secured` is never shown
    data = json.loads(run("show", xpeng["id"][:8], "--json").stdout)
    assert data["title"] == XPENG and len(data["related"]) == 2
    assert "secured" not in json.dumps(data)


def test_show_unknown_id_fails_clearly():
    proc = run("show", "deadbeefdeadbeef", check=False)
    assert proc.returncode == 1 and "no article with id 'deadbeefdeadbeef'" in proc.stderr


def test_check_reports_bad_files_with_exit_1(tmp_path):
    folder = tmp_path / "docs"
    write(folder, "good.txt", doc("good", "https://x.example.com/g"))
    write(folder, "broken.txt", "---\ntitle: x\nquality: [1\n---\n")
    write(folder, "typed.txt", doc("typed", "https://x.example.com/t", quality=None, extra='quality: "39"'))
    proc = run("check", str(folder), check=False)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert any(l.startswith(str(folder / "broken.txt")) and "error" in l for l in lines)
    assert any(str(folder / "typed.txt") in l and "quality" in l and "'39'" in l for l in lines)
    assert "good.txt" not in proc.stdout
    assert run("check", str(SEEDS)).returncode == 0


def test_version_and_help_on_every_command():
    assert run("--version").stdout.strip() == f"feedreader {__version__}"
    top = run("--help").stdout
    assert "PATH" in top and "commands:" in top
    for command in ("list", "show", "check", "mark", "state", "prefetch"):
        proc = run(command, "--help")
        assert proc.stdout.startswith("usage: feedreader " + command), command


def test_list_pipe_closed_early_is_not_an_error():
    proc = subprocess.run(
        f"{sys.executable} -m feedreader list | head -1", shell=True, capture_output=True, text=True, timeout=60
    )
    assert proc.stdout.count("\n") == 1 and "Traceback" not in proc.stderr


def test_show_text_fetches_then_reads_from_the_cache(tmp_path, monkeypatch):
    from helpers.httpserver import TestServer, html_page

    page = ("<html><head><title>Full story</title></head><body><article><h1>Full story</h1>"
            "<p>The complete text of the article, long enough for the extractor to keep it as content.</p>"
            "<p>A second paragraph with <a href='https://source.example.org/'>a link</a> in it, also long enough.</p>"
            "</article></body></html>")
    with TestServer() as server:
        server.route("/story", html_page(page))
        folder = tmp_path / "docs"
        write(folder, "a.txt", doc("Story", server.url("/story")))
        [item] = [json.loads(l) for l in run("list", "--json", str(folder)).stdout.splitlines()]
        refused = run("show", item["id"], str(folder), "--text", check=False)
        assert refused.returncode == 1 and "blocked" in refused.stderr and server.hits() == 0
        monkeypatch.setenv("FEEDREADER_ALLOW_PRIVATE_HOSTS", "1")
        out = run("show", item["id"], str(folder), "--text").stdout
        assert "The complete text of the article" in out and "[1] https://source.example.org/" in out
        assert server.hits("/story") == 1
    # offline now: served from the page cache
    again = run("show", item["id"], str(folder), "--text").stdout
    assert "A second paragraph" in again


def test_show_text_refuses_unsafe_links(tmp_path):
    folder = tmp_path / "docs"
    write(folder, "a.txt", doc("Bad", "file:///etc/passwd"))
    [item] = [json.loads(l) for l in run("list", "--json", str(folder)).stdout.splitlines()]
    assert item["url"] is None
    proc = run("show", item["id"], str(folder), "--text", check=False)
    assert proc.returncode == 1 and "file" in proc.stderr


def test_file_names_with_escape_bytes_are_shown_cleaned(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    evil = folder / "evil\x1b]0;pwned\x07.txt"
    evil.write_text("---\ntitle: [broken\n---\n")
    proc = run("check", str(folder), check=False)
    assert proc.returncode == 1
    # the whole OSC sequence (payload included) is dropped from the shown name
    assert "evil.txt: error" in proc.stdout and "\x1b" not in proc.stdout and "\x07" not in proc.stdout
