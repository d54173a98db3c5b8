"""The marks store, in one process: real SQLite files in tmp dirs, no mocks."""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from feedreader.core.documents.parse import article_id, load_document
from feedreader.core.marks.store import NO_MARKS, Marks, StateFileError, StateStore
from feedreader.core.marks.exchange import MAX_IMPORT_BYTES
from feedreader.paths import Paths, builtin_library


class Clock:
    """A settable clock, so timestamps (and the merge rule) are deterministic."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float = 1.0) -> None:
        self.now += seconds


def raw_rows(path: Path) -> dict[str, tuple]:
    """The table as it is on disk, read with a separate plain connection."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT identity, id, read, hidden, flagged, updated_at FROM marks").fetchall()
    finally:
        conn.close()
    return {r[0]: r[1:] for r in rows}


def export_text(store: StateStore) -> str:
    buf = io.StringIO()
    store.export(buf)
    return buf.getvalue()


def export_doc(store: StateStore) -> dict:
    return json.loads(export_text(store))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "feedreader" / "state.db"


@pytest.fixture
def store(db_path: Path):
    with StateStore.open(db_path, clock=Clock()) as s:
        yield s


# -- basics ---------------------------------------------------------------------


def test_opening_creates_the_file_and_its_parents_in_wal_mode(db_path: Path) -> None:
    assert not db_path.parent.exists()
    with StateStore.open(db_path) as s:
        assert s.persistent and s.warnings == []
        assert db_path.is_file()
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()


def test_default_location_is_the_data_dir(isolated_dirs) -> None:
    paths = Paths.resolve()
    with StateStore.open(paths.state_db) as s:
        s.set_marks(["https://a.example/1"], read=True)
    assert (isolated_dirs["data"] / "state.db").is_file()


def test_set_get_and_toggle(store: StateStore) -> None:
    a = "https://a.example/1"
    assert store.get(a) == NO_MARKS
    change = store.set_marks([a], read=True)
    assert (change.count, change.identities, change.label) == (1, frozenset({a}), "mark 1 article read")
    assert store.get(a) == Marks(read=True)
    store.toggle(a, "flagged")
    store.toggle(a, "hidden")
    assert store.get(a) == Marks(read=True, hidden=True, flagged=True)
    change = store.toggle(a, "read")
    assert change.label == "mark 1 article unread"
    assert store.get(a) == Marks(read=False, hidden=True, flagged=True)
    store.toggle(a, "hidden")
    assert store.get(a) == Marks(flagged=True)
    with pytest.raises(ValueError):
        store.toggle(a, "starred")
    with pytest.raises(ValueError):
        store.set_marks([a])


def test_setting_the_same_value_is_not_a_change(store: StateStore) -> None:
    a, b = "https://a.example/1", "https://a.example/2"
    store.set_marks([a], read=True)
    change = store.set_marks([a, b], read=True)
    assert change.count == 1 and change.identities == {b}
    assert change.label == "mark 1 article read"
    nothing = store.set_marks([a, b], read=True)
    assert nothing.count == 0
    # no undo step for a no-op: undo reverts the last real change (b), then a
    assert store.undo() == "Undid: mark 1 article read"
    assert store.marks() == {a: Marks(read=True)}


def test_the_article_id_is_stored_with_the_identity(store: StateStore, db_path: Path) -> None:
    class Row:
        identity = "https://a.example/x"
        id = "00112233445566ff"

    store.set_marks([Row(), "https://a.example/y"], flagged=True)
    rows = raw_rows(db_path)
    assert rows["https://a.example/x"][0] == "00112233445566ff"
    assert rows["https://a.example/y"][0] == article_id("https://a.example/y")


def test_marks_of_some_and_of_all(store: StateStore) -> None:
    ids = [f"https://a.example/{i}" for i in range(10)]
    store.set_marks(ids[:4], read=True)
    store.set_marks(ids[2:6], hidden=True)
    store.set_marks(ids[:4], read=False)  # 0, 1: all false again (row kept, not "marked")
    everything = store.marks()
    assert set(everything) == set(ids[2:6])
    assert store.marks([ids[0], ids[3], ids[9]]) == {ids[3]: Marks(hidden=True)}
    assert store.counts() == {"read": 0, "hidden": 4, "flagged": 0}


def test_many_marks_at_once(store: StateStore) -> None:
    ids = [f"https://bulk.example/{i}" for i in range(100_000)]
    change = store.set_marks(ids, read=True)
    assert change.count == 100_000 and change.label == "mark 100,000 articles read"
    assert len(store.marks()) == 100_000
    some = store.marks(ids[::2])
    assert len(some) == 50_000 and all(m.read for m in some.values())


# -- undo -----------------------------------------------------------------------


def test_undo_several_levels_and_labels(store: StateStore) -> None:
    a, b = "https://a.example/1", "https://a.example/2"
    store.set_marks([a], read=True)
    store.set_marks([a, b], flagged=True)
    store.set_marks([b], hidden=True)
    assert store.undo_label == "hide 1 article"
    assert store.undo() == "Undid: hide 1 article"
    assert store.marks() == {a: Marks(read=True, flagged=True), b: Marks(flagged=True)}
    assert store.undo() == "Undid: flag 2 articles"
    assert store.marks() == {a: Marks(read=True)}
    assert store.undo() == "Undid: mark 1 article read"
    assert store.marks() == {}
    assert store.undo() is None
    assert store.undo_label is None


def test_undo_restores_no_row_and_the_exact_previous_row(db_path: Path) -> None:
    clock = Clock()
    with StateStore.open(db_path, clock=clock) as s:
        s.set_marks(["https://a.example/old"], read=True)
        before = raw_rows(db_path)
        clock.tick(60)
        s.set_marks(["https://a.example/old", "https://a.example/new"], read=True, flagged=True)
        after = raw_rows(db_path)
        assert set(after) == {"https://a.example/old", "https://a.example/new"}
        assert after["https://a.example/old"][4] > before["https://a.example/old"][4]
        s.undo()
        assert raw_rows(db_path) == before  # "new" has no row again; "old" has its old timestamp


def test_a_bulk_change_is_one_undo_step(store: StateStore, db_path: Path) -> None:
    store.set_marks(["https://a.example/keep"], flagged=True)
    ids = [f"https://bulk.example/{i}" for i in range(20_000)]
    store.set_marks(ids[:5], read=True)
    change = store.set_marks(ids, read=True, label="mark all 20,000 in this view read")
    assert change.count == 19_995
    assert store.undo() == "Undid: mark all 20,000 in this view read"
    rows = raw_rows(db_path)
    assert set(rows) == {"https://a.example/keep", *ids[:5]}
    assert store.undo() == "Undid: mark 5 articles read"
    assert set(raw_rows(db_path)) == {"https://a.example/keep"}


def test_undo_does_not_erase_what_another_instance_did_meanwhile(db_path: Path) -> None:
    a, b = "https://a.example/1", "https://a.example/2"
    with StateStore.open(db_path) as one, StateStore.open(db_path) as two:
        one.set_marks([a, b], read=True)
        two.set_marks([a], flagged=True)       # the other copy flags a
        two.set_marks([b], read=False)         # ... and already un-read b
        assert one.undo() == "Undid: mark 2 articles read"
        assert two.marks() == {a: Marks(flagged=True)}


def test_undo_history_is_per_session(db_path: Path) -> None:
    with StateStore.open(db_path) as s:
        s.set_marks(["https://a.example/1"], read=True)
    with StateStore.open(db_path) as s:
        assert s.undo() is None
        assert s.get("https://a.example/1") == Marks(read=True)


# -- persistence, identity, other instances ------------------------------------------


def test_marks_survive_close_and_reopen(db_path: Path) -> None:
    with StateStore.open(db_path) as s:
        s.set_marks(["https://a.example/1"], read=True, flagged=True)
        s.set_marks(["https://a.example/2"], hidden=True)
    with StateStore.open(db_path) as s:
        assert s.marks() == {
            "https://a.example/1": Marks(read=True, flagged=True),
            "https://a.example/2": Marks(hidden=True),
        }


def test_marks_follow_the_article_when_its_file_moves(tmp_path: Path, db_path: Path) -> None:
    seed = next(p for p in builtin_library().iterdir() if p.suffix == ".txt")
    first = tmp_path / "news" / "2021" / "one.txt"
    first.parent.mkdir(parents=True)
    shutil.copy(seed, first)
    article, problems = load_document(first)
    assert article is not None, problems
    with StateStore.open(db_path) as s:
        s.set_marks([article], read=True, flagged=True)

    moved = tmp_path / "elsewhere" / "renamed.md"
    moved.parent.mkdir()
    first.rename(moved)
    again, _ = load_document(moved)
    assert again is not None and again.path != article.path
    with StateStore.open(db_path) as s:
        assert s.get(again.identity) == Marks(read=True, flagged=True)
        assert raw_rows(db_path)[again.identity][0] == again.id


def test_version_changes_when_another_instance_writes(db_path: Path) -> None:
    with StateStore.open(db_path) as one, StateStore.open(db_path) as two:
        token = one.version()
        assert not one.changed_since(token)
        assert one.version() == token
        two.set_marks(["https://a.example/1"], read=True)
        assert one.changed_since(token)
        token = one.version()
        assert not one.changed_since(token)
        one.set_marks(["https://a.example/2"], read=True)  # our own change counts too
        assert one.changed_since(token)
        assert one.marks() == two.marks()


def test_threads_share_one_store(store: StateStore) -> None:
    def work(n: int) -> None:
        for i in range(200):
            store.set_marks([f"https://t{n}.example/{i}"], read=True)
            store.marks([f"https://t{n}.example/{i}"])

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store.marks()) == 800
    assert store.warnings == []


def test_importing_the_module_has_no_side_effects(tmp_path: Path) -> None:
    code = (
        "import sys, feedreader.core.marks.store, feedreader.cli.state_cmds\n"
        "bad = [m for m in sys.modules if m.split('.')[0] == 'textual']\n"
        "assert not bad, bad\n"
    )
    env = {**os.environ, "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []


# -- damaged files ----------------------------------------------------------------


def _real_db_bytes(tmp_path: Path, n: int = 3000) -> bytes:
    src = tmp_path / "real" / "state.db"
    with StateStore.open(src) as s:
        s.set_marks([f"https://real.example/{i}" for i in range(n)], read=True)
    data = src.read_bytes()
    assert len(data) > 4 * 4096
    return data


def _damaged_cases(tmp_path: Path) -> dict[str, bytes]:
    real = _real_db_bytes(tmp_path)
    return {
        "random": os.urandom(64 * 1024),
        "truncated": real[: len(real) // 2],
        "text": b"These are my notes, not a database.\n" * 50,
        "zeroed-middle": real[:4096] + b"\0" * (len(real) - 8192) + real[-4096:],
    }


@pytest.mark.parametrize("kind", ["random", "truncated", "text", "zeroed-middle"])
def test_a_damaged_file_is_moved_aside_and_a_fresh_one_started(tmp_path: Path, db_path: Path, kind: str) -> None:
    data = _damaged_cases(tmp_path)[kind]
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(data)
    with StateStore.open(db_path) as s:
        assert s.persistent
        assert len(s.warnings) == 1, s.warnings
        moved = [p for p in db_path.parent.iterdir() if p.name.startswith("state.db.corrupt-")]
        assert len(moved) == 1
        assert str(db_path) in s.warnings[0] and str(moved[0]) in s.warnings[0]
        assert moved[0].read_bytes() == data  # kept as it was, for the user
        assert s.marks() == {}
        s.set_marks(["https://a.example/1"], read=True)
    with StateStore.open(db_path) as s:
        assert s.warnings == []
        assert s.get("https://a.example/1") == Marks(read=True)


def test_two_damaged_files_in_the_same_second_both_kept(db_path: Path) -> None:
    clock = Clock()
    db_path.parent.mkdir(parents=True)
    for text in (b"first garbage" * 100, b"second garbage" * 100):
        db_path.write_bytes(text)
        StateStore.open(db_path, clock=clock).close()
    kept = sorted(p.read_bytes()[:6] for p in db_path.parent.glob("state.db.corrupt-*"))
    assert kept == [b"first ", b"second"]


def test_an_empty_file_is_a_new_database(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"")
    with StateStore.open(db_path) as s:
        assert s.warnings == [] and s.persistent
        s.set_marks(["https://a.example/1"], hidden=True)
    assert list(db_path.parent.glob("*corrupt*")) == []
    assert raw_rows(db_path)["https://a.example/1"][2] == 1


def test_someone_elses_database_is_moved_aside(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE marks (url TEXT, starred INTEGER)")
    conn.execute("INSERT INTO marks VALUES ('x', 1)")
    conn.commit()
    conn.close()
    with StateStore.open(db_path) as s:
        assert s.persistent and "not a feedreader marks database" in s.warnings[0]
    (moved,) = db_path.parent.glob("state.db.corrupt-*")
    assert sqlite3.connect(moved).execute("SELECT url FROM marks").fetchall() == [("x",)]


def test_a_newer_schema_is_left_untouched(db_path: Path) -> None:
    with StateStore.open(db_path) as s:
        s.set_marks(["https://a.example/1"], read=True)
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    data = db_path.read_bytes()
    with StateStore.open(db_path) as s:
        assert not s.persistent
        assert "newer version" in s.warnings[0] and "kept only until you quit" in s.warnings[0]
        assert s.get("https://a.example/1") == Marks(read=True)  # still shown
        s.set_marks(["https://a.example/2"], read=True)          # works, in memory
        assert len(s.marks()) == 2
    assert db_path.read_bytes() == data


def test_a_data_dir_that_cannot_be_created_keeps_marks_in_memory(tmp_path: Path) -> None:
    # Simulated "cannot write there": the data dir's parent is a regular file,
    # so creating the directory fails (as it would on a read-only disk) even as root.
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    path = blocker / "feedreader" / "state.db"
    with StateStore.open(path) as s:
        assert not s.persistent
        (warning,) = s.pop_warnings()
        assert str(blocker / "feedreader") in warning and "kept only until you quit" in warning
        change = s.set_marks(["https://a.example/1"], read=True)
        assert change.count == 1
        assert s.get("https://a.example/1") == Marks(read=True)
        assert s.undo() == "Undid: mark 1 article read"
        assert s.pop_warnings() == []


# -- export / import -----------------------------------------------------------------


def test_export_format(db_path: Path) -> None:
    clock = Clock(1_715_239_825.123)
    with StateStore.open(db_path, clock=clock) as s:
        s.set_marks(["https://b.example/2"], read=True)
        s.set_marks(["https://a.example/1"], flagged=True, hidden=True)
        s.set_marks(["https://c.example/3"], read=True)
        s.set_marks(["https://c.example/3"], read=False)  # kept as "unmarked at ..."
        doc = export_doc(s)
    assert doc["format"] == "feedreader-state" and doc["version"] == 1
    assert doc["exported_at"] == "2024-05-09T07:30:25.123Z"
    assert [m["identity"] for m in doc["marks"]] == ["https://a.example/1", "https://b.example/2", "https://c.example/3"]
    assert doc["marks"][0] == {
        "identity": "https://a.example/1",
        "id": article_id("https://a.example/1"),
        "read": False,
        "hidden": True,
        "flagged": True,
        "updated_at": "2024-05-09T07:30:25.123Z",
    }
    assert doc["marks"][2]["read"] is False


def test_export_import_round_trip(tmp_path: Path) -> None:
    clock = Clock()
    with StateStore.open(tmp_path / "one.db", clock=clock) as one:
        one.set_marks([f"https://a.example/{i}" for i in range(500)], read=True)
        clock.tick()
        one.set_marks([f"https://a.example/{i}" for i in range(0, 500, 7)], flagged=True)
        one.set_marks(["https://a.example/ünïcode?q=1"], hidden=True)
        one.set_marks(["https://a.example/3"], read=False)
        text = export_text(one)
    with StateStore.open(tmp_path / "two.db", clock=Clock(2_000_000_000)) as two:
        change = two.import_(io.StringIO(text))
        assert change.count == 500  # a.example/3 is all-false: recorded, but not a visible change
        again = json.loads(export_text(two))
        assert again["marks"] == json.loads(text)["marks"]
        assert two.import_(io.StringIO(text)).count == 0  # importing twice changes nothing
        assert two.undo() == "Undid: import marks of 500 articles"
        assert export_doc(two)["marks"] == []


def test_import_merge_newer_wins_per_identity(tmp_path: Path) -> None:
    clock = Clock(1_000.0)
    with StateStore.open(tmp_path / "theirs.db", clock=clock) as theirs:
        theirs.set_marks(["https://a.example/older-there"], flagged=True)
        clock.tick(10)
        theirs.set_marks(["https://a.example/newer-there", "https://a.example/only-there"], read=True)
        theirs.set_marks(["https://a.example/tie"], hidden=True)
        text = export_text(theirs)
    clock = Clock(1_005.0)
    with StateStore.open(tmp_path / "mine.db", clock=clock) as mine:
        mine.set_marks(["https://a.example/older-there", "https://a.example/newer-there"], read=True, hidden=True)
        clock.now = 1_010.0
        mine.set_marks(["https://a.example/tie"], read=True)
        change = mine.import_(io.BytesIO(text.encode()))
        assert change.identities == {"https://a.example/newer-there", "https://a.example/only-there"}
        assert mine.marks() == {
            "https://a.example/older-there": Marks(read=True, hidden=True),  # mine is newer: kept
            "https://a.example/newer-there": Marks(read=True),               # theirs is newer: all three flags
            "https://a.example/only-there": Marks(read=True),
            "https://a.example/tie": Marks(read=True),                        # same time: mine stays
        }


def _valid_entry(**changes) -> dict:
    entry = {
        "identity": "https://a.example/1",
        "id": "0123456789abcdef",
        "read": True,
        "hidden": False,
        "flagged": False,
        "updated_at": "2024-05-09T07:30:25.123Z",
    }
    entry.update(changes)
    return entry


def _file(marks: list, **top) -> bytes:
    doc = {"format": "feedreader-state", "version": 1, "exported_at": "2024-05-09T07:30:25Z", "marks": marks}
    doc.update(top)
    return json.dumps(doc).encode()


_GOOD = [_valid_entry(identity=f"https://good.example/{i}") for i in range(300)]

BAD_FILES = {
    "empty": (b"", "empty"),
    "not json": (b"{not json", "not JSON"),
    "not utf-8": (b'{"format": "\xff\xfe"}', "not UTF-8"),
    "a list": (b"[]", "JSON object"),
    "other format": (_file([], format="something-else"), "not a feedreader marks file"),
    "future version": (_file([], version=2), "unsupported version 2"),
    "version as text": (_file([], version="1"), '"version" must be a whole number'),
    "version as bool": (_file([], version=True), '"version" must be a whole number'),
    "marks not a list": (_file({}), '"marks" must be a list'),  # type: ignore[arg-type]
    "entry not an object": (_file([*_GOOD, 5]), "marks[300] must be an object"),
    "no identity": (_file([*_GOOD, _valid_entry(identity="")]), '"identity" must be a non-empty string'),
    "control chars": (_file([_valid_entry(identity="https://x/\x1b[31m")]), "control characters"),
    "flag as text": (_file([*_GOOD, _valid_entry(read="yes")]), '"read" must be true or false'),
    "flag as number": (_file([*_GOOD, _valid_entry(flagged=1)]), '"flagged" must be true or false'),
    "missing flag": (_file([{k: v for k, v in _valid_entry().items() if k != "hidden"}]), '"hidden" must be'),
    "bad time": (_file([*_GOOD, _valid_entry(updated_at="yesterday")]), '"updated_at" must be a UTC time'),
    "impossible date": (_file([_valid_entry(updated_at="2024-02-31T00:00:00Z")]), '"updated_at"'),
    "bad id": (_file([_valid_entry(id="ZZZ")]), '"id" must be a lowercase hex string'),
    "duplicate": (_file([*_GOOD, _GOOD[10]]), "appears more than once"),
    "huge": (b" " * (MAX_IMPORT_BYTES + 1), "larger than 64 MiB"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_bad_import_file_changes_nothing_and_says_why(store: StateStore, db_path: Path, name: str) -> None:
    data, reason = BAD_FILES[name]
    store.set_marks(["https://good.example/10", "https://mine.example/1"], hidden=True)
    before_rows = raw_rows(db_path)
    before_label = store.undo_label
    with pytest.raises(StateFileError) as caught:
        store.import_(io.BytesIO(data))
    assert reason in str(caught.value)
    assert raw_rows(db_path) == before_rows
    assert store.undo_label == before_label


def test_import_is_one_undo_step_on_top_of_the_history(store: StateStore) -> None:
    store.set_marks(["https://mine.example/1"], read=True)
    store.import_(io.BytesIO(_file(_GOOD)))
    assert len(store.marks()) == 301
    assert store.undo() == "Undid: import marks of 300 articles"
    assert store.marks() == {"https://mine.example/1": Marks(read=True)}
    assert store.undo() == "Undid: mark 1 article read"


def test_a_later_schema_version_migrates_an_existing_file(db_path: Path, monkeypatch) -> None:
    """The migration table works for the next version: a v1 file gains a column, keeps its marks."""
    from feedreader.core.marks import db as state_db

    with StateStore.open(db_path) as s:
        s.set_marks(["https://a.example/1"], read=True, flagged=True)

    def migrate_to_2(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE marks ADD COLUMN note TEXT NOT NULL DEFAULT ''")

    monkeypatch.setattr(state_db, "MIGRATIONS", {**state_db.MIGRATIONS, 2: migrate_to_2})
    monkeypatch.setattr(state_db, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(state_db, "COLUMNS", (*state_db.COLUMNS, "note"))
    with StateStore.open(db_path) as s:
        assert s.persistent and s.warnings == []
        assert s.get("https://a.example/1") == Marks(read=True, flagged=True)
        s.set_marks(["https://a.example/2"], hidden=True)
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    assert conn.execute("SELECT count(*) FROM marks WHERE note = ''").fetchone()[0] == 2
    conn.close()
