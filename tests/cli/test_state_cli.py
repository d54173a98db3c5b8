"""``feedreader mark`` and ``feedreader state export|import``, run as real processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from feedreader.core.documents.parse import article_id


def feedreader(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "feedreader", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
    )


def out(result: subprocess.CompletedProcess) -> str:
    return result.stdout.decode()


def err(result: subprocess.CompletedProcess) -> str:
    return result.stderr.decode()


def write_doc(folder: Path, name: str, url: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(
        f'---\ntitle: "Story {name}"\noriginalUrl: "{url}"\n'
        "publishedDateTime: 2021-12-15T12:20:00Z\n---\nBody.\n"
    )
    return article_id(url)


@pytest.fixture
def library(tmp_path: Path) -> dict:
    folder = tmp_path / "news"
    urls = {name: f"https://news.example.com/{name}" for name in ("one", "two", "three")}
    ids = {name: write_doc(folder, f"{name}.md", url) for name, url in urls.items()}
    return {"folder": folder, "urls": urls, "ids": ids}


def exported(*extra: str) -> dict[str, dict]:
    result = feedreader("state", "export", *extra)
    assert result.returncode == 0, err(result)
    doc = json.loads(out(result))
    assert doc["format"] == "feedreader-state" and doc["version"] == 1
    return {m["identity"]: m for m in doc["marks"]}


def flags(entry: dict) -> tuple[bool, bool, bool]:
    return (entry["read"], entry["hidden"], entry["flagged"])


def test_mark_by_full_id_and_by_prefix(library: dict) -> None:
    ids, urls = library["ids"], library["urls"]
    result = feedreader("mark", "read", ids["one"], ids["two"][:6], "--path", str(library["folder"]))
    assert result.returncode == 0, err(result)
    assert out(result).strip() == "2 articles marked read"
    marks = exported()
    assert set(marks) == {urls["one"], urls["two"]}
    assert flags(marks[urls["one"]]) == (True, False, False)
    assert marks[urls["two"]]["id"] == ids["two"]

    again = feedreader("mark", "read", ids["one"], ids["three"], "--path", str(library["folder"]))
    assert out(again).strip() == "1 article marked read (1 already was)"


@pytest.mark.parametrize(
    "action, expected",
    [
        ("unread", (False, True, True)),
        ("unhide", (True, False, True)),
        ("unflag", (True, True, False)),
    ],
)
def test_every_action(library: dict, action: str, expected: tuple) -> None:
    one, folder = library["ids"]["one"], str(library["folder"])
    for first in ("read", "hide", "flag"):
        assert feedreader("mark", first, one, "--path", folder).returncode == 0
    assert flags(exported()[library["urls"]["one"]]) == (True, True, True)
    result = feedreader("mark", action, one, "--path", folder)
    assert result.returncode == 0, err(result)
    assert flags(exported()[library["urls"]["one"]]) == expected


def test_an_unknown_id_changes_nothing(library: dict) -> None:
    folder = str(library["folder"])
    result = feedreader("mark", "read", library["ids"]["one"], "0000000000000000", "zz", "--path", folder)
    assert result.returncode == 1
    message = err(result)
    assert "'0000000000000000'" in message and "'zz'" in message and "nothing was changed" in message
    assert exported() == {}


def test_an_ambiguous_prefix_changes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    seen: dict[str, str] = {}
    n = 0
    while True:  # find two URLs whose ids share their first 4 hex digits
        url = f"https://many.example.com/{n}"
        prefix = article_id(url)[:4]
        if prefix in seen:
            break
        seen[prefix] = url
        n += 1
    write_doc(folder, "a.md", seen[prefix])
    write_doc(folder, "b.md", url)
    result = feedreader("mark", "flag", prefix, "--path", str(folder))
    assert result.returncode == 1
    assert prefix in err(result) and "more than one" in err(result)
    assert exported() == {}


def test_marks_follow_a_moved_file(library: dict, tmp_path: Path) -> None:
    one = library["ids"]["one"]
    assert feedreader("mark", "flag", one, "--path", str(library["folder"])).returncode == 0
    moved = tmp_path / "archive" / "2021"
    moved.mkdir(parents=True)
    (library["folder"] / "one.md").rename(moved / "renamed.md")
    result = feedreader("mark", "unflag", one, "--path", str(moved))
    assert out(result).strip() == "1 article unflagged"  # it was still flagged


def test_export_to_a_file_replaces_it_atomically(library: dict, tmp_path: Path) -> None:
    assert feedreader("mark", "hide", library["ids"]["two"], "--path", str(library["folder"])).returncode == 0
    target = tmp_path / "backup" / "marks.json"
    target.parent.mkdir()
    target.write_text("old contents")
    target.chmod(0o640)
    result = feedreader("state", "export", str(target))
    assert result.returncode == 0, err(result)
    assert f"exported the marks of 1 article to {target}" in err(result)
    doc = json.loads(target.read_text())
    assert [m["identity"] for m in doc["marks"]] == [library["urls"]["two"]]
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in target.parent.iterdir()) == ["marks.json"]  # no temporary left


def test_export_to_a_missing_folder_fails_clearly(tmp_path: Path) -> None:
    result = feedreader("state", "export", str(tmp_path / "no" / "such" / "marks.json"))
    assert result.returncode == 1
    assert "cannot write" in err(result)


def test_import_round_trip_into_another_data_dir(library: dict, tmp_path: Path) -> None:
    folder = str(library["folder"])
    feedreader("mark", "read", library["ids"]["one"], library["ids"]["two"], "--path", folder)
    feedreader("mark", "flag", library["ids"]["three"], "--path", folder)
    backup = tmp_path / "marks.json"
    assert feedreader("state", "export", str(backup)).returncode == 0

    other = tmp_path / "other-data"
    result = feedreader("state", "import", str(backup), "--data-dir", str(other))
    assert result.returncode == 0, err(result)
    assert "3 articles changed" in out(result)
    assert exported("--data-dir", str(other)) == exported()

    again = feedreader("state", "import", "-", "--data-dir", str(other), stdin=backup.read_bytes())
    assert again.returncode == 0 and "0 articles changed" in out(again)


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"this is not json", "not JSON"),
        (b'{"format": "feedreader-state", "version": 7, "marks": []}', "unsupported version 7"),
        (
            b'{"format": "feedreader-state", "version": 1, "marks": '
            b'[{"identity": "https://x.example/1", "read": "yes", "hidden": false, "flagged": false, '
            b'"updated_at": "2024-01-01T00:00:00Z"}]}',
            '"read" must be true or false',
        ),
    ],
)
def test_a_bad_import_is_rejected_and_changes_nothing(library: dict, tmp_path: Path, content: bytes, reason: str) -> None:
    feedreader("mark", "read", library["ids"]["one"], "--path", str(library["folder"]))
    before = exported()
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    result = feedreader("state", "import", str(bad))
    assert result.returncode == 1
    assert reason in err(result) and "nothing was changed" in err(result) and str(bad) in err(result)
    assert exported() == before


def test_import_of_a_missing_file(tmp_path: Path) -> None:
    result = feedreader("state", "import", str(tmp_path / "nope.json"))
    assert result.returncode == 1 and "cannot read" in err(result)


def test_marks_that_cannot_be_saved_are_an_error(library: dict, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = feedreader(
        "mark", "read", library["ids"]["one"], "--path", str(library["folder"]), "--data-dir", str(blocker / "data")
    )
    assert result.returncode == 1
    assert f"cannot create {blocker / 'data'}" in err(result) and "nothing was changed" in err(result)
    assert not result.stdout and "kept only until you quit" not in err(result)


@pytest.mark.parametrize(
    "args, words",
    [
        (("mark", "--help"), ["unknown or ambiguous", "nothing is changed"]),
        (("state", "export", "--help"), ["feedreader-state", "standard"]),
        (("state", "import", "--help"), ["newer", "changes nothing"]),
    ],
)
def test_help(args: tuple, words: list[str]) -> None:
    result = feedreader(*args)
    assert result.returncode == 0
    text = " ".join(out(result).split())
    assert all(w in text for w in words), text
