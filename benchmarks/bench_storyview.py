"""Story mode of the list (core/library/storyview.py) at 100,000 and 1,000,000
articles: CPU seconds (time.process_time, median of 7 runs) of what each key
costs: ``c`` (a rebuild in story mode, ``apply``), with and without a filter
that takes members out, ``+``/``-`` (one story's splice), and a screenful of
story cells (``note``). Synthetic keys: 30% of the articles in stories of 3.

    .venv/bin/python benchmarks/bench_storyview.py [N ...]
    .venv/bin/python benchmarks/bench_storyview.py --live   # the app's grouping run on the labelled set
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from itertools import filterfalse

from feedreader.core.library.storyview import StoryData, StoryView


def median_cpu(fn, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def main(sizes: list[int]) -> None:
    for n in sizes:
        rng = random.Random(n)
        keys = list({rng.getrandbits(63) - 2**62 for _ in range(n + n // 100)})[:n]
        grouped = keys[: n * 3 // 10]
        story_of, ranked = {}, {}
        for i in range(0, len(grouped) - 2, 3):
            sid = f"{i:016x}"
            ranked[sid] = tuple(grouped[i : i + 3])
            story_of.update((a, sid) for a in ranked[sid])
        rng.shuffle(keys)
        view = StoryView()
        view.data = StoryData(story_of, ranked, {sid: 3 for sid in ranked}).prepare()
        view.on = True
        rows = view.apply(keys, everything=True)
        filtered = keys[: n // 2]     # a filter keeping half of the articles
        sid, members = next(iter(ranked.items()))
        at = rows.index(members[0])

        def expand_collapse() -> None:
            start, end, new = view.expand(rows, at)
            rows[start:end] = new
            start, end, new, _ = view.collapse(rows, at + 1)
            rows[start:end] = new

        top = rows[at : at + 48]
        most = keys[: n * 95 // 100]    # a filter leaving 95% (unread only, hidden ones out)
        with_most = median_cpu(lambda: view.apply(most))
        with_filter = median_cpu(lambda: view.apply(filtered))
        hidden = set(keys[n // 2 : n // 2 + 1000])
        baseline = median_cpu(lambda: list(filterfalse(hidden.__contains__, keys)))   # one of the list's own filters
        plain = median_cpu(lambda: view.apply(keys, everything=True))   # (leaves the view as the rows have it)
        print(f"{n:>9,} articles ({len(ranked):,} stories): apply {plain * 1000:.1f} ms, "
              f"with a filter leaving 95% {with_most * 1000:.1f} ms, leaving 50% {with_filter * 1000:.1f} ms "
              f"(the list's own hidden filter: {baseline * 1000:.1f} ms), "
              f"expand+collapse {median_cpu(expand_collapse) * 1000:.2f} ms, "
              f"48 notes {median_cpu(lambda: [view.note(a) for a in top]) * 1e6:.0f} us (CPU, median of 7)")


def live() -> None:
    """CPU seconds of ``LiveStories.sync`` (the app's run after a refresh) on the
    labelled set (444 articles): the first, one with nothing changed, and the
    first of a new run with the story file saved (median of 5)."""
    import tempfile
    from pathlib import Path

    from feedreader.core.library.library import Library
    from feedreader.core.stories.live import LiveStories

    docs = Path(__file__).resolve().parents[1] / "tests" / "data" / "stories" / "docs"
    first, unchanged, restart = [], [], []
    for _ in range(5):
        with tempfile.TemporaryDirectory() as tmp, Library.open(Path(tmp), [docs]) as library:
            library.refresh(workers=1)
            stories = LiveStories()
            first.append(median_cpu(lambda: stories.sync(library), runs=1))
            unchanged.append(median_cpu(lambda: stories.sync(library), runs=1))
            restart.append(median_cpu(lambda: LiveStories().sync(library), runs=1))
    print(f"LiveStories.sync on {docs.parent.name}: first {statistics.median(first) * 1000:.0f} ms, nothing "
          f"changed {statistics.median(unchanged) * 1000:.2f} ms, a new run with the saved story file "
          f"{statistics.median(restart) * 1000:.0f} ms (CPU, median of 5)")


if __name__ == "__main__":
    if sys.argv[1:] == ["--live"]:
        live()
    else:
        main([int(a) for a in sys.argv[1:]] or [100_000, 1_000_000])
