"""A cold build (an empty index): the search index is filled in steps from
the articles, not by the triggers (schema.begin_bulk). Whatever happens on the
way (duplicates replacing rows already copied, another process opening the
index, a crash), the search index ends up what the triggers would have made."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from feedreader.core.library import index as index_mod
from feedreader.core.library.index import Index
from feedreader.core.library.schema import BULK_INDEXES, EVERY_TOKEN, TEXT_TRIGGER_NAMES

SEED = Path(__file__).resolve().parents[3] / "seeds" / "000_17b63d52bf50f52a.txt"
URL = ("https://www.caixinglobal.com/2021-12-15/carmaker-xpeng-deletes-430000-photos-for-misuse-"
       "of-facial-recognition-101818294.html")
TEXT = SEED.read_text(encoding="utf-8")
WORDS = ["carmaker", "xpeng", "photos", "alpha7", "beta3", "gamma", "delta12", "recognition", "zzz"]


def write(path: Path, url: int, title: str, mtime: int) -> None:
    path.write_text(TEXT.replace(URL, f"https://news.example.com/{url}").replace("Carmaker", title),
                    encoding="utf-8")
    os.utime(path, ns=(mtime, mtime))


def corpus(docs: Path, count: int) -> None:
    """``count`` files; every third shares its URL (its article) with another,
    the newer file winning, so later rows replace rows stored before."""
    docs.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        url = n if n % 3 else n // 2
        write(docs / f"f{n:03d}.txt", url, f"Alpha{n % 11} Beta{n % 5} Gamma Delta{n}",
              1_600_000_000_000_000_000 + (count - n) * 1_000_000_000 * (1 if n % 2 else -1))
    (docs / "broken.txt").write_text("no front matter", encoding="utf-8")


def search_state(db: Path) -> tuple:
    conn = sqlite3.connect(db)
    try:
        # FTS5's own check of the index against its content (the articles table)
        conn.execute("INSERT INTO article_text(article_text, rank) VALUES('integrity-check', 1)")
        triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        upto = conn.execute("SELECT value FROM meta WHERE key='text_upto'").fetchone()
        matches = {w: sorted(r[0] for r in conn.execute(
            "SELECT rowid FROM article_text WHERE article_text MATCH ?", (w,))) for w in WORDS}
        every = sorted(r[0] for r in conn.execute(
            "SELECT rowid FROM article_text WHERE article_text MATCH ?", (f'tags : "{EVERY_TOKEN}"',)))
        aids = sorted(r[0] for r in conn.execute("SELECT aid FROM articles"))
    finally:
        conn.close()
    assert set(TEXT_TRIGGER_NAMES) <= triggers and upto is None
    assert set(BULK_INDEXES) <= indexes        # a cold build with no list reader dropped them
    assert every == aids                       # one search row per article, no stale one
    return matches, aids


def by_triggers(root: Path, docs: Path) -> tuple:
    """The same files indexed with the triggers on: one file first (a cold
    build of one), then the rest (not a cold build)."""
    first = root / "one"
    first.mkdir()
    os.link(sorted(docs.glob("f*.txt"))[0], first / "f000.txt")
    index = Index(root / "triggers.db")
    assert index.refresh([first], workers=1).bulk
    os.unlink(first / "f000.txt")
    for path in docs.iterdir():
        os.link(path, first / path.name)
    assert not index.refresh([first], workers=1).bulk
    index.close()
    return search_state(root / "triggers.db")


@pytest.fixture
def small_steps(monkeypatch):
    monkeypatch.setattr(index_mod, "CHUNK", 4)
    monkeypatch.setattr(index_mod, "FIRST_CHUNK", 3)
    monkeypatch.setattr(index_mod, "COMMIT_ROWS", 5)
    monkeypatch.setattr(index_mod, "TEXT_STEP", 7)


def test_a_cold_build_searches_as_the_triggers_would(tmp_path: Path, small_steps) -> None:
    docs = tmp_path / "docs"
    corpus(docs, 60)
    index = Index(tmp_path / "bulk.db")
    report = index.refresh([docs], workers=1)
    index.close()
    assert report.bulk and report.parsed == 61
    conn = sqlite3.connect(tmp_path / "bulk.db")     # the list's orders read their indexes again
    plan = " ".join(r[3] for r in conn.execute(
        "EXPLAIN QUERY PLAN SELECT aid FROM articles ORDER BY published DESC, quality DESC, aid"))
    conn.close()
    assert "articles_newest" in plan
    assert report.parse_cpu > 0 and report.write_cpu > 0 and report.text_cpu > 0
    got = search_state(tmp_path / "bulk.db")
    assert got == by_triggers(tmp_path, docs)
    assert got[0]["gamma"] == got[1] and got[0]["zzz"] == []


def test_a_search_during_a_cold_build_finds_the_articles_copied_so_far(tmp_path: Path, small_steps) -> None:
    docs = tmp_path / "docs"
    corpus(docs, 60)
    db = tmp_path / "bulk.db"
    seen: list[tuple[int, int]] = []

    def on_batch(done: int) -> None:
        conn = sqlite3.connect(db)
        try:
            found = conn.execute("SELECT count(*) FROM article_text WHERE article_text MATCH 'gamma'").fetchone()[0]
            stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        finally:
            conn.close()
        seen.append((found, stored))

    index = Index(db)
    index.refresh([docs], workers=1, on_batch=on_batch)
    index.close()
    assert all(found <= stored for found, stored in seen)
    assert any(0 < found < stored for found, stored in seen)     # behind, by less than a step
    assert seen[-1][1] > seen[0][1]


def test_another_connection_opening_mid_build_finishes_it_and_nothing_is_lost(tmp_path: Path, small_steps) -> None:
    docs = tmp_path / "docs"
    corpus(docs, 60)
    db = tmp_path / "bulk.db"
    others: list[Index] = []

    def on_batch(done: int) -> None:
        if len(others) == 1 and done >= 20:
            others.append(Index(db))        # another process's opening: set_up finishes the build
        if not others:
            others.append(Index(db))
            others[0].close()

    index = Index(db)
    report = index.refresh([docs], workers=1, on_batch=on_batch)
    index.close()
    for other in others:
        other.close()
    assert report.bulk and len(others) == 2
    assert search_state(db) == by_triggers(tmp_path, docs)


CRASH = """
import os, sys
from pathlib import Path
from feedreader.core.library import index as index_mod
index_mod.CHUNK, index_mod.FIRST_CHUNK, index_mod.COMMIT_ROWS, index_mod.TEXT_STEP = 4, 3, 2, 7
calls = []
store = index_mod.Index._store
def dying_store(self, rows):
    out = store(self, rows)
    calls.append(1)
    if len(calls) == 4:
        os._exit(3)         # no finally, no end of the build: as a kill -9 or a power cut
    return out
index_mod.Index._store = dying_store
index_mod.Index(Path(sys.argv[1])).refresh([Path(sys.argv[2])], workers=1)
"""


def test_a_cold_build_cut_short_is_finished_at_the_next_open(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    corpus(docs, 60)
    db = tmp_path / "bulk.db"
    done = subprocess.run([sys.executable, "-c", CRASH, str(db), str(docs)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])})
    assert done.returncode == 3, done.stderr
    conn = sqlite3.connect(db)
    left = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    upto = conn.execute("SELECT value FROM meta WHERE key='text_upto'").fetchone()
    conn.close()
    assert left > 0 and upto is not None        # the crash left a build half done
    index = Index(db)                            # set_up finishes it
    index.close()
    _matches, aids = search_state(db)
    assert len(aids) == left
    index = Index(db)
    report = index.refresh([docs], workers=1)    # the rest is indexed with the triggers
    index.close()
    assert not report.bulk
    assert search_state(db) == by_triggers(tmp_path, docs)
