"""Which browser opens a link, and how: the ``browser`` setting, ``$BROWSER``, the system's.

A browser is an argv list (``%u``, or webbrowser's ``%s``, is the URL; with
neither, the URL is the last word) and is started without a shell. A text
browser (w3m, lynx, links, elinks, less, more, ...) needs the terminal: the
app suspends itself while it runs (``App.suspend``) and comes back after.
That is decided by ``browser_in_terminal``, else by the browser's name. A
graphical browser is started detached, its output going nowhere, so nothing
it (or a script) prints draws over the app.

``$BROWSER`` is a list of commands separated by ``os.pathsep`` (as Python's
``webbrowser`` reads it); the first one found on ``PATH`` is used. With
neither setting nor ``$BROWSER``, Python's ``webbrowser`` picks the
system's default (xdg-open, open, ...).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import termios
import time
import webbrowser
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath

TEXT_BROWSERS = frozenset({
    "w3m", "lynx", "links", "links2", "elinks", "less", "more", "most", "browsh", "carbonyl", "chawan", "cha",
})

HOLD_UNDER = 1.0    # seconds: a text browser failing sooner leaves its words until enter (Browser.run_in_terminal)

__all__ = ["HOLD_UNDER", "TEXT_BROWSERS", "Browser", "is_text_browser"]


def is_text_browser(program: str) -> bool:
    """``program`` (a path or a name) is a known text-mode browser or pager."""
    return PurePath(program).name.lower() in TEXT_BROWSERS


def _argv(words: Sequence[str], url: str) -> list[str]:
    if any("%u" in w or "%s" in w for w in words):
        return [w.replace("%u", url).replace("%s", url) for w in words]
    return [*words, url]


@dataclass(frozen=True)
class Browser:
    """How links are opened: ``words`` (argv with ``%u``) or, when empty, the system's default."""

    words: tuple[str, ...] = ()
    in_terminal: bool = False
    source: str = "system"       # "setting", "$BROWSER" or "system": for messages

    @classmethod
    def choose(cls, setting: Sequence[str], in_terminal: bool | None,
               environ: Mapping[str, str] | None = None) -> Browser:
        """The setting, else the first usable command of ``$BROWSER``, else the system's."""
        env = os.environ if environ is None else environ
        if setting:
            words = tuple(setting)
            return cls(words, is_text_browser(words[0]) if in_terminal is None else in_terminal, "setting")
        for command in (env.get("BROWSER") or "").split(os.pathsep):
            try:
                words = tuple(shlex.split(command))
            except ValueError:
                continue
            if words and shutil.which(words[0], path=env.get("PATH")):
                return cls(words, is_text_browser(words[0]) if in_terminal is None else in_terminal, "$BROWSER")
        return cls((), False, "system")

    @property
    def name(self) -> str:
        return PurePath(self.words[0]).name if self.words else "the system's browser"

    def argv(self, url: str) -> list[str]:
        return _argv(self.words, url)

    def start_detached(self, url: str) -> bool:
        """Start a graphical browser (a thread's work): no shell, no terminal, its own session.
        False: no browser could be started."""
        if not self.words:
            return webbrowser.open(url, new=2)
        subprocess.Popen(
            self.argv(url), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, close_fds=True,
        )
        return True

    def run_in_terminal(self, url: str, *, hold_under: float = HOLD_UNDER) -> int:
        """Run a text browser in the terminal (the caller has suspended the app)
        and wait for it. One that fails within ``hold_under`` seconds (``less``
        on a URL says "No such file or directory" and ends with status 1) keeps
        its last words on the terminal until the user presses enter, instead of
        having them painted over by the app at once."""
        started = time.monotonic()
        code = subprocess.run(self.argv(url), check=False).returncode
        if code != 0 and time.monotonic() - started < hold_under:
            hold(f"{self.name} ended at once (status {code}). Press enter to go back to feedreader.")
        return code


def hold(line: str) -> None:
    """Say ``line`` on the terminal and wait for enter (the terminal is the
    user's: the app is suspended). The terminal is put in line mode for it
    (a failed text browser may leave it raw, and Textual's mode reads nothing)."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return      # no terminal to ask on: go back at once
    try:
        before = termios.tcgetattr(fd)
        mode = termios.tcgetattr(fd)
        mode[0] |= termios.ICRNL
        mode[3] |= termios.ICANON | termios.ECHO
        mode[6][termios.VMIN], mode[6][termios.VTIME] = 1, 0
        termios.tcsetattr(fd, termios.TCSANOW, mode)
        termios.tcflush(fd, termios.TCIFLUSH)
        try:
            os.write(fd, ("\r\n" + line + " ").encode("utf-8", "replace"))
            while True:
                got = os.read(fd, 256)
                if not got or b"\n" in got or b"\r" in got:
                    break
        finally:
            termios.tcsetattr(fd, termios.TCSANOW, before)
    except (OSError, termios.error):
        pass
    finally:
        os.close(fd)
