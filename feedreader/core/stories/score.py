"""How alike two articles are: one number in [0, 1] from weighted parts.

Word overlap alone cannot tell a paraphrase of an event from another event
of the same kind (DESIGN.md: a rewrite scores below a different story about
the same company), so the score adds up:

* ``terms``: cosine of the IDF-weighted term sets (title terms count double);
* ``entities``: IDF-weighted Dice overlap of the capitalised names;
* ``numbers``: IDF-weighted Dice overlap of the numbers and percentages;
* ``links``: one links to the other in its related coverage (1), or both
  link to the same outside article (0.5);

and a near-copy (estimated shingle Jaccard >= ``near_copy``) scores at least
0.9 whatever the rest says. Pairs further apart in time than the window, or
from the same provider (one provider twice is not more coverage), score 0,
unless the same provider's two versions are near-copies (an updated report).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import mul
from typing import Protocol

from feedreader.core.stories.features import Features, sketch_similarity
from feedreader.core.stories.records import key_hash, unpack

HOURS = 3600.0


@dataclass(frozen=True, slots=True)
class Weights:
    terms: float = 0.30
    entities: float = 0.35
    numbers: float = 0.25
    links: float = 0.25
    near_copy: float = 0.55       # estimated shingle Jaccard that makes a near-copy
    window_hours: float = 72.0
    edge: float = 0.30            # a pair scoring this much is a candidate link of a story
    merge: float = 0.28           # average link between two groups needed to join them

    @property
    def window(self) -> float:
        return self.window_hours * HOURS


DEFAULT_WEIGHTS = Weights()


class Rarity:
    """IDF weights from document frequencies (shared by all keys: terms, entities,
    numbers), by key hash: ``weight(key)``, computed once per key; ``rarity["e:name"]``
    hashes the key's text first (the readable ``score``). ``df`` is any mapping with
    ``get`` (the story file's table, or a dict). Also keeps the prepared form of the
    articles being compared (``prepared``), at most ``keep`` of them."""

    def __init__(self, df: Mapping[int, int] | _Lookup, total: int, keep: int = 16384) -> None:
        self.df = df
        self.total = total
        self.keep = keep
        self._idf: dict[int, float] = {}
        self._prepared: dict[int, Prepared] = {}

    def weight(self, key: int) -> float:
        value = self._idf.get(key)
        if value is None:
            value = self._idf[key] = math.log(1.0 + (self.total + 1) / (self.df.get(key, 0) + 1))
        return value

    def __getitem__(self, text: str) -> float:
        return self.weight(key_hash(text))

    def prepared(self, aid: int, published: float | None, data: bytes) -> Prepared:
        """The record ``data`` of article ``aid`` in the form ``fast_score`` compares, made
        once while these frequencies hold (the oldest half is dropped past ``keep``)."""
        found = self._prepared.get(aid)
        if found is not None:
            return found
        p = unpack(data)
        title = p.title
        terms = self._weights(p.terms)
        for t in p.terms[:title]:
            terms[t] *= 2.0
        entities = self._weights(p.entities)
        numbers = self._weights(p.numbers)
        found = Prepared(
            published, p.provider, p.url, terms, math.sqrt(sum([v * v for v in terms.values()])),
            entities, sum(entities.values()), numbers, sum(numbers.values()), frozenset(p.sketch), len(p.sketch),
            frozenset(p.links))
        prepared = self._prepared
        if len(prepared) >= self.keep:
            for old in list(prepared)[: self.keep // 2]:
                del prepared[old]
            if len(self._idf) > 8 * self.keep:
                self._idf.clear()
        prepared[aid] = found
        return found

    def known(self, aid: int) -> Prepared | None:
        """The prepared form of ``aid`` when it is made already (``prepared``)."""
        return self._prepared.get(aid)

    def _weights(self, keys: Sequence[int]) -> dict[int, float]:
        """key -> ``weight(key)`` (those known read in C, the others computed)."""
        known: list[float | None] = list(map(self._idf.get, keys))
        if None in known:
            return {k: self.weight(k) if v is None else v for k, v in zip(keys, known)}
        return dict(zip(keys, known))  # type: ignore[arg-type]   # no None in it

    def forget(self, aids: Iterable[int]) -> None:
        """Drop the prepared forms of ``aids`` (memory: only the articles being compared are kept)."""
        prepared = self._prepared
        for aid in aids:
            prepared.pop(aid, None)

    def forget_all(self) -> None:
        self._prepared.clear()

    def norms_of(self, f: Features) -> tuple[float, float, float]:
        """(term vector length, entity weight sum, number weight sum) of ``f``."""
        title = set(f.title_terms)
        terms = 0.0
        for t in dict.fromkeys(f.terms):
            w = self[t] * (2.0 if t in title else 1.0)
            terms += w * w
        return (math.sqrt(terms), sum(self["e:" + e] for e in f.entities), sum(self[n] for n in f.numbers))


class _Lookup(Protocol):
    def get(self, key: int, default: int, /) -> int: ...


@dataclass(frozen=True, slots=True)
class Prepared:
    """One article's parts with their weights (``Rarity.prepared``)."""

    published: float | None
    provider: int
    url: int
    terms: dict[int, float]          # term -> IDF, doubled for a title term
    norm: float
    entities: dict[int, float]
    entity_sum: float
    numbers: dict[int, float]
    number_sum: float
    sketch: frozenset[int]
    sketch_size: int
    links: frozenset[int]


def _weighted_dot(a: dict[int, float], b: dict[int, float]) -> float:
    shared = a.keys() & b.keys()      # (map: the same products in the same order as a loop, in C)
    return sum(map(mul, map(a.__getitem__, shared), map(b.__getitem__, shared))) if shared else 0.0


def _shared_weight(a: dict[int, float], b: dict[int, float]) -> float:
    shared = a.keys() & b.keys()
    return sum(map(a.__getitem__, shared)) if shared else 0.0


def _copy_share(pa: Prepared, pb: Prepared, weights: Weights) -> float:
    """How much of their sketches two articles share (0..1), or -1.0 when the pair cannot
    link at all: too far apart in time, or the same provider and not a near-copy."""
    if pa.published is not None and pb.published is not None and abs(pa.published - pb.published) > weights.window:
        return -1.0
    sa, sb = pa.sketch, pb.sketch
    copy = 0.0
    if sa and sb:
        common = len(sa & sb)
        if common:
            copy = common / (pa.sketch_size + pb.sketch_size - common)
    if pa.provider and pa.provider == pb.provider and copy < weights.near_copy:
        return -1.0
    return copy


def fast_score(pa: Prepared, pb: Prepared, weights: Weights = DEFAULT_WEIGHTS) -> float:
    """``score`` of two prepared articles: the same number (to rounding), without the
    per-pair sets and lookups (the candidate pairs are scored with ``link_score_of``,
    which gives this number when it reaches the edge)."""
    copy = _copy_share(pa, pb, weights)
    if copy < 0.0:
        return 0.0
    return _total(pa, pb, weights, copy, *_other_parts(pa, pb, weights))


def link_score_of(pa: Prepared, pb: Prepared, weights: Weights = DEFAULT_WEIGHTS) -> float:
    """``fast_score(pa, pb, weights)`` when it reaches ``weights.edge`` (the same number: the
    same parts added in the same order), else 0.0. The term cosine (the dearest part: the
    shared keys of two ~80-term dicts) is worked out only when the other parts leave it
    able to reach the edge: it adds at most ``weights.terms``, so a pair sharing no
    entity, number or link, and not a near-copy, is settled without it."""
    copy = _copy_share(pa, pb, weights)
    if copy < 0.0:
        return 0.0
    entities, numbers, links = _other_parts(pa, pb, weights)
    edge = weights.edge
    if copy < weights.near_copy:
        if entities + numbers + links + weights.terms < edge:
            return 0.0          # even the same terms (cosine 1) would not reach the edge
        if (not (entities or numbers or links) and weights.terms <= edge
                and pa.terms.keys() != pb.terms.keys()):
            return 0.0          # terms alone reach the edge only when they are all the same (cosine 1)
    total = _total(pa, pb, weights, copy, entities, numbers, links)
    return total if total >= edge else 0.0


def _other_parts(pa: Prepared, pb: Prepared, weights: Weights) -> tuple[float, float, float]:
    """The pair's entity, number and link parts of the score (0.0 each when none)."""
    entities = numbers = links = 0.0
    if pa.entities and pb.entities:
        shared = _shared_weight(pa.entities, pb.entities)
        if shared:
            entities = weights.entities * 2.0 * shared / (pa.entity_sum + pb.entity_sum)
    if pa.numbers and pb.numbers:
        shared = _shared_weight(pa.numbers, pb.numbers)
        if shared:
            numbers = weights.numbers * 2.0 * shared / (pa.number_sum + pb.number_sum)
    if (pa.url and pa.url in pb.links) or (pb.url and pb.url in pa.links):
        links = weights.links
    elif pa.links and pb.links and not pa.links.isdisjoint(pb.links):
        links = weights.links * 0.5
    return entities, numbers, links


def _total(pa: Prepared, pb: Prepared, weights: Weights, copy: float,
           entities: float, numbers: float, links: float) -> float:
    """The score from its parts: the term cosine, then the others in this order, a
    near-copy at least 0.9, at most 1.0."""
    total = 0.0
    if pa.norm and pb.norm:
        total += weights.terms * _weighted_dot(pa.terms, pb.terms) / (pa.norm * pb.norm)
    if entities:
        total += entities
    if numbers:
        total += numbers
    if links:
        total += links
    if copy >= weights.near_copy:
        total = max(total, 0.9 + 0.1 * copy)
    return min(1.0, total)


def _shared(a: tuple[str, ...], b: tuple[str, ...], rarity: Rarity, prefix: str) -> float:
    if not a or not b:
        return 0.0
    sb = set(b)
    return sum(rarity[prefix + key] for key in a if key in sb)


def _dot(a: Features, b: Features, rarity: Rarity) -> float:
    sb = set(b.terms)
    shared = [t for t in a.terms if t in sb]
    if not shared:
        return 0.0
    ta = set(a.title_terms)
    tb = set(b.title_terms)
    dot = 0.0
    for t in shared:
        w = rarity[t]
        dot += w * w * (2.0 if t in ta else 1.0) * (2.0 if t in tb else 1.0)
    return dot


def link_score(a: Features, b: Features) -> float:
    if (a.url and a.url in b.links) or (b.url and b.url in a.links):
        return 1.0
    if a.links and b.links and not set(a.links).isdisjoint(b.links):
        return 0.5
    return 0.0


@dataclass(frozen=True, slots=True)
class Parts:
    """The parts of one pair's score (for tests and for tuning)."""

    terms: float
    entities: float
    numbers: float
    links: float
    near_copy: float
    total: float


def score_parts(a: Features, b: Features, rarity: Rarity, weights: Weights = DEFAULT_WEIGHTS) -> Parts:
    if a.published is not None and b.published is not None and abs(a.published - b.published) > weights.window:
        return Parts(0, 0, 0, 0, 0, 0)
    copy = sketch_similarity(a.sketch, b.sketch)
    if a.provider and a.provider == b.provider and copy < weights.near_copy:
        return Parts(0, 0, 0, 0, copy, 0)
    na, ea, ma = rarity.norms_of(a)
    nb, eb, mb = rarity.norms_of(b)
    terms = _dot(a, b, rarity) / (na * nb) if na and nb else 0.0
    shared = _shared(a.entities, b.entities, rarity, "e:")
    entities = 2.0 * shared / (ea + eb) if shared else 0.0
    shared = _shared(a.numbers, b.numbers, rarity, "")
    numbers = 2.0 * shared / (ma + mb) if shared else 0.0
    links = link_score(a, b)
    total = (weights.terms * terms + weights.entities * entities + weights.numbers * numbers
             + weights.links * links)
    if copy >= weights.near_copy:
        total = max(total, 0.9 + 0.1 * copy)
    return Parts(terms, entities, numbers, links, copy, min(1.0, total))


def score(a: Features, b: Features, rarity: Rarity, weights: Weights = DEFAULT_WEIGHTS) -> float:
    return score_parts(a, b, rarity, weights).total
