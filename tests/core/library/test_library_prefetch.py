"""Library.prefetch: the first screen's count and keys read in a thread while the app
starts (ui/run.py); what count/head/order give is what SQL gives, never a stale value."""

from __future__ import annotations

import threading
from pathlib import Path

from feedreader.core.library.library import Library
from tests.core.library.test_library_orders import make, sql_order, write


def sql_count(library: Library) -> int:
    return library.index.conn.execute("SELECT count(*) FROM articles").fetchone()[0]


def prefetched(library: Library, order: str, limit: int, head_above: int = 0) -> None:
    library.prefetch(order, limit, head_above=head_above)
    assert library._prefetch is not None
    library._prefetch.join(10)
    assert not library._prefetch.is_alive()


def test_the_head_and_count_are_read_in_a_thread_and_used_by_the_ui_thread(tmp_path: Path, monkeypatch) -> None:
    docs = make(tmp_path)
    with Library.open(tmp_path / "cache", [docs]) as library:
        library.refresh()
    with Library.open(tmp_path / "cache", [docs]) as library:
        seen: list[str] = []
        real_count = library.index.count

        def counted() -> int:
            seen.append(threading.current_thread().name)
            return real_count()

        monkeypatch.setattr(library.index, "count", counted)
        prefetched(library, "newest", 5)            # no saved order: the head
        assert seen == ["library-prefetch"]
        assert library.count() == 30 == sql_count(library)
        assert library.head("newest", 5) == sql_order(library, "newest")[:5]
        assert seen == ["library-prefetch"]         # the UI thread did not count again
        assert library.head("newest", 7) == sql_order(library, "newest")[:7]   # another length: read


def test_a_saved_order_is_read_whole_and_a_small_library_is_left_to_the_ui(tmp_path: Path) -> None:
    docs = make(tmp_path)
    with Library.open(tmp_path / "cache", [docs]) as library:
        library.refresh()
        library.order("newest")       # saved at close
    with Library.open(tmp_path / "cache", [docs]) as library:
        prefetched(library, "newest", 5)
        assert "newest" in library._orders
        assert library.order("newest") == sql_order(library, "newest")
    with Library.open(tmp_path / "cache", [docs]) as library:
        prefetched(library, "best", 5, head_above=100)     # not saved, small: nothing but the count
        assert "best" not in library._orders and library._heads == {}
        assert library._counted is not None and library._counted[1] == 30
        assert library.order("best") == sql_order(library, "best")
        prefetched(library, "ranked", 5)                   # (once per library: nothing more)
        assert "ranked" not in library._orders and library._heads == {}


def test_after_a_change_the_count_and_head_are_read_again(tmp_path: Path) -> None:
    docs = make(tmp_path)
    with Library.open(tmp_path / "cache", [docs]) as library:
        library.refresh()
        prefetched(library, "newest", 3)
        head = library.head("newest", 3)
        assert library.count() == 30
        write(docs / "new.txt", 999, "2030-01-01T00:00:00Z", 1_700_000_000_000_000_000)
        (docs / "000.txt").unlink()
        (docs / "001.txt").unlink()
        library.refresh()
        assert library.count() == 29 == sql_count(library)
        new_head = library.head("newest", 3)
        assert new_head == sql_order(library, "newest")[:3] != head
        assert library.rows([new_head[0]])[new_head[0]].title.startswith("T999")


def test_a_closed_or_damaged_index_leaves_the_thread_quiet(tmp_path: Path) -> None:
    docs = make(tmp_path, 3)
    with Library.open(tmp_path / "cache", [docs]) as library:
        library.refresh()
        db = library.index.db_path
    db.write_bytes(b"not a database at all" * 100)
    errors: list[BaseException] = []
    hook, threading.excepthook = threading.excepthook, lambda args: errors.append(args.exc_value)
    try:
        library = Library.__new__(Library)
        Library.__init__(library, _Broken(db), [docs], "x")
        prefetched(library, "newest", 3)
    finally:
        threading.excepthook = hook
    assert errors == []


class _Broken:
    """An Index whose every read fails as a damaged file does."""

    def __init__(self, db_path: Path) -> None:
        import sqlite3

        self.db_path = db_path
        self.conn = sqlite3.connect(db_path, check_same_thread=False)

    def generation(self) -> int:
        return int(self.conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])

    def count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM articles").fetchone()[0]
