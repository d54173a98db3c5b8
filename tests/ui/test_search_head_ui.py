"""Pilot: a dense query shows the list's first matches first (searchhead.py), then the
whole result, whose keys were made in the worker (ListModel.prepare); the cursor keeps
its article across both, and the list ends as a plain rebuild would make it."""

from __future__ import annotations

import json
import random

from conftest import FIXED_NOW
from textual import on
from textual.app import App, ComposeResult

from feedreader.core.library import view
from feedreader.core.library.library import Library
from feedreader.core.library.searchhead import CANDIDATES, HEAD_MATCHES
from feedreader.core.library.view import ListModel
from feedreader.core.marks.bits import HIDDEN, READ
from feedreader.ui.article_list import ArticleList
from feedreader.ui.search_bar import SearchBar, apply_search

COUNT = 400


def write_library(tmp_path) -> Library:
    folder = tmp_path / "docs"
    folder.mkdir()
    rng = random.Random(5)
    for i in range(COUNT):
        words = "common" if rng.random() < 0.6 else "rare"
        text = "\n".join(["---", f"title: {json.dumps(f'{words} story {i}')}",
                          f"originalUrl: https://news.example.com/a{i}",
                          f"publishedDateTime: 2021-{1 + i % 12:02d}-{1 + i % 27:02d}T{i % 24:02d}:00:00Z",
                          "quality: 50", "provider:", "  name: Example", "  domain: news.example.com", "---", ""])
        (folder / f"a{i:04d}.txt").write_text(text, encoding="utf-8")
    library = Library.open(tmp_path / "cache", [folder])
    library.refresh(workers=1)
    assert library.count() == COUNT
    return library


class Host(App):
    def __init__(self, library: Library, marks: dict[int, int], heads: bool = True) -> None:
        super().__init__()
        self.heads = heads
        self.library = library
        self.model = ListModel(library, "newest")
        self.model.replace_marks(marks)
        self.results: list = []

    def compose(self) -> ComposeResult:
        model = self.model
        yield SearchBar(self.library, marks=lambda: model.marks, clock=lambda: FIXED_NOW, debounce=0.01,
                        candidates=(lambda hidden: model.unsearched_head(CANDIDATES, hidden)) if self.heads else None,
                        prepare=model.prepare, first=lambda result: model.first_matches(result, HEAD_MATCHES),
                        id="search")
        yield ArticleList(model, clock=lambda: FIXED_NOW, id="list")

    def on_mount(self) -> None:
        self.model.rebuild()
        self.query_one(ArticleList).reload()

    @on(SearchBar.Changed)
    def _changed(self, message: SearchBar.Changed) -> None:
        if message.result is not None:
            self.results.append((message.result, list(self.model.keys)))
            apply_search(self.model, self.query_one(ArticleList), message.result)
            self.results[-1] = (message.result, list(self.model.keys))


async def test_a_dense_query_shows_its_head_then_the_whole_list_and_the_cursor_stays(tmp_path):
    library = write_library(tmp_path)
    order = library.order("newest")
    marks = {aid: READ for aid in order[::4]} | {order[7]: HIDDEN}
    app = Host(library, marks)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            listed = app.model.keys
            common = [k for k in listed if library.rows([k])[k].title.startswith("common")]
            target = common[HEAD_MATCHES + 20]          # beyond the head: listed only by the whole result
            article_list = app.query_one(ArticleList)
            article_list.cursor = listed.index(target)
            await pilot.pause()
            assert article_list.current == target
            app.query_one(SearchBar).set_query("common")    # (a saved view, a topic filter: searched at once)
            for _ in range(300):
                await pilot.pause(0.01)
                if not app.query_one(SearchBar).busy and app.results and app.results[-1][0].text == "common":
                    break
            await app.workers.wait_for_complete()
            await pilot.pause()
            mine = [(r, keys) for r, keys in app.results if r.text == "common"]
            heads = [(r, keys) for r, keys in mine if r.head is not None]
            assert heads, "a dense query first shows the list's first matches"
            head, head_keys = heads[0]
            assert head_keys == common[:HEAD_MATCHES] == head.head
            whole = mine[-1][0]
            assert whole.head is None and whole.listed is not None   # made in the worker
            assert app.model.keys == common and app.model.head is None
            assert app.model.unread == sum(1 for k in common if not marks.get(k, 0) & READ)
            assert article_list.current == target      # back on its article after the head
            assert f"{whole.count:,} of {COUNT} match" in str(app.query_one("#search-status").render())
    finally:
        library.close()


async def test_a_large_lists_first_rows_of_a_whole_result_come_before_the_rest(tmp_path, monkeypatch):
    monkeypatch.setattr(view, "FIRST_ABOVE", 0)       # (a list this small is prepared at once in the app)
    library = write_library(tmp_path)
    order = library.order("newest")
    marks = {aid: READ for aid in order[::5]}
    app = Host(library, marks, heads=False)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            app.query_one(SearchBar).set_query("rare")
            for _ in range(300):
                await pilot.pause(0.01)
                if not app.query_one(SearchBar).busy and app.results and app.results[-1][0].head is None:
                    break
            await app.workers.wait_for_complete()
            await pilot.pause()
            rare = [k for k in order if library.rows([k])[k].title.startswith("rare")]
            (first, first_keys), (whole, whole_keys) = app.results[-2:]
            assert first.head == first_keys == rare[:HEAD_MATCHES] and first.count == len(rare)
            assert whole.head is None and whole_keys == rare == app.model.keys
    finally:
        library.close()
