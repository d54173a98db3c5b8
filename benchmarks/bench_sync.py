"""Sync against a local Miniflux: a first sync, a sync with nothing new, 1,000 queued marks (issue 18).

    .venv/bin/python benchmarks/bench_sync.py [--feeds 20] [--entries 500] [--marks 1000] [--json OUT]

Starts the test stack of ``tests/helpers/miniflux.py`` (a throwaway
PostgreSQL and Miniflux 2.2.x, fetched and cached on first use) and a
loopback HTTP server with ``--feeds`` RSS feeds of ``--entries`` items,
subscribes a fresh Miniflux user to them through the REST API (Miniflux
fetches them; not timed), then times, in one process, with real stores in a
temporary data dir:

* **first sync**: every entry is new (ids, contents in batches, documents
  written, state committed);
* **nothing new**: the same again (target <= 1 s), ``--runs`` times: the median
  (and the fastest and slowest) of wall and CPU time, and the requests made;
* **queued marks**: ``--marks`` articles marked read here (offline), then a
  sync that sends them: the number of ``edit-tag`` requests shows the
  batching (250 ids per request).

* **nothing new, command line**: ``feedreader sync`` in a new process on the same
  data dir (the stored token: no login), ``--runs`` times: what a user waits for,
  Python's start and imports included.

Prints wall times (and this process's CPU time: the rest is the server and
waiting), requests per phase and peak RSS; ``--json`` writes them. On a
loaded machine the wall times grow with the load; compare at rest, or compare
the CPU seconds.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "sync"), str(ROOT)]

import httpx  # noqa: E402
from helpers.httpserver import TestServer  # noqa: E402
from helpers.miniflux import MinifluxStack  # noqa: E402
from test_engine import add_feeds, serve_feed  # noqa: E402

from feedreader.core.feeds.store import FeedStore  # noqa: E402
from feedreader.core.marks.store import StateStore  # noqa: E402
from feedreader.core.sync.engine import Sync, queued_marks  # noqa: E402
from feedreader.core.sync.greader import GReaderClient  # noqa: E402
from feedreader.core.sync.state import SyncState  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--entries", type=int, default=500)
    parser.add_argument("--marks", type=int, default=1000)
    parser.add_argument("--page-size", type=int, default=10000, help="ids per stream/items/ids page")
    parser.add_argument("--runs", type=int, default=7, help="nothing-new syncs timed (medians)")
    parser.add_argument("--json", metavar="OUT")
    args = parser.parse_args()
    figures: dict[str, object] = {"feeds": args.feeds, "entries": args.feeds * args.entries}
    with TestServer() as server, MinifluxStack() as mf, tempfile.TemporaryDirectory() as tmp:
        account = mf.new_account()
        started = time.monotonic()
        urls = [serve_feed(server, f"Bench {n}", args.entries) for n in range(args.feeds)]
        add_feeds(account, [(u, f"Folder {n % 4}") for n, u in enumerate(urls)])
        figures["setup_seconds"] = round(time.monotonic() - started, 1)
        data = Path(tmp)
        requests: list[httpx.Request] = []
        with httpx.Client(timeout=30, trust_env=False, event_hooks={"request": [requests.append]}) as http, \
                FeedStore(data / "feeds.sqlite") as feeds, StateStore.open(data / "state.db") as marks, \
                SyncState(data / "sync.sqlite") as state:
            client = GReaderClient(http, account.greader_url, page_size=args.page_size)
            auth = client.login(account.username, account.password)

            def timed(name: str) -> None:
                before = len(requests)
                t, cpu = time.monotonic(), time.process_time()
                report = Sync(client, feeds, marks, state, data / "feeds").run()
                seconds, cpu = time.monotonic() - t, time.process_time() - cpu
                sent = requests[before:]
                figures[name] = {
                    "seconds": round(seconds, 3), "cpu_seconds": round(cpu, 3), "requests": len(sent),
                    "edit_tag_requests": sum(1 for r in sent if r.url.path.endswith("edit-tag")),
                    "contents_requests": sum(1 for r in sent if r.url.path.endswith("items/contents")),
                    "new_entries": report.new_entries, "sent": report.sent_total,
                }
                print(f"{name:>14}: {seconds:7.3f} s ({cpu:.3f} s CPU here), {len(sent):4d} requests, {report.new_entries:,} new, "
                      f"{report.sent_total:,} marks sent", flush=True)

            timed("first_sync")
            files = len(list((data / "feeds").glob("*/*.txt")))
            assert files == args.feeds * args.entries, files
            timed("nothing_new")
            links = sorted(k.identity for k in state.items().values())[:args.marks]
            marks.set_marks(links, read=True)
            assert queued_marks(state, marks)["read"] == len(links)
            timed("queued_marks")
            assert queued_marks(state, marks)["read"] == 0
            assert len(account.entries(status="read")) == len(links)
            timed("nothing_new_2")
            runs = [figures["nothing_new"]]
            for n in range(args.runs - 1):
                timed(f"nothing_new_{n + 3}")
                runs.append(figures.pop(f"nothing_new_{n + 3}"))
            figures["nothing_new_runs"] = _medians(runs)
            print(f"nothing new, {len(runs)} runs: {_medians(runs)}", flush=True)
        figures["cli_nothing_new"] = _cli_runs(data, account, auth, args.runs)
        print(f"feedreader sync (a new process), nothing new, {args.runs} runs: {figures['cli_nothing_new']}")
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    nothing = figures["nothing_new_runs"]
    assert isinstance(nothing, dict)
    print(f"peak RSS {figures['peak_rss_mb']} MB; nothing-new target <= 1 s (median): "
          f"{'met' if nothing['seconds'] <= 1 else 'MISSED'}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


def _medians(runs: list) -> dict[str, float]:
    out: dict[str, float] = {}
    for key in ("seconds", "cpu_seconds", "requests"):
        values = sorted(r[key] for r in runs)
        out[key] = values[len(values) // 2]
        if key == "seconds":
            out["fastest"], out["slowest"] = values[0], values[-1]
    return out


def _cli_runs(data: Path, account: object, auth: object, runs: int) -> dict[str, float]:
    """``feedreader sync`` in a new process on ``data`` (its account file: the token, not the password)."""
    import os
    import subprocess

    from feedreader.core.sync.account import Account, save_account

    save_account(data / "sync-account.json", Account(account.greader_url, account.username, auth, time.time()))
    env = dict(os.environ, PYTHONPATH=str(ROOT), FEEDREADER_DATA_DIR=str(data), FEEDREADER_CACHE_DIR=str(data / "cache"),
               FEEDREADER_CONFIG_DIR=str(data / "config"), FEEDREADER_LOG_DIR=str(data / "log"))
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "feedreader", "sync"], env=env, capture_output=True,
                              text=True, check=False)
        walls.append(time.monotonic() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        assert done.returncode == 0 and "take 0 new entries" in done.stdout, done.stdout + done.stderr
    walls.sort()
    cpus.sort()
    return {"seconds": round(walls[len(walls) // 2], 3), "cpu_seconds": round(cpus[len(cpus) // 2], 3),
            "fastest": round(walls[0], 3), "slowest": round(walls[-1], 3)}


if __name__ == "__main__":
    sys.exit(main())
