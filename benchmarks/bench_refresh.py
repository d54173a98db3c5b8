"""Feed refresh: 300 feeds x 50 entries on 40 loopback hosts, against newsboat (issue 13).

    .venv/bin/python benchmarks/bench_refresh.py [--runs 3] [--feeds 300] [--entries 50]
        [--hosts 40] [--latency 0.1] [--json OUT]

The server (a process of its own, one asyncio HTTP/1.1 server per address
127.0.0.2 .. 127.0.0.<hosts+1>, all on one port) serves ``--feeds`` RSS 2.0
feeds of ``--entries`` items each (title, link, guid, pubDate, author,
categories, a 1-3 KB HTML description), gzip when asked, with an ETag and a
Last-Modified on every answer, 304 to a matching If-None-Match (else
If-Modified-Since), and ``--latency`` seconds added before every answer. It
counts, per phase: requests, conditional requests, 304s, feeds asked
conditionally, the most requests in flight at once overall and to one host.

Each run, on the same server, in turn (the order alternates between runs):

* **feedreader**: fresh ``FEEDREADER_*_DIR``s, a config with
  ``allow_private_hosts = true``, ``[fetch] jobs = 16, per_host = 2`` and an
  empty document folder as its only source; ``feedreader feed import
  feeds.opml`` (not timed), then ``feedreader feed refresh --all`` twice
  (first: every feed is new; second: every feed answers 304), each a real
  process, wall time from spawn to exit and peak RSS (``wait4``). Afterwards
  ``feedreader feed list --json`` and ``feedreader list --json`` must show
  every entry.
* **newsboat** (2.21 from Debian; skipped, and said so, when missing):
  ``newsboat -u urls -c cache.db -C config -x reload`` with ``reload-threads
  16`` from an empty cache, then twice again on that cache: newsboat 2.21
  keeps a new feed's ETag and Last-Modified only from its second reload (it
  UPDATEs the feed's row before it has INSERTed it), so its second reload
  fetches every feed again and its third is the one that gets 304s. The
  "second refresh (304)" column is that third reload; the second is shown too.

Prints the medians over ``--runs`` and the targets (both refreshes <= 0.5x
newsboat's, conditional requests for every feed on the second refresh, peak
RSS <= 150 MB, every entry listed); ``--json`` writes every run's figures.
"""

from __future__ import annotations

import argparse
import asyncio
import email.utils
import gzip
import hashlib
import json
import multiprocessing as mp
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from run import Quiet  # noqa: E402  (waits for an idle machine before a timed run)

PYTHON = sys.executable
FEEDREADER = str(Path(PYTHON).with_name("feedreader"))
LINK_PREFIX = "https://news.example.com/bench/"
TARGETS = {"ratio": 0.5, "peak_rss_mb": 150.0}

WORDS = (
    "the of and to in a is that for it as was with be by on not he this are or his from at which but have an they "
    "you were her she there one all we can their has been if more when will would who so no council budget report "
    "river station market school storm election court energy water rail bridge museum festival harbour farmers "
    "research hospital library transport climate policy housing vote minister mayor village coast forest season "
    "results league players coach league data network software release security update feature community "
    "volunteers project funding plan planning residents weather summer winter spring autumn morning evening"
).split()


# --------------------------------------------------------------------------
# the feeds

def _sentence(rng: random.Random, lo: int, hi: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def _description(rng: random.Random, feed: int, entry: int) -> str:
    """HTML of 0.6-2.3 KB (items of 1-3 KB): paragraphs, a link, sometimes emphasis or an image."""
    target = rng.randint(600, 2300)
    parts: list[str] = []
    size = 0
    while size < target:
        para = " ".join(_sentence(rng, 8, 22) for _ in range(rng.randint(2, 4)))
        roll = rng.random()
        if roll < 0.3:
            cut = para.find(" ", len(para) // 2)
            para = f"{para[:cut]} <a href=\"{LINK_PREFIX}f{feed}/ref{rng.randint(0, 999)}\">more</a>{para[cut:]}"
        elif roll < 0.45:
            para = f"<em>{para[:40]}</em>{para[40:]}"
        parts.append(f"<p>{para}</p>")
        size += len(parts[-1])
    if rng.random() < 0.25:
        parts.insert(1, f"<img src=\"{LINK_PREFIX}img/{feed}-{entry}.jpg\" alt=\"\">")
    return "\n".join(parts)


def make_feed(index: int, entries: int, now: float, seed: int) -> tuple[bytes, float]:
    """RSS 2.0 bytes of feed ``index`` and the time of its newest item."""
    rng = random.Random(f"{seed}:{index}")
    title = f"Bench feed {index}: " + " ".join(rng.choice(WORDS) for _ in range(3))
    site = f"{LINK_PREFIX}f{index}/"
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>',
           f"<title>{escape(title)}</title><link>{site}</link>",
           f"<description>{escape(_sentence(rng, 6, 12))}</description><language>en</language>"]
    newest = now - rng.uniform(600, 6 * 3600)
    when = newest
    for entry in range(entries):
        link = f"{site}e{entry}"
        out.append(
            "<item>"
            f"<title>{escape(_sentence(rng, 5, 12)[:-1])}</title>"
            f"<link>{link}</link>"
            f'<guid isPermaLink="false">bench-{index}-{entry}</guid>'
            f"<pubDate>{email.utils.formatdate(when, usegmt=True)}</pubDate>"
            f"<author>desk{rng.randint(1, 9)}@example.com (Desk {rng.randint(1, 9)})</author>"
            + "".join(f"<category>{rng.choice(WORDS[60:])}</category>" for _ in range(rng.randint(1, 3)))
            + f"<description>{escape(_description(rng, index, entry))}</description>"
            "</item>"
        )
        when -= rng.uniform(1800, 12 * 3600)
    out.append("</channel></rss>\n")
    return "\n".join(out).encode("utf-8"), newest


def host_ip(h: int) -> str:
    return f"127.0.0.{2 + h}"


def feed_path(index: int) -> str:
    return f"/feeds/{index}.xml"


def feed_urls(feeds: int, hosts: int, port: int) -> list[str]:
    return [f"http://{host_ip(i % hosts)}:{port}{feed_path(i)}" for i in range(feeds)]


def write_opml(urls: list[str], hosts: int, path: Path) -> None:
    lines = ['<?xml version="1.0" encoding="utf-8"?>', '<opml version="2.0"><head><title>bench</title></head><body>']
    for h in range(hosts):
        lines.append(f'<outline text="host {h}">')
        for i in range(h, len(urls), hosts):
            lines.append(f'  <outline type="rss" text="Bench feed {i}" xmlUrl={quoteattr(urls[i])}/>')
        lines.append("</outline>")
    lines.append("</body></opml>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------
# the server (a process of its own)

class _Stats:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.conditional = 0
        self.not_modified = 0
        self.ok = 0
        self.other = 0
        self.gzip = 0
        self.bytes_sent = 0
        self.connections = 0
        self.feeds_conditional: set[str] = set()
        self.feeds_asked: set[str] = set()
        self.inflight = 0
        self.peak_inflight = 0
        self.host_inflight: dict[str, int] = {}
        self.peak_host_inflight = 0
        self.user_agents: set[str] = set()

    def snapshot(self) -> dict:
        return {
            "requests": self.requests, "conditional": self.conditional, "not_modified": self.not_modified,
            "ok": self.ok, "other": self.other, "gzip": self.gzip, "bytes_sent": self.bytes_sent,
            "connections": self.connections, "feeds_asked": len(self.feeds_asked),
            "feeds_conditional": len(self.feeds_conditional), "peak_inflight": self.peak_inflight,
            "peak_per_host": self.peak_host_inflight, "user_agents": sorted(self.user_agents)[:3],
        }


def _serve(args: dict, conn) -> None:
    now = time.time()
    feeds: dict[str, tuple[bytes, bytes, str, str, float]] = {}
    total = 0
    for i in range(args["feeds"]):
        body, newest = make_feed(i, args["entries"], now, args["seed"])
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        lm = int(newest)
        feeds[feed_path(i)] = (body, gzip.compress(body, 6), etag, email.utils.formatdate(lm, usegmt=True), lm)
        total += len(body)
    stats = _Stats()
    latency = args["latency"]

    def head(status: str, fields: list[tuple[str, str]]) -> bytes:
        lines = [f"HTTP/1.1 {status}", f"Date: {email.utils.formatdate(usegmt=True)}", "Server: bench-refresh"]
        lines += [f"{k}: {v}" for k, v in fields]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host = writer.get_extra_info("sockname")[0]
        stats.connections += 1
        try:
            while True:
                try:
                    raw = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                lines = raw.decode("latin-1").split("\r\n")
                parts = lines[0].split()
                if len(parts) != 3:
                    return
                method, target, version = parts
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
                stats.requests += 1
                stats.user_agents.add(headers.get("user-agent", "")[:60])
                stats.inflight += 1
                stats.peak_inflight = max(stats.peak_inflight, stats.inflight)
                n = stats.host_inflight.get(host, 0) + 1
                stats.host_inflight[host] = n
                stats.peak_host_inflight = max(stats.peak_host_inflight, n)
                try:
                    await asyncio.sleep(latency)
                    path = target.split("?", 1)[0]
                    inm, ims = headers.get("if-none-match"), headers.get("if-modified-since")
                    if inm is not None or ims is not None:
                        stats.conditional += 1
                        stats.feeds_conditional.add(path)
                    stats.feeds_asked.add(path)
                    keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
                    feed = feeds.get(path) if method in ("GET", "HEAD") else None
                    if feed is None:
                        stats.other += 1
                        out = head("404 Not Found", [("Content-Length", "0"),
                                                     ("Connection", "keep-alive" if keep else "close")])
                    else:
                        body, zipped, etag, lm_text, lm = feed
                        if inm is not None:
                            match = inm.strip() == "*" or etag in [t.strip().removeprefix("W/") for t in inm.split(",")]
                        elif ims is not None:
                            try:
                                match = email.utils.parsedate_to_datetime(ims).timestamp() >= lm
                            except (TypeError, ValueError):
                                match = False
                        else:
                            match = False
                        common = [("ETag", etag), ("Last-Modified", lm_text), ("Cache-Control", "max-age=0"),
                                  ("Vary", "Accept-Encoding"), ("Connection", "keep-alive" if keep else "close")]
                        if match:
                            stats.not_modified += 1
                            out = head("304 Not Modified", common)
                        else:
                            stats.ok += 1
                            fields = [("Content-Type", "application/rss+xml; charset=utf-8")] + common
                            if "gzip" in headers.get("accept-encoding", ""):
                                stats.gzip += 1
                                data = zipped
                                fields.append(("Content-Encoding", "gzip"))
                            else:
                                data = body
                            fields.append(("Content-Length", str(len(data))))
                            out = head("200 OK", fields) + (data if method == "GET" else b"")
                    stats.bytes_sent += len(out)
                    writer.write(out)
                    await writer.drain()
                finally:
                    stats.inflight -= 1
                    stats.host_inflight[host] -= 1
                if not keep:
                    return
        except ConnectionError:
            return
        finally:
            writer.close()

    async def main() -> None:
        servers = []
        port = args["port"]
        for h in range(args["hosts"]):
            servers.append(await asyncio.start_server(handle, host_ip(h), port, backlog=256, reuse_address=True))
        conn.send({"port": port, "feed_bytes": total})
        loop = asyncio.get_running_loop()
        while True:
            command = await loop.run_in_executor(None, conn.recv)
            if command == "stats":
                snap = stats.snapshot()
                stats.reset()
                conn.send(snap)
            else:
                break
        for s in servers:
            s.close()

    asyncio.run(main())


def _free_port(hosts: int) -> int:
    """A port free on every address used (bound and released on each)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind((host_ip(0), 0))
            port = s.getsockname()[1]
        try:
            for h in range(hosts):
                with socket.socket() as s:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    s.bind((host_ip(h), port))
            return port
        except OSError:
            continue
    raise RuntimeError("no port free on every loopback address")


class FeedServer:
    def __init__(self, feeds: int, entries: int, hosts: int, latency: float, seed: int) -> None:
        self.args = {"feeds": feeds, "entries": entries, "hosts": hosts, "latency": latency, "seed": seed,
                     "port": _free_port(hosts)}
        self.conn, child = mp.Pipe()
        self.proc = mp.get_context("fork").Process(target=_serve, args=(self.args, child), daemon=True)

    def __enter__(self) -> "FeedServer":
        self.proc.start()
        if not self.conn.poll(120):
            raise RuntimeError("the feed server did not start")
        info = self.conn.recv()
        self.port, self.feed_bytes = info["port"], info["feed_bytes"]
        return self

    def stats(self) -> dict:
        """Counts since the last call (and start counting again)."""
        self.conn.send("stats")
        return self.conn.recv()

    def __exit__(self, *exc) -> None:
        try:
            self.conn.send("stop")
        except OSError:
            pass
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(5)


# --------------------------------------------------------------------------
# running a client

def run_timed(argv: list[str], env: dict, log_path: Path, timeout: float = 600.0) -> dict:
    """Spawn -> exit wall time, exit code and peak RSS (wait4) of one process."""
    with open(log_path, "ab") as out:
        out.write(f"$ {' '.join(argv)}\n".encode())
        out.flush()
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                start_new_session=True)
        deadline = t0 + timeout
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                os.killpg(proc.pid, 9)
                pid, status, rusage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.005)
        seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"seconds": seconds, "exit": proc.returncode, "peak_rss_mb": rusage.ru_maxrss / 1024,
            "cpu_s": rusage.ru_utime + rusage.ru_stime, "cpu_user_s": rusage.ru_utime, "cpu_sys_s": rusage.ru_stime}


def tail(path: Path, lines: int = 6) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def feedreader_env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDREADER_")}
    for name in ("data", "cache", "config", "log"):
        (root / name).mkdir(parents=True, exist_ok=True)
        env[f"FEEDREADER_{name.upper()}_DIR"] = str(root / name)
    env.update({"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TZ": "UTC"})
    return env


def in_child(fn, *args):
    """``fn(*args)`` in a forked child: what it loads (15,000 listed entries,
    the per-stage corpus) must not grow this process, whose size at a fork
    is the floor of the peak RSS that wait4 reports for every program it
    starts later (Linux keeps the maximum across fork and exec)."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=mp.get_context("fork")) as one:
        return one.submit(fn, *args).result()


def count_entries(env: dict, log_path: Path, expected: int) -> dict:
    """Entries as ``feed list --json`` counts them and as ``list --json`` lists them."""
    out: dict = {}
    r = subprocess.run([FEEDREADER, "feed", "list", "--json"], env=env, capture_output=True, text=True, timeout=300)
    with open(log_path, "a") as fh:
        fh.write(f"$ feedreader feed list --json: exit {r.returncode}\n{r.stderr[-2000:]}")
    feeds = _json_records(r.stdout)
    if feeds is not None:
        out["feeds_listed"] = len(feeds)
        out["feed_list_entries"] = sum(int(f.get("entries", f.get("entry_count", 0)) or 0) for f in feeds
                                       if isinstance(f, dict))
        out["feeds_with_error"] = sum(1 for f in feeds if isinstance(f, dict) and (f.get("last_error") or f.get("error")))
    # With no PATH the list shows the configured sources (here an empty folder)
    # and every subscribed feed; until the library reads the feeds, the entry
    # documents' folder (data dir/feeds) is given as the PATH instead.
    entries_dir = Path(env["FEEDREADER_DATA_DIR"]) / "feeds"
    for how, extra in (("list --json", []), ("list --json DATA/feeds", [str(entries_dir)])):
        t0 = time.perf_counter()
        r = subprocess.run([FEEDREADER, "list", "--json", *extra], env=env, capture_output=True, text=True,
                           timeout=600)
        seconds = time.perf_counter() - t0
        with open(log_path, "a") as fh:
            fh.write(f"$ feedreader {how}: exit {r.returncode}\n{r.stderr[-2000:]}")
        rows = _json_records(r.stdout) or []
        urls = {row.get("url") for row in rows
                if isinstance(row, dict) and str(row.get("url") or "").startswith(LINK_PREFIX)}
        out.update({"list_how": how, "list_seconds": seconds, "listed": len(rows), "listed_entries": len(urls)})
        if len(urls) >= expected or not entries_dir.is_dir():
            break
    return out


def _json_records(text: str) -> list | None:
    text = text.strip()
    if not text:
        return []
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        try:
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError:
            return None
    if isinstance(data, dict):
        for key in ("feeds", "articles", "items"):
            if isinstance(data.get(key), list):
                return data[key]
        return [data]
    return data if isinstance(data, list) else None


def run_feedreader(work: Path, opml: Path, server: FeedServer, quiet: Quiet, expected: int) -> dict:
    root = work / "feedreader"
    env = feedreader_env(root)
    empty = root / "no-documents"
    empty.mkdir()
    (root / "config" / "config.toml").write_text(
        f'sources = [{json.dumps(str(empty))}]\n'
        "allow_private_hosts = true\n\n"
        "[fetch]\njobs = 16\nper_host = 2\n"
    )
    log_path = root / "log.txt"
    result: dict = {}
    server.stats()
    imp = run_timed([FEEDREADER, "feed", "import", str(opml)], env, log_path)
    result["import"] = {**imp, "server": server.stats()}
    if imp["exit"] != 0:
        raise RuntimeError(f"feedreader feed import failed ({imp['exit']}):\n{tail(log_path)}")
    for phase in ("first", "second"):
        result[f"{phase}_busy_before"] = quiet.wait()
        server.stats()
        r = run_timed([FEEDREADER, "feed", "refresh", "--all"], env, log_path)
        r["server"] = server.stats()
        r["summary"] = tail(log_path, 4)
        result[phase] = r
    result["entries"] = in_child(count_entries, env, log_path, expected)
    result["log"] = tail(log_path, 30)
    return result


def run_newsboat(work: Path, urls: list[str], server: FeedServer, quiet: Quiet) -> dict:
    root = work / "newsboat"
    home = root / "home"
    home.mkdir(parents=True)
    (root / "urls").write_text("".join(u + "\n" for u in urls))
    (root / "config").write_text(
        "reload-threads 16\n"
        "max-items 0\n"
        "show-read-feeds yes\n"
        "cleanup-on-quit no\n"
        "notify-program \"\"\n"
    )
    cache = root / "cache.db"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("TMUX", "NEWSBOAT"))},
           "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "XDG_DATA_HOME": str(home / ".local/share"),
           "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TZ": "UTC"}
    argv = ["newsboat", "-u", str(root / "urls"), "-c", str(cache), "-C", str(root / "config"), "-x", "reload"]
    log_path = root / "log.txt"
    result: dict = {}
    # newsboat 2.21 on a fresh cache stores a feed's ETag/Last-Modified with an
    # UPDATE that runs before the feed's row is INSERTed: its second reload
    # fetches everything again ("refetch") and only its third is conditional.
    for phase in ("first", "refetch", "second"):
        result[f"{phase}_busy_before"] = quiet.wait()
        server.stats()
        r = run_timed(argv, env, log_path)
        r["server"] = server.stats()
        if r["exit"] != 0:
            raise RuntimeError(f"newsboat reload failed ({r['exit']}):\n{tail(log_path)}")
        result[phase] = r
    try:
        import sqlite3

        db = sqlite3.connect(f"file:{cache}?mode=ro", uri=True)
        result["items_stored"] = db.execute("SELECT count(*) FROM rss_item").fetchone()[0]
        result["feeds_with_etag"] = db.execute(
            "SELECT count(*) FROM rss_feed WHERE coalesce(etag, '') != ''").fetchone()[0]
        db.close()
    except Exception as exc:  # noqa: BLE001 - a figure, not the benchmark
        result["items_stored"] = f"? ({exc})"
    return result


def newsboat_version() -> str | None:
    if not shutil.which("newsboat"):
        return None
    try:
        out = subprocess.run(["newsboat", "-v"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return out.splitlines()[0].strip() if out else "newsboat"


def has_feed_cli() -> bool:
    r = subprocess.run([FEEDREADER, "feed", "--help"], capture_output=True, text=True, timeout=60)
    return r.returncode == 0 and "refresh" in r.stdout


# --------------------------------------------------------------------------
# the table

def median(values):
    values = [v for v in values if isinstance(v, (int, float))]
    return statistics.median(values) if values else None


def summarize(runs: list[dict], expected: int, feeds: int) -> dict:
    def pick(side, phase, key, sub=None):
        out = []
        for r in runs:
            x = (r.get(side) or {}).get(phase)
            if isinstance(x, dict):
                x = x.get(sub, {}).get(key) if sub else x.get(key)
            out.append(x)
        return out

    s: dict = {}
    for side in ("feedreader", "newsboat"):
        for phase in ("first", "second") if side == "feedreader" else ("first", "refetch", "second"):
            s[f"{side}_{phase}_s"] = median(pick(side, phase, "seconds"))
            s[f"{side}_{phase}_rss_mb"] = median(pick(side, phase, "peak_rss_mb"))
            s[f"{side}_{phase}_cpu_s"] = median(pick(side, phase, "cpu_s"))
            s[f"{side}_{phase}_cpu_user_s"] = median(pick(side, phase, "cpu_user_s"))
            s[f"{side}_{phase}_cpu_sys_s"] = median(pick(side, phase, "cpu_sys_s"))
            for key in ("requests", "conditional", "not_modified", "feeds_conditional", "peak_inflight",
                        "peak_per_host", "connections", "gzip"):
                s[f"{side}_{phase}_{key}"] = median(pick(side, phase, key, "server"))
    for phase in ("first", "second"):
        ours, theirs = s[f"feedreader_{phase}_s"], s[f"newsboat_{phase}_s"]
        s[f"ratio_{phase}"] = ours / theirs if ours and theirs else None
    ours, theirs = s["feedreader_second_s"], s["newsboat_refetch_s"]
    s["ratio_second_to_refetch"] = ours / theirs if ours and theirs else None
    s["list_how"] = sorted({((r.get("feedreader") or {}).get("entries") or {}).get("list_how") or "" for r in runs}
                           - {""})
    listed = [((r.get("feedreader") or {}).get("entries") or {}).get("listed_entries") for r in runs]
    s["listed_entries_min"] = min((x for x in listed if isinstance(x, int)), default=None)
    s["feed_list_entries"] = median([((r.get("feedreader") or {}).get("entries") or {}).get("feed_list_entries")
                                     for r in runs])
    s["newsboat_items_stored"] = median([(r.get("newsboat") or {}).get("items_stored") for r in runs])
    s["expected_entries"] = expected
    s["feeds"] = feeds
    return s


def table(s: dict, have_newsboat: bool) -> str:
    def sec(v):
        return "—" if v is None else f"{v:.2f} s"

    def mb(v):
        return "—" if v is None else f"{v:.0f} MB"

    def num(v):
        return "—" if v is None else f"{v:,.0f}"

    def ok(flag):
        return "" if flag is None else (" ✓" if flag else " ✗")

    feeds, expected = s["feeds"], s["expected_entries"]
    rows = [("figure", "first refresh", "second refresh (304)", "target")]

    def row(label, key, fmt, target="", check=None):
        cells = []
        for phase in ("first", "second"):
            v = s.get(key.format(phase=phase))
            cells.append(fmt(v) + (ok(check(v, phase)) if check and v is not None else ""))
        rows.append((label, *cells, target))

    row("feedreader feed refresh --all", "feedreader_{phase}_s", sec)
    row("newsboat -x reload (16 threads; 304: its 3rd)", "newsboat_{phase}_s", sec)
    row("ratio feedreader/newsboat", "ratio_{phase}", lambda v: "—" if v is None else f"{v:.2f}×", "≤ 0.5×",
        lambda v, p: v <= TARGETS["ratio"])
    refetch, r2 = s.get("newsboat_refetch_s"), s.get("ratio_second_to_refetch")
    rows.append(("newsboat's 2nd reload (fetches all again)", "", sec(refetch) + (
        "" if r2 is None else f" (feedreader's 2nd: {r2:.2f}×)"), ""))
    row("feedreader requests", "feedreader_{phase}_requests", num)
    row("  conditional (feeds asked conditionally)", "feedreader_{phase}_feeds_conditional", num,
        f"second: {feeds:,}", lambda v, p: None if p == "first" else v >= feeds)
    row("  answered 304", "feedreader_{phase}_not_modified", num)
    row("  most in flight / to one host", "feedreader_{phase}_peak_inflight",
        lambda v: "—" if v is None else f"{v:.0f}", "16 / 2")
    rows[-1] = (rows[-1][0],
                *(f"{num(s.get(f'feedreader_{p}_peak_inflight'))} / {num(s.get(f'feedreader_{p}_peak_per_host'))}"
                  for p in ("first", "second")), rows[-1][3])
    row("newsboat requests (304: its 3rd reload)", "newsboat_{phase}_requests", num)
    row("  conditional (feeds asked conditionally)", "newsboat_{phase}_feeds_conditional", num)
    row("  answered 304", "newsboat_{phase}_not_modified", num)
    rows.append(("  most in flight / to one host",
                 *(f"{num(s.get(f'newsboat_{p}_peak_inflight'))} / {num(s.get(f'newsboat_{p}_peak_per_host'))}"
                   for p in ("first", "second")), ""))
    row("feedreader peak RSS", "feedreader_{phase}_rss_mb", mb, "≤ 150 MB", lambda v, p: v <= TARGETS["peak_rss_mb"])
    row("newsboat peak RSS", "newsboat_{phase}_rss_mb", mb)
    for side in ("feedreader", "newsboat"):
        rows.append((f"{side} CPU user+sys (user / sys)", *(
            sec(s.get(f"{side}_{p}_cpu_s")) + (
                "" if s.get(f"{side}_{p}_cpu_sys_s") is None
                else f" ({sec(s.get(f'{side}_{p}_cpu_user_s'))} / {sec(s.get(f'{side}_{p}_cpu_sys_s'))})")
            for p in ("first", "second")), ""))
    listed = s.get("listed_entries_min")
    rows.append((f"entries listed afterwards ({' / '.join(s.get('list_how') or ['feedreader list'])})",
                 ("—" if listed is None else f"{listed:,}") + ok(None if listed is None else listed == expected),
                 f"feed list: {num(s.get('feed_list_entries'))}; newsboat stored: {num(s.get('newsboat_items_stored'))}",
                 f"{expected:,}"))
    if not have_newsboat:
        rows.append(("(newsboat is not installed: apt-get install -y newsboat)", "", "", ""))
    widths = [max(len(str(r[i])) for r in rows) for i in range(4)]
    out = ["| " + " | ".join(str(c).ljust(w) for c, w in zip(rows[0], widths)) + " |",
           "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    for r in rows[1:]:
        out.append("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |")
    return "\n".join(out)


def machine() -> dict:
    info = {"python": platform.python_version(), "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as fh:
            info["cpu"] = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), "")
        info["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                        text=True).stdout.strip()
    except OSError:
        pass
    return info


def stage_costs(work: Path, feeds: int, entries: int, seed: int) -> dict:
    """CPU milliseconds per entry of each stage of a first refresh, measured
    here (one process, ``time.process_time``) on ``feeds`` of the server's
    feeds, files written under ``work`` (the refresh's file system): parse
    (``parse_feed``), render (``entry_document``), write (``write_files``: a
    feed's new files, each written unnamed and linked in, as the parser
    processes do), store (``known_entries`` + ``record_entries`` +
    ``record_fetch``, one feed at a time)."""
    from datetime import datetime, timezone

    from feedreader.core.feeds.entrydoc import entry_document, entry_filename
    from feedreader.core.feeds.parse import parse_feed
    try:
        from feedreader.core.feeds.parsepool import write_files
    except ImportError:   # an older feedreader (--feedreader of an older checkout): one file at a time
        from feedreader.core.feeds.parsepool import write_file

        def write_files(folder: Path, files) -> None:
            for name, data in files:
                write_file(folder / name, data)
    from feedreader.core.feeds.store import EntryRow, FeedStore

    now = time.time()
    bodies = [make_feed(i, entries, now, seed)[0] for i in range(feeds)]
    urls = [f"http://{host_ip(i)}:8000{feed_path(i)}" for i in range(feeds)]
    cpu = time.process_time
    t = cpu()
    parsed = [parse_feed(b, u, "application/rss+xml; charset=utf-8") for b, u in zip(bodies, urls)]
    parse_s = cpu() - t
    first = datetime.fromtimestamp(now, timezone.utc)
    t = cpu()
    docs = [[(e, entry_document(u, p.title, "news.example.com", e, first)) for e in p.entries]
            for p, u in zip(parsed, urls)]
    render_s = cpu() - t
    root = work / "stages"
    with FeedStore(root / "feeds.sqlite") as store:
        subs = [store.add(u) for u in urls]
        t = cpu()
        for sub, items in zip(subs, docs):
            folder = root / str(sub.id)
            folder.mkdir(parents=True)
            write_files(folder, [(entry_filename(entry), data) for entry, data in items])
        write_s = cpu() - t
        t = cpu()
        for sub, items, p in zip(subs, docs, parsed):
            store.known_entries(sub)
            store.record_entries(sub, [EntryRow(e.key, f"{sub.id}/{entry_filename(e)}", e.content_hash, None)
                                       for e, _ in items])
            store.record_fetch(sub, status=200, next_check=now + 3600, etag='"e"', last_modified=None, title=p.title)
        store_s = cpu() - t
    # the files stay until the benchmark ends (see _runs: deleting them now slows the next run's files)
    n = sum(len(p.entries) for p in parsed)
    out = {k: round(v / n * 1000, 4) for k, v in
           (("parse", parse_s), ("render", render_s), ("write", write_s), ("store", store_s))}
    out["total"] = round(sum(out.values()), 4)
    out["entries"] = n
    return out


def _runs(args: argparse.Namespace, server: FeedServer, urls: list[str], sides: list[str], quiet: Quiet,
          expected: int, results: dict, works: list[Path]) -> None:
    """The timed runs. Each run's work folder (15,000 entry files) is added to
    ``works`` and deleted only after the last run: on ext4 without a journal
    (this VM's disk) a new inode is not taken from the inodes freed in the
    last 60-360 s, and the kernel looks at each of them before every file it
    creates, so files deleted just before a run made each of its files cost
    0.2-0.7 ms of system CPU instead of ~15 us (perf: ``recently_deleted`` in
    ``find_inode_bit``); deleting a run's files before the next one charged
    that to the next run."""
    for run in range(args.runs):
        if args.work_dir is not None:
            args.work_dir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="bench-refresh-", dir=args.work_dir))
        opml = work / "feeds.opml"
        write_opml(urls, args.hosts, opml)
        record: dict = {}
        order = sides if run % 2 == 0 else sides[::-1]
        try:
            for side in order:
                if side == "feedreader":
                    record[side] = r = run_feedreader(work, opml, server, quiet, expected)
                    e = r["entries"]
                    print(f"run {run + 1} feedreader: first {r['first']['seconds']:.2f} s "
                          f"(exit {r['first']['exit']}, {r['first']['server']['requests']} requests, "
                          f"{r['first']['peak_rss_mb']:.0f} MB), second {r['second']['seconds']:.2f} s "
                          f"(exit {r['second']['exit']}, {r['second']['server']['conditional']} conditional, "
                          f"{r['second']['server']['not_modified']} x 304, {r['second']['peak_rss_mb']:.0f} MB); "
                          f"{e.get('list_how')}: {e.get('listed_entries')} of {expected}", flush=True)
                    for phase in ("first", "second"):
                        if r[phase]["exit"] != 0:
                            print(f"  {phase} refresh exit {r[phase]['exit']}:\n{r[phase]['summary']}", flush=True)
                else:
                    record[side] = r = run_newsboat(work, urls, server, quiet)
                    print(f"run {run + 1} newsboat: first {r['first']['seconds']:.2f} s "
                          f"({r['first']['server']['requests']} requests, {r['first']['peak_rss_mb']:.0f} MB), "
                          f"second {r['refetch']['seconds']:.2f} s ({r['refetch']['server']['conditional']} "
                          f"conditional, {r['refetch']['peak_rss_mb']:.0f} MB), "
                          f"third {r['second']['seconds']:.2f} s ({r['second']['server']['conditional']} "
                          f"conditional, {r['second']['server']['not_modified']} x 304, "
                          f"{r['second']['peak_rss_mb']:.0f} MB); stored {r.get('items_stored')}", flush=True)
            if args.stage_feeds and "feedreader" in sides:
                record["stages"] = st = in_child(stage_costs, work, args.stage_feeds, args.entries, args.seed)
                print(f"run {run + 1} CPU ms per entry by stage (in process, {st['entries']} entries): "
                      + ", ".join(f"{k} {st[k]:.3f}" for k in ("parse", "render", "write", "store", "total")),
                      flush=True)
        finally:
            works.append(work)
        results["runs"].append(record)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--feeds", type=int, default=300)
    p.add_argument("--entries", type=int, default=50, help="entries per feed")
    p.add_argument("--hosts", type=int, default=40, help="loopback hosts 127.0.0.2 .. 127.0.0.<hosts+1>")
    p.add_argument("--latency", type=float, default=0.1, help="seconds added to every answer")
    p.add_argument("--runs", type=int, default=3, help="runs (medians)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--only", choices=("feedreader", "newsboat"), help="one side only")
    p.add_argument("--quiet-wait", type=float, default=30.0,
                   help="seconds to wait for an idle machine before each timed refresh (0: don't)")
    p.add_argument("--json", type=Path, default=None, help="write every run's figures here")
    p.add_argument("--keep", action="store_true", help="keep the work folders (printed)")
    p.add_argument("--work-dir", type=Path, default=None,
                   help="where the work folders go (default: the system's temporary folder); both sides write there")
    p.add_argument("--stage-feeds", type=int, default=20,
                   help="feeds of the in-process CPU-per-stage measurement each run (0: skip it)")
    p.add_argument("--feedreader", default=None, help="the feedreader program (default: the .venv's)")
    args = p.parse_args(argv)
    global FEEDREADER
    FEEDREADER = args.feedreader or FEEDREADER
    if not 1 <= args.hosts <= 250:
        p.error("--hosts must be 1 .. 250")

    sides = ["feedreader", "newsboat"] if args.only is None else [args.only]
    version = newsboat_version()
    if "newsboat" in sides and version is None:
        print("newsboat is not installed (apt-get install -y newsboat): measuring feedreader only", flush=True)
        sides.remove("newsboat")
    if "feedreader" in sides and not has_feed_cli():
        print("this feedreader has no 'feed refresh' command yet: measuring newsboat only", flush=True)
        sides.remove("feedreader")
    if not sides:
        return 1
    quiet = Quiet(args.quiet_wait)
    started = time.time()
    expected = args.feeds * args.entries
    results: dict = {"command": " ".join([Path(sys.executable).name, *sys.argv]),
                     "started": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": machine(),
                     "newsboat": version, "options": {k: (str(v) if isinstance(v, Path) else v)
                                                      for k, v in vars(args).items()}, "runs": []}
    with FeedServer(args.feeds, args.entries, args.hosts, args.latency, args.seed) as server:
        print(f"server: {args.feeds} feeds x {args.entries} entries ({server.feed_bytes / 1e6:.1f} MB of RSS) on "
              f"{host_ip(0)} .. {host_ip(args.hosts - 1)} port {server.port}, {args.latency * 1000:.0f} ms latency",
              flush=True)
        urls = feed_urls(args.feeds, args.hosts, server.port)
        results["feed_bytes"] = server.feed_bytes
        works: list[Path] = []
        try:
            _runs(args, server, urls, sides, quiet, expected, results, works)
        finally:   # only now: see _runs
            for work in works:
                if args.keep:
                    print(f"  kept {work}")
                else:
                    shutil.rmtree(work, ignore_errors=True)
    results["summary"] = s = summarize(results["runs"], expected, args.feeds)
    stages = {k: median([(r.get("stages") or {}).get(k) for r in results["runs"]])
              for k in ("parse", "render", "write", "store", "total")}
    results["busy_before"] = median(quiet.seen)
    results["minutes"] = round((time.time() - started) / 60, 1)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    print()
    print(table(s, version is not None))
    if stages["total"] is not None:
        results["stages"] = stages
        cpu_first = s.get("feedreader_first_cpu_s")
        print("\nCPU ms per entry by stage (in process, median): " + ", ".join(
            f"{k} {stages[k]:.3f}" for k in ("parse", "render", "write", "store", "total"))
            + (f"; the first refresh's CPU (all its processes) per entry: {cpu_first / expected * 1000:.3f}"
               if cpu_first else ""))
    print(f"\nmedians of {args.runs} run(s); CPU busy before timed refreshes (median): "
          f"{results['busy_before']:.0%}; {results['minutes']} min" + (f"; written to {args.json}" if args.json else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
