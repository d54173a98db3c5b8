"""Feed markup -> plain text (and the first image), for the terminal.

Feed titles, summaries and contents arrive as HTML fragments. They are turned
into text here: tags dropped, entities decoded, the contents of ``script``,
``style`` and the like left out, block elements turned into line breaks, and
the result passed through :func:`feedreader.core.text.clean_text`. The first
``<img>`` is noted on the way (a lead image for an entry that has no other).

The stdlib :class:`html.parser.HTMLParser` is used: it never fetches
anything, never resolves external entities and copes with any broken markup.
The input is cut to a bounded size first, so the work per field is bounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser

from feedreader.core.text import clean_text

__all__ = ["FoundImage", "html_to_text", "markup_line_and_image", "markup_to_line", "text_to_line"]

# Markup is cut to this many times the wanted text length before parsing (tags
# and attributes take room); the cut never reaches the terminal unmarked,
# because clean_text caps the text and marks its cut with "…".
_INPUT_FACTOR = 8
_MIN_INPUT = 20_000

# Elements whose content is not text a reader wants.
_SKIP = frozenset({"script", "style", "template", "noscript", "head", "title", "svg", "math",
                   "iframe", "object", "embed", "select", "textarea", "button"})
# Elements that start and end a paragraph-like block.
_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "dd", "details", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary",
    "table", "tbody", "thead", "tfoot", "tr", "ul",
})
_LINE = frozenset({"br"})
_CELL = frozenset({"td", "th"})
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                   "meta", "param", "source", "track", "wbr"})

# Markup in a field that claims to be plain text: a tag of a common HTML
# element, or an entity reference (left over from double escaping). A bare
# "<" ("5 < 6", "Vector<int>") is not markup.
_MARKUP_HINT = re.compile(
    r"</?(?:a|abbr|b|big|blockquote|br|cite|code|del|div|em|embed|font|h[1-6]|i|iframe|img|ins|"
    r"kbd|li|mark|object|ol|p|pre|q|s|script|small|span|strike|strong|style|sub|sup|svg|u|ul)"
    r"(?:\s[^<>]*)?/?>"
    r"|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});",
    re.I,
)
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_DIMENSION = re.compile(r"\s*([0-9]{1,6})(?:px)?\s*\Z")
_MAX_DIMENSION = 100_000


@dataclass(frozen=True, slots=True)
class FoundImage:
    """The first ``<img>`` of a fragment: its ``src`` as written (unchecked)."""

    src: str
    width: int | None
    height: int | None


def dimension(value: object) -> int | None:
    """A width/height attribute as a positive int, or None (strict: digits only)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= _MAX_DIMENSION else None
    if not isinstance(value, str):
        return None
    m = _DIMENSION.match(value)
    if m is None:
        return None
    number = int(m.group(1))
    return number if 0 < number <= _MAX_DIMENSION else None


class _TextCollector(HTMLParser):
    """``single``: the text will be one line, so a block or a line break is
    written as one space ("\\n\\n" or "\\n" otherwise; the budget counts them
    as those) and no space follows a space: ``clean_text`` turns every run
    of blanks into one space anyway, and on printable text without two
    spaces in a row it has nothing to do (``tests/core/feeds/test_htmltext_line.py``)."""

    def __init__(self, budget: int, single: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.size = 0
        self.budget = budget
        self.single = single
        self.trail = False   # (single) the text so far ends with a space
        self.block = " " if single else "\n\n"
        self.line = " " if single else "\n"
        self.skip_depth = 0
        self.pre_depth = 0
        self.image: FoundImage | None = None

    # -- structure

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            if tag not in _VOID:
                self.skip_depth += 1
            return
        if tag == "img":
            self._note_image(attrs)
            return
        if self.skip_depth:
            return
        if tag in _BLOCK:
            self._emit(self.block, 2)
            if tag == "pre":
                self.pre_depth += 1
            elif tag == "li":
                self._emit("• ")
        elif tag in _LINE:
            self._emit(self.line, 1)
        elif tag in _CELL:
            self._emit(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/>, <img/>: a void element; never opens a skipped region
        if tag == "img":
            self._note_image(attrs)
        elif not self.skip_depth and tag in _LINE:
            self._emit(self.line, 1)
        elif not self.skip_depth and tag in _BLOCK:
            self._emit(self.block, 2)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            if self.skip_depth:
                self.skip_depth -= 1
            return
        if self.skip_depth:
            return
        if tag in _BLOCK:
            if tag == "pre" and self.pre_depth:
                self.pre_depth -= 1
            self._emit(self.block, 2)

    def handle_data(self, data: str) -> None:
        if self.skip_depth or not data:
            return
        if not self.pre_depth and (not data.isprintable() or "  " in data):
            data = _SPACES.sub(" ", data)   # (printable, no "  ": its only blanks are single spaces already)
        self._emit(data)

    # -- helpers

    def _emit(self, text: str, size: int = -1) -> None:
        """Add ``text`` (``size``: the length the budget counts, default its
        own) while under budget; on a single line, without the spaces that
        would follow a space (so that clean_text has no blank runs to find)."""
        if self.size < self.budget:
            self.size += len(text) if size < 0 else size
            if self.single:
                if self.trail and text[:1] == " ":
                    text = text.lstrip(" ")
                    if not text:
                        return
                self.trail = text[-1:] == " "
            self.parts.append(text)

    def _note_image(self, attrs: list[tuple[str, str | None]]) -> None:
        if self.image is not None:
            return
        found = dict(attrs)
        src = found.get("src")
        if src and src.strip():
            self.image = FoundImage(
                src=src.strip(),
                width=dimension(found.get("width")),
                height=dimension(found.get("height")),
            )


# The fast path (``_feed_simple``): the tags that HTMLParser would read exactly
# like this: lowercase names, attributes (lowercase names, double-quoted values
# without < > ") separated by one space, an optional " /" or "/" before ">".
_START_TAG = re.compile(r'<([a-z][a-z0-9]{0,15})((?: [a-z][a-z-]{0,15}="[^"<>]*")*)( ?/)?>')
_END_TAG = re.compile(r"</([a-z][a-z0-9]{0,15})>")
_ATTR = re.compile(r' ([a-z][a-z-]*)="([^"<>]*)"')
_CDATA_TAGS = frozenset(HTMLParser.CDATA_CONTENT_ELEMENTS)


def _feed_simple(collector: _TextCollector, markup: str) -> bool:
    """Call ``collector``'s handlers as ``HTMLParser.feed(markup); close()``
    would, for markup made only of text (entities allowed) and the plain tags
    above; False (nothing called) for anything else. About 5x quicker than
    HTMLParser on the paragraphs, links and images feeds carry;
    ``tests/core/feeds/test_htmltext.py`` checks it gives the same calls."""
    calls: list[tuple[int, str, list[tuple[str, str | None]]]] = []
    pos, end = 0, len(markup)
    find, start_tag, end_tag = markup.find, _START_TAG.match, _END_TAG.match
    while pos < end:
        lt = find("<", pos)
        if lt < 0:
            lt = end
        if lt > pos:
            calls.append((0, unescape(markup[pos:lt]), []))
        if lt == end:
            break
        m = start_tag(markup, lt)
        if m is not None:
            tag = m.group(1)
            if tag in _CDATA_TAGS:
                return False
            attrs: list[tuple[str, str | None]] = [
                (name, unescape(value) if value else value) for name, value in _ATTR.findall(m.group(2))]
            calls.append((2 if m.group(3) else 1, tag, attrs))
        else:
            m = end_tag(markup, lt)
            if m is None:
                return False
            calls.append((3, m.group(1), []))
        pos = m.end()
    for kind, value, attrs in calls:
        if kind == 0:
            collector.handle_data(value)
        elif kind == 1:
            collector.handle_starttag(value, attrs)
        elif kind == 2:
            collector.handle_startendtag(value, attrs)
        else:
            collector.handle_endtag(value)
    return True


def _collect(markup: str, limit: int, single: bool = False) -> _TextCollector:
    cut = max(_MIN_INPUT, limit * _INPUT_FACTOR)
    if len(markup) > cut:
        markup = markup[:cut]
    collector = _TextCollector(budget=limit + 1, single=single)
    if _feed_simple(collector, markup):
        return collector
    try:
        collector.feed(markup)
        collector.close()
    except (AssertionError, ValueError):  # pragma: no cover - HTMLParser is lenient
        pass
    return collector


def _tidy_lines(raw: str) -> str:
    """Strip each line; runs of blank lines become one blank line."""
    lines = [line.strip(" ") for line in raw.split("\n")]
    out: list[str] = []
    blank = False
    for line in lines:
        if not line:
            blank = bool(out)
            continue
        if blank:
            out.append("")
            blank = False
        out.append(line)
    return "\n".join(out)


def html_to_text(markup: str, *, limit: int, multiline: bool = True) -> tuple[str, FoundImage | None]:
    """Plain, cleaned text of an HTML fragment, and its first ``<img>``.

    Multi-line: paragraphs are separated by a blank line, ``<br>`` gives a
    line break, list items start with "• ". Single-line: all of it on one
    line. At most ``limit`` characters (a cut ends with "…").
    """
    if "<" not in markup and "&" not in markup:
        return clean_text(markup, multiline=multiline, limit=limit), None
    collector = _collect(markup, limit, single=not multiline)
    raw = "".join(collector.parts)
    if multiline:
        raw = _tidy_lines(raw)
    return clean_text(raw, multiline=multiline, limit=limit), collector.image


def markup_line_and_image(markup: str, *, limit: int, image_limit: int) -> tuple[str, FoundImage | None]:
    """``(markup_to_line(markup, limit=limit), html_to_text(markup, limit=image_limit)[1])``
    with one parse when both read all of ``markup`` (the image does not depend on the limit)."""
    if len(markup) <= max(_MIN_INPUT, min(limit, image_limit) * _INPUT_FACTOR):
        return html_to_text(markup, limit=limit, multiline=False)
    return markup_to_line(markup, limit=limit), html_to_text(markup, limit=image_limit)[1]


def markup_to_line(markup: str, *, limit: int) -> str:
    """An HTML fragment as one cleaned line of text (titles, summaries)."""
    return html_to_text(markup, limit=limit, multiline=False)[0]


def text_to_line(value: str, *, limit: int) -> str:
    """A field that should be plain text, as one cleaned line; markup is
    stripped only when the value visibly holds some (see ``_MARKUP_HINT``)."""
    if _MARKUP_HINT.search(value[: limit * _INPUT_FACTOR]):
        return markup_to_line(value, limit=limit)
    return clean_text(value, limit=limit)
