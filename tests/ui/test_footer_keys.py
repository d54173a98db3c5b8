"""The footer shows the keys in force after ``[keys]`` rebinds (issue 14): a
rebound key replaces the default in the footer, also for bindings that had a
fixed key display ("!", "?"), and ctrl keys in Textual's caret form. Binding
ids are on the help screen (``?``), not in the footer (README "Keys")."""

from __future__ import annotations

from conftest import screen_text


async def _footer(app, pilot) -> str:
    for _ in range(50):    # the footer paints a frame or two after the list
        await pilot.pause(0.05)
        footer = next((line for line in screen_text(app).splitlines() if "Quit" in line), None)
        if footer is not None:
            return footer
    raise AssertionError("the footer never painted")


async def test_the_footer_shows_rebound_keys(make_app):
    app = make_app(keys=(("app.problems", "f2"), ("app.help", "f1"), ("app.sort", "ctrl+o"),
                         ("marks.read", "w,ctrl+t")))
    async with app.run_test(size=(200, 40)) as pilot:
        footer = await _footer(app, pilot)
        for shown in ("f2 Problems", "f1 Help", "^o Sort", "w Read/unread"):
            assert shown in footer, (shown, footer)
        for gone in ("! Problems", "? Help", "s Sort", "m Read/unread"):
            assert gone not in footer, (gone, footer)
        # and the keys do what the footer says
        await pilot.press("f2")
        await pilot.pause()
        assert "problem" in screen_text(app).lower()


async def test_a_refused_rebind_leaves_the_default_in_the_footer(make_app):
    app = make_app(keys=(("app.problems", "P"),))     # P is fetch.prefetch_view's: a conflict
    async with app.run_test(size=(200, 40)) as pilot:
        footer = await _footer(app, pilot)
        assert "! Problems" in footer and "P Problems" not in footer, footer
