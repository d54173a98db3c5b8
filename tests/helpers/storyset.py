"""A small copy of the labelled story set (tests/data/stories): a few stories
of several providers and a few articles alone, for the app and CLI tests."""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "stories"


def copy_stories(folder: Path, *, stories: int = 4, alone: int = 3) -> dict[str, list[str]]:
    """Copy the first ``stories`` labelled stories of 3+ articles and ``alone``
    single articles into ``folder``; label -> the file names copied."""
    labels = json.loads((DATA / "labels.json").read_text(encoding="utf-8"))
    by_label: dict[str, list[str]] = defaultdict(list)
    for name, label in sorted(labels.items()):
        by_label[label].append(name)
    chosen = [s for s in sorted(by_label) if len(by_label[s]) >= 3][:stories]
    chosen += [s for s in sorted(by_label) if len(by_label[s]) == 1][:alone]
    folder.mkdir(parents=True, exist_ok=True)
    for label in chosen:
        for name in by_label[label]:
            shutil.copy(DATA / "docs" / name, folder / name)
    return {label: by_label[label] for label in chosen}


def labels_by_id(folder: Path, labels: dict[str, list[str]]) -> dict[str, str]:
    """Article id (16 hex characters) -> its label, for the files ``copy_stories`` copied."""
    from feedreader.core.documents.parse import load_document

    out = {}
    for label, names in labels.items():
        for name in names:
            article, problems = load_document(folder / name)
            assert article is not None, problems
            out[article.id] = label
    return out
