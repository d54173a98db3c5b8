"""Prefetch throughput: N distinct ~20 KB pages from a local server, default settings.

    .venv/bin/python benchmarks/bench_prefetch.py [--pages 1000] [--size 20000] [--runs 3] [--hosts 16]

The server runs in a separate process (so its work does not share this
process's CPU or memory): one threaded HTTP/1.1 server per loopback address
127.0.0.1 .. 127.0.0.<hosts>, every page distinct, with an ETag. Each run
fetches every page into a fresh temporary page cache with
``FetchSettings()`` (jobs=8, per_host=2), through the real code path
(address policy with a loopback allowlist, streaming caps, atomic cache
writes). Prints pages/s for each run, the median, and this process's peak
RSS (``ru_maxrss``). ``--hosts 1`` shows the per-host limit at work instead.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feedreader.core.web.settings import FetchSettings  # noqa: E402
from feedreader.core.web.fetch import PageCache, fetch_urls  # noqa: E402


def make_page(i: int, size: int) -> bytes:
    head = f"<!doctype html><html><head><title>Page {i}</title></head><body><article><h1>Story {i}</h1>"
    para = f"<p>Paragraph of story {i}: the quick brown fox jumps over the lazy dog, again and again.</p>\n"
    body = [head]
    length = len(head)
    n = 0
    while length < size - 40:
        p = para.replace("again", f"again {n}")
        body.append(p)
        length += len(p)
        n += 1
    body.append("</article></body></html>")
    return "".join(body).encode()


def serve(hosts: int, pages: int, size: int, conn) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    cache = {i: make_page(i, size) for i in range(pages)}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_GET(self):
            try:
                i = int(self.path.rsplit("/", 1)[1])
                body = cache[i]
            except (ValueError, KeyError, IndexError):
                self.send_error(404)
                return
            # one write: headers and body together (two small writes would
            # meet Nagle + delayed ACK and measure the kernel, not the fetcher)
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                f"Content-Length: {len(body)}\r\nETag: \"{i}\"\r\n\r\n"
            ).encode()
            self.wfile.write(head + body)

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 128

    ports = []
    for k in range(1, hosts + 1):
        server = Server((f"127.0.0.{k}", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        ports.append(server.server_address[1])
    conn.send(ports)
    conn.recv()   # wait until told to stop


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--size", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--hosts", type=int, default=16, help="loopback addresses to spread the pages over")
    args = ap.parse_args()

    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=serve, args=(args.hosts, args.pages, args.size, child), daemon=True)
    proc.start()
    ports = parent.recv()
    urls = [f"http://127.0.0.{i % args.hosts + 1}:{ports[i % args.hosts]}/p/{i}" for i in range(args.pages)]
    settings = FetchSettings()
    print(f"{args.pages:,} pages of ~{args.size:,} bytes over {args.hosts} host(s); "
          f"jobs={settings.jobs} per_host={settings.per_host}")
    rates = []
    try:
        for run in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                cache = PageCache(Path(tmp) / "pages")
                start = time.perf_counter()
                cpu0 = time.process_time()
                results = fetch_urls(urls, settings, cache, allow_private=False, allow_networks=["127.0.0.0/8"])
                took = time.perf_counter() - start
                cpu = time.process_time() - cpu0
                failed = [r for r in results if r.status != "fetched"]
                if failed:
                    print(f"run {run + 1}: {len(failed)} failed, e.g. {failed[0].error}", file=sys.stderr)
                    return 1
                total_bytes = sum(r.bytes for r in results)
                rates.append(args.pages / took)
                print(f"run {run + 1}: {took:.2f} s, {rates[-1]:,.0f} pages/s, {total_bytes / took / 1e6:.1f} MB/s, "
                      f"client CPU {cpu / args.pages * 1000:.2f} ms/page")
    finally:
        parent.send("stop")
        proc.join(timeout=5)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss   # KiB on Linux
    print(f"median: {statistics.median(rates):,.0f} pages/s; peak RSS {peak_kib / 1024:.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
