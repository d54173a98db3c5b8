"""OPML and newsboat urls: reading what people export, refusing what attacks."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from feedreader.core.feeds.opml import (
    MAX_BYTES,
    MAX_FOLDER_DEPTH,
    MAX_OUTLINES,
    Subscription,
    clean_folder,
    read_subscriptions,
    write_opml,
)
from feedreader.core.text import is_clean

DATA = Path(__file__).resolve().parents[2] / "data" / "opml"


def read(name: str):
    return read_subscriptions((DATA / name).read_bytes(), name)


def urls(result) -> list[str]:
    return [f.url for f in result.feeds]


def problems_on(result, line: int) -> list[str]:
    return [p for p in result.problems if f" line {line}:" in p]


# -- OPML as exported ---------------------------------------------------------------


def test_opml2_folders_titles_and_the_good_feeds():
    r = read("subscriptions.opml")
    assert r.feeds[:5] == (
        Subscription("https://feeds.bbci.co.uk/news/world/rss.xml", "BBC World", "News/World"),
        Subscription("https://example.com/reuters?a=1&b=2", "Reuters & Co <World>", "News/World"),
        Subscription("https://feeds.arstechnica.com/arstechnica/index", "Ars Technica (tabs, newlines)", "News"),
        Subscription("http://top.example/feed.xml", "Top level, no title attribute", ""),
        Subscription("https://untitled.example/atom", "", ""),
    )
    # outlines in <head> are not subscriptions
    assert "https://head.example/rss" not in urls(r)


def test_text_is_cleaned_of_controls_and_bidi():
    r = read("subscriptions.opml")
    bidi = next(f for f in r.feeds if f.url == "https://bidi.example/feed")
    assert bidi.title == "Bidi evil"
    assert "\u202e" not in bidi.title and "\x9b" not in bidi.folder
    for f in r.feeds:
        assert is_clean(f.title) and is_clean(f.folder)


def test_bad_urls_are_reported_one_by_one_naming_the_outline():
    r = read("subscriptions.opml")
    for line, title, scheme in ((20, "Script", "javascript"), (21, "Local file", "file"), (22, "FTP", "ftp")):
        [msg] = problems_on(r, line)
        assert msg.startswith("subscriptions.opml line")
        assert f"outline '{title}'" in msg and f"scheme '{scheme}'" in msg and "skipped" in msg
    [empty] = problems_on(r, 23)
    assert "Empty URL" in empty and "is empty" in empty
    assert not any(u.startswith(("javascript", "file", "ftp")) for u in urls(r))


def test_duplicate_urls_are_kept_once_and_reported_once():
    r = read("subscriptions.opml")
    assert sum(1 for u in urls(r) if "bbci" in u) == 1
    dup = [p for p in r.problems if "listed 2 times" in p]
    assert len(dup) == 1 and "line 26" in dup[0] and "line 11:" in dup[0]


def test_a_url_listed_many_times_gives_one_sentence():
    body = "".join(f'<outline text="t{i}" xmlUrl="https://same.example/rss"/>' for i in range(50))
    r = read_subscriptions(f"<opml><body>{body}</body></opml>".encode(), "dups.opml")
    assert len(r.feeds) == 1 and r.feeds[0].title == "t0"
    assert len(r.problems) == 1 and "50 times" in r.problems[0]


def test_opml1_with_character_references():
    r = read("opml1.opml")
    assert r.feeds == (
        Subscription("http://cafe.example/rss", "Le Caf\u00e9 \u00e0 Paris", "Caf\u00e9 Blogs"),
        Subscription("http://plain.example/rss", "Plain", ""),
    )
    assert r.problems == ()


def test_declared_latin1_encoding_is_honoured():
    assert read("latin1.opml").feeds == (Subscription("http://latin1.example/rss", "Caf\u00e9", ""),)


def test_utf16_opml():
    text = '<?xml version="1.0" encoding="UTF-16"?><opml><body><outline text="\u00fcber" xmlUrl="https://u16.example/"/></body></opml>'
    r = read_subscriptions(text.encode("utf-16"), "u16.opml")
    assert r.feeds == (Subscription("https://u16.example/", "\u00fcber", ""),)


def test_title_attribute_wins_over_text_and_attribute_case_is_ignored():
    r = read_subscriptions(
        b'<opml><body><outline TEXT="the text" Title="the title" XMLURL="https://case.example/"/>'
        b'<outline text="only text" xmlUrl="https://text.example/"/></body></opml>',
        "case.opml",
    )
    assert [(f.title, f.url) for f in r.feeds] == [("the title", "https://case.example/"), ("only text", "https://text.example/")]


def test_slashes_in_a_folder_name_become_levels_and_empty_levels_vanish():
    r = read_subscriptions(
        b'<opml><body><outline text=" a / b "><outline text=""><outline text="c">'
        b'<outline text="f" xmlUrl="https://f.example/"/></outline></outline></outline></body></opml>',
        "levels.opml",
    )
    assert r.feeds[0].folder == "a/b/c"
    assert clean_folder(" a//b /\tc/ ") == "a/b/c"


def test_include_outlines_are_not_fetched():
    r = read_subscriptions(
        b'<opml><body><outline type="include" text="more" url="http://127.0.0.1:9/more.opml"/></body></opml>', "inc.opml"
    )
    assert r.feeds == () and "not fetched" in r.problems[0]


def test_plain_doctype_is_allowed():
    assert urls(read("plain_doctype.opml")) == ["https://fine.example/rss"]
    assert read("plain_doctype.opml").problems == ()


# -- hostile OPML ------------------------------------------------------------------------


def test_billion_laughs_is_refused_quickly():
    start = time.perf_counter()
    r = read("billion_laughs.opml")
    assert time.perf_counter() - start < 2
    assert r.feeds == ()
    assert len(r.problems) == 1 and "DTD" in r.problems[0] and "nothing was imported" in r.problems[0]
    assert "lol" not in r.problems[0]


def test_external_entity_to_etc_passwd_is_never_read():
    r = read("xxe.opml")
    assert r.feeds == ()
    assert "refused" in r.problems[0]
    assert not any("root:" in p for p in r.problems)


def test_external_dtd_is_refused_without_network():
    r = read("xxe_parameter.opml")
    assert r.feeds == () and "refused" in r.problems[0]


def test_undeclared_entity_is_an_error_not_an_expansion():
    r = read_subscriptions(
        b'<opml><body><outline text="ok" xmlUrl="https://ok.example/"/>'
        b'<outline text="&nope;" xmlUrl="https://no.example/"/></body></opml>', "ent.opml"
    )
    assert urls(r) == ["https://ok.example/"]
    assert "undefined entity" in r.problems[0] and "1 feed(s) before it were kept" in r.problems[0]


def test_ten_thousand_outlines_all_import():
    body = "\n".join(
        f'<outline text="Folder {i // 100}">' + f'<outline text="Feed {i}" xmlUrl="https://f{i}.example/rss"/></outline>'
        for i in range(10_000)
    )
    r = read_subscriptions(f"<opml version='2.0'><body>\n{body}\n</body></opml>".encode(), "big.opml")
    assert len(r.feeds) == 10_000 and r.problems == ()
    assert r.feeds[9_999] == Subscription("https://f9999.example/rss", "Feed 9999", "Folder 99")


def test_more_than_the_outline_cap_stops_with_a_sentence():
    body = "".join(f'<outline xmlUrl="https://f{i}.example/"/>' for i in range(MAX_OUTLINES + 50))
    r = read_subscriptions(f"<opml><body>{body}</body></opml>".encode(), "huge.opml")
    assert len(r.feeds) == MAX_OUTLINES
    assert any(f"more than {MAX_OUTLINES:,} outlines" in p for p in r.problems)


@pytest.mark.parametrize("depth", [1_000, MAX_OUTLINES - 10])
def test_deep_nesting_is_capped_not_recursed(depth):
    data = (
        b"<opml><body>"
        + b"".join(b'<outline text="L%d">' % i for i in range(depth))
        + b'<outline text="deep" xmlUrl="https://deep.example/rss"/>'
        + b"</outline>" * depth
        + b'<outline text="shallow" xmlUrl="https://shallow.example/rss"/>'
        + b"</body></opml>"
    )
    r = read_subscriptions(data, "deep.opml")
    deep, shallow = r.feeds
    assert deep.folder == "/".join(f"L{i}" for i in range(MAX_FOLDER_DEPTH))
    assert shallow.folder == ""
    assert len(r.problems) == 1 and f"more than {MAX_FOLDER_DEPTH} levels" in r.problems[0]


def test_deep_nesting_in_a_child_with_a_low_recursion_limit():
    # If anything recursed per level, 1,000 levels under a limit of 200 would fail.
    code = (
        "import sys\n"
        "from feedreader.core.feeds.opml import read_subscriptions, write_opml, Subscription\n"
        "sys.setrecursionlimit(200)\n"
        "d = b'<opml><body>' + b'<outline text=\"x\">' * 1000 + b'<outline xmlUrl=\"https://d.example/\"/>'"
        " + b'</outline>' * 1000 + b'</body></opml>'\n"
        "r = read_subscriptions(d, 'd')\n"
        "out = write_opml([Subscription('https://d.example/', 't', '/'.join(['x'] * 1000))])\n"
        "print(len(r.feeds), r.feeds[0].folder.count('/'), read_subscriptions(out, 'o').feeds[0].folder.count('/'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1", str(MAX_FOLDER_DEPTH - 1), str(MAX_FOLDER_DEPTH - 1)]


@pytest.mark.parametrize(
    "data",
    [
        os.urandom(4096),
        b"\x00" * 100,
        b"\xff\xfe\x00\x00garbage",
        b"<" + os.urandom(2000),
        b"<opml><body><outline",
        b"<?xml version='1.0' encoding='no-such-codec'?><opml/>",
        b"\xef\xbb\xbf",
        b"",
        b"   \n\t",
    ],
)
def test_garbage_gives_problems_never_exceptions(data):
    r = read_subscriptions(data, "garbage.bin")
    assert r.problems, "garbage must be reported"
    assert all(p.startswith("garbage.bin") for p in r.problems)
    for f in r.feeds:
        assert f.url.startswith(("http://", "https://"))


def test_binary_that_is_not_xml_nor_utf8():
    r = read_subscriptions(b"https://ok.example/\n\xc3\x28 tag\n", "urls")
    assert r.feeds == () and "not UTF-8" in r.problems[0] and "line 2" in r.problems[0]


def test_size_is_bounded():
    r = read_subscriptions(b" " * (MAX_BYTES + 1), "big")
    assert r.feeds == () and "larger than" in r.problems[0]


def test_a_feed_list_that_is_not_opml():
    r = read("not_opml.xml")
    assert r.feeds == () and "not an OPML file" in r.problems[0] and "<rss>" in r.problems[0]


def test_truncated_file_keeps_what_came_before():
    r = read("truncated.opml")
    assert urls(r) == ["https://first.example/rss", "https://second.example/rss"]
    assert "not well-formed" in r.problems[0] and "line 5" in r.problems[0]


def test_invalid_character_reference_is_reported():
    r = read("control_char.opml")
    assert urls(r) == ["https://before.example/rss"]
    assert "line 4" in r.problems[0]


def test_problem_list_is_bounded():
    body = "".join(f'<outline text="x" xmlUrl="ftp://f{i}.example/"/>' for i in range(1000))
    r = read_subscriptions(f"<opml><body>{body}</body></opml>".encode(), "many.opml")
    assert 100 <= len(r.problems) <= 201
    assert "more problem(s)" in r.problems[-1]


# -- newsboat urls ------------------------------------------------------------------------


def test_newsboat_urls_tags_titles_and_skipped_lines():
    r = read("urls")
    assert r.feeds == (
        Subscription("https://lwn.net/headlines/rss", "LWN.net", "linux"),
        Subscription("https://planet.python.org/rss20.xml", "Planet", "python"),
        Subscription("https://untagged.example/feed.xml", "", ""),
        Subscription("https://quoted.example/rss", 'Quoted "title"', "Tech News"),
        Subscription("https://multi.example/rss", "", "first"),
        Subscription("https://nested.example/rss", "", "a/b/c"),
    )
    for line, kind in ((8, "query"), (9, "exec"), (10, "filter")):
        [msg] = problems_on(r, line)
        assert f"'{kind}'" in msg and "skipped" in msg
    assert "ftp" in problems_on(r, 11)[0] and "javascript" in problems_on(r, 12)[0]
    assert any("more than one tag" in p for p in r.problems)
    assert any("listed 2 times" in p and "line 13" in p for p in r.problems)
    # comments and blank lines are silent
    assert not problems_on(r, 1) and not problems_on(r, 5)


def test_newsboat_titles_are_cleaned():
    r = read_subscriptions(b'https://x.example/ "~\x1b[2Jevil\xe2\x80\xaetitle" "tag\x07"\n', "urls")
    assert r.feeds == (Subscription("https://x.example/", "eviltitle", "tag"),)


def test_newsboat_unclosed_quote_runs_to_end_of_line():
    r = read_subscriptions(b'https://x.example/ "Open tag\n', "urls")
    assert r.feeds[0].folder == "Open tag"


# -- writing and the round trip --------------------------------------------------------------


def test_round_trip_is_lossless_for_a_real_export():
    first = read("subscriptions.opml")
    again = read_subscriptions(write_opml(first.feeds), "export.opml")
    assert again.feeds == first.feeds and again.problems == ()


def test_round_trip_of_newsboat_into_opml():
    first = read("urls")
    assert read_subscriptions(write_opml(first.feeds), "x.opml").feeds == first.feeds


def test_round_trip_with_awkward_text_and_interleaved_folders():
    feeds = [
        Subscription("https://a.example/?x=1&y=<2>", 'Quotes " and \' & <tags>', "R&D/<Lab>"),
        Subscription("https://b.example/", "", ""),
        Subscription("https://c.example/", "\u65e5\u672c\u8a9e \U0001f600", "R&D"),
        Subscription("https://d.example/", "   ", "R&D/<Lab>"),
        Subscription("https://e.example/", "top again", ""),
    ]
    data = write_opml(feeds, now=0)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    back = read_subscriptions(data, "w.opml")
    assert back.problems == ()
    # "   " is no title: it comes back as ""; everything else exactly
    expected = [f if f.title.strip() else Subscription(f.url, "", f.folder) for f in feeds]
    assert sorted(back.feeds, key=repr) == sorted(expected, key=repr)
    # a tree groups each folder's feeds together; within a folder the order is kept
    for folder in ("", "R&D", "R&D/<Lab>"):
        assert [f for f in back.feeds if f.folder == folder] == [f for f in expected if f.folder == folder]
    # and a second round trip changes nothing at all
    assert read_subscriptions(write_opml(back.feeds), "again.opml").feeds == back.feeds


def test_written_folders_are_nested_outlines():
    data = write_opml([Subscription("https://a.example/", "A", "X/Y")], now=0).decode()
    x, y, a = data.index('text="X"'), data.index('text="Y"'), data.index('xmlUrl="https://a.example/"')
    assert x < y < a
    assert data.count("</outline>") == 2


def test_written_titles_are_cleaned_so_the_file_stays_valid_xml():
    data = write_opml([Subscription("https://a.example/", "bell\x07 esc\x1b[0m", "f\x00")])
    assert read_subscriptions(data, "c.opml").feeds == (Subscription("https://a.example/", "bell esc", "f"),)
