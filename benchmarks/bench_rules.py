"""Scoring rules on a large library: a full scoring, nothing to do, 1,000 new articles.

    .venv/bin/python benchmarks/bench_rules.py [--count 100000] [--cache DIR]

Uses the index ``bench_search.py`` leaves in ``benchmarks/out/search-cache-<count>``
(run that first). Five rules in the shapes of the README's example (OR and
groups, a provider, a low quality, a link, a negated group); a third of
the articles are marked read and 1% flagged. Times:

- a full scoring (the rules changed: every article scored, its reasons written);
- a run with nothing to do (after a refresh that changed nothing);
- 1,000 articles unscored (as after a refresh that brought 1,000 new ones).

Every scoring writes the scores into a copy of the index (the original is
left as bench_search.py wants it).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feedreader.core.library.index import Index  # noqa: E402
from feedreader.core.library.library import Library  # noqa: E402
from feedreader.core.marks.bits import FLAGGED, READ  # noqa: E402
from feedreader.core.rules.rules import compile_rules  # noqa: E402
from feedreader.core.rules.scoring import run_rules  # noqa: E402
from feedreader.core.rules.spec import RuleSpec  # noqa: E402

HERE = Path(__file__).resolve().parent
RULES = [
    RuleSpec('topic:AI (regulation OR "privacy bill")', 25, None, "ai policy", 1),
    RuleSpec("provider:northwind", -40, None, "", 2),
    RuleSpec("quality<10", -20, None, "", 3),
    RuleSpec("link:example.org chip", 10, None, "", 4),
    RuleSpec("-(topic:AI OR q<30) since:2022-01-01", 5, None, "", 5),
]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--count", type=int, default=100_000)
    p.add_argument("--cache", type=Path, default=None)
    args = p.parse_args()
    cache = args.cache or HERE / "out" / f"search-cache-{args.count}"
    dbs = list((cache / "index").glob("*.db"))
    if not dbs:
        print(f"no index in {cache}: run bench_search.py --count {args.count} first", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="bench-rules-"))
    try:
        copy = work / "index" / dbs[0].name
        copy.parent.mkdir()
        shutil.copy(dbs[0], copy)
        library = Library(Index(copy), [], "bench")
        keys = library.order("newest")
        rng = random.Random(1)
        marks = {k: READ for k in rng.sample(keys, len(keys) // 3)}
        for k in rng.sample(keys, len(keys) // 100):
            marks[k] = marks.get(k, 0) | FLAGGED
        ruleset = compile_rules(RULES)
        started = time.perf_counter()
        report = run_rules(library, ruleset, marks=marks)
        print(f"full scoring: {report.considered:,} articles ({report.scored:,} written) in "
              f"{time.perf_counter() - started:.2f} s "
              f"(matched: {', '.join(f'{k} {v:,}' for k, v in report.matched.items())})")
        started = time.perf_counter()
        report = run_rules(library, ruleset, marks=marks)
        print(f"nothing to do: {(time.perf_counter() - started) * 1000:.1f} ms ({report.scored} scored)")
        fresh = rng.sample(keys, 1000)
        conn = library.index.conn
        conn.executemany("UPDATE articles SET reasons=NULL WHERE aid=?", [(k,) for k in fresh])
        started = time.perf_counter()
        report = run_rules(library, ruleset, marks=marks)
        print(f"1,000 new articles: {report.considered:,} scored in {(time.perf_counter() - started) * 1000:.0f} ms")
        edited = compile_rules([RuleSpec(s.match, s.add + (5 if s.position == 2 else 0), s.action, s.name, s.position)
                                for s in RULES])
        started = time.perf_counter()
        report = run_rules(library, edited, marks=marks)
        print(f"one rule's add edited: {report.considered:,} scored, {report.scored:,} written, "
              f"in {time.perf_counter() - started:.2f} s")
        started = time.perf_counter()
        library.order("best")
        print(f"best order read again after scoring: {(time.perf_counter() - started) * 1000:.0f} ms")
        library.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
