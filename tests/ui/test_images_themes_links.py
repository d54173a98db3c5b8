"""Issue 16 in the app: the lead image (half blocks, from a local server), hostile images,
themes (live and remembered), the reader view's links, and the browser setting."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import pytest

from conftest import FIXED_NOW, screen_text
from docs import SEED
from feedreader.config import Settings
from feedreader.core.library.library import Library
from feedreader.core.marks.store import StateStore
from feedreader.core.web.pagecache import PageCache
from feedreader.core.web.readable import ReadableText
from feedreader.ui.app import FeedReaderApp, Services
from feedreader.ui.lead_image import LeadImage
from feedreader.ui.reader import ReaderScreen
from helpers.httpserver import TestServer, raw_response
from helpers.images import SVG, jpeg, png_header_only

XPENG = "Carmaker Xpeng Deletes 430,000 Photos for Misuse of Facial Recognition"


@pytest.fixture
def build(tmp_path):
    opened: list = []

    def make(folder: Path, *, ui_state: Path | None = None, **settings) -> FeedReaderApp:
        library = Library.open(tmp_path / "cache", [folder], "test")
        library.refresh(workers=1)
        state = StateStore.open(tmp_path / "data" / "state.db")
        opened.extend((library, state))
        settings.setdefault("mark_read_after", 0)
        settings.setdefault("allow_private_hosts", True)
        return FeedReaderApp(Services(
            library=library, settings=Settings(**settings), state=state,
            page_cache=PageCache(tmp_path / "cache" / "pages"), clock=lambda: FIXED_NOW,
            scan_on_start=False, renderer="halfblocks", ui_state=ui_state))

    yield make
    for thing in opened:
        thing.close()


def seed_with_image(folder: Path, image_url: str, name: str = "seed.txt") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = SEED.read_text(encoding="utf-8").replace(
        "https://img.caixin.com/2021-12-15/163955376422173_560_373.jpg", image_url)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def image_route(body: bytes, content_type: str = "image/jpeg"):
    return raw_response(200, {"Content-Type": content_type, "Content-Length": str(len(body))}, body)


async def wait_image(pilot, app) -> None:
    for _ in range(60):
        await pilot.pause(0.1)
        lead = app.query_one("#detail LeadImage", LeadImage)
        if lead.result is not None:
            return
    raise AssertionError("the lead image never arrived")


def test_seed_lead_image_as_half_blocks(snap_compare, build, tmp_path):
    with TestServer() as server:
        server.route("/lead.jpg", image_route(jpeg()))
        app = build(seed_with_image(tmp_path / "docs", server.url("/lead.jpg")), images=True)

        async def run_before(pilot):
            await wait_image(pilot, app)
            await pilot.pause()

        assert snap_compare(app, terminal_size=(140, 44), run_before=run_before)


async def test_space_is_reserved_and_the_picture_fills_it(build, tmp_path):
    import threading

    release = threading.Event()
    answer = image_route(jpeg())

    def held(ctx):   # the image answers only once the test has seen the reserved space
        release.wait(30)
        answer(ctx)

    with TestServer() as server:
        server.route("/lead.jpg", held)
        app = build(seed_with_image(tmp_path / "docs", server.url("/lead.jpg")), images=True)
        async with app.run_test(size=(140, 44)) as pilot:
            await pilot.pause()
            lead = app.query_one("#detail LeadImage", LeadImage)
            reserved = lead.outer_size.height
            assert reserved > 3 and "loading image" in screen_text(app)
            release.set()
            await wait_image(pilot, app)
            await pilot.pause()
            assert lead.outer_size.height == reserved        # no jump
            assert "▀" in screen_text(app)                    # half blocks
            # i turns images off (the URL is listed with the text again), and on
            await pilot.press("i")
            await pilot.pause()
            assert not lead.display and "lead image, 560×373" in screen_text(app)
            await pilot.press("i")
            await wait_image(pilot, app)


@pytest.mark.parametrize("body, content_type, words", [
    (png_header_only(30_000, 30_000), "image/png", "too large"),
    (png_header_only(3000, 2000), "image/png", "damaged"),
    (jpeg()[:1500], "image/jpeg", "damaged"),
    (b"\x00garbage" * 50, "image/png", "not an image format"),
    (SVG, "image/svg+xml", "SVG image"),
    (b"<html>a page</html>", "text/html", "not an image"),
])
async def test_hostile_images_end_in_a_placeholder(build, tmp_path, body, content_type, words):
    with TestServer() as server:
        server.route("/x", image_route(body, content_type))
        app = build(seed_with_image(tmp_path / "docs", server.url("/x")), images=True)
        async with app.run_test(size=(140, 44)) as pilot:
            await wait_image(pilot, app)
            await pilot.pause()
            assert words in screen_text(app)
            assert app.is_running


def test_light_theme_snapshot(snap_compare, make_app):
    app = make_app(theme="textual-light")
    assert snap_compare(app, terminal_size=(140, 40), press=["j", "f", "j", "m", "j", "x"])


async def test_theme_from_config_switches_live_and_is_remembered(build, tmp_path):
    state = tmp_path / "data" / "ui-state.json"
    folder = seed_with_image(tmp_path / "docs", "https://img.example.com/a.jpg")
    app = build(folder, ui_state=state, theme="nord")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert app.theme == "nord"
        before = app.screen.styles.background
        app.theme = "textual-light"           # what the palette's "Change theme" does
        await pilot.pause()
        assert app.screen.styles.background != before
    assert json.loads(state.read_text())["theme"] == "textual-light"
    again = build(folder, ui_state=state, theme="nord")
    async with again.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert again.theme == "textual-light"  # remembered over the unchanged config
    edited = build(folder, ui_state=state, theme="gruvbox")
    async with edited.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert edited.theme == "gruvbox"       # an edited config wins
    bad = build(folder, theme="no-such-theme")
    async with bad.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert bad.theme == "textual-dark"


def fake_browser(tmp_path: Path) -> tuple[Path, Path]:
    log = tmp_path / "argv.jsonl"
    script = tmp_path / "fake-browser"
    script.write_text(f"#!{sys.executable}\nimport json, sys\n"
                      f"open({str(log)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, log


def argvs(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


async def wait_for(pilot, check, tries: int = 50):
    for _ in range(tries):
        await pilot.pause(0.1)
        if check():
            return
    raise AssertionError("never happened")


async def test_reader_links_open_in_the_browser_setting_and_read_library_articles(build, tmp_path):
    script, log = fake_browser(tmp_path)
    folder = seed_with_image(tmp_path / "docs", "https://img.example.com/a.jpg")
    other = "https://www.caixinglobal.com/2021-12-15/carmaker-xpeng-deletes-430000-photos-for-misuse-of-facial-recognition-101818294.html"
    links = tuple(f"https://example.org/{n}" for n in range(1, 13)) + (other,)
    app = build(folder, browser=(str(script), "--new", "%u"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = ReaderScreen(ReadableText("Page", "Some text [1] [2].", links, "https://example.org/"),
                              url="https://example.org/")
        app.push_screen(screen)
        await pilot.pause()
        await pilot.press("2")                       # 2 of 13 could be 2x: waits, then opens
        await wait_for(pilot, lambda: argvs(log) == [["--new", "https://example.org/2"]])
        await pilot.press("1", "2")                  # 12: no longer number starts with it
        await wait_for(pilot, lambda: len(argvs(log)) == 2)
        assert argvs(log)[1] == ["--new", "https://example.org/12"]
        await pilot.press("l", "1", "enter")         # l then the number never guesses
        await wait_for(pilot, lambda: len(argvs(log)) == 3)
        assert argvs(log)[2] == ["--new", "https://example.org/1"]
        await pilot.press("shift+tab")               # the last link: the seed article itself
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReaderScreen) and app.screen is not screen)
        assert app.screen.url == other and len(argvs(log)) == 3
        # y copies the article's URL (OSC 52)
        copied: list[str] = []
        app.copy_to_clipboard = copied.append      # type: ignore[method-assign]
        await pilot.press("y")
        assert copied == [other]


async def test_a_text_browser_needs_the_terminal(build, tmp_path, monkeypatch):
    """Pilot cannot suspend: a text browser says so instead of drawing over the app
    (the real hand-over is tests/cli/test_text_browser.py)."""
    script, log = fake_browser(tmp_path)
    less = tmp_path / "less"
    less.symlink_to(script)
    monkeypatch.setenv("BROWSER", str(less))
    folder = seed_with_image(tmp_path / "docs", "https://img.example.com/a.jpg")
    app = build(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.fetching.browser.in_terminal and app.fetching.browser.source == "$BROWSER"
        await pilot.press("o")
        await pilot.pause(0.3)
        assert "needs the terminal" in " ".join(n.message for n in app._notifications)
        assert argvs(log) == []
