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
* **nothing new**: the same again (target <= 1 s);
* **queued marks**: ``--marks`` articles marked read here (offline), then a
  sync that sends them: the number of ``edit-tag`` requests shows the
  batching (250 ids per request).

Prints wall times (and this process's CPU time: the rest is the server and
waiting), requests per phase and peak RSS; ``--json`` writes them. On a
loaded machine the wall times grow with the load; compare at rest.
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
            client.login(account.username, account.password)

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
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    nothing = figures["nothing_new"]
    assert isinstance(nothing, dict)
    print(f"peak RSS {figures['peak_rss_mb']} MB; nothing-new target <= 1 s: "
          f"{'met' if nothing['seconds'] <= 1 else 'MISSED'}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
