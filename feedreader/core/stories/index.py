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

The new articles are compared in time order, bucket by bucket; the postings
of a bucket are built when the update first needs it (``tables.Buckets``)
from the records in the index's database, and dropped when the update has
moved past it. Everything an update learns (records, document frequencies,
links, stories) is written to that database (``tables.py``: the story file,
or one in memory), in one transaction per update; in memory the index keeps
only who is grouped with whom (about 100 bytes per article in a story).

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
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

from feedreader.core.ids import article_id
from feedreader.core.stories.cluster import average_link, bounded_component, components
from feedreader.core.stories.features import Features, StoryInput, extract
from feedreader.core.stories.linking import MAX_CANDIDATES, Link, Order, link, link_slice, plan
from feedreader.core.stories.records import (
    Record, candidate_keys, give_back, in_processes, pack, rarity_array, unpack,
)
from feedreader.core.stories.score import DEFAULT_WEIGHTS, Rarity, Weights
from feedreader.core.stories.tables import (
    SCHEMA, TABLES, AllLinks, Buckets, SqlCounts, bucket_of, chunks, insert_records, members_blob, members_of_blob,
    memory_db, select_in, write_postings,
)

POSTING_CAP = 24
PARALLEL = 20000              # new articles from which ``jobs`` > 1 compares them on processes
SPARSE = 20                   # fewer new articles than 1/SPARSE of the index: records read one by one
REGROUP_LIMIT = 400           # a connected part up to this size is regrouped whole when touched
REGION = 2000                 # touched articles of a bigger part regrouped together
BATCH = 2000                  # new records written at a time
SLICES_PER_JOB = 4            # a first grouping's compare: slices a process (a slice's result, its links and
                              # postings, is in this process's memory at once: 1/8 of them, not 1/2)
INF = float("inf")


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


def as_record(item: StoryInput | Features | Record) -> Record:
    if isinstance(item, Record):
        return item
    return pack(item if isinstance(item, Features) else extract(item))


class StoryIndex:
    """Stories of a changing set of articles, kept in an SQLite database (``conn``: the
    story file's, ``store.py``; by default one in memory)."""

    def __init__(self, weights: Weights = DEFAULT_WEIGHTS, *, posting_cap: int = POSTING_CAP,
                 rarity: Rarity | None = None, regroup_limit: int = REGROUP_LIMIT,
                 conn: sqlite3.Connection | None = None, jobs: int = 1) -> None:
        self.weights = weights
        self.jobs = jobs
        self.regroup_limit = regroup_limit
        self._fixed_rarity = rarity          # weights from elsewhere (tests; a reference collection)
        self.posting_cap = posting_cap
        self.conn = conn if conn is not None else memory_db()
        self.conn.executescript(SCHEMA)
        self.written = 0                     # articles written since the store last counted (store.py)
        self.worker_cpu = 0.0                # CPU seconds of the comparing processes (benchmarks)
        self.phases: dict[str, float] = {}   # the last update's steps: wall and CPU seconds (benchmarks)
        self._mark: tuple[float, float] | None = None
        self.token = os.urandom(8).hex()
        self._load()

    def _load(self) -> None:
        """The counts and the groups, from the database (emptied when an update was left
        unfinished there)."""
        conn = self.conn
        if conn.execute("SELECT 1 FROM unfinished LIMIT 1").fetchone() is not None:
            conn.execute("BEGIN")
            for table in TABLES:
                conn.execute(f"DELETE FROM {table}")
            conn.execute("COMMIT")
        self._count: int = conn.execute("SELECT count(*) FROM features").fetchone()[0]
        self._group_of: dict[int, int] = {}            # aid -> its group's first (smallest) aid
        self._groups: dict[int, tuple[str, tuple[int, ...], float]] = {}   # first -> (id, members by time, newest)
        for first, sid, newest, blob in conn.execute("SELECT first, id, newest, members FROM stories"):
            members = members_of_blob(blob)
            self._groups[first] = (sid, members, newest)
            for m in members:
                self._group_of[m] = first
        self._data_version = self._version()

    def _version(self) -> int:
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def refresh(self) -> None:
        """Read the groups again when another connection changed the database."""
        if self._version() != self._data_version:
            self._load()

    # -- reading ----------------------------------------------------------
    def __len__(self) -> int:
        return self._count

    def __contains__(self, aid: object) -> bool:
        return isinstance(aid, int) and self.conn.execute(
            "SELECT 1 FROM features WHERE aid = ?", (aid,)).fetchone() is not None

    def versions(self) -> dict[int, int]:
        """aid -> the article version its record is of."""
        return dict(self.conn.execute("SELECT aid, version FROM features"))

    def facts(self, aids: Sequence[int]) -> dict[int, tuple[float | None, int]]:
        """aid -> (date, provider hash) of those of ``aids`` in the index."""
        return {aid: (published, provider) for aid, published, provider in select_in(
            self.conn, "SELECT aid, published, provider FROM features WHERE aid IN ({})", aids)}

    def records(self) -> Iterator[Record]:
        for row in self.conn.execute("SELECT aid, version, published, provider, identity, data FROM features"):
            yield Record(*row)

    def document_frequencies(self) -> dict[int, int]:
        return dict(self.conn.execute("SELECT key, n FROM df"))

    @property
    def links(self) -> dict[int, dict[int, float]]:
        """Every link, both ways (for tests: this reads the whole table)."""
        out: dict[int, dict[int, float]] = {}
        for a, b, s in self.conn.execute("SELECT a, b, score FROM links"):
            out.setdefault(a, {})[b] = s
        return out

    def rarity(self) -> Rarity:
        if self._fixed_rarity is not None:
            return self._fixed_rarity
        return Rarity(SqlCounts(self.conn), self._count)

    def stories(self) -> list[Story]:
        """Every story of two or more articles, newest first."""
        ordered = sorted(self._groups.values(), key=lambda g: (-g[2], g[0]))
        return [Story(sid, members) for sid, members, _ in ordered]

    def story_of(self, aid: int) -> Story | None:
        first = self._group_of.get(aid)
        if first is None:
            return None
        sid, members, _ = self._groups[first]
        return Story(sid, members)

    def groups(self) -> list[tuple[int, ...]]:
        """Every group of two or more, as sorted aids (for comparing runs)."""
        return sorted(tuple(sorted(m)) for _, m, _ in self._groups.values())

    # -- changing ---------------------------------------------------------
    def update(self, items: Iterable[StoryInput | Features | Record] = (), removed: Iterable[int] = ()) -> Changes:
        """Add new or changed articles and drop removed ones; regroup what they touch
        (one transaction: on an error nothing of it is kept)."""
        self.refresh()
        conn = self.conn
        conn.execute("BEGIN")
        try:
            changes = self._update(items, removed)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            self._load()
            raise
        self._data_version = self._version()
        return changes

    def _update(self, items: Iterable[StoryInput | Features | Record], removed: Iterable[int]) -> Changes:
        self.phases = {}
        self._mark = (time.perf_counter(), time.process_time())
        conn = self.conn
        window = self.weights.window
        counts = SqlCounts(conn)
        touched: set[int] = set()
        dropped: set[int] = set()
        unindex: dict[int, list[tuple[int, list[int]]]] = {}       # bucket -> (aid, keys) to take out
        gone = list(dict.fromkeys(removed))
        if gone and self._count:
            self._drop(gone, counts, touched, dropped, unindex)
        order: dict[int, tuple[float, int, int]] = {}
        iterator = iter(items)
        while batch := list(islice(iterator, BATCH)):
            records = {r.aid: r for r in map(as_record, batch)}
            if self._count:
                self._drop([aid for (aid,) in select_in(conn, "SELECT aid FROM features WHERE aid IN ({})",
                                                        list(records))], counts, touched, dropped, unindex)
            insert_records(conn, records.values(), window)
            self._count += len(records)
            self.written += len(records)
            for r in records.values():
                counts.add(rarity_array(r.data))
                order[r.aid] = (INF if r.published is None else r.published, r.aid, bucket_of(r.published, window))
        counts.flush()
        del counts
        gone_now = dropped - order.keys()
        self.written += len(gone_now)
        touched.update(order)
        ordered = sorted(order.values())
        del order           # (a first grouping: 100,000 entries; ``ordered`` holds what compare needs)
        big = len(ordered) >= PARALLEL
        self._phase("records", trim=big)
        rarity = self.rarity()
        try:
            scored = self._link_new(ordered, rarity, unindex)
        finally:
            rarity.forget_all()
        del ordered, rarity
        self._phase("compare", trim=big)
        present = touched - gone_now if gone_now else touched     # (not a second set of 100,000)
        changes = self._regroup(touched, present, scored)
        self._phase("regroup", trim=big)
        return changes

    def _phase(self, name: str, *, trim: bool = False) -> None:
        """Note the wall and CPU seconds (this process) of the update's step ``name`` (benchmarks);
        ``trim``: after a big step, give the memory it freed back to the system (``give_back``)."""
        if trim:
            give_back()
        now = (time.perf_counter(), time.process_time())
        last = self._mark or now
        self.phases[name + "_s"] = round(now[0] - last[0], 3)
        self.phases[name + "_cpu_s"] = round(now[1] - last[1], 3)
        self._mark = now

    def _drop(self, aids: list[int], counts: SqlCounts, touched: set[int], dropped: set[int],
              unindex: dict[int, list[tuple[int, list[int]]]]) -> None:
        """Remove the records of ``aids`` (those in the index) and their links; their keys
        go into ``unindex`` (their bucket's postings lose them in ``_link_new``)."""
        conn = self.conn
        found: list[int] = []
        for aid, bucket, data in select_in(conn, "SELECT aid, bucket, data FROM features WHERE aid IN ({})", aids):
            parts = unpack(data)
            counts.add(rarity_array(data), -1)
            unindex.setdefault(bucket, []).append((aid, [k for k, _ in candidate_keys(parts)]))
            found.append(aid)
            first = self._group_of.get(aid)
            if first is not None:
                touched.update(self._groups[first][1])
        for chunk in chunks(found):
            marks = ",".join("?" * len(chunk))
            back = conn.execute(f"SELECT b, a FROM links WHERE a IN ({marks})", chunk).fetchall()
            conn.executemany("DELETE FROM links WHERE a = ? AND b = ?", back)
            conn.execute(f"DELETE FROM links WHERE a IN ({marks})", chunk)
            conn.execute(f"DELETE FROM features WHERE aid IN ({marks})", chunk)
        self._count -= len(found)
        touched.update(found)
        dropped.update(found)

    def _link_new(self, order: Order, rarity: Rarity, unindex: dict[int, list[tuple[int, list[int]]]]) -> int:
        """Compare the new articles (in time order) with their candidates; write the links
        and the postings (on ``jobs`` processes for a first grouping of a story file)."""
        conn = self.conn
        path = conn.execute("PRAGMA database_list").fetchone()[2]
        if self.jobs > 1 and len(order) >= PARALLEL and not unindex and path:
            return self._link_in_processes(order, path)

        def emit(links: list[Link]) -> None:
            conn.executemany("INSERT OR REPLACE INTO links VALUES(?,?,?)", links)

        buckets = Buckets(conn, {aid for _, aid, _ in order}, unindex, cap=self.posting_cap)
        buckets.lazy = len(order) * SPARSE < self._count
        return link(order, buckets, rarity, self.weights, self.posting_cap, emit)

    def _link_in_processes(self, order: Order, path: str) -> int:
        """``linking.link_slice`` on ``jobs`` processes, on the records committed so far (the
        ``unfinished`` mark says so until this update's end: a file left so is started afresh)."""
        conn = self.conn
        conn.execute("INSERT INTO unfinished VALUES(julianday('now'))")
        conn.execute("COMMIT")
        conn.execute("BEGIN")
        slices = plan(order, self.jobs * SLICES_PER_JOB, path, self.weights, self.posting_cap, self._count)
        scored = 0
        by_worker: dict[int, float] = {}
        for done in in_processes(link_slice, iter(slices), self.jobs):
            conn.executemany("INSERT OR REPLACE INTO links VALUES(?,?,?)", done.links())
            write_postings(conn, done.postings.items())
            scored += done.scored
            self.worker_cpu += done.cpu
            by_worker[done.worker] = by_worker.get(done.worker, 0.0) + done.cpu
            del done            # (its links and postings: not beside the next slice's)
        self.phases["compare_slowest_worker_cpu_s"] = round(max(by_worker.values(), default=0.0), 3)
        conn.execute("DELETE FROM unfinished")
        return scored

    def _regroup(self, touched: set[int], present: set[int], scored: int) -> Changes:
        conn = self.conn
        old: dict[str, tuple[int, ...]] = {}       # the groups before the update that it dropped
        made: set[int] = set()                     # the first aids of the groups it made
        memo: dict[int, dict[int, float]] = {}
        every = AllLinks(conn) if len(touched) >= PARALLEL else None     # a first grouping: one query

        def neighbours(n: int) -> dict[int, float]:
            found = memo.get(n)
            if found is None:
                found = memo[n] = every(n) if every is not None else dict(
                    conn.execute("SELECT b, score FROM links WHERE a = ?", (n,)))
            return found

        def drop(aid: int) -> None:
            first = self._group_of.get(aid)
            if first is not None:
                sid, members, _ = self._groups.pop(first)
                for m in members:
                    del self._group_of[m]
                if first in made:
                    made.discard(first)
                else:
                    old[sid] = tuple(sorted(members))

        def group_of(aid: int) -> tuple[int, ...]:
            first = self._group_of.get(aid)
            return self._groups[first][1] if first is not None else (aid,)

        def regroup(part: list[int]) -> None:
            for m in part:
                drop(m)
            if len(part) > 1:
                made.update(self._group(part, neighbours))

        for aid in touched:
            drop(aid)
        seen: set[int] = set()
        local: list[int] = []            # touched articles of parts too big to regroup whole
        big: set[int] = set()            # articles known to be in such a part
        for aid in sorted(present):
            if aid in seen:
                if aid in big:
                    local.append(aid)
                continue
            part, whole = bounded_component(aid, neighbours, self.regroup_limit, big)
            seen.update(part)
            if whole:
                regroup(part)
            else:       # all of ``part`` is in that big part: it is not walked again from them
                local.extend(a for a in part if a in touched)
                big.update(part)
            memo.clear()
        del seen, big
        # a big part is regrouped around its touched articles, REGION of them at a time in time
        # order: the touched articles, the articles they link to, and the whole groups of all
        # these; links out of that neighbourhood are left out of this regrouping
        when = {aid: INF if published is None else published for aid, published in select_in(
            conn, "SELECT aid, published FROM features WHERE aid IN ({})", sorted(set(local)))}
        for some in chunks(sorted(when, key=lambda a: (when[a], a)), REGION):
            region: set[int] = set()
            for aid in some:
                region.update(group_of(aid))
                for other in neighbours(aid):
                    region.update(group_of(other))
            inside = region.__contains__
            for part in components(sorted(region), lambda n: filter(inside, neighbours(n))):
                regroup(part)
            memo.clear()
        gone = [first for first in {min(m) for m in old.values()} if first not in made]
        for chunk in chunks(gone):
            conn.execute(f"DELETE FROM stories WHERE first IN ({','.join('?' * len(chunk))})", chunk)
        new: dict[str, tuple[int, ...]] = {}
        rows = []
        for first in made:
            sid, members, newest = self._groups[first]
            new[sid] = tuple(sorted(members))
            rows.append((first, sid, newest, members_blob(members)))
        conn.executemany("INSERT OR REPLACE INTO stories VALUES(?,?,?,?)", rows)
        changed = frozenset(sid for sid, members in new.items() if old.get(sid) != members)
        return Changes(changed, frozenset(old.keys() - new.keys()), scored)

    def _group(self, part: list[int], neighbours: Callable[[int], dict[int, float]]) -> list[int]:
        """Group one connected part by average link; the first aids of its groups of two or more."""
        facts = {aid: (published, identity) for aid, published, identity in select_in(
            self.conn, "SELECT aid, published, identity FROM features WHERE aid IN ({})", part)}

        def when(aid: int) -> float | None:
            return facts[aid][0]

        def time_key(aid: int) -> tuple[float, str]:
            published, identity = facts[aid]
            return (INF if published is None else published, identity)

        firsts = []
        for group in average_link(part, neighbours, self.weights.merge, when, 2 * self.weights.window):
            if len(group) < 2:
                continue
            ordered = tuple(sorted(group, key=time_key))
            first = group[0]
            self._groups[first] = (story_id(facts[ordered[0]][1]), ordered, facts[ordered[-1]][0] or 0.0)
            for m in group:
                self._group_of[m] = first
            firsts.append(first)
        return firsts

    def rebuild(self) -> Changes:
        """Score and group everything again from the records (after weights changed)."""
        records = list(self.records())
        conn = self.conn
        conn.execute("BEGIN")
        for table in TABLES:
            conn.execute(f"DELETE FROM {table}")
        conn.execute("COMMIT")
        self._load()
        return self.update(records)


__all__ = ["MAX_CANDIDATES", "Changes", "Story", "StoryIndex", "story_id"]
