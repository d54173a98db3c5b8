"""clean_text, check_url, url_problem, canonical_url."""

from __future__ import annotations

import pytest

from feedreader.core.text import (
    ELLIPSIS,
    canonical_url,
    check_url,
    clean_text,
    is_clean,
    url_problem,
)

# ---------------------------------------------------------------- clean_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Plain title", "Plain title"),
        ("  padded  ", "padded"),
        ("a \t b\n\nc", "a b c"),
        ("\x1b]0;pwned\x07Real title", "Real title"),  # OSC window title, BEL
        ("\x1b]0;pwned\x1b\\Real", "Real"),  # OSC with ST
        ("\x1b]52;c;cm0gLXJmIH4=\x07clip", "clip"),  # OSC 52 clipboard
        ("\x1b[31mred\x1b[0m", "red"),  # SGR
        ("\x1b[2J\x1b[Hclear", "clear"),
        ("\x1bPq#0;2;0;0;0\x1b\\dcs", "dcs"),  # DCS sixel
        ("a\x1bcb", "ab"),  # RIS (two-byte ESC sequence)
        ("a\x9b31mb", "a31mb"),  # 8-bit CSI: the introducer goes, the rest is inert
        ("a\x9d0;t\x9cb", "a0;tb"),  # 8-bit OSC
        ("a\x85b", "a b"),  # NEL is a line break
        ("a\x80\x9fb", "ab"),  # C1
        ("a\x7fb", "ab"),  # DEL
        ("a\x00\x01\x08b", "ab"),  # C0
        ("\u202eevil\u202c", "evil"),  # bidi override
        ("a\u2066b\u2069c\u200e\u200f\u061c", "abc"),  # isolates, marks
        ("zero\u200bwidth\u200c\u200d\u2060\ufeff", "zerowidth"),
        ("line\u2028sep\u2029par", "line sep par"),
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),
        ("pair \ud83d\ude00", "pair \U0001f600"),
        ("[bold]markup[/] stays", "[bold]markup[/] stays"),
        ("café – naïve 漢字", "café – naïve 漢字"),
        ("a\u00a0\u00a0b", "a b"),  # NBSP runs collapse like spaces
    ],
)
def test_clean_text_single_line(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_clean_text_multiline_keeps_newlines_and_tabs() -> None:
    raw = "first\r\nsecond\tcol  \rthird\u2028fourth\n\n\n\n\nlast\x1b[1m"
    assert clean_text(raw, multiline=True) == "first\nsecond\tcol\nthird\nfourth\n\nlast"


def test_clean_text_limit_marks_the_cut() -> None:
    out = clean_text("x" * 50, limit=10)
    assert out == "x" * 9 + ELLIPSIS
    assert len(out) == 10
    assert clean_text("short", limit=10) == "short"


def test_clean_text_limit_counts_after_cleaning() -> None:
    # escape sequences do not use up the budget
    assert clean_text("\x1b[31m" * 100 + "abc", limit=5) == "abc"


def test_unterminated_osc_does_not_leak_escape() -> None:
    out = clean_text("title \x1b]0;rest of it")
    assert "\x1b" not in out and out == "title"


def test_is_clean_agrees_with_clean_text() -> None:
    assert not is_clean("a\x1bb")
    assert not is_clean("a\nb")
    assert is_clean("a\nb", multiline=True)
    assert is_clean(clean_text("a\x1b[1m\u202eb\u2028c"))


# ----------------------------------------------------------------- check_url

GOOD = [
    "https://www.caixinglobal.com/2021-12-15/x.html",
    "HTTP://Example.COM/",
    "http://example.com",
    "https://example.com:8443/a?b=c#frag",
    "http://127.0.0.1:8080/x",
    "http://[::1]/x",
    "http://[2001:db8::1]:443/",
    "https://münchen.example/straße",
    "https://xn--mnchen-3ya.example/",
    "https://x.example.com/$(rm%20-rf%20~)",  # valid URL; must just never reach a shell
    "https://x.example.com/;rm$IFS-rf$IFS~`id`|&<>'\"",
    "https://example.com/a%20b?q=%00",
    "https://host.example./trailing-dot",
]

BAD = [
    ("javascript:alert(1)", "scheme 'javascript' is not http or https"),
    (" javascript:alert(1)", "leading or trailing whitespace"),
    ("java\tscript:alert(1)", "whitespace or control"),
    ("https://x.example.com/$(rm -rf ~)", "whitespace"),
    ("https://exa\nmple.com/", "whitespace or control"),
    ("file:///etc/passwd", "scheme 'file'"),
    ("data:text/html,<script>alert(1)</script>", "scheme 'data'"),
    ("-oProxyCommand=calc", "starts with '-'"),
    ("http://user:pass@host.example/", "user info"),
    ("http://@host.example/", "user info"),
    ("https://example.com\\@evil.example/", "backslash"),
    ("http:\\\\evil.example", "backslash"),
    ("https://example.com/" + "a" * 3000, "longer than 2048"),
    ("http://", "no host"),
    ("http:///path", "no host"),
    ("http:example.com", "is not of the form"),
    ("//example.com/x", "no scheme"),
    ("example.com", "no scheme"),
    ("", "is empty"),
    ("https://example.com:0/", "invalid port"),
    ("https://example.com:65536/", "invalid port"),
    ("https://example.com:/", "invalid port"),
    ("https://example.com:http/", "invalid port"),
    ("https://exa mple.com/", "whitespace"),
    ("https://exa_mple-.com/", "not a valid host name"),
    ("https://-bad.example/", "not a valid host name"),
    ("https://a..b/", "not a valid host name"),
    ("http://0x7f.1/", "not a valid IP"),
    ("http://999.1.1.1/", "not a valid IP"),
    ("http://[::1/", "malformed IPv6"),
    ("http://[zz::1]/", "malformed IPv6"),
    ("https://example.com/\u202egnp.exe", "whitespace or control"),
    ("https://exa\u200bmple.com/", "whitespace or control"),
    ("https://example.com/\x1b[31m", "whitespace or control"),
    ("https://\x85example.com/", "whitespace or control"),
]


@pytest.mark.parametrize("url", GOOD)
def test_check_url_accepts_and_returns_unchanged(url: str) -> None:
    assert check_url(url) == url
    assert url_problem(url) is None


@pytest.mark.parametrize(("url", "reason"), BAD)
def test_check_url_refuses_with_reason(url: str, reason: str) -> None:
    assert check_url(url) is None
    problem = url_problem(url)
    assert problem is not None and reason in problem
    assert is_clean(problem)


@pytest.mark.parametrize("value", [None, 42, b"https://example.com/", ["https://x.example/"]])
def test_check_url_refuses_non_strings(value: object) -> None:
    assert check_url(value) is None
    assert "not a string" in (url_problem(value) or "")


def test_url_problem_does_not_echo_control_characters() -> None:
    problem = url_problem("\x1b]0;x\x07script:alert(1)")
    assert problem is not None and is_clean(problem)


# ------------------------------------------------------------- canonical_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://WWW.Example.COM/Path/To?Q=A#frag", "https://www.example.com/Path/To?Q=A"),
        ("http://example.com:80/x", "http://example.com/x"),
        ("https://example.com:443/x", "https://example.com/x"),
        ("http://example.com:443/x", "http://example.com:443/x"),
        ("https://example.com:8443", "https://example.com:8443/"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com?q=1", "https://example.com/?q=1"),
        ("https://example.com/a%2Fb?x=%41&y", "https://example.com/a%2Fb?x=%41&y"),
        ("http://[::1]:80/", "http://[::1]/"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_canonical_url_is_idempotent() -> None:
    for url in GOOD:
        once = canonical_url(url)
        assert canonical_url(once) == once


@pytest.mark.parametrize(
    "value",
    [
        "\t " * 100_000 + "x",  # once quadratic: blanks not followed by a newline
        "x \t\n" * 50_000,
        "\x1b[" + "1;" * 100_000,
        "\x1b]" + "a" * 200_000,
        "\x1b" * 200_000,
        "\u200b" * 200_000 + "x",
        "\ud800" * 100_000,
        "\n" * 200_000 + "x",
    ],
)
def test_clean_text_adversarial_inputs_complete(value: str) -> None:
    # No timing assertion (benchmarks/ owns those); a super-linear pattern
    # shows up here as a test that does not finish.
    for multiline in (False, True):
        out = clean_text(value, multiline=multiline, limit=100_000)
        assert is_clean(out, multiline=multiline)
