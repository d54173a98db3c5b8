"""The one-pass fast path (fastyaml, issue 17's cold index) on the shapes
its rewrite touched: double-quoted values read by the line regex, a "key:"
whose block opens on a later line, dedents, the depth and size limits, and
scalars remembered between documents. Each must load what the event walker
loads, or give up. Also: the front matter's end found by ``_closing`` is the
one the regex search finds."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedreader.core.documents import parse as documents
from feedreader.core.documents.fastyaml import load_simple
from feedreader.core.documents.safeyaml import load_events
from feedreader.core.documents.yamlnodes import MAX_DEPTH, MAX_NODES

from test_fastyaml import agrees, same

EXAMPLES = int(os.environ.get("FEEDREADER_PROPERTY_EXAMPLES", "150")) * 2


@pytest.mark.parametrize("value", [
    '""', '"a"', '"a"   ', '"a" "b"', '"a"b"', '"a\\"b"', '"a\\\\"', '"a\\\\" x"', '"\\"', '"a', 'a"',
    '"a" # c', '"a": b', '"\'"', "'a'", "'it''s'", "''", "'a' 'b'", '"  spaced  "', '"tab\\tx"',
    '"“curly”"', '"a:b"', '"- x"', '"#"', '"x" ',
])
@pytest.mark.parametrize("shape", ["title: {v}\n", "topics:\n  - {v}\n  - b\n", "a:\n  - k: {v}\n    j: 1\n"])
def test_quoted_values_agree(shape: str, value: str) -> None:
    agrees(shape.format(v=value))


@pytest.mark.parametrize("front", [
    "a:\nb: 1\n",                          # "a:" with nothing under it
    "a:\n\n\n  b: 1\nc: 2\n",              # the block opens after blank lines
    "a:\n  - x\n  - y\nb:\n",              # a list, then an empty key at the end
    "a:\n  - k:\n  - j: 1\n",              # "- k:" with nothing, then the next item
    "a:\n  - k:\n      deeper: 1\n    m: 2\n",
    "a:\n  - k:\n    - x\n",               # a list at "k"'s indent
    "a:\n- x\n",                           # a list at its key's indent
    "a:\n    b:\n  c: 1\n",                # a dedent to no open block
    "a:\n  b:\n    c:\n      d: 1\ne: 2\n",
    "a: 1\n  b: 2\n",                      # a continued scalar
    "a:\n  - x\n    y\n",
    "a:\n  - k: v\n     z\n",
    "a:\n  - k: v\n    j: w\n  - x\n",     # mixed items: the walker decides
    "\n\na: 1\n",                          # the root's line is its first key's
    "  \n",
    "",
])
def test_blocks_agree(front: str) -> None:
    agrees(front)


def nested(depth: int) -> str:
    return "".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + "leaf: 1\n"


def nested_items(depth: int) -> str:
    return "".join("  " * i + f"- k{i}:\n" if i else "a:\n" for i in range(depth)) + "  " * depth + "- x\n"


@pytest.mark.parametrize("depth", [MAX_DEPTH - 2, MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1])
def test_the_depth_limit_is_the_walkers(depth: int) -> None:
    for front in (nested(depth), nested_items(depth)):
        fast = load_simple(front, 2)
        try:
            slow = load_events(front, 2)
        except Exception:
            slow = None
        if fast is not None:
            assert slow is not None and same(fast, slow)
    assert load_simple(nested(MAX_DEPTH - 2), 2) is not None   # deep, but the fast path still reads it


def test_the_size_limit() -> None:
    keys = (MAX_NODES - 1) // 2
    assert load_simple("".join(f"k{i}: {i}\n" for i in range(keys)), 2) is not None
    assert load_simple("".join(f"k{i}: {i}\n" for i in range(keys + 1)), 2) is None


def test_a_remembered_scalar_is_the_same_value_in_the_next_document() -> None:
    first = load_simple("a: 2021-11-30T23:00:00Z\nb: news\nc: 0x1f\n", 2)
    second = load_simple("x: 1\nb: news\nc: 0x1f\na: 2021-11-30T23:00:00Z\n", 2)
    assert first is not None and second is not None
    assert first == {"a": second["a"], "b": "news", "c": 31} and list(second) == ["x", "b", "c", "a"]
    assert second.lines == {"x": 2, "b": 3, "c": 4, "a": 5}


VALUE = st.text(st.sampled_from(list('"\'\\ ab:#-“')), min_size=0, max_size=8)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.booleans(), st.sampled_from(["k", "j", "title", ""]), VALUE),
                min_size=1, max_size=8))
def test_generated_lines_agree(lines: list[tuple[int, bool, str, str]]) -> None:
    text = "".join(
        "  " * indent + ("- " if dash else "") + (f"{key}: " if key else "") + value + "\n"
        for indent, dash, key, value in lines
    )
    agrees(text)


CLOSING_TEXT = st.lists(st.sampled_from(["---", "-", "\n", " ", "\t", "\r", "x", "\r\n"]), max_size=30).map("".join)


@settings(max_examples=EXAMPLES, deadline=None)
@given(CLOSING_TEXT)
def test_closing_is_the_regex_search(text: str) -> None:
    text = "---\n" + text
    want = documents._CLOSING.search(text, 4)
    got = documents._closing(text, 4)
    assert (want is None) == (got is None), repr(text)
    if want is not None and got is not None:
        assert (want.start(), want.end()) == (got.start(), got.end()), repr(text)


# --------------------------------------------------------------------------
# plans: a document shaped like one read before is built from that one's plan

from feedreader.core.documents import fastyaml  # noqa: E402

TRICKY = [
    '"a"', '""', '"a" ', '" x"', '"a" "b"', '"a"b"', '"a\\"b"', '"a\\\\"', '"\\"', '"', "'s'", "'it''s'", "'",
    "x", " x", "  x", " ", "x ", "~", "null", "Null", "yes", "off", "1e3", "0x1f", "017", "-1", "+1", ".5",
    "12:30", "2021-02-30", "2021-11-30", "2021-11-30T23:00:00Z", "2021-11-30 23:00:00 +01:00", "[a]", "{a: b}",
    "&a x", "*a", "!x y", "!!str 1", "|", ">", "a: b", "a #c", "#c", "-", "- x", "-x", "?", "%x", "@x", "`x",
    "https://example.com/a?b=c#d", "“curly”", "a:b",
]


def value_lines(front: str) -> list[int]:
    return [i for i, (_head, value) in enumerate(fastyaml._HEADS.findall(front)) if value]


def with_values(front: str, changes: dict[int, str]) -> str:
    lines = fastyaml._HEADS.findall(front)
    return "\n".join(head + changes.get(i, value) for i, (head, value) in enumerate(lines))


def loaded_by_the_loop(front: str):
    fastyaml._PLANS.clear()
    return load_simple(front, 2)        # (a shape seen for the first time goes through _load)


def loaded_by_a_plan(base: str, front: str):
    fastyaml._PLANS.clear()
    load_simple(base, 2)
    return load_simple(front, 2)


def same_or_none(a, b) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and same(a, b))


@pytest.fixture(scope="module")
def generated_fronts(tmp_path_factory) -> list[str]:
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    sys.path.insert(0, str(root / "benchmarks"))
    try:
        import gen_corpus
    finally:
        sys.path.remove(str(root / "benchmarks"))
    where = tmp_path_factory.mktemp("plans")
    gen_corpus.generate(str(where), 40, 11)
    fronts = []
    for path in sorted(where.iterdir()):
        try:
            fronts.append(documents._split(documents._decode(path.read_bytes()))[0])
        except ValueError:
            pass
    return fronts


def test_a_plan_is_made_and_used(generated_fronts) -> None:
    base = generated_fronts[0]
    fastyaml._PLANS.clear()
    first = load_simple(base, 2)
    assert first is not None and len(fastyaml._PLANS) == 1
    assert next(iter(fastyaml._PLANS.values()))            # a plan, not False
    built = load_simple(base, 2)                            # the same shape: built from the plan
    assert built is not None and built is not first and same(built, first)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.data())
def test_documents_of_one_shape_load_as_the_loop_loads_them(generated_fronts, data) -> None:
    base = data.draw(st.sampled_from(generated_fronts))
    lines = value_lines(base)
    picks = data.draw(st.lists(st.tuples(st.sampled_from(lines), st.sampled_from(TRICKY)), min_size=1, max_size=4))
    front = with_values(base, dict(picks))
    by_plan = loaded_by_a_plan(base, front)
    assert same_or_none(by_plan, loaded_by_the_loop(front)), front
    if by_plan is not None:
        assert same(by_plan, load_events(front, 2)), front


@pytest.mark.parametrize("value", TRICKY)
def test_every_tricky_value_in_every_kind_of_line(value: str) -> None:
    base = ("title: x\nprovider:\n  name: y\ntopics:\n  - a\n  - b\n"
            "related:\n  - title: t\n    quality: 5\n    images:\n      - url: u\n")
    for line in value_lines(base):
        front = with_values(base, {line: value})
        by_plan = loaded_by_a_plan(base, front)
        assert same_or_none(by_plan, loaded_by_the_loop(front)), front
        if by_plan is not None:
            assert same(by_plan, load_events(front, 2)), front


def test_blanks_after_a_head_make_no_plan() -> None:
    fastyaml._PLANS.clear()
    assert load_simple("a:   \n  b: 1\n", 2) == {"a": {"b": 1}}
    assert list(fastyaml._PLANS.values()) == [False]
    assert load_simple("a: x\n  b: 1\n", 2) is None            # same shape: a continued scalar
    assert load_simple("a:   \n  b: 2\n", 2) == {"a": {"b": 2}}


def test_the_plans_are_bounded() -> None:
    fastyaml._PLANS.clear()
    for i in range(fastyaml.MAX_PLANS + 5):
        assert load_simple(f"k{i}: 1\n", 2) == {f"k{i}": 1}
    assert len(fastyaml._PLANS) <= fastyaml.MAX_PLANS
