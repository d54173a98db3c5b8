"""Grouping stories at 100,000 articles (issue 15).

    .venv/bin/python benchmarks/bench_stories.py [--count 100000] [--new 1000] [--seed 1] [--jobs 2] [--runs 3]

The articles are gen_corpus.py's (the same heads and documents as the other
benchmarks), rendered and parsed in memory; parsing is the library's work and
is not timed. Timed: the first grouping of ``count - new`` articles into a story file, as
the app makes it (features on ``--jobs`` processes, streamed into
``StoryIndex.update``: candidates, scores, groups, all written to the file),
then ``new`` more articles grouped incrementally, then opening the file
again (what a restart loads: the stories and the versions). Each run prints
its figures; the summary gives medians over ``--runs``. Beside wall time, CPU
seconds (this process and its feature workers: the machine is shared, so
wall time is inflated by others' load) and the peak RSS of this process in
each step (``VmHWM``, reset before each) above what it held before: the
parsed inputs of the benchmark itself take ~280 MB, which the app does not
hold (it reads the articles from its index a chunk at a time). ``--inputs-cache FILE``
keeps the parsed inputs in a pickle between invocations (not timed either).

Note on the corpus: gen_corpus builds every excerpt from the same 15
sentences, so unrelated articles share whole sentences: a worst case for
candidate generation (common keys) and far more "near-copies" than real news.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gen_corpus  # noqa: E402
from terminal import status_mb  # noqa: E402

from feedreader.core.documents.parse import parse_document  # noqa: E402
from feedreader.core.stories import StoryIndex, input_from_article  # noqa: E402
from feedreader.core.stories.records import pack_many  # noqa: E402

_HEADS: list = []
_PROVIDERS: list = []


def _inputs(args: tuple[int, int, int]) -> list:
    start, stop, seed = args
    out = []
    for n in range(start, stop):
        text = gen_corpus.render(n, _HEADS, _PROVIDERS, seed)
        article, _ = parse_document(text.encode(), f"/corpus/{n}.txt")
        if article is not None:
            out.append(input_from_article(article))
    return out


def rss_mb(field: str = "VmRSS") -> float:
    """This process's resident memory now (``VmHWM``: its peak since ``reset_peak``), MB."""
    return status_mb("self", field) or 0.0


def reset_peak() -> None:
    """Start measuring the peak RSS afresh (Linux: ``/proc/self/clear_refs``)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def _cpu() -> float:
    """CPU seconds of this process and of its waited-for children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _run(old: list, new: list, jobs: int) -> dict[str, float | int]:
    """One first grouping of ``old`` (into a story file, as the app does), then ``new``
    grouped incrementally, then the file opened again (what a restart loads)."""
    from feedreader.core.stories.store import StoryStore

    gc.collect()
    base = rss_mb()
    reset_peak()
    worker_cpu = [0.0]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stories.db"
        store = StoryStore(path)
        index = store.index(jobs=jobs)
        c0, t0 = _cpu(), time.perf_counter()
        first = index.update(pack_many(old, jobs=jobs, cpu=worker_cpu))
        comparing_cpu = index.worker_cpu
        phases = dict(index.phases)
        c2, t2 = _cpu() + worker_cpu[0] + comparing_cpu, time.perf_counter()
        first_peak = rss_mb("VmHWM")
        sizes = [s.size for s in index.stories()]
        gc.collect()
        reset_peak()
        c3, t3 = _cpu(), time.perf_counter()
        more = index.update(new)
        c4, t4 = _cpu(), time.perf_counter()
        new_peak = rss_mb("VmHWM")
        groups = index.groups()
        rss = rss_mb()
        store.close()
        del index
        gc.collect()
        before_load = rss_mb()
        reset_peak()
        c5, t5 = _cpu(), time.perf_counter()
        with StoryStore(path) as again:
            loaded = again.index()
            stories = loaded.stories()
            versions = loaded.versions()
            c6, t6 = _cpu(), time.perf_counter()
            load_peak = rss_mb("VmHWM")
        assert loaded.groups() == groups and len(versions) == len(old) + len(new)
        db_mb = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 1e6
    result: dict[str, float | int] = {
        "first_grouping_s": round(t2 - t0, 2),
        "first_grouping_cpu_s": round(c2 - c0, 2),
        "of_which_features_cpu_s": round(worker_cpu[0], 2),
        "of_which_comparing_workers_cpu_s": round(comparing_cpu, 2),
        "first_pairs_scored": first.scored_pairs,
        "stories": len(sizes),
        "articles_in_stories": sum(sizes),
        "largest_story": max(sizes, default=0),
        "new_grouping_s": round(t4 - t3, 3),
        "new_grouping_cpu_s": round(c4 - c3, 3),
        "new_pairs_scored": more.scored_pairs,
        # what the first grouping would take on an idle machine with ``jobs`` cores: the longer of
        # the features (on ``jobs`` workers) and this process storing them, then the slowest
        # comparing worker, then this process's own work after it
        "first_grouping_critical_path_cpu_s": round(
            max(worker_cpu[0] / jobs, phases.get("records_cpu_s", 0.0))
            + phases.get("compare_slowest_worker_cpu_s", phases.get("compare_cpu_s", 0.0))
            + (phases.get("compare_cpu_s", 0.0) if "compare_slowest_worker_cpu_s" in phases else 0.0)
            + phases.get("regroup_cpu_s", 0.0), 2),
        **{f"first_{k}": v for k, v in phases.items()},
        "load_s": round(t6 - t5, 3),
        "load_cpu_s": round(c6 - c5, 3),
        "store_mb": round(db_mb, 1),
        "rss_with_index_mb": round(rss, 1),
        "peak_rss_first_grouping_mb": round(first_peak, 1),
        "added_peak_first_grouping_mb": round(first_peak - base, 1),
        "added_peak_new_mb": round(new_peak - base, 1),
        "added_peak_load_mb": round(load_peak - before_load, 1),
    }
    print(json.dumps(result), flush=True)
    del loaded, stories, versions
    return result


def main(argv: list[str] | None = None) -> int:
    global _HEADS, _PROVIDERS
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--count", type=int, default=100_000)
    p.add_argument("--new", type=int, default=1000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--inputs-cache", help="a pickle of the parsed inputs, made when missing")
    p.add_argument("--runs", type=int, default=1, help="repeat the timed part; figures are medians")
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    p.add_argument("--newest", action="store_true",
                   help="the NEW articles are the newest by date (a refresh's), not the last by key (any date)")
    args = p.parse_args(argv)
    started = time.perf_counter()
    _HEADS, _PROVIDERS = gen_corpus.build_heads(args.count, args.seed)
    step = 5000
    ranges = [(s, min(args.count, s + step), args.seed) for s in range(0, args.count, step)]
    cache = Path(args.inputs_cache) if args.inputs_cache else None
    if cache is not None and cache.exists():
        inputs = pickle.loads(cache.read_bytes())
    else:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
            inputs = [item for chunk in pool.map(_inputs, ranges) for item in chunk]
        if cache is not None:
            cache.write_bytes(pickle.dumps(inputs))
    if args.newest:
        inputs.sort(key=lambda i: (i.published or 0.0, i.aid))
    else:
        inputs.sort(key=lambda i: i.aid)       # arrival order: not by time
    old, new = inputs[: len(inputs) - args.new], inputs[len(inputs) - args.new :]
    print(f"{len(inputs)} articles rendered and parsed in {time.perf_counter() - started:.1f} s (not timed)")
    base_rss = rss_mb()
    runs = [_run(old, new, args.jobs) for _ in range(args.runs)]
    figures: dict[str, object] = {"articles": len(inputs), "new_articles": len(new), "jobs": args.jobs,
                                  "runs": args.runs}
    for key in runs[0]:
        values = [r[key] for r in runs]
        figures[key] = statistics.median(values) if isinstance(values[0], float) else values[0]
    figures["rss_before_grouping_mb"] = round(base_rss, 1)
    figures["index_rss_mb"] = round(float(figures["rss_with_index_mb"]) - base_rss, 1)  # type: ignore[arg-type]
    print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
