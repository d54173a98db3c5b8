"""The searcher the UI keeps: one connection of its own, one search at a time.

``search`` (search.py) gives a whole result; ``search_head`` (searchhead.py)
the list's first matches before it. This module sits above both, so that
neither imports the other's caller.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import tzinfo
from pathlib import Path

from feedreader.core.library import searchhead
from feedreader.core.library.query import Query, parse_query
from feedreader.core.library.schema import connect
from feedreader.core.library.search import _ALL, Scopes, SearchCancelled, SearchResult, _keys, search
from feedreader.core.library.stepcache import StepCache

class Searcher:
    """Searches on a connection of its own, from any thread, one at a time.

    A newer search supersedes an older one still running: the older one is
    interrupted inside SQLite if it can be, and raises ``SearchCancelled``
    rather than return stale results, so a fast typist never waits for them.
    """

    def __init__(self, db_path: Path | str, scopes: Scopes | None = None) -> None:
        self.db_path = Path(db_path)
        self.scopes = scopes          # feed: and folder: names (see ``Scopes``)
        self._conn: sqlite3.Connection | None = None
        self._open_lock = threading.Lock()
        self._lock = threading.Lock()
        self._latest = 0
        self._every: tuple[int, set[int]] | None = None   # (data_version, every key)
        self._steps = StepCache()     # what a keystroke read, for the next ones (stepcache.py)
        self._head_text: searchhead.HeadText | None = None   # the candidates' text (searchhead.py)

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
        scopes: Scopes | None = None,
    ) -> SearchResult:
        """Like ``search``; ``scopes`` (default: the searcher's) resolves feed: and folder:."""
        def run(conn: sqlite3.Connection) -> SearchResult:
            self._steps.start(conn)
            return search(conn, query, marks=marks, now=now, tz=tz, every=lambda: self._every_key(conn),
                          scopes=scopes or self.scopes, cache=self._steps)

        result = self._guarded(run)
        assert result is not None
        return result

    def search_head(self, query: Query | str, candidates: Sequence[int], *, marks: Mapping[int, int] | None = None,
                    now: float | None = None, tz: tzinfo | None = None) -> SearchResult | None:
        """The first matches among ``candidates`` (the list's first keys without the search,
        in its order) as a result with ``head``, before ``search`` gives the whole; None when
        fewer than a screenful are among them (searchhead.py)."""
        if isinstance(query, str):
            query = parse_query(query, now=now, tz=tz)
        parsed = query

        def run(conn: sqlite3.Connection) -> SearchResult | None:
            self._head_text = self._head_text or searchhead.HeadText()
            return searchhead.head_result(conn, self._head_text, parsed, candidates, marks or {}, self.scopes)

        return self._guarded(run)

    def _guarded(self, run: Callable[[sqlite3.Connection], SearchResult | None]) -> SearchResult | None:
        """``run(conn)`` once older searches stopped; SearchCancelled if a newer one started."""
        conn = self._connection()
        with self._open_lock:
            self._latest += 1
            mine = self._latest
        conn.interrupt()  # a no-op unless an older search is still running
        with self._lock:
            if mine != self._latest:
                raise SearchCancelled("a newer search started")
            try:
                result = run(conn)
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
            if self._head_text is not None:
                self._head_text.close()
                self._head_text = None


