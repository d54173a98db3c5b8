"""HTML to readable text for the terminal, with trafilatura.

trafilatura finds the main content of a page (dropping navigation, ads,
footers, comment widgets) and gives it back as a small XML tree: ``head``,
``p``, ``list``/``item``, ``quote``, ``table``, ``code``, ``ref`` (links).
This module walks that tree into plain text: headings and paragraphs
separated by blank lines, list items as "• item", quotes as "> …", and every
link of the main content numbered in the text ("link text [3]") and listed
in :attr:`ReadableText.links`, only if it is an http(s) URL that
``check_url`` accepts. Every string is cleaned for the terminal.

When trafilatura finds no main content, its ``baseline`` extraction (article
tags, paragraphs, else the whole body text) is used instead. Input and output
are bounded; nothing here raises on hostile HTML (the result is None instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

from feedreader.core.text import check_url, clean_text

MAX_HTML_CHARS = 5_000_000     # the fetcher's default max_bytes; more is cut
MAX_TEXT_CHARS = 1_000_000
MAX_MAIN_TEXT = 400_000       # chars of page text; more -> baseline extraction only
FAST_MAIN_TEXT = 100_000
MAX_TITLE_CHARS = 300
MAX_LINKS = 500
BULLET = "\u2022"


@dataclass(frozen=True, slots=True)
class ReadableText:
    """The readable form of a page. ``links[i]`` is marked ``[i+1]`` in ``text``."""

    title: str
    text: str
    links: tuple[str, ...]
    url: str


class _Links:
    def __init__(self, base: str) -> None:
        self.base = base
        self.numbers: dict[str, int] = {}

    def number(self, target: str | None) -> int | None:
        if not target:
            return None
        try:
            absolute = urljoin(self.base, target.strip())
        except ValueError:
            return None
        if check_url(absolute) is None:
            return None
        if absolute not in self.numbers:
            if len(self.numbers) >= MAX_LINKS:
                return None
            self.numbers[absolute] = len(self.numbers) + 1
        return self.numbers[absolute]


def _inline(el, links: _Links) -> str:
    """The text of an inline element, links marked with their number."""
    parts = [el.text or ""]
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "lb":
            parts.append("\n")
        elif tag in ("list", "table", "graphic"):
            pass   # block content nested in a paragraph/item is handled by the caller
        else:
            inner = _inline(child, links)
            parts.append(inner)
            if tag == "ref":
                n = links.number(child.get("target"))
                if n is not None and inner.strip():
                    parts.append(f" [{n}]")
        parts.append(child.tail or "")
    return "".join(parts)


def _squash(text: str) -> str:
    """Collapse runs of spaces inside lines (HTML whitespace), keep line breaks."""
    return "\n".join(" ".join(line.split()) for line in text.split("\n")).strip()


def _list_lines(lst, links: _Links, depth: int) -> list[str]:
    """One line (or a few) per item, nested lists indented under their item."""
    lines: list[str] = []
    indent = "  " * depth
    for item in lst:
        if item.tag != "item":
            continue
        text = _squash(_inline(item, links))
        if text:
            lines.append(f"{indent}{BULLET} " + text.replace("\n", "\n" + indent + "  "))
        for sub in item:
            if sub.tag == "list" and depth < 8:
                lines.extend(_list_lines(sub, links, depth + 1))
    return lines


def _table_lines(table, links: _Links) -> list[str]:
    rows = []
    for row in table.iter("row"):
        cells = [_squash(_inline(cell, links)).replace("\n", " ") for cell in row if cell.tag == "cell"]
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


def _blocks(el, links: _Links, out: list[str], depth: int = 0) -> None:
    for child in el:
        if len(out) > 20_000 or depth > 30:
            return
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "list":
            lines = _list_lines(child, links, 0)
            if lines:
                out.append("\n".join(lines))
        elif tag == "table":
            lines = _table_lines(child, links)
            if lines:
                out.append("\n".join(lines))
        elif tag == "quote":
            inner: list[str] = []
            if len(child) and not (child.text or "").strip() and all(
                isinstance(c.tag, str) and c.tag in ("p", "list", "head", "quote") for c in child
            ):
                _blocks(child, links, inner, depth + 1)
            else:
                inner.append(_squash(_inline(child, links)))
            text = "\n\n".join(t for t in inner if t)
            if text:
                out.append("\n".join("> " + line if line else ">" for line in text.split("\n")))
        elif tag == "code":
            text = "".join(child.itertext())
            if text.strip():
                out.append(text.strip("\n"))
        elif tag in ("graphic", ""):
            continue
        elif tag in ("div", "body", "section"):
            _blocks(child, links, out, depth + 1)
        else:   # head, p, and anything unexpected: a paragraph of its text
            text = _squash(_inline(child, links))
            if text:
                out.append(text)
            for sub in child:   # a list or table that sits inside a paragraph
                if sub.tag == "list":
                    lines = _list_lines(sub, links, 0)
                elif sub.tag == "table":
                    lines = _table_lines(sub, links)
                else:
                    continue
                if lines:
                    out.append("\n".join(lines))


def _render(body, base: str, title: str) -> tuple[str, tuple[str, ...]]:
    links = _Links(base)
    blocks: list[str] = []
    _blocks(body, links, blocks)
    # the page's own headline usually opens the body: the title shows it already
    if blocks and title and clean_text(blocks[0]) == title:
        blocks.pop(0)
    text = clean_text("\n\n".join(blocks), multiline=True, limit=MAX_TEXT_CHARS)
    return text, tuple(links.numbers)


_NOISE = ("script", "style", "noscript", "template", "svg", "math", "canvas", "iframe", "object", "embed")


def _title_of(tree) -> str:
    """og:title, else the only <h1>, else <title>: the cheap part of the metadata."""
    candidates = []
    for meta in tree.iterfind(".//meta"):
        if (meta.get("property") or meta.get("name") or "").lower() in ("og:title", "twitter:title"):
            candidates.append(meta.get("content") or "")
            break
    h1 = tree.findall(".//h1")
    if len(h1) == 1:
        candidates.append(h1[0].text_content())
    title = tree.find(".//title")
    if title is not None:
        candidates.append(title.text_content())
    for candidate in candidates:
        cleaned = clean_text(candidate, limit=MAX_TITLE_CHARS)
        if cleaned:
            return cleaned
    return ""


def extract_readable(html: str | bytes, url: str) -> ReadableText | None:
    """The readable text of ``html`` (fetched from ``url``), or None if there is none.

    Cost: trafilatura's main-content search grows faster than linearly with
    the amount of text, so pages with more than :data:`MAX_MAIN_TEXT`
    characters of text go straight to the (linear) baseline extraction, and
    those over :data:`FAST_MAIN_TEXT` skip trafilatura's second opinions.
    Run it off the UI thread all the same; the page cache keeps its result.
    """
    if isinstance(html, bytes):
        from feedreader.core.web.encoding import decode_html

        html = decode_html(html[:MAX_HTML_CHARS])
    html = html[:MAX_HTML_CHARS]
    if not html.strip():
        return None
    base = url if check_url(url) else ""
    try:
        import trafilatura
        from lxml import etree
        from trafilatura.utils import load_html

        tree = load_html(html)
        if tree is None:
            return None
        etree.strip_elements(tree, *_NOISE, with_tail=False)
        title = _title_of(tree)
        size = len(tree.text_content())
    except Exception:   # hostile or broken HTML must never take the reader down
        return None
    text: str = ""
    links: tuple[str, ...] = ()
    if size <= MAX_MAIN_TEXT:
        try:
            doc = trafilatura.bare_extraction(
                tree,
                url=base or None,
                fast=size > FAST_MAIN_TEXT,
                with_metadata=False,
                include_links=True,
                include_tables=True,
                include_comments=False,
                include_formatting=False,
                include_images=False,
            )
            body = getattr(doc, "body", None)
            if body is not None:
                text, links = _render(body, base, title)
        except Exception:
            text, links = "", ()
    if not text:
        try:
            fallback, _, _ = trafilatura.baseline(tree)
            text, links = _render(fallback, base, title)
        except Exception:
            text, links = "", ()
    if not text and not title:
        return None
    return ReadableText(title=title, text=text, links=links, url=clean_text(url, limit=2048))
