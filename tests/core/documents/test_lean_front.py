"""The index's workers read front matter in the seed's layout without YAML
(``leanfront.lean_facts``; issue 17's cold index). Read that way or not,
every document must give the same ``articles`` row and the same problems as
the full load: the seeds, and generated documents in the seed's layout with
wrong or tricky values in every field, keys left out, moved or repeated, odd
lines and odd bodies. The plain ones must take the lean way."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from test_quiet_related import BAD, GOOD, agree, items

from feedreader.core.documents.fields import MAX_IMAGES, MAX_TOPICS
from feedreader.core.documents.leanfront import lean_facts
from feedreader.core.documents.parse import _decode, _split, parse_for_index

ROOT = Path(__file__).resolve().parents[3]
SEEDS = sorted((ROOT / "seeds").iterdir())


def lean(data: bytes) -> bool:
    front, body, _line = _split(_decode(data))
    return lean_facts(front, body) is not None


def test_the_seeds_take_the_lean_way_and_agree() -> None:
    assert len(SEEDS) > 40
    for path in SEEDS:
        data = path.read_bytes()
        assert lean(data), path.name
        agree(data)


ROOT_GOOD = {
    "category": ["news", '"news"'],
    "title": GOOD["title"] + ['"  spaced   out  "', "'It''s \"quoted\" \\ here'", "''"],
    "excerpt": GOOD["excerpt"] + ['"a\u00a0b"'],
    "publishedDateTime": GOOD["publishedDateTime"],
    "originalUrl": GOOD["webUrl"] + ["'https://e.com/a?b=\"c\"'"],
    "webUrl": GOOD["webUrl"],
    "type": GOOD["type"],
    "quality": GOOD["quality"],
    "heat": ["-1", "0", "7", "999999999999999999"],
    "published": ["true", "false"],
    "secured": ['"4p49lwnk/+=;kvDT=="'],
    "author": ['"A university team"', '""'],
    "kind": ["feed-entry"],
    "feedUrl": ['"https://e.org/feed.xml"'],
    "entryKey": ['"https://e.org/a"'],
    "topic": ["AI", "Computer Vision", '"Open Source"', '" AI "', '""', "AT&T", "'AI'", "'O''Brien'"],
}
ROOT_BAD = {
    "category": ["yes", "5", "[a]"],
    "title": BAD["title"] + ["'a''", "'a' b", "'tab\there'", "'multi", "''''", "'''"],
    "excerpt": BAD["excerpt"] + ['"\\u00e9"'],
    "publishedDateTime": BAD["publishedDateTime"],
    "originalUrl": BAD["webUrl"],
    "webUrl": BAD["webUrl"],
    "type": BAD["type"],
    "quality": BAD["quality"],
    "heat": ["-2", "9223372036854775808", "1.5", '"3"', "01", "1000000000000000000"],
    "published": ["yes", "1", '"true"', "null"],
    "secured": ["5", "true"],
    "author": ["5", "plain author", "'single'"],
    "kind": ["5"],
    "feedUrl": ["5"],
    "entryKey": ["[x]"],
    "topic": ["5", "yes", "null", '"\\u200b"', "[a]", "- x"],
}
SCALARS = ["category", "title", "excerpt", "publishedDateTime", "originalUrl", "webUrl", "type", "quality",
           "heat", "published"]
TAIL = ["secured", "author", "kind", "feedUrl", "entryKey"]
ODD = ["", "   ", "# a comment", "title: \"again\"", "unknown: 1", "\ttitle: x", "- x", "provider:",
       "  name: stray", "topics: 5", "related:", "--- ", "key:   ", "webUrl: \"https://e.com/2\""]
BODIES = ["", "body\n", "a  \n\n\n\nb\r\n\x1b[2Jc\n", "\u202eevil\u200b\n" * 3]


@st.composite
def documents(draw) -> tuple[bytes, int]:
    """A document in the seed's layout; each value good or (rarely) bad."""
    def value(key: str) -> str:
        if draw(st.integers(0, 14)) == 0:
            return draw(st.sampled_from(ROOT_BAD[key]))
        return draw(st.sampled_from(ROOT_GOOD[key]))

    def some(keys: list[str]) -> list[str]:
        return [k for k in keys if k == "title" and draw(st.integers(0, 20)) or draw(st.booleans())]

    lines = [f"{k}: {value(k)}" for k in some(SCALARS)]
    if draw(st.booleans()):
        lines += [""]
    if draw(st.booleans()):
        lines += ["provider:", *(f"  {k}: {draw(st.sampled_from(GOOD[k]))}" for k in some(["name", "domain"])), ""]
    if draw(st.booleans()):
        count = draw(st.sampled_from([1, 2, 3, MAX_TOPICS, MAX_TOPICS + 1]))
        lines += ["topics:", *(f"  - {value('topic')}" for _ in range(count)), ""]
    if draw(st.booleans()):
        lines.append("images:")
        for _ in range(draw(st.sampled_from([1, 2, MAX_IMAGES + 1]))):
            lines.append(f"  - url: {draw(st.sampled_from(GOOD['url'] + (BAD['url'] if draw(st.integers(0, 9)) == 0 else [])))}")
            lines += [f"    {k}: {draw(st.sampled_from(GOOD[k]))}" for k in ("width", "height", "isCached")
                      if draw(st.booleans())]
        lines.append("")
    if draw(st.booleans()):
        lines += ["related:", *[line for block in draw(st.lists(items(), min_size=1, max_size=3)) for line in block],
                  ""]
    lines += [f"{k}: {value(k)}" for k in some(TAIL)]
    if draw(st.integers(0, 3)) == 0:
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(ODD)))
    if draw(st.integers(0, 15)) == 0 and len(lines) > 1:
        i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
    body = draw(st.sampled_from(BODIES))
    return "\n".join(["---", *lines, "---", body]).encode(), len(lines)


@settings(max_examples=600, deadline=None)
@given(documents())
def test_documents_in_the_seed_layout_agree_read_either_way(document) -> None:
    data, _lines = document
    agree(data)


def test_plain_documents_are_lean_and_odd_ones_are_not() -> None:
    seed = SEEDS[0].read_text(encoding="utf-8")
    assert lean(seed.encode())
    for old, new in [('category: news', 'category: yes'), ("quality: 39", "quality: 139"),
                     ("published: false", "published: 1"), ("  - AI", "  - 5"),
                     ("    width: 560", "    width: -560"), ("heat: -1", "heat: -1.5"),
                     ("publishedDateTime: 2021-12-15T12:20:00Z", "publishedDateTime: 2021-02-29T12:20:00Z")]:
        assert old in seed, old
        changed = seed.replace(old, new, 1).encode()
        assert not lean(changed), new
        agree(changed)
        assert parse_for_index(changed, "/x/d.md")[1], new     # it warns (the YAML way says so)
    # the same values in another order: YAML reads them alike; the lean way leaves it to YAML
    lines = seed.split("\n")
    moved = "\n".join([lines[0], lines[2], lines[1], *lines[3:]]).encode()
    assert not lean(moved)
    agree(moved)
    # one more topic than the cap: a warning, so not lean
    many = seed.replace("topics:\n", "topics:\n" + "".join(f"  - T{i}\n" for i in range(MAX_TOPICS)), 1)
    assert not lean(many.encode())
    agree(many.encode())


TRICKY = ["Plain title", "It's a 'quoted' \"title\"", "back\\slash", "", "ünï 😀 ‘curly’", "tab\there",
          "esc \x1b[31m red", "bidi \u202e x", "nel\u0085x", "a  b", "# not a comment", "key: value", "-", "yes"]
LINKS = [None, "https://example.com/a/b?c=1&d=2#f", "https://example.com/it's", 'https://example.com/"q"',
         "http://sub.example.org", "https://" + "a" * 64 + ".com/", "https://e.com/" + "p" * 2100]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(TRICKY), st.sampled_from(TRICKY), st.sampled_from(LINKS), st.sampled_from(TRICKY),
       st.lists(st.sampled_from(TRICKY), max_size=3), st.sampled_from(TRICKY), st.booleans(), st.booleans(),
       st.sampled_from(["", "Some content.\n\nMore.", "x\r\ny"]))
def test_feed_entries_as_the_feed_store_writes_them_agree(title, summary, link, feed_title, categories, author,
                                                          updated, image, content) -> None:
    """``entrydoc.entry_document`` writes single-quoted strings and
    ``updatedDateTime``: its documents agree read either way, and the plain
    ones are lean."""
    from datetime import datetime, timezone

    from feedreader.core.feeds.entries import EntryImage, FeedEntry
    from feedreader.core.feeds.entrydoc import entry_document

    when = datetime(2024, 2, 29, 23, 59, 58, tzinfo=timezone.utc)
    entry = FeedEntry(key=f"k-{title}", title=title, link=link, summary=summary, content=content,
                      published=when, updated=when if updated else None, author=author,
                      categories=tuple(categories),
                      images=(EntryImage("https://img.example.com/a.jpg", 640, 480),) if image else ())
    data = entry_document("https://example.com/feed.xml", feed_title, "example.com", entry, when)
    agree(data)
    plain = all(t in ("Plain title", "It's a 'quoted' \"title\"", "back\\slash", "a  b", "# not a comment")
                for t in (title, summary, feed_title, author, *categories))
    if plain and link in (LINKS[1], LINKS[3], LINKS[4]):     # (a ' in a URL: not lean, read by YAML)
        assert lean(data), data


def test_a_plain_feed_entry_is_lean() -> None:
    from datetime import datetime, timezone

    from feedreader.core.feeds.entries import EntryImage, FeedEntry
    from feedreader.core.feeds.entrydoc import entry_document

    when = datetime(2024, 2, 29, 23, 59, 58, tzinfo=timezone.utc)
    entry = FeedEntry(key="k", title="It's a 'quoted' \"title\"", link=LINKS[1], summary="back\\slash",
                      content="Body.\n", published=when, updated=when, author="A. Writer",
                      categories=("Open Source", "AI"), images=(EntryImage("https://img.example.com/a.jpg", 640, 480),))
    data = entry_document("https://example.com/feed.xml", "Feed", "example.com", entry, when)
    assert b"title: 'It''s" in data and b"updatedDateTime" in data
    assert lean(data)
    agree(data)
    facts, problems = parse_for_index(data, "/x/d.md")
    assert problems == () and facts[2] == "It's a 'quoted' \"title\"" and facts[9] == ("Open Source", "AI") and facts[13] == 1
