"""The app on the hostile corpus: nothing from a document reaches the terminal
as a control sequence, and walking every row, detail and related item never
crashes."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import screen_text
from feedreader.ui.article_list import ArticleList
from feedreader.ui.article_view import ArticleView, RelatedList
from helpers.terminal import Terminal

CORPUS = Path(__file__).resolve().parent.parent / "hostile" / "corpus"
SHARED_URL = b"https://news.example.com/a/1"


def distinct_copy(folder: Path) -> Path:
    """The corpus with its shared test URL made unique per file, so every
    loadable document is its own article (the same URL would make them one)."""
    folder.mkdir()
    for n, path in enumerate(sorted(CORPUS.iterdir())):
        data = path.read_bytes().replace(SHARED_URL, f"https://news.example.com/a/{n}".encode())
        (folder / path.name).write_bytes(data)
    return folder

# sequences the corpus tries to smuggle out; Textual itself never writes these
PAYLOADS = [
    b"\x1b]0;pwned",        # window title
    b"\x1b]52;",            # clipboard
    b"\x1bP+q",             # DCS query
    b"\x1b]8;;http://evil",  # hyperlink
    b"\x1b[5m",             # blink
    b"\x1b[8m",             # conceal
    b"\x1b[?1049hnews",
    b"\x1b[2J\x1b[H\x1b[31mRed",
]
C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")
# bidi overrides/isolates/marks, zero-width, line/paragraph separators, as UTF-8
INVISIBLE_UTF8 = re.compile(
    "[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b-\u200d\u2060\ufeff\u2028\u2029]".encode().join(b"()")
    if False else "|".join(re.escape(c) for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                                                 "\u200e\u200f\u061c\u200b\u200c\u200d\u2060\ufeff\u2028\u2029").encode()
)


def test_no_control_sequence_from_a_document_reaches_the_terminal(tmp_path):
    corpus = distinct_copy(tmp_path / "corpus")
    with Terminal([str(corpus)], cols=140, rows=40) as term:
        term.wait_for(b"articles")
        term.wait_for(b"problems")  # indexing finished
        for _ in range(120):          # every row (the corpus has fewer), each detail painted
            term.send("j", pause=0.03)
        term.send("G", pause=0.2)
        term.send("\t", pause=0.2)    # into the detail pane and its related list
        for _ in range(5):
            term.send("j", pause=0.05)
        term.send("!", pause=0.5)     # problems screen shows quoted bits of bad files
        term.send("\x1b", pause=0.2)
        term.send("?", pause=0.3)
        term.send("\x1b", pause=0.2)
        term.send("q")
        assert term.wait_exit() == 0
        out = bytes(term.output)
    assert b"Clipboard" in out or b"Real title" in out, "the corpus was not shown at all"
    for payload in PAYLOADS:
        assert payload not in out, payload
    assert not C1_UTF8.search(out), C1_UTF8.search(out)
    found = INVISIBLE_UTF8.search(out)
    assert found is None, found


async def test_walk_every_row_detail_and_related_item(make_app, tmp_path):
    app = make_app(distinct_copy(tmp_path / "corpus"))
    async with app.run_test(size=(160, 50)) as pilot:
        lst = app.query_one(ArticleList)
        view = app.query_one(ArticleView)
        assert len(app.model) > 40
        seen_related = 0
        for index in range(len(app.model)):
            lst.cursor = index
            await pilot.pause()
            assert view.article is not None and view.article.id == app.model.row_at(index).id
            related = view.query_one(RelatedList)
            for n in range(related.option_count):
                related.focus()
                related.highlighted = n
                await pilot.press("enter")
                seen_related += 1
                lst.cursor = index  # a related jump may have moved the cursor
                await pilot.pause()
        assert seen_related > 0
        await pilot.press("exclamation_mark")
        await pilot.pause()
        assert "anchors" in screen_text(app)
        assert app.is_running
