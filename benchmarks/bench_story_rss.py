"""Peak memory of the app during a first grouping of stories (issue 15: "every key and memory
target of the 100,000-article benchmark still holds" while the stories are grouped).

    .venv/bin/python benchmarks/bench_story_rss.py [--count 100000] [--seed 1] [--runs 1] [--keep-stories]
    .venv/bin/python benchmarks/bench_story_rss.py --headless [--trace]

The warm index run.py keeps (``out/index-N-sS-feeds``, not changed) is copied to a scratch dir
(``--scratch``, default a temporary one) with its story file (``*.stories.db``) removed, so the
app's start-up grouping is a first one. Then the real app (``feedreader``, no PATH: the config's
sources and the feeds, as run.py's warm start) runs in a pty on that copy; once its first rows
are painted the script polls ``/proc`` every 0.1 s (the app and every process under it) until the story file exists and the app has
been idle (CPU < 0.05 s in a second) for two seconds. Reported: the app process's own peak RSS
(``VmHWM``: the figure the 100k memory target of 200 MB is about), when it was reached (seconds
after the first paint, within 1 MB), its RSS at the end, and for
each child process it forked (the feature and comparing workers, their forkserver) the largest
``VmHWM`` seen while it lived, separately: they are not the app's memory, but they are the
machine's. ``--keep-stories``: keep the warm index's story file (regrouped when it is stale). ``--again``:
after each run, start the app a second time on the same copy, whose story file the first run
made (``again``: a warm start with nothing to group, the baseline).

``--headless``: no app; in this process, the library opened on the copy and
``LiveStories(jobs=2).sync`` + the rules (what the app's grouping thread does, ``ui/storying.py``),
with this process's VmHWM above what it held before (``--trace``: also tracemalloc's peak and
the largest allocation sites at it, slower).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import run as bench  # noqa: E402
from bench_stories import reset_peak  # noqa: E402
from terminal import cpu_seconds_of, status_mb  # noqa: E402


def descendants(pid: int) -> list[int]:
    """Every process under ``pid`` (children of each of its threads, recursively)."""
    out: list[int] = []
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in tasks:
            try:
                with open(f"/proc/{p}/task/{t}/children") as fh:
                    kids = [int(k) for k in fh.read().split()]
            except OSError:
                continue
            out.extend(kids)
            todo.extend(kids)
    return out


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace").strip()[:120]
    except OSError:
        return "?"


def stories_made(cache: Path) -> bool:
    """The story file holds stories (the first grouping's transaction is committed)."""
    import sqlite3

    for path in Path(cache, "index").glob("*.stories.db"):
        try:
            conn = sqlite3.connect(path.as_uri() + "?mode=ro", uri=True, timeout=1)
            try:
                return conn.execute("SELECT 1 FROM stories LIMIT 1").fetchone() is not None
            finally:
                conn.close()
        except sqlite3.Error:
            return False
    return False


def copy_index(source: Path, target: Path, keep_stories: bool) -> None:
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, symlinks=True,
                    ignore=None if keep_stories else shutil.ignore_patterns("*.stories.db*"))


def app_run(corpus: bench.Corpus, root: Path, cache: Path, facts: dict, timeout: float) -> dict:
    env = bench.env_for(root, cache, corpus)
    story_files = list(Path(cache, "index").glob("*.stories.db"))
    had_stories = bool(story_files)
    term = bench.launch(corpus, env)
    kids: dict[int, dict] = {}
    try:
        needle = bench.row_needle(facts["newest_title"], facts["newest_provider"])
        first_paint = term.wait_for(needle, 120)
        pid = term.proc.pid
        started = time.perf_counter()
        cpu_seen: dict[int, float] = {}       # pid -> its CPU seconds at the last look
        last_t, idle_since, busy = started, None, 0.0
        high, high_at = 0.0, 0.0
        timeline: list[tuple[float, float, float]] = []    # (s, VmRSS, VmHWM) of the app, each second
        done_s = None
        while time.perf_counter() - started < timeout:
            term.drain(0.1)
            for proc in [pid, *descendants(pid)]:
                cpu = cpu_seconds_of(proc)
                if cpu is not None:
                    busy += cpu - cpu_seen.get(proc, 0.0)
                    cpu_seen[proc] = cpu
                if proc == pid:
                    continue
                hwm = status_mb(proc, "VmHWM")
                if hwm is not None:
                    seen = kids.setdefault(proc, {"cmd": cmdline(proc), "peak_rss_mb": 0.0})
                    seen["peak_rss_mb"] = max(seen["peak_rss_mb"], hwm)
            now = time.perf_counter()
            hwm = status_mb(pid, "VmHWM") or 0.0
            if hwm > high + 1.0:
                high, high_at = hwm, now - started
            if now - last_t >= 1.0:
                timeline.append((round(now - started, 1), status_mb(pid, "VmRSS") or 0.0, hwm))
                # idle: the app and its workers (which compare while the app waits) used < 5% of a core
                if busy < 0.05 * (now - last_t) and (had_stories or stories_made(cache)):
                    idle_since = idle_since or last_t
                    if now - idle_since >= 2.0:
                        done_s = idle_since - started
                        break
                else:
                    idle_since = None
                busy, last_t = 0.0, now
        own_peak = status_mb(pid, "VmHWM")
        own_rss = status_mb(pid, "VmRSS")
        cpu_total = term.cpu_seconds()
        term.finish(b"q")
    finally:
        term.kill()
    return {"first_paint_s": first_paint, "grouped_after_first_paint_s": round(done_s, 1) if done_s else None,
            "own_peak_rss_mb": own_peak, "own_peak_reached_s": round(high_at, 1), "own_rss_at_end_mb": own_rss, "app_cpu_s": cpu_total,
            "own_rss_timeline": timeline, "children": sorted(kids.values(), key=lambda k: -k["peak_rss_mb"]),
            "largest_child_peak_rss_mb": max((k["peak_rss_mb"] for k in kids.values()), default=0.0)}


def headless_run(corpus: bench.Corpus, cache: Path, trace: bool) -> dict:
    import gc

    from feedreader.config import load_settings  # noqa: F401 (the app's imports, before the base figure)
    from feedreader.core.library.library import Library
    from feedreader.core.rules.rules import compile_rules
    from feedreader.core.rules.scoring import run_rules
    from feedreader.core.stories.live import LiveStories, story_sizes

    with Library.open(cache, corpus.sources) as library:
        gc.collect()
        base = status_mb(os.getpid(), "VmRSS") or 0.0
        reset_peak()
        if trace:
            import tracemalloc
            tracemalloc.start(8)
        t0, c0 = time.perf_counter(), time.process_time()
        live = LiveStories(jobs=2)
        data, _changes = live.sync(library)
        report = run_rules(library, compile_rules([]), marks={}, story_sizes=story_sizes(data))
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        peak = status_mb(os.getpid(), "VmHWM") or 0.0
        out: dict = {"seconds": round(seconds, 1), "cpu_s": round(cpu, 1), "stories": len(data.ranked),
                     "scored": report.scored, "rss_before_mb": round(base, 1), "peak_rss_mb": round(peak, 1),
                     "added_peak_mb": round(peak - base, 1)}
        if trace:
            import tracemalloc
            out["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
            tracemalloc.stop()
        live.close()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--count", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--scratch", help="where the index is copied (default: a temporary dir)")
    p.add_argument("--keep-stories", action="store_true", help="keep the warm index's story file (regrouped when stale)")
    p.add_argument("--again", action="store_true",
                   help="then start the app again on the same copy (its story file made: no grouping)")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the grouping")
    p.add_argument("--headless", action="store_true", help="LiveStories.sync in this process, no app")
    p.add_argument("--trace", action="store_true", help="(--headless) tracemalloc's peak too")
    p.add_argument("--json", help="write the figures here")
    args = p.parse_args(argv)
    out = HERE / "out"
    corpus = bench.Corpus(out / bench.corpus_name(args.count, args.seed))
    warm = out / f"index-{args.count}-s{args.seed}-feeds"
    if not warm.is_dir():
        print(f"no warm index {warm}: run run.py --sizes {args.count} first", file=sys.stderr)
        return 2
    bench.write_config(corpus)
    scratch = Path(args.scratch) if args.scratch else Path(tempfile.mkdtemp(prefix="story-rss-"))
    runs = []
    for n in range(args.runs):
        root = scratch / f"run-{n}"
        root.mkdir(parents=True, exist_ok=True)
        cache = root / "cache"
        copy_index(warm, cache, args.keep_stories)
        if args.headless:
            r = headless_run(corpus, cache, args.trace)
        else:
            facts = bench.index_facts(cache, corpus)
            r = app_run(corpus, root, cache, facts, args.timeout)
            if args.again:
                again = app_run(corpus, root, cache, facts, args.timeout)
                r["again"] = {k: v for k, v in again.items() if k != "own_rss_timeline"}
        print(json.dumps(r), flush=True)
        runs.append(r)
        if not args.scratch:
            shutil.rmtree(root, ignore_errors=True)
    figures: dict = {"articles": args.count, "runs": len(runs), "first_grouping": not args.keep_stories,
                     "headless": args.headless}
    for key, value in runs[0].items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            values = [r[key] for r in runs if r.get(key) is not None]
            if values:
                figures[key] = statistics.median(values)
    print(json.dumps(figures, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps({"figures": figures, "runs": runs}, indent=1))
    if not args.scratch:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
