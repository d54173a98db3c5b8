"""The fast tokenizer of htmltext gives HTMLParser's handler calls, or gives up."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from feedreader.core.feeds import htmltext
from feedreader.core.feeds.htmltext import _feed_simple, _TextCollector, html_to_text
from tests.helpers.examples import EXAMPLES


class Recorder(_TextCollector):
    def __init__(self) -> None:
        super().__init__(budget=10**9)
        self.calls: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        self.calls.append(("start", tag, list(attrs)))
        super().handle_starttag(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self.calls.append(("startend", tag, list(attrs)))
        super().handle_startendtag(tag, attrs)

    def handle_endtag(self, tag):
        self.calls.append(("end", tag))
        super().handle_endtag(tag)

    def handle_data(self, data):
        self.calls.append(("data", data))
        super().handle_data(data)


def by_htmlparser(markup: str) -> list[tuple]:
    r = Recorder()
    r.feed(markup)
    r.close()
    return r.calls


def by_fast_path(markup: str) -> list[tuple] | None:
    r = Recorder()
    return r.calls if _feed_simple(r, markup) else None


TEXT = st.lists(st.sampled_from(list("ab <>&;#x1\"'=/ \t\n\r\u00e9\u202e") + ["&amp;", "&lt;", "&#38;", "&nbsp",
                                                                               "&#x27;", "&bogus;"]),
                max_size=12).map("".join)
TAGS = st.sampled_from(["p", "a", "img", "br", "em", "li", "ul", "pre", "script", "style", "div", "td", "title",
                        "P", "x1", "h2"])
NAMES = st.sampled_from(["href", "src", "alt", "width", "data-x", "HREF", "class"])


@st.composite
def tag(draw) -> str:
    name = draw(TAGS)
    kind = draw(st.sampled_from(["start", "end", "self", "odd"]))
    if kind == "end":
        return f"</{name}>"
    attrs = "".join(f' {draw(NAMES)}="{draw(TEXT)}"' for _ in range(draw(st.integers(0, 3))))
    if kind == "odd":
        return draw(st.sampled_from([f"<{name}{attrs}", f"<{name} {attrs}>", f"<{name}{attrs}  />", "<!-- c -->",
                                     "< p>", f"<{name} x>", f"<{name}{attrs}/ >", "<?pi?>", "<!DOCTYPE html>"]))
    return f"<{name}{attrs}{draw(st.sampled_from(['', ' /', '/']))}>"


FRAGMENTS = st.lists(st.one_of(TEXT, tag()), max_size=12).map("".join)


@settings(max_examples=EXAMPLES * 4, deadline=None)
@given(FRAGMENTS)
def test_fast_path_gives_the_htmlparser_calls_or_gives_up(markup):
    fast = by_fast_path(markup)
    if fast is not None:
        assert fast == by_htmlparser(markup)


def test_fast_path_takes_what_feeds_carry():
    markup = ('<p>Council <em>budget</em> &amp; <a href="https://example.com/a?b=1&amp;c=2">more</a></p>\n'
              '<img alt="" src="https://example.com/i.jpg" />\n<p>Second &lt;para&gt;&#233;</p><br/><ul><li>x</li></ul>')
    fast = by_fast_path(markup)
    assert fast is not None and fast == by_htmlparser(markup)
    for refused in ("<p>a<script>x</script></p>", "a < b <c", "<!-- x --><p>", "<P>x</P>", "<p class=x>"):
        assert by_fast_path(refused) is None


def test_html_to_text_is_the_same_either_way(monkeypatch):
    samples = ['<p>One <a href="https://e.com/">two</a></p><p>three&nbsp;four</p>' * 3,
               '<img src="https://e.com/a.png" width="30" height="20" alt="x"><p>t</p>',
               "<ul><li>a</li><li>b</li></ul><pre>  keep   spaces\n here</pre>" + "word " * 500]
    fast = [html_to_text(s, limit=n) for s in samples for n in (10, 300, 5000)]
    monkeypatch.setattr(htmltext, "_feed_simple", lambda collector, markup: False)
    slow = [html_to_text(s, limit=n) for s in samples for n in (10, 300, 5000)]
    assert fast == slow
    assert fast[3][1] is not None and fast[3][1].src == "https://e.com/a.png" and fast[3][1].width == 30
