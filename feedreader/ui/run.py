"""Start the app from parsed command-line arguments."""

from __future__ import annotations

import argparse


def tune_gc() -> None:
    """Fewer, cheaper garbage collections while the app runs.

    With 100,000 articles a full collection walks the order lists and every
    Textual object: 50-90 ms, and Textual's short-lived objects made one run
    every few keys (issue 6: p95 key latency). What exists at startup
    (modules, classes) is frozen out of collections, and collections run
    less often. Measured with ``benchmarks/keys.py`` (it calls this too).
    """
    import gc

    gc.freeze()
    gc.set_threshold(10_000, 10, 50)
    gc.enable()


def run_app(args: argparse.Namespace) -> int:
    import gc

    gc.disable()   # no collections while importing and opening (~30 ms); tune_gc turns them back on
    try:
        return _run_app(args)
    finally:
        gc.enable()


def _run_app(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from feedreader.session import Session

    session = Session.from_args(args)
    settings = session.settings
    if getattr(args, "sort", None):
        settings = replace(settings, sort=args.sort)
    library = session.open_library()
    try:
        # the start-up scan's walk of the files begins now, in a child process, while the UI loads
        library.prewalk()
        # and the first screen's count and keys are read in a thread while the app is imported and built
        from feedreader.core.library.view import HEAD_ABOVE, HEAD_ROWS

        library.prefetch(settings.sort, HEAD_ROWS, head_above=HEAD_ABOVE)

        from feedreader.ui.app import FeedReaderApp, Services

        state = session.open_marks()
        try:
            if settings.images:
                from feedreader.ui.lead_image import prepare_terminal

                prepare_terminal()    # textual-image asks the terminal (kitty, Sixel?) before Textual owns it
            # feeds join the app when no PATH is given (their entries are then in the list)
            with_feeds = not getattr(args, "paths", None)
            app = FeedReaderApp(
                Services(library=library, settings=settings, state=state, page_cache=session.open_page_cache(),
                         ui_state=session.paths.data_dir / "ui-state.json",
                         feed_store=session.paths.feed_store if with_feeds else None,
                         feed_entries=session.paths.feed_entries if with_feeds else None)
            )
            tune_gc()
            app.run()
            return app.return_code or 0
        finally:
            state.close()
    finally:
        library.close()
