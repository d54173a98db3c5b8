"""The Searcher keeps a keystroke's SQL step counts and key sets for the next
keystrokes (core/library/stepcache.py) while the index is unchanged."""

from __future__ import annotations

from tests.core.library.test_search import NOW, aid_of, article, lib  # noqa: F401 (the fixture)


def test_a_step_read_once_serves_the_next_keystrokes_until_the_index_changes(lib, tmp_path):  # noqa: F811
    searcher = lib.searcher()
    try:
        conn = searcher._connection()
        seen: list[str] = []
        conn.set_trace_callback(seen.append)

        def link_scans() -> list[str]:    # (not a check of a few candidates: json_each)
            return [s for s in seen if "LIKE" in s and "json_each" not in s]

        on_example = {aid_of(lib, s) for s in ("cafe", "decomposed", "state", "quirky")}   # news.example.com
        assert searcher.search("link:example.com", now=NOW).match == on_example
        assert len(link_scans()) == 2                   # the link step was counted and read ...
        seen.clear()
        assert searcher.search("link:example.com -xyzzy", now=NOW).match == on_example   # the next keystrokes
        assert searcher.search("link:example.com -xyzz", now=NOW).match == on_example
        assert link_scans() == []                        # ... and not again
        (tmp_path / "docs" / "new.txt").write_text(article("Brand new", "new"), encoding="utf-8")
        lib.refresh(workers=1)                          # another connection wrote: read again
        seen.clear()
        assert searcher.search("link:example.com -xyzz", now=NOW).match == on_example | {aid_of(lib, "new")}
        assert len(link_scans()) == 2
    finally:
        searcher.close()
