"""One core's CPU per document of a cold index's parsing (issue 17): what a
pool worker does for each file (``pool.parse_files``: read, parse, check,
the index row) plus pickling the rows back to the writing process.

    .venv/bin/python benchmarks/parse_cold.py CORPUS_DOCS [--count 2000] [--repeat 5]
        [--tree /tmp/base-cold] [--profile]

``--tree`` measures the feedreader of another checkout (e.g. a
``git worktree`` of an older commit) so that old and new run in the same
sitting; ``--profile`` prints a cProfile of one pass instead. Prints one
JSON line: the median (and each run's) ms per document, CPU time.

``--instructions N`` counts instead (valgrind's callgrind, a few minutes):
the machine instructions per document of the same work, from two runs under
valgrind that differ only in N documents parsed (the imports and a warm-up
on ``--warm`` other documents cancel out; the warm-up fills the parser's
caches as the first thousands of documents of a cold index do). Unlike CPU time it does not depend on
what else the machine is doing.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def files(docs: Path, count: int) -> list[tuple[str, int, int]]:
    out: list[tuple[str, int, int]] = []
    for sub in sorted(docs.iterdir()):
        names = sorted(sub.iterdir()) if sub.is_dir() else [sub]
        for p in names:
            st = p.stat()
            out.append((str(p), st.st_size, st.st_mtime_ns))
            if len(out) >= count:
                return out
    return out


WARM_FROM = 3000   # where --instructions' warm-up documents start: after any N it measures


def instructions(args: argparse.Namespace) -> int:
    def run(n: int) -> int:
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
             str(args.docs), "--tree", str(args.tree), "--warm", str(args.warm), "--child", str(n)],
            capture_output=True, text=True)
        found = re.search(r"Collected : (\d+)", out.stderr)
        if out.returncode != 0 or found is None:
            raise SystemExit(f"valgrind run failed:\n{out.stderr[-3000:]}")
        return int(found.group(1))

    n = min(args.instructions, WARM_FROM)
    base, full = run(0), run(n)
    print(json.dumps({"tree": str(args.tree), "documents": n, "instructions_per_doc": round((full - base) / n)}))
    return 0


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("docs", type=Path)
    p.add_argument("--count", type=int, default=2000)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--tree", type=Path, default=HERE.parent)
    p.add_argument("--profile", action="store_true")
    p.add_argument("--instructions", type=int, metavar="N")
    p.add_argument("--warm", type=int, default=2000, help="--instructions: documents parsed first (default 2000)")
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.instructions:
        return instructions(args)
    sys.path.insert(0, str(args.tree.resolve()))
    from feedreader.core.library import pool

    where = Path(pool.__file__).resolve()
    assert str(where).startswith(str(args.tree.resolve())), where
    chunk = 256
    if args.child is not None:   # under valgrind: warm on --warm documents, then parse the first N
        facts = files(args.docs, WARM_FROM + args.warm)
        pool.parse_files(facts[WARM_FROM:])
        for i in range(0, args.child, chunk):
            pickle.dumps(pool.parse_files(facts[i:min(i + chunk, args.child)]), pickle.HIGHEST_PROTOCOL)
        return 0
    facts = files(args.docs, args.count)
    chunks = [facts[i:i + chunk] for i in range(0, len(facts), chunk)]

    def one_pass() -> None:
        for c in chunks:
            pickle.dumps(pool.parse_files(c), pickle.HIGHEST_PROTOCOL)

    one_pass()  # warm: the page cache, imports, regex caches
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        one_pass()
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(35)
        return 0
    runs = []
    for _ in range(args.repeat):
        t = time.process_time()
        one_pass()
        runs.append((time.process_time() - t) / len(facts) * 1000)
    print(json.dumps({
        "tree": str(args.tree), "documents": len(facts), "pid": os.getpid(),
        "median_ms_per_doc": round(statistics.median(runs), 4),
        "runs_ms": [round(r, 4) for r in runs],
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
