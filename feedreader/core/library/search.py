"""Run a :class:`~feedreader.core.library.query.Query` against the article index.

Words, phrases, topics, providers and authors go to the index's FTS5 table
(``article_text``, see ``schema.py``); quality, score, dates and links are SQL
conditions on ``articles``; ``feed:`` and ``folder:`` are ranges of file
paths (``files``), which the caller's ``Scopes`` gives for a name (the
library knows its document folders, not the feeds); ``is:`` terms are applied
in Python with the marks the caller gives (marks live in another database).
The result is the set of matching article keys (``aid``) that
``ListModel.match`` takes.

A query where every term must hold (``Query.is_flat``) is one FTS5
expression and a few SQL ranges (``plan``), read as a set each (the smaller
side: itself or its complement), or as one SQL statement when that costs
less (``searchplan.one_statement``: dates and quality on the time index, the
full-text step a list it checks); one with ``OR`` or a negated group is
evaluated as a tree of such sets (``_Tree``), kept for the next keystroke.

Nothing the user typed is ever put into SQL text: every value is a bound
parameter, and every word or phrase goes into the MATCH expression as an
FTS5 string (``"..."`` with ``"`` doubled), so FTS5 operators typed by the
user (``OR``, ``NEAR``, ``*``, ``:``, ``^``) are searched as words.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from functools import cached_property

from feedreader.core.library.folding import topic_key
from feedreader.core.library.highlight import (  # noqa: F401 (named here too: callers import them from search)
    PREFIX_CHARS, Highlighter, Spans, _tokens, highlighter, word_start,
)
from feedreader.core.library.query import SCOPE_KINDS, Group, Node, Query, QueryError, Term, parse_query
from feedreader.core.library.schema import EVERY_TOKEN
from feedreader.core.library.searchplan import (  # (Step, _ALL, _keys: callers import them from search)
    _ALL, _COUNT_FTS, _FTS, FEW, RESTRICT, Step, _keys, few_keys, one_statement,
)
from feedreader.core.library.stepcache import StepCache
from feedreader.core.library.storyview import story_condition
from feedreader.core.marks.bits import FLAGGED, HIDDEN, READ


PROVIDER_COLUMNS = "{provider domain}"
TOPIC_COLUMN = "tags"
AUTHOR_COLUMN = "author"
FTS_KINDS = ("word", "phrase", "topic", "provider", "author")

# quality comparisons and their inverses (which also take the unknown values)
_SQL_OPS = {">": ">", ">=": ">=", "<": "<", "<=": "<=", "=": "="}
_INVERSE_OPS = {">": "<=", ">=": "<", "<": ">=", "<=": ">", "=": "<>"}
_FLAG_BITS = {"read": READ, "hidden": HIDDEN, "flagged": FLAGGED}


Scopes = Callable[[str, str], Sequence[str] | None]
"""``scopes(kind, name)`` -> the path prefixes of the files ``kind:name``
names (``kind``: "feed" or "folder"; a prefix is a folder with its trailing
separator, or a file's path), [] for a known name with no files, None for a
name it does not know (the search then raises a ``QueryError`` at the term)."""


class SearchCancelled(Exception):
    """A newer search interrupted this one (``Searcher``)."""


@dataclass(frozen=True)
class SearchResult:
    """What a query matched.

    ``match`` is the set of matching keys, or None when the query is empty
    (no filter at all). A query that matches most of the index (a common
    word, ``-word``, ``-is:read``) is kept as ``exclude``: every key of the
    index but these; ``match`` is then computed when asked for, and the
    list filters with the small set (a set of 100,000 random 64-bit keys
    costs ~30 ms to build and as much to filter with). ``highlight(title)``
    gives the (start, end) spans of a title to highlight, or is None when
    the query has no words.
    """

    query: Query
    include: set[int] | None
    seconds: float = 0.0
    highlight: Highlighter | None = field(default=None, repr=False, compare=False)
    exclude: set[int] | None = None      # set (include is None): every key of the index but these
    universe: set[int] | None = field(default=None, repr=False, compare=False)   # every key (not changed)
    head: list[int] | None = None   # only the list's first matches, in its order (searchhead.py); count to come
    listed: object = field(default=None, repr=False, compare=False)   # the list's keys, from the worker (view.py)

    @cached_property
    def match(self) -> set[int] | None:
        if self.exclude is None or self.universe is None:
            return self.include
        return self.universe.difference(self.exclude)

    @property
    def count(self) -> int | None:
        if self.exclude is not None and self.universe is not None:
            return len(self.universe) - len(self.exclude)   # exclude is a subset of universe
        return None if self.include is None else len(self.include)

    @property
    def shows_hidden(self) -> bool:
        """The query asks for hidden articles: the list must not hide them."""
        return self.query.shows_hidden

    @property
    def text(self) -> str:
        return self.query.text


# --------------------------------------------------------------------------
# building SQL

def fts_string(text: str, *, prefix: bool = False) -> str:
    """``text`` as one FTS5 string: ``"..."`` with ``"`` doubled, ``*`` for a prefix
    (a NUL would end the expression early in SQLite's C code: it becomes a space)."""
    return '"' + text.replace("\x00", " ").replace('"', '""') + '"' + ("*" if prefix else "")


def match_expression(term: Term) -> str:
    """The FTS5 expression for one word, phrase, topic or provider term.

    Words and phrases look in every column (a column filter makes FTS5 read
    positions and costs 2-3x); the only other column, ``tags``, holds topic
    names run together, which a word start can only match for an article
    that has the same words in its topics anyway ("computerv").
    """
    value = str(term.value)
    if term.kind in ("word", "phrase"):
        return fts_string(value, prefix=word_start(value, term.prefix))
    if term.kind == "topic":
        key = topic_key(value)
        return f"{TOPIC_COLUMN} : {fts_string(key, prefix=word_start(key, term.prefix))}"
    if term.kind == "provider":
        return f"{PROVIDER_COLUMNS} : {fts_string(value, prefix=word_start(value, True))}"
    if term.kind == "author":
        return f"{AUTHOR_COLUMN} : {fts_string(value, prefix=word_start(value, True))}"
    raise ValueError(f"not a full-text term: {term.kind}")


EVERY = f"{TOPIC_COLUMN} : {fts_string(EVERY_TOKEN)}"   # matches every row of article_text


def _fts_step(expression: str, inverse: str, complement: str | None = None) -> Step:
    return Step(_COUNT_FTS, _FTS, _FTS, (expression,), (inverse,), complement=complement)


def _size(conn: sqlite3.Connection, step: Step, memo: StepCache) -> int:
    """How many keys ``step`` selects. ``EVERY NOT (X)`` is counted as EVERY's count less
    X's (every row has EVERY): FTS5 merges EVERY's doclist, a posting per article, to
    count the NOT (8 ms at 100,000, 80 at 1,000,000), while both counts stay in ``memo``."""
    if step.complement is not None:
        return memo.count(conn, _COUNT_FTS, (EVERY,)) - memo.count(conn, _COUNT_FTS, (step.complement,))
    return memo.count(conn, step.count, step.params)


def _sql_step(condition: str, inverse: str, value: int | tuple, negated: bool, newest: int = 0) -> Step:
    if negated:
        condition, inverse = inverse, condition
        newest = min(newest, 1)   # (x < ? OR x IS NULL): not one range
    params = value if isinstance(value, tuple) else (value,)
    return Step(
        f"SELECT count(*) FROM articles WHERE {condition}",
        f"{_ALL} WHERE {condition}",
        f"{_ALL} WHERE {inverse}",
        params,
        params,
        condition,
        newest=newest,
    )


def _upper(prefix: str) -> str:
    """The first string after every string that starts with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else "\U0010ffff"


def _scope_step(term: Term, scopes: Scopes | None) -> Step:
    """Articles with a file under one of the prefixes ``scopes`` gives for the term."""
    what = "feed" if term.kind == "feed" else "feed folder or document folder"
    if scopes is None:
        raise QueryError(f"{term.kind}: cannot be used here (no list of feeds and folders)", term.start, term.end)
    prefixes = scopes(term.kind, str(term.value))
    if prefixes is None:
        raise QueryError(f"{term.kind}: there is no {what} called {str(term.value)!r}", term.start, term.end)
    ranges = " OR ".join("(path >= ? AND path < ?)" for _ in prefixes) or "0"
    params = tuple(v for p in prefixes for v in (p, _upper(p)))
    files = f"SELECT aid FROM files WHERE aid IS NOT NULL AND ({ranges})"
    return _sql_step(f"aid IN ({files})", f"aid NOT IN ({files})", params, term.negated)


def _compare_step(column: str, term: Term) -> Step:
    op = term.op
    return _sql_step(f"{column} {_SQL_OPS[op]} ?", f"({column} {_INVERSE_OPS[op]} ? OR {column} IS NULL)",
                     int(term.value), term.negated, 1 if column == "quality" else 0)


def sql_step(term: Term, scopes: Scopes | None = None) -> Step:
    """The step of one term that is an SQL condition (not full-text, not ``is:``).
    A filter never matches an unknown value (no quality, date or URL), so its
    negation does."""
    kind, value = term.kind, term.value
    if kind in ("quality", "score"):
        return _compare_step(kind, term)
    if kind == "since":
        return _sql_step("published >= ?", "(published < ? OR published IS NULL)", int(value), term.negated, 2)
    if kind == "before":
        return _sql_step("published < ?", "(published >= ? OR published IS NULL)", int(value), term.negated, 2)
    if kind == "link":   # LIKE ignores ASCII case (2x faster than instr(lower(url)) over 100,000 URLs)
        pattern = "%" + str(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return _sql_step("url LIKE ? ESCAPE '\\'", "(url IS NULL OR url NOT LIKE ? ESCAPE '\\')",
                         (pattern,), term.negated)
    if kind in SCOPE_KINDS:
        return _scope_step(term, scopes)
    if kind == "story":   # is:story (value ""), story:ID: the index's story table (storyview.py)
        return _sql_step(*story_condition(str(value)), term.negated)
    raise ValueError(f"not an SQL term: {kind}")


def plan(query: Query, scopes: Scopes | None = None) -> list[Step]:
    """The sets that the terms of ``query`` (every one must hold) select
    (``is:`` terms are applied with the marks afterwards).

    All full-text terms make one FTS5 expression (``A AND B NOT (C OR D)``);
    each quality, score or date term is a range of an index on ``articles``;
    a link is a scan of the URL index, a feed or folder a range of paths.
    """
    positive: list[str] = []
    negative: list[str] = []
    steps: list[Step] = []
    for term in query.terms:
        if term.kind in FTS_KINDS:
            (negative if term.negated else positive).append(match_expression(term))
        elif term.kind != "is":
            steps.append(sql_step(term, scopes))
    excluded = " OR ".join(f"({e})" for e in negative)
    if positive:
        expression = " AND ".join(f"({e})" for e in positive)
        if negative:
            expression = f"({expression}) NOT ({excluded})"
        steps.insert(0, _fts_step(expression, f"{EVERY} NOT ({expression})"))
    elif negative:
        steps.insert(0, _fts_step(f"{EVERY} NOT ({excluded})", excluded, excluded))
    return steps


# --------------------------------------------------------------------------
# running

def _mark_rule(query: Query) -> tuple[int, int] | None:
    """(bits that must be set, bits that must be clear) from ``is:`` terms."""
    need = forbid = 0
    seen = False
    for term in query.terms:
        if term.kind != "is":
            continue
        seen = True
        if term.value == "unread":
            bit, wanted = READ, term.negated  # is:unread: READ clear; -is:unread: READ set
        else:
            bit, wanted = _FLAG_BITS[str(term.value)], not term.negated
        if wanted:
            need |= bit
        else:
            forbid |= bit
    return (need, forbid) if seen else None


def search(
    conn: sqlite3.Connection,
    query: Query | str,
    *,
    marks: Mapping[int, int] | None = None,
    now: float | None = None,
    tz: tzinfo | None = None,
    every: Callable[[], set[int]] | None = None,
    scopes: Scopes | None = None,
    cache: StepCache | None = None,
) -> SearchResult:
    """The articles of the index on ``conn`` that ``query`` matches.

    A string is parsed first (``now``/``tz`` anchor its dates; raises
    ``QueryError``). ``marks`` maps aid -> READ|HIDDEN|FLAGGED bits, for
    ``is:`` terms (a missing aid is unread, not flagged, not hidden).
    ``every()`` gives every key of the index, not to be changed (a cache,
    see ``Searcher``); without it the keys are read when needed.
    ``scopes`` resolves ``feed:`` and ``folder:`` names (``Scopes``); a query
    that has them raises ``QueryError`` without it, or for a name it does
    not know. ``cache`` keeps counts and key sets for the next search (``Searcher``).
    """
    started = time.perf_counter()
    if isinstance(query, str):
        query = parse_query(query, now=now, tz=tz)
    if query.is_empty:
        return SearchResult(query, None, time.perf_counter() - started, None)
    if every is None:
        read: list[set[int]] = []

        def every() -> set[int]:
            if not read:
                read.append(_keys(conn, _ALL))
            return read[0]

    if not query.is_flat:
        return _Tree(conn, query, marks, every, scopes, cache).result(started)
    keep: list[set[int]] = []   # the result is in each of these
    drop: list[set[int]] = []   # and in none of these
    from_index = False          # a set in ``keep`` came from the index (not only from marks)
    need, forbid = _mark_rule(query) or (0, 0)
    snapshot: dict[int, int] | None = None   # one copy: marks may change on another thread
    if need:
        snapshot = dict(marks) if marks else {}
        keep.append({a for a, bits in snapshot.items() if bits & need == need})
    steps = plan(query, scopes)
    if steps:
        memo = cache or StepCache()     # (kept by a Searcher for the next keystroke: stepcache.py)
        total = memo.count(conn, "SELECT count(*) FROM articles", ())
        if len(steps) == 1 and steps[0].where is None and steps[0].complement is None:
            whole = few_keys(conn, steps[0], memo, min(total // 8, FEW))
            if whole is not None and not whole:
                return SearchResult(query, set(), time.perf_counter() - started, highlighter(query))
            if whole is not None:
                keep.append(whole)
                from_index = True
                steps = []
        sized = []
        for step in steps:
            size = _size(conn, step, memo)
            if size == 0:
                return SearchResult(query, set(), time.perf_counter() - started, highlighter(query))
            sized.append((min(size, total - size), size, step))
        sized.sort(key=lambda item: item[0])   # the cheapest to read first
        smallest_mark = min((len(k) for k in keep), default=None)
        statement = one_statement(sized, total, memo, smallest_mark)
        if statement is not None:
            keep.append(_keys(conn, *statement))
            from_index = True
            sized = []
        for cost, size, step in sized:
            smallest = min(keep, key=len) if keep else None
            if step.where is not None and smallest is not None and len(smallest) <= max(RESTRICT, cost // 8):
                # few candidates: check them rather than read a large set
                keep.append(_keys(
                    conn,
                    f"{_ALL} WHERE aid IN (SELECT value FROM json_each(?)) AND {step.where}",
                    (json.dumps(sorted(smallest)), *step.params),
                ))
                from_index = True
            elif size * 2 <= total:
                keep.append(memo.keys(conn, step.select, step.params, _keys))
                from_index = True
            else:
                drop.append(memo.keys(conn, step.inverse, step.inverse_params, _keys))
    if forbid and not (keep and from_index):   # (else the marks of the keys found are looked up)
        if snapshot is None:
            snapshot = dict(marks) if marks else {}
        drop.append({a for a, bits in snapshot.items() if bits & forbid})
        forbid = 0
    if keep and not from_index:
        keep.append(every())   # marks may name articles of other libraries: keep this index's
    if keep:
        keep.sort(key=len)
        keys = keep[0].intersection(*keep[1:])   # a new set: ``every()`` is never changed
        if forbid:   # -is:read on 80,000 keys found: their marks (~8 ms), not the set of 330,000 read (~45)
            bits_of = (marks or {}).get
            keys = {k for k in keys if not bits_of(k, 0) & forbid}
        for excluded in drop:
            keys -= excluded
        return SearchResult(query, keys, time.perf_counter() - started, highlighter(query))
    # every key but the dropped ones: kept as the (small) dropped set
    universe = every()
    # (marks may name articles of other libraries, and the index may have
    # changed since ``every()`` was cached: the count must be exact)
    exclude = set().union(*drop) & universe
    return SearchResult(query, None, time.perf_counter() - started, highlighter(query), exclude, universe)


class _Keys:
    """A set of keys (``inverted``: every key of the index but these)."""

    __slots__ = ("inverted", "keys", "shared")

    def __init__(self, keys: set[int], inverted: bool = False, shared: bool = False) -> None:
        self.keys = keys
        self.inverted = inverted
        self.shared = shared     # a set a StepCache keeps: never handed out as it is

    def invert(self) -> "_Keys":
        return _Keys(self.keys, not self.inverted, self.shared)

    def both(self, other: "_Keys") -> "_Keys":
        if self.inverted and other.inverted:
            return _Keys(self.keys | other.keys, True)
        if not self.inverted and not other.inverted:
            return _Keys(self.keys & other.keys)
        kept, dropped = (other, self) if self.inverted else (self, other)
        return _Keys(kept.keys - dropped.keys)

    def either(self, other: "_Keys") -> "_Keys":
        return self.invert().both(other.invert()).invert()   # De Morgan


class _Tree:
    """A query with ``OR`` or negated groups: each node a set of keys.

    A subtree of full-text terms only is one FTS5 expression (a negation is
    ``EVERY NOT (...)``); an SQL term one step; an ``is:`` term a set from the
    marks. Each set read from the index is read as itself or as its
    complement, whichever is smaller (``Step``), and combined as such; the
    counts and sets are kept in ``cache`` for the next keystroke, which
    mostly asks for the same subtrees again (``-(topic:AI OR q<30) since:1y``).
    """

    def __init__(self, conn: sqlite3.Connection, query: Query, marks: Mapping[int, int] | None,
                 every: Callable[[], set[int]], scopes: Scopes | None, cache: StepCache | None = None) -> None:
        self.conn = conn
        self.query = query
        self.marks: dict[int, int] = dict(marks) if marks else {}   # marks may change on another thread
        self.every = every
        self.scopes = scopes
        self.memo = cache or StepCache()
        self.total = self.memo.count(conn, "SELECT count(*) FROM articles", ())

    def result(self, started: float) -> SearchResult:
        assert self.query.tree is not None
        keys = self.node(self.query.tree)
        light = highlighter(self.query)
        if keys.inverted:
            universe = self.every()
            return SearchResult(self.query, None, time.perf_counter() - started, light, keys.keys & universe, universe)
        found = keys.keys & self.every() if self.query.uses_marks else keys.keys
        if keys.shared:
            found = set(found)   # (the cache's own set)
        return SearchResult(self.query, found, time.perf_counter() - started, light)

    def node(self, node: Node) -> _Keys:
        expression = _fts_of(node)
        if expression is not None:
            complement = _fts_of(_plain(node)) if node.negated else None   # expression: EVERY NOT (complement)
            return self.read(_fts_step(expression, f"{EVERY} NOT ({expression})", complement))
        if isinstance(node, Term):
            keys = self.marked(node) if node.kind == "is" else self.read(sql_step(node, self.scopes))
            return keys.invert() if node.negated and node.kind == "is" else keys
        children = list(node.children)
        out: _Keys | None = None
        if node.op == "and":   # the full-text children together: one expression
            texts = [c for c in children if _fts_of(c) is not None]
            if len(texts) > 1:
                children = [c for c in children if _fts_of(c) is None]
                out = self.node(Group("and", tuple(texts)))
        for child in children:
            keys = self.node(child)
            out = keys if out is None else (out.both(keys) if node.op == "and" else out.either(keys))
        assert out is not None
        return out.invert() if node.negated else out

    def read(self, step: Step) -> _Keys:
        size = _size(self.conn, step, self.memo)
        if size * 2 <= self.total:
            return _Keys(self.memo.keys(self.conn, step.select, step.params, _keys), shared=True)
        return _Keys(self.memo.keys(self.conn, step.inverse, step.inverse_params, _keys), True, shared=True)

    def marked(self, term: Term) -> _Keys:
        """The articles an ``is:`` term names (not negated: the caller does)."""
        if term.value == "unread":
            return _Keys({a for a, bits in self.marks.items() if bits & READ}, True)
        bit = _FLAG_BITS[str(term.value)]
        return _Keys({a for a, bits in self.marks.items() if bits & bit})


def _fts_of(node: Node) -> str | None:
    """One FTS5 expression for a subtree of full-text terms only, else None."""
    if isinstance(node, Term):
        if node.kind not in FTS_KINDS:
            return None
        expression = match_expression(node)
        return f"{EVERY} NOT ({expression})" if node.negated else expression
    parts = [_fts_of(child) for child in node.children]
    if any(p is None for p in parts):
        return None
    positive = [p for p, c in zip(parts, node.children) if not _negated(c)]
    if node.op == "and" and positive and len(positive) < len(parts):
        # A AND B NOT (C OR D): no EVERY needed for the negated ones
        negative = [_fts_of(_plain(c)) for c in node.children if _negated(c)]
        joined = " AND ".join(f"({p})" for p in positive)
        expression = f"({joined}) NOT ({' OR '.join(f'({n})' for n in negative)})"
    else:
        expression = (" AND " if node.op == "and" else " OR ").join(f"({p})" for p in parts)
    return f"{EVERY} NOT ({expression})" if node.negated else expression


def _negated(node: Node) -> bool:
    return node.negated


def _plain(node: Node) -> Node:
    """``node`` without its own negation."""
    if isinstance(node, Term):
        return Term(node.kind, node.value, False, node.prefix, node.op, node.start, node.end, node.raw)
    return Group(node.op, node.children, False)
