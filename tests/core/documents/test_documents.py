"""parse_document / load_document: shape, YAML safety, strict types, identity."""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from feedreader.core.documents.parse import (
    DOCUMENT_SUFFIXES,
    MAX_FILE_BYTES,
    article_id,
    load_document,
    parse_document,
)
from feedreader.core.text import is_clean

SEED = Path(__file__).resolve().parents[3] / "seeds" / "000_17b63d52bf50f52a.txt"
UTC = timezone.utc


def doc(front: str, body: str = "") -> bytes:
    return f"---\n{front}\n---\n{body}".encode()


def parse(front: str, body: str = ""):
    return parse_document(doc(front, body), "/docs/a.txt")


def loaded(front: str, body: str = ""):
    article, problems = parse(front, body)
    assert article is not None, problems
    return article, problems


def error_of(data: bytes) -> str:
    article, problems = parse_document(data, "/docs/bad.txt")
    assert article is None
    assert len(problems) == 1 and problems[0].severity == "error"
    assert problems[0].path == "/docs/bad.txt"
    return problems[0].message


# -------------------------------------------------------------------- seed


def test_seed_loads_completely() -> None:
    article, problems = load_document(SEED)
    assert problems == ()
    assert article is not None
    assert article.title == "Carmaker Xpeng Deletes 430,000 Photos for Misuse of Facial Recognition"
    assert article.published == datetime(2021, 12, 15, 12, 20, tzinfo=UTC)
    assert article.url and article.url.startswith("https://www.caixinglobal.com/2021-12-15/")
    assert article.original_url == article.url == article.web_url
    assert article.identity == article.url  # already canonical
    assert article.id == article_id(article.identity)
    assert article.quality == 39
    assert article.heat is None  # -1 means unknown
    assert article.published_flag is False
    assert article.provider.name == "Caixin Global"
    assert article.provider.domain == "caixinglobal.com"
    assert article.topics == ("Computer Vision", "AI")
    assert article.lead_image is not None and article.lead_image.width == 560
    assert article.lead_image.is_cached is True
    assert len(article.related) == 2
    r0, r1 = article.related
    assert r0.provider is not None and r0.provider.name == "TechNode"
    assert r0.amp_url and r0.amp_url.startswith("https://technode.com/")
    assert r0.quality == 59 and r0.images[0].height == 1080
    assert r1.amp_url is None and r1.url and "thetimes.co.uk" in r1.url
    assert article.secured and article.secured.startswith("4p49lwnk") and article.secured.endswith("==")
    assert "secured" not in repr(article) and "4p49" not in repr(article)
    assert article.path == str(SEED)
    assert article.body == ""


def test_article_id_shape() -> None:
    i = article_id("https://example.com/")
    assert len(i) == 16 and int(i, 16) >= 0 and i == i.lower()
    assert article_id("https://example.com/") == i != article_id("https://example.com/x")
    # fits a signed 64-bit integer once reinterpreted
    assert -(2**63) <= int.from_bytes(bytes.fromhex(i), "big", signed=True) < 2**63


def test_suffixes() -> None:
    assert DOCUMENT_SUFFIXES == (".txt", ".md", ".markdown", ".yaml", ".yml")


# ------------------------------------------------------------------- shape


def test_bom_and_crlf_are_fine() -> None:
    data = b"\xef\xbb\xbf" + b"---\r\ntitle: Hello\r\noriginalUrl: https://e.example/a\r\n---\r\nbody line\r\n"
    article, problems = parse_document(data, "x.txt")
    assert article is not None and problems == ()
    assert article.title == "Hello" and article.body == "body line"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"---\n", "no closing"),
        (b"---", "no closing"),
        (b"---\ntitle: x\n", "no closing"),
        (b"title: x\n---\n", "does not start with"),
        (b"---\n---\n", "front matter is empty"),
        (b"---\n- a\n- b\n---\n", "must be a mapping"),
        (b"---\njust text\n---\n", "must be a mapping"),
        (b"\xff\xfe-\x00-\x00-\x00", "UTF-16"),
        (b"---\ntitle: caf\xe9\n---\n", "not valid UTF-8"),
        (b"---\ntitle: a\x00b\n---\n", "NUL"),
        (b"---\ntitle: [unclosed\n---\n", "YAML syntax error"),
        (b"---\nexcerpt: nothing\n---\n", "no title and no originalUrl/webUrl"),
        (b"---\noriginalUrl: javascript:alert(1)\n---\n", "no title"),
    ],
)
def test_broken_shapes_are_errors(data: bytes, reason: str) -> None:
    assert reason in error_of(data)


def test_invalid_utf8_names_offset_and_line() -> None:
    msg = error_of(b"---\ntitle: ok\nexcerpt: caf\xe9\n---\n")
    assert "byte offset 26" in msg and msg.startswith("line 3:")


def test_body_is_kept_and_never_parsed() -> None:
    body = "Some text\n---\n!!python/object/apply:os.system ['echo pwned']\nkey: &a [*a]\n"
    article, problems = loaded("title: T", body)
    assert problems == ()
    assert "!!python/object/apply:os.system" in article.body
    assert "---" in article.body


# -------------------------------------------------------------- YAML safety


def test_python_tags_are_refused() -> None:
    msg = error_of(doc("title: !!python/object/apply:os.system ['echo pwned']"))
    assert "tag" in msg and "not allowed" in msg and msg.startswith("line 2:")


@pytest.mark.parametrize("tag", ["!!binary aGVsbG8=", "!custom x", "!!set {a, b}", "!!omap [a: 1]"])
def test_other_tags_are_refused(tag: str) -> None:
    assert "not allowed" in error_of(doc(f"title: T\nx: {tag}"))


def test_core_tags_are_accepted() -> None:
    article, problems = loaded("title: !!str 1984\nquality: !!int '40'")
    assert article.title == "1984" and article.quality == 40 and problems == ()


def test_alias_bomb_fails_fast() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    data = doc("title: T\n" + "\n".join(lines))
    start = time.perf_counter()
    msg = error_of(data)
    assert time.perf_counter() - start < 0.5
    assert "anchors" in msg or "aliases" in msg


def test_deep_nesting_does_not_crash() -> None:
    data = b"---\ntitle: " + b"[" * 100_000 + b"]" * 100_000 + b"\n---\n"
    msg = error_of(data)
    assert "nest" in msg and msg.startswith("line 2:")


def test_nesting_limit_is_ours() -> None:
    ok = doc("title: T\nx: " + "[" * 18 + "]" * 18)
    assert parse_document(ok, "a.txt")[0] is not None
    msg = error_of(doc("title: T\nx: " + "[" * 25 + "]" * 25))
    assert msg == "line 3: front matter is nested deeper than 20 levels"


def test_raw_control_characters_in_front_matter_are_an_error() -> None:
    assert "control characters" in error_of(b"---\ntitle: a\x1b]0;x\x07b\n---\n")


def test_duplicate_keys_are_an_error_with_lines() -> None:
    msg = error_of(doc("title: one\nquality: 3\ntitle: two"))
    assert msg == "line 4: duplicate key 'title' (first at line 2)"


def test_nested_duplicate_keys_too() -> None:
    assert "duplicate key 'name'" in error_of(doc("title: T\nprovider:\n  name: a\n  name: b"))


def test_second_yaml_document_in_front_matter_is_refused() -> None:
    assert "more than one YAML document" in error_of(doc("title: T\n--- !!map\nb: 2"))


# ------------------------------------------------------------ strict types


@pytest.mark.parametrize(
    ("value", "got"),
    [
        ("true", "the boolean true"),
        ('"39"', "the string '39'"),
        ("39.0", "the number 39.0"),
        (".nan", "the number nan"),
        ("1.0e+400", "the number inf"),
        ("1e400", "the string '1e400'"),
        ("-5", "the integer -5"),
        ("101", "the integer 101"),
        ("1" * 5000, "a number with 5,000 digits"),
        ("[39]", "a list"),
    ],
)
def test_bad_quality_is_dropped_with_a_warning(value: str, got: str) -> None:
    article, problems = loaded(f"title: T\n\n\nquality: {value}")
    assert article.quality is None
    assert len(problems) == 1 and problems[0].severity == "warning" and problems[0].line == 5
    assert problems[0].message == f"line 5: quality must be an integer 0–100, got {got}"
    assert article.warnings == (problems[0].message,)


def test_topics_as_string_is_dropped() -> None:
    article, problems = loaded("title: T\ntopics: AI")
    assert article.topics == () and "topics must be a list of strings" in problems[0].message


def test_non_string_topics_items_are_dropped() -> None:
    article, problems = loaded("title: T\ntopics: [AI, 3, {a: 1}, ' AI ', Vision]")
    assert article.topics == ("AI", "Vision")
    assert len(problems) == 2


def test_provider_wrong_shapes() -> None:
    article, problems = loaded("title: T\nprovider: Caixin")
    assert article.provider.name == "" and "provider must be a mapping" in problems[0].message
    article, problems = loaded("title: T\nprovider: [a, b]")
    assert "got a list" in problems[0].message
    article, problems = loaded("title: T\nprovider: {name: 3, domain: x.example}")
    assert article.provider.name == "" and article.provider.domain == "x.example"
    assert "provider.name must be a string" in problems[0].message


def test_images_and_related_garbage_is_dropped_entry_by_entry() -> None:
    article, problems = loaded(
        "title: T\n"
        "images: [3, {url: 'https://i.example/a.jpg', width: wide, height: 10}, {width: 1}]\n"
        "related:\n  - nonsense\n  - {title: R, webUrl: 'javascript:x', quality: 500}\n  - {}\n"
    )
    assert len(article.images) == 1 and article.images[0].width is None
    assert article.images[0].height == 10
    assert len(article.related) == 1
    rel = article.related[0]
    assert rel.title == "R" and rel.url is None and rel.raw_url == "javascript:x" and rel.quality is None
    text = "\n".join(p.message for p in problems)
    for part in ("images[1]", "images[2].width", "images[3] has no url", "related[1]",
                 "related[2].webUrl", "related[2].quality", "related[3]"):
        assert part in text


def test_heat() -> None:
    assert loaded("title: T\nheat: 7")[0].heat == 7
    assert loaded("title: T\nheat: -1")[0].heat is None
    article, problems = loaded("title: T\nheat: -7")
    assert article.heat is None and "heat must be" in problems[0].message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-12-15T12:20:00Z", datetime(2021, 12, 15, 12, 20, tzinfo=UTC)),
        ("2021-12-15T14:20:00+02:00", datetime(2021, 12, 15, 12, 20, tzinfo=UTC)),
        ("2021-12-15 12:20:00", datetime(2021, 12, 15, 12, 20, tzinfo=UTC)),  # naive -> UTC
        ("2021-12-15", datetime(2021, 12, 15, tzinfo=UTC)),  # date only -> midnight UTC
        ('"2021-12-15T12:20:00Z"', datetime(2021, 12, 15, 12, 20, tzinfo=UTC)),  # ISO string
        ('"2021-12-15T12:20:00.5+00:00"', datetime(2021, 12, 15, 12, 20, 0, 500000, tzinfo=UTC)),
    ],
)
def test_timestamps(value: str, expected: datetime) -> None:
    article, problems = loaded(f"title: T\npublishedDateTime: {value}")
    assert problems == () and article.published == expected


@pytest.mark.parametrize("value", ["2021-02-30", "2021-02-30T10:00:00Z", "99999-01-01T00:00:00Z",
                                   "'yesterday'", "12", "0001-01-01T00:00:00+01:00"])
def test_impossible_timestamps_warn_and_load(value: str) -> None:
    article, problems = loaded(f"title: T\npublishedDateTime: {value}")
    assert article.published is None
    assert "publishedDateTime must be a date and time" in problems[0].message


def test_secured_is_untouched_and_never_in_messages() -> None:
    raw = "\x1b]0;x\x07 secret \u202e"
    article, problems = loaded('title: T\nsecured: "\\e]0;x\\a secret \\u202e"')
    assert article.secured == raw and problems == ()
    article, problems = loaded("title: T\nsecured: [TOPSECRET]")
    assert article.secured is None
    assert "secured must be a string" in problems[0].message
    assert "TOPSECRET" not in problems[0].message


def test_number_title_is_a_problem_not_a_title() -> None:
    article, problems = loaded("title: 1984\noriginalUrl: https://e.example/")
    assert article.title == "" and "title must be a string, got the integer 1984" in problems[0].message


# ------------------------------------------------------------------- URLs


def test_refused_url_is_kept_for_display_with_a_warning() -> None:
    article, problems = loaded("title: T\noriginalUrl: 'javascript:alert(1)'\nwebUrl: 'https://w.example/x'")
    assert article.url == "https://w.example/x"  # falls back to webUrl
    assert article.original_url == "javascript:alert(1)"
    assert problems[0].message == (
        "line 3: originalUrl will not be opened (scheme 'javascript' is not http or https)"
    )


def test_identity_is_canonical_url_and_independent_of_path() -> None:
    data = doc("title: T\noriginalUrl: 'HTTPS://Example.COM:443/a?b#c'")
    a1, _ = parse_document(data, "/one/a.txt")
    a2, _ = parse_document(data, "/two/b.md")
    assert a1 is not None and a2 is not None
    assert a1.identity == a2.identity == "https://example.com/a?b"
    assert a1.id == a2.id and a1.path != a2.path
    assert a1.url == "HTTPS://Example.COM:443/a?b#c"  # unchanged


def test_identity_without_url_is_stable_and_distinct() -> None:
    a1, _ = loaded("title: T\npublishedDateTime: 2021-01-01")
    a2, _ = parse_document(doc("title: T\npublishedDateTime: 2021-01-01"), "/elsewhere.txt")
    a3, _ = loaded("title: T\npublishedDateTime: 2021-01-02")
    assert a1.identity.startswith("doc:") and a1.url is None
    assert a2 is not None and a1.identity == a2.identity and a1.identity != a3.identity


def test_every_string_is_cleaned() -> None:
    nasty = r"\e]0;pwned\a[bold]x[/]\u202e\u200b\u2028y\x9b"
    article, _ = loaded(
        f'title: "{nasty}"\nexcerpt: "{nasty}\\nline2"\ncategory: "{nasty}"\ntype: "{nasty}"\n'
        f'provider: {{name: "{nasty}", domain: "{nasty}"}}\ntopics: ["{nasty}"]\n'
        f'originalUrl: "{nasty}"\nrelated: [{{title: "{nasty}", excerpt: "{nasty}"}}]',
        body="body \x1b[31m red",
    )
    assert article.title == "[bold]x[/] y"  # markup is kept as text, never interpreted
    for value in (article.title, article.category, article.type, article.provider.name,
                  article.provider.domain, *article.topics, article.original_url,
                  article.related[0].title):
        assert is_clean(value), repr(value)
    assert is_clean(article.excerpt, multiline=True) and "\n" in article.excerpt
    assert article.body == "body  red" or article.body == "body red"


def test_long_fields_are_capped() -> None:
    article, _ = loaded(f"title: {'t' * 5000}\nexcerpt: {'e' * 200_000}", body="b" * 300_000)
    assert len(article.title) <= 500 and article.title.endswith("…")
    assert len(article.excerpt) <= 5000
    assert len(article.body) <= 100_000


# -------------------------------------------------------------- load_document


def test_load_document_too_big_is_refused_before_reading(tmp_path: Path) -> None:
    p = tmp_path / "big.txt"
    with open(p, "wb") as f:
        f.write(b"---\ntitle: x\n---\n")
        f.truncate(MAX_FILE_BYTES * 50)  # sparse: cheap to create, never read
    article, problems = load_document(p)
    assert article is None and "larger than 1,000,000 bytes" in problems[0].message


def test_load_document_os_errors(tmp_path: Path) -> None:
    article, problems = load_document(tmp_path / "missing.txt")
    assert article is None and problems[0].message == "file not found"
    article, problems = load_document(tmp_path)
    assert article is None and "directory" in problems[0].message


def test_load_document_fifo_does_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    article, problems = load_document(fifo)
    assert article is None and "not a regular file" in problems[0].message


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read anything")
def test_load_document_permission_denied(tmp_path: Path) -> None:
    p = tmp_path / "secret.txt"
    p.write_bytes(doc("title: T"))
    p.chmod(0)
    article, problems = load_document(p)
    assert article is None and problems[0].message == "permission denied"


def test_load_document_path_is_str_as_given(tmp_path: Path) -> None:
    p = tmp_path / "a.md"
    p.write_bytes(doc("title: T"))
    article, _ = load_document(p)
    assert article is not None and article.path == str(p)
