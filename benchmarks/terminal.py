"""Run a terminal program in a pseudo-terminal and time what it paints.

The clock starts immediately before the program is spawned (fork + exec
included) and a figure is the moment the bytes that show something arrive at
the terminal side of the pty, i.e. what a person would see. Escape sequences
are stripped from the stream, so a pattern matches text as painted on one
line (a row of a list, a header).
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Callable, Sequence

# CSI, OSC/DCS/APC... up to BEL or ST, and two/three-byte escapes
_ESCAPE = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]"
    rb"|\x1b[\]P^_X][^\x07\x1b]*(?:\x07|\x1b\\)"
    rb"|\x1b[ -/]*[0-~]"
)
_PARTIAL_TAIL = 256


def status_mb(pid: int | str, field: str) -> float | None:
    """``field`` of /proc/PID/status (VmRSS, VmHWM) in MB; ``pid`` may be "self" (None: gone)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def cpu_seconds_of(pid: int) -> float | None:
    """CPU seconds (user + system, all threads) ``pid`` has used, from /proc (None: gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")   # utime, stime


class Terminal:
    """One program in a pty of ``columns`` x ``rows``."""

    def __init__(self, argv: Sequence[str], *, env: dict[str, str], cwd: str | None = None,
                 columns: int = 200, rows: int = 50) -> None:
        self.argv = list(argv)
        self.env = env
        self.cwd = cwd
        self.columns = columns
        self.rows = rows
        self.proc: subprocess.Popen | None = None
        self.master = -1
        self.t0 = 0.0
        self.raw = bytearray()      # everything the program wrote
        self.text = ""              # the same, escape sequences removed
        self._pending = b""
        self.rusage = None
        self.found_cpu_s: float | None = None
        self.returncode: int | None = None

    # -- running -------------------------------------------------------------
    def start(self) -> "Terminal":
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", self.rows, self.columns, 0, 0))
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            self.argv, stdin=slave, stdout=slave, stderr=slave, env=self.env, cwd=self.cwd,
            start_new_session=True, close_fds=True,
        )
        os.close(slave)
        self.master = master
        return self

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system, all threads) the program's process has used so far,
        from /proc (None when it is gone or there is no /proc): on a machine busy with
        other work, the part of a wall time that is this program's own."""
        return None if self.proc is None else cpu_seconds_of(self.proc.pid)

    def _pump(self, timeout: float) -> bool:
        """Read what is available (waiting at most ``timeout``); False at EOF."""
        if self.master < 0:
            return False
        ready, _, _ = select.select([self.master], [], [], max(0.0, timeout))
        if not ready:
            return True
        try:
            data = os.read(self.master, 1 << 16)
        except OSError:
            data = b""
        if not data:
            return False
        self.raw += data
        chunk = self._pending + data
        # keep an unfinished escape sequence for the next read
        cut = chunk.rfind(b"\x1b")
        if cut != -1 and len(chunk) - cut < _PARTIAL_TAIL and not _ESCAPE.match(chunk, cut):
            self._pending, chunk = chunk[cut:], chunk[:cut]
        else:
            self._pending = b""
        self.text += _ESCAPE.sub(b"", chunk).decode("utf-8", "replace")
        return True

    def wait_for(self, found: Callable[[str], bool] | str | re.Pattern, timeout: float) -> float | None:
        """Seconds from spawn until ``found`` matches the painted text; None on timeout/exit.

        ``found`` is a substring, a compiled regex, or a function of the new text
        (everything painted since the previous ``wait_for``, with a little overlap).
        """
        if isinstance(found, str):
            needle = found
            test = lambda text: needle in text  # noqa: E731
        elif isinstance(found, re.Pattern):
            pattern = found
            test = lambda text: pattern.search(text) is not None  # noqa: E731
        else:
            test = found
        start = max(0, getattr(self, "_mark", 0) - 400)
        deadline = time.perf_counter() + timeout
        while True:
            if test(self.text[start:]):
                self._mark = len(self.text)
                self.found_cpu_s = self.cpu_seconds()   # the program's CPU time when it was found
                return self.elapsed()
            now = time.perf_counter()
            if now >= deadline:
                self._mark = len(self.text)
                return None
            if not self._pump(min(0.05, deadline - now)):
                if test(self.text[start:]):
                    return self.elapsed()
                return None

    def drain(self, seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end and self._pump(end - time.perf_counter()):
            pass

    def send(self, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode()
        os.write(self.master, data)

    def finish(self, quit_keys: bytes | str | None = b"q", timeout: float = 15.0) -> int | None:
        """Ask the program to quit, reap it (rusage kept), kill its group if it hangs."""
        assert self.proc is not None
        if quit_keys:
            try:
                self.send(quit_keys)
            except OSError:
                pass
        deadline = time.perf_counter() + timeout
        pid = self.proc.pid
        while True:
            self._pump(0.02)
            try:
                wpid, status, rusage = os.wait4(pid, os.WNOHANG)
            except ChildProcessError:
                break
            if wpid == pid:
                self.rusage = rusage
                self.returncode = os.waitstatus_to_exitcode(status)
                self.proc.returncode = self.returncode
                break
            if time.perf_counter() > deadline:
                self.kill()
                deadline = time.perf_counter() + 5
                timeout = 5
        self.close()
        return self.returncode

    def kill(self) -> None:
        """Stop the program's process group (it runs in its own session)."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def close(self) -> None:
        if self.master >= 0:
            try:
                os.close(self.master)
            except OSError:
                pass
            self.master = -1

    def own_peak_rss_mb(self) -> float | None:
        """The program's own peak RSS so far (VmHWM in /proc), while it runs: unlike
        ``peak_rss_mb`` (from wait4), no child it forked and reaped is counted."""
        return None if self.proc is None else status_mb(self.proc.pid, "VmHWM")

    @property
    def peak_rss_mb(self) -> float | None:
        return self.rusage.ru_maxrss / 1024 if self.rusage is not None else None

    def __enter__(self) -> "Terminal":
        return self.start()

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None and self.rusage is None:
            self.kill()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self.close()
