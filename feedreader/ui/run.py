"""Start the app from parsed command-line arguments."""

from __future__ import annotations

import argparse

from feedreader.cli.common import Context


def run_app(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from feedreader.core.library import Library
    from feedreader.core.pagecache import PageCache
    from feedreader.core.state import StateStore
    from feedreader.ui.app import FeedReaderApp, Services

    ctx = Context.from_args(args)
    settings = ctx.settings
    if getattr(args, "sort", None):
        settings = replace(settings, sort=args.sort)
    library = Library.open(ctx.paths.cache_dir, ctx.sources, ctx.library_name)
    state = StateStore.open(ctx.paths.state_db)
    try:
        app = FeedReaderApp(
            Services(library=library, settings=settings, state=state, page_cache=PageCache(ctx.paths.page_cache))
        )
        app.run()
        return app.return_code or 0
    finally:
        state.close()
        library.close()
