"""The YAML fast path (core/documents/fastyaml.py) loads exactly what the event walker
loads, or gives up (None) and leaves the document to it.

Checked on every sample, every hostile-corpus file, generated documents in
the benchmark generator's format, hand-picked YAML corners, and Hypothesis
mutations of a sample (characters that mean something to YAML inserted
anywhere).
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedreader.core.documents import parse as documents
from feedreader.core.documents.fastyaml import load_simple
from feedreader.core.documents.safeyaml import BadTimestamp, TooLarge, YamlList, YamlMap, YamlRefused, load_events, load_mapping

ROOT = Path(__file__).resolve().parents[3]
SEEDS = sorted((ROOT / "seeds").glob("*.txt")) + sorted((ROOT / "seeds").glob("*.md"))
HOSTILE = sorted((ROOT / "tests" / "hostile" / "corpus").iterdir())


def same(a, b) -> bool:
    """Equal values, types, container line numbers and key order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, YamlMap):
        return (a.line == b.line and a.lines == b.lines and list(a) == list(b)
                and all(same(a[k], b[k]) for k in a))
    if isinstance(a, YamlList):
        return a.line == b.line and a.lines == b.lines and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, (TooLarge, BadTimestamp)):
        return repr(a) == repr(b)
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def agrees(front: str) -> bool:
    """The fast path gave up, or loaded what the walker loads. True if it loaded."""
    fast = load_simple(front, 2)
    if fast is None:
        return False
    try:
        slow = load_events(front, 2)
    except YamlRefused as exc:  # pragma: no cover - the failure message
        pytest.fail(f"the fast path loaded what the walker refuses ({exc.message}):\n{front}")
    assert same(fast, slow), front
    return True


def front_of(path: Path) -> str | None:
    try:
        return documents._split(documents._decode(path.read_bytes()))[0]
    except ValueError:
        return None


def test_samples_take_the_fast_path_and_agree() -> None:
    fronts = [f for f in map(front_of, SEEDS) if f is not None]
    assert len(fronts) >= 50
    loaded = sum(agrees(f) for f in fronts)
    assert loaded >= 0.9 * len(fronts)   # else the fast path stopped being one


def test_hostile_corpus_agrees() -> None:
    fronts = [f for f in map(front_of, HOSTILE) if f is not None]
    assert len(fronts) >= 40
    for front in fronts:
        agrees(front)


def test_generated_documents_agree(tmp_path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import gen_corpus
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    gen_corpus.generate(str(tmp_path), 300, 7)
    paths = sorted(tmp_path.iterdir())
    assert len(paths) == 300
    assert sum(agrees(front_of(p)) for p in paths) >= 250


# a document the fast path reads: every shape it knows
PLAIN = """\
title: "A \\"quoted\\" title \\\\ with escapes"
single: 'it''s single'
plain: just words, with colons:inside and a-dash
number: 42
negative: -7
float: 1.5
octal: 017
yes_value: yes
nothing:
tilde: ~
when: 2021-11-30T23:00:00Z
day: 2021-11-30
bad_day: 2021-02-30
huge: 1234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123
provider:
  name: Caixin Global

  domain: caixinglobal.com
topics:
  - AI
  - "Solid state"
  - 2021
images:
  - url: https://example.com/a.jpg
    width: 100
    nested:
      deeper: true
  - url: https://example.com/b.jpg
empty_after: 
last: end
"""


def test_every_shape_it_knows_loads_exactly() -> None:
    assert agrees(PLAIN)
    m = load_mapping(PLAIN, first_line=2)
    assert m["title"] == 'A "quoted" title \\ with escapes'
    assert m["single"] == "it's single"
    assert m["plain"] == "just words, with colons:inside and a-dash"
    assert m["octal"] == 15 and m["yes_value"] is True and m["nothing"] is None and m["tilde"] is None
    assert isinstance(m["bad_day"], BadTimestamp) and isinstance(m["huge"], TooLarge)
    assert m["provider"] == {"name": "Caixin Global", "domain": "caixinglobal.com"}
    assert m["provider"].line == 17 and m.lines["provider"] == 16
    assert m["images"].lines == [25, 29] and m["images"][0]["nested"] == {"deeper": True}


@pytest.mark.parametrize("front", [
    "title: a\tb\n",                      # a tab
    "title: a\r\nx: 1\n",                 # CR
    "title: a\u2028b\n",                  # a YAML line break inside a line
    "title: a\x85b\n",                    # NEL
    "\ufefftitle: a\n",                   # BOM
    "title: a\x07\n",                     # a control character (the walker refuses it)
    "# comment\ntitle: a\n",
    "title: a # comment\n",
    "title: &anchor a\n",
    "title: *alias\n",
    "title: !!str a\n",
    "title: |\n  block\n",
    "title: >\n  folded\n",
    "title: [a, b]\n",
    "title: {a: b}\n",
    "title: plain\n  continued\n",
    'title: "multi\n  line"\n',
    "title: a\ntitle: b\n",               # duplicate: the walker names both lines
    "yes: a\n",                           # a key that is a bool
    "topics:\n- a\n- b\n",                # a list at its key's indent
    "topics:\n  -\n    a\n",              # "-" alone
    "topics:\n  - - a\n",                 # a list in a list item
    "--- \ntitle: a\n",
    "%YAML 1.1\ntitle: a\n",
    "  title: indented\n",
    "title: a: b\n",
    "title: -\n",
    '"quoted key": a\n',
    "? complex\n: key\n",
    'title: "\\u0041"\n',                # escapes other than \" and \\
    "a:\n  b: 1\n c: 2\n",                # a dedent to no open block
])
def test_gives_up_outside_its_subset(front: str) -> None:
    assert load_simple(front, 2) is None


SEED_FRONT = front_of(SEEDS[0]) or "title: a\n"
NOISE = st.sampled_from(list(" -:#\"'\\\t\n&*!|>[]{}%?,@`~0123456789aZ.\r\x85\u2028\ufeff\x00é"))


@settings(max_examples=int(os.environ.get("FEEDREADER_PROPERTY_EXAMPLES", "150")) * 2, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(SEED_FRONT)), st.text(NOISE, min_size=1, max_size=4),
                          st.integers(0, 3)), min_size=1, max_size=6))
def test_mutated_samples_agree(edits: list[tuple[int, str, int]]) -> None:
    text = SEED_FRONT
    for at, insert, cut in edits:
        at = min(at, len(text))
        text = text[:at] + insert + text[at + cut:]
    agrees(text)


@settings(max_examples=int(os.environ.get("FEEDREADER_PROPERTY_EXAMPLES", "150")) * 2, deadline=None)
@given(st.one_of(
    st.from_regex(r"[0-9][0-9\-:TtZ_.+eE ]{0,24}", fullmatch=True),
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", fullmatch=True),
    st.integers(0, 10**30).map(str),
))
def test_numbers_and_times_read_like_the_resolver(text: str) -> None:
    from feedreader.core.documents.fastyaml import _number_or_time
    from feedreader.core.documents.yamlnodes import resolve_plain as _resolve_plain

    assert same(_number_or_time(text), _resolve_plain(text)), text
