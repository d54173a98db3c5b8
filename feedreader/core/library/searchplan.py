"""How the steps of a flat query are read (search.py): a ``Step`` (a set of keys
and its count), read into Python as a set, as one SQL statement for all of them
(``one_statement``, when its estimated cost is less), or a lone full-text step read
without its count (``few_keys``). Apart from search.py so that it stays one file
of the query's meaning; search.py imports it (never the reverse).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from feedreader.core.library.stepcache import StepCache


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
    complement: str | None = None   # ``EVERY NOT (complement)``: counted as every row less the complement's
    newest: int = 0   # the condition is on articles_newest (published, quality, aid): 1 a scan of it, 2 a range


RESTRICT = 2000   # a step is checked key by key for this many candidates, or an eighth of the keys it would read
_COUNT_FTS = "SELECT count(*) FROM article_text WHERE article_text MATCH ?"
_FTS = "SELECT rowid FROM article_text WHERE article_text MATCH ?"
_ALL = "SELECT aid FROM articles"


def _keys(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> set[int]:
    """The keys the query's first column gives, as a set. SQLite hands them over as one
    JSON array (``json.loads`` is C): ~35% less than a row at a time (100,000 keys: 25 ms, not 38)."""
    text = conn.execute(f"WITH found(k) AS ({sql}) SELECT json_group_array(k) FROM found", params).fetchone()[0]
    return set(json.loads(text))


# --------------------------------------------------------------------------
# one statement or a set per step: estimated CPU at 1,000,000 articles (us)

READ_US = 0.35       # a key read into a Python set (json_group_array)
LOOKUP_US = 4.0      # a candidate checked by its aid (json_each; the row read)
SCAN_US = 0.04       # an entry of articles_newest scanned
MEMBER_US = 0.3      # a full-text match put into an IN list (an ephemeral b-tree)
PROBE_US = 0.25      # a row checked against that list


def _steps_cost(sized: list[tuple[int, int, Step]], total: int, memo: StepCache, smallest: int | None) -> float:
    """What the step-by-step way costs (``search``'s loop, the same choices): the sets it
    reads that ``memo`` does not keep, and the candidates it checks key by key."""
    cost = 0.0
    for read, size, step in sized:
        if step.where is not None and smallest is not None and smallest <= max(RESTRICT, read // 8):
            cost += LOOKUP_US * smallest
            smallest = max(1, smallest * size // max(total, 1))
        elif size * 2 <= total:
            cost += 0 if memo.holds(step.select, step.params) else READ_US * size
            smallest = size if smallest is None else min(smallest, size)
        else:
            cost += 0 if memo.holds(step.inverse, step.inverse_params) else READ_US * (total - size)
    return cost


def one_statement(sized: list[tuple[int, int, Step]], total: int, memo: StepCache,
                  smallest: int | None = None) -> tuple[str, tuple] | None:
    """The steps of a flat query as one statement on ``articles`` (SQL, params), when that
    costs less than a set per step; None when not (or when it cannot be one).

    Only conditions that articles_newest (published, quality, aid) holds: SQLite
    scans a date range of it, or all of it (~40 ms at 1,000,000), and checks the
    rest in the index; the full-text step is an ``+aid IN`` (or ``NOT IN``) list
    (the ``+``: the list is checked, not used to look rows up by aid, 4 us each).
    ``since:2022-01-01 before:2022-02-01 chip`` at 1,000,000: a month of the
    index and the 150,000 matches of ``chip*`` in C (~40 ms) instead of two sets
    of 250,000 keys read into Python and intersected (~250 ms).
    ``smallest``: the smallest set of keys the result is already known to be in
    (from the marks), as ``search``'s loop uses it.
    """
    steps = [step for _cost, _size, step in sized]
    sql = [step for step in steps if step.where is not None]
    text = [step for step in steps if step.where is None]
    if not sql or len(steps) < 2 or len(text) > 1 or any(step.newest == 0 for step in sql):
        return None
    sizes = {id(step): size for _cost, size, step in sized}
    ranges = [sizes[id(step)] for step in sql if step.newest == 2]
    scanned = min(ranges) if ranges else total
    estimate = SCAN_US * scanned
    probed = float(total)    # the rows that reach the full-text list: those the conditions leave
    for step in sql:
        probed *= sizes[id(step)] / max(total, 1)
    result = float(total)
    for size in sizes.values():
        result *= size / max(total, 1)
    estimate += READ_US * result + (PROBE_US * probed if text else 0.0)
    where = [f"({step.where})" for step in sql]
    params: list = [p for step in sql for p in step.params]
    for step in text:   # the full-text step: its matches, or (EVERY NOT X) not X's
        if step.complement is not None:
            where.append(f"+aid NOT IN ({_FTS})")
            params.append(step.complement)
            estimate += MEMBER_US * (total - sizes[id(step)])
        else:
            where.append(f"+aid IN ({_FTS})")
            params.append(step.params[0])
            estimate += MEMBER_US * sizes[id(step)]
    if estimate >= _steps_cost(sized, total, memo, smallest):
        return None
    return f"{_ALL} WHERE {' AND '.join(where)}", tuple(params)


FEW = 50_000    # a lone full-text step is read at once if it has no more keys (and an eighth of the index)


class _Many(Exception):
    pass


def few_keys(conn: sqlite3.Connection, step: Step, memo: StepCache, limit: int) -> set[int] | None:
    """The keys of a lone full-text step when it has at most ``limit``, read without
    counting them first (FTS5 would evaluate the expression twice: the count is 40% of
    a read); None when it has more (then at most ``limit`` keys were read in vain)."""
    def read(conn: sqlite3.Connection, sql: str, params: tuple) -> set[int]:
        found = _keys(conn, f"{sql} LIMIT ?", (*params, limit + 1))
        if len(found) > limit:
            raise _Many
        return found

    try:
        return memo.keys(conn, step.select, step.params, read)   # (the same set a plain read keeps)
    except _Many:
        return None
