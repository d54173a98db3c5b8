"""The problems screen's severities in the theme's colours (issue 16): legible
in light themes, never a hard-coded red/yellow."""

from __future__ import annotations

from textual.color import Color

from feedreader.core.model import Problem

PROBLEMS = [
    Problem("/docs/broken.yaml", "line 3: not YAML: a mapping was expected", 3, "error"),
    Problem("/docs/odd.yaml", "field 'quality' dropped: not a number", None, "warning"),
    Problem("/docs/[b]x[/b].yaml", "[reverse]marked[/reverse] up", None, "warning"),
]


def _cells(app, word: str):
    """(foreground, background) of the first cell of ``word`` on the screen."""
    for strip in app.screen._compositor.render_strips():
        text = strip.text
        at = text.find(word)
        if at < 0:
            continue
        column = 0
        for segment in strip:
            if column <= at < column + len(segment.text):   # the severity's cell (the ":" is plain)
                style = segment.style
                return Color.from_rich_color(style.color), Color.from_rich_color(style.bgcolor)
            column += len(segment.text)
    raise AssertionError(f"{word!r} not on screen")


def _contrast(a: Color, b: Color) -> float:
    def luminance(c: Color) -> float:
        def channel(v: int) -> float:
            v = v / 255
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


THEMES = ["textual-light", "solarized-light", "catppuccin-latte", "rose-pine-dawn", "atom-one-light",
          "textual-dark", "nord", "gruvbox"]


async def test_severities_follow_the_theme(make_app):
    from feedreader.ui.screens import ProblemsScreen

    app = make_app()
    seen: dict[str, set[tuple[str, str]]] = {"error": set(), "warning": set()}
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await app.push_screen(ProblemsScreen(PROBLEMS))
        for theme in THEMES:
            app.theme = theme
            await pilot.pause()
            badges = {}
            for word in seen:
                fg, bg = _cells(app, f" {word} :")
                assert _contrast(fg, bg) >= 3.0, (theme, word, fg.hex, bg.hex, _contrast(fg, bg))
                badges[word] = (fg.hex, bg.hex)
                seen[word].add(badges[word])
            assert badges["error"] != badges["warning"], theme
        # a path or message is plain text, never markup
        assert "[reverse]marked[/reverse] up" in "\n".join(
            s.text for s in app.screen._compositor.render_strips())
    # the theme's colours, not one hard-coded red and yellow for all
    assert len(seen["error"]) >= len(THEMES) - 1 and len(seen["warning"]) >= len(THEMES) - 1, seen


def test_problems_screen_light_theme_snapshot(snap_compare, make_app):
    from feedreader.ui.screens import ProblemsScreen

    async def run_before(pilot):
        await pilot.app.push_screen(ProblemsScreen(PROBLEMS))
        await pilot.pause()

    assert snap_compare(make_app(theme="textual-light"), terminal_size=(100, 24), run_before=run_before)
