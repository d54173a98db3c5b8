"""``feedreader sync``, ``sync setup`` and ``sync status`` against a real Miniflux."""

from __future__ import annotations

import json
import os
import shlex
import stat
import subprocess
import sys
from pathlib import Path

from test_engine import add_feeds, serve_feed

from feedreader.cli import main


def data_dir() -> Path:
    return Path(os.environ["FEEDREADER_DATA_DIR"])


def setup(account, *extra: str, password: str | None = None) -> int:
    secret = account.password if password is None else password
    command = shlex.join([sys.executable, "-c", f"print({secret!r})"])
    return main(["sync", "setup", account.greader_url, "--user", account.username,
                 "--password-command", command, *extra])


def test_setup_keeps_the_token_not_the_password(account, capsys, isolated_dirs):
    assert setup(account) == 0
    out = capsys.readouterr().out
    assert "logged in" in out and account.password not in out
    path = data_dir() / "sync-account.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text())
    assert stored["user"] == account.username and stored["auth"]
    everything = "".join(p.read_text(errors="replace") for d in isolated_dirs.values() if d.exists()
                         for p in d.rglob("*") if p.is_file() and p.suffix not in (".db", ".sqlite"))
    assert account.password not in everything            # not in the config, the log, or the account file
    assert main(["sync"]) == 0 and main(["sync", "status", "--json"]) == 0
    shown = capsys.readouterr()
    others = "".join(p.read_text(errors="replace") for d in isolated_dirs.values() if d.exists()
                     for p in d.rglob("*") if p.is_file() and p.name != "sync-account.json")
    assert stored["auth"] not in others + shown.out + shown.err      # the token: only in its own file


def test_setup_reads_the_environment_and_refuses_a_wrong_password(account, capsys, monkeypatch):
    monkeypatch.setenv("FEEDREADER_SYNC_PASSWORD", "not-" + account.password)
    assert main(["sync", "setup", account.greader_url, "--user", account.username]) == 1
    err = capsys.readouterr().err
    assert "wrong user name or password" in err and account.password not in err
    assert not (data_dir() / "sync-account.json").exists()
    monkeypatch.setenv("FEEDREADER_SYNC_PASSWORD", account.password)
    assert main(["sync", "setup", account.greader_url, "--user", account.username]) == 0


def test_a_failing_password_command_shows_no_output(account, capsys):
    command = shlex.join([sys.executable, "-c", "import sys; print('hunter2'); sys.exit(3)"])
    assert main(["sync", "setup", account.greader_url, "--user", account.username,
                 "--password-command", command]) == 1
    err = capsys.readouterr().err
    assert "exit status 3" in err and "hunter2" not in err


def test_an_account_file_others_can_read_is_refused(account, capsys):
    assert setup(account) == 0
    path = data_dir() / "sync-account.json"
    path.chmod(0o644)
    capsys.readouterr()
    assert main(["sync"]) == 1
    assert "may be read by other users" in capsys.readouterr().err


def test_sync_status_and_dry_run(account, feed_server, capsys):
    assert main(["sync"]) == 1
    assert "sync setup" in capsys.readouterr().err
    urls = [serve_feed(feed_server, f"Cli {n}", 6) for n in range(2)]
    add_feeds(account, [(u, "Folder") for u in urls])
    assert setup(account) == 0
    capsys.readouterr()

    assert main(["sync", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would add feed: Cli 0" in out and "dry run, nothing changed" in out and "12 new entries" in out
    assert main(["sync", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["last_sync"] is None and status["server"] == account.greader_url

    assert main(["sync"]) == 0
    out = capsys.readouterr().out
    assert "add feed: Cli 1" in out and "take 12 new entries" in out
    assert len(list((data_dir() / "feeds").glob("*/*.txt"))) == 12

    # a mark made here is queued until the next sync
    from feedreader.core.marks.store import StateStore

    link = account.entries()[0]["url"]
    with StateStore.open(data_dir() / "state.db") as marks:
        marks.set_marks([link], read=True)
    assert main(["sync", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["queued"]["read"] == 1 and status["last_sync"] and status["last_error"] is None
    assert status["items"] == 12 and status["feeds"] == 2
    assert main(["sync", "status"]) == 0
    assert "queued (made here, not yet sent): 1 read" in capsys.readouterr().out
    assert main(["sync"]) == 0
    assert "send 1 read" in capsys.readouterr().out
    assert account.entries(status="read")[0]["url"] == link


def test_a_server_that_is_down_says_why_and_retries(account, capsys, miniflux):
    assert setup(account) == 0
    capsys.readouterr()
    miniflux.kill()
    try:
        assert main(["sync", "--retries", "1"]) == 1
    finally:
        miniflux.start()
    err = capsys.readouterr().err
    assert "could not connect" in err and "trying again in 2 s" in err and "nothing was lost" in err
    assert main(["sync", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["failures_in_a_row"] == 2 and "could not connect" in status["last_error"]
    assert main(["sync"]) == 0




def test_no_terminal_no_password_source_is_refused(account, capsys, monkeypatch):
    monkeypatch.delenv("FEEDREADER_SYNC_PASSWORD", raising=False)
    done = subprocess.run([sys.executable, "-m", "feedreader", "sync", "setup", account.greader_url,
                           "--user", account.username], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 1 and "run this on a terminal" in done.stderr
