"""Counts of articles by where their files are: per source folder, per feed.

A *scope* is a folder prefix (a document source, or a feed's entries folder
``<data>/feeds/<feed id>/``). The sources pane and ``feedreader feed list``
show how many articles each holds and how many of them are unread; the
caller says which scopes there are (the library does not know about feeds)
and which articles are read.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class Count:
    total: int = 0
    unread: int = 0


def folder_prefix(path: str | os.PathLike[str]) -> str:
    """``path`` as a prefix that matches the files inside it and nothing else."""
    text = os.path.abspath(os.fspath(path))
    return text if text.endswith(os.sep) else text + os.sep


def count_by_scope(
    conn: sqlite3.Connection,
    scopes: Mapping[K, str],
    read: Collection[int],
    hidden: Collection[int] = (),
) -> dict[K, Count]:
    """Articles (hidden ones left out) and unread articles under each prefix.

    One pass over the index's ``path`` column (with the index's ``aid``);
    a prefix inside another counts in both.
    """
    prefixes = sorted(scopes.items(), key=lambda kv: kv[1])
    totals = {key: [0, 0] for key, _ in prefixes}
    if not prefixes:
        return {}
    for aid, path in conn.execute("SELECT aid, path FROM articles"):
        if aid in hidden:
            continue
        for key, prefix in prefixes:
            if path.startswith(prefix):
                pair = totals[key]
                pair[0] += 1
                if aid not in read:
                    pair[1] += 1
    return {key: Count(t, u) for key, (t, u) in totals.items()}
