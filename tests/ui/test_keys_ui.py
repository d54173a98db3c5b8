"""[keys] in the config file (issue 14): a key another binding uses is a
conflict, reported, and the other binding keeps it; unknown binding ids are
reported; help and the footer show the keys in force with their ids."""

from __future__ import annotations

from conftest import notices, screen_text
from feedreader.core.marks.bits import READ


async def test_a_key_another_binding_uses_is_reported_and_the_other_keeps_it(make_app):
    app = make_app(keys=(("app.sort", "j"), ("marks.read", "m,x")))
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await pilot.pause()
        told = "\n".join(notices(app))
        assert "j is already list.down's key" in told
        assert "x is already marks.hide's key" in told
        await pilot.press("j")                      # still moves down
        assert app.article_list.cursor == 1 and app.model.order == "newest"
        await pilot.press("s")                      # app.sort kept its default
        assert app.model.order != "newest"
        row = app.model.row_at(app.article_list.cursor)
        await pilot.press("m")                      # marks.read got m
        assert app.model.flags(row.aid) & READ
        await pilot.press("x")                      # marks.hide kept x
        await pilot.pause()
        assert app.model.index_of(row.aid) is None


async def test_unknown_ids_and_characters_for_key_names_are_reported(make_app):
    app = make_app(keys=(("marks.reed", "r"), ("marks.flag", "?")))
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await pilot.pause()
        told = "\n".join(notices(app))
        assert "unknown binding id 'marks.reed'" in told and "'marks.read'" in told
        assert "'question_mark'" in told
        # question_mark is help's: a conflict, help keeps it, flag keeps f
        await pilot.press("question_mark")
        await pilot.pause()
        assert "feedreader keys" in screen_text(app)


async def test_help_and_footer_show_the_keys_in_force_with_their_ids(make_app):
    app = make_app(keys=(("marks.read", "w"),))
    async with app.run_test(size=(160, 60)) as pilot:
        footer = None
        for _ in range(50):    # the footer paints a frame or two after the list
            await pilot.pause(0.05)
            footer = next((line for line in screen_text(app).splitlines() if "Quit" in line), None)
            if footer is not None:
                break
        assert footer is not None, "the footer never painted"
        assert "w Read/unread" in footer and "m Read/unread" not in footer
        await pilot.press("question_mark")
        await pilot.pause()
        lines = [line for line in screen_text(app).splitlines() if "marks.read" in line]
        assert lines, "the help screen names the binding id"
        assert " w " in lines[0] and " m " not in lines[0]
        assert any("app.sort" in line for line in screen_text(app).splitlines())
