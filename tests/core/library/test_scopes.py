"""Counting articles and unread ones per folder prefix, on a real index."""

from __future__ import annotations

from pathlib import Path

from feedreader.core.ids import aid_of_identity
from feedreader.core.library.library import Library
from feedreader.core.library.scopes import Count, count_by_scope, folder_prefix


def doc(folder: Path, name: str, url: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(f"---\ntitle: {name}\noriginalUrl: {url}\n---\n", encoding="utf-8")


def test_counts_per_prefix_with_read_and_hidden(tmp_path):
    docs, feeds = tmp_path / "docs", tmp_path / "feeds"
    doc(docs, "a.txt", "https://example.com/a")
    doc(docs / "sub", "b.txt", "https://example.com/b")
    doc(feeds / "1", "c.txt", "https://example.org/c")
    doc(feeds / "12", "d.txt", "https://example.org/d")
    doc(feeds / "12", "e.txt", "https://example.org/e")
    with Library.open(tmp_path / "cache", [docs, feeds]) as library:
        library.refresh()
        read = {aid_of_identity("https://example.com/b"), aid_of_identity("https://example.org/d")}
        hidden = {aid_of_identity("https://example.org/e")}
        scopes = {"docs": folder_prefix(docs), "sub": folder_prefix(docs / "sub"),
                  1: folder_prefix(feeds / "1"), 12: folder_prefix(feeds / "12"), 3: folder_prefix(feeds / "3")}
        counts = count_by_scope(library.index.conn, scopes, read, hidden)
    # feed 1 is not a prefix of feed 12's files; an empty scope counts zero
    assert counts == {"docs": Count(2, 1), "sub": Count(1, 0), 1: Count(1, 1), 12: Count(1, 0), 3: Count(0, 0)}


def test_folder_prefix_ends_with_one_separator(tmp_path):
    assert folder_prefix(tmp_path) == str(tmp_path) + "/"
    assert folder_prefix(str(tmp_path) + "/") == str(tmp_path) + "/"


def test_group_by_scope_nested_prefixes_and_counts(tmp_path):
    from feedreader.core.library.scopes import count_groups, group_by_scope
    from feedreader.core.library.view import ListModel
    from feedreader.core.marks.bits import HIDDEN, READ

    docs, feeds = tmp_path / "docs", tmp_path / "feeds"
    doc(docs, "a.txt", "https://example.com/a")
    doc(docs / "sub", "b.txt", "https://example.com/b")
    doc(feeds / "1", "e.txt", "https://example.com/e1")
    doc(feeds / "10", "e.txt", "https://example.com/e10")
    doc(feeds / "2", "e.txt", "https://example.com/e2")
    doc(tmp_path / "elsewhere", "z.txt", "https://example.com/z")
    library = Library.open(tmp_path / "cache", [docs, feeds, tmp_path / "elsewhere"])
    library.refresh(workers=1)
    aid = {name: aid_of_identity(f"https://example.com/{name}") for name in ("a", "b", "e1", "e10", "e2", "z")}
    scopes = {"docs": folder_prefix(docs), "sub": folder_prefix(docs / "sub"),
              **{f"feed:{n}": folder_prefix(feeds / n) for n in ("1", "10", "2")}, "none": folder_prefix(tmp_path / "x")}
    groups = group_by_scope(library.index.conn, scopes)
    assert groups == {"docs": {aid["a"], aid["b"]}, "sub": {aid["b"]}, "feed:1": {aid["e1"]},
                      "feed:10": {aid["e10"]}, "feed:2": {aid["e2"]}, "none": set()}
    counts = count_groups(groups, read={aid["a"]}, hidden={aid["b"]})
    assert counts["docs"] == Count(1, 0) and counts["sub"] == Count(0, 0) and counts["feed:2"] == Count(1, 1)

    # the list narrowed to a scope keeps the other filters
    model = ListModel(library)
    model.scope = groups["docs"] | groups["feed:1"]
    model.replace_marks({aid["b"]: HIDDEN, aid["e1"]: READ})
    model.rebuild()
    assert sorted(model.keys) == sorted([aid["a"], aid["e1"]]) and model.unread == 1
    model.scope = None
    model.rebuild()
    assert len(model.keys) == 5
    library.close()
