"""The lead image: a widget above the article's text, and the controller that fetches and decodes it.

``LeadImage`` reserves its height from the document's ``images[0]``
width/height as soon as the article shows (the pane does not jump when the
picture arrives), then shows the picture scaled to the pane with
textual-image (kitty graphics, Sixel, or half-block characters), or a
one-line placeholder saying why not (SVG, too large, damaged, fetch failed).

``ImageController`` fetches through the app's ``Fetcher`` (its guards, size
cap and timeouts; ``core.web.images``), keeps the bytes in the image cache,
decodes in a thread (``decode_image``, bounded) and reports with an
``ImageReady`` message; the widget only ever draws what a message brought.

textual-image asks the terminal what it supports when it is first imported,
which must happen before Textual owns the terminal: ``prepare_terminal()``
(``ui/run.py`` calls it before ``app.run()``). Tests pick a renderer by name.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from feedreader.core.model import Article, Image
from feedreader.core.web.images import DecodedImage, ImageCache, ImageProblem
from feedreader.ui.kept import KeptBackground, OneLayout, PaneStatic, skip_resize

if TYPE_CHECKING:
    from feedreader.core.web.fetch import Fetcher

log = logging.getLogger("feedreader.ui")

RENDERERS = ("auto", "kitty", "sixel", "halfblocks", "unicode")
MAX_ROWS = 14            # the picture never takes more lines than this
PLACEHOLDER_ROWS = 8     # reserved when the document gives no size
KEEP_DECODED = 8         # decoded images kept in memory (moving back and forth)
_prepared = False


@dataclass
class ImageReady(Message):
    """A lead image was fetched and decoded (``DecodedImage``), or why not
    (``ImageProblem``); stale unless the pane still shows ``url``. (Here, not
    in ``ui.messages``: it is this module's worker that posts it.)"""

    url: str
    result: DecodedImage | ImageProblem


# Terminals known to draw kitty graphics or Sixel (and to answer textual-image's
# questions). Elsewhere the questions go unanswered: textual-image then waits
# ~0.7 s at start-up and logs a traceback, for half blocks in the end.
_GRAPHIC_TERMS = ("kitty", "ghostty", "foot", "mlterm", "sixel", "contour", "wezterm", "yaft")
_GRAPHIC_PROGRAMS = ("wezterm", "iterm.app", "ghostty", "konsole", "mintty", "rio")


def worth_asking(env: Mapping[str, str]) -> bool:
    """Whether the terminal of ``env`` may draw kitty graphics or Sixel."""
    if env.get("KITTY_WINDOW_ID") or env.get("WEZTERM_PANE") or env.get("KONSOLE_VERSION"):
        return True
    term = env.get("TERM", "").lower()
    program = env.get("TERM_PROGRAM", "").lower()
    return any(name in term for name in _GRAPHIC_TERMS) or program in _GRAPHIC_PROGRAMS


def prepare_terminal(env: Mapping[str, str] | None = None) -> None:
    """Let textual-image ask the terminal about kitty graphics / Sixel and the cell size
    (before Textual starts; after, the answers would land in Textual's input) -- only
    where the terminal may draw them; everywhere else images are half blocks."""
    global _prepared
    if not worth_asking(os.environ if env is None else env):
        return
    quiet = logging.getLogger("textual_image")
    for handler in logging.getLogger("feedreader").handlers or [logging.NullHandler()]:
        quiet.addHandler(handler)
    quiet.propagate = False     # its warnings go to our log file, never over the terminal
    try:
        import textual_image.widget  # noqa: F401 - the import asks the terminal
    except Exception as exc:   # noqa: BLE001 - no images is better than no app
        log.warning("textual-image could not start: %s", exc)
        return
    _prepared = True


def image_widget_class(renderer: str) -> type[Widget] | None:
    """The textual-image widget for ``renderer``; "auto" needs ``prepare_terminal`` first
    (without it, half blocks). None: textual-image is not available."""
    try:
        if renderer == "auto" and _prepared:
            from textual_image.widget import Image as AutoImage

            return AutoImage
        import textual_image.widget as tw

        chosen: dict[str, type[Widget]] = {"kitty": tw.TGPImage, "sixel": tw.SixelImage, "unicode": tw.UnicodeImage}
        return chosen.get(renderer, tw.HalfcellImage)
    except Exception as exc:   # noqa: BLE001
        log.warning("textual-image is not available: %s", exc)
        return None


def cell_ratio() -> float:
    """A terminal cell's height over its width (2.0 when the terminal does not say)."""
    try:
        from textual_image._terminal import get_cell_size   # the size it scales with

        size = get_cell_size()
        return size.height / size.width if size.width else 2.0
    except Exception:   # noqa: BLE001
        return 2.0


def fit(width: int | None, height: int | None, cols: int, *, ratio: float = 2.0,
        max_rows: int = MAX_ROWS) -> tuple[int, int]:
    """(cols, rows) that show a ``width``×``height`` picture in at most ``cols``
    columns and ``max_rows`` lines, keeping its shape."""
    cols = max(cols, 1)
    if not width or not height or width <= 0 or height <= 0:
        return cols, PLACEHOLDER_ROWS
    rows = round(cols * height / width / ratio)
    if rows > max_rows:
        rows = max_rows
        cols = max(1, min(cols, round(rows * ratio * width / height)))
    return cols, max(rows, 1)


def host_of(url: str | None) -> str:
    try:
        return urlsplit(url or "").hostname or ""
    except ValueError:
        return ""


class LeadImage(OneLayout, KeptBackground, Vertical):
    """The picture (or its placeholder) and a one-line caption."""

    DEFAULT_CSS = """
    LeadImage { height: auto; width: 1fr; margin: 1 0 0 0; }
    LeadImage > #lead-box { width: 1fr; background: $panel; color: $text-muted; content-align: center middle; }
    LeadImage > #lead-caption { height: 1; width: 1fr; color: $text-muted; }
    """

    def __init__(self, renderer: str = "auto", *, max_rows: int = MAX_ROWS, id: str | None = None) -> None:
        super().__init__(id=id)
        self.renderer = renderer
        self.max_rows = max_rows
        self.image: Image | None = None        # the model's images[0] shown
        self.result: DecodedImage | ImageProblem | None = None
        self._picture: Widget | None = None
        self._ratio = 2.0
        self.on_result: Callable[[], None] | None = None    # the detail pane's: after a result is shown
        self._resized_width: int | None = None     # the width of the last Resize handled

    def post_message(self, message: Message) -> bool:
        # a new height alone (the box this widget sized itself, each article) needs no
        # _layout: only a new width does; a Resize left queued after the pane's layout
        # made the frame that showed a new article not its last (ui/kept.py)
        if skip_resize(message, self._resized_width):
            return False
        if isinstance(message, events.Resize):
            self._resized_width = message.size.width
        return super().post_message(message)

    def compose(self) -> ComposeResult:
        # the picture widget is mounted with the first picture (textual-image loads then)
        yield PaneStatic(id="lead-box", markup=False)
        yield PaneStatic(id="lead-caption", markup=False)

    def on_mount(self) -> None:
        self.display = False

    @property
    def url(self) -> str | None:
        return self.image.url if self.image is not None else None

    def show(self, image: Image | None) -> None:
        """Reserve the space of ``image`` (None: nothing) and wait for ``set_result``."""
        self.image = image
        self.result = None
        if image is None or not self.is_mounted:
            self.display = False
            return
        self.display = True
        box = self.query_one("#lead-box", Static)
        # the box's height is set by _layout (a change of it is a layout), the caption's is 1:
        # new words in them are a repaint only
        box.update(Text("loading image…" if image.url else "image not fetched", style="italic"), layout=False)
        box.display = True
        if self._picture is not None:
            self._picture.display = False
            self._picture.image = None     # type: ignore[attr-defined]
        self._caption()
        self._layout()

    async def set_result(self, url: str, result: DecodedImage | ImageProblem) -> None:
        if url != self.url or not self.is_mounted:
            return   # a stale result (another article shows now), or the pane is gone
        if isinstance(result, DecodedImage) and self._picture is None:
            cls = image_widget_class(self.renderer)
            if cls is not None:
                self._ratio = cell_ratio()
                picture = cls(id="lead-picture")
                picture.display = False
                await self.mount(picture, before=self.query_one("#lead-caption"))
                self._picture = picture
            if url != self.url:
                return
        self.result = result
        box = self.query_one("#lead-box", Static)
        if isinstance(result, DecodedImage) and self._picture is not None:
            self._picture.image = result.image   # type: ignore[attr-defined]
            self._picture.display = True
            box.display = False
        else:
            message = result.message if isinstance(result, ImageProblem) else "images cannot be drawn here"
            box.update(Text(message, style="italic"), layout=False)
            box.display = True
        self._caption()
        self._layout()
        if self.on_result is not None:
            self.on_result()

    def _caption(self) -> None:
        image = self.image
        if image is None:
            return
        result = self.result
        size = (f"{result.width}×{result.height}" if isinstance(result, DecodedImage)
                else f"{image.width}×{image.height}" if image.width and image.height else "")
        parts = ["lead image", size, host_of(image.url)]
        if isinstance(result, DecodedImage) and result.frames > 1:
            parts.append(f"animated, first of {result.frames} frames")
        if isinstance(result, ImageProblem) and result.kind == "svg":
            parts.append(image.raw_url or image.url or "")
        self.query_one("#lead-caption", Static).update(Text(" · ".join(p for p in parts if p)), layout=False)

    def _layout(self) -> None:
        """Size the box and the picture for the current width: the same height for both
        when the document's size is right, so nothing below moves."""
        image = self.image
        if image is None:
            return
        cols = self.size.width or (self.parent.size.width if isinstance(self.parent, Widget) else 0) or 40
        result = self.result
        w, h = ((result.width, result.height) if isinstance(result, DecodedImage) else (image.width, image.height))
        pic_cols, rows = fit(w, h, cols, ratio=self._ratio, max_rows=self.max_rows)
        box = self.query_one("#lead-box", Static)
        box_rows = rows if not isinstance(result, ImageProblem) else 1
        if box.styles.height is None or box.styles.height.value != box_rows:
            box.styles.height = box_rows
            # this widget's own height changes too: said now, not when Textual
            # finds out at idle, so the detail pane can arrange itself before its
            # layout (ArticleView._expect_scroll_bar)
            self.refresh(layout=True)
        if self._picture is not None and isinstance(result, DecodedImage):
            self._picture.styles.width = pic_cols
            self._picture.styles.height = rows

    def on_resize(self) -> None:
        self._layout()


class ImageController:
    """Fetches and decodes lead images for the app; results come back as ``ImageReady``."""

    def __init__(self, app: App[Any], *, fetcher: Callable[[], Fetcher], cache: ImageCache | None,
                 enabled: bool, renderer: str = "auto") -> None:
        self.app = app
        self.renderer = renderer
        self.fetcher = fetcher
        self.cache = cache
        self.enabled = enabled
        self._decoded: OrderedDict[str, DecodedImage | ImageProblem] = OrderedDict()

    def lead(self, article: Article | None) -> Image | None:
        if not self.enabled or article is None or not article.images:
            return None
        return article.images[0]

    def load(self, image: Image | None, *, delay: float = 0.05) -> None:
        """Fetch (or take from the caches) and decode ``image``; a newer call cancels an older one."""
        if image is None:
            return
        url = image.url
        if url is None:
            self.app.post_message(ImageReady(image.raw_url, ImageProblem("fetch", "the image's link cannot be fetched")))
            return
        known = self._decoded.get(url)
        if known is not None:
            self._decoded.move_to_end(url)
            self.app.post_message(ImageReady(url, known))
            return
        self.app.run_worker(self._load(url, delay), name="_lead_image", group="lead-image", exclusive=True,
                            exit_on_error=False)

    async def _load(self, url: str, delay: float) -> None:
        from feedreader.core.web.images import decode_image, fetch_image

        if delay:
            await asyncio.sleep(delay)       # the cursor moving fast: only where it stops
        # the first one builds the fetcher (its imports and client: ~0.25 s of CPU) in a thread,
        # not on the event loop the first screen and the first keys wait on
        got = await fetch_image(await asyncio.to_thread(self.fetcher), self.cache, url)
        if got.data is None:
            result: DecodedImage | ImageProblem = ImageProblem("fetch", f"image not loaded: {got.error}")
        else:
            result = await asyncio.to_thread(decode_image, got.data, content_type=got.content_type)
            self._decoded[url] = result
            while len(self._decoded) > KEEP_DECODED:
                self._decoded.popitem(last=False)
        self.app.post_message(ImageReady(url, result))

    async def prefetch(self, articles: list[Article]) -> int:
        """Fetch (not decode) the lead images of ``articles`` into the cache; how many are there now."""
        from feedreader.core.web.images import fetch_image

        urls = list(dict.fromkeys(a.images[0].url for a in articles if a.images and a.images[0].url))
        fetcher = self.fetcher()
        results = await asyncio.gather(*(fetch_image(fetcher, self.cache, u) for u in urls if u))
        return sum(r.data is not None for r in results)
