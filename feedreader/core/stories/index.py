"""``StoryIndex``: articles in, stories out, one update at a time.

An update takes new or changed articles (and the keys of removed ones) and
regroups only what they touch:

1. each new article's *candidates* come from an inverted index of its rare
   keys (entities, numbers, title terms, its own and its related URLs, the
   smallest shingle hashes) in time buckets one window wide: only articles
   within the window are looked at, and a key shared by more than
   ``posting_cap`` articles of a bucket is too common to say anything and is
   skipped. A candidate must share three keys (an entity, a number, a title
   term, one of the four smallest shingle hashes) or one URL (its own URL
   in the other's related coverage, or a related URL both have); only the
   ``MAX_CANDIDATES`` that share the most are scored (ties: lower key first);
2. each candidate pair is scored (``score.py``); pairs scoring at least
   ``weights.edge`` are kept as links;
3. the connected parts of the link graph that hold a changed article are
   grouped again by average link (``cluster.py``); the rest stay as they are.

Grouping is a function of the links, and whether two articles are candidates
does not depend on the order they arrived in, so with the same rarity weights
an incremental run gives the batch result exactly. The weights themselves
(IDF) drift as the collection grows, and a pair scored early is not scored
again, so a long incremental run can differ from a batch run on pairs close
to the threshold (on the labelled set: ``test_index.py`` measures it);
``rebuild`` scores everything again.

A story's id is stable: derived from the identity of its earliest article.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import chain
from dataclasses import dataclass

from feedreader.core.ids import article_id
from feedreader.core.stories.cluster import average_link, bounded_component, components
from feedreader.core.stories.features import Features, StoryInput, extract
from feedreader.core.stories.score import DEFAULT_WEIGHTS, Rarity, Weights, fast_score

POSTING_CAP = 24
MAX_CANDIDATES = 12           # the strongest candidates of an article that are scored
SKETCH_KEYS = 4
MIN_STRENGTH = 3              # what a candidate must share: 3 keys, or one link
REGROUP_LIMIT = 400          # a connected part up to this size is regrouped whole when touched
NO_TIME = -(1 << 40)          # the bucket of articles without a date (they meet only each other)


@dataclass(frozen=True, slots=True)
class Story:
    id: str
    members: tuple[int, ...]       # aids, earliest first

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(frozen=True, slots=True)
class Changes:
    """What one update did: story ids that are new or changed, ids that are gone."""

    changed: frozenset[str]
    gone: frozenset[str]
    scored_pairs: int = 0


def story_id(identity: str) -> str:
    return article_id("story\n" + identity)


def _keys(f: Features) -> Iterator[tuple[str, int]]:
    """(key, strength) for candidate generation."""
    for e in f.entities:
        yield "e:" + e, 1
    for n in f.numbers:
        yield n, 1
    for t in f.title_terms:
        yield "t:" + t, 1
    if f.url:
        yield "u:" + f.url, MIN_STRENGTH
    for link in f.links:
        yield "u:" + link, MIN_STRENGTH
    for h in f.sketch[:SKETCH_KEYS]:
        yield f"h:{h}", 1


def _rarity_keys(f: Features) -> Iterator[str]:
    yield from f.terms
    for e in f.entities:
        yield "e:" + e
    yield from f.numbers


class StoryIndex:
    """Stories of a changing set of articles, kept in memory (``store.py`` saves it)."""

    def __init__(self, weights: Weights = DEFAULT_WEIGHTS, *, posting_cap: int = POSTING_CAP,
                 rarity: Rarity | None = None, regroup_limit: int = REGROUP_LIMIT) -> None:
        self.weights = weights
        self.regroup_limit = regroup_limit
        self._fixed_rarity = rarity          # weights from elsewhere (tests; a reference collection)
        self.posting_cap = posting_cap
        self.features: dict[int, Features] = {}
        self.df: Counter[str] = Counter()
        self._postings: dict[int, dict[str, list[int]]] = {}    # bucket -> key -> aids
        self.links: dict[int, dict[int, float]] = {}
        self._group_of: dict[int, int] = {}           # aid -> its group's first aid
        self._groups: dict[int, tuple[str, tuple[int, ...]]] = {}  # first aid -> (story id, members: 2 or more)
        self.dirty: set[int] = set()     # articles whose features, links or group changed since the last save
        self.token = os.urandom(8).hex()  # which index a store last saved (store.py)

    # -- reading ----------------------------------------------------------
    def __len__(self) -> int:
        return len(self.features)

    def __contains__(self, aid: object) -> bool:
        return aid in self.features

    def rarity(self) -> Rarity:
        if self._fixed_rarity is not None:
            return self._fixed_rarity
        return Rarity(self.df, len(self.features))

    def _story(self, members: tuple[int, ...]) -> Story:
        ordered = sorted(members, key=self._time_key)
        return Story(story_id(self.features[ordered[0]].identity), tuple(ordered))

    def _time_key(self, aid: int) -> tuple[float, str]:
        f = self.features[aid]
        return (f.published if f.published is not None else float("inf"), f.identity)

    def stories(self) -> list[Story]:
        """Every story of two or more articles, newest first."""
        out = [self._story(m) for _, m in self._groups.values()]
        out.sort(key=lambda s: (-(self.features[s.members[-1]].published or 0.0), s.id))
        return out

    def story_of(self, aid: int) -> Story | None:
        first = self._group_of.get(aid)
        return self._story(self._groups[first][1]) if first is not None else None

    def groups(self) -> list[tuple[int, ...]]:
        """Every group of two or more, as sorted aids (for comparing runs)."""
        return sorted(m for _, m in self._groups.values())

    # -- changing ---------------------------------------------------------
    def _bucket(self, f: Features) -> int:
        return NO_TIME if f.published is None else int(f.published // self.weights.window)

    def _add(self, f: Features) -> None:
        self.dirty.add(f.aid)
        self.features[f.aid] = f
        self.df.update(_rarity_keys(f))

    def _remove(self, aid: int) -> None:
        self.dirty.add(aid)
        f = self.features.pop(aid)
        self.df.subtract(_rarity_keys(f))
        for key in set(_rarity_keys(f)):
            if self.df[key] <= 0:
                del self.df[key]
        bucket = self._bucket(f)
        in_bucket = self._postings.get(bucket, {})
        for key, _ in _keys(f):
            posting = in_bucket.get(key)
            if posting is not None:
                try:
                    posting.remove(aid)
                except ValueError:
                    pass
                if not posting:
                    del in_bucket[key]
        if not in_bucket:
            self._postings.pop(bucket, None)
        for other in self.links.pop(aid, {}):
            row = self.links.get(other)
            if row is not None:
                row.pop(aid, None)
                if not row:
                    del self.links[other]

    def _candidates(self, f: Features, keys: list[tuple[str, int]]) -> list[int]:
        bucket = self._bucket(f)
        buckets = (bucket,) if bucket == NO_TIME else (bucket - 1, bucket, bucket + 1)
        cap = self.posting_cap
        postings = self._postings
        hits: list[list[int]] = []
        for b in buckets:
            in_bucket = postings.get(b)
            if in_bucket is None:
                continue
            get = in_bucket.get
            for key, weight in keys:
                posting = get(key)
                if posting is None or len(posting) > cap:
                    continue
                if weight == 1:
                    hits.append(posting)
                else:
                    hits.extend([posting] * weight)
        strength = Counter(chain.from_iterable(hits))
        window = self.weights.window
        found = []
        features = self.features
        for other, s in strength.items():
            if s < MIN_STRENGTH or other == f.aid:
                continue
            g = features[other]
            if f.published is not None and g.published is not None and abs(f.published - g.published) > window:
                continue
            found.append((-s, other))
        found.sort()
        return sorted(other for _, other in found[:MAX_CANDIDATES])

    def _index(self, f: Features, keys: list[tuple[str, int]]) -> None:
        in_bucket = self._postings.setdefault(self._bucket(f), {})
        aid = f.aid
        for key, _ in keys:
            posting = in_bucket.get(key)
            if posting is None:
                in_bucket[key] = [aid]
            elif posting[-1] != aid:
                posting.append(aid)

    def _link(self, a: int, b: int, s: float) -> None:
        self.links.setdefault(a, {})[b] = s
        self.links.setdefault(b, {})[a] = s

    def update(self, items: Iterable[StoryInput | Features] = (), removed: Iterable[int] = ()) -> Changes:
        """Add new or changed articles and drop removed ones; regroup what they touch."""
        new = [item if isinstance(item, Features) else extract(item) for item in items]
        touched: set[int] = set()
        for aid in {*removed, *(f.aid for f in new)}:
            if aid in self.features:
                first = self._group_of.get(aid)
                if first is not None:
                    touched.update(self._groups[first][1])
                self._remove(aid)
                touched.add(aid)
        for f in new:
            self._add(f)
        new.sort(key=lambda f: (f.published if f.published is not None else float("inf"), f.aid))
        rarity = self.rarity()
        for f in new:
            rarity.norms.pop(f.aid, None)
        rarity.forget(f.aid for f in new)
        weights = self.weights
        edge = weights.edge
        scored = 0
        features = self.features
        prepared = rarity.prepared
        horizon = None if not new or new[0].published is None else new[0].published
        for n, f in enumerate(new):
            if n % 2048 == 2047 and f.published is not None:
                if horizon is not None and f.published - horizon > 2 * weights.window:
                    # in time order, an article older than a window is not compared again
                    rarity.forget([a for a in rarity.prepared_aids()
                                   if (features[a].published or 0.0) < f.published - 2 * weights.window])
                    horizon = f.published
            keys = list(_keys(f))
            candidates = self._candidates(f, keys)
            if candidates:
                pf = prepared(f)
                for other in candidates:
                    s = fast_score(pf, prepared(features[other]), weights)
                    if s >= edge:
                        self._link(f.aid, other, s)
                scored += len(candidates)
            self._index(f, keys)
            touched.add(f.aid)
        rarity.forget(rarity.prepared_aids())
        return self._regroup(touched, scored)

    def _regroup(self, touched: set[int], scored: int) -> Changes:
        old: dict[str, tuple[int, ...]] = {}
        links = self.links
        empty: dict[int, float] = {}

        def neighbours(n: int) -> dict[int, float]:
            return links.get(n, empty)

        def drop(aid: int) -> None:
            first = self._group_of.get(aid)
            if first is not None:
                sid, members = self._groups.pop(first)
                old[sid] = members
                for m in members:
                    del self._group_of[m]
                self.dirty.update(members)

        def group_of(aid: int) -> tuple[int, ...]:
            first = self._group_of.get(aid)
            return self._groups[first][1] if first is not None else (aid,)

        present = sorted(a for a in touched if a in self.features)
        parts: list[list[int]] = []
        seen: set[int] = set()
        local: set[int] = set()          # touched articles of parts too big to regroup whole
        big: set[int] = set()            # articles known to be in such a part
        for aid in present:
            if aid in seen:
                if aid in big:
                    local.add(aid)
                continue
            part, whole = bounded_component(aid, neighbours, self.regroup_limit, big)
            if whole:
                parts.append(part)
            else:       # all of ``part`` is in that big part: it is not walked again from them
                local.update(a for a in part if a in touched)
                big.update(part)
            seen.update(part)
        if local:
            # the neighbourhood: the touched articles, the articles they link to, and the whole
            # groups of all these; links out of it are left out of this regrouping
            region: set[int] = set()
            for aid in local:
                region.update(group_of(aid))
                for other in neighbours(aid):
                    region.update(group_of(other))
            inside = region.__contains__
            parts += components(sorted(region), lambda n: filter(inside, neighbours(n)))
        for aid in touched:
            drop(aid)
        for part in parts:
            for m in part:
                drop(m)
        new: dict[str, tuple[int, ...]] = {}
        features = self.features

        def when(aid: int) -> float | None:
            return features[aid].published

        for part in parts:
            groups = [part] if len(part) == 1 else average_link(
                part, neighbours, self.weights.merge, when, 2 * self.weights.window)
            for group in groups:
                if len(group) < 2:
                    continue
                members = tuple(group)
                story = self._story(members)
                self._groups[members[0]] = (story.id, members)
                for m in members:
                    self._group_of[m] = members[0]
                self.dirty.update(members)
                new[story.id] = members
        changed = frozenset(sid for sid, members in new.items() if old.get(sid) != members)
        return Changes(changed, frozenset(old.keys() - new.keys()), scored)

    # -- saving and loading (store.py) ------------------------------------
    def members_of(self, aids: Iterable[int]) -> Iterator[tuple[int, int]]:
        """(aid, its group's first aid) of those of ``aids`` that are in a group."""
        for aid in aids:
            first = self._group_of.get(aid)
            if first is not None:
                yield aid, first

    def restore(self, features: Iterable[Features], links: Iterable[tuple[int, int, float]],
                members: Iterable[tuple[int, int]], token: str | None = None) -> None:
        """Fill an empty index with what a store saved."""
        ordered = sorted(features, key=lambda f: (f.published if f.published is not None else float("inf"), f.aid))
        for f in ordered:
            self.features[f.aid] = f
            self.df.update(_rarity_keys(f))
            self._index(f, list(_keys(f)))
        for a, b, s in links:
            if a in self.features and b in self.features:
                self._link(a, b, s)
        by_first: dict[int, list[int]] = {}
        for aid, first in members:
            if aid in self.features:
                by_first.setdefault(first, []).append(aid)
        for first, group in by_first.items():
            if len(group) >= 2:
                group_members = tuple(sorted(group))
                self._groups[group_members[0]] = (self._story(group_members).id, group_members)
                for m in group_members:
                    self._group_of[m] = group_members[0]
        self.dirty.clear()
        if token is not None:
            self.token = token

    def rebuild(self) -> Changes:
        """Score and group everything again from the features (after weights changed)."""
        features = list(self.features.values())
        self.__init__(self.weights, posting_cap=self.posting_cap, rarity=self._fixed_rarity,  # type: ignore[misc]
                      regroup_limit=self.regroup_limit)
        return self.update(features)
