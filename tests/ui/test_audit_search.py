"""Audit of issue 14 ("`escape` in the list does not clear a kept search although
the bar says 'esc: clear'"): in the app, a search kept with enter is cleared by
escape pressed in the list, and the bar's count follows the filters."""

from __future__ import annotations

from conftest import screen_text


async def settle(pilot, app) -> None:
    for _ in range(40):
        await pilot.pause(0.05)
        await app.workers.wait_for_complete()


async def test_escape_in_the_list_clears_a_kept_search(make_app):
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        everything = len(app.model)
        await pilot.press("slash", *"quillon")
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        kept = len(app.model)
        assert 0 < kept < everything and app.article_list.has_focus
        assert "esc" in screen_text(app)
        await pilot.press("j")                 # moving in the list keeps it
        assert len(app.model) == kept
        await pilot.press("escape")            # in the list, not in the bar
        await settle(pilot, app)
        assert len(app.model) == everything
        assert "search: quillon" not in app.sub_title
