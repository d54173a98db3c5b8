"""The lxml fast path (fastfeed.read_simple) gives exactly what feedparser gives, or gives up."""

from __future__ import annotations

import random
from datetime import datetime, timezone
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from feedreader.core.feeds import parse as P
from feedreader.core.feeds.fastfeed import read_simple

DATA = Path(__file__).resolve().parents[2] / "data" / "feeds"
NOW = datetime(2030, 1, 1, tzinfo=timezone.utc)
URL = "https://news.example.com/feeds/main.xml"


def both(data: bytes, url: str = URL, content_type: str | None = None) -> bool:
    """True when the fast path read it (and agreed with feedparser); False when it gave up."""
    simple = read_simple(data, url, content_type)
    if simple is None:
        return False
    fast = P._build(*simple, data, url, NOW, P.Problems())
    slow = P._parse_with_feedparser(data, url, content_type, NOW)
    assert fast == slow
    return True


@pytest.mark.parametrize("path", sorted(p for p in DATA.iterdir() if p.suffix in (".xml", ".json", ".html")),
                         ids=lambda p: p.name)
def test_sample_feeds(path: Path) -> None:
    data = path.read_bytes()
    try:
        P._parse_with_feedparser(data, URL, None, NOW)
    except P.FeedParseError:
        assert read_simple(data, URL, None) is None or both(data)
        return
    both(data)


def test_the_plain_rss_samples_take_the_fast_path() -> None:
    assert both((DATA / "rss2.xml").read_bytes())
    assert not both((DATA / "billion_laughs.xml").read_bytes())
    assert not both((DATA / "xxe.xml").read_bytes())


WORDS = "alpha beta gamma delta café naïve “quoted” R&D 5<6 x>y don't Ã©t".split()
HTML = [
    "<p>{w} <a href=\"https://example.org/{w2}?a=1&amp;b=2\">more</a></p>",
    "<p>{w}</p>\n<p><em>{w2}</em> &amp; &lt;tag&gt; &#8217; &quot;q&quot;</p>",
    "<img src=\"/img/{n}.jpg\" width=\"{n}\" height=\"20\" alt=\"\"><p>{w}</p>",
    "<p>{w}<br>{w2}</p><script>alert(1)</script>",
    "<a href=\"relative/{n}\">rel</a> <a href=\"javascript:alert(1)\">js</a>",
    "<ul><li>{w}</li><li>{w2}</li></ul><h2>{w}</h2><b>b</b><i>i</i><code>c</code>",
    "{w} plain text",
    "<p onclick=\"x()\" style=\"color:red\">{w}</p><iframe src=\"https://e.org/\"></iframe>",
    "<a href=\"https://e.org/a/../b\">dots</a><a href=\"HTTPS://E.org/\">caps</a>",
    "&lt;p&gt;double &amp;amp; escaped&lt;/p&gt;",
    "<p>{w}</p>\n<img src=\"https://e.org/img/{n}.jpg\" alt=\"\">\n<p>{w2}</p>",
    "<img width=\"{n}\" src=\"https://e.org/i.png?a=1&amp;b={n}\" title=\"A, b: (c)!\" height=\"9\"/>{w}",
    "<img src=\"https://e.org/{n}.jpg\" alt=\"it&#39;s\" /><img src=\"https://e.org/x y.jpg\">",
    "<img src=\"https://e.org/{n}.jpg\" src=\"https://e.org/2.jpg\"><img alt=\"x\"><img src=\"HTTPS://e.org/\">",
    "<img src=\"https://e.org/{n}.jpg\" class=\"c\"> <img src=\"https://e.org/a/../b.jpg\" alt=\"{w}\">",
]
DATES = ["Mon, 06 Sep 2021 16:45:00 GMT", "2021-09-06T16:45:00Z", "Tue, 31 Feb 2021 10:00:00 +0200", "yesterday",
         "", "Sat, 01 Jan 2050 00:00:00 GMT", "06 Sep 2021 16:45 EST", "Mon, 6 Sep 21 16:45:00 +0100"]


def _text(rng: random.Random, cdata: bool) -> str:
    w, w2, n = rng.choice(WORDS), rng.choice(WORDS), rng.randint(1, 500)
    html = rng.choice(HTML).format(w=w, w2=w2, n=n)
    if cdata and "]]>" not in html:
        return f"<![CDATA[{html}]]>"
    return escape(html)


def make_feed(seed: int) -> bytes:
    rng = random.Random(seed)
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/" '
           'xmlns:atom="http://www.w3.org/2005/Atom"><channel>']
    out.append(f"<title>{escape(rng.choice(['Feed & Co', 'A <b>bold</b> feed', 'Caf&#233;', ' spaced ']))}</title>")
    if rng.random() < 0.8:
        out.append(f"<link>{rng.choice(['https://news.example.com/', '/home', 'https://e.org/?a=1&amp;b=2'])}</link>")
    if rng.random() < 0.3:
        out.append(f"<ttl>{rng.choice(['60', 'x', ' 15 '])}</ttl>")
    if rng.random() < 0.3:
        out.append('<atom:link href="https://news.example.com/feed" rel="self" type="application/rss+xml"/>')
    if rng.random() < 0.2:
        out.append("<image><url>https://e.org/i.png</url><title>img</title><link>https://e.org/</link></image>")
    out.append("<description>about</description><language>en</language>")
    for i in range(rng.randint(0, 12)):
        parts = []
        fields = ["title", "link", "guid", "pubDate", "author", "description", "category", "category",
                  "content", "enclosure", "media", "thumb", "creator", "comments"]
        rng.shuffle(fields)
        for f in fields[: rng.randint(0, len(fields))]:
            if f == "title":
                parts.append(f"<title>{_text(rng, rng.random() < 0.3) if rng.random() < 0.3 else escape(rng.choice(WORDS))}</title>")
            elif f == "link":
                parts.append(f"<link>{escape(rng.choice(['https://e.org/p/%d' % i, 'p/%d' % i, 'tag:x,1:%d' % i, '']))}</link>")
            elif f == "guid":
                attr = rng.choice(["", ' isPermaLink="false"', ' isPermaLink="true"'])
                parts.append(f"<guid{attr}>{rng.choice(['g%d' % (i % 5), 'https://e.org/g/%d' % i, '/rel/%d' % i])}</guid>")
            elif f == "pubDate":
                parts.append(f"<pubDate>{rng.choice(DATES)}</pubDate>")
            elif f == "author":
                parts.append(f"<author>{rng.choice(['a@e.org (Ann)', 'Bob', ''])}</author>")
            elif f == "creator":
                parts.append(f"<dc:creator>{rng.choice(['Cy', ''])}</dc:creator>")
            elif f == "description":
                parts.append(f"<description>{_text(rng, rng.random() < 0.5)}</description>")
            elif f == "content":
                parts.append(f"<content:encoded>{_text(rng, rng.random() < 0.5)}</content:encoded>")
            elif f == "category":
                dom = rng.choice(["", ' domain="https://e.org/c"'])
                parts.append(f"<category{dom}>{escape(rng.choice(WORDS + ['']))}</category>")
            elif f == "enclosure":
                parts.append(f'<enclosure url="{rng.choice(["https://e.org/a.jpg", "/b.png", "https://e.org/a.mp3"])}" '
                             f'length="1" type="{rng.choice(["image/jpeg", "Image/PNG", "audio/mpeg"])}"/>')
            elif f == "media":
                ext = rng.choice(["jpg", "mp4"])
                extra = rng.choice(["", 'medium="image"', 'type="video/mp4"'])
                parts.append(f'<media:content url="https://e.org/m{i}.{ext}" {extra} width="{rng.randint(1, 900)}"/>')
            elif f == "thumb":
                parts.append(f'<media:thumbnail url="https://e.org/t{i}.jpg" width="120" height="90"/>')
            elif f == "comments":
                parts.append("<comments>https://e.org/c</comments>")
        out.append("<item>" + "".join(parts) + "</item>")
    out.append("</channel></rss>")
    return "\n".join(out).encode("utf-8")


def test_generated_feeds_agree_with_feedparser() -> None:
    fast = sum(both(make_feed(seed), URL, "application/rss+xml; charset=utf-8") for seed in range(300))
    assert fast >= 50   # the mix is hostile on purpose; a good share still takes the fast path


def test_the_benchmark_feeds_take_the_fast_path() -> None:
    import importlib.util
    import sys

    bench = Path(__file__).resolve().parents[3] / "benchmarks"
    sys.path.insert(0, str(bench))
    try:
        spec = importlib.util.spec_from_file_location("bench_refresh_for_test", bench / "bench_refresh.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(bench))
    for i in range(3):
        body, _newest = module.make_feed(i, 20, NOW.timestamp(), 1)
        assert both(body, f"http://127.0.0.2:8000/feeds/{i}.xml", "application/rss+xml; charset=utf-8")


@pytest.mark.parametrize("mutation", [
    lambda b: b.replace(b'<?xml version="1.0" encoding="utf-8"?>', b'<?xml version="1.0" encoding="iso-8859-1"?>'),
    lambda b: b"\xef\xbb\xbf" + b,
    lambda b: b.replace(b"<channel>", b'<channel xml:base="https://other.example/">'),
    lambda b: b.replace(b"</channel>", b"<item><title>a<!-- c -->b</title></item></channel>"),
    lambda b: b.replace(b"</channel>", b"<item><itunes:summary xmlns:itunes='x'>s</itunes:summary></item></channel>"),
    lambda b: b.replace(b"</channel>", b"<item><title>a</title><title>b</title></item></channel>"),
    lambda b: b.replace(b'version="2.0"', b'version="0.91"'),
    lambda b: b.replace(b"</channel>", b"<item><title>broken</channel>"),
])
def test_gives_up_outside_what_it_knows(mutation) -> None:
    data = mutation(make_feed(7))
    assert read_simple(data, URL, None) is None


def test_plain_images_need_no_sanitizer() -> None:
    from feedreader.core.feeds.fastfeed import _Reader

    reader = _Reader(URL)
    assert reader._simple_html('<p>a</p><img src="https://e.org/a.jpg?x=1&amp;y=2" alt="A b" width="3">') == (
        '<p>a</p><img alt="A b" src="https://e.org/a.jpg?x=1&amp;y=2" width="3" />')
    assert reader._simple_html('<img src="/rel.jpg">') is None
    assert reader._simple_html('<img src="https://e.org/a.jpg" onerror="x()">') is None
