"""The marks store across processes and against a hostile disk.

Real child processes, real SQLite files. What is real and what is simulated:

* two writers, kill -9: real processes, real signals.
* disk full: (a) a real, tiny tmpfs mounted in a private mount namespace
  (needs CAP_SYS_ADMIN, skipped otherwise) that the child fills up, so SQLite
  gets a genuine ENOSPC; (b) everywhere: RLIMIT_FSIZE in the child, so the
  kernel refuses to grow the files (EFBIG) — a different errno, same path.
* read-only: tests run as root, where permission bits do not stop writes, so
  (a) read-only directory: a read-only bind mount of the data dir in a private
  mount namespace (EROFS, as on a read-only disk); (b) read-only file: the
  file made immutable with ``chattr +i`` (EPERM even for root). Both need
  privileges and are skipped without them.
"""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from feedreader.core.marks.store import Marks, StateStore

PYTHON = sys.executable


def run_child(tmp_path: Path, code: str, *args: str, prefix: list[str] | None = None, timeout: float = 120):
    script = tmp_path / f"child_{abs(hash(code))}.py"
    script.write_text(textwrap.dedent(code))
    return subprocess.run(
        [*(prefix or []), PYTHON, str(script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


# -- two writers ---------------------------------------------------------------------

WRITER = """
    import json, sys, time
    from pathlib import Path
    from feedreader.core.marks.store import StateStore

    path, name, go = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    store = StateStore.open(path)
    print("READY", flush=True)
    while not go.exists():
        time.sleep(0.002)
    for i in range(1000):
        store.set_marks([f"https://{name}.example/{i}"], read=True)
        if i % 10 == 0:   # 100 toggles over 20 shared articles: 5 each
            store.toggle(f"https://shared.example/{(i // 10) % 20}", "flagged")
        if i % 100 == 0:  # and a bulk change over all of them now and then
            store.set_marks([f"https://shared.example/{j}" for j in range(20)], read=True)
    print(json.dumps({"persistent": store.persistent, "warnings": store.warnings}), flush=True)
    store.close()
"""


def test_two_processes_marking_at_once_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "data" / "state.db"
    go = tmp_path / "go"
    script = tmp_path / "writer.py"
    script.write_text(textwrap.dedent(WRITER))
    children = [
        subprocess.Popen([PYTHON, str(script), str(db), name, str(go)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name in ("alpha", "beta")
    ]
    for child in children:
        assert child.stdout.readline().strip() == "READY"
    go.touch()  # both start writing at the same moment
    for child in children:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
        assert "locked" not in err and err == ""
        assert last_json(out) == {"persistent": True, "warnings": []}

    with StateStore.open(db) as store:
        marks = store.marks()
        assert store.warnings == []
    for name in ("alpha", "beta"):
        assert all(marks.get(f"https://{name}.example/{i}") == Marks(read=True) for i in range(1000))
    # every shared article was toggled 10 times in all: a lost toggle would leave it flagged
    assert [marks[f"https://shared.example/{j}"] for j in range(20)] == [Marks(read=True)] * 20
    assert len(marks) == 2020


# -- kill -9 right after the acknowledgement -------------------------------------------------

MARK_THEN_WAIT = """
    import sys, time
    from feedreader.core.marks.store import StateStore

    store = StateStore.open(sys.argv[1])
    store.set_marks(["https://killed.example/1"], read=True, flagged=True)
    print("ACK", flush=True)
    time.sleep(120)
"""

MARK_FOREVER = """
    import sys
    from feedreader.core.marks.store import StateStore

    store = StateStore.open(sys.argv[1])
    i = 0
    while True:
        store.set_marks([f"https://stream.example/{i}"], read=True)
        print(f"ACK {i}", flush=True)
        i += 1
"""


def _spawn(tmp_path: Path, code: str, db: Path) -> subprocess.Popen:
    script = tmp_path / f"child_{abs(hash(code))}.py"
    script.write_text(textwrap.dedent(code))
    return subprocess.Popen([PYTHON, str(script), str(db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_mark_survives_kill_9_right_after_it_was_acknowledged(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    child = _spawn(tmp_path, MARK_THEN_WAIT, db)
    line = child.stdout.readline()
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert line.strip() == "ACK", child.stderr.read()
    assert child.returncode == -signal.SIGKILL
    assert (tmp_path / "state.db-wal").exists()  # it really died without a clean close
    with StateStore.open(db) as store:
        assert store.warnings == []
        assert store.get("https://killed.example/1") == Marks(read=True, flagged=True)


@pytest.mark.parametrize("kill_after", [1, 57, 400])
def test_every_acknowledged_mark_survives_kill_9_mid_stream(tmp_path: Path, kill_after: int) -> None:
    db = tmp_path / "state.db"
    child = _spawn(tmp_path, MARK_FOREVER, db)
    last = -1
    for line in child.stdout:
        last = int(line.split()[1])
        if last + 1 >= kill_after:
            child.send_signal(signal.SIGKILL)  # it is already busy with the next mark
            break
    child.wait(timeout=30)
    assert last + 1 == kill_after, child.stderr.read()
    with StateStore.open(db) as store:
        assert store.warnings == []
        marks = store.marks()
    # every acknowledged mark is there; the child may have saved a few more whose
    # ACK was still in the pipe, but what is there is always a whole prefix
    assert len(marks) >= last + 1
    assert set(marks) == {f"https://stream.example/{i}" for i in range(len(marks))}


# -- disk full --------------------------------------------------------------------------

FILE_SIZE_LIMIT = """
    import json, os, resource, signal, sys
    from feedreader.core.marks.store import StateStore

    path = sys.argv[1]
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # get EFBIG instead of being killed
    store = StateStore.open(path)
    store.set_marks([f"https://before.example/{i}" for i in range(10)], read=True)
    limit = max(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    change = store.set_marks([f"https://after.example/{i}" for i in range(5000)], read=True)
    result = {
        "count": change.count,
        "persistent": store.persistent,
        "warnings": store.warnings,
        "marks": len(store.marks()),
    }
    result["undo"] = store.undo()
    result["after_undo"] = len(store.marks())
    print(json.dumps(result))
"""


def test_files_that_cannot_grow_leave_the_store_working_in_memory(tmp_path: Path) -> None:
    db = tmp_path / "data" / "state.db"
    result = run_child(tmp_path, FILE_SIZE_LIMIT, str(db))
    assert result.returncode == 0, result.stderr
    out = last_json(result.stdout)
    assert out["count"] == 5000 and out["marks"] == 5010  # the change happened, in memory
    assert out["persistent"] is False
    (warning,) = out["warnings"]
    assert f"cannot save marks to {db}" in warning and "kept only until you quit" in warning
    assert out["undo"] == "Undid: mark 5,000 articles read" and out["after_undo"] == 10
    with StateStore.open(db) as store:  # the file is intact and holds what was saved before
        assert store.warnings == [] and store.persistent
        assert set(store.marks()) == {f"https://before.example/{i}" for i in range(10)}


def _can_unshare_mounts(tmp_path: Path) -> bool:
    if not shutil.which("unshare"):
        return False
    probe = tmp_path / "probe"
    probe.mkdir()
    try:
        r = subprocess.run(
            ["unshare", "-m", "sh", "-c", f'mount -t tmpfs -o size=64k tmpfs "{probe}"'],
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    finally:
        probe.rmdir()
    return r.returncode == 0


def _in_namespace(setup: str) -> list[str]:
    """A command prefix: run the child in a private mount namespace after ``setup``."""
    return ["unshare", "-m", "sh", "-c", f'{setup} && exec "$@"', "sh"]


DISK_FULL = """
    import errno, json, os, sys
    from feedreader.core.marks.store import StateStore

    folder = sys.argv[1]
    path = os.path.join(folder, "state.db")
    store = StateStore.open(path)
    store.set_marks([f"https://before.example/{i}" for i in range(10)], read=True)
    filler = os.path.join(folder, "filler")
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:                                    # fill the (tiny tmpfs) disk up
        while True:
            os.write(fd, b"x" * 1024)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC, exc
    os.close(fd)
    change = store.set_marks([f"https://after.example/{i}" for i in range(5000)], read=True)
    result = {"count": change.count, "persistent": store.persistent, "warnings": store.warnings,
              "marks": len(store.marks())}
    second = StateStore.open(path)          # a second copy started while the disk is full
    result["second_marks"] = len(second.marks())
    second.close()
    store.close()
    os.remove(filler)
    with StateStore.open(path) as again:    # space again: what was saved is there
        result["again"] = sorted(again.marks())
        result["again_warnings"] = again.warnings
    print(json.dumps(result))
"""


def test_a_full_disk_leaves_the_store_working_in_memory(tmp_path: Path) -> None:
    if not _can_unshare_mounts(tmp_path):
        pytest.skip("needs a private mount namespace (unshare -m, CAP_SYS_ADMIN) for a tiny tmpfs")
    folder = tmp_path / "small-disk"
    folder.mkdir()
    prefix = _in_namespace(f'mount -t tmpfs -o size=512k tmpfs "{folder}"')
    result = run_child(tmp_path, DISK_FULL, str(folder), prefix=prefix)
    assert result.returncode == 0, result.stderr
    out = last_json(result.stdout)
    assert out["count"] == 5000 and out["marks"] == 5010 and out["persistent"] is False
    (warning,) = out["warnings"]
    assert "the disk is full" in warning and str(folder / "state.db") in warning
    assert out["second_marks"] == 10
    assert out["again"] == sorted(f"https://before.example/{i}" for i in range(10))
    assert out["again_warnings"] == []


# -- read-only --------------------------------------------------------------------------

READ_ONLY = """
    import json, sys
    from feedreader.core.marks.store import StateStore

    store = StateStore.open(sys.argv[1])
    result = {"persistent": store.persistent, "warnings": store.warnings, "before": sorted(store.marks())}
    change = store.set_marks(["https://new.example/1"], flagged=True)
    result["count"] = change.count
    result["after"] = sorted(store.marks())
    result["undo"] = store.undo()
    store.close()
    print(json.dumps(result))
"""


def _saved_store(folder: Path) -> Path:
    db = folder / "state.db"
    with StateStore.open(db) as store:
        store.set_marks(["https://kept.example/1", "https://kept.example/2"], read=True)
    return db


def test_a_read_only_data_dir_keeps_marks_in_memory(tmp_path: Path) -> None:
    if not _can_unshare_mounts(tmp_path):
        pytest.skip("needs a private mount namespace (unshare -m, CAP_SYS_ADMIN) for a read-only bind mount")
    folder = tmp_path / "data"
    folder.mkdir()
    db = _saved_store(folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    prefix = _in_namespace(f'mount --bind "{folder}" "{folder}" && mount -o remount,ro,bind "{folder}"')
    result = run_child(tmp_path, READ_ONLY, str(db), prefix=prefix)
    assert result.returncode == 0, result.stderr
    out = last_json(result.stdout)
    assert out["persistent"] is False
    (warning,) = out["warnings"]
    assert f"cannot save marks to {db} (read-only)" in warning and "kept only until you quit" in warning
    assert out["before"] == ["https://kept.example/1", "https://kept.example/2"]
    assert out["count"] == 1 and "https://new.example/1" in out["after"]
    assert out["undo"] == "Undid: flag 1 article"
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_a_read_only_file_keeps_marks_in_memory(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    db = _saved_store(folder)
    data = db.read_bytes()
    if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(db)], capture_output=True).returncode:
        pytest.skip("needs chattr +i (CAP_LINUX_IMMUTABLE, a filesystem with the immutable flag)")
    try:
        with pytest.raises(PermissionError):
            db.open("ab")  # really not writable, even for root
        result = run_child(tmp_path, READ_ONLY, str(db))
    finally:
        subprocess.run(["chattr", "-i", str(db)], check=True)
    assert result.returncode == 0, result.stderr
    out = last_json(result.stdout)
    assert out["persistent"] is False
    (warning,) = out["warnings"]
    assert f"cannot save marks to {db} (read-only)" in warning
    assert out["before"] == ["https://kept.example/1", "https://kept.example/2"]
    assert out["count"] == 1 and "https://new.example/1" in out["after"]
    assert db.read_bytes() == data
    with StateStore.open(db) as store:
        assert sorted(store.marks()) == ["https://kept.example/1", "https://kept.example/2"]


def test_a_database_locked_by_another_process_waits_instead_of_failing(tmp_path: Path) -> None:
    db = _saved_store(tmp_path)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock for a moment
    holder.execute("UPDATE marks SET flagged = 1 WHERE identity = 'https://kept.example/1'")
    child = _spawn(tmp_path, MARK_THEN_WAIT, db)
    time.sleep(1.0)
    holder.execute("COMMIT")
    holder.close()
    line = child.stdout.readline()
    child.kill()
    child.wait(timeout=30)
    assert line.strip() == "ACK"
    with StateStore.open(db) as store:
        assert store.warnings == []
        assert store.get("https://killed.example/1") == Marks(read=True, flagged=True)
        assert store.get("https://kept.example/1") == Marks(read=True, flagged=True)


def test_a_damaged_file_in_a_read_only_dir_is_left_alone(tmp_path: Path) -> None:
    if not _can_unshare_mounts(tmp_path):
        pytest.skip("needs a private mount namespace (unshare -m, CAP_SYS_ADMIN) for a read-only bind mount")
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "state.db"
    db.write_bytes(b"not a database at all\n" * 100)
    prefix = _in_namespace(f'mount --bind "{folder}" "{folder}" && mount -o remount,ro,bind "{folder}"')
    result = run_child(tmp_path, READ_ONLY, str(db), prefix=prefix)
    assert result.returncode == 0, result.stderr
    out = last_json(result.stdout)
    assert out["persistent"] is False and out["before"] == [] and out["count"] == 1
    (warning,) = out["warnings"]
    assert f"{db} is damaged" in warning and "could not be moved aside" in warning
    assert "kept only until you quit" in warning
    assert [p.name for p in folder.iterdir()] == ["state.db"]
    assert db.read_bytes() == b"not a database at all\n" * 100
