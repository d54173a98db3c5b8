"""Run `feedreader` in a real pseudo-terminal and capture every byte it writes."""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time


class Terminal:
    """``with Terminal(args) as t: t.wait_for(b"articles"); t.send("q")``."""

    def __init__(self, args: list[str], cols: int = 120, rows: int = 40, env: dict | None = None) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        environ = dict(os.environ if env is None else env)
        environ.update({"TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)})
        environ.pop("TEXTUAL", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "feedreader", *args],
            stdin=slave, stdout=slave, stderr=slave, env=environ, start_new_session=True, close_fds=True,
        )
        os.close(slave)
        self.output = bytearray()

    def read(self, seconds: float = 0.1) -> None:
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            ready, _, _ = select.select([self.master], [], [], left)
            if not ready:
                return
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.output += chunk

    def wait_for(self, needle: bytes, timeout: float = 30.0) -> None:
        end = time.monotonic() + timeout
        while needle not in self.output:
            if time.monotonic() > end:
                raise AssertionError(f"{needle!r} never appeared; got {bytes(self.output[-2000:])!r}")
            if self.proc.poll() is not None:
                self.read(0.2)
                raise AssertionError(f"exited {self.proc.returncode}: {bytes(self.output[-3000:])!r}")
            self.read(0.1)

    def send(self, keys: str, pause: float = 0.0) -> None:
        os.write(self.master, keys.encode())
        if pause:
            self.read(pause)

    def wait_exit(self, timeout: float = 20.0) -> int:
        end = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < end:
            self.read(0.1)
        self.read(0.1)
        if self.proc.poll() is None:
            self.proc.kill()
            raise AssertionError("the app did not exit")
        return self.proc.returncode

    def __enter__(self) -> "Terminal":
        return self

    def __exit__(self, *exc) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)
