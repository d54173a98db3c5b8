"""Linked articles -> stories, without chaining.

Taking every link above a threshold and uniting its ends (single link) lets
one loose pair join two different stories, and a chain of pairs join many.
Joining two different stories is worse than missing one, so the articles of
one connected part of the link graph are merged by **average link**: two
groups join only when the mean score over *all* their pairs (a pair without
a link counts 0) reaches ``merge``, best pair of groups first; and never when
the joined group would span more than ``max_span`` seconds.

Deterministic: the same links give the same groups in any order of arrival
(ties are broken by the article keys), which is what lets ``StoryIndex``
regroup only the parts an update touched.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Container, Iterable, Mapping


def components(nodes: Iterable[int], neighbours: Callable[[int], Iterable[int]]) -> list[list[int]]:
    """The connected parts of the graph reachable from ``nodes`` (each sorted)."""
    seen: set[int] = set()
    out: list[list[int]] = []
    for start in nodes:
        if start in seen:
            continue
        seen.add(start)
        part = [start]
        stack = [start]
        while stack:
            node = stack.pop()
            for other in neighbours(node):
                if other not in seen:
                    seen.add(other)
                    part.append(other)
                    stack.append(other)
        part.sort()
        out.append(part)
    return out


def bounded_component(start: int, neighbours: Callable[[int], Iterable[int]], limit: int,
                      big: Container[int] = ()) -> tuple[list[int], bool]:
    """The connected part holding ``start`` (sorted) and True; or, when it has more than
    ``limit`` nodes or reaches a node of ``big`` (known to be in a big part), the nodes the
    walk reached (all in that part) and False: a giant part is not walked whole."""
    seen = {start}
    stack = [start]
    while stack:
        for other in neighbours(stack.pop()):
            if other not in seen:
                seen.add(other)
                if len(seen) > limit or other in big:
                    return sorted(seen), False
                stack.append(other)
    return sorted(seen), True


def average_link(
    part: list[int],
    links: Callable[[int], Mapping[int, float]],
    merge: float,
    when: Callable[[int], float | None] | None = None,
    max_span: float | None = None,
) -> list[list[int]]:
    """Groups of one connected part (each group sorted, groups by first key)."""
    if len(part) == 1:
        return [list(part)]
    index = {node: i for i, node in enumerate(sorted(part))}
    members: dict[int, list[int]] = {}
    sums: dict[int, dict[int, float]] = {}
    span: dict[int, tuple[float, float] | None] = {}
    for node, i in index.items():
        members[i] = [node]
        t = when(node) if when is not None else None
        span[i] = (t, t) if t is not None else None
        row: dict[int, float] = {}
        for other, s in links(node).items():
            j = index.get(other)
            if j is not None and j != i:
                row[j] = row.get(j, 0.0) + s
        sums[i] = row
    heap: list[tuple[float, int, int]] = []
    for i, row in sums.items():
        for j, s in row.items():
            if i < j and s >= merge:
                heapq.heappush(heap, (-s, i, j))
    next_id = len(index)
    while heap:
        neg, i, j = heapq.heappop(heap)
        if i not in members or j not in members:
            continue
        joined = _joined_span(span[i], span[j])
        if max_span is not None and joined is not None and joined[1] - joined[0] > max_span:
            continue
        k = next_id
        next_id += 1
        mi, mj = members.pop(i), members.pop(j)
        members[k] = mi + mj
        span[k] = joined
        row_i, row_j = sums.pop(i), sums.pop(j)
        joined_row: dict[int, float] = {}
        for other_row in (row_i, row_j):
            for other, s in other_row.items():
                if other in members and other != k:
                    joined_row[other] = joined_row.get(other, 0.0) + s
        sums[k] = joined_row
        size = len(members[k])
        for other, s in joined_row.items():
            other_row = sums[other]
            other_row.pop(i, None)
            other_row.pop(j, None)
            other_row[k] = s
            average = s / (size * len(members[other]))
            if average >= merge:
                heapq.heappush(heap, (-average, other, k))
    groups = [sorted(m) for m in members.values()]
    groups.sort()
    return groups


def _joined_span(a: tuple[float, float] | None, b: tuple[float, float] | None) -> tuple[float, float] | None:
    if a is None:
        return b
    if b is None:
        return a
    return (min(a[0], b[0]), max(a[1], b[1]))
