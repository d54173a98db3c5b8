"""The index's workers read what the index keeps without building the
article (``load_for_index``; issue 17's cold index): every file must give
the same ``articles`` row and the same problems as the row made from the
full load's article, on the samples, the hostile corpus and generated
documents (tricky values in every field the row is made of)."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from feedreader.core.documents.parse import load_document, load_for_index, parse_document, parse_for_index
from feedreader.core.library.pool import _problems_json, article_row, index_row, parse_files

ROOT = Path(__file__).resolve().parents[3]
FILES = sorted((ROOT / "seeds").iterdir()) + sorted((ROOT / "tests" / "hostile" / "corpus").iterdir())


def agree(full, lean, path: str) -> None:
    (article, problems), (facts, lean_problems) = full, lean
    assert lean_problems == problems
    if article is None:
        assert facts is None
        return
    assert facts is not None
    assert index_row(facts, path, 7) == article_row(article, 7)


def test_the_files_give_the_same_rows() -> None:
    assert len(FILES) > 100
    rows = 0
    for path in FILES:
        agree(load_document(path, related=False), load_for_index(path), str(path))
        rows += load_document(path)[0] is not None
    assert rows > 50


def test_a_chunk_gives_the_rows_of_the_articles() -> None:
    facts = [(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in FILES if p.is_file()]
    for (path, size, mtime_ns, row, problems), (_p, _s, mtime) in zip(parse_files(facts), facts):
        article, expected = load_document(path)
        assert (path, size, mtime_ns) == (_p, _s, mtime)
        assert row == (article_row(article, mtime) if article is not None else None)
        assert problems == _problems_json(expected)


VALUES = [
    '"x"', '""', '"   "', "1", "-3", "101", "-1", "true", "null", "2021-01-01", "2021-01-01T00:00:00Z",
    "2021-02-30T00:00:00Z", "[a]", "{a: 1}", '"\\u200b"', '" \\t a "', '"https://example.com/a#b"',
    '"HTTP://Example.COM:80"', '"http://[::1"', '"ftp://x.y"', '"javascript:alert(1)"', '"\\u202eab"',
    '"a  b"', '"\\x1b[31mred"',
]
KEYS = ["title", "originalUrl", "webUrl", "publishedDateTime", "excerpt", "category", "type", "quality",
        "heat", "published", "author", "secured", "provider", "topics", "images"]
BLOCKS = {
    "provider": ["  name: {v}", "  domain: {v}"],
    "topics": ["  - {v}", "  - Policy", "  - {v}"],
    "images": ["  - url: {v}", "    width: {v}", "  - url: \"https://example.com/i.jpg\"", "    isCached: {v}"],
}


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(KEYS), st.tuples(st.sampled_from(VALUES), st.booleans()), max_size=10),
       st.sampled_from(["", "body\n", "a  \n\n\n\nb\r\n\x1b[2Jc\n"]))
def test_generated_documents_give_the_same_rows(fields, body) -> None:
    lines = ["---"]
    for key, (value, block) in fields.items():
        if block and key in BLOCKS:
            lines += [f"{key}:", *(line.format(v=value) for line in BLOCKS[key])]
        else:
            lines.append(f"{key}: {value}")
    data = "\n".join([*lines, "---", body]).encode()
    path = os.path.join("/x", "d.md")
    agree(parse_document(data, path, related=False), parse_for_index(data, path), path)
