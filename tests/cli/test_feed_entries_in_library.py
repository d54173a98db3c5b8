"""Feed entries are articles: list, show and mark work on them beside the samples."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from helpers.httpserver import TestServer, html_page

from feedreader.paths import builtin_library

RSS = ("<?xml version='1.0'?><rss version='2.0'><channel><title>Wire [b]desk[/b]</title>"
       "<link>https://wire.example.com/</link>"
       "<item><guid>w-1</guid><title>Harbour bridge reopens</title>"
       "<link>https://wire.example.com/bridge</link><pubDate>Tue, 01 Dec 2026 08:00:00 GMT</pubDate>"
       "<description>The bridge reopened after repairs.</description></item>"
       "<item><guid>w-2</guid><title>Rail strike called off</title>"
       "<link>https://wire.example.com/rail</link><pubDate>Tue, 01 Dec 2026 09:00:00 GMT</pubDate>"
       "</item></channel></rss>")


def feedreader(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, FEEDREADER_ALLOW_PRIVATE_HOSTS="1")
    return subprocess.run([sys.executable, "-m", "feedreader", *args],
                          capture_output=True, text=True, timeout=120, env=env)


def rows(*args: str) -> list[dict]:
    out = feedreader("list", "--json", *args)
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_feed_entries_join_the_samples_and_take_marks(isolated_dirs):
    before = rows()
    assert before and not any(r["url"] and "wire.example.com" in r["url"] for r in before)
    with TestServer() as server:
        server.route("/wire.xml", html_page(RSS, content_type="application/rss+xml"))
        added = feedreader("feed", "add", server.url("/wire.xml"))
        assert added.returncode == 0, added.stderr
    after = rows()
    assert len(after) == len(before) + 2
    entries = {r["title"]: r for r in after if r["url"] and r["url"].startswith("https://wire.example.com/")}
    assert set(entries) == {"Harbour bridge reopens", "Rail strike called off"}
    bridge = entries["Harbour bridge reopens"]
    assert bridge["provider"] == "Wire [b]desk[/b]"         # the feed's title, as plain text
    assert bridge["published"] == "2026-12-01T08:00:00Z"
    assert not bridge["read"]

    shown = feedreader("show", bridge["id"])
    assert shown.returncode == 0, shown.stderr
    assert "Harbour bridge reopens" in shown.stdout and "The bridge reopened after repairs." in shown.stdout

    def unread() -> int:
        out = feedreader("feed", "list", "--json")
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)["unread"]

    assert unread() == 2
    marked = feedreader("mark", "read", bridge["id"])
    assert marked.returncode == 0, marked.stderr
    state = isolated_dirs["data"] / "state.db"
    before_bytes, before_mtime = state.read_bytes(), state.stat().st_mtime_ns
    assert unread() == 1
    # feed list only looks: the marks database is not written
    assert state.read_bytes() == before_bytes and state.stat().st_mtime_ns == before_mtime
    again = {r["id"]: r for r in rows()}
    assert again[bridge["id"]]["read"] is True
    assert again[entries["Rail strike called off"]["id"]]["read"] is False
    # an explicit PATH reads only that path
    only_samples = rows(str(builtin_library()))
    assert len(only_samples) == len(before) and not any(r["id"] == bridge["id"] for r in only_samples)


OLD_AND_NEW = ("<?xml version='1.0'?><rss version='2.0'><channel><title>Archive</title>"
               "<item><guid>old-1</guid><title>Old one</title><link>https://archive.example.com/1</link>"
               "<pubDate>Mon, 02 Mar 2020 08:00:00 GMT</pubDate></item>"
               "<item><guid>old-2</guid><title>Old two</title><link>https://archive.example.com/2</link>"
               "<pubDate>Mon, 02 Mar 2020 09:00:00 GMT</pubDate></item>"
               "<item><guid>new-1</guid><title>New one</title><link>https://archive.example.com/3</link>"
               "<pubDate>Tue, 01 Dec 2026 09:00:00 GMT</pubDate></item></channel></rss>")


def test_refresh_prunes_old_unflagged_entries_with_keep_days(isolated_dirs):
    import sqlite3

    config = isolated_dirs["config"]
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text("[feeds]\nkeep_days = 30\n", encoding="utf-8")
    with TestServer() as server:
        server.route("/archive.xml", html_page(OLD_AND_NEW, content_type="application/rss+xml"))
        assert feedreader("feed", "add", server.url("/archive.xml")).returncode == 0
        titles = {r["title"]: r for r in rows()}
        assert {"Old one", "Old two", "New one"} <= set(titles)
        assert feedreader("mark", "flag", titles["Old two"]["id"]).returncode == 0
        # as if the entries had been seen a year ago
        with sqlite3.connect(isolated_dirs["data"] / "feeds.sqlite") as db:
            db.execute("UPDATE entries SET first_seen = first_seen - 365 * 86400")
        out = feedreader("feed", "refresh", "--all")
        assert out.returncode == 0, out.stderr
        assert "pruned 1 entry older than 30 days (flagged ones kept)" in out.stdout
        left = {r["title"] for r in rows()}
        assert "Old one" not in left and {"Old two", "New one"} <= left
        # the feed still carries the pruned entry: it does not come back
        out = feedreader("feed", "refresh", "--all")
        assert out.returncode == 0, out.stderr
        assert "Old one" not in {r["title"] for r in rows()}


def test_the_sessions_library_knows_feed_and_folder_names(isolated_dirs):
    """The app's search box and the commands get one library from the session:
    feed:/folder: resolve through the subscriptions in both."""
    from types import SimpleNamespace

    from feedreader.session import Session

    with TestServer() as server:
        server.route("/wire.xml", html_page(RSS, content_type="application/rss+xml"))
        assert feedreader("feed", "add", server.url("/wire.xml"), "--folder", "News").returncode == 0
    out = feedreader("list", "--json", "--query", "feed:wire")
    assert out.returncode == 0, out.stderr
    assert sorted(json.loads(line)["title"] for line in out.stdout.splitlines()) == [
        "Harbour bridge reopens", "Rail strike called off"]

    session = Session.from_args(SimpleNamespace())
    library = session.open_library()
    try:
        library.refresh()
        by_feed = library.search("feed:wire rail").match
        by_folder = library.search("folder:News").match
        assert [library.rows(list(by_feed))[a].title for a in by_feed] == ["Rail strike called off"]
        assert len(by_folder) == 2
    finally:
        library.close()


def test_feed_list_counts_unread_in_a_data_dir_reached_through_a_symlink(tmp_path, isolated_dirs):
    """The index holds resolved paths: ``feed list`` counted 0 unread for every
    feed when the data dir's path went through a symlink (issue 13)."""
    real = tmp_path / "real-data"
    real.mkdir()
    link = tmp_path / "data-link"
    link.symlink_to(real, target_is_directory=True)
    env = dict(os.environ, FEEDREADER_ALLOW_PRIVATE_HOSTS="1", FEEDREADER_DATA_DIR=str(link))

    def run(*args: str) -> subprocess.CompletedProcess:
        out = subprocess.run([sys.executable, "-m", "feedreader", *args], capture_output=True, text=True,
                             timeout=120, env=env)
        assert out.returncode == 0, out.stderr
        return out

    with TestServer() as server:
        server.route("/wire.xml", html_page(RSS, content_type="application/rss+xml"))
        run("feed", "add", server.url("/wire.xml"))
    assert (real / "feeds").is_dir()
    listed = json.loads(run("feed", "list", "--json").stdout)
    assert (listed["entries"], listed["unread"]) == (2, 2)
