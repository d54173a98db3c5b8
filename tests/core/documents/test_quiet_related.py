"""The index's workers skip a related block that loads and warns nothing
(``quietrelated.without_quiet_related``; issue 17's cold index). Skipped or
not, every document must give the same ``articles`` row and the same
problems as the full load: the seed, the hostile corpus, and related blocks
in the seed's layout with wrong or tricky values in every field, odd
characters, odd lines, too many items or images. The blocks in the plain
layout must take the quiet way (else the speed-up is gone unnoticed)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from feedreader.core.documents.fields import MAX_IMAGES, MAX_RELATED
from feedreader.core.documents.parse import (
    _decode,
    _split,
    load_document,
    parse_document,
    parse_for_index,
)
from feedreader.core.documents.quietrelated import without_quiet_related
from feedreader.core.library.pool import article_row, index_row

ROOT = Path(__file__).resolve().parents[3]
SEED = min((ROOT / "seeds").iterdir())
CORPUS = sorted((ROOT / "tests" / "hostile" / "corpus").iterdir())


def agree(data: bytes) -> None:
    """parse_for_index (which may skip the block) agrees with the full load."""
    article, problems = parse_document(data, "/x/d.md")
    facts, lean_problems = parse_for_index(data, "/x/d.md")
    assert lean_problems == problems
    assert (facts is None) == (article is None)
    if article is not None:
        assert index_row(facts, "/x/d.md", 7) == article_row(article, 7)


def quiet(data: bytes) -> bool:
    return without_quiet_related(_split(_decode(data))[0]) is not None


def test_the_seed_takes_the_quiet_way_and_agrees() -> None:
    data = SEED.read_bytes()
    assert quiet(data)
    agree(data)
    article, _ = load_document(SEED)
    assert article is not None and len(article.related) >= 2    # (the block it skips is a real one)


def test_the_hostile_corpus_agrees() -> None:
    for path in CORPUS:
        agree(path.read_bytes())


def test_the_skipped_lines_keep_their_numbers() -> None:
    """A wrong value after the block is named at its own line; a second
    ``related:`` is still a duplicate key."""
    lines = SEED.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("secured:"))
    bad = "\n".join([*lines[:at], "author: 5", *lines[at:]]).encode()
    assert quiet(bad)
    agree(bad)
    _facts, problems = parse_for_index(bad, "/x/d.md")
    assert [p.line for p in problems] == [at + 1] and "author" in problems[0].message
    twice = "\n".join([*lines[:at], "related:", '  - title: "again"', *lines[at:]]).encode()
    agree(twice)
    facts, problems = parse_for_index(twice, "/x/d.md")
    assert facts is None and "related" in problems[0].message


GOOD = {
    "title": ['"A headline"', '""', '"Ünïcode ‘quotes’ and 😀"'],
    "excerpt": ['"Some text, with: colons # and hashes"', '""'],
    "publishedDateTime": ["2021-12-15T08:27:00Z", "2024-02-29T23:59:59Z"],
    "webUrl": ['"https://technode.com/2021/12/15/a-b/"', '"http://a.b.example.org/x?y=1&z=%20#f"'],
    "ampWebUrl": ['"https://amp.example.com/a"'],
    "cdnAmpWebUrl": ['"https://x-com.cdn.ampproject.org/c/s/x.com/a"', '"not checked at all"'],
    "type": ["article", '"video"', "blog_post"],
    "name": ["The Times", "TechNode", '"Le Monde"', "AT&T O'Brien Co."],
    "domain": ["technode.com", "thetimes.co.uk"],
    "quality": ["0", "59", "100"],
    "url": ['"https://img.example.com/a.jpg"'],
    "width": ["0", "1200", "1000000"],
    "height": ["674"],
    "isCached": ["true", "false"],
}
BAD = {
    "title": ["5", "true", "null", "[a]", '"\\u200b"', "'single'", '"a\\"b"', '"tab\there"', '"nel\u0085x"',
              '"ls\u2028x"', '"bom\ufeffx"', '"bidi \u202e x"', '"esc \x1b[31m"', '"trail"  ', "plain title"],
    "excerpt": ["5", "{a: 1}", '"x" # c'],
    "publishedDateTime": ["2021-02-30T00:00:00Z", "0000-01-01T00:00:00Z", "2021-01-01T24:00:00Z",
                          "2021-01-01", '"2021-01-01T00:00:00Z"', "2021-01-01T00:00:00+02:00", "yes",
                          "2021-01-01T00:00:60Z", "２０２１-01-01T00:00:00Z"],
    "webUrl": ['""', '"   "', '"ftp://x.y"', '"javascript:alert(1)"', '"http://[::1"', '"HTTP://Example.COM:80"',
               '"https://127.0.0.1/a"', '"https://x.example.com/a b"', '"https://' + "a" * 64 + '.com/"',
               '"https://' + ".".join(["abcdefgh"] * 30) + '.com/"', '"https://e.com/' + "p" * 2040 + '"',
               "https://plain.example.com/a", "5"],
    "ampWebUrl": ['"ftp://x"', '"x"'],
    "type": ["yes", "No", "null", "5", "on", "Off"],
    "name": ["No", "on", "5", "a: b", "a #b", "- x", "[x]", "x:"],
    "domain": ["9to5mac.com", "null", '"\\x00"'],
    "quality": ["101", "-1", "05", "1.5", "true", '"7"'],
    "url": ['"ftp://x"', '""', "5"],
    "width": ["1000001", "-1", "01", "1e3", "null"],
    "isCached": ["yes", "True", "1", '"true"'],
}
ORDER = ["title", "excerpt", "publishedDateTime", "webUrl", "ampWebUrl", "cdnAmpWebUrl", "type", "provider",
         "quality", "images"]


@st.composite
def items(draw) -> list[str]:
    """One related item's lines: the seed's layout, each value good or (rarely) bad."""
    def value(key: str) -> str:
        if key in BAD and draw(st.integers(0, 9)) == 0:
            return draw(st.sampled_from(BAD[key]))
        return draw(st.sampled_from(GOOD[key]))

    keys = [k for k in ORDER if k in ("title", "webUrl") or draw(st.booleans())]
    if draw(st.integers(0, 15)) == 0:
        keys = draw(st.permutations(keys))
    lines: list[str] = []
    for key in keys:
        head = "  - " if not lines else "    "
        if key == "provider":
            lines.append(head + "provider:")
            lines += [f"      {k}: {value(k)}" for k in ("name", "domain") if draw(st.booleans())]
        elif key == "images":
            lines.append(head + "images:")
            for _ in range(draw(st.integers(0, 2))):
                lines.append(f"      - url: {value('url')}")
                lines += [f"        {k}: {value(k)}" for k in ("width", "height", "isCached") if draw(st.booleans())]
        else:
            lines.append(head + f"{key}: {value(key)}")
    return lines


ODD = ["", "    ", "      extra: 1", "  - 5", "    title: \"again\"", "# a comment", "    unknown: 1",
       "  -  title: \"x\"", "\ttitle: \"x\""]


@settings(max_examples=400, deadline=None)
@given(st.lists(items(), min_size=1, max_size=4), st.integers(0, 90), st.sampled_from(ODD),
       st.sampled_from(["", 'secured: "abc"', "author: 5", 'excerpt: "second"']))
def test_related_blocks_agree_skipped_or_not(blocks, odd_at, odd, after) -> None:
    lines = [line for block in blocks for line in block]
    if odd_at < len(lines):
        lines.insert(odd_at, odd)
    data = "\n".join(['---', 'title: "t"', 'webUrl: "https://example.com/x"', "related:", *lines, "", after,
                      "---", "body", ""]).encode()
    agree(data)


def test_plain_blocks_are_skipped_and_odd_ones_are_not() -> None:
    """The pattern is used (the plain layout is quiet) and refuses what warns."""
    def doc(*lines: str) -> bytes:
        return "\n".join(['---', 'title: "t"', "related:", *lines, "---", ""]).encode()

    plain = ['  - title: "r"', "    excerpt: \"e\"", "    publishedDateTime: 2021-12-15T08:27:00Z",
             '    webUrl: "https://example.com/r"', "    type: article", "    provider:", "      name: The Times",
             "      domain: thetimes.co.uk", "    quality: 59", "    images:", '      - url: "https://e.com/i.jpg"',
             "        width: 1200", "        height: 674", "        isCached: true"]
    assert quiet(doc(*plain))
    for at, wrong in [(2, "    publishedDateTime: 2021-02-30T08:27:00Z"), (3, '    webUrl: "ftp://x"'),
                      (4, "    type: yes"), (8, "    quality: 101"), (11, "        width: 1000001")]:
        changed = plain[:at] + [wrong] + plain[at + 1:]
        assert not quiet(doc(*changed)), wrong
        agree(doc(*changed))
        assert parse_for_index(doc(*changed), "/x/d.md")[1], wrong     # it warns
    many = [f'  - title: "{i}"\n    webUrl: "https://e.com/{i}"' for i in range(MAX_RELATED + 1)]
    assert quiet(doc(*many[:-1])) and not quiet(doc(*many))
    agree(doc(*many))
    images = ['  - title: "r"', '    webUrl: "https://e.com/r"', "    images:",
              *[f'      - url: "https://e.com/{i}.jpg"' for i in range(MAX_IMAGES + 1)]]
    assert quiet(doc(*images[:-1])) and not quiet(doc(*images))
    agree(doc(*images))


def test_the_timestamp_pattern_takes_exactly_the_real_dates_and_times() -> None:
    """What the pattern takes must be what fastyaml reads as a datetime
    (``datetime.fromisoformat``) and nothing it refuses: every day of 0-13
    months x 0-32 days in years around the leap rules, and every time."""
    import re
    from datetime import datetime

    from feedreader.core.documents.quietrelated import TIME as _TIME

    pattern = re.compile(_TIME)

    def real(text: str) -> bool:
        try:
            datetime.fromisoformat(text)
        except ValueError:
            return False
        return True

    taken = 0
    for year in (0, 1, 4, 100, 400, 1600, 1700, 1900, 1996, 2000, 2023, 2024, 2100, 9996, 9999):
        for month in range(14):
            for day in range(33):
                text = f"{year:04d}-{month:02d}-{day:02d}T12:30:45Z"
                assert (pattern.fullmatch(text) is not None) == real(text), text
                taken += real(text)
    for hour in range(26):
        for minute in (0, 9, 59, 60, 61):
            text = f"2021-12-15T{hour:02d}:{minute:02d}:{minute:02d}Z"
            assert (pattern.fullmatch(text) is not None) == real(text), text
    assert taken == 14 * 365 + 7      # (0000 is no year; 4, 400, 1600, 1996, 2000, 2024, 9996 have 29 February)
