"""One line of text from markup: the single-line collector gives what the multi-line one gives, cleaned.

On a single line the collector writes a block or a line break as one space
and drops a space that follows a space (so that clean_text finds nothing to
collapse); the budget still counts "\\n\\n" and "\\n". The text must be exactly
``clean_text`` of what the multi-line collector gathers, with any limit.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from feedreader.core.feeds.htmltext import _collect, html_to_text, markup_line_and_image, markup_to_line
from feedreader.core.text import clean_text
from tests.helpers.examples import EXAMPLES

TEXT = st.lists(st.sampled_from(list("ab  <>&;#x1\"'=/ \t\n\r\u00a0\u00e9\u202e\u200b\u2028") +
                                ["&amp;", "&lt;", "&#38;", "&nbsp;", "&#x27;", "&bogus;", "   ", " \n "]),
                max_size=12).map("".join)
TAGS = st.sampled_from(["p", "a", "img", "br", "em", "li", "ul", "pre", "script", "style", "div", "td", "title",
                        "h2", "hr", "th", "blockquote"])


@st.composite
def tag(draw) -> str:
    name = draw(TAGS)
    kind = draw(st.sampled_from(["start", "end", "self", "odd"]))
    if kind == "end":
        return f"</{name}>"
    attrs = "".join(f' {draw(st.sampled_from(["src", "alt", "width"]))}="{draw(TEXT)}"'
                    for _ in range(draw(st.integers(0, 2))))
    if kind == "odd":
        return draw(st.sampled_from([f"<{name}{attrs}", f"<{name} {attrs}>", "<!-- c -->", "< p>", "<?pi?>"]))
    return f"<{name}{attrs}{draw(st.sampled_from(['', ' /', '/']))}>"


FRAGMENTS = st.lists(st.one_of(TEXT, tag()), max_size=16).map("".join)


def the_old_way(markup: str, limit: int) -> tuple[str, object]:
    """What html_to_text(multiline=False) gave before: the multi-line collector's text, cleaned."""
    if "<" not in markup and "&" not in markup:
        return clean_text(markup, limit=limit), None
    collector = _collect(markup, limit, single=False)
    return clean_text("".join(collector.parts), limit=limit), collector.image


@settings(max_examples=EXAMPLES * 4, deadline=None)
@given(FRAGMENTS, st.integers(1, 60))
@example("<p>a</p>  <p> b</p><br>c<li> d", 3)
@example("x<pre>\n  y  \n</pre> z", 5)
@example("<p>" + "word " * 50 + "</p><p>more</p>", 40)
def test_one_line_is_the_multi_line_text_cleaned(markup: str, limit: int) -> None:
    assert html_to_text(markup, limit=limit, multiline=False) == the_old_way(markup, limit)
    assert markup_to_line(markup, limit=limit) == the_old_way(markup, limit)[0]


def test_the_benchmark_descriptions() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "benchmarks"))
    from bench_refresh import _description

    rng = random.Random(7)
    for n in range(300):
        markup = _description(rng, 3, n)
        for limit in (40, 300, 3000):
            assert html_to_text(markup, limit=limit, multiline=False) == the_old_way(markup, limit)
        text, image = markup_line_and_image(markup, limit=3000, image_limit=200)
        assert (text, image) == the_old_way(markup, 3000)
        assert "  " not in text and text == text.strip()
