"""Audit of issue 14 ("Grammar"): one is singular everywhere in the app, the
header's counts included ("1 unread / 1 article", never "1 articles")."""

from __future__ import annotations

from conftest import screen_text
from docs import doc, write


async def test_the_header_says_one_article(make_app, tmp_path):
    write(tmp_path / "docs", "one.txt", doc("The only one", "https://x.example.com/1"))
    write(tmp_path / "docs", "two.txt", doc("Another", "https://x.example.com/2"))
    app = make_app(tmp_path / "docs")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert "2 unread / 2 articles" in app.sub_title
        await pilot.press("x")             # hide one: one article left in the view
        await pilot.pause()
        header = screen_text(app).splitlines()[0]
        assert "1 unread / 1 article " in header + " " and "1 articles" not in header, header
