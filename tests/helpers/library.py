"""A real library index of generated articles, for the search tests."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

from feedreader.core.library.library import Library


def built_library(base: Path, count: int, article: Callable[[int, random.Random], str],
                  seed: int) -> Iterator[Library]:
    """``count`` documents ``article(i, rng)`` in ``base/docs``, indexed in ``base/cache``;
    yields the open library (a module fixture's body) and closes it after."""
    folder = base / "docs"
    folder.mkdir()
    rng = random.Random(seed)
    for i in range(count):
        (folder / f"a{i:04d}.txt").write_text(article(i, rng), encoding="utf-8")
    library = Library.open(base / "cache", [folder])
    library.refresh(workers=1)
    assert library.count() == count
    yield library
    library.close()
