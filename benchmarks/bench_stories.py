"""Grouping stories at 100,000 articles (issue 15).

    .venv/bin/python benchmarks/bench_stories.py [--count 100000] [--new 1000] [--seed 1] [--jobs 2] [--runs 3]

The articles are gen_corpus.py's (the same heads and documents as the other
benchmarks), rendered and parsed in memory; parsing is the library's work and
is not timed. Timed: the first grouping of ``count - new`` articles (features,
candidates, scores, groups; ``StoryIndex.update``, on ``--jobs`` processes
for the features), then ``new`` more articles grouped incrementally, then
saving and loading the story store. Each run prints its figures; the summary
gives medians over ``--runs``. Beside wall time, CPU seconds (this process and
its feature workers: the machine is shared, so wall time is inflated by
others' load), the peak RSS of this process during the grouping (``VmHWM``,
reset before each run) and the RSS the index adds. ``--inputs-cache FILE``
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

from feedreader.core.documents.parse import parse_document  # noqa: E402
from feedreader.core.stories import StoryIndex, input_from_article  # noqa: E402
from feedreader.core.stories.features import extract_many  # noqa: E402

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
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


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
    """One first grouping of ``old``, then ``new`` grouped incrementally, then save and load."""
    from feedreader.core.stories.store import StoryStore

    gc.collect()
    reset_peak()
    worker_cpu: list[float] = []
    c0, t0 = _cpu(), time.perf_counter()
    features = extract_many(old, jobs=jobs, cpu=worker_cpu)
    t1 = time.perf_counter()
    index = StoryIndex()
    first = index.update(features)
    c2, t2 = _cpu() + sum(worker_cpu), time.perf_counter()
    sizes = [s.size for s in index.stories()]
    c3, t3 = _cpu(), time.perf_counter()
    more = index.update(new)
    c4, t4 = _cpu(), time.perf_counter()
    rss, peak = rss_mb(), rss_mb("VmHWM")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stories.db"
        t5 = time.perf_counter()
        with StoryStore(path) as store:
            store.save(index)
        t6 = time.perf_counter()
        with StoryStore(path) as store:
            loaded = store.load()
        t7 = time.perf_counter()
        assert loaded is not None and loaded.groups() == index.groups()
        db_mb = path.stat().st_size / 1e6
    result: dict[str, float | int] = {
        "first_grouping_s": round(t2 - t0, 2),
        "first_grouping_cpu_s": round(c2 - c0, 2),
        "of_which_features_s": round(t1 - t0, 2),
        "first_pairs_scored": first.scored_pairs,
        "stories": len(sizes),
        "articles_in_stories": sum(sizes),
        "largest_story": max(sizes, default=0),
        "new_grouping_s": round(t4 - t3, 3),
        "new_grouping_cpu_s": round(c4 - c3, 3),
        "new_pairs_scored": more.scored_pairs,
        "save_s": round(t6 - t5, 2),
        "load_s": round(t7 - t6, 2),
        "store_mb": round(db_mb, 1),
        "rss_with_index_mb": round(rss, 1),
        "peak_rss_grouping_mb": round(peak, 1),
    }
    print(json.dumps(result), flush=True)
    del index, loaded, features
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
    inputs.sort(key=lambda i: i.aid)           # arrival order: not by time
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
