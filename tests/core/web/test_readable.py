"""HTML -> readable terminal text (trafilatura + our rendering and cleaning)."""

from __future__ import annotations

import pytest

from feedreader.core.web import readable
from feedreader.core.web.encoding import decode_html
from feedreader.core.web.readable import ReadableText, extract_readable
from feedreader.core.text import is_clean

FILLER = "It has enough ordinary words in it to be taken for the body of an article by the extractor."


def page(body: str, head: str = "<title>Page title</title>") -> str:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"


ARTICLE = page(
    f"""<header><nav><a href="/">Home</a><a href="/world">World</a><a href="/login">Log in</a></nav></header>
    <main><article>
      <h1>Rivers rise after storm</h1>
      <p>Water levels rose overnight, said <a href="https://agency.example/report">the agency</a>. {FILLER}</p>
      <h2>What to expect</h2>
      <p>Forecasts call for more rain, see <a href="/forecast?day=2">the forecast</a>
         and <a href="javascript:alert(1)">this</a> and <a href="mailto:desk@example.com">mail us</a>. {FILLER}</p>
      <ul><li>Stay away from banks</li><li>Check <a href="https://agency.example/report">alerts</a></li></ul>
      <blockquote><p>We have not seen this since 1998. {FILLER}</p></blockquote>
      <p>Last paragraph. {FILLER}</p>
    </article></main>
    <aside class="related"><a href="/x">Related story one</a><a href="/y">Related story two</a></aside>
    <footer>© News Corp. All rights reserved. Cookie settings.</footer>""",
    head='<title>Rivers rise | The Paper</title><meta property="og:title" content="Rivers rise after storm">',
)


def test_structure_title_paragraphs_lists_quotes():
    r = extract_readable(ARTICLE, "https://paper.example/news/rivers")
    assert isinstance(r, ReadableText)
    assert r.title == "Rivers rise after storm"
    assert r.url == "https://paper.example/news/rivers"
    blocks = r.text.split("\n\n")
    assert blocks[0].startswith("Water levels rose overnight")      # the headline is not repeated
    assert "What to expect" in blocks
    assert "• Stay away from banks\n• Check alerts [1]" in r.text
    assert "> We have not seen this since 1998." in r.text
    assert blocks[-1].startswith("Last paragraph.")
    # boilerplate is gone
    for noise in ("Log in", "Related story", "rights reserved", "Cookie"):
        assert noise not in r.text


def test_links_are_numbered_checked_and_absolute():
    r = extract_readable(ARTICLE, "https://paper.example/news/rivers")
    assert r.links == ("https://agency.example/report", "https://paper.example/forecast?day=2")
    assert "the agency [1]" in r.text
    assert "the forecast [2]" in r.text
    assert "alerts [1]" in r.text                    # the same link keeps its number
    assert "this" in r.text and "this [" not in r.text          # javascript: dropped
    assert "mail us" in r.text and "mail us [" not in r.text    # mailto: dropped


def test_hostile_text_is_cleaned_and_markup_is_left_literal():
    body = (
        "<article><h1>Title \u202eevil\u202c</h1>"
        f"<p>Escape \x1b[2J\x1b]0;title\x07 here and [bold red]markup[/] and \u200bzero width. {FILLER}</p>"
        f"<p>Second \x9b31m paragraph \u2066isolate\u2069. {FILLER}</p></article>"
    )
    r = extract_readable(page(body), "https://a.example/")
    assert r is not None
    for value in (r.title, r.text):
        assert is_clean(value, multiline=True), repr(value)
        assert "\x1b" not in value and "\u202e" not in value
    assert "[bold red]markup[/]" in r.text            # shown as written, never interpreted
    # (lxml already drops the ESC byte itself, leaving harmless "[2J" litter)
    assert "zero width" in r.text and "isolate" in r.text and r.title == "Title evil"


def test_link_with_a_bad_url_is_not_listed():
    body = (
        f'<article><p>A <a href="http://user:pw@host.example/">userinfo</a> link, '
        f'a <a href="https://ok.example/a%20b">good</a> one, '
        f'a <a href="https://bad host.example/">spaced</a> one. {FILLER}</p>'
        f"<p>{FILLER} {FILLER}</p></article>"
    )
    r = extract_readable(page(body), "https://a.example/")
    assert r.links == ("https://ok.example/a%20b",)


def test_fallback_when_no_main_content_is_found():
    # a bare page with a single short line: trafilatura's main extraction gives up
    r = extract_readable(page("<div><span>Only this line.</span></div>"), "https://a.example/")
    assert r is not None
    assert "Only this line." in r.text


@pytest.mark.parametrize("html", ["", "   ", "\x00\x01\x02", "<<<>>>", "<html></html>", "<p>" * 5000])
def test_nothing_readable_gives_none_never_an_exception(html):
    r = extract_readable(html, "https://a.example/")
    assert r is None or (isinstance(r, ReadableText) and is_clean(r.text, multiline=True))


def test_bytes_input_uses_the_declared_charset():
    html = page(f"<article><p>Caf\u00e9 cr\u00e8me. {FILLER}</p><p>{FILLER}</p></article>",
                head='<meta charset="iso-8859-1"><title>T</title>').encode("iso-8859-1")
    r = extract_readable(html, "https://a.example/")
    assert "Café crème." in r.text


def test_decode_html_order_of_preference():
    assert decode_html("é".encode("utf-8")) == "é"
    assert decode_html("é".encode("cp1252")) == "é"                         # not UTF-8: cp1252
    assert decode_html("é".encode("latin-1"), "text/html; charset=latin-1") == "é"
    assert decode_html(b"\xef\xbb\xbf\xc3\xa9") == "é"                        # BOM wins
    # a charset that is not a text encoding is ignored, not obeyed
    assert decode_html("é".encode("utf-8"), "text/html; charset=rot13") == "é"
    assert decode_html("é".encode("utf-8"), "text/html; charset=zlib") == "é"


def test_big_pages_are_bounded(monkeypatch):
    monkeypatch.setattr(readable, "MAX_MAIN_TEXT", 20_000)
    monkeypatch.setattr(readable, "MAX_TEXT_CHARS", 30_000)
    paragraphs = "".join(f"<p>Paragraph {i}. {FILLER}</p>" for i in range(2000))
    r = extract_readable(page(f"<article>{paragraphs}</article>"), "https://a.example/")
    assert r is not None
    assert "Paragraph 0." in r.text
    assert len(r.text) <= 30_000
    assert r.text.endswith("\u2026")                  # the cut is marked


def test_input_is_capped_before_parsing(monkeypatch):
    monkeypatch.setattr(readable, "MAX_HTML_CHARS", 5_000)
    head = f"<html><body><article><p>Start. {FILLER}</p><p>{FILLER}</p>"
    html = head + "<p>" + "filler " * 10_000 + "</p><p>TAIL MARKER</p></article></body></html>"
    r = extract_readable(html, "https://a.example/")
    assert r is not None and "Start." in r.text
    assert "TAIL MARKER" not in r.text
