"""Features as compact records: what the story index keeps of an article.

``Features`` (``features.py``) are readable tuples of strings, a few KB of
Python objects an article. The index keeps instead one ``Record`` an
article: its key, version, date, provider and identity, and ``data``, one
byte string of 32-bit hashes (CRC-32 of the key's text, stable across runs
and processes) in this order::

    header: title terms, terms, entities, numbers, links, sketch  (counts)
            url, provider                                         (hashes, 0: none)
    terms (the title's first), entities, numbers, links, sketch   (hashes)

(about 0.2-0.6 KB an article, in the story file, not in memory). Every
key is the hash of a distinct text: a term ``recall``, an entity
``e:northwind``, a number ``n:1.2e+09`` or ``p:31``, a URL ``u:https://...``
and a shingle's own CRC-32; two different texts with the same hash (about
one pair in 4 billion) count as one key, which changes a score by one
shared word at most.

Workers extract and pack (``pack``) and send back records, not objects.
"""

from __future__ import annotations

import time
import zlib
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from multiprocessing.pool import AsyncResult
from typing import NamedTuple, TypeVar

from feedreader.core.stories.features import Features, StoryInput, extract

T = TypeVar("T")
R = TypeVar("R")
HEADER = 8
SKETCH_KEYS = 4            # the smallest shingle hashes that are candidate keys
MIN_STRENGTH = 3           # what a candidate must share: 3 keys, or one URL


def key_hash(text: str) -> int:
    """The 32-bit key of a text (never 0: 0 means "none" in a record)."""
    return zlib.crc32(text.encode("utf-8", "surrogatepass")) or 1


class Record(NamedTuple):
    """One article as the story index keeps it (``data``: see the module's doc)."""

    aid: int
    version: int
    published: float | None
    provider: int              # the provider's hash (0: none)
    identity: str
    data: bytes


def pack(f: Features) -> Record:
    h = key_hash
    title = list(dict.fromkeys(f.title_terms))
    in_title = set(title)
    terms = [h(t) for t in title] + [h(t) for t in f.terms if t not in in_title]
    entities = [h("e:" + e) for e in f.entities]
    numbers = [h(n) for n in f.numbers]
    links = [h("u:" + u) for u in f.links]
    url = h("u:" + f.url) if f.url else 0
    provider = h(f.provider) if f.provider else 0
    values = array("I", [len(title), len(terms), len(entities), len(numbers), len(links), len(f.sketch),
                         url, provider])
    for part in (terms, entities, numbers, links, f.sketch):
        values.extend(part)
    return Record(f.aid, f.version, f.published, provider, f.identity, values.tobytes())


class Parts(NamedTuple):
    """A record's data, read (``unpack``)."""

    title: int                 # how many of ``terms`` are the title's
    terms: array
    entities: array
    numbers: array
    links: array
    sketch: array
    url: int
    provider: int


def unpack(data: bytes) -> Parts:
    values = array("I")
    values.frombytes(data)
    title, nterms, nent, nnum, nlinks, nsketch, url, provider = values[:HEADER]
    a = HEADER
    b = a + nterms
    c = b + nent
    d = c + nnum
    e = d + nlinks
    return Parts(title, values[a:b], values[b:c], values[c:d], values[d:e], values[e : e + nsketch], url, provider)


def rarity_keys(p: Parts) -> Iterator[int]:
    """The keys whose document frequency weighs a score: terms, entities, numbers."""
    yield from p.terms
    yield from p.entities
    yield from p.numbers


def rarity_array(data: bytes) -> array:
    """``rarity_keys`` of a record's ``data`` as one array (they are side by side in it)."""
    values = array("I")
    values.frombytes(data)
    return values[HEADER : HEADER + values[1] + values[2] + values[3]]


def candidate_keys(p: Parts) -> list[tuple[int, int]]:
    """(key, strength) for candidate generation: entities, numbers, title terms, the
    smallest shingle hashes (1 each), its own and its related URLs (``MIN_STRENGTH``)."""
    keys = [(k, 1) for k in p.entities]
    keys += [(k, 1) for k in p.numbers]
    keys += [(k, 1) for k in p.terms[: p.title]]
    if p.url:
        keys.append((p.url, MIN_STRENGTH))
    keys += [(k, MIN_STRENGTH) for k in p.links]
    keys += [(k, 1) for k in p.sketch[:SKETCH_KEYS]]
    return keys


def _pack_chunk(items: list[StoryInput]) -> tuple[list[Record], float]:
    started = time.process_time()
    out = [pack(extract(item)) for item in items]
    return out, time.process_time() - started


def pack_many(items: Iterable[StoryInput], *, jobs: int = 1, chunk: int = 2000,
              cpu: list[float] | None = None) -> Iterator[Record]:
    """The records of many articles, as they are made, on ``jobs`` processes (the CPU
    seconds the workers spent are added to ``cpu[0]`` when given)."""
    if jobs <= 1:
        for item in items:
            yield pack(extract(item))
        return
    it = iter(items)
    for out, seconds in in_processes(_pack_chunk, iter(lambda: list(islice(it, chunk)), []), jobs):
        if cpu is not None:
            cpu[0] += seconds
        yield from out


def give_back() -> None:
    """Return the heap memory freed so far to the system (glibc's ``malloc_trim``; nothing
    elsewhere): a first grouping frees tens of MB between its steps, which malloc would
    otherwise keep resident beside what the next step allocates (in another thread's arena)."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):      # not glibc (musl has no malloc_trim)
        return
    trim.argtypes = [ctypes.c_size_t]
    trim(0)


def in_processes(work: Callable[[T], R], parts: Iterator[T], jobs: int) -> Iterator[R]:
    """``work`` of each of ``parts`` on ``jobs`` worker processes, in order, at most two parts
    a process ahead (what is waiting to be done or taken is bounded, not all of it)."""
    import multiprocessing

    from feedreader.core.library.pool import start_helpers

    ctx = multiprocessing.get_context("forkserver")
    start_helpers(ctx)   # inside the app sys.stderr has no file descriptor: start the helpers with one
    with ctx.Pool(jobs) as pool:
        waiting: deque[AsyncResult[R]] = deque()
        for part in parts:
            waiting.append(pool.apply_async(work, (part,)))
            if len(waiting) >= 2 * jobs:
                yield waiting.popleft().get()
        while waiting:
            yield waiting.popleft().get()
