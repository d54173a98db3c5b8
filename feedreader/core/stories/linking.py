"""Comparing new articles with their candidates: in this process, or in slices of time
on worker processes.

``link(order, buckets, ...)`` is step 1-2 of ``StoryIndex.update`` (``index.py``):
the new articles in time order, each against the candidates its keys find in the
postings of its bucket and the two beside it; the links found go to ``emit``.

A first grouping (many new articles, nothing to take out of the postings) can
run on several processes: the time order is cut at bucket boundaries into one
slice a process (``plan``); each worker reads the records, postings and document
frequencies from the story file (committed before, read-only), treats the new
articles before its slice as compared already and those after as not yet, and
sends back its links and the postings of its own buckets (``link_slice``). An
article's candidates are then exactly those of the one-process run: the result
is the same, in about half the time on two cores.
"""

from __future__ import annotations

import os
import sqlite3
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from pathlib import Path

from feedreader.core.stories.records import MIN_STRENGTH, candidate_keys, unpack
from feedreader.core.stories.score import Rarity, Weights, link_score_of
from feedreader.core.stories.tables import NO_TIME, Bucket, Buckets, SqlCounts

MAX_CANDIDATES = 12           # the strongest candidates of an article that are scored
Link = tuple[int, int, float]
Order = list[tuple[float, int, int]]          # (date or inf, aid, bucket), in time order


def link(order: Order, buckets: Buckets, rarity: Rarity, weights: Weights, posting_cap: int,
         emit: Callable[[list[Link]], None]) -> int:
    """Compare each article of ``order`` with its candidates and index it; the pairs scored."""
    prepared = rarity.prepared
    known = rarity.known
    pending = buckets.pending
    found: list[Link] = []
    scored = 0
    current: int | None = None
    near: list[Bucket] = []
    if buckets.lazy:            # the new articles' own records, in a few queries
        buckets.records([], [aid for _, aid, _ in order])
    for _, aid, b in order:
        if b != current:
            if b != NO_TIME:
                rarity.forget(buckets.drop_before(b - 1))
            current = b
            near = [buckets.get(b)] if b == NO_TIME else [buckets.get(b - 1), buckets.get(b), buckets.get(b + 1)]
        home = near[0] if b == NO_TIME else near[1]
        published, data = buckets.records(near, [aid])[aid]
        keys = candidate_keys(unpack(data))
        candidates = candidates_of(aid, published, keys, near, buckets, posting_cap, weights.window)
        if candidates:
            pf = prepared(aid, published, data)
            for other, (when, other_data) in candidates:
                po = known(other)
                s = link_score_of(pf, po if po is not None else prepared(other, when, other_data), weights)
                if s:
                    found.append((aid, other, s))
                    found.append((other, aid, s))
            scored += len(candidates)
            if len(found) >= 20000:
                emit(found)
                found = []
        home.index(aid, keys)
        pending.discard(aid)
    emit(found)
    buckets.close()
    return scored


def candidates_of(aid: int, published: float | None, keys: list[tuple[int, int]], near: list[Bucket],
                  buckets: Buckets, cap: int, window: float) -> list[tuple[int, tuple[float | None, bytes]]]:
    """The ``MAX_CANDIDATES`` articles that share the most keys with ``aid`` (at least
    ``MIN_STRENGTH``; ties: lower key first), within the window, by key."""
    hits: list[list[int]] = []
    ones: list[int] | None = None
    for bucket in near:
        usable = bucket.usable
        if usable is not None:      # the postings of at most ``cap``, by key: looked up in C
            if not usable:
                continue
            if ones is None:
                ones = [key for key, weight in keys if weight == 1]
            hits.extend(filter(None, map(usable.get, ones)))
            if len(ones) < len(keys):
                for key, weight in keys:
                    if weight != 1:
                        posting = usable.get(key)
                        if posting is not None:
                            hits.extend([posting] * weight)
            continue
        get = bucket.postings.get if bucket.base is None else bucket.posting
        for key, weight in keys:
            posting = get(key)
            if posting is None or len(posting) > cap:
                continue
            if weight == 1:
                hits.append(posting)
            else:
                hits.extend([posting] * weight)
    if not hits:
        return []
    strength = Counter(chain.from_iterable(hits))
    strong = [other for other, s in strength.items() if s >= MIN_STRENGTH]
    if not strong:
        return []
    records = buckets.records(near, strong)
    found = []
    for other in strong:
        item = records.get(other)
        if item is None or other == aid:
            continue
        when = item[0]
        if published is not None and when is not None and abs(published - when) > window:
            continue
        found.append((-strength[other], other, item))
    if len(found) > MAX_CANDIDATES:
        found.sort(key=_rank)
        del found[MAX_CANDIDATES:]
    found.sort(key=_second)
    return [(other, item) for _, other, item in found]


_rank = itemgetter(0, 1)
_second = itemgetter(1)


# -- on worker processes -----------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Slice:
    """One worker's part of a first grouping."""

    path: str                 # the story file
    weights: Weights
    posting_cap: int
    total: int                # articles in the index (the rarity weights)
    order: Order              # its articles, in time order
    fresh: frozenset[int]     # the new articles it may meet (not in the saved postings)
    before: frozenset[int]    # those of them compared before its slice (indexed)
    own: frozenset[int]       # the buckets its articles are in (whose postings it sends back)


def plan(order: Order, parts: int, path: str, weights: Weights, posting_cap: int, total: int) -> list[Slice]:
    """``order`` cut at bucket boundaries into up to ``parts`` slices of about equal size."""
    cuts = [0]
    for k in range(1, parts):
        i = max(cuts[-1] + 1, len(order) * k // parts)
        while 0 < i < len(order) and order[i][2] == order[i - 1][2]:
            i += 1
        if i < len(order):
            cuts.append(i)
    cuts.append(len(order))
    by_bucket: dict[int, list[tuple[int, int]]] = {}
    for position, (_, aid, bucket) in enumerate(order):
        by_bucket.setdefault(bucket, []).append((position, aid))
    slices = []
    for start, stop in zip(cuts, cuts[1:]):
        part = order[start:stop]
        own = {b for _, _, b in part}
        near = set(own) | {b + d for b in own if b != NO_TIME for d in (-1, 1)}
        fresh = [(p, aid) for b in near for p, aid in by_bucket.get(b, ())]
        slices.append(Slice(path, weights, posting_cap, total, part, frozenset(aid for _, aid in fresh),
                            frozenset(aid for p, aid in fresh if p < start), frozenset(own)))
    return slices


@dataclass(frozen=True, slots=True)
class Linked:
    """What a worker sends back: its links as arrays (a few bytes each, not tuples)."""

    pairs: bytes              # array('q'): a, b, a, b, ...
    scores: bytes             # array('d')
    scored: int
    postings: dict[int, bytes | None]
    cpu: float                # the worker's CPU seconds
    worker: int = 0           # its process id (a worker does several slices: SLICES_PER_JOB)

    def links(self) -> Iterator[Link]:
        pairs, scores = array("q"), array("d")
        pairs.frombytes(self.pairs)
        scores.frombytes(self.scores)
        return zip(pairs[0::2], pairs[1::2], scores)


def link_slice(task: Slice) -> Linked:
    """(A worker.) The links of ``task``'s articles, the pairs scored, its buckets' postings."""
    started = time.process_time()
    conn = sqlite3.connect(Path(task.path).as_uri() + "?mode=ro", uri=True, check_same_thread=False)
    pairs, scores = array("q"), array("d")

    def emit(links: list[Link]) -> None:
        for a, b, s in links:
            pairs.append(a)
            pairs.append(b)
            scores.append(s)

    try:
        rarity = Rarity(SqlCounts(conn), task.total)
        sink: dict[int, bytes | None] = {}
        buckets = Buckets(conn, set(task.fresh - task.before), {}, fresh=task.fresh, sink=sink, own=task.own,
                          cap=task.posting_cap)
        scored = link(task.order, buckets, rarity, task.weights, task.posting_cap, emit)
    finally:
        conn.close()
    return Linked(pairs.tobytes(), scores.tobytes(), scored, sink, time.process_time() - started, os.getpid())
