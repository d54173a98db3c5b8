"""check_url's one-regex fast path for the common URL (issue 17's cold index)
accepts nothing that url_problem refuses, and check_url gives what it gave
before the fast path: the value when url_problem finds nothing, else None."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedreader.core.text import _COMMON_URL, MAX_URL_LENGTH, check_url, url_problem

EXAMPLES = int(os.environ.get("FEEDREADER_PROPERTY_EXAMPLES", "150")) * 4


def old_check_url(value: object) -> str | None:
    return value if url_problem(value) is None else None  # type: ignore[return-value]


def fast_accepts(value: str) -> bool:
    m = _COMMON_URL.fullmatch(value)
    return m is not None and len(value) <= MAX_URL_LENGTH and len(m.group(1)) <= 253


LABEL = st.text("abcXYZ019-_", min_size=0, max_size=70)
HOSTS = st.one_of(
    st.lists(LABEL, min_size=1, max_size=5).map(".".join),
    st.sampled_from(["example.com", "a.b", "1.2.3.4", "0x7f.1", "x.0x1f", "a.1b", "xn--bcher-kva.example",
                     "ex_ample.com", "-a.com", "a-.com", "a..b", "a.b.", ".a.b", "EXAMPLE.COM", "[::1]",
                     "é.com", "a.ç", "localhost", "a" * 64 + ".com", ".".join(["a" * 63] * 4) + ".ab"]),
)
TAILS = st.text(st.sampled_from(list("/?#:@ \\\t\x00\x7f\u202eaZ09.-_~%&=+é\u00a0\n")), max_size=12)
SCHEMES = st.sampled_from(["http://", "https://", "HTTP://", "http:/", "ftp://", "javascript://", "https:///", ""])
PORTS = st.sampled_from(["", ":80", ":", ":0", ":65536", ":x", "@", "user@"])


@settings(max_examples=EXAMPLES, deadline=None)
@given(SCHEMES, PORTS, HOSTS, PORTS, TAILS)
def test_the_fast_path_accepts_only_what_url_problem_accepts(scheme, before, host, port, tail) -> None:
    value = scheme + before + host + port + tail
    if fast_accepts(value):
        assert url_problem(value) is None, value
    assert check_url(value) == old_check_url(value), value


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.text(max_size=40))
def test_any_text_after_a_common_prefix(tail: str) -> None:
    for value in ("https://example.com/" + tail, "http://a.b" + tail, "https://" + tail):
        assert check_url(value) == old_check_url(value), value


@pytest.mark.parametrize("value", [
    "https://example.com/a?b=c#d",
    "http://a.b",
    "https://copperfield.example.net/2020/01/07/x-63969/",
    "https://" + ".".join(["a" * 63] * 4) + ".com/",      # host over 253 characters
    "https://example.com/" + "a" * MAX_URL_LENGTH,       # too long
    "https://1.2.3.4/",                                  # an address (the slow path)
    "https://example.com:443/",                          # a port (the slow path)
    "https://example.com/a b",
    "https://example.com/a\\b",
    "https://example.com/\u202e",
    "https://user@example.com/",
    "https://exa_mple.com/", "https://-a.com/", "https://a-.com/", "https://a..com/",
    "https://example.1com/", "https://example.com./",
])
def test_corners(value: str) -> None:
    assert check_url(value) == old_check_url(value)


def test_the_fast_path_is_taken_for_the_common_shape() -> None:
    assert fast_accepts("https://copperfield.example.net/2020/01/07/battery-makers-63969/")
    assert fast_accepts("http://img.example.net/a_1200x675.jpg?x=1&y=%20#top")
    assert not fast_accepts("https://1.2.3.4/") and not fast_accepts("https://example.com:8080/")


@settings(max_examples=EXAMPLES, deadline=None)
@given(SCHEMES, PORTS, HOSTS, PORTS, TAILS)
def test_canonical_url_fast_path_is_the_full_one(scheme, user, host, port, tail) -> None:
    from feedreader.core.text import _CANONICAL, _canonical_url, canonical_url

    url = scheme + (user if "@" in user else "") + host + (port if "@" not in port else "") + tail
    assert canonical_url(url) == _canonical_url(url)
    if _CANONICAL.fullmatch(url) is not None:
        assert _canonical_url(url) == url


@pytest.mark.parametrize("url", [
    "https://a.example.com/x?q=1", "http://a.b/", "https://a.b", "https://A.b/", "https://a.b:443/",
    "https://u@a.b/", "https://a.b/x#f", "https://a.b?x", "https:///x", "https://a.b/\n#", "HTTPS://a.b/",
])
def test_canonical_url_examples_agree(url: str) -> None:
    from feedreader.core.text import _canonical_url, canonical_url

    assert canonical_url(url) == _canonical_url(url)
