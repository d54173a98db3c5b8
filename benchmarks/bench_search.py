"""Search latency per keystroke on a large library (target: <= 50 ms at 100,000 articles).

    .venv/bin/python benchmarks/bench_search.py [--count 100000] [--corpus DIR] [--cache DIR] [--runs 3]

The corpus is ``benchmarks/out/corpus-<count>-s1`` when ``run.py`` has made
it, else ``benchmarks/out/search-corpus-<count>`` (``gen_corpus.py --seed 1``,
written when missing). It is indexed once into ``--cache``
(default ``benchmarks/out/search-cache-<count>``; the first run reports how
long indexing took with the full-text table), then each query below is
"typed" one character at a time. For every keystroke whose text parses, the
figure is what the user waits for until the list shows its first rows right:
as the app does it, parse + the list's first keys without the search
(``ListModel.unsearched_head``) + ``Searcher.search_head`` (the first
matches among them, searchhead.py: a dense query) + showing them
(``set_search``, ``rebuild``, 40 titles highlighted); when there is no head
(a sparse query), the whole search + its first rows in the list's order
(``ListModel.first_matches``, above 150,000 articles) or ``ListModel.prepare``
(in the app's worker) + showing them. Also measured: until the whole result is listed
(``complete``), what of it runs on the UI thread (``ui_thread``), and the
figure as measured before the head existed (``old``: parse + search +
``ListModel.rebuild`` from the order + highlight), so runs stay comparable.
A third of the articles are marked read and 1% flagged, so ``is:`` filters
have marks to work with.

Prints, per query, the slowest keystroke and the number of matches at the
end; then the median, 95th percentile and maximum over every keystroke of
every run, and the slowest single keystroke.

``--source DIR`` (repeatable) searches the index of those sources instead
(``run.py`` passes the documents and the feed entries of its corpus, with
its warm index as ``--cache``); ``--json`` ends with one JSON line of the
figures (p50/p95/max in ms, per keystroke and per part).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feedreader.core.library.library import Library  # noqa: E402
from feedreader.core.library.query import QueryError, parse_query  # noqa: E402
from feedreader.core.library.searchhead import CANDIDATES, HEAD_MATCHES  # noqa: E402
from feedreader.core.marks.bits import FLAGGED, READ
from feedreader.core.library.view import ListModel  # noqa: E402

HERE = Path(__file__).resolve().parent

QUERIES = [
    "xpeng",                                  # no match at all
    "solid-state battery",
    "researchers quantum",
    '"solid-state battery line"',
    "topic:AI lunar",
    'topic:"Computer Vision" -topic:AI',
    "provider:northwind q>70",
    "since:2022-01-01 before:2022-02-01 chip",
    "q>=90 -is:read",
    "is:flagged",
    "the",                                    # matches nearly everything
    "s",
    "-is:read sat",
    'caf "data leak" -regulators q<40 since:1y',
    'topic:AI (regulation OR "privacy bill")',  # OR and groups (issue 15)
    "chip OR battery -is:read",
    "-(topic:AI OR q<30) since:1y",
    "link:example score>60",
]


def ensure_corpus(count: int, corpus: Path | None) -> Path:
    """``--corpus``, else the shared ``out/corpus-<count>-s1`` of ``run.py`` when it
    is complete (never rewritten here), else our own ``out/search-corpus-<count>``."""
    if corpus is not None:
        return corpus
    shared = HERE / "out" / f"corpus-{count}-s1"
    stamp = HERE / "out" / f"corpus-{count}-s1.json"
    if shared.is_dir() and stamp.exists():
        try:
            if json.loads(stamp.read_text()).get("files") == sum(1 for _ in os.scandir(shared)):
                return shared
        except (OSError, ValueError):
            pass
    path = HERE / "out" / f"search-corpus-{count}"
    if not path.is_dir() or sum(1 for _ in os.scandir(path)) < count:
        print(f"writing {count:,} documents to {path} …", file=sys.stderr)
        subprocess.run(
            [sys.executable, str(HERE / "gen_corpus.py"), "--count", str(count), "--seed", "1", "--out", str(path)],
            check=True,
        )
    return path


def keystrokes(query: str) -> list[str]:
    return [query[:i] for i in range(1, len(query) + 1)]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--count", type=int, default=100_000)
    p.add_argument("--corpus", type=Path, default=None, help="a folder of documents (default: generated)")
    p.add_argument("--cache", type=Path, default=None, help="where the index goes (kept between runs)")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--source", type=Path, action="append", default=None,
                   help="search the index of these sources (repeatable; default: the generated corpus)")
    p.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    p.add_argument("--no-refresh", action="store_true",
                   help="search the index as it is (no check of the sources: a made-up index, e.g. ten copies)")
    p.add_argument("--top", type=int, default=0, help="print the N slowest keystrokes (shown, whole, head or not)")
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                   help="cpu: this thread's CPU time (SQLite runs in it), for a machine busy with other work")
    args = p.parse_args(argv)
    clock = time.thread_time if args.clock == "cpu" else time.perf_counter
    from feedreader.ui.run import tune_gc

    tune_gc()   # the garbage collector settings the app runs with

    sources = args.source or [ensure_corpus(args.count, args.corpus)]
    cache = args.cache or HERE / "out" / f"search-cache-{args.count}"
    library = Library.open(cache, sources, "bench")
    started = time.perf_counter()
    report = None if args.no_refresh else library.refresh()
    if report is not None and report.parsed:
        print(f"indexed {report.parsed:,} documents in {time.perf_counter() - started:.1f} s (with full-text table)")
    count = library.count()
    print(f"{count:,} articles in {library.index.db_path} "
          f"({library.index.db_path.stat().st_size / 1e6:.0f} MB)")

    model = ListModel(library, "newest")
    rng = random.Random(1)
    marks: dict[int, int] = {}
    for aid in library.order("newest"):
        roll = rng.random()
        if roll < 0.33:
            marks[aid] = READ
        elif roll < 0.34:
            marks[aid] = FLAGGED
    model.replace_marks(marks)
    model.rebuild()
    searcher = library.searcher()
    now = time.time()

    every: list[float] = []         # until the list shows its first rows right (the head, else the whole)
    every_cpu: list[float] = []     # the same in this thread's CPU time (SQLite runs in it too)
    complete: list[float] = []      # until the whole result is listed (head, search, prepare, apply)
    old_way: list[float] = []       # what was measured before the head (search + plain rebuild + highlight)
    old_cpu: list[float] = []
    ui_thread: list[float] = []     # what of it the app runs on its UI thread
    search_only: list[float] = []
    rebuild_only: list[float] = []
    heads = 0
    detail: list[tuple[float, float, bool, str]] = []   # (shown, complete, from a head, text)
    worst = (0.0, "")
    slow: list[tuple[str, float]] = []

    def highlight(result) -> tuple[float, float]:
        t, c = clock(), time.thread_time()
        if result.highlight is not None:
            for i in range(min(40, len(model))):
                row = model.row_at(i)
                if row is not None:
                    result.highlight(row.title)
        return clock() - t, time.thread_time() - c

    for run in range(args.runs):
        for query in QUERIES:
            slowest = 0.0
            matched = None
            for text in keystrokes(query):
                t0, c0 = clock(), time.thread_time()
                try:
                    parsed = parse_query(text, now=now)
                except QueryError:
                    continue  # the UI shows the error in place; nothing is searched
                parse_t, parse_c = clock() - t0, time.thread_time() - c0
                # the UI thread: the candidates (SearchBar._search), then in the worker the head
                candidates = model.unsearched_head(CANDIDATES, parsed.shows_hidden) or []
                ui = clock() - t0
                head = searcher.search_head(text, candidates, marks=marks, now=now) if candidates else None
                shown = shown_cpu = None
                if head is not None:    # the app shows it: set_search + rebuild + a screenful highlighted
                    heads += 1
                    t = clock()
                    model.set_search(head)
                    model.rebuild()
                    highlight(head)
                    ui += clock() - t
                    shown, shown_cpu = clock() - t0, time.thread_time() - c0
                t1, s1 = clock(), time.thread_time()
                result = searcher.search(text, marks=marks, now=now)
                t2, s2 = clock(), time.thread_time()
                first = model.first_matches(result, HEAD_MATCHES)   # (a large list: its first rows first)
                if head is None and first is not None:
                    t = clock()
                    model.set_search(replace(result, head=first))
                    model.rebuild()
                    highlight(result)
                    ui += clock() - t
                    shown, shown_cpu = clock() - t0, time.thread_time() - c0
                result = replace(result, listed=model.prepare(result))   # (in the worker)
                t3 = clock()
                model.set_search(result)
                model.rebuild()
                lit, lit_c = highlight(result)
                t4, c4 = clock(), time.thread_time()
                ui += t4 - t3
                model.set_search(replace(result, listed=None))   # the old way (the old figure): from the order
                model.rebuild()
                plain = clock() - t4
                rebuild_only.append(plain)
                search_only.append(parse_t + t2 - t1)
                old_way.append(parse_t + (t2 - t1) + plain + lit)
                old_cpu.append(parse_c + (s2 - s1) + (time.thread_time() - c4) + lit_c)
                elapsed = shown if shown is not None else t4 - t0
                every.append(elapsed)
                every_cpu.append(shown_cpu if shown_cpu is not None else c4 - c0)
                complete.append(t4 - t0)
                ui_thread.append(ui)
                matched = result.count
                slowest = max(slowest, elapsed)
                if elapsed > worst[0]:
                    worst = (elapsed, text)
                slow.append((text, elapsed))
                detail.append((elapsed, t4 - t0, head is not None, text))
            if run == args.runs - 1:
                print(f"  {query!r:48} slowest keystroke {slowest * 1000:6.1f} ms, {matched:>7,} matches")
    searcher.close()
    library.close()

    def line(name: str, values: list[float]) -> str:
        values = sorted(values)
        p95 = values[int(len(values) * 0.95) - 1]
        return (f"{name}: median {statistics.median(values) * 1000:.1f} ms, "
                f"p95 {p95 * 1000:.1f} ms, max {values[-1] * 1000:.1f} ms over {len(values)} keystrokes")

    print(line("per keystroke, until the list shows its first rows (the head, else the whole)", every))
    print(line("  the same in CPU time (this thread)", every_cpu))
    print(line("until the whole result is listed (head + search + prepare + apply)", complete))
    print(line("of it on the app's UI thread", ui_thread))
    print(line("the old figure (search + list rebuild + highlight, no head)", old_way))
    print(line("  the old figure in CPU time", old_cpu))
    print(line("search alone (parse + FTS/SQL + marks)", search_only))
    print(line("ListModel.rebuild alone (view.py, from the order)", rebuild_only))
    print(f"{heads} of {len(every)} keystrokes showed the list's first matches first (searchhead.py)")
    for shown_t, whole_t, was_head, text in sorted(detail, reverse=True)[:args.top]:
        print(f"  {shown_t * 1000:7.1f} ms shown, {whole_t * 1000:7.1f} ms whole, {'head' if was_head else 'whole'}: {text!r}")
    over = [t for t in every if t > 0.050]
    print(f"{len(over)} of {len(every)} keystrokes over 50 ms; slowest: {worst[1]!r} {worst[0] * 1000:.1f} ms")
    print("over 50 ms:", ", ".join(sorted({repr(t) for t, e in slow if e > 0.050})) or "none")
    if args.json:
        def figures(values: list[float]) -> dict:
            values = sorted(values)
            return {"p50_ms": round(statistics.median(values) * 1000, 2),
                    "p95_ms": round(values[int(len(values) * 0.95) - 1] * 1000, 2),
                    "max_ms": round(values[-1] * 1000, 2), "n": len(values)}

        print(json.dumps({**figures(every), "articles": count, "cpu": figures(every_cpu),
                          "complete": figures(complete), "ui_thread": figures(ui_thread),
                          "old": {**figures(old_way), "cpu": figures(old_cpu)}, "heads": heads,
                          "search": figures(search_only),
                          "rebuild": figures(rebuild_only), "slowest": worst[1],
                          "over_50_ms": sorted({t for t, e in slow if e > 0.050})}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
