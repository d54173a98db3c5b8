"""The start-up child's quick pass (folders.py): the folders whose mtime
changed are listed first, so files added and deleted reach the refresh before
the full walk; the full walk still finds everything else (files changed in
place, a folder whose mtime did not move), and the index always ends where a
fresh one does."""

from __future__ import annotations

import io
import os
import pickle
import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from feedreader.core.library import walk as walk_mod
from feedreader.core.library.folders import FOLDERS_KEY, load_folders, names_in_folder
from feedreader.core.library.index import Index
from feedreader.core.library.schema import EVERY_TOKEN

T0 = 1_600_000_000_000_000_000
ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "seeds" / "000_17b63d52bf50f52a.txt"
URL = ("https://www.caixinglobal.com/2021-12-15/carmaker-xpeng-deletes-430000-photos-for-misuse-"
       "of-facial-recognition-101818294.html")
TEXT = SEED.read_text(encoding="utf-8")


def write(path: Path, url: int, title: str, mtime: int) -> None:
    path.write_text(TEXT.replace(URL, f"https://news.example.com/{url}").replace("Carmaker", title),
                    encoding="utf-8")
    os.utime(path, ns=(mtime, mtime))


def state(db: Path) -> tuple:
    """The articles, the file records and the search index's rows."""
    conn = sqlite3.connect(db)
    try:
        articles = sorted(conn.execute("SELECT aid, path, mtime_ns, title FROM articles"))
        files = sorted(conn.execute("SELECT path, size, mtime_ns, aid FROM files"))
        text = sorted(r[0] for r in conn.execute(
            "SELECT rowid FROM article_text WHERE article_text MATCH ?", (f'tags : "{EVERY_TOKEN}"',)))
    finally:
        conn.close()
    return articles, files, text


def messages(db: Path, sources: list[Path]) -> list[tuple[str, object]]:
    """Everything the start-up child sends, in order."""
    walk = walk_mod.PreWalk(db, sources)
    out = []
    try:
        while True:
            kind, payload = walk.read()
            out.append((kind, payload))
            if kind == "done":
                return out
    finally:
        walk.close()


def quick(msgs: list[tuple[str, object]]) -> tuple[set[str], set[str]]:
    """(new files, gone files) the child sent before ``settled``."""
    new: set[str] = set()
    gone: set[str] = set()
    for kind, payload in msgs:
        if kind == "settled":
            return new, gone
        if kind == "files":
            new.update(item[0] for item in payload)  # type: ignore[union-attr]
        elif kind == "gone":
            gone.update(payload)  # type: ignore[arg-type]
    raise AssertionError("no quick pass")


def library(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    for sub in ("a", "b", "c", "c/deep"):
        (docs / sub).mkdir(parents=True)
    n = 0
    for sub in ("", "a", "b", "c", "c/deep"):
        for _ in range(3):
            write(docs / sub / f"f{n}.txt", n, f"T{n}", T0 + n)
            n += 1
    return docs


def refreshed(db: Path, docs: Path, child: bool) -> None:
    index = Index(db)
    if child:
        index._prewalk = walk_mod.PreWalk(db, [docs])   # (directly: pytest's threads make start_prewalk decline)
    index.refresh([docs], workers=1)
    index.close()


def assert_fresh(tmp_path: Path, db: Path, docs: Path, name: str = "fresh") -> None:
    fresh = tmp_path / f"{name}.db"
    fresh.unlink(missing_ok=True)
    index = Index(fresh)
    index.refresh([docs], workers=1)
    index.close()
    assert state(db) == state(fresh)


def test_a_complete_walk_records_its_folders(tmp_path: Path) -> None:
    docs = library(tmp_path)
    (docs / ".hidden").mkdir()
    db = tmp_path / "x.db"
    refreshed(db, docs, child=False)
    conn = sqlite3.connect(db)
    folders = load_folders(conn)
    assert set(folders) == {str(docs), *(str(docs / s) for s in ("a", "b", "c", "c/deep"))}
    assert folders[str(docs / "c")] == os.stat(docs / "c").st_mtime_ns
    # the index's files directly in a folder, its subfolders' left out
    assert names_in_folder(conn, str(docs / "c")) == {"f9.txt", "f10.txt", "f11.txt"}
    assert names_in_folder(conn, str(docs)) == {"f0.txt", "f1.txt", "f2.txt"}
    subs = [str(docs / s) for s in ("a", "b", "c")]
    assert names_in_folder(conn, str(docs), subs) == names_in_folder(conn, str(docs), subs[:1]) == {"f0.txt", "f1.txt", "f2.txt"}
    conn.close()
    # the child's records too
    (docs / "d").mkdir()
    write(docs / "d" / "new.txt", 99, "New", T0 + 99)
    refreshed(db, docs, child=True)
    conn = sqlite3.connect(db)
    assert str(docs / "d") in load_folders(conn)
    conn.close()


def test_files_added_and_deleted_come_before_the_full_walk(tmp_path: Path) -> None:
    docs = library(tmp_path)
    db = tmp_path / "x.db"
    refreshed(db, docs, child=False)
    write(docs / "a" / "added.txt", 50, "Added", T0 + 50)
    (docs / "b" / "f6.txt").unlink()
    shutil.rmtree(docs / "c" / "deep")
    (docs / "e" / "f").mkdir(parents=True)
    write(docs / "e" / "f" / "nested.txt", 51, "Nested", T0 + 51)
    before = os.stat(docs / "c").st_mtime_ns
    write(docs / "f0.txt", 52, "Edited", T0 + 52)       # in place: the folder's mtime does not move
    assert os.stat(docs / "c").st_mtime_ns == before

    msgs = messages(db, [docs])
    new, gone = quick(msgs)
    assert new == {str(docs / "a" / "added.txt"), str(docs / "e" / "f" / "nested.txt")}
    assert gone == {str(docs / "b" / "f6.txt"), *(str(docs / "c" / "deep" / f"f{n}.txt") for n in (12, 13, 14))}
    # the full walk: the file changed in place, and nothing sent twice
    later = [item[0] for kind, payload in msgs[msgs.index(("settled", None)):] if kind == "files"
             for item in payload]  # type: ignore[union-attr]
    assert later == [str(docs / "f0.txt")]
    done = msgs[-1][1]
    assert done[2] == []           # nothing else vanished  # type: ignore[index]

    refreshed(db, docs, child=True)
    assert_fresh(tmp_path, db, docs)


def test_a_change_the_folder_mtime_hides_is_found_by_the_full_walk(tmp_path: Path) -> None:
    """A file added (and one deleted) with the folder's mtime put back, as a
    clock too coarse to tell two changes apart would: the quick pass misses
    them, the full walk does not."""
    docs = library(tmp_path)
    db = tmp_path / "x.db"
    refreshed(db, docs, child=False)
    st = os.stat(docs / "a")
    write(docs / "a" / "sneaky.txt", 60, "Sneaky", T0 + 60)
    (docs / "a" / "f3.txt").unlink()
    os.utime(docs / "a", ns=(st.st_atime_ns, st.st_mtime_ns))
    write(docs / "b" / "f7.txt", 61, "Edited in place", T0 + 61)

    msgs = messages(db, [docs])
    assert quick(msgs) == (set(), set())
    later = {item[0] for kind, payload in msgs if kind == "files" for item in payload}  # type: ignore[union-attr]
    assert later == {str(docs / "a" / "sneaky.txt"), str(docs / "b" / "f7.txt")}
    assert msgs[-1][1][2] == [str(docs / "a" / "f3.txt")]  # type: ignore[index]

    refreshed(db, docs, child=True)
    assert_fresh(tmp_path, db, docs)


def test_wrong_or_missing_records_cost_time_not_correctness(tmp_path: Path) -> None:
    docs = library(tmp_path)
    db = tmp_path / "x.db"
    refreshed(db, docs, child=False)
    write(docs / "c" / "new.txt", 70, "New", T0 + 70)
    (docs / "a" / "f4.txt").unlink()
    conn = sqlite3.connect(db)
    # every folder "unchanged", a folder that never existed, a value of the wrong kind
    folders = {str(p): os.stat(p).st_mtime_ns for p in [docs, *docs.rglob("*")] if p.is_dir()}
    folders[str(docs / "nowhere")] = 5
    conn.execute("UPDATE meta SET value=? WHERE key=?", (pickle.dumps(folders).hex(), FOLDERS_KEY))
    conn.commit()
    assert load_folders(conn) == {}
    import json
    conn.execute("UPDATE meta SET value=? WHERE key=?", (json.dumps({"folders": folders}), FOLDERS_KEY))
    conn.commit()
    conn.close()
    refreshed(db, docs, child=True)
    assert_fresh(tmp_path, db, docs)
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM meta WHERE key=?", (FOLDERS_KEY,))
    conn.commit()
    conn.close()
    write(docs / "c" / "newer.txt", 71, "Newer", T0 + 71)
    refreshed(db, docs, child=True)
    assert_fresh(tmp_path, db, docs)


def test_another_process_refreshing_meanwhile(tmp_path: Path) -> None:
    """The child walks a snapshot; another process refreshes the same index
    (a ``feedreader check``) before the app reads the child's findings: the
    quick pass's new files are stored already, its deleted ones removed."""
    docs = library(tmp_path)
    db = tmp_path / "x.db"
    refreshed(db, docs, child=False)
    write(docs / "a" / "added.txt", 80, "Added", T0 + 80)
    (docs / "b" / "f7.txt").unlink()
    write(docs / "c" / "f9.txt", 81, "Edited", T0 + 81)
    index = Index(db)
    index._prewalk = walk_mod.PreWalk(db, [docs])
    code = ("import sys; from pathlib import Path; from feedreader.core.library.index import Index; "
            "i = Index(Path(sys.argv[1])); i.refresh([Path(sys.argv[2])], workers=1); i.close()")
    subprocess.run([sys.executable, "-c", code, str(db), str(docs)], check=True, cwd=ROOT, timeout=120)
    index.refresh([docs], workers=1)
    index.close()
    assert_fresh(tmp_path, db, docs)


@pytest.mark.parametrize("cut", ["after_quick", "mid_quick"])
def test_a_child_that_dies_mid_walk(tmp_path: Path, cut: str) -> None:
    """The child's stream breaks after (or inside) the quick pass, whose
    deletions were applied already: the refresh walks by itself."""
    docs = library(tmp_path)
    db = tmp_path / "x.db"
    refreshed(db, docs, child=False)
    write(docs / "a" / "added.txt", 90, "Added", T0 + 90)
    (docs / "b" / "f6.txt").unlink()
    write(docs / "c" / "f9.txt", 91, "Edited", T0 + 91)
    msgs = messages(db, [docs])
    end = msgs.index(("settled", None)) + 1 if cut == "after_quick" else 1
    index = Index(db)
    broken = walk_mod.PreWalk(db, [docs])
    broken.close()
    broken.stream = io.BytesIO(b"".join(pickle.dumps(m) for m in msgs[:end]) + b"\x80\x04garbage")
    index._prewalk = broken
    report = index.refresh([docs], workers=1)
    index.close()
    assert report.scanned == sum(1 for p in docs.rglob("*.txt"))
    assert_fresh(tmp_path, db, docs)


def test_a_refresh_that_fails_after_the_quick_pass(tmp_path: Path, monkeypatch) -> None:
    """The app dies after storing the quick pass's findings (before the full
    walk): the next start still ends where a fresh index does."""
    docs = library(tmp_path)
    db = tmp_path / "x.db"
    refreshed(db, docs, child=False)
    write(docs / "a" / "added.txt", 95, "Added", T0 + 95)
    (docs / "b" / "f6.txt").unlink()
    write(docs / "c" / "f9.txt", 96, "Edited", T0 + 96)

    def boom(self, feed, workers, report):
        raise KeyboardInterrupt
        yield

    with monkeypatch.context() as m:
        m.setattr(Index, "_parse", boom)
        index = Index(db)
        index._prewalk = walk_mod.PreWalk(db, [docs])
        with pytest.raises(KeyboardInterrupt):
            index.refresh([docs], workers=1)
        index.close()
    titles = {r[3].split()[0] for r in state(db)[0]}
    assert "Added" in titles             # the quick pass's file was stored before the failure
    for child in (True, False):
        refreshed(db, docs, child=child)
        assert_fresh(tmp_path, db, docs)


@pytest.mark.parametrize("mode", ["child", "here", "spawned"])
def test_random_changes_in_nested_folders_end_where_a_fresh_index_does(tmp_path: Path, monkeypatch, mode: str) -> None:
    """Random adds, deletions, edits in place, folders removed and renamed,
    folder mtimes put back; after each refresh the index equals a fresh one
    (walked by the start-up child, here, or by a spawned walk)."""
    child = mode == "child"
    if mode == "spawned":
        monkeypatch.setattr(walk_mod, "WALK_APART_ABOVE", 1)
    for seed in range(6):
        rng = random.Random(seed)
        root = tmp_path / f"s{seed}"
        docs = root / "docs"
        docs.mkdir(parents=True)
        db = root / "inc.db"
        mtime = T0
        for step in range(5):
            folders = [docs, *(p for p in docs.rglob("*") if p.is_dir())]
            for _ in range(rng.randint(1, 15)):
                roll = rng.random()
                folder = rng.choice(folders)
                if roll < 0.08 and folder != docs and folder.exists():
                    if rng.random() < 0.5:
                        shutil.rmtree(folder)
                    else:
                        folder.rename(folder.with_name(folder.name + "r"))
                    folders = [docs, *(p for p in docs.rglob("*") if p.is_dir())]
                    continue
                if roll < 0.16:
                    sub = folder / f"d{rng.randint(0, 3)}"
                    sub.mkdir(exist_ok=True)
                    folders.append(sub)
                    continue
                if not folder.exists():
                    continue
                path = folder / f"f{rng.randint(0, 6)}.txt"
                st = os.stat(folder)
                if roll < 0.35 and path.exists():
                    path.unlink()
                else:
                    mtime += rng.randint(1, 3) * 1_000_000_000
                    write(path, rng.randint(0, 12), f"T{rng.randint(0, 999)}", mtime)
                if rng.random() < 0.2:      # the folder's mtime put back
                    os.utime(folder, ns=(st.st_atime_ns, st.st_mtime_ns))
            refreshed(db, docs, child)
            assert_fresh(root, db, docs, f"fresh{step}")


def test_known_files_tell_a_changed_size_or_mtime_also_before_1970() -> None:
    from feedreader.core.library.folders import KnownFiles

    rows = [("/a/x.txt", 10, -5), ("/a/y.txt", 10, 7), ("/a/b/x.txt", 3, 2**62), ("/z.txt", 0, 0)]
    known = KnownFiles(rows)
    assert "/a/x.txt" in known and "/a/b/x.txt" in known and "/a/q.txt" not in known
    assert not known.pop_same("/a/x.txt", 11, -5)      # the size changed (a negative mtime: no mix-up)
    assert not known.pop_same("/a/y.txt", 10, 8)
    assert known.pop_same("/a/b/x.txt", 3, 2**62)
    assert not known.pop_same("/a/b/x.txt", 3, 2**62)  # forgotten once found
    assert not known.pop_same("/nowhere/x.txt", 1, 1)
    known.discard("/z.txt")
    assert known.paths() == [] and "/a/x.txt" not in known


def test_records_of_folders_outside_the_sources_are_not_listed(tmp_path: Path) -> None:
    """A tampered index's records (a folder elsewhere, a hidden one, a ``..``
    path): the quick pass lists none of them, and nothing from there is indexed."""
    docs = library(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write(elsewhere / "secret.txt", 1, "Secret", T0)
    (docs / ".hidden").mkdir()
    write(docs / ".hidden" / "h.txt", 2, "Hidden", T0)
    db = tmp_path / "x.db"
    refreshed(db, docs, child=False)
    import json
    conn = sqlite3.connect(db)
    folders = load_folders(conn)
    folders.update({str(elsewhere): 0, str(docs / ".hidden"): 0, f"{docs}/a/../../elsewhere": 0})
    conn.execute("UPDATE meta SET value=? WHERE key=?", (json.dumps({"folders": folders}), FOLDERS_KEY))
    conn.commit()
    conn.close()
    assert quick(messages(db, [docs])) == (set(), set())
    refreshed(db, docs, child=True)
    assert not any("Secret" in r[3] or "Hidden" in r[3] for r in state(db)[0])
    assert_fresh(tmp_path, db, docs)


def test_a_large_library_is_walked_in_a_spawned_process(tmp_path: Path, monkeypatch) -> None:
    """Above WALK_APART_ABOVE files a refresh with no start-up child (the
    app's rescans, from a thread) spawns one; the index ends where a fresh one does."""
    import threading

    monkeypatch.setattr(walk_mod, "WALK_APART_ABOVE", 1)
    spawned: list[int] = []
    real = walk_mod.PreWalk._spawn

    def spawn(self, db_path, sources):
        real(self, db_path, sources)
        spawned.append(self._proc.pid)

    monkeypatch.setattr(walk_mod.PreWalk, "_spawn", spawn)
    docs = library(tmp_path)
    db = tmp_path / "x.db"
    refreshed(db, docs, child=False)
    assert not spawned                  # an empty index: walked here
    write(docs / "a" / "added.txt", 50, "Added", T0 + 50)
    (docs / "b" / "f6.txt").unlink()
    write(docs / "c" / "f9.txt", 52, "Edited", T0 + 52)
    index = Index(db)
    worker = threading.Thread(target=lambda: index.refresh([docs], workers=1))
    worker.start()
    worker.join(60)
    index.close()
    assert len(spawned) == 1
    assert_fresh(tmp_path, db, docs)


def test_recording_the_folders_writes_only_when_they_changed(tmp_path: Path) -> None:
    from feedreader.core.library.folders import save_folders

    docs = library(tmp_path)
    db = tmp_path / "x.db"
    refreshed(db, docs, child=False)
    conn = sqlite3.connect(db)
    before = conn.total_changes
    save_folders(conn, load_folders(conn))
    assert conn.total_changes == before         # the same records: no write
    save_folders(conn, {str(docs): 1})
    assert load_folders(conn) == {str(docs): 1}
    conn.close()
    ro = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    save_folders(ro, {str(docs): 2})             # a read-only index: no error, nothing written
    assert load_folders(ro) == {str(docs): 1}
    ro.close()
