"""Open in the browser, prefetch, and the reader view: keys -> core.web.fetch.

``FetchController`` is one object the app builds with what it uses; the
app's ``action_*`` methods for ``FETCH_BINDINGS`` call it. One ``Fetcher``
(one shared httpx client) lives as long as the app, created on first use;
fetches run as async workers on the app's event loop (they may touch the
app: same thread), HTML extraction in a thread, and the browser is started
in a thread worker that reports back with a ``BrowserOpened`` message; a
text browser (``ui/browser.py``) runs in the terminal while the app is suspended.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.app import App, SuspendNotSupported
from textual.binding import Binding
from textual.widgets import ProgressBar
from textual.worker import Worker

from feedreader.config import Settings
from feedreader.core.ids import aid_from_id
from feedreader.core.library.library import Library, ListRow
from feedreader.core.library.view import ListModel
from feedreader.core.model import Article
from feedreader.core.text import check_url, url_problem
from feedreader.core.web.pagecache import PageCache
from feedreader.ui.article_list import ArticleList
from feedreader.ui.article_view import ArticleView
from feedreader.ui.browser import Browser
from feedreader.ui.lead_image import ImageController, ImageReady
from feedreader.ui.marking import MarksController
from feedreader.ui.messages import BrowserOpened
from feedreader.ui.safe import plural

if TYPE_CHECKING:   # core.web.fetch imports httpx (~50 ms): loaded on the first fetch, not at start-up
    from feedreader.core.web.fetch import Fetcher, FetchResult
    from feedreader.ui.reader import ReaderScreen

log = logging.getLogger("feedreader.ui")

FETCH_BINDINGS = [
    Binding("o", "open_browser", "Open", tooltip="Open the article (or the related item) in the browser",
            id="fetch.open"),
    Binding("p", "prefetch", "Prefetch", show=False, tooltip="Save this article's page for offline reading",
            id="fetch.prefetch"),
    Binding("P", "prefetch_view", "Prefetch all", show=False,
            tooltip="Save every page in the view, in the background", id="fetch.prefetch_view"),
    Binding("v", "reader", "Reader", tooltip="Reader view: the page's text, offline once saved",
            id="fetch.reader"),
]

# list row status column
CACHED, FETCHING, FAILED, UNKNOWN = "✓", "↓", "✗", " "

Opener = Callable[[str], object]     # tests: called (in a thread) instead of a browser


class FetchController:
    """Pages for the app: the list's cache column, the detail's "Page" line,
    opening in the browser, prefetching, and the reader view.

    ``marks`` marks an article read when it is opened; ``update_header`` and
    ``refresh_notes`` are the app's (``note`` is this part of the header).
    """

    def __init__(
        self,
        app: App[Any],
        *,
        model: ListModel,
        library: Library,
        settings: Settings,
        page_cache: PageCache,
        opener: Opener | None,
        marks: MarksController,
        images: ImageController | None = None,
        update_header: Callable[[], None],
        refresh_notes: Callable[[], None],
    ) -> None:
        self.app = app
        self.model = model
        self.library = library
        self.settings = settings
        self.page_cache = page_cache
        self.opener = opener
        self.browser = Browser.choose(settings.browser, settings.browser_in_terminal)
        self.marks = marks
        self.images = images
        self.update_header = update_header
        self.refresh_notes = refresh_notes
        self.note = ""                          # for the header: a prefetch's progress
        self._fetcher: Fetcher | None = None
        self._fetcher_lock = threading.Lock()   # (the lead image builds it in a thread: ui/lead_image.py)
        self._fetch_state: dict[str, str] = {}  # url -> CACHED / FETCHING / FAILED / UNKNOWN
        self._fetch_errors: dict[str, str] = {}

    @property
    def article_list(self) -> ArticleList:
        return self.app.query_one(ArticleList)

    @property
    def article_view(self) -> ArticleView:
        return self.app.query_one(ArticleView)

    @property
    def fetcher(self) -> Fetcher:
        with self._fetcher_lock:
            if self._fetcher is None:
                from feedreader.core.web.fetch import Fetcher

                self._fetcher = Fetcher(
                    self.settings.fetch, self.page_cache,
                    allow_private=self.settings.allow_private_hosts,
                )
            return self._fetcher

    async def close_fetcher(self) -> None:
        if self._fetcher is not None:
            await self._fetcher.aclose()
            self._fetcher = None

    # -- row status -------------------------------------------------------------
    def row_status(self, row: ListRow) -> str:
        """The list's cache column: looked up once per URL, then kept in memory."""
        url = row.url
        if not url:
            return UNKNOWN
        state = self._fetch_state.get(url)
        if state is None:
            status = self.page_cache.status(url)
            state = CACHED if status.cached else FAILED if status.state == "failed" else UNKNOWN
            if status.error:
                self._fetch_errors[url] = status.error
            self._fetch_state[url] = state
        return state

    def notes(self, url: str | None, raw: str) -> list[tuple[str, str, str]]:
        if not url:
            reason = url_problem(raw) if raw else "the article has no link"
            return [("Page", f"cannot be fetched: {reason}", "red")]
        status = self.page_cache.status(url)
        state = self._fetch_state.get(url)
        if state == FETCHING:
            return [("Page", "downloading…", "italic")]
        if status.cached:
            size = f"{status.size / 1024:.0f} KB" if status.size else "cached"
            note = f"saved for offline reading ({size}); v reads it"
            if status.error:
                note += f"; last refetch failed: {status.error}"
            return [("Page", note, "green")]
        if status.state == "failed":
            return [("Page", f"fetch failed: {status.error}", "red")]
        return [("Page", "not fetched yet; p prefetches, v reads", "dim")]

    def _set_state(self, url: str, state: str, aids: list[int] | None = None) -> None:
        self._fetch_state[url] = state
        for aid in aids or ():
            self.article_list.refresh_key(aid)
        if state == FETCHING and self.article_list.current in (aids or ()):
            self.refresh_notes()    # the detail pane says the page is downloading

    # -- open --------------------------------------------------------------------
    def current_article(self) -> Article | None:
        """The article under the list cursor (the detail pane may lag a frame)."""
        aid = self.article_list.current
        shown = self.article_view.article
        if aid is None:
            return None
        if shown is not None and aid_from_id(shown.id) == aid:
            return shown
        return self.library.article(aid)

    def target_url(self) -> tuple[str | None, str]:
        """(checked URL, raw value) of the focused related item, else of the article."""
        related = self.article_view.highlighted_related
        if related is not None:
            return related.url, related.raw_url
        article = self.current_article()
        if article is None:
            return None, ""
        return article.url, article.original_url or article.web_url

    def open_browser(self) -> None:
        url, raw = self.target_url()
        if url is None or check_url(url) is None:
            reason = url_problem(raw) if raw else "there is no link"
            self.app.notify(f"Not opened: {reason}", severity="warning", timeout=5)
            return
        related = self.article_view.highlighted_related is not None
        self.open_url(url)
        if not related:
            self.marks.mark_opened()

    def open_url(self, url: str) -> None:
        """Open a checked URL: a text browser in the terminal (the app suspended
        meanwhile), any other started in a thread."""
        if self.opener is None and self.browser.in_terminal:
            self._open_in_terminal(url)
            return
        self.app.run_worker(partial(self._open, url), name="_open_worker", group="open", thread=True,
                            exit_on_error=False)

    def _open_in_terminal(self, url: str) -> None:
        try:
            with self.app.suspend():
                code = self.browser.run_in_terminal(url)
        except SuspendNotSupported:
            self.app.notify(f"{self.browser.name} needs the terminal, which this app cannot hand over here.",
                            severity="warning")
            return
        except OSError as exc:
            self.app.post_message(BrowserOpened(url, False, f"{self.browser.name}: {exc.strerror or exc}"))
            return
        self.app.post_message(BrowserOpened(url, True, None if code in (0, None) else
                                            f"{self.browser.name} ended with status {code}"))

    def _open(self, url: str) -> None:
        """(A thread: a browser may take its time to start.)"""
        try:
            ok = self.opener(url) if self.opener is not None else self.browser.start_detached(url)
        except Exception as exc:  # noqa: BLE001 - a broken $BROWSER must not end the app
            log.warning("could not open %s: %s", url, exc)
            self.app.post_message(BrowserOpened(url, False, str(exc)))
            return
        self.app.post_message(BrowserOpened(url, ok is not False))

    def opened(self, message: BrowserOpened) -> None:
        if message.error is not None:
            self.app.notify(f"Could not open the browser: {message.error}", severity="error", markup=False)
        elif not message.started:
            self.app.notify("No browser could be started (set browser in the config, or $BROWSER).",
                            severity="warning")
        else:
            self.app.notify(f"Opened {message.url}", timeout=2, markup=False)

    # -- prefetch ------------------------------------------------------------------
    def prefetch(self) -> None:
        row = self.model.row_at(self.article_list.cursor)
        if row is None:
            return
        if not row.url:
            self.app.notify("This article has no link that can be fetched.", severity="warning")
            return
        self._prefetch([row])

    def prefetch_view(self) -> None:
        keys = self.model.keys
        rows = self.library.rows(keys)
        todo = [rows[a] for a in keys if a in rows and rows[a].url]
        if not todo:
            self.app.notify("Nothing to prefetch in this view.", timeout=2)
            return
        self.app.notify(f"Prefetching {plural(len(todo), 'page')} in the background…", timeout=3)
        self._prefetch(todo)

    def _prefetch(self, rows: list[ListRow]) -> Worker[None]:
        # (the return type tells mypy which of run_worker's kinds of work this is)
        return self.app.run_worker(partial(self._prefetch_rows, rows), name="_prefetch", group="prefetch",
                                   exit_on_error=False)

    async def _prefetch_rows(self, rows: list[ListRow]) -> None:
        by_url: dict[str, list[int]] = {}
        for row in rows:
            if row.url:
                by_url.setdefault(row.url, []).append(row.aid)
        for url, aids in by_url.items():
            self._set_state(url, FETCHING, aids)
        bar = self.app.query_one("#fetching", ProgressBar)
        total = len(by_url)
        many = total > 1
        if many:
            bar.display = True
            bar.update(total=total, progress=0)

        def progress(done: int, failed: int, total: int, result: FetchResult) -> None:
            self._finished(result, by_url.get(result.url, []))
            if many:
                bar.update(progress=done)
                self.note = f"prefetch {done:,}/{total:,}, {failed:,} failed"
                self.update_header()

        try:
            results = await self.fetcher.fetch_many(list(by_url), progress)
            if self.images is not None and self.images.enabled:
                # their lead images too, so they show offline
                articles = [a for a in (self.library.article(row.aid) for row in rows) if a is not None]
                await self.images.prefetch(articles)
        finally:
            if many:
                bar.display = False
                self.note = ""
                self.update_header()
        failed = [r for r in results if not r.ok]
        if len(results) == 1:
            r = results[0]
            if r.ok:
                self.app.notify("Saved for offline reading." if r.status == "fetched" else "Already up to date.",
                                timeout=2)
            else:
                self.app.notify(f"Fetch failed: {r.error}", severity="error", timeout=6)
        else:
            fetched = sum(r.status == "fetched" for r in results)
            same = sum(r.status == "not_modified" for r in results)
            self.app.notify(f"Prefetched: {fetched:,} fetched, {same:,} not modified, {len(failed):,} failed",
                            severity="warning" if failed else "information", timeout=6)
        for r in failed:
            log.info("prefetch %s failed: %s", r.url, r.error)

    def _finished(self, result: FetchResult, aids: list[int]) -> None:
        if result.ok:
            self._set_state(result.url, CACHED, aids)
        else:
            self._fetch_errors[result.url] = result.error or "failed"
            state = CACHED if self.page_cache.status(result.url).cached else FAILED
            self._set_state(result.url, state, aids)
        if self.article_list.current in aids:
            self.refresh_notes()

    # -- reader view -----------------------------------------------------------------
    def reader(self) -> None:
        article = self.current_article()
        if article is None:
            return
        if not article.url:
            raw = article.original_url or article.web_url
            self.app.notify(f"No readable page: {url_problem(raw) if raw else 'the article has no link'}",
                            severity="warning")
            return
        self.marks.mark_opened()
        self.read(article, self.article_list.current)

    def read(self, article: Article, aid: int | None) -> None:
        """Push a reader view of ``article`` (its page, fetched if need be, and its lead image)."""
        from feedreader.ui.reader import ReaderScreen

        assert article.url is not None
        lead = self.images.lead(article) if self.images is not None else None
        screen = ReaderScreen(None, url=article.url, loading=True, title=article.title, lead=lead,
                              renderer=self.images.renderer if self.images is not None else "auto")
        self.app.push_screen(screen)
        if self.images is not None:
            self.images.load(lead, delay=0)
        self._start_reader(screen, article.url, aid, known=_known_text(article))

    async def image_ready(self, message: ImageReady) -> None:
        """A lead image for the reader views on the screen stack."""
        from feedreader.ui.reader import ReaderScreen

        for screen in list(self.app.screen_stack) if self.app.is_running else ():
            if isinstance(screen, ReaderScreen):
                await screen.set_image(message.url, message.result)

    def follow(self, url: str, *, read: bool) -> None:
        """A reader view's link: ``read`` reads it in the reader view when it is an
        article of the library, else it (or ``read`` False) opens in the browser."""
        if check_url(url) is None:
            self.app.notify(f"Not opened: {url_problem(url) or 'not a link'}", severity="warning", markup=False)
            return
        if read:
            aid = self.library.find_by_url(url)
            article = self.library.article(aid) if aid is not None else None
            if article is not None and article.url:
                self.read(article, aid)
                return
            self.app.notify("Not an article in this library: opening it in the browser.", timeout=3)
        self.open_url(url)

    def _start_reader(self, screen: ReaderScreen, url: str, aid: int | None, *, known: str = "") -> Worker[None]:
        return self.app.run_worker(partial(self._load_reader, screen, url, aid, known), name="_load_reader",
                                   group="reader", exclusive=True, exit_on_error=False)

    async def _load_reader(self, screen: ReaderScreen, url: str, aid: int | None, known: str = "") -> None:
        """The page for ``screen``; a result for a reader view closed meanwhile is
        dropped (the page is still saved); offline, the document's own text
        (``known``) is shown with the reason."""
        readable = await asyncio.to_thread(self.page_cache.readable, url)
        if readable is None and not self.page_cache.status(url).cached:
            self._set_state(url, FETCHING, [aid] if aid is not None else [])
            result = await self.fetcher.fetch(url)
            self._finished(result, [aid] if aid is not None else [])
            if not result.ok:
                if not screen.closed:
                    screen.set_error(result.error or "unknown error", known=known)
                return
            readable = await asyncio.to_thread(self.page_cache.readable, url)
        if not screen.closed:
            screen.set_readable(readable)


def _known_text(article: Article) -> str:
    """What a document says itself (excerpt, body): the reader view's text when
    its page cannot be fetched."""
    return "\n\n".join(part for part in (article.excerpt, article.body) if part)
