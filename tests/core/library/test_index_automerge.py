"""A cold build lets FTS5 merge its segments less often (schema.BULK_AUTOMERGE)
and sets the default again at its end, also when another open finishes it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from test_index_bulk import corpus, search_state

from feedreader.core.library.index import Index
from feedreader.core.library.schema import (
    BULK_AUTOMERGE,
    DEFAULT_AUTOMERGE,
    begin_bulk,
    connect,
    set_up,
)


def automerge(db: Path) -> int | None:
    conn = sqlite3.connect(db)
    try:
        row = conn.execute("SELECT v FROM article_text_config WHERE k='automerge'").fetchone()
    finally:
        conn.close()
    return None if row is None else int(row[0])


def test_the_build_merges_less_and_leaves_the_default(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    corpus(docs, 30)
    db = tmp_path / "index.db"
    index = Index(db)
    during: list[int | None] = []
    report = index.refresh([docs], workers=1, on_batch=lambda done: during.append(automerge(db)))
    index.close()
    assert report.bulk and during and set(during) == {BULK_AUTOMERGE}
    assert automerge(db) == DEFAULT_AUTOMERGE
    search_state(db)        # the search index is whole (FTS5's integrity check) and finds every article


def test_an_open_that_finishes_a_broken_off_build_sets_the_default(tmp_path: Path) -> None:
    db = tmp_path / "index.db"
    conn = connect(db)
    set_up(conn)
    assert begin_bulk(conn)
    assert automerge(db) == BULK_AUTOMERGE
    conn.close()                # a crash: the build never ended
    conn = connect(db)
    set_up(conn)
    conn.close()
    assert automerge(db) == DEFAULT_AUTOMERGE
