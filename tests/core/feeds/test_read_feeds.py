"""``read_feeds``: the feed list on the app's start path (a read-only
connection, no ``quick_check``), and the long way for anything unusual."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from feedreader.core.feeds.opml import Subscription
from feedreader.core.feeds.store import FeedStore, StoreError, read_feeds


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "data" / "feeds.sqlite"


def files_of(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def test_it_lists_what_the_store_lists_and_writes_nothing(db):
    with FeedStore(db) as store:
        store.add_many(Subscription(f"https://f{i}.example/feed", f"Feed {i}", folder=f"F{i % 3}")
                       for i in range(30))
        first = store.get(1)
        assert first is not None
        store.record_fetch(first, status=410, next_check=0.0, gone=True, error="410 Gone")   # a True flag
        expected = store.list()
    before = files_of(db.parent)
    assert list(before) == ["feeds.sqlite"]
    feeds = read_feeds(db)
    assert feeds == expected and len(feeds) == 30
    assert [f.folder for f in feeds] == sorted(f.folder for f in feeds)
    gone = next(f for f in feeds if f.id == 1)
    assert gone.gone is True and gone.not_modified is False
    assert files_of(db.parent) == before


def test_no_file_is_no_feeds_and_makes_none(db):
    assert read_feeds(db) == []
    assert not db.parent.exists()


def test_a_store_left_in_wal_mode_with_a_peer_open_is_read(db):
    with FeedStore(db) as store:
        store.add("https://one.example/feed")
        # the store stays open (its -wal and -shm exist): a second process's view
        assert [f.url for f in read_feeds(db)] == ["https://one.example/feed"]
        store.add("https://two.example/feed")
        assert len(read_feeds(db)) == 2


def test_a_damaged_file_goes_the_long_way_and_is_moved_aside(db):
    db.parent.mkdir(parents=True)
    db.write_bytes(os.urandom(3000) + b"not a database")
    assert read_feeds(db) == []
    assert [p for p in db.parent.iterdir() if ".corrupt-" in p.name]


def test_a_feeds_table_of_the_wrong_shape_is_not_read(db):
    db.parent.mkdir(parents=True)
    with FeedStore(db):
        pass
    with sqlite3.connect(db) as raw:
        version = raw.execute("PRAGMA user_version").fetchone()[0]
        raw.execute("DROP TABLE feeds")
        raw.execute("CREATE TABLE feeds (id INTEGER PRIMARY KEY, url TEXT)")
        raw.execute(f"PRAGMA user_version = {version}")
    raw.close()
    assert read_feeds(db) == []         # (the long way: moved aside, a new store)
    assert [p for p in db.parent.iterdir() if ".corrupt-" in p.name]


def test_a_newer_schema_is_an_error_and_left_untouched(db):
    with FeedStore(db) as store:
        store.add("https://future.example/")
    with sqlite3.connect(db) as raw:
        raw.execute("PRAGMA user_version = 99")
    raw.close()
    before = db.read_bytes()
    with pytest.raises(StoreError, match="newer"):
        read_feeds(db)
    assert db.read_bytes() == before
