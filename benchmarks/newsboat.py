"""newsboat on the same articles, for the ratios in ``run.py`` (skipped when absent).

    .venv/bin/python benchmarks/newsboat.py CORPUS [--runs 3]

The corpus becomes one RSS 2.0 file (title, link, guid, pubDate, description =
the excerpt, categories = the topics), served by a small ``http.server`` on
127.0.0.1 in a thread. newsboat gets a temporary HOME, urls file, config and
cache, and is measured three ways:

* **reload** (fetch + store): ``newsboat -u urls -c cache.db -C config -x reload``
  from an empty cache; wall time and peak RSS (wait4) of the process.
* **start** (to the feed list): newsboat started in a detached tmux session of
  200x50 (a tmux server of its own, on its own socket) on the stored cache; ``tmux capture-pane`` is polled every 10 ms
  until the feed list line (with the article count) is on the screen.
* **open** (the feed's article list): Enter on the feed, then polling until
  the newest article's title is on the screen (``article-sort-order
  date-asc``, which in newsboat 2.21 puts the newest first, like feedreader).

Start and open include tmux's own latency and the 10 ms polling interval;
both are small next to the figures. Wall times, medians over the runs.
"""

from __future__ import annotations

import argparse
import email.utils
import http.server
import json
import os
import shutil
import socketserver
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from xml.sax.saxutils import escape

FEED_TITLE = "feedreader benchmark corpus"


def available() -> str | None:
    """newsboat's version line, or None when newsboat or tmux is missing."""
    if not shutil.which("newsboat") or not shutil.which("tmux"):
        return None
    try:
        out = subprocess.run(["newsboat", "-v"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return out.splitlines()[0].strip() if out else "newsboat"


# --------------------------------------------------------------------------
# the corpus as one RSS file (built from the feedreader index of the corpus)

def write_rss(index_db: Path, out: Path) -> dict:
    """One RSS item per indexed article; returns {"items", "newest_title", "bytes"}."""
    import sqlite3

    conn = sqlite3.connect(f"file:{index_db}?mode=ro", uri=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    newest = (None, None)
    count = 0
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>\n')
        fh.write(f"<title>{FEED_TITLE}</title><link>https://example.com/</link>"
                 "<description>generated articles</description>\n")
        rows = conn.execute(
            "SELECT title, url, published, topics, excerpt FROM articles "
            "ORDER BY published IS NULL, published DESC, aid"
        )
        for title, url, published, topics, excerpt in rows:
            excerpt = excerpt or ""
            if newest[0] is None:
                newest = (title, published)
            fh.write("<item>")
            fh.write(f"<title>{escape(title)}</title>")
            if url:
                fh.write(f"<link>{escape(url)}</link><guid>{escape(url)}</guid>")
            if published is not None:
                fh.write(f"<pubDate>{email.utils.formatdate(published, usegmt=True)}</pubDate>")
            fh.write(f"<description>{escape(excerpt)}</description>")
            for topic in (topics or "").split("\x1f"):
                if topic:
                    fh.write(f"<category>{escape(topic)}</category>")
            fh.write("</item>\n")
            count += 1
        fh.write("</channel></rss>\n")
    conn.close()
    os.replace(tmp, out)
    return {"items": count, "newest_title": newest[0], "bytes": out.stat().st_size}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


class Server:
    """http.server on 127.0.0.1 (a free port) serving one folder, in a thread."""

    def __init__(self, folder: Path) -> None:
        handler = lambda *a, **k: _Quiet(*a, directory=str(folder), **k)  # noqa: E731
        socketserver.TCPServer.allow_reuse_address = True
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "Server":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# --------------------------------------------------------------------------
# measuring

# a tmux server of our own (its own socket): never a session inside someone else's server
TMUX_SOCKET = f"feedreader-bench-{os.getpid()}"


def _tmux(*args: str, check: bool = True) -> str:
    out = subprocess.run(["tmux", "-L", TMUX_SOCKET, *args], capture_output=True, text=True, timeout=30)
    if check and out.returncode != 0:
        raise RuntimeError(f"tmux {' '.join(args)}: {out.stderr.strip()}")
    return out.stdout


class Newsboat:
    def __init__(self, work: Path, rss_name: str, port: int) -> None:
        self.work = work
        self.home = work / "home"
        self.home.mkdir(parents=True, exist_ok=True)
        self.urls = work / "urls"
        self.urls.write_text(f"http://127.0.0.1:{port}/{rss_name}\n")
        self.config = work / "config"
        self.config.write_text(
            "article-sort-order date-asc\n"   # newest first in newsboat 2.21 (date-desc: oldest first)
            "show-read-feeds yes\n"
            "max-items 0\n"
            "reload-threads 1\n"
            "confirm-exit no\n"
            "cleanup-on-quit no\n"
            "notify-program \"\"\n"
        )
        self.cache = work / "cache.db"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TMUX", "NEWSBOAT"))},
            "HOME": str(self.home), "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_DATA_HOME": str(self.home / ".local/share"), "TERM": "xterm-256color",
            "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
        }

    def argv(self, *extra: str) -> list[str]:
        return ["newsboat", "-u", str(self.urls), "-c", str(self.cache), "-C", str(self.config), *extra]

    def reload(self) -> dict:
        for suffix in ("", "-journal", ".lock"):
            Path(f"{self.cache}{suffix}").unlink(missing_ok=True)
        t0 = time.perf_counter()
        proc = subprocess.Popen(self.argv("-x", "reload"), env=self.env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)
        _pid, status, rusage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        if proc.returncode != 0:
            raise RuntimeError(f"newsboat reload failed ({proc.returncode}): {err.strip()[:300]}")
        return {"seconds": seconds, "cpu_s": rusage.ru_utime + rusage.ru_stime,
                "peak_rss_mb": rusage.ru_maxrss / 1024}

    def start_and_open(self, newest_title: str, timeout: float = 120.0) -> dict:
        session = f"nbbench{os.getpid()}"
        _tmux("kill-session", "-t", session, check=False)
        command = " ".join(_shell_quote(a) for a in self.argv())
        env_prefix = " ".join(f"{k}={_shell_quote(v)}" for k, v in self.env.items()
                              if k in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "LANG", "LC_ALL"))
        needle_title = newest_title[:40]
        try:
            t0 = time.perf_counter()
            _tmux("new-session", "-d", "-s", session, "-x", "200", "-y", "50", f"env {env_prefix} {command}")
            start = _poll(session, lambda s: FEED_TITLE in s and "(" in s, t0, timeout)
            t1 = time.perf_counter()
            _tmux("send-keys", "-t", session, "Enter")
            opened = _poll(session, lambda s: needle_title in s, t1, timeout)
            _tmux("send-keys", "-t", session, "q")
            time.sleep(0.2)
            _tmux("send-keys", "-t", session, "q")
            _wait_gone(session, 20)
        finally:
            _tmux("kill-session", "-t", session, check=False)
            _tmux("kill-server", check=False)
            socket = Path(os.environ.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}" / TMUX_SOCKET
            socket.unlink(missing_ok=True)
        return {"start_seconds": start, "open_seconds": opened}


def _shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _poll(session: str, found, t0: float, timeout: float) -> float | None:
    while True:
        screen = _tmux("capture-pane", "-p", "-t", session, check=False)
        now = time.perf_counter()
        if found(screen):
            return now - t0
        if now - t0 > timeout:
            return None
        time.sleep(0.01)


def _wait_gone(session: str, timeout: float) -> None:
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        if subprocess.run(["tmux", "-L", TMUX_SOCKET, "has-session", "-t", session],
                          capture_output=True).returncode != 0:
            return
        time.sleep(0.1)


def measure(index_db: Path, rss: Path, runs: int, work_root: Path, log=print) -> dict:
    """Median figures over ``runs``; the RSS file is (re)built from ``index_db`` when missing."""
    version = available()
    if version is None:
        return {"skipped": "newsboat or tmux is not installed"}
    if not rss.exists():
        log(f"  writing {rss.name} from the index …")
        meta = write_rss(index_db, rss)
        _meta_path(rss).write_text(json.dumps(meta))
    meta = json.loads(_meta_path(rss).read_text())
    reloads, cpus, starts, opens, peaks = [], [], [], [], []
    with Server(rss.parent) as server:
        for run in range(runs):
            work = Path(tempfile.mkdtemp(prefix="nb-", dir=work_root))
            try:
                nb = Newsboat(work, rss.name, server.port)
                r = nb.reload()
                reloads.append(r["seconds"])
                cpus.append(r["cpu_s"])
                peaks.append(r["peak_rss_mb"])
                s = nb.start_and_open(meta["newest_title"])
                if s["start_seconds"] is not None:
                    starts.append(s["start_seconds"])
                if s["open_seconds"] is not None:
                    opens.append(s["open_seconds"])
                log(f"  newsboat run {run + 1}: reload {r['seconds']:.2f} s (CPU {r['cpu_s']:.2f} s), start {_f(s['start_seconds'])}, "
                    f"open {_f(s['open_seconds'])}, peak {r['peak_rss_mb']:.0f} MB")
            finally:
                shutil.rmtree(work, ignore_errors=True)
    med = lambda xs: statistics.median(xs) if xs else None  # noqa: E731
    return {
        "version": version,
        "items": meta["items"],
        "rss_bytes": meta["bytes"],
        "reload_s": med(reloads),
        "reload_cpu_s": med(cpus),     # user + system, all its threads (it reloads with one)
        "start_s": med(starts),
        "open_s": med(opens),
        "start_plus_open_s": (med(starts) + med(opens)) if starts and opens else None,
        "reload_peak_rss_mb": med(peaks),
        "runs": {"reload_s": reloads, "reload_cpu_s": cpus, "start_s": starts, "open_s": opens, "peak_rss_mb": peaks},
    }


def _meta_path(rss: Path) -> Path:
    return rss.with_name(rss.name + ".json")


def _f(value: float | None) -> str:
    return "timeout" if value is None else f"{value:.2f} s"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("index_db", type=Path, help="a feedreader index of the corpus (run.py builds one)")
    p.add_argument("--rss", type=Path, required=True, help="where the RSS file is (built when missing)")
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="newsboat-bench-"))
    try:
        print(json.dumps(measure(args.index_db, args.rss, args.runs, work), indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
