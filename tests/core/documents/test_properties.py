"""Property tests (Hypothesis) for the untrusted-input boundary.

* parse_document never raises, whatever the bytes, and its result has the
  documented shape; everything in a loaded article is terminal-clean.
* Front matter built from generated data with yaml.safe_dump: well-typed
  fields come back exactly (after cleaning), badly typed ones are dropped
  with a warning, never crash.
* clean_text output never holds a forbidden character, respects the limit
  and is idempotent.
* check_url accepts only what a URL parser also reads as http(s) with a host
  and no user info; canonical_url keeps accepted URLs accepted.

Kept small (max_examples) so the suite stays fast; the fuzz/ target runs the
same properties for as long as you like.
"""

from __future__ import annotations

import dataclasses
import math
import os
import string
from datetime import datetime, timezone
from urllib.parse import urlsplit

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from feedreader.core.documents.parse import TITLE_LIMIT, parse_document
from feedreader.core.model import Article
from feedreader.core.documents.safeyaml import YamlRefused, load_mapping
from feedreader.core.text import (
    canonical_url,
    check_url,
    clean_text,
    is_clean,
    url_problem,
)

SETTINGS = settings(
    max_examples=int(os.environ.get("FEEDREADER_PROPERTY_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
MULTILINE = {"excerpt", "body"}


def assert_article_clean(article: Article) -> None:
    def walk(obj, name=""):
        if isinstance(obj, str):
            assert is_clean(obj, multiline=name in MULTILINE), (name, obj[:80])
        elif isinstance(obj, tuple):
            for item in obj:
                walk(item, name)
        elif dataclasses.is_dataclass(obj):
            for f in dataclasses.fields(obj):
                if f.name != "secured":
                    walk(getattr(obj, f.name), f.name)

    walk(article)
    for url in (article.url, *(i.url for i in article.images),
                *(r.url for r in article.related), *(r.amp_url for r in article.related),
                *(i.url for r in article.related for i in r.images)):
        assert url is None or check_url(url) == url, url


def assert_result_shape(result) -> None:
    article, problems = result
    assert isinstance(problems, tuple)
    if article is None:
        assert len(problems) == 1 and problems[0].severity == "error"
    else:
        assert all(p.severity == "warning" for p in problems)
        assert article.warnings == tuple(p.message for p in problems)
        assert_article_clean(article)
    for p in problems:
        assert is_clean(p.message) and p.message


# ------------------------------------------------------------------ raw bytes


@SETTINGS
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    assert_result_shape(parse_document(data, "fuzz.txt"))


@SETTINGS
@given(st.binary(max_size=1000))
def test_arbitrary_bytes_after_a_valid_opening_never_raise(data: bytes) -> None:
    assert_result_shape(parse_document(b"---\ntitle: x\n" + data + b"\n---\n", "fuzz.txt"))


YAML_TOKENS = list("-:[]{}&*!|>'\"%@`#,?.~<=\\ \t\n\r") + list("abc019xyZ") + [
    "title", "quality", "\x1b", "\u202e", "\u2028", "\x85", "\ufeff", "!!python/object:", "---",
    "...", "0x", "1e9", ".nan", "2021-02-30", "yes", "null", "\\u", "\\e", "\\x9b", "\\ud800",
    "\n  - ", "\n  ", ": ",
]
YAMLISH = st.lists(st.sampled_from(YAML_TOKENS), max_size=80).map("".join)


@SETTINGS
@given(YAMLISH, YAMLISH)
def test_yamlish_text_never_raises(front: str, body: str) -> None:
    data = ("---\n" + front + "\n---\n" + body).encode("utf-8", "surrogatepass")
    assert_result_shape(parse_document(data, "fuzz.txt"))


# ------------------------------------------------ front matter from real data

ANY_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**60), max_value=10**60)
    | st.floats(allow_nan=True, allow_infinity=True)
    | ANY_TEXT
    | st.dates()
    | st.datetimes(timezones=st.none() | st.just(timezone.utc))
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=20,
)
FIELDS = ["title", "excerpt", "publishedDateTime", "originalUrl", "webUrl", "category", "type",
          "quality", "heat", "published", "provider", "topics", "images", "related", "secured"]


@SETTINGS
@given(
    st.dictionaries(st.sampled_from(FIELDS) | ANY_TEXT, VALUES, max_size=12),
    st.booleans(),
    ANY_TEXT,
)
def test_dumped_front_matter_of_anything_never_raises(front: dict, unicode: bool, body: str) -> None:
    dumped = yaml.safe_dump(front, allow_unicode=unicode, sort_keys=False)
    data = ("---\n" + dumped + "---\n" + body).encode("utf-8")
    assert_result_shape(parse_document(data, "fuzz.txt"))


URLS = st.sampled_from(["https://a.example/x", "http://b.example:8080/?q=1", "javascript:x", ""])


@SETTINGS
@given(
    title=ANY_TEXT,
    quality=st.integers(min_value=0, max_value=100),
    heat=st.integers(min_value=-1, max_value=2**63 - 1),
    published=st.booleans(),
    topics=st.lists(ANY_TEXT, max_size=5),
    when=st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1),
                      timezones=st.none() | st.just(timezone.utc)),
    url=URLS,
    name=ANY_TEXT,
    secured=ANY_TEXT,
)
def test_well_typed_fields_come_back(title, quality, heat, published, topics, when, url, name, secured):
    front = {
        "title": title, "quality": quality, "heat": heat, "published": published, "topics": topics,
        "publishedDateTime": when, "originalUrl": url, "provider": {"name": name, "domain": "d.example"},
        "secured": secured,
    }
    dumped = yaml.safe_dump(front, allow_unicode=True)
    # What the YAML means, per PyYAML's own SafeLoader (the emitter is not
    # perfectly round-trip safe, e.g. a raw U+0085 in a quoted scalar folds).
    ref = yaml.safe_load(dumped)
    title, name, secured, topics = ref["title"], ref["provider"]["name"], ref["secured"], ref["topics"]
    article, problems = parse_document(("---\n" + dumped + "---\n").encode("utf-8"), "p.txt")
    if not clean_text(title) and check_url(url) is None:
        assert article is None
        return
    assert article is not None, problems
    assert article.title == clean_text(title, limit=TITLE_LIMIT)
    assert article.quality == quality
    assert article.heat == (None if heat == -1 else heat)
    assert article.published_flag is published
    assert article.published == (when if when.tzinfo else when.replace(tzinfo=timezone.utc))
    assert article.url == check_url(url)
    assert article.provider.name == clean_text(name, limit=200)
    assert article.secured == secured  # untouched
    expected_topics = []
    for t in topics:
        c = clean_text(t, limit=200)
        if c and c not in expected_topics:
            expected_topics.append(c)
    assert list(article.topics) == expected_topics
    url_warnings = [p for p in problems if "originalUrl" in p.message]
    assert problems == tuple(url_warnings)
    assert bool(url_warnings) == (url != "" and check_url(url) is None)


@SETTINGS
@given(st.sampled_from(["quality", "heat", "published", "title", "topics", "provider", "images",
                        "related", "publishedDateTime"]), VALUES)
def test_badly_typed_fields_are_dropped_not_fatal(key: str, value) -> None:
    front = {"originalUrl": "https://a.example/", key: value}
    data = ("---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n").encode("utf-8")
    article, problems = parse_document(data, "p.txt")
    assert article is not None, problems  # the URL alone makes it loadable
    assert_result_shape((article, problems))
    if key == "quality":
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100
        assert article.quality == (value if ok else None)
        assert bool(problems) == (value is not None and not ok)
    if key == "published":
        assert article.published_flag == (value if isinstance(value, bool) else None)


# ------------------------------------------------------------------ clean_text


@SETTINGS
@given(st.text(max_size=300), st.booleans(), st.integers(min_value=1, max_value=400))
@example("\x1b]0;pwned\x07t", False, 10)
@example("\ud83d\ude00\ud800", True, 10)
@example("a\r\n\r\n\r\nb  \t\n c", True, 100)
def test_clean_text_output_is_clean_capped_and_stable(value: str, multiline: bool, limit: int) -> None:
    out = clean_text(value, multiline=multiline, limit=limit)
    assert is_clean(out, multiline=multiline)
    assert "\x1b" not in out
    assert len(out) <= limit
    assert out == out.strip()
    assert clean_text(out, multiline=multiline, limit=limit) == out
    if not multiline:
        assert "  " not in out


CONTROLISH = st.text(
    alphabet=st.sampled_from(
        [chr(c) for c in range(0x00, 0x20)] + [chr(c) for c in range(0x7F, 0xA0)]
        + ["\u202a", "\u202e", "\u2066", "\u2069", "\u200e", "\u200f", "\u061c", "\u200b", "\u200d",
           "\u2060", "\ufeff", "\u2028", "\u2029", "\ud800", "\udfff", "[", "]", ";", "0", "a", " ", "\\"]
    ),
    max_size=200,
)


@SETTINGS
@given(CONTROLISH, st.booleans())
def test_clean_text_on_control_soup(value: str, multiline: bool) -> None:
    out = clean_text(value, multiline=multiline)
    assert is_clean(out, multiline=multiline)


# ------------------------------------------------------------------ URLs

URL_CHARS = string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%\\ \t\n\x00\x1b\u202e"
URLISH = st.builds(
    lambda scheme, sep, host, rest: scheme + sep + host + rest,
    st.sampled_from(["http", "https", "HTTP", "hTtPs", "javascript", "file", "data", "ftp", "", " http",
                     "java\tscript", "-http"]),
    st.sampled_from(["://", ":", ":/", ":\\\\", "//", ":///"]),
    st.text(alphabet=st.sampled_from(list("abcxyz0129.-:[]@_") + ["\u00fc", " ", "%", "\\"]), max_size=30),
    st.text(alphabet=st.sampled_from(list(URL_CHARS)), max_size=40),
)


def assert_accepted_url_is_sane(url: str) -> None:
    assert url_problem(url) is None
    parts = urlsplit(url)
    assert parts.scheme in ("http", "https")
    assert parts.hostname
    assert parts.username is None and parts.password is None
    assert "@" not in parts.netloc
    assert "\\" not in url
    assert url == url.strip() and not url.startswith("-")
    assert all(ch.isprintable() and not ch.isspace() for ch in url)
    assert len(url) <= 2048
    canonical = canonical_url(url)
    assert check_url(canonical) == canonical
    assert canonical_url(canonical) == canonical
    assert "#" not in canonical


@SETTINGS
@given(URLISH)
@example("https://x.example.com/$(id)")
@example("http://[::1]:80/")
def test_accepted_urls_are_http_with_a_host(url: str) -> None:
    checked = check_url(url)
    if checked is None:
        assert url_problem(url)
        assert is_clean(url_problem(url) or "")
    else:
        assert checked == url
        assert_accepted_url_is_sane(url)


@SETTINGS
@given(st.text(max_size=100))
def test_check_url_on_any_text(url: str) -> None:
    if check_url(url) is not None:
        assert_accepted_url_is_sane(url)
    else:
        assert is_clean(url_problem(url) or "x")


@SETTINGS
@given(st.one_of(st.none(), st.integers(), st.floats(), st.binary(), st.lists(st.text())))
def test_check_url_refuses_non_strings(value) -> None:
    assert check_url(value) is None and url_problem(value)


# ------------------------------------------- the event walker vs. SafeLoader


def _same(mine, ref) -> bool:
    """Structural equality, with NaN equal to NaN."""
    if isinstance(ref, float) and math.isnan(ref):
        return isinstance(mine, float) and math.isnan(mine)
    if isinstance(ref, dict):
        return (isinstance(mine, dict) and mine.keys() == ref.keys()
                and all(_same(mine[k], ref[k]) for k in ref))
    if isinstance(ref, list):
        return isinstance(mine, list) and len(mine) == len(ref) and all(map(_same, mine, ref))
    return type(mine) is type(ref) and mine == ref


@SETTINGS
@given(st.dictionaries(ANY_TEXT | st.integers() | st.booleans() | st.none(), VALUES, min_size=1, max_size=8),
       st.booleans(), st.booleans())
def test_walker_agrees_with_safe_load(front: dict, unicode: bool, flow: bool) -> None:
    dumped = yaml.safe_dump(front, allow_unicode=unicode, default_flow_style=flow)
    ref = yaml.safe_load(dumped)
    try:
        mine = load_mapping(dumped, first_line=2)
    except YamlRefused as exc:
        # only for what the walker refuses on purpose
        assert "anchors" in exc.message or "nested deeper" in exc.message, exc.message
        return
    assert _same(mine, ref), (mine, ref)
