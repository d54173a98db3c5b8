"""The library: a set of document sources, their index, and the orders of the list.

The list pane never holds every article: it holds the ordered article keys
(``aid``, 64-bit integers) and asks for the handful of rows it paints
(``rows``); the full detail of one article is read from its file on demand
(``article``).
"""

from __future__ import annotations

import sqlite3
import sys
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from feedreader.core.ids import aid_from_id, id_from_aid
from feedreader.core.library.index import Index, Progress, RefreshReport
from feedreader.core.library.orders import ORDER_LABELS, ORDER_SQL, ORDERS, order_params, ranked_head_since
from feedreader.core.library.schema import TOPIC_SEP, index_path_for
from feedreader.core.model import Article, Problem
from feedreader.core.sql import select_in

# (the order names live in orders.py; named here too for the callers that import them from the library)
__all__ = ["ORDERS", "ORDER_LABELS", "AmbiguousId", "Library", "ListRow"]

@dataclass(frozen=True, slots=True)
class ListRow:
    """What one line of the list shows."""

    aid: int
    identity: str
    title: str
    provider: str
    published: int | None   # unix seconds UTC
    quality: int | None
    url: str | None
    topics: tuple[str, ...]
    path: str = ""
    score: int | None = None   # quality + scoring rules (core/rules); the quality until scored

    @property
    def id(self) -> str:
        return id_from_aid(self.aid)


class AmbiguousId(LookupError):
    pass


class Library:
    """Documents from ``sources`` seen through their index."""

    def __init__(self, index: Index, sources: Sequence[Path], name: str) -> None:
        self.index = index
        self.sources = tuple(sources)
        self.name = name
        self._orders: dict[str, list[int]] = {}
        self._order_generation: dict[str, int] = {}   # the index generation each was read at
        self._order_lock = threading.Lock()            # one read of an order at a time (UI and workers)
        self._forgotten = 0                            # invalidate() calls: an order read across one is not kept
        # what feed: and folder: names mean (search.Scopes): set by the caller that
        # knows the feeds (session); without it, folder: names a document source folder
        self.scopes: Callable[[str, str], Sequence[str] | None] | None = None
        # the count and the orders' heads, each with the index generation it was read at
        # (``prefetch`` reads them in a thread while the app starts; ``count``/``head`` use them)
        self._counted: tuple[int, int] | None = None
        self._heads: dict[tuple[str, int], tuple[int, list[int]]] = {}
        self._first_lock = threading.Lock()            # held while the count or a head is read
        self._prefetch: threading.Thread | None = None

    @classmethod
    def open(cls, cache_dir: Path, sources: Sequence[Path], name: str | None = None) -> "Library":
        sources = tuple(Path(s) for s in sources)
        if name is None:
            name = ", ".join(s.name or str(s) for s in sources) or "library"
        return cls(Index(index_path_for(cache_dir, sources)), sources, name)

    def close(self) -> None:
        if self._prefetch is not None:
            self._prefetch.join(5.0)    # (a few SQL reads: then its connection is closed below)
            self._prefetch = None
        self._save_orders()
        self.index.close()

    def _save_orders(self) -> None:
        """Leave the orders computed in this run for the next start (a cache)."""
        saved = []
        for name, keys in self._orders.items():
            generation = self._order_generation.get(name)
            if generation is not None:
                saved.append((name, generation, _pack(keys)))
        if saved:
            try:
                self.index.save_orders(saved)
            except sqlite3.Error:
                pass

    def __enter__(self) -> "Library":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- keeping up with the files -----------------------------------------
    def refresh(
        self,
        *,
        progress: Progress | None = None,
        on_batch: Callable[[int], None] | None = None,
        workers: int | None = None,
    ) -> RefreshReport:
        report = None
        try:
            report = self.index.refresh(self.sources, progress=progress, on_batch=on_batch, workers=workers)
        finally:
            if report is None or report.changed:   # nothing changed: the cached orders still hold
                self._forget_stale_orders()
        return report

    def _forget_stale_orders(self) -> None:
        """Drop the cached orders read before the articles last changed (one an
        ``on_batch`` read after the last change is kept: same generation)."""
        try:
            current = self.index.generation()
        except sqlite3.Error:
            current = None
        for name in list(self._orders):
            if current is None or self._order_generation.get(name) != current:
                del self._orders[name]

    def order_generation(self, order: str) -> int | None:
        """The index generation the cached ``order`` was read at (None: not cached)."""
        return self._order_generation.get(order) if order in self._orders else None

    def prewalk(self) -> bool:
        """Start walking the sources for the next ``refresh`` in a child process
        (call before starting threads; see ``Index.start_prewalk``)."""
        return self.index.start_prewalk(self.sources)

    def invalidate(self) -> None:
        """Forget cached orders (after the index changed)."""
        self._forgotten += 1
        self._orders.clear()

    # -- the first screen, read ahead ---------------------------------------
    def prefetch(self, order: str, limit: int, head_above: int = 0) -> None:
        """Read what the first paint of ``order`` needs in a thread, now: the whole order
        when it is saved at the index's generation (one blob), else the count and, with
        more than ``head_above`` articles, the order's first ``limit`` keys (``head``): what
        ``ListModel.rebuild`` asks for. Started while the app imports and builds its screen
        (~0.5 s of the UI thread's CPU): SQLite reads without the GIL, so at 1,000,000
        articles the count (10-13 ms CPU, 40-70 ms wall) and the head are at hand when the
        list asks. A smaller order that is not saved is left to the UI thread, as before: read
        a row at a time here, its 100,000 rows passed the GIL back and forth with the imports
        (+0.03-0.14 s of the UI thread's CPU at 100k). Call after ``prewalk`` (a fork wants
        one thread). ``count``/``head``/``order`` called meanwhile wait for it instead of
        reading twice."""
        if self._prefetch is not None or order not in ORDERS:
            return
        self._prefetch = threading.Thread(target=self._read_first, args=(order, limit, head_above),
                                          name="library-prefetch", daemon=True)
        self._prefetch.start()

    def _read_first(self, order: str, limit: int, head_above: int) -> None:
        try:
            if self.order_ready(order):     # (the list then needs no count: its length is it)
                self.order(order)
            elif self.count() > head_above:
                self.head(order, limit)
        except sqlite3.Error:
            pass    # (the index closed or damaged: the UI thread reads, and reports, itself)
        self.release_memory()

    # -- counts and problems -----------------------------------------------
    def count(self) -> int:
        """The articles in the index (kept with the generation it was counted at:
        a count of 1,000,000 is 10-13 ms of CPU, a look at the generation ~0.05 ms)."""
        with self._first_lock, self._snapshot():
            generation = self.index.generation()
            if self._counted is not None and self._counted[0] == generation:
                return self._counted[1]
            count = self.index.count()
            self._counted = (generation, count)
            return count

    def problems(self, scan_problems: Iterable[Problem] = ()) -> list[Problem]:
        return [*scan_problems, *self.index.problems()]

    # -- order ----------------------------------------------------------------
    def order(self, order: str) -> list[int]:
        """Every article key in ``order`` (cached until the index changes)."""
        if order not in ORDERS:
            raise ValueError(f"unknown order {order!r}; expected one of {', '.join(ORDERS)}")
        cached = self._orders.get(order)
        if cached is None:
            with self._order_lock:     # (another thread may be reading it: then it is cached after)
                cached = self._orders.get(order)
                if cached is None:
                    forgotten = self._forgotten
                    cached, generation = self._read_order(order)
                    if forgotten == self._forgotten:   # (else read before a change another thread saw)
                        self._orders[order] = cached
                        self._order_generation[order] = generation
        return cached

    def release_memory(self) -> None:
        """Free the page cache of this thread's connection (a worker's, after a read of a
        whole order: up to 16 MB it would keep while the connection lives)."""
        try:
            self.index.conn.execute("PRAGMA shrink_memory")
        except sqlite3.Error:
            pass

    def order_ready(self, order: str) -> bool:
        """Whether ``order`` is at hand without sorting: cached, or saved at the
        index's current generation (``order`` then reads it in ~30 ms at 1,000,000)."""
        if order in self._orders:
            return True
        try:
            return self.index.conn.execute(
                "SELECT 1 FROM orders WHERE name=? AND generation=?", (order, self.index.generation())
            ).fetchone() is not None
        except sqlite3.Error:
            return False

    def head(self, order: str, limit: int) -> list[int]:
        """The first ``limit`` keys of ``order``, straight from SQL (a scan of the
        order's index that stops there: ~1 ms at 1,000,000; the ranked order, a range
        of recent articles: ``ranked_head_since``), for a first paint before the whole
        order is read."""
        cached = self._orders.get(order)
        if cached is not None:
            return cached[:limit]
        with self._first_lock, self._snapshot() as conn:
            generation = self.index.generation()
            kept = self._heads.get((order, limit))
            if kept is not None and kept[0] == generation:
                return list(kept[1])
            params = {"limit": limit, **order_params(conn, order)}
            since = ranked_head_since(conn, limit) if order == "ranked" else None
            where = "" if since is None else "WHERE published >= :since"
            keys = [r[0] for r in conn.execute(
                f"SELECT aid FROM articles {where} {ORDER_SQL[order]} LIMIT :limit", {**params, "since": since})]
            self._heads = {(order, limit): (generation, keys)}    # (the last one only: a first paint's)
            return list(keys)

    def _read_order(self, order: str) -> tuple[list[int], int]:
        """(keys, index generation), from the saved copy when it is current,
        else sorted by SQLite; in one read transaction (one snapshot)."""
        with self._snapshot() as conn:
            generation = self.index.generation()
            blob = self.index.saved_order(order, generation)
            if blob is not None:
                return _unpack(blob), generation
            # a row at a time: one JSON array of 1,000,000 keys (json_group_array) was a 20 MB
            # string beside the list, +20-50 MB of peak memory for no gain in CPU (SQLite's step
            # releases the GIL on every row anyway)
            params = order_params(conn, order)
            return [r[0] for r in conn.execute(f"SELECT aid FROM articles {ORDER_SQL[order]}", params)], generation

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """The index's connection in one read transaction (unless one is open already), so
        the generation and what is read with it come from the same snapshot."""
        conn = self.index.conn
        own = not conn.in_transaction
        if own:
            conn.execute("BEGIN")
        try:
            yield conn
        finally:
            if own:
                conn.execute("COMMIT")

    def first_rows(self, order: str, limit: int) -> list[ListRow]:
        """The first ``limit`` rows of an order, straight from SQL (first paint)."""
        conn = self.index.conn
        params = {"limit": limit, **order_params(conn, order)}
        sql = f"SELECT {_ROW_COLUMNS} FROM articles {ORDER_SQL[order]} LIMIT :limit"
        return [_row(r) for r in conn.execute(sql, params)]

    # -- rows and details ---------------------------------------------------
    def rows(self, aids: Sequence[int]) -> dict[int, ListRow]:
        out: dict[int, ListRow] = {}
        for r in select_in(self.index.conn, f"SELECT {_ROW_COLUMNS} FROM articles WHERE aid IN ({{}})", aids):
            out[r[0]] = _row(r)
        return out

    def iter_rows(self, order: str) -> Iterator[ListRow]:
        keys = self.order(order)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            rows = self.rows(chunk)
            for aid in chunk:
                row = rows.get(aid)
                if row is not None:
                    yield row

    def article(self, aid: int) -> Article | None:
        """The whole article, read again from its file (the index keeps only
        the list's columns). If the file no longer holds it (changed, moved,
        broken, unreadable), what the index holds, with a warning saying why;
        the next refresh brings the list in step."""
        from datetime import datetime, timezone

        from feedreader.core.documents.parse import load_document
        from feedreader.core.model import Provider

        row = self.index.conn.execute(
            "SELECT path, identity, title, provider, domain, published, quality, heat, url, topics"
            " FROM articles WHERE aid=?", (aid,)
        ).fetchone()
        if row is None:
            return None
        path, identity, title, provider, domain, published, quality, heat, url, topics = row
        article, problems = load_document(path)
        if article is not None and aid_from_id(article.id) == aid:
            return article
        why = problems[0].message if article is None and problems else "it now holds another article"
        return Article(
            id=id_from_aid(aid), identity=identity, path=path, title=title,
            published=datetime.fromtimestamp(published, timezone.utc) if published is not None else None,
            url=url, quality=quality, heat=heat, provider=Provider(provider, domain),
            topics=tuple(topics.split(TOPIC_SEP)) if topics else (),
            warnings=(f"the file changed since it was indexed ({why}): only the list's fields are shown",),
        )

    def resolve_id(self, text: str) -> Article | None:
        """An article by its id, or a unique prefix of at least 4 hex digits.

        Raises ``AmbiguousId`` when the prefix matches several articles.
        """
        text = text.strip().lower()
        if not 4 <= len(text) <= 16 or any(c not in "0123456789abcdef" for c in text):
            return None
        if len(text) == 16:
            return self.article(aid_from_id(text))
        lo = aid_from_id(text.ljust(16, "0"))
        hi = aid_from_id(text.ljust(16, "f"))
        if lo <= hi:
            found = self.index.conn.execute(
                "SELECT aid FROM articles WHERE aid BETWEEN ? AND ? LIMIT 2", (lo, hi)
            ).fetchall()
        else:  # cannot happen for a prefix, kept for safety
            found = []
        if len(found) > 1:
            raise AmbiguousId(f"{text} matches more than one article; give more digits")
        return self.article(found[0][0]) if found else None

    def find_by_url(self, url: str | None) -> int | None:
        """The article whose checked URL is ``url`` (or its canonical form)."""
        if not url:
            return None
        from feedreader.core.ids import article_id
        from feedreader.core.text import canonical_url

        aid = aid_from_id(article_id(canonical_url(url)))
        row = self.index.conn.execute("SELECT aid FROM articles WHERE aid=?", (aid,)).fetchone()
        if row:
            return row[0]
        row = self.index.conn.execute("SELECT aid FROM articles WHERE url=? LIMIT 1", (url,)).fetchone()
        return row[0] if row else None

    # -- search (query.py: the language, search.py: running it) ----------------
    def search(self, query, *, marks=None, now: float | None = None, tz=None, scopes=None):
        """``search.SearchResult`` of ``query`` (text or ``query.Query``) on this
        library; ``marks`` (aid -> bits) for ``is:`` terms; ``scopes`` for
        ``feed:``/``folder:`` (default: ``self.scopes``, else the source
        folders by name). Raises ``QueryError``."""
        from feedreader.core.library.search import search

        return search(self.index.conn, query, marks=marks, now=now, tz=tz, scopes=scopes or self.all_scopes)

    def searcher(self):
        """A ``searcher.Searcher`` on its own connection (for a UI thread worker)."""
        from feedreader.core.library.searcher import Searcher

        return Searcher(self.index.db_path, scopes=self.all_scopes)

    @property
    def all_scopes(self) -> Callable[[str, str], Sequence[str] | None]:
        """What feed:/folder: names mean: ``self.scopes`` as it is when a search
        runs (a searcher made before it was set sees it too), else ``source_scopes``."""
        return self._scope

    def _scope(self, kind: str, name: str) -> Sequence[str] | None:
        return (self.scopes or self.source_scopes)(kind, name)

    def source_scopes(self, kind: str, name: str) -> list[str] | None:
        """``folder:NAME`` as the document source folders called NAME (any
        case, accents folded); None for any other name or kind (``search.Scopes``)."""
        import os

        from feedreader.core.library.folding import fold

        if kind != "folder":
            return None
        wanted = fold(name.strip())
        found = []
        for source in self.sources:
            resolved = source.resolve()
            if fold(resolved.name) == wanted:
                found.append(str(resolved) + os.sep if resolved.is_dir() else str(resolved))
        return found or None


def _pack(keys: list[int]) -> bytes:
    packed = array("q", keys)
    if sys.byteorder != "little":
        packed.byteswap()
    return packed.tobytes()


def _unpack(blob: bytes) -> list[int]:
    keys = array("q")
    keys.frombytes(blob)
    if sys.byteorder != "little":
        keys.byteswap()
    return keys.tolist()


_ROW_COLUMNS = "aid, identity, title, provider, published, quality, url, topics, path, score"


def _row(r: tuple) -> ListRow:
    return ListRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], tuple(r[7].split(TOPIC_SEP)) if r[7] else (), r[8], r[9])
