"""The index's workers load documents with ``related=False`` (issue 17's cold
index): the related articles are checked but not built. Every file must then
give the same article (but for ``related``, which is ``()``) and the same
problems, in the same order, as the full load: on the samples, the hostile
corpus, and documents whose related items hold wrong or tricky values."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedreader.core.documents.parse import MAX_RELATED, load_document, parse_document

ROOT = Path(__file__).resolve().parents[3]
FILES = sorted((ROOT / "seeds").iterdir()) + sorted((ROOT / "tests" / "hostile" / "corpus").iterdir())


def agree(full, lean) -> None:
    (article, problems), (lean_article, lean_problems) = full, lean
    assert lean_problems == problems
    if article is None:
        assert lean_article is None
        return
    assert lean_article is not None and lean_article.related == ()
    assert dataclasses.replace(article, related=()) == lean_article


def test_the_files_load_alike() -> None:
    assert len(FILES) > 100
    warned = 0
    for path in FILES:
        full = load_document(path)
        agree(full, load_document(path, related=False))
        warned += any("related" in p.message for p in full[1])
    assert warned >= 1        # the corpus has related items that warn


VALUES = [
    '"x"', '""', '"   "', "1", "-3", "101", "true", "null", "2021-01-01", "2021-01-01T00:00:00Z", "[a]",
    "{a: 1}", '"\\u200b"', '" \\t "', '"https://example.com/a"', '"http://[::1"', '"ftp://x.y"', '"not a url"',
    '"javascript:alert(1)"', '"\\u202e"',
]
KEYS = ["title", "webUrl", "ampWebUrl", "excerpt", "publishedDateTime", "type", "quality", "provider", "images"]


def document(items: list[dict[str, str]], extra: str = "") -> bytes:
    lines = ['---', 'title: "t"', 'webUrl: "https://example.com/x"', "related:"]
    for item in items:
        first = True
        for key, value in item.items():
            lines.append(("  - " if first else "    ") + f"{key}: {value}")
            first = False
        if not item:
            lines.append("  - 5")
    lines += [extra, "---", ""]
    return "\n".join(lines).encode()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=6), max_size=5))
def test_related_items_with_any_values_warn_alike(items) -> None:
    data = document(items)
    agree(parse_document(data, "x.md"), parse_document(data, "x.md", related=False))


@pytest.mark.parametrize("extra", ["", "related: 5", "related:\n  - x"])
def test_too_many_and_wrong_lists_warn_alike(extra: str) -> None:
    items = [{"title": f'"{i}"'} for i in range(MAX_RELATED + 2)] + [{"quality": "7"}, {}]
    data = document(items) if not extra else document([])[:-5] + extra.encode() + b"\n---\n"
    full = parse_document(data, "x.md")
    agree(full, parse_document(data, "x.md", related=False))
    assert full[1]


IMAGE_KEYS = ["url", "width", "height", "isCached"]


def image_lists(images: list[dict[str, str]]) -> str:
    """A related item's ``images:`` block (an empty dict is an item that is no mapping)."""
    lines = ["    images:"]
    for image in images:
        if not image:
            lines.append("      - 7")
        for n, (key, value) in enumerate(image.items()):
            lines.append(("      - " if n == 0 else "        ") + f"{key}: {value}")
    return "\n".join(lines)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.dictionaries(st.sampled_from(IMAGE_KEYS), st.sampled_from(VALUES), max_size=4),
                         max_size=4), min_size=1, max_size=3))
def test_related_images_with_any_values_warn_alike(items) -> None:
    # the related items' images are checked without being built (check_images)
    lines = ['---', 'title: "t"', "related:"]
    for images in items:
        lines += ['  - title: "r"', image_lists(images)]
    data = "\n".join([*lines, "---", ""]).encode()
    agree(parse_document(data, "x.md"), parse_document(data, "x.md", related=False))


def test_too_many_related_images_warn_alike() -> None:
    from feedreader.core.documents.parse import MAX_IMAGES

    images = [{"url": f'"https://example.com/{i}.jpg"'} for i in range(MAX_IMAGES + 2)]
    data = "\n".join(['---', 'title: "t"', "related:", '  - title: "r"', image_lists(images), "---", ""]).encode()
    full = parse_document(data, "x.md")
    agree(full, parse_document(data, "x.md", related=False))
    assert any("more than" in p.message for p in full[1])
