"""UNCHANGED_BY_URLJOIN accepts only URLs that urljoin gives back unchanged.

The feed parsers skip urljoin (urllib's, and feedparser's ``_urljoin``)
for URLs this pattern accepts; each accepted URL must come back from both
unchanged against every base, and ``resolve_url`` and the fast path's
``_absolute`` must answer as they do without the shortcut.
"""

from __future__ import annotations

from urllib.parse import urljoin

from feedparser.urls import _urljoin
from hypothesis import example, given, settings
from hypothesis import strategies as st

from feedreader.core.feeds import entries as E
from feedreader.core.feeds.entries import UNCHANGED_BY_URLJOIN, resolve_url
from feedreader.core.feeds.fastfeed import _Reader
from tests.helpers.examples import EXAMPLES

BASES = ["https://news.example.com/feeds/main.xml", "http://127.0.0.5:8080/a/b/feed?x=1#top",
         "https://example.org", "http://example.org/dir/", "ftp://example.org/x", "https://h/a;p?q#f"]
# characters that matter to urlsplit, and a few that do not
PIECES = st.sampled_from(["/", "?", "#", ";", ":", "@", "[", "]", "%", "&", "=", ".", "..", "//", " ", "\t", "\n",
                          "\x00", "\x7f", "é", "\u3000", "a", "B", "0", "-", "_", "~", "\\", "'", '"', "<", ">",
                          "!", "$", "(", ")", "*", "+", ",", "|", "^", "`", "{", "}", "&amp;"])
URLS = st.builds(lambda scheme, rest: scheme + "".join(rest),
                 st.sampled_from(["http://", "https://", "HTTP://", "http:/", "http:", "https:///", "ftp://", ""]),
                 st.lists(PIECES, max_size=14))


def _slow_resolve(value: str, base: str) -> tuple[str | None, str | None]:
    value = value.strip()
    if not value:
        return None, None
    if base and E.check_url(base):
        try:
            value = urljoin(base, value)
        except ValueError:
            return None, "it cannot be resolved against the feed address"
    checked = E.check_url(value)
    return (checked, None) if checked is not None else (None, E.url_problem(value))


@settings(max_examples=EXAMPLES * 4, deadline=None)
@given(URLS, st.sampled_from(BASES))
@example("http://a/b?#c", BASES[0])
@example("http://a/b;x", BASES[0])
@example("http://[::1/x", BASES[1])
@example("https://a?", BASES[1])
@example("http://é.example/", BASES[0])
def test_accepted_urls_come_back_from_urljoin_unchanged(url: str, base: str) -> None:
    if UNCHANGED_BY_URLJOIN.fullmatch(url):
        assert urljoin(base, url) == url
        assert _urljoin(base, url) == url
    assert resolve_url(url, base) == _slow_resolve(url, base)


@settings(max_examples=EXAMPLES * 2, deadline=None)
@given(URLS, st.sampled_from([b for b in BASES if b.startswith("http")]))
def test_the_fast_paths_absolute_check_is_feedparsers(url: str, base: str) -> None:
    reader = _Reader(base)
    plain = url.replace("&amp;", "&")
    assert reader._absolute(url) == (_urljoin(reader.base, plain) == plain)
    assert reader._join(url) == _urljoin(reader.base, url)


def test_the_common_urls_are_accepted() -> None:
    for url in ("https://news.example.com/bench/f1/e2", "http://127.0.0.2:8000/feeds/1.xml?a=b&c=d#frag",
                "https://example.org/img/1-2.jpg"):
        assert UNCHANGED_BY_URLJOIN.fullmatch(url)
    for url in ("https://a.org/x;y", "https://a.org/x?", "https://a.org/x#", "https:///a.org", "https://a.org/ x",
                "https://[::1]/", "https://é.org/", "HTTPS://a.org/", "/relative", "javascript:alert(1)"):
        assert not UNCHANGED_BY_URLJOIN.fullmatch(url)
