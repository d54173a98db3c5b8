"""The subscriptions store: real SQLite files, a second process, damaged files."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from feedreader.core.feeds.opml import Subscription
from feedreader.core.feeds.store import (
    DuplicateFeed,
    EntryRow,
    FeedStore,
    StoreError,
    UnknownFeed,
)

DAY = 86400.0


class Clock:
    def __init__(self, t: float = 1_700_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "data" / "feeds.db"


@pytest.fixture
def store(db, clock):
    with FeedStore(db, clock=clock) as s:
        yield s


# -- subscribing -----------------------------------------------------------------------------


def test_add_creates_the_file_and_stores_a_clean_canonical_feed(store, db, clock):
    feed = store.add("HTTPS://Example.COM:443/feed.xml#top", "  The \x1b[31mFeed\u202e ", " News / / Tech ")
    assert db.exists()
    assert feed.url == "https://example.com/feed.xml"
    assert feed.title == "The Feed" and feed.user_title == "" and feed.name == "The Feed"
    assert feed.folder == "News/Tech"
    assert feed.added == clock.t and feed.next_check == 0
    assert (feed.fail_count, feed.gone, feed.not_modified, feed.entry_count) == (0, False, False, 0)
    assert feed.etag is None and feed.last_fetch is None and feed.last_status is None


@pytest.mark.parametrize("bad, why", [("javascript:alert(1)", "scheme"), ("file:///etc/passwd", "scheme"),
                                      ("http://", "no host"), ("", "empty")])
def test_add_refuses_what_may_not_be_fetched(store, bad, why):
    with pytest.raises(ValueError) as caught:
        store.add(bad)
    assert why in str(caught.value) and "cannot be subscribed" in str(caught.value)
    assert store.list() == []


def test_add_twice_is_a_duplicate_naming_the_first(store):
    first = store.add("https://a.example/rss", "A")
    with pytest.raises(DuplicateFeed) as caught:
        store.add("https://A.example:443/rss#x", "again")
    assert caught.value.feed == first and "subscribed already" in str(caught.value)
    assert len(store.list()) == 1


def test_add_many_is_one_transaction(store):
    store.add("https://old.example/")
    added, existing = store.add_many(
        [Subscription("https://n1.example/", "N1", "F"), Subscription("https://old.example/"),
         Subscription("https://n2.example/", "N2")]
    )
    assert [f.url for f in added] == ["https://n1.example/", "https://n2.example/"]
    assert [f.url for f in existing] == ["https://old.example/"]
    with pytest.raises(ValueError):
        store.add_many([Subscription("https://n3.example/"), Subscription("ftp://bad.example/")])
    assert store.get("https://n3.example/") is None, "a refused batch adds nothing"


def test_get_by_int_id_string_id_and_url(store):
    feed = store.add("https://get.example/path?q=1", "G")
    assert store.get(feed.id) == feed
    assert store.get(str(feed.id)) == feed
    assert store.get(f" {feed.id} ") == feed
    assert store.get("https://GET.example:443/path?q=1#frag") == feed
    assert store.get("https://get.example/path?q=2") is None
    assert store.get(feed.id + 1) is None
    assert store.get("0") is None and store.get("99999999999999999999999") is None
    with pytest.raises(TypeError):
        store.get(True)  # type: ignore[arg-type]


def test_rename_move_refresh_and_unknown_ids(store):
    feed = store.add("https://r.example/", "Own title")
    renamed = store.rename(feed.id, "Mine\x07")
    assert renamed.user_title == "Mine" and renamed.title == "Own title" and renamed.name == "Mine"
    assert store.rename(feed, "").name == "Own title"
    assert store.move(feed.id, "a//b/").folder == "a/b"
    assert store.set_refresh(feed.id, 7200).refresh_every == 7200
    assert store.set_refresh(feed.id, None).refresh_every is None
    with pytest.raises(ValueError):
        store.set_refresh(feed.id, 0)
    for call in (lambda: store.rename(999, "x"), lambda: store.move(999, "x"), lambda: store.remove(999)):
        with pytest.raises(UnknownFeed):
            call()
    assert store.get(feed.id).folder == "a/b"


def test_list_is_by_folder_then_name(store):
    store.add("https://z.example/", "zeta", "")
    store.add("https://b.example/", "Beta", "News")
    store.add("https://a.example/", "alpha", "News")
    c = store.add("https://c.example/", "", "")
    store.rename(c.id, "Charlie")
    assert [f.name for f in store.list()] == ["Charlie", "zeta", "alpha", "Beta"]


def test_remove_returns_the_entry_files_and_ids_are_never_reused(store):
    a = store.add("https://a.example/")
    b = store.add("https://b.example/")
    store.record_entries(b.id, [EntryRow("k1", "b-1.md"), EntryRow("k2", "b-2.md")])
    assert sorted(store.remove(b.id)) == ["b-1.md", "b-2.md"]
    assert store.get(b.id) is None and store.known_entries(b.id) == {}
    c = store.add("https://c.example/")
    assert c.id > b.id > a.id


# -- fetching --------------------------------------------------------------------------------


def test_due_new_feeds_first_then_by_next_check_never_gone(store, clock):
    a = store.add("https://a.example/")
    b = store.add("https://b.example/")
    c = store.add("https://c.example/")
    assert [f.id for f in store.due()] == [a.id, b.id, c.id]
    store.record_fetch(a.id, status=200, next_check=clock.t + 3600)
    store.record_fetch(b.id, status=200, next_check=clock.t + 60)
    store.record_fetch(c.id, status=410, next_check=clock.t, gone=True, error="410 Gone")
    assert store.due() == []
    assert [f.id for f in store.due(clock.t + 100)] == [b.id]
    assert [f.id for f in store.due(clock.t + 4000)] == [b.id, a.id]


def test_record_fetch_stores_validators_status_and_time(store, clock):
    feed = store.add("https://v.example/")
    clock.t += 10
    f = store.record_fetch(feed.id, status=200, etag='"abc"', last_modified="Wed, 21 Oct 2015 07:28:00 GMT",
                           next_check=clock.t + 3600, title="Server title", site_url="https://v.example/home")
    assert (f.etag, f.last_modified, f.last_status, f.last_fetch) == (
        '"abc"', "Wed, 21 Oct 2015 07:28:00 GMT", 200, clock.t)
    assert f.title == "Server title" and f.site_url == "https://v.example/home" and f.next_check == clock.t + 3600
    # a 304 without validators keeps the stored ones
    f = store.record_fetch(feed.id, status=304, not_modified=True, next_check=clock.t)
    assert f.not_modified and f.etag == '"abc"' and f.title == "Server title"
    # a failure keeps them too
    f = store.record_fetch(feed.id, status=500, error="HTTP 500", next_check=clock.t)
    assert f.etag == '"abc"' and f.last_modified is not None
    # a full 200 without validators clears them (they belong to an old response)
    f = store.record_fetch(feed.id, status=200, next_check=clock.t)
    assert f.etag is None and f.last_modified is None and not f.not_modified


def test_fail_count_counts_failures_in_a_row(store):
    feed = store.add("https://fail.example/")
    for n in (1, 2, 3):
        f = store.record_fetch(feed.id, status=None, error=f"timeout \x1b[1m{n}", next_check=0)
        assert f.fail_count == n and f.last_error == f"timeout {n}" and f.last_status is None
    f = store.record_fetch(feed.id, status=200, next_check=0)
    assert f.fail_count == 0 and f.last_error is None


def test_permanent_redirect_changes_the_url(store):
    feed = store.add("http://old.example/rss")
    f = store.record_fetch(feed.id, status=301, new_url="https://NEW.example/rss", next_check=0)
    assert f.url == "https://new.example/rss" and f.id == feed.id
    assert store.get("https://new.example/rss") == f and store.get("http://old.example/rss") is None


def test_redirect_onto_another_subscription_or_a_bad_url_is_noted_not_followed(store):
    a = store.add("https://a.example/")
    b = store.add("https://b.example/")
    f = store.record_fetch(a.id, status=301, new_url="https://b.example/", next_check=0)
    assert f.url == "https://a.example/" and f"feed {b.id}" in f.last_error and "subscribed already" in f.last_error
    f = store.record_fetch(a.id, status=308, new_url="javascript:alert(1)", next_check=0)
    assert f.url == "https://a.example/" and "redirect" in f.last_error


def test_gone_is_stored_and_cleared(store):
    feed = store.add("https://gone.example/")
    assert store.record_fetch(feed.id, status=410, gone=True, error="410", next_check=0).gone
    assert store.due(10**12) == []
    assert not store.record_fetch(feed.id, status=200, next_check=0).gone


# -- entries -----------------------------------------------------------------------------------


def test_entries_are_recorded_updated_and_counted(store, clock, db):
    feed = store.add("https://e.example/")
    assert store.record_entries(feed.id, [EntryRow("k1", "f1.md", "h1", 100.0), EntryRow("k2", "f2.md", "h2")]) == 2
    assert store.known_entries(feed.id) == {"k1": ("f1.md", "h1"), "k2": ("f2.md", "h2")}
    assert store.get(feed.id).entry_count == 2
    clock.t += DAY
    assert store.record_entries(feed.id, [EntryRow("k2", "f2b.md", "h2b"), EntryRow("k3", "f3.md", "h3")]) == 1
    assert store.known_entries(feed.id)["k2"] == ("f2b.md", "h2b")
    assert store.get(feed.id).entry_count == 3
    with sqlite3.connect(db) as raw:
        first_seen = dict(raw.execute("SELECT key, first_seen FROM entries"))
    assert first_seen == {"k1": clock.t - DAY, "k2": clock.t - DAY, "k3": clock.t}
    with pytest.raises(UnknownFeed):
        store.record_entries(999, [EntryRow("k", "f")])


def test_prune_old_entries_keeps_flagged_and_tombstones(store, clock):
    feed = store.add("https://p.example/")
    start = clock.t
    store.record_entries(feed.id, [EntryRow("old", "old.md", "h", start - 100 * DAY),
                                   EntryRow("flagged", "flagged.md", "h", start - 100 * DAY),
                                   EntryRow("backlog", "backlog.md", "h", start - 400 * DAY)])
    clock.t = start + 20 * DAY
    store.record_entries(feed.id, [EntryRow("fresh", "fresh.md", "h", clock.t)])
    # 20 days later, keep 30: nothing is old enough (first seen counts, not only published)
    assert store.prune(30) == []
    clock.t = start + 40 * DAY
    assert sorted(store.prune(30, keep={"flagged.md"})) == ["backlog.md", "old.md"]
    known = store.known_entries(feed.id)
    assert known["old"] == ("", "h") and known["backlog"] == ("", "h"), "pruned rows stay, without a file"
    assert known["flagged"] == ("flagged.md", "h") and known["fresh"] == ("fresh.md", "h")
    assert store.get(feed.id).entry_count == 2
    assert store.prune(30, keep={"flagged.md"}) == [], "pruning twice returns nothing new"
    # a pruned key is not new; recording it again with a file (the caller wrote it again) stores that file
    assert store.record_entries(feed.id, [EntryRow("old", "old2.md", "h")]) == 0
    assert store.known_entries(feed.id)["old"] == ("old2.md", "h")
    assert sorted(store.prune(0, now=clock.t + 1)) == ["flagged.md", "fresh.md", "old2.md"]
    assert store.get(feed.id).entry_count == 0
    with pytest.raises(ValueError):
        store.prune(-1)


# -- the file ------------------------------------------------------------------------------------


def test_the_file_is_wal_full_sync_and_versioned(store, db):
    store.add("https://x.example/")
    raw = sqlite3.connect(db)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == 1
    finally:
        raw.close()
    assert store._conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store._conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_everything_survives_reopening(db, clock):
    with FeedStore(db, clock=clock) as s:
        feed = s.add("https://keep.example/", "Keep", "F")
        s.record_fetch(feed.id, status=200, etag="e", next_check=5.0)
        s.record_entries(feed.id, [EntryRow("k", "k.md", "h")])
        before = s.list()
    with FeedStore(db, clock=clock) as s:
        assert s.list() == before and s.known_entries(feed.id) == {"k": ("k.md", "h")}
        assert s.warnings == []


def test_closed_store_says_so(db):
    s = FeedStore(db)
    s.close()
    with pytest.raises(StoreError, match="closed"):
        s.list()


def test_two_stores_see_each_others_writes(db):
    with FeedStore(db) as one, FeedStore(db) as two:
        feed = one.add("https://shared.example/")
        assert two.get(feed.id) == feed
        two.rename(feed.id, "By two")
        assert one.get(feed.id).name == "By two"


def test_threads_share_one_store(store):
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(30):
                f = store.add(f"https://t{n}-{i}.example/")
                store.record_entries(f.id, [EntryRow(f"k{i}", f"{n}-{i}.md")])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(store.list()) == 120


CHILD = """
import sys, time
from pathlib import Path
from feedreader.core.feeds.store import FeedStore, EntryRow
db, ready, go = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
with FeedStore(db) as s:
    ready.touch()
    while not go.exists():
        time.sleep(0.005)
    for i in range(200):
        f = s.add(f"https://child{i}.example/", f"child {i}", "Child")
        s.record_entries(f.id, [EntryRow(f"c{i}", f"child-{i}.md", "h")])
        s.record_fetch(f.id, status=200, etag=f"c{i}", next_check=1.0)
print("done")
"""


def test_a_second_process_writes_at_the_same_time(db, tmp_path):
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(CHILD))
    ready, go = tmp_path / "ready", tmp_path / "go"
    with FeedStore(db) as mine:
        mine.add("https://first.example/")
        child = subprocess.Popen([sys.executable, str(script), str(db), str(ready), str(go)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.01)
        go.touch()
        for i in range(200):
            f = mine.add(f"https://parent{i}.example/", f"parent {i}", "Parent")
            mine.record_entries(f.id, [EntryRow(f"p{i}", f"parent-{i}.md", "h")])
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        assert out.strip() == "done"
        feeds = mine.list()
        assert len(feeds) == 401
        assert {f.folder for f in feeds} == {"", "Child", "Parent"}
        by_url = {f.url: f for f in feeds}
        assert by_url["https://child199.example/"].etag == "c199"
        assert by_url["https://parent199.example/"].entry_count == 1
        assert len({f.id for f in feeds}) == 401
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert raw.execute("SELECT count(*) FROM entries").fetchone()[0] == 400


# -- damaged and foreign files ---------------------------------------------------------------------


def moved_aside(db: Path) -> list[Path]:
    return sorted(p for p in db.parent.iterdir() if ".corrupt-" in p.name)


def test_garbage_file_is_moved_aside_and_a_new_store_starts(db, clock):
    db.parent.mkdir(parents=True)
    garbage = os.urandom(3000) + b"not a database"
    db.write_bytes(garbage)
    with FeedStore(db, clock=clock) as s:
        assert s.list() == []
        s.add("https://after.example/")
        [aside] = moved_aside(db)
        assert aside.read_bytes() == garbage, "the damaged file is kept, untouched"
        [warning] = s.warnings
        assert str(db) in warning and str(aside) in warning and "damaged" in warning
    with FeedStore(db, clock=clock) as s:
        assert [f.url for f in s.list()] == ["https://after.example/"] and s.warnings == []


def test_a_store_with_damaged_pages_is_moved_aside(db, clock):
    with FeedStore(db, clock=clock) as s:
        s.add_many(Subscription(f"https://f{i}.example/{'x' * 200}", f"Feed {i} " + "t" * 200) for i in range(500))
    data = bytearray(db.read_bytes())
    assert len(data) > 16 * 4096 and not Path(f"{db}-wal").exists()
    for offset in range(4096 * 2, len(data), 4096 * 2):  # every other page after the first two
        data[offset:offset + 4096] = b"\xff" * 4096
    db.write_bytes(bytes(data))
    with FeedStore(db, clock=clock) as s:
        assert s.list() == []
        assert len(moved_aside(db)) == 1 and "damaged" in s.warnings[0]


def test_someone_elses_database_is_moved_aside_not_changed(db, clock):
    db.parent.mkdir(parents=True)
    with sqlite3.connect(db) as raw:
        raw.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)")
        raw.execute("INSERT INTO photos (path) VALUES ('me.jpg')")
    raw.close()
    with FeedStore(db, clock=clock) as s:
        assert "other program" in s.warnings[0]
    [aside] = moved_aside(db)
    with sqlite3.connect(aside) as raw:
        assert raw.execute("SELECT path FROM photos").fetchall() == [("me.jpg",)]
    raw.close()


def test_a_feeds_table_of_the_wrong_shape_is_not_used(db, clock):
    db.parent.mkdir(parents=True)
    with sqlite3.connect(db) as raw:
        raw.execute("CREATE TABLE feeds (id INTEGER PRIMARY KEY, url TEXT)")
        raw.execute("CREATE TABLE entries (x)")
        raw.execute("PRAGMA user_version = 1")
    raw.close()
    with FeedStore(db, clock=clock) as s:
        assert "not a feedreader subscriptions database" in s.warnings[0]
        assert s.add("https://ok.example/").id == 1


def test_a_newer_schema_is_left_untouched(db, clock):
    with FeedStore(db, clock=clock) as s:
        s.add("https://future.example/")
    with sqlite3.connect(db) as raw:
        raw.execute("PRAGMA user_version = 99")
    raw.close()
    before = db.read_bytes()
    with pytest.raises(StoreError, match="newer"):
        FeedStore(db, clock=clock)
    assert db.read_bytes() == before and moved_aside(db) == []


def test_an_empty_file_is_a_new_store(db):
    db.parent.mkdir(parents=True)
    db.write_bytes(b"")
    with FeedStore(db) as s:
        assert s.add("https://e.example/").id == 1 and s.warnings == []


def test_a_folder_where_the_file_should_be_is_a_clear_error(db):
    db.mkdir(parents=True)
    with pytest.raises(StoreError) as caught:
        FeedStore(db)
    assert str(db) in str(caught.value)


def test_record_refresh_is_entries_and_fetch_in_one_transaction(store, clock):
    feed = store.add("https://r.example/")
    new, row = store.record_refresh(feed, [EntryRow("k1", "1/a.txt", "h1"), EntryRow("k2", "1/b.txt", "h2")],
                                    status=200, next_check=clock.t + DAY, etag='"e1"', title="R feed")
    assert new == 2 and row.entry_count == 2 and row.etag == '"e1"' and row.title == "R feed"
    assert store.known_entries(feed) == {"k1": ("1/a.txt", "h1"), "k2": ("1/b.txt", "h2")}
    new, row = store.record_refresh(feed, [], status=304, next_check=clock.t + 2 * DAY, not_modified=True)
    assert new == 0 and row.not_modified and row.etag == '"e1"' and row.next_check == clock.t + 2 * DAY
    # a redirect onto a bad URL is refused inside the transaction: the entries go in, the URL stays
    new, row = store.record_refresh(feed, [EntryRow("k3", "1/c.txt", "h3")], status=301, next_check=0,
                                    new_url="javascript:alert(1)")
    assert new == 1 and row.url == feed.url and "not following the redirect" in (row.last_error or "")
    with pytest.raises(UnknownFeed):   # nothing half-done for a feed that is not there
        store.record_refresh(999, [EntryRow("k", "f")], status=200, next_check=0)
    assert store.get(feed.id).entry_count == 3
