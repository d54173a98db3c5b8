"""Saved orders: a start reads the order the last run computed, never a stale one."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from feedreader.core.library.library import Library, _pack

SEED = Path(__file__).resolve().parents[3] / "seeds" / "000_17b63d52bf50f52a.txt"
URL = ("https://www.caixinglobal.com/2021-12-15/carmaker-xpeng-deletes-430000-photos-for-misuse-"
       "of-facial-recognition-101818294.html")
TEXT = SEED.read_text(encoding="utf-8")


def write(path: Path, n: int, when: str, mtime: int) -> None:
    text = TEXT.replace(URL, f"https://news.example.com/{n}").replace("Carmaker", f"T{n}")
    path.write_text(text.replace("2021-12-15T12:20:00Z", when), encoding="utf-8")
    os.utime(path, ns=(mtime, mtime))


def sql_order(library: Library, order: str) -> list[int]:
    from feedreader.core.library.orders import ORDER_SQL, order_params

    params = order_params(library.index.conn, order)
    return [r[0] for r in library.index.conn.execute(f"SELECT aid FROM articles {ORDER_SQL[order]}", params)]


def make(tmp_path: Path, n: int = 30) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(n):
        write(docs / f"{i:03d}.txt", i, f"2021-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00Z", 1_600_000_000_000_000_000 + i)
    return docs


def test_an_order_is_saved_at_close_and_read_back(tmp_path: Path) -> None:
    docs = make(tmp_path)
    with Library.open(tmp_path / "cache", [docs]) as library:
        library.refresh()
        newest = library.order("newest")
        ranked = library.order("ranked")
    with Library.open(tmp_path / "cache", [docs]) as library:
        generation = library.index.generation()
        assert library.index.saved_order("newest", generation) == _pack(newest)
        assert library.index.saved_order("best", generation) is None   # never computed
        assert library.order("newest") == newest == sql_order(library, "newest")
        assert library.order("ranked") == ranked == sql_order(library, "ranked")


def test_a_change_makes_the_saved_order_unused(tmp_path: Path) -> None:
    docs = make(tmp_path)
    with Library.open(tmp_path / "cache", [docs]) as library:
        library.refresh()
        library.order("newest")
    write(docs / "new.txt", 999, "2030-01-01T00:00:00Z", 1_700_000_000_000_000_000)
    with Library.open(tmp_path / "cache", [docs]) as library:
        before = library.index.generation()
        library.refresh()
        assert library.index.generation() > before
        order = library.order("newest")
        assert order == sql_order(library, "newest")
        assert library.rows([order[0]])[order[0]].title.startswith("T999")
    (docs / "new.txt").unlink()
    with Library.open(tmp_path / "cache", [docs]) as library:
        library.refresh()
        assert library.order("newest") == sql_order(library, "newest")
        assert len(library.order("newest")) == 30


def test_a_saved_order_of_another_generation_is_ignored(tmp_path: Path) -> None:
    docs = make(tmp_path)
    with Library.open(tmp_path / "cache", [docs]) as library:
        library.refresh()
        generation = library.index.generation()
        db = library.index.db_path
    conn = sqlite3.connect(db)
    conn.execute("INSERT OR REPLACE INTO orders VALUES('newest', ?, ?)", (generation - 1, _pack([1, 2, 3])))
    conn.commit()
    conn.close()
    with Library.open(tmp_path / "cache", [docs]) as library:
        assert library.order("newest") == sql_order(library, "newest")
