"""CPU cost of the app's periodic rescan (ui/app.py RESCAN_EVERY, ui/indexing.py)
with nothing changed: Library.refresh() on an index that is up to date.

    .venv/bin/python benchmarks/bench_rescan.py SOURCE... [--runs 7] [--cache DIR] [--profile]

(for a corpus of benchmarks/gen_corpus.py: its docs/ and data/feeds/ folders, the
feed entries being one of the app's sources too)

Prints CPU-seconds per rescan (this process + its children: parse workers,
none when nothing changed), the median over the runs, and that as a share of
one core at the 30 s period."""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path


def cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("sources", type=Path, nargs="+")
    ap.add_argument("--profile", action="store_true", help="print where one rescan's time goes")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--cache", type=Path, default=None)
    ap.add_argument("--every", type=float, default=30.0)
    args = ap.parse_args()
    from feedreader.core.library.library import Library

    cache = args.cache or Path(tempfile.mkdtemp(prefix="rescan-"))
    library = Library.open(cache, [s.resolve() for s in args.sources], "bench")
    t0, c0 = time.perf_counter(), cpu()
    first = library.refresh()
    print(f"first refresh (brings the index up to date): {time.perf_counter() - t0:.1f} s wall, "
          f"{cpu() - c0:.1f} CPU-s, {library.count():,} articles, changed={first.changed}", flush=True)
    costs, walls = [], []
    for _ in range(args.runs):
        t0, c0 = time.perf_counter(), cpu()
        report = library.refresh()
        costs.append(cpu() - c0)
        walls.append(time.perf_counter() - t0)
        assert not report.changed, report
    if args.profile:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.runcall(library.refresh)
        pstats.Stats(profile).sort_stats("tottime").print_stats(8)
    median = statistics.median(costs)
    print("CPU-s per rescan:", " ".join(f"{c:.3f}" for c in costs))
    print(f"median {median:.3f} CPU-s (wall median {statistics.median(walls):.3f} s, inflated by other load); "
          f"every {args.every:g} s = {100 * median / args.every:.1f}% of one core")
    library.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
