"""IndexController: the app's refreshes of the article index.

A refresh runs in a thread worker (``scan``); everything it finds comes
back to the app in messages (``IndexProgress``, ``IndexBatch``,
``IndexScanned``), which the app hands to this controller's ``scanned``,
``progress`` and ``batch``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.timer import Timer
from textual.widgets import ProgressBar

from feedreader.core.library.library import Library
from feedreader.core.library.view import ListModel
from feedreader.core.model import Problem
from feedreader.ui.messages import IndexBatch, IndexProgress, IndexScanned

if TYPE_CHECKING:
    from textual.app import App

INDEX_BAR_DELAY = 0.3      # seconds a refresh runs before its progress bar shows


class IndexController:
    """Rescans (start-up, ``ctrl+r``, the periodic look), the indexing bar, "3 new"."""

    def __init__(self, app: App[int], *, model: ListModel, library: Library, scan_on_start: bool,
                 on_batch: Callable[[], None], update_header: Callable[[], None]) -> None:
        self.app = app
        self.model = model
        self.library = library
        self.on_batch = on_batch            # the app's list, search and sources follow a new batch
        self.update_header = update_header
        self.scans = 0 if scan_on_start else 1   # index refreshes done (the first: start-up)
        self._count_before: int | None = None    # articles before a rescan ("3 new")
        self.scan_problems: list[Problem] = []
        self.problem_count = 0
        self._last_batch = 0.0
        self._bar_timer: Timer | None = None

    @property
    def bar(self) -> ProgressBar:
        return self.app.query_one("#indexing", ProgressBar)

    def start(self) -> None:
        self.problem_count = len(self.library.index.problems())

    def problems(self) -> list[Problem]:
        return self.library.problems(self.scan_problems)

    def rescan(self) -> None:
        if self.scans == 0:
            # the start-up scan: after the first paint. The child walk (core/library/walk.py)
            # has the files added and deleted by then, and storing and sorting them at once
            # took the first paint's CPU (at 1,000,000 articles ~0.5 s); it counts no "N new"
            # either, so no count of the articles first (~0.1 s at 1,000,000)
            self.app.call_after_refresh(self._start_scan)
            return
        if self._count_before is None:
            self._count_before = self.library.count()
        self._start_scan()

    def _start_scan(self) -> None:
        self.app.run_worker(partial(self.scan, self._last_batch), name="_scan_worker", group="index",
                            exclusive=True, thread=True, exit_on_error=False)

    def scan(self, last_batch: float) -> None:
        """(A thread.) Refresh the index; everything it finds goes back in messages."""
        library, post = self.library, self.app.post_message

        def progress(done: int, total: int) -> None:
            post(IndexProgress(done, total))

        shown: int | None = None    # the index generation the last IndexBatch was sorted at

        def on_batch(_done: int) -> None:
            nonlocal last_batch, shown
            now = time.monotonic()
            # first batch at once (first paint on a cold start), then at most twice a second
            if last_batch and now - last_batch < 0.5:
                return
            last_batch = now
            library.invalidate()
            library.order(self.model.order)  # sort off the UI thread
            shown = library.order_generation(self.model.order)
            post(IndexBatch(at=now))

        report = library.refresh(progress=progress, on_batch=on_batch)
        post(IndexScanned(report.problems))
        if report.changed:
            library.order(self.model.order)
            # a few changed files are one batch: the list shows them already (one
            # rebuild of the list, not two, for the start-up scan's usual case)
            if library.order_generation(self.model.order) != shown:
                post(IndexBatch())
        post(IndexProgress(report.parsed, report.parsed))

    def scanned(self, message: IndexScanned) -> None:
        self.scan_problems = message.problems
        before, self._count_before, self.scans = self._count_before, None, self.scans + 1
        new = self.library.count() - before if before is not None else 0
        if self.scans > 1 and new > 0:     # not the start-up scan's (a cold start: everything)
            self.app.notify(f"{new:,} new", title="Sources", timeout=4)

    def progress(self, message: IndexProgress) -> None:
        """The indexing bar, once a refresh has taken ``INDEX_BAR_DELAY``: the
        start-up scan's usual few files are done sooner, and a bar shown for a
        moment only made the panes jump (two layouts of the screen)."""
        bar = self.bar
        if message.total and message.done < message.total:
            bar.update(total=message.total, progress=message.done)
            if not bar.display and self._bar_timer is None:
                self._bar_timer = self.app.set_timer(INDEX_BAR_DELAY, self._show_bar)
        else:
            if self._bar_timer is not None:
                self._bar_timer.stop()
                self._bar_timer = None
            bar.display = False
            self.problem_count = len(self.problems())
            self.update_header()

    def _show_bar(self) -> None:
        self._bar_timer = None
        self.bar.display = True

    def batch(self, message: IndexBatch) -> None:
        if message.at is not None:
            self._last_batch = message.at
        self.on_batch()
