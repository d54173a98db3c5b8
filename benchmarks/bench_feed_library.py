"""100,000 feed entries from 1,000 feeds against the 100,000-article targets (issue 13).

    .venv/bin/python benchmarks/bench_feed_library.py [--feeds 1000] [--entries 100] [--runs 3]
        [--only warm keys search disk] [--out benchmarks/out/feed-library] [--json OUT]

Builds (once per size and seed; reused while its files are all there) a
library made only of feed entries: ``--feeds`` subscriptions in a real
``feeds.sqlite`` (``FeedStore``) in 20 folders, each with ``--entries``
entries written the way a refresh writes them: the RSS of
``bench_refresh.make_feed`` (the refresh benchmark's feeds: 1-3 KB of HTML
each) parsed by ``parse_feed``, rendered and written by the parser workers'
``parsepool.parse_and_write`` (two processes), recorded with
``record_entries``/``record_fetch``. No HTTP: the refresh itself is
``bench_refresh.py``'s business. The corpus has the layout of
``run.py``'s (``docs/`` — empty here, the config's only source —,
``data/feeds/<feed id>/``, ``data/feeds.sqlite``, ``config/config.toml``),
so the figures are ``run.py``'s own measurements (``run.measure_size``:
warm start to the newest row painted and its peak RSS, ``keys.py``'s key
latencies, ``bench_search.py``'s keystrokes, the index on disk), imported,
not copied, with their targets (``run.TARGETS``; peak RSS against the
100,000-article benchmark's 200 MB, issue 13). The program runs with no
PATH, as a user with only feeds would run it.

``--only firststart`` (not in the default parts) times the first start on an
index no app has opened yet (what ``feedreader check`` or a cold start
leaves): no saved orders, no scores, no stories, so the start scores every
entry with the rules in the background (feed entries have no quality: it is
estimated) and groups the stories — the start with the highest peak RSS.
Each run waits until the app is idle before it quits, so that the peak
covers that work. The unscored copy of the warm index is made once
(OUT/index-…-unscored) and copied for each run.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import run  # noqa: E402
from bench_refresh import make_feed  # noqa: E402

FOLDERS = 20
PEAK_RSS_MB = 200.0     # the 100,000-article benchmark's (issue 6); run.TARGETS' 300 MB is 1,000,000's


def feed_url(n: int) -> str:
    return f"https://feeds{n % 97}.example.org/f/{n}.xml"


def _build_feed(n: int, entries: int, seed: int, now: float, folder: str) -> tuple:
    """(In a worker.) One feed's RSS parsed, its entries rendered and written."""
    from feedreader.core.feeds.parsepool import parse_and_write
    from urllib.parse import urlsplit

    body, _newest = make_feed(n, entries, now, seed)
    url = feed_url(n)
    parsed, written = parse_and_write(body, url, "application/rss+xml; charset=utf-8", url,
                                      ("", "", urlsplit(url).hostname or ""), now, folder, frozenset())
    return n, parsed, written


def build(corpus: run.Corpus, feeds: int, entries: int, seed: int) -> dict:
    from feedreader.core.feeds.store import EntryRow, FeedStore

    shutil.rmtree(corpus.base, ignore_errors=True)
    corpus.docs.mkdir(parents=True)
    entries_dir = corpus.data / "feeds"
    entries_dir.mkdir(parents=True)
    started, cpu = time.perf_counter(), time.process_time()
    now = time.time()
    total = 0
    with FeedStore(corpus.data / "feeds.sqlite") as store, ProcessPoolExecutor(2) as pool:
        subs = [store.add(feed_url(n), folder=f"Folder {n % FOLDERS}") for n in range(feeds)]
        jobs = [pool.submit(_build_feed, n, entries, seed, now, str(entries_dir / str(sub.id)))
                for n, sub in enumerate(subs)]
        for job in jobs:
            n, parsed, written = job.result()
            sub = subs[n]
            store.record_entries(sub, [EntryRow(e.key, f"{sub.id}/{written[e.key]}", e.content_hash,
                                                (e.published or e.updated).timestamp() if (e.published or e.updated)
                                                else None) for e in parsed.entries if e.key in written])
            store.record_fetch(sub, status=200, next_check=now + 3600, etag=f'"{n}"', last_modified=None,
                               title=parsed.title, site_url=parsed.site_url)
            total += len(written)
            if (n + 1) % 100 == 0:
                run.log(f"  {n + 1:,} feeds, {total:,} entries written")
    run.write_config(corpus)
    return {"count": total, "feeds": feeds, "feed_entries": total, "files": run.count_files(entries_dir),
            "seconds": round(time.perf_counter() - started, 1),
            "main_process_cpu_s": round(time.process_time() - cpu, 1)}


def _build_to(corpus: run.Corpus, feeds: int, entries: int, seed: int, stamp: Path) -> None:
    stamp.write_text(json.dumps(build(corpus, feeds, entries, seed)))


def not_due(corpus: run.Corpus) -> None:
    """No feed of the corpus is due for a year: the app's refresh at start would
    otherwise fetch all 1,000 (an hour after the build) from hosts that do not
    exist, in the background of every timed start (the refresh is
    ``bench_refresh.py``'s business)."""
    import sqlite3

    with sqlite3.connect(corpus.data / "feeds.sqlite") as conn:
        conn.execute("UPDATE feeds SET next_check = ?", (time.time() + 365 * 86400,))
    conn.close()


def ensure(out: Path, feeds: int, entries: int, seed: int) -> tuple[run.Corpus, dict]:
    corpus = run.Corpus(out / f"feed-library-{feeds}x{entries}-s{seed}")
    stamp = corpus.base.with_suffix(".json")
    if stamp.exists() and (corpus.data / "feeds.sqlite").exists():
        manifest = json.loads(stamp.read_text())
        if manifest.get("files") == run.count_files(corpus.data / "feeds") == feeds * entries:
            run.write_config(corpus)
            not_due(corpus)
            return corpus, manifest
    run.log(f"writing {feeds * entries:,} entries of {feeds:,} feeds in {corpus.base} …")
    # in a child process: this one stays small, since its size when it starts the app is the
    # floor of the peak RSS that wait4 reports for it (Linux keeps the maximum across fork and exec)
    child = multiprocessing.get_context("fork").Process(target=_build_to, args=(corpus, feeds, entries, seed, stamp))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"building the corpus failed (exit {child.exitcode})")
    manifest = json.loads(stamp.read_text())
    run.log(f"  {manifest['files']:,} entry files in {manifest['seconds']:.1f} s")
    not_due(corpus)
    return corpus, manifest


def unscored_copy(warm_cache: Path, out: Path) -> Path:
    """The warm index as no app has opened it: every score back to the row's
    quality with no reasons (as the index writes a new article), no rules
    fingerprint, no saved orders. Made once per warm index (its generation)."""
    import sqlite3

    [db] = [p for p in (warm_cache / "index").glob("*.db") if "." not in p.stem]   # (not <digest>.stories.db)
    base = out / f"{warm_cache.name}-unscored"
    stamp = base / "made-from.json"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        generation = conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0]
    conn.close()
    if stamp.exists() and json.loads(stamp.read_text()) == {"db": db.name, "generation": generation}:
        return base
    shutil.rmtree(base, ignore_errors=True)
    (base / "index").mkdir(parents=True)
    with sqlite3.connect(db) as src, sqlite3.connect(base / "index" / db.name) as dst:
        src.backup(dst)
    src.close()
    with sqlite3.connect(base / "index" / db.name, isolation_level=None) as conn:
        conn.execute("BEGIN")
        conn.execute("UPDATE articles SET score = quality, reasons = NULL")
        conn.execute("DELETE FROM meta WHERE key IN ('rules', 'actions')")
        conn.execute("DELETE FROM orders")
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    stamp.write_text(json.dumps({"db": db.name, "generation": generation}))
    return base


def first_start(corpus: run.Corpus, args, out: Path, count: int) -> dict:
    """``run.warm_start`` on a fresh copy of the unscored index, ``--runs`` times."""
    warm_cache = out / f"index-{count}-s{args.seed}-feeds"
    base = unscored_copy(warm_cache, out)
    facts = run.index_facts(warm_cache, corpus)
    root = out / "tmp" / f"first-{count}-{os.getpid()}"
    quiet = run.Quiet(args.quiet_wait)
    runs = []
    for n in range(args.runs):
        cache = root / "cache"
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        shutil.copytree(base, cache)
        r = run.warm_start(corpus, root, cache, facts, quiet, until_idle=180)
        run.log(f"[{count:,}] first start {n + 1}/{args.runs}: first paint {run.fmt_s(r['first_paint_s'])} "
                f"(its CPU {run.fmt_s(r['first_paint_cpu_s'])}), peak RSS {r['peak_rss_mb'] or 0:.0f} MB "
                f"(own {r['own_peak_rss_mb'] or 0:.0f} MB), idle after {r['until_idle_s']:.0f} s more "
                f"(CPU {r['cpu_until_idle_s'] or 0:.1f} s in all)")
        runs.append(r)
    shutil.rmtree(root, ignore_errors=True)
    return {"first_paint_s": run.median(r["first_paint_s"] for r in runs),
            "first_paint_cpu_s": run.median(r["first_paint_cpu_s"] for r in runs),
            "peak_rss_mb": run.median(r["peak_rss_mb"] for r in runs),
            "peak_rss_max_mb": max((r["peak_rss_mb"] or 0) for r in runs),
            "cpu_until_idle_s": run.median(r["cpu_until_idle_s"] for r in runs), "runs": runs}


def summary(r: dict, count: int) -> str:
    """The figures measured, against ``run.TARGETS`` at this size."""
    rows = [("figure", "value", "target")]

    def add(label, get, target, fmt=run.fmt_ms, limit=None):
        try:
            value = get()
        except (KeyError, TypeError):
            value = None
        rows.append((label, fmt(value) + (run.mark(value, limit) if limit is not None else ""), target))

    mb = lambda v: "—" if v is None else f"{v:.0f} MB"   # noqa: E731
    add("warm start → newest rows painted", lambda: r["warm_start"]["first_paint_s"], "≤ 1.0 s", run.fmt_s,
        run.TARGETS["warm_start_s"])
    add("  its CPU time until then", lambda: r["warm_start"]["first_paint_cpu_s"], "", run.fmt_s)
    for name, label in (("move", "cursor move"), ("move_middle", "cursor move (mid-list)"), ("page", "page down"),
                        ("mark", "mark read")):
        add(f"key: {label} p95 (list frame)", lambda n=name: r["keys"][n]["p95"], "≤ 16 ms",
            limit=run.TARGETS["key_p95_ms"])
        if name != "move_middle":
            add("  … until the detail pane shows it, p95", lambda n=name: r["keys"][n]["settled"]["p95"], "≤ 33 ms",
                limit=run.TARGETS["detail_p95_ms"])
    switch = run.size_target("switch_p95_ms", count)
    add("key: sort switch p95", lambda: r["keys"]["sort"]["p95"], f"≤ {switch:.0f} ms", limit=switch)
    add("key: unread filter toggle p95", lambda: r["keys"]["unread_filter"]["p95"], f"≤ {switch:.0f} ms",
        limit=switch)
    add("  (harness floor: unbound key) p95", lambda: r["keys"]["noop"]["p95"], "")
    search = run.size_target("search_p95_ms", count)
    add("search keystroke p95", lambda: r["search"]["p95_ms"], f"≤ {search:.0f} ms", limit=search)
    add("  search keystroke p50", lambda: r["search"]["p50_ms"], "")
    add("peak RSS, app (warm start)", lambda: r["warm_start"]["peak_rss_mb"], f"≤ {PEAK_RSS_MB:.0f} MB", mb,
        PEAK_RSS_MB)
    add("  first start (unscored index) → rows painted", lambda: r["first_start"]["first_paint_s"], "", run.fmt_s)
    add("  first start: its CPU time until then", lambda: r["first_start"]["first_paint_cpu_s"], "", run.fmt_s)
    add("  first start: peak RSS (scoring every entry)", lambda: r["first_start"]["peak_rss_mb"],
        f"≤ {PEAK_RSS_MB:.0f} MB", mb, PEAK_RSS_MB)
    add("peak RSS, keys harness", lambda: r["keys"]["peak_rss_mb"], "", mb)
    add("index size on disk", lambda: r["disk"]["bytes"] / 1e6, "", mb)
    add("articles in the index", lambda: r["index"]["count"], f"{count:,}", lambda v: "—" if v is None else f"{v:,}")
    add("CPU busy before timed runs (median)", lambda: r["busy_before"], "",
        lambda v: "—" if v is None else f"{v:.0%}")
    widths = [max(len(str(row[i])) for row in rows) for i in range(3)]
    out = ["| " + " | ".join(str(c).ljust(w) for c, w in zip(rows[0], widths)) + " |",
           "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += ["| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths)) + " |" for row in rows[1:]]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--feeds", type=int, default=1000)
    p.add_argument("--entries", type=int, default=100, help="entries per feed")
    p.add_argument("--runs", type=int, default=3, help="runs per figure (medians)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, default=HERE / "out" / "feed-library")
    p.add_argument("--key-samples", type=int, default=60)
    p.add_argument("--search-runs", type=int, default=3)
    p.add_argument("--quiet-wait", type=float, default=60.0,
                   help="seconds to wait for an idle machine before each timed run (0: don't)")
    p.add_argument("--only", nargs="+", default=["warm", "keys", "search", "disk"],
                   choices=("warm", "keys", "search", "disk", "incremental", "coldstart", "firststart"))
    p.add_argument("--json", type=Path, default=None, help="default: OUT/results.json")
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    count = args.feeds * args.entries
    corpus, manifest = ensure(args.out, args.feeds, args.entries, args.seed)

    # run.measure_size on this corpus: its own measurements, its warm index (OUT/index-…)
    run.ensure_corpus = lambda out, n, seed: (corpus, manifest)
    started = time.time()
    results = {"command": " ".join([Path(sys.executable).name, *sys.argv]),
               "started": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": run.machine(), "targets": run.TARGETS,
               "corpus": manifest, "sizes": {}}
    results["sizes"][str(count)] = sized = run.measure_size(count, args, args.out)
    if "firststart" in args.only:
        sized["first_start"] = first_start(corpus, args, args.out, count)
    results["minutes"] = round((time.time() - started) / 60, 1)
    path = args.json or args.out / "results.json"
    path.write_text(json.dumps(results, indent=2))
    run.log("")
    run.log(f"{count:,} feed entries of {args.feeds:,} feeds (no documents):")
    run.log(summary(results["sizes"][str(count)], count))
    run.log(f"\nwritten to {path} ({results['minutes']} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
