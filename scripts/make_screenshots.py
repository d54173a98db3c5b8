"""Regenerate screenshots/*.svg from the real app on the built-in samples.

    .venv/bin/python scripts/make_screenshots.py

Fixed terminal size, clock (2022-03-01 12:00 UTC) and time zone (UTC), a
throwaway cache and data dir: the pictures change only when the UI does.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXED_NOW = 1646136000.0
XPENG = "Carmaker Xpeng Deletes 430,000 Photos for Misuse of Facial Recognition"

# (file name, terminal size, keys to press before the shot)
SHOTS = [
    # a few rows read (dimmed) and one flagged, then the seed article
    ("main.svg", (150, 42), ["m", "j", "j", "f", "j", "m", "j", "m", "find:" + XPENG]),
    ("help.svg", (150, 48), ["question_mark"]),
    ("search.svg", (150, 42), ["slash", *"quillon", "wait", "enter"]),
]


async def shoot(name: str, size: tuple[int, int], keys: list[str], home: Path) -> None:
    from feedreader.config import Settings
    from feedreader.core.library.library import Library
    from feedreader.paths import builtin_library
    from feedreader.ui.app import FeedReaderApp, Services
    from feedreader.ui.article_list import ArticleList

    from feedreader.core.marks.store import StateStore

    library = Library.open(home / "cache", [builtin_library()], "samples")
    library.refresh(workers=1)
    state = StateStore.open(home / name / "state.db")
    from feedreader.core.web.pagecache import PageCache

    app = FeedReaderApp(
        Services(library=library, settings=Settings(mark_read_after=0), state=state,
                 page_cache=PageCache(home / "pages"), opener=lambda url: False,
                 clock=lambda: FIXED_NOW, scan_on_start=False)
    )
    try:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            for key in keys:
                if key == "wait":
                    await pilot.pause(0.5)
                    await app.workers.wait_for_complete()
                elif key.startswith("find:"):
                    title = key[5:]
                    lst = app.query_one(ArticleList)
                    lst.cursor = next(i for i in range(len(app.model)) if app.model.row_at(i).title == title)
                else:
                    await pilot.press(key)
                await pilot.pause()
            await pilot.pause(0.3)
            svg = app.export_screenshot(title="feedreader")
    finally:
        state.close()
        library.close()
    out = ROOT / "screenshots" / name
    out.write_text(svg, encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT)}")


def main() -> int:
    os.environ["TZ"] = "UTC"
    time.tzset()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        for kind in ("data", "cache", "config", "log"):
            os.environ[f"FEEDREADER_{kind.upper()}_DIR"] = str(home / kind)
        only = set(sys.argv[1:])
        for name, size, keys in SHOTS:
            if not only or name in only:
                asyncio.run(shoot(name, size, keys, home))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
