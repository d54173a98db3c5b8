"""The first matches of a search in the list's order, before the whole result.

At 1,000,000 articles a one- to three-letter prefix ("s", "th", "res") matches
40-99 % of the index: FTS5 merges the doclists of every word with that prefix
to count them (~130 ms) and again to read the complement (~230 ms), and the
list filters a million keys with the result (~150 ms). The user sees a
screenful. So the caller (``Searcher.search_head``) gives the first keys of
the list as it is without the search (its order, its mark filters, its
scope: ``ListModel.unsearched_head``), and the query is evaluated on those
candidates only, a few hundred at a time, until ``want`` match:

- full-text terms run on an in-memory FTS5 table of the candidates' text
  (``HeadText``: the same columns and tokenizer as ``article_text``, so the
  same ``MATCH`` expression means the same thing; a test holds the two
  definitions together). FTS5 cannot test one row of a prefix query without
  merging the prefix's doclists (a join on ``rowid`` costs a whole query per
  row), hence the copy: ~10 us per candidate;
- SQL terms (quality, dates, links, feeds, stories) are their condition on
  ``articles`` for the candidates (``aid IN json_each(?)``);
- ``is:`` terms are the marks of the candidates.

The matches among a prefix of the list are the list's first matches, in its
order: what is shown is correct, only incomplete, until the whole result
(``search.search``) replaces it with its count.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Mapping, Sequence

from feedreader.core.library.query import Query, Term
from feedreader.core.library.schema import TEXT_COLUMNS
from feedreader.core.library.search import (
    _FLAG_BITS,
    Scopes,
    SearchResult,
    Step,
    _Keys,
    _mark_rule,
    _Tree,
    highlighter,
    plan,
)
from feedreader.core.marks.bits import READ

HEAD_MATCHES = 80         # a screenful and more: the list's first rows
FIRST = 250               # candidates tested first (a query matching a third or more stops there)
CANDIDATES = 1250         # what the caller gives at most; a second round takes what the first round's
DENSE = 0.08              # density (at least this) says it needs, else the whole search is as quick
TEXT_TOKENIZE = "'unicode61 remove_diacritics 2'"   # article_text's (schema.py; a test holds them together)
_TEXT = f"SELECT aid, {TEXT_COLUMNS} FROM articles WHERE aid IN (SELECT value FROM json_each(?))"


class HeadText:
    """An in-memory FTS5 table of some articles' text (one connection, one thread at a time)."""

    def __init__(self) -> None:
        self.conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)

    def load(self, index: sqlite3.Connection, keys: Sequence[int]) -> None:
        """The text of ``keys`` (read from the index's ``articles``) replaces the table's."""
        conn = self.conn
        conn.execute("DROP TABLE IF EXISTS head_text")
        conn.execute(f"CREATE VIRTUAL TABLE head_text USING fts5({TEXT_COLUMNS}, "
                     f"tokenize = {TEXT_TOKENIZE}, columnsize = 0)")
        rows = index.execute(_TEXT, (json.dumps(list(keys)),)).fetchall()
        marks = ", ".join("?" * (2 + TEXT_COLUMNS.count(",")))   # rowid and each column
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO head_text(rowid, {TEXT_COLUMNS}) VALUES ({marks})", rows)
        conn.execute("COMMIT")

    def match(self, expression: str) -> set[int]:
        return {r[0] for r in self.conn.execute("SELECT rowid FROM head_text WHERE head_text MATCH ?", (expression,))}

    def close(self) -> None:
        self.conn.close()


def head_result(index: sqlite3.Connection, text: HeadText, query: Query, candidates: Sequence[int],
                marks: Mapping[int, int], scopes: Scopes | None) -> SearchResult | None:
    """``head_keys`` as a ``SearchResult`` with ``head`` (None: an empty query, or too few matches)."""
    started = time.perf_counter()
    keys = None if query.is_empty else head_keys(index, text, query, candidates, marks, scopes)
    if keys is None:
        return None
    return SearchResult(query, set(keys), time.perf_counter() - started, highlighter(query), head=keys)


def _step_keys(index: sqlite3.Connection, text: HeadText, step: Step, keys: set[int]) -> set[int]:
    """The keys among ``keys`` that one step selects."""
    if not keys:
        return set()
    if step.where is None:                       # full-text: on the candidates' copy
        return text.match(step.params[0]) & keys
    sql = f"SELECT aid FROM articles WHERE aid IN (SELECT value FROM json_each(?)) AND {step.where}"
    return {r[0] for r in index.execute(sql, (json.dumps(sorted(keys)), *step.params))}


def matching(index: sqlite3.Connection, text: HeadText, query: Query, keys: Sequence[int],
             marks: Mapping[int, int], scopes: Scopes | None) -> set[int]:
    """The keys among ``keys`` that ``query`` matches (``text`` gets the text of those the
    other terms leave)."""
    universe = set(keys)
    if not query.is_flat:
        text.load(index, keys)
        found = _HeadTree(index, text, query, universe, marks, scopes).node_keys()
        return (universe - found.keys) if found.inverted else (found.keys & universe)
    rule = _mark_rule(query)
    out = universe
    if rule is not None:
        need, forbid = rule
        out = {a for a in out if marks.get(a, 0) & need == need and not marks.get(a, 0) & forbid}
    steps = plan(query, scopes)
    for step in sorted(steps, key=lambda step: step.where is None):   # SQL first: fewer texts to copy
        if step.where is None:
            text.load(index, [k for k in keys if k in out])
        out = _step_keys(index, text, step, out)
    return out


def head_keys(index: sqlite3.Connection, text: HeadText, query: Query, candidates: Sequence[int],
              marks: Mapping[int, int], scopes: Scopes | None, want: int = HEAD_MATCHES) -> list[int] | None:
    """The first ``want`` of ``candidates`` (keys in the list's order) that ``query``
    matches, in that order; None when fewer than ``want`` are among them, or when
    the first ``FIRST`` say the query is sparse (then the whole search is quick)."""
    found = _round(index, text, query, candidates[:FIRST], marks, scopes)
    tested = FIRST
    while len(found) < want:
        density = len(found) / tested
        if density < DENSE or len(candidates) <= tested or tested >= CANDIDATES:
            return None   # a sparse query: FTS5 reads its few keys quickly (the dense ones are what cost)
        # the next round: what this density says is needed, and half as much again (a round
        # can fall short where the list's order bunches alike articles: copies, a feed's day)
        more = min(max(int((want - len(found)) / density * 1.5), 50), CANDIDATES - tested)
        found += _round(index, text, query, candidates[tested:tested + more], marks, scopes)
        tested = min(tested + more, len(candidates))
    return found[:want]


def _round(index: sqlite3.Connection, text: HeadText, query: Query, chunk: Sequence[int],
           marks: Mapping[int, int], scopes: Scopes | None) -> list[int]:
    hits = matching(index, text, query, chunk, marks, scopes)
    return [k for k in chunk if k in hits]


class _HeadTree(_Tree):
    """``search._Tree`` over the candidates: each set a subset of them (complements too)."""

    def __init__(self, index: sqlite3.Connection, text: HeadText, query: Query, universe: set[int],
                 marks: Mapping[int, int], scopes: Scopes | None) -> None:
        self.conn = index
        self.text = text
        self.query = query
        self.universe = universe
        self.head_marks = marks
        self.scopes = scopes

    def node_keys(self) -> _Keys:
        assert self.query.tree is not None
        return self.node(self.query.tree)

    def read(self, step: Step) -> _Keys:
        return _Keys(_step_keys(self.conn, self.text, step, self.universe))

    def marked(self, term: Term) -> _Keys:
        marks = self.head_marks
        if term.value == "unread":
            return _Keys({a for a in self.universe if marks.get(a, 0) & READ}, True)
        bit = _FLAG_BITS[str(term.value)]
        return _Keys({a for a in self.universe if marks.get(a, 0) & bit})
