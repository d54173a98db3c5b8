"""Run a :class:`~feedreader.core.library.query.Query` against the article index.

Words, phrases, topics and providers go to the index's FTS5 table
(``article_text``, see ``schema.py``); quality and dates are SQL
conditions on ``articles``; ``is:`` terms are applied in Python with the marks
the caller gives (marks live in another database). The result is the set of
matching article keys (``aid``) that ``ListModel.match`` takes.

Nothing the user typed is ever put into SQL text: every value is a bound
parameter, and every word or phrase goes into the MATCH expression as an
FTS5 string (``"..."`` with ``"`` doubled), so FTS5 operators typed by the
user (``OR``, ``NEAR``, ``*``, ``:``, ``^``) are searched as words.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from functools import cached_property, lru_cache
from pathlib import Path

from feedreader.core.library.query import Query, Term, fold_char, is_token_char, parse_query, topic_key
from feedreader.core.library.schema import EVERY_TOKEN, connect
from feedreader.core.marks.bits import FLAGGED, HIDDEN, READ

PROVIDER_COLUMNS = "{provider domain}"
TOPIC_COLUMN = "tags"

# quality comparisons and their inverses (which also take the unknown values)
_SQL_OPS = {">": ">", ">=": ">=", "<": "<", "<=": "<=", "=": "="}
_INVERSE_OPS = {">": "<=", ">=": "<", "<": ">=", "<=": ">", "=": "<>"}
_FLAG_BITS = {"read": READ, "hidden": HIDDEN, "flagged": FLAGGED}

Spans = list[tuple[int, int]]
Highlighter = Callable[[str], Spans]


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


PREFIX_CHARS = 3   # shorter word starts are whole words


def word_start(text: str, prefix: bool) -> bool:
    """Whether ``text`` is matched as a word start: asked for, and its last
    word has at least ``PREFIX_CHARS`` characters. "s" or "ai" match whole
    words: one or two letters start a word in nearly every article, which
    is no filter, and the index has no prefix tables (see schema.py), so a
    word start is a scan of the words that begin so: a few ms from three
    letters, 60-130 ms at 100,000 articles for one letter."""
    if not prefix:
        return False
    words = _tokens(text)
    return bool(words) and len(words[-1][0]) >= PREFIX_CHARS


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
    raise ValueError(f"not a full-text term: {term.kind}")


EVERY = f"{TOPIC_COLUMN} : {fts_string(EVERY_TOKEN)}"   # matches every row of article_text


@dataclass(frozen=True, slots=True)
class Step:
    """One set of keys the result is intersected with.

    ``count`` tells its size; ``select`` reads the set, ``inverse`` reads
    every other key of the index, so that a set larger than half the index
    is read as its (small) complement: moving keys from SQLite into Python
    is what costs, ~0.4 us each, not finding them.
    """

    count: str
    select: str
    inverse: str
    params: tuple
    inverse_params: tuple
    where: str | None = None   # the condition on ``articles`` (None: a full-text step)


RESTRICT = 2000   # a step is checked key by key for at most this many candidates
_COUNT_FTS = "SELECT count(*) FROM article_text WHERE article_text MATCH ?"
_FTS = "SELECT rowid FROM article_text WHERE article_text MATCH ?"
_ALL = "SELECT aid FROM articles"


def _fts_step(expression: str, inverse: str) -> Step:
    return Step(_COUNT_FTS, _FTS, _FTS, (expression,), (inverse,))


def _sql_step(condition: str, inverse: str, value: int, negated: bool) -> Step:
    if negated:
        condition, inverse = inverse, condition
    return Step(
        f"SELECT count(*) FROM articles WHERE {condition}",
        f"{_ALL} WHERE {condition}",
        f"{_ALL} WHERE {inverse}",
        (value,),
        (value,),
        condition,
    )


def plan(query: Query) -> list[Step]:
    """The sets that ``query``'s words, topics, providers, quality and dates
    select (``is:`` terms are applied with the marks afterwards).

    All full-text terms make one FTS5 expression (``A AND B NOT (C OR D)``);
    each quality or date term is a range of an index on ``articles``.
    A quality or date filter never matches an unknown value, so its
    negation (and its inverse) does.
    """
    positive: list[str] = []
    negative: list[str] = []
    steps: list[Step] = []
    for term in query.terms:
        if term.kind in ("word", "phrase", "topic", "provider"):
            (negative if term.negated else positive).append(match_expression(term))
        elif term.kind == "quality":
            op = term.op
            steps.append(_sql_step(
                f"quality {_SQL_OPS[op]} ?",
                f"(quality {_INVERSE_OPS[op]} ? OR quality IS NULL)",
                int(term.value), term.negated,
            ))
        elif term.kind == "since":
            steps.append(_sql_step("published >= ?", "(published < ? OR published IS NULL)",
                                   int(term.value), term.negated))
        elif term.kind == "before":
            steps.append(_sql_step("published < ?", "(published >= ? OR published IS NULL)",
                                   int(term.value), term.negated))
    excluded = " OR ".join(f"({e})" for e in negative)
    if positive:
        expression = " AND ".join(f"({e})" for e in positive)
        if negative:
            expression = f"({expression}) NOT ({excluded})"
        steps.insert(0, _fts_step(expression, f"{EVERY} NOT ({expression})"))
    elif negative:
        steps.insert(0, _fts_step(f"{EVERY} NOT ({excluded})", excluded))
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


def _keys(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> set[int]:
    return {row[0] for row in conn.execute(sql, params)}


def search(
    conn: sqlite3.Connection,
    query: Query | str,
    *,
    marks: Mapping[int, int] | None = None,
    now: float | None = None,
    tz: tzinfo | None = None,
    every: Callable[[], set[int]] | None = None,
) -> SearchResult:
    """The articles of the index on ``conn`` that ``query`` matches.

    A string is parsed first (``now``/``tz`` anchor its dates; raises
    ``QueryError``). ``marks`` maps aid -> READ|HIDDEN|FLAGGED bits, for
    ``is:`` terms (a missing aid is unread, not flagged, not hidden).
    ``every()`` gives every key of the index, not to be changed (a cache,
    see ``Searcher``); without it the keys are read when needed.
    """
    started = time.perf_counter()
    if isinstance(query, str):
        query = parse_query(query, now=now, tz=tz)
    if query.is_empty:
        return SearchResult(query, None, time.perf_counter() - started, None)
    if every is None:
        cache: list[set[int]] = []

        def every() -> set[int]:
            if not cache:
                cache.append(_keys(conn, _ALL))
            return cache[0]

    keep: list[set[int]] = []   # the result is in each of these
    drop: list[set[int]] = []   # and in none of these
    from_index = False          # a set in ``keep`` came from the index (not only from marks)
    rule = _mark_rule(query)
    if rule is not None:
        snapshot: dict[int, int] = dict(marks) if marks else {}  # marks may change on another thread
        need, forbid = rule
        if need:
            keep.append({a for a, bits in snapshot.items() if bits & need == need})
        if forbid:
            drop.append({a for a, bits in snapshot.items() if bits & forbid})
    steps = plan(query)
    if steps:
        total = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        sized = []
        for step in steps:
            size = conn.execute(step.count, step.params).fetchone()[0]
            if size == 0:
                return SearchResult(query, set(), time.perf_counter() - started, highlighter(query))
            sized.append((min(size, total - size), size, step))
        sized.sort(key=lambda item: item[0])   # the cheapest to read first
        for cost, size, step in sized:
            smallest = min(keep, key=len) if keep else None
            if step.where is not None and smallest is not None and len(smallest) <= min(RESTRICT, cost):
                # few candidates: check them rather than read a large set
                keep.append(_keys(
                    conn,
                    f"{_ALL} WHERE aid IN (SELECT value FROM json_each(?)) AND {step.where}",
                    (json.dumps(sorted(smallest)), *step.params),
                ))
                from_index = True
            elif size * 2 <= total:
                keep.append(_keys(conn, step.select, step.params))
                from_index = True
            else:
                drop.append(_keys(conn, step.inverse, step.inverse_params))
    if keep and not from_index:
        keep.append(every())   # marks may name articles of other libraries: keep this index's
    if keep:
        keep.sort(key=len)
        keys = keep[0].intersection(*keep[1:])   # a new set: ``every()`` is never changed
        for excluded in drop:
            keys -= excluded
        return SearchResult(query, keys, time.perf_counter() - started, highlighter(query))
    # every key but the dropped ones: kept as the (small) dropped set
    universe = every()
    # (marks may name articles of other libraries, and the index may have
    # changed since ``every()`` was cached: the count must be exact)
    exclude = set().union(*drop) & universe
    return SearchResult(query, None, time.perf_counter() - started, highlighter(query), exclude, universe)


class Searcher:
    """Searches on a connection of its own, from any thread, one at a time.

    A newer search supersedes an older one still running: the older one is
    interrupted inside SQLite if it can be, and raises ``SearchCancelled``
    rather than return stale results, so a fast typist never waits for them.
    """

    def __init__(self, db_path: Path | str) -> None:
        self.db_path = Path(db_path)
        self._conn: sqlite3.Connection | None = None
        self._open_lock = threading.Lock()
        self._lock = threading.Lock()
        self._latest = 0
        self._every: tuple[int, set[int]] | None = None   # (data_version, every key)

    def _connection(self) -> sqlite3.Connection:
        with self._open_lock:
            if self._conn is None:
                self._conn = connect(self.db_path, query_only=True)
            return self._conn

    def search(
        self,
        query: Query | str,
        *,
        marks: Mapping[int, int] | None = None,
        now: float | None = None,
        tz: tzinfo | None = None,
    ) -> SearchResult:
        conn = self._connection()
        with self._open_lock:
            self._latest += 1
            mine = self._latest
        conn.interrupt()  # a no-op unless an older search is still running
        with self._lock:
            if mine != self._latest:
                raise SearchCancelled("a newer search started")
            try:
                result = search(conn, query, marks=marks, now=now, tz=tz, every=lambda: self._every_key(conn))
            except sqlite3.OperationalError as exc:
                if "interrupt" in str(exc):
                    raise SearchCancelled(str(exc)) from None
                raise
            if mine != self._latest:
                raise SearchCancelled("a newer search started")
            return result

    def _every_key(self, conn: sqlite3.Connection) -> set[int]:
        """Every key of the index, read again only after another connection
        wrote to it (``PRAGMA data_version``)."""
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        if self._every is None or self._every[0] != version:
            self._every = (version, _keys(conn, _ALL))
        return self._every[1]

    def close(self) -> None:
        with self._open_lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


# --------------------------------------------------------------------------
# highlighting titles

def _tokens(text: str) -> list[tuple[str, int, list[int]]]:
    """Folded words of ``text``: (word, start, end after each folded char)."""
    out: list[tuple[str, int, list[int]]] = []
    word: list[str] = []
    ends: list[int] = []
    start = 0
    for i, ch in enumerate(text):
        folded = fold_char(ch)
        if not folded:
            if word and ends:  # a combining mark: part of the word it follows
                ends[-1] = i + 1
            continue
        for f in folded:
            if is_token_char(f):
                if not word:
                    start = i
                word.append(f)
                ends.append(i + 1)
            elif word:
                out.append(("".join(word), start, ends))
                word, ends = [], []
    if word:
        out.append(("".join(word), start, ends))
    return out


def highlighter(query: Query) -> Highlighter | None:
    """A function giving the spans of a title that the query's words and
    phrases match (word starts, folded like the index), or None."""
    patterns: list[tuple[tuple[str, ...], bool]] = []
    for term in query.highlight_terms():
        words = tuple(w for w, _s, _e in _tokens(str(term.value)))
        if words:
            patterns.append((words, word_start(str(term.value), term.prefix)))
    if not patterns:
        return None

    @lru_cache(maxsize=2048)
    def spans(title: str) -> Spans:
        tokens = _tokens(title)
        found: Spans = []
        for words, prefix in patterns:
            k = len(words)
            for i in range(len(tokens) - k + 1):
                if any(tokens[i + j][0] != words[j] for j in range(k - 1)):
                    continue
                last_text, _start, last_ends = tokens[i + k - 1]
                tail = words[-1]
                if prefix:
                    if not last_text.startswith(tail):
                        continue
                    end = last_ends[len(tail) - 1]
                elif last_text == tail:
                    end = last_ends[-1]
                else:
                    continue
                found.append((tokens[i][1], end))
        return _merge(found)

    return spans


def _merge(spans: Spans) -> Spans:
    out: Spans = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out
