"""The index and the library over real files and a real SQLite index."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from docs import SEED, doc, write
from feedreader.core.ids import aid_from_id, id_from_aid
from feedreader.core.library.schema import index_path_for
from feedreader.core.detail import relative_age
from feedreader.core.library.library import AmbiguousId, Library

SEEDS = SEED.parent


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "docs"
    d.mkdir()
    return d


def open_lib(tmp_path: Path, *sources: Path) -> Library:
    return Library.open(tmp_path / "cache", list(sources))


def titles(lib: Library, order: str = "newest") -> list[str]:
    return [r.title for r in lib.iter_rows(order)]


def test_seed_library_loads_every_sample(tmp_path):
    lib = open_lib(tmp_path, SEEDS)
    report = lib.refresh()
    files = [p for p in SEEDS.iterdir() if p.suffix == ".txt"]
    assert report.scanned == len(files) and report.parsed == len(files)
    assert lib.count() == len(files)
    assert lib.problems() == []
    assert "Carmaker Xpeng Deletes 430,000 Photos for Misuse of Facial Recognition" in titles(lib)


def test_orders(tmp_path, folder):
    write(folder, "a.txt", doc("old good", "https://x.example.com/1", "2021-01-01T00:00:00Z", 90))
    write(folder, "b.txt", doc("new poor", "https://x.example.com/2", "2021-06-01T00:00:00Z", 10))
    write(folder, "c.txt", doc("mid", "https://x.example.com/3", "2021-05-31T00:00:00Z", 60))
    write(folder, "d.txt", doc("undated", "https://x.example.com/4", None, 95))
    lib = open_lib(tmp_path, folder)
    lib.refresh()
    assert titles(lib, "newest") == ["new poor", "mid", "old good", "undated"]
    # best: quality first (an undated article still ranks by its quality), ties by time
    assert titles(lib, "best") == ["undated", "old good", "mid", "new poor"]
    # ranked: a fresh article of middling quality beats an old one of high quality
    ranked = titles(lib, "ranked")
    assert ranked.index("mid") < ranked.index("old good")
    assert ranked[-1] == "undated"
    with pytest.raises(ValueError):
        lib.order("sideways")


def test_unchanged_files_are_not_reparsed_and_changes_are_seen(tmp_path, folder):
    for i in range(5):
        write(folder, f"{i}.txt", doc(f"t{i}", f"https://x.example.com/{i}"))
    lib = open_lib(tmp_path, folder)
    assert lib.refresh().parsed == 5
    again = lib.refresh()
    assert (again.parsed, again.unchanged, again.removed) == (0, 5, 0)

    path = folder / "2.txt"
    write(folder, "2.txt", doc("t2 edited", "https://x.example.com/2"))
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    (folder / "4.txt").unlink()
    write(folder, "new.txt", doc("brand new", "https://x.example.com/new"))
    report = lib.refresh()
    assert (report.parsed, report.removed, report.unchanged) == (2, 1, 3)
    assert sorted(titles(lib)) == ["brand new", "t0", "t1", "t2 edited", "t3"]


def test_an_order_read_after_the_last_change_outlives_the_refresh(tmp_path, folder):
    """The app sorts in ``on_batch`` (off the UI thread); when no article changed
    after that, the refresh keeps that order instead of sorting again."""
    for i in range(3):
        write(folder, f"{i}.txt", doc(f"t{i}", f"https://x.example.com/{i}", published=f"2021-12-1{i}T12:00:00Z"))
    lib = open_lib(tmp_path, folder)
    lib.refresh()
    before = lib.order("newest")
    write(folder, "new.txt", doc("brand new", "https://x.example.com/new", published="2022-01-01T12:00:00Z"))
    read: list = []

    def on_batch(_done: int) -> None:
        lib.invalidate()
        read.append(lib.order("newest"))

    assert lib.refresh(on_batch=on_batch).parsed == 1
    assert len(read) == 1 and read[0] is not before
    assert lib.order("newest") is read[0]                        # kept: nothing changed since
    assert lib.order_generation("newest") == lib.index.generation()
    assert titles(lib)[0] == "brand new"

    (folder / "0.txt").unlink()                                   # a change after the order was read
    assert lib.refresh().removed == 1
    assert lib.order_generation("newest") is None                 # dropped, sorted again when asked
    assert lib.order("newest") is not read[0]
    assert sorted(titles(lib)) == ["brand new", "t1", "t2"]
    lib.close()


def test_detail_is_read_from_the_file_and_survives_it_changing(tmp_path, folder):
    write(folder, "a.txt", doc("first", "https://x.example.com/a", topics=("AI", "Chips"), quality=70,
                               extra="excerpt: \"Only the file has this.\"\n"))
    lib = open_lib(tmp_path, folder)
    lib.refresh()
    aid = lib.order("newest")[0]
    article = lib.article(aid)
    assert article.title == "first" and article.topics == ("AI", "Chips") and not article.warnings
    assert article.excerpt == "Only the file has this."   # not in the index: read from the file
    # edited (same article): the detail shows the file as it is now
    write(folder, "a.txt", doc("edited", "https://x.example.com/a"))
    assert lib.article(aid).title == "edited"
    # now another article, then broken, then gone: what the index holds, and why
    write(folder, "a.txt", doc("other", "https://x.example.com/other"))
    stand_in = lib.article(aid)
    assert stand_in.title == "first" and stand_in.quality == 70 and stand_in.topics == ("AI", "Chips")
    assert stand_in.id == id_from_aid(aid) and "now holds another article" in stand_in.warnings[0]
    (folder / "a.txt").write_bytes(b"\x00binary")
    assert "NUL" in lib.article(aid).warnings[0]
    (folder / "a.txt").unlink()
    gone = lib.article(aid)
    assert gone.title == "first" and "changed since it was indexed" in gone.warnings[0]
    assert lib.article(aid + 1) is None
    lib.refresh()
    assert lib.count() == 0


def test_search_index_follows_edits_replacements_and_deletions(tmp_path, folder):
    def found(word: str) -> set[int]:
        return lib.search(word).match

    def check_index() -> None:   # FTS5's own check of its entries against the articles table
        lib.index.conn.execute("INSERT INTO article_text(article_text, rank) VALUES('integrity-check', 1)")

    for name, title in [("a.txt", "walrus sighting"), ("b.txt", "penguin parade")]:
        write(folder, name, doc(title, f"https://x.example.com/{name}"))
    lib = open_lib(tmp_path, folder)
    lib.refresh()
    walrus, = found("walrus")
    check_index()
    write(folder, "a.txt", doc("narwhal sighting", "https://x.example.com/a.txt"))   # same article, edited
    bump = (folder / "a.txt").stat().st_mtime_ns + 10**9
    os.utime(folder / "a.txt", ns=(bump, bump))
    lib.refresh()
    assert found("walrus") == set() and found("narwhal") == {walrus} and found("sighting") == {walrus}
    write(folder, "b.txt", doc("otter", "https://x.example.com/other"))   # another article now
    bump = (folder / "b.txt").stat().st_mtime_ns + 10**9
    os.utime(folder / "b.txt", ns=(bump, bump))
    lib.refresh()
    assert found("penguin") == set() and len(found("otter")) == 1
    (folder / "a.txt").unlink()
    lib.refresh()
    assert found("narwhal") == set() and found("sighting") == set()
    assert lib.search("-otter").count == 0 and lib.count() == 1
    check_index()


def test_moving_a_file_keeps_the_article_id(tmp_path, folder):
    write(folder, "a.txt", doc("moving", "https://x.example.com/m"))
    lib = open_lib(tmp_path, folder)
    lib.refresh()
    [before] = list(lib.iter_rows("newest"))
    (folder / "sub").mkdir()
    shutil.move(folder / "a.txt", folder / "sub" / "renamed.md")
    lib.refresh()
    [after] = list(lib.iter_rows("newest"))
    assert after.id == before.id and after.identity == before.identity
    assert lib.article(after.aid).path.endswith("renamed.md")


def test_duplicate_identity_keeps_newer_file_and_reports(tmp_path, folder):
    old = write(folder, "old.txt", doc("old copy", "https://x.example.com/dup"))
    new = write(folder, "new.txt", doc("new copy", "HTTPS://X.EXAMPLE.COM:443/dup#frag"))
    os.utime(old, (1_600_000_000, 1_600_000_000))
    os.utime(new, (1_700_000_000, 1_700_000_000))
    lib = open_lib(tmp_path, folder)
    lib.refresh()
    assert titles(lib) == ["new copy"]
    problems = lib.problems()
    assert len(problems) == 1 and problems[0].path == str(old) and "same article" in problems[0].message
    # the winner goes away: the other copy takes over
    new.unlink()
    lib.refresh()
    assert titles(lib) == ["old copy"]


def test_hidden_entries_and_other_suffixes(tmp_path, folder):
    write(folder, "a.md", doc("md", "https://x.example.com/a"))
    write(folder, "b.yaml", doc("yaml", "https://x.example.com/b"))
    write(folder, "c.markdown", doc("markdown", "https://x.example.com/c"))
    write(folder, "d.yml", doc("yml", "https://x.example.com/d"))
    write(folder, "e.json", doc("json is not scanned", "https://x.example.com/e"))
    write(folder, ".hidden.txt", doc("hidden file", "https://x.example.com/f"))
    write(folder, ".git/g.txt", doc("hidden folder", "https://x.example.com/g"))
    lib = open_lib(tmp_path, folder)
    lib.refresh()
    assert sorted(titles(lib)) == ["markdown", "md", "yaml", "yml"]


def test_bad_files_are_reported_and_good_ones_load(tmp_path, folder):
    write(folder, "good.txt", doc("good", "https://x.example.com/good"))
    write(folder, "bad.txt", "---\ntitle: [unclosed\n---\n")
    write(folder, "warn.txt", doc("warned", "https://x.example.com/w", quality=None, extra='quality: "39"'))
    lib = open_lib(tmp_path, folder)
    lib.refresh()
    assert sorted(titles(lib)) == ["good", "warned"]
    by_path = {Path(p.path).name: p for p in lib.problems()}
    assert by_path["bad.txt"].severity == "error"
    assert by_path["warn.txt"].severity == "warning" and "quality" in by_path["warn.txt"].message
    # a broken file that gets fixed loads on the next refresh
    bad = write(folder, "bad.txt", doc("fixed", "https://x.example.com/fixed"))
    os.utime(bad, ns=(0, bad.stat().st_mtime_ns + 10**9))
    lib.refresh()
    assert "fixed" in titles(lib)
    assert "bad.txt" not in {Path(p.path).name for p in lib.problems()}


def test_missing_source_is_a_problem_not_a_crash(tmp_path, folder):
    write(folder, "a.txt", doc("here", "https://x.example.com/a"))
    lib = open_lib(tmp_path, folder, tmp_path / "nope")
    report = lib.refresh()
    assert titles(lib) == ["here"]
    assert any("nope" in p.path for p in report.problems)


def test_corrupt_index_is_rebuilt(tmp_path, folder):
    write(folder, "a.txt", doc("survives", "https://x.example.com/a"))
    lib = open_lib(tmp_path, folder)
    lib.refresh()
    db = lib.index.db_path
    lib.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    db.write_bytes(b"this is not a database" * 100)
    lib = open_lib(tmp_path, folder)
    assert lib.index.notice and "rebuilt" in lib.index.notice
    lib.refresh()
    assert titles(lib) == ["survives"]


def test_deleting_the_index_loses_nothing(tmp_path, folder):
    write(folder, "a.txt", doc("kept", "https://x.example.com/a"))
    lib = open_lib(tmp_path, folder)
    lib.refresh()
    lib.close()
    shutil.rmtree(tmp_path / "cache")
    lib = open_lib(tmp_path, folder)
    assert lib.count() == 0
    lib.refresh()
    assert titles(lib) == ["kept"]


def test_parallel_parse_matches_serial(tmp_path, folder):
    for i in range(450):
        write(folder, f"{i:03}.txt", doc(f"t{i}", f"https://x.example.com/{i}", quality=i % 101))
    serial = Library.open(tmp_path / "c1", [folder])
    serial.refresh(workers=1)
    parallel = Library.open(tmp_path / "c2", [folder])
    parallel.refresh(workers=2)
    assert titles(serial, "best") == titles(parallel, "best")
    assert serial.count() == 450


def test_resolve_id_and_find_by_url(tmp_path, folder):
    write(folder, "a.txt", doc("a", "https://x.example.com/a"))
    lib = open_lib(tmp_path, folder)
    lib.refresh()
    [row] = list(lib.iter_rows("newest"))
    assert lib.resolve_id(row.id).title == "a"
    assert lib.resolve_id(row.id[:6].upper()).title == "a"
    assert lib.resolve_id("zzzz") is None and lib.resolve_id("12") is None
    assert lib.find_by_url("https://X.example.com:443/a#top") == row.aid
    assert lib.find_by_url("https://x.example.com/other") is None


def test_ambiguous_prefix(tmp_path, folder):
    for i in range(40):
        write(folder, f"{i}.txt", doc(f"t{i}", f"https://x.example.com/{i}"))
    lib = open_lib(tmp_path, folder)
    lib.refresh()
    ids = [r.id for r in lib.iter_rows("newest")]
    by_first = {}
    for i in ids:
        by_first.setdefault(i[0], []).append(i)
    shared = next(v for v in by_first.values() if len(v) > 1)
    common = os.path.commonprefix(shared)
    if len(common) >= 4:
        with pytest.raises(AmbiguousId):
            lib.resolve_id(common)
    assert lib.resolve_id(shared[0]).id == shared[0]


def test_aid_round_trip():
    for hex_id in ("0000000000000000", "7fffffffffffffff", "8000000000000000", "ffffffffffffffff", "17b63d52bf50f52a"):
        assert id_from_aid(aid_from_id(hex_id)) == hex_id
        assert -(1 << 63) <= aid_from_id(hex_id) < (1 << 63)


def test_index_location_depends_on_sources(tmp_path):
    a = index_path_for(tmp_path, [tmp_path / "a"])
    b = index_path_for(tmp_path, [tmp_path / "b"])
    assert a != b and a == index_path_for(tmp_path, [tmp_path / "a"])


def test_relative_age():
    now = 1_000_000_000
    assert relative_age(now - 30, now) == "30 s ago"
    assert relative_age(now - 7200, now) == "2 h ago"
    assert relative_age(now - 3 * 86400, now) == "3 d ago"
    assert relative_age(now + 600, now) == "in 10 min"
    assert relative_age(None, now) == "unknown"
