"""What a search read for one keystroke, kept for the next ones (search.py, ``Searcher``).

Typing ``link:example score>60`` or ``since:2022-01-01 before:2022-02-01 chip``
runs the same SQL steps (``link:example``, ``since:…``) again at every key
after the term is complete: at 1,000,000 articles each is a count and a read of
up to half a million keys (~0.2-0.4 s). The counts, and the key sets of up to
``KEYS_LIMIT`` keys, are kept while the index is unchanged (the connection's
``PRAGMA data_version``), the last few only. The sets are never changed by
their users (search.py makes new sets from them).
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Callable

KEYS_LIMIT = 300_000     # a set of more keys is not kept (~20 MB at 300,000)
SETS = 4                 # sets kept
COUNTS = 64              # counts kept

Reader = Callable[[sqlite3.Connection, str, tuple], set[int]]


class StepCache:
    """Counts and key sets of SQL queries, for one connection's current data."""

    def __init__(self) -> None:
        self._version: int | None = None
        self._counts: OrderedDict[tuple[str, tuple], int] = OrderedDict()
        self._sets: OrderedDict[tuple[str, tuple], set[int]] = OrderedDict()

    def start(self, conn: sqlite3.Connection) -> None:
        """Before a search: forget everything if another connection wrote since."""
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._version:
            self._version = version
            self._counts.clear()
            self._sets.clear()

    def count(self, conn: sqlite3.Connection, sql: str, params: tuple) -> int:
        key = (sql, params)
        found = self._counts.get(key)
        if found is None:
            found = self._counts[key] = conn.execute(sql, params).fetchone()[0]
            while len(self._counts) > COUNTS:
                self._counts.popitem(last=False)
        else:
            self._counts.move_to_end(key)
        return found

    def holds(self, sql: str, params: tuple) -> bool:
        """Whether the set of ``sql`` with ``params`` is kept (``keys`` would not read it)."""
        return (sql, params) in self._sets

    def keys(self, conn: sqlite3.Connection, sql: str, params: tuple, read: Reader) -> set[int]:
        """``read(conn, sql, params)``, or the set it gave before (not to be changed)."""
        key = (sql, params)
        found = self._sets.get(key)
        if found is not None:
            self._sets.move_to_end(key)
            return found
        found = read(conn, sql, params)
        if len(found) <= KEYS_LIMIT:
            self._sets[key] = found
            while len(self._sets) > SETS:
                self._sets.popitem(last=False)
        return found
