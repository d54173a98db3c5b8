"""Index.refresh: streaming discovery, bulk writes, and an incremental index
that always ends where a fresh one would."""

from __future__ import annotations

import io
import os
import pickle
import random
import sqlite3
import threading
from pathlib import Path

import pytest

from feedreader.core.library import index as index_mod
from feedreader.core.library import walk as walk_mod
from feedreader.core.library.index import Index
from feedreader.core.library.schema import EVERY_TOKEN

SEED = Path(__file__).resolve().parents[3] / "seeds" / "000_17b63d52bf50f52a.txt"
URL = ("https://www.caixinglobal.com/2021-12-15/carmaker-xpeng-deletes-430000-photos-for-misuse-"
       "of-facial-recognition-101818294.html")
TEXT = SEED.read_text(encoding="utf-8")


def write(path: Path, url: int, title: str, mtime: int) -> None:
    path.write_text(TEXT.replace(URL, f"https://news.example.com/{url}").replace("Carmaker", title),
                    encoding="utf-8")
    os.utime(path, ns=(mtime, mtime))


def state(db: Path) -> tuple:
    conn = sqlite3.connect(db)
    try:
        articles = sorted(conn.execute("SELECT aid, path, mtime_ns, title FROM articles"))
        files = sorted(conn.execute("SELECT path, size, mtime_ns, aid FROM files"))
        # the search index's own entries (a plain SELECT reads the articles table, its content)
        text = sorted(r[0] for r in conn.execute(
            "SELECT rowid FROM article_text WHERE article_text MATCH ?", (f'tags : "{EVERY_TOKEN}"',)))
    finally:
        conn.close()
    return articles, files, text


def test_the_app_walks_in_a_child_only_while_single_threaded(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    write(docs / "a.txt", 1, "A", 1_600_000_000_000_000_000)
    index = Index(tmp_path / "x.db")
    started = index.start_prewalk([docs])
    assert started == (threading.active_count() == 1)
    report = index.refresh([docs])
    assert report.parsed == 1 and index.count() == 1
    index.close()


def test_refresh_from_a_thread_that_never_used_the_index(tmp_path: Path) -> None:
    # the app's scan worker is such a thread; it used to deadlock on the first batch
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(5):
        write(docs / f"{n}.txt", n, f"T{n}", 1_600_000_000_000_000_000 + n)
    index = Index(tmp_path / "x.db")
    seen: list[int] = []
    worker = threading.Thread(target=lambda: index.refresh([docs], on_batch=seen.append), daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "refresh hung"
    assert seen and seen[-1] == 5
    assert index.count() == 5
    index.close()


def test_first_rows_arrive_before_the_walk_ends(tmp_path: Path, monkeypatch) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(120):
        write(docs / f"{n:03d}.txt", n, f"T{n}", 1_600_000_000_000_000_000 + n)
    monkeypatch.setattr(index_mod, "FIRST_CHUNK", 10)
    monkeypatch.setattr(index_mod, "CHUNK", 20)
    index = Index(tmp_path / "x.db")
    progress: list[tuple[int, int]] = []
    report = index.refresh([docs], progress=lambda d, t: progress.append((d, t)), workers=1)
    assert report.parsed == 120 and index.count() == 120
    assert progress[1] == (10, progress[1][1])       # the first batch is the small first chunk
    assert progress[-1] == (120, 120)
    assert all(d <= t for d, t in progress)
    index.close()


def test_winner_that_changes_its_article_hands_it_to_the_other_file(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    write(docs / "old.txt", 1, "Older", 1_600_000_000_000_000_000)
    write(docs / "new.txt", 1, "Newer", 1_600_000_100_000_000_000)
    index = Index(tmp_path / "x.db")
    index.refresh([docs])
    assert [r[3] for r in state(tmp_path / "x.db")[0]] == ["Newer Xpeng Deletes 430,000 Photos for Misuse of Facial Recognition"]
    # the winning file now tells another story: the first article must stay, from old.txt
    write(docs / "new.txt", 2, "Other", 1_600_000_200_000_000_000)
    index.refresh([docs])
    titles = sorted(r[3].split()[0] for r in state(tmp_path / "x.db")[0])
    assert titles == ["Older", "Other"]
    index.close()


def prewalked(index: Index, docs: Path, mode: str) -> None:
    """Start the child walk the app starts (``mode``: "no", "yes", "broken")."""
    if mode == "no":
        return
    # (directly: pytest's own threads make start_prewalk decline, rightly, in the app)
    walk = walk_mod.PreWalk(index.db_path, [docs])
    if mode == "broken":  # it sent one file, then garbage: the refresh walks by itself
        walk.close()
        first = sorted(docs.iterdir())[:1]
        items = [(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in first]
        walk.stream = io.BytesIO(pickle.dumps(("files", items)) + b"\x80\x04garbage")
    index._prewalk = walk


@pytest.mark.parametrize("chunk,first,prewalk", [(3, 2, "no"), (200, 48, "no"), (3, 2, "yes"), (3, 2, "broken")])
def test_incremental_index_ends_where_a_fresh_one_does(tmp_path: Path, monkeypatch, chunk, first, prewalk) -> None:
    """Random edits, deletions, duplicates (shared URLs) and broken files, many
    refreshes: after each the index equals one built from scratch (also when
    the walk was done by the start-up child, or that child died)."""
    monkeypatch.setattr(index_mod, "CHUNK", chunk)
    monkeypatch.setattr(index_mod, "FIRST_CHUNK", first)
    # the start-up child's walk (a process each refresh) is checked on fewer histories
    for seed in range(12 if prewalk == "no" else 4):
        rng = random.Random(seed)
        root = tmp_path / f"s{seed}"
        docs = root / "docs"
        docs.mkdir(parents=True)
        mtime = 1_600_000_000_000_000_000
        for step in range(5):
            for _ in range(rng.randint(1, 20)):
                path = docs / f"f{rng.randint(0, 25)}.txt"
                roll = rng.random()
                if roll < 0.2 and path.exists():
                    path.unlink()
                    continue
                mtime += rng.randint(1, 3) * 1_000_000_000
                if roll < 0.25:
                    path.write_text("no front matter")
                    os.utime(path, ns=(mtime, mtime))
                else:
                    write(path, rng.randint(0, 10), f"T{rng.randint(0, 999)}", mtime)
            incremental = Index(root / "inc.db")
            prewalked(incremental, docs, prewalk)
            report = incremental.refresh([docs], workers=1)
            assert report.scanned == sum(1 for p in docs.iterdir())
            incremental.close()
            fresh_db = root / f"fresh{step}.db"
            fresh = Index(fresh_db)
            fresh.refresh([docs], workers=1)
            fresh.close()
            got, want = state(root / "inc.db"), state(fresh_db)
            assert got == want, f"seed {seed} step {step}"
            assert got[2] == [a[0] for a in got[0]]   # one search row per article


def test_the_walk_yields_each_file_once(tmp_path: Path) -> None:
    """One source: every file once, a symbolic link to a folder not followed.
    Overlapping sources (a folder, a folder inside it, a file in it): each file once."""
    top = tmp_path / "top"
    inner = top / "inner"
    inner.mkdir(parents=True)
    for n, folder in enumerate([top, top, inner, inner]):
        write(folder / f"doc{n}.txt", n, f"Title {n}", 1_600_000_000_000_000_000 + n)
    (top / "again").symlink_to(inner, target_is_directory=True)
    (top / ".hidden.txt").write_text(TEXT, encoding="utf-8")
    expected = sorted(str(p) for p in top.rglob("doc*.txt") if "again" not in p.parts)
    assert len(expected) == 4

    once = [path for path, _size, _mtime in walk_mod.walk([top])]
    assert sorted(once) == expected
    problems: list = []
    overlapping = [path for path, _s, _m in walk_mod.walk([top, inner, inner / "doc2.txt", top], problems)]
    assert sorted(overlapping) == expected and not problems
