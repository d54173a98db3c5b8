"""A text browser takes the real terminal and gives it back (issue 16): the app
runs in tmux, ``o`` starts the browser with the app suspended
(``App.suspend``), ``tmux capture-pane`` shows what the browser drew, and
after it exits the app is back and repainted.

Real parts only: tmux, the ``feedreader`` command, a browser that is a shell
script or ``less``. Skipped (with the reason) only when tmux is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

ROOT = Path(__file__).resolve().parents[2]
COLUMNS, ROWS = 100, 30
HEADER = "feedreader — samples"
APP = "-m feedreader"


class Tmux:
    """One tmux server of its own (``-L``), one window running a command."""

    def __init__(self, tmp: Path) -> None:
        self.socket = f"feedreader-test-{uuid.uuid4().hex[:10]}"
        self.tmp = tmp

    def tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args],
                              capture_output=True, text=True, timeout=20, check=False)
        return done.stdout

    def start(self, command: str, env: dict[str, str]) -> None:
        script = self.tmp / "run.sh"
        exports = "".join(f"export {k}={_quote(v)}\n" for k, v in env.items())
        # the app's exit status lands in a file; the window stays for capture-pane
        # COLUMNS/LINES from the test's environment would fix the app's size (shutil.get_terminal_size)
        script.write_text(f"#!/bin/sh\nunset COLUMNS LINES\n{exports}cd {_quote(str(ROOT))}\n{command}\necho \"EXIT $?\" > "
                          f"{_quote(str(self.tmp / 'exit'))}\nsleep 30\n")
        script.chmod(0o755)
        self.tmux("new-session", "-d", "-s", "t", "-x", str(COLUMNS), "-y", str(ROWS), str(script))

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "t")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "t", *keys)

    def wait_for(self, test, what: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if test(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; the screen:\n{screen}")

    def kill(self) -> None:
        self.tmux("kill-server")


def _quote(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"


@pytest.fixture
def tmux(tmp_path):
    t = Tmux(tmp_path)
    yield t
    t.kill()


def _env(tmp: Path, config: str = "", **extra: str) -> dict[str, str]:
    for name in ("data", "cache", "config", "log"):
        (tmp / name).mkdir(exist_ok=True)
    (tmp / "config" / "config.toml").write_text(config + "images = false\nmark_read_after = 0\n")
    env = {f"FEEDREADER_{n.upper()}_DIR": str(tmp / n) for n in ("data", "cache", "config", "log")}
    env.update(TERM="xterm-256color", TZ="UTC", LANG="C.UTF-8", LC_ALL="C.UTF-8", PATH=os.environ.get("PATH", ""),
               HOME=str(tmp))
    env.update(extra)
    return env


def _app_shown(screen: str) -> bool:
    return HEADER in screen and "●" in screen


def _whole_screen(screen: str) -> bool:
    """Every row of the terminal drawn; a capture taken during a repaint has only its top rows."""
    return len([line for line in screen.splitlines() if line.strip()]) >= ROWS - 1


def test_a_script_browser_draws_on_the_terminal_and_the_app_comes_back(tmux, tmp_path):
    marker = tmp_path / "opened"
    browser = tmp_path / "textbrowser"
    # a browser that draws on the terminal, notes the URL, waits for a key, and exits
    browser.write_text(f"#!/bin/sh\nclear\necho \"TEXT BROWSER ON $1\"\nprintf '%s' \"$1\" > {_quote(str(marker))}\n"
                       "read answer\necho \"GOT $answer\"\nsleep 0.3\n")
    browser.chmod(0o755)
    tmux.start(f"{_quote(sys.executable)} {APP}",
               _env(tmp_path, "browser_in_terminal = true\n", BROWSER=str(browser)))
    before = tmux.wait_for(_app_shown, "the app's first screen")
    first_title = [line for line in before.splitlines() if "●" in line][0]
    tmux.keys("o")
    drawn = tmux.wait_for(lambda s: "TEXT BROWSER ON http" in s, "the browser's output")
    # the browser has the terminal: the app's rows are gone from it, nothing draws over the browser
    assert HEADER not in drawn and "●" not in drawn, drawn
    url = marker.read_text()
    assert url.startswith("https://") and url in drawn.replace("\n", "")
    tmux.keys("yes", "Enter")    # the browser reads the keyboard: the app does not
    tmux.wait_for(lambda s: "GOT yes" in s or _app_shown(s), "the browser to read its line")
    # the whole screen comes back (a capture during the repaint has only its top rows: wait, don't assert)
    after = tmux.wait_for(lambda s: _app_shown(s) and _whole_screen(s), "the app to come back and repaint all rows")
    assert "TEXT BROWSER ON" not in after and "GOT yes" not in after, after
    assert first_title.strip()[1:30] in after     # (its ● went: opening it marked it read)
    # and it still takes keys: q quits with status 0
    tmux.keys("q")
    deadline = time.monotonic() + 15
    while not (tmp_path / "exit").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert (tmp_path / "exit").read_text().strip() == "EXIT 0"


def test_browser_less_on_a_file_takes_the_terminal(tmux, tmp_path):
    """``BROWSER=/usr/bin/less`` (issue 16: it failed with "No browser could be
    started"): a known text browser by its name; here less shows a file first
    (the URL, no file, is the second name)."""
    less = shutil.which("less")
    if less is None:
        pytest.skip("less is not installed")
    page = tmp_path / "page.txt"
    page.write_text("A PAGE SHOWN BY LESS\n" + "\n".join(f"line {n}" for n in range(200)))
    tmux.start(f"{_quote(sys.executable)} -m feedreader",
               _env(tmp_path, f"browser = [{_toml(less)}, {_toml(str(page))}, \"%u\"]\n", LESS="-X"))
    tmux.wait_for(_app_shown, "the app's first screen")
    tmux.keys("o")
    drawn = tmux.wait_for(lambda s: "A PAGE SHOWN BY LESS" in s, "less on the page")
    assert HEADER not in drawn
    tmux.keys("q")
    tmux.wait_for(_app_shown, "the app after less")
    tmux.keys("q")


def test_a_text_browser_that_fails_at_once_leaves_its_words_until_enter(tmux, tmp_path):
    """``less`` on a URL prints "No such file or directory" and exits 0 at once:
    the app must not paint over that before the user has read it."""
    less = shutil.which("less")
    if less is None:
        pytest.skip("less is not installed")
    tmux.start(f"{_quote(sys.executable)} -m feedreader", _env(tmp_path, f"browser = [{_toml(less)}, \"%u\"]\n"))
    tmux.wait_for(_app_shown, "the app's first screen")
    tmux.keys("o")
    held = tmux.wait_for(lambda s: "Press enter to go back" in s, "the hold after a quick exit")
    assert "No such file or directory" in " ".join(held.split()) and HEADER not in held, held
    time.sleep(1.0)
    assert "Press enter to go back" in tmux.screen()     # still held: nothing painted over it
    tmux.keys("Enter")
    tmux.wait_for(_app_shown, "the app after enter")
    tmux.keys("q")


def _toml(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
