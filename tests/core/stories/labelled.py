"""The labelled set (tests/data/stories) and the measures of a grouping."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from feedreader.core.documents.parse import load_document
from feedreader.core.ids import aid_from_id
from feedreader.core.stories import StoryInput, input_from_article

DATA = Path(__file__).resolve().parents[2] / "data" / "stories"


def load_set(folder: Path = DATA / "docs", labels_file: Path = DATA / "labels.json") -> tuple[list[StoryInput], dict[int, str]]:
    labels = json.loads(labels_file.read_text(encoding="utf-8"))
    inputs, truth = [], {}
    for name in sorted(labels):
        article, problems = load_document(folder / name)
        assert article is not None, problems
        inputs.append(input_from_article(article))
        truth[aid_from_id(article.id)] = labels[name]
    return inputs, truth


@dataclass(frozen=True)
class Measures:
    pair_precision: float
    pair_recall: float
    bcubed_precision: float
    bcubed_recall: float
    true_pairs: int
    found_pairs: int

    @property
    def bcubed_f1(self) -> float:
        p, r = self.bcubed_precision, self.bcubed_recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __str__(self) -> str:
        return (f"pairwise precision {self.pair_precision:.3f} recall {self.pair_recall:.3f} "
                f"({self.found_pairs} pairs found, {self.true_pairs} true); B-cubed precision "
                f"{self.bcubed_precision:.3f} recall {self.bcubed_recall:.3f} F1 {self.bcubed_f1:.3f}")


def measure(groups: list[tuple[int, ...]], truth: dict[int, str]) -> Measures:
    """Pairwise and B-cubed measures of ``groups`` (articles not in a group are alone)."""
    found = {aid: i for i, group in enumerate(groups) for aid in group}
    cluster: dict[object, set[int]] = defaultdict(set)
    for aid in truth:
        cluster[("g", found[aid]) if aid in found else ("a", aid)].add(aid)
    label: dict[str, set[int]] = defaultdict(set)
    for aid, story in truth.items():
        label[story].add(aid)
    true_pairs = {frozenset(p) for members in label.values() for p in combinations(sorted(members), 2)}
    found_pairs = {frozenset(p) for members in cluster.values() for p in combinations(sorted(members), 2)}
    both = len(true_pairs & found_pairs)
    bp = br = 0.0
    for aid in truth:
        mine = cluster[("g", found[aid]) if aid in found else ("a", aid)]
        theirs = label[truth[aid]]
        shared = len(mine & theirs)
        bp += shared / len(mine)
        br += shared / len(theirs)
    n = len(truth)
    return Measures(
        pair_precision=both / len(found_pairs) if found_pairs else 1.0,
        pair_recall=both / len(true_pairs) if true_pairs else 1.0,
        bcubed_precision=bp / n, bcubed_recall=br / n,
        true_pairs=len(true_pairs), found_pairs=len(found_pairs),
    )
