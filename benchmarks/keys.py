"""Key latency inside the real app (run by ``run.py`` in its own process).

    .venv/bin/python benchmarks/keys.py [CORPUS] [--samples 60] [--read-fraction 0.3]

Uses the environment's FEEDREADER_*_DIR (the runner points them at a warm
index). With no CORPUS, the sources are the config's and the subscribed
feeds' entries, as ``feedreader`` with no PATH has them (the runner's way). Builds ``FeedReaderApp`` the way ``feedreader`` does (``ui/run.py``)
with the real library, marks store and widgets, runs it headless at 200x50
with Textual's Pilot, and times each key from the moment the key event is
posted until the first screen update (layout, the changed lines rendered by
the widgets, and the terminal bytes for them encoded with
``CompositorUpdate.render_segments``, as the real driver would write) that
is computed after

1. the key's action has run (binding -> action -> list cursor, marks store
   write, filter, ...), and
2. every message queue of the app is empty (whatever the action posted is
   handled), but for callbacks waiting for the next refresh (``InvokeLater``).

That is the frame that shows what the key did. It is usually the update the
harness asks for itself once the queues stay empty; sometimes Textual's own
frame timer (60 a second, running as in the real app) paints it a little
earlier, while the harness is still waiting for quiet queues. Work a widget
defers until after that frame (the list tells the app about a new
highlighted article then, and the app fills the detail pane) is not part of
the key's frame: it is timed on as ``settled`` (key -> that work handled and
painted too). ``handled`` keeps the older, stricter reading: key -> every
message handled and then a screen update, which counts the deferred detail
pane too whenever the frame timer happened to paint in between.

``detail`` is what a reader waits for, the figure issue 17 sets for the
detail pane: key -> the first screen update, computed after the pane was
given the article now under the cursor (``ArticleView.show``), with no
message left to handle but callbacks waiting for the next refresh (the rule
of the key's own frame). Work after that frame (the list rendering the next
page ahead, the pane rendering the next articles) is in ``settled``, not in
``detail``. A key that shows no new article (mark read, noop) has
``detail`` = its own frame, where the pane's status lines change.

Between two keys the harness lets the app go idle (``pilot.pause()``), as a
reader's pause between keys does; what a key leaves for idle time (the list
renders the next page ahead after a page key) is then done. Keys pressed
faster than the app settles (held-down key repeat) are not what this times.

Not included: waiting for the next frame tick (Textual paints at most 60
times a second) and the write() to the terminal. The harness itself costs
a little per key (it looks at every widget's queue, after each turn of
the event loop, until all are empty three turns in a row): the ``noop`` row
(a key bound to nothing) shows that floor.

Prints one JSON object: per action the samples in milliseconds, p50/p95/max,
and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(samples: list[float]) -> dict:
    return {
        "n": len(samples),
        "p50": round(percentile(samples, 50), 2),
        "p95": round(percentile(samples, 95), 2),
        "max": round(max(samples), 2) if samples else None,
        "mean": round(statistics.fmean(samples), 2) if samples else None,
        "samples": [round(s, 2) for s in samples],
    }


def context(corpus: Path | None):
    from feedreader.cli import build_parser
    from feedreader.cli.common import Context

    parser, _commands, _names = build_parser()
    return Context.from_args(parser.parse_args([str(corpus)] if corpus else []))


def build_app(corpus: Path | None):
    """The app as ``feedreader [CORPUS]`` builds it (ui/run.py), without the scan."""
    import dataclasses

    from feedreader.core.library.library import Library
    from feedreader.ui import app as app_module

    ctx = context(corpus)
    library = Library.open(ctx.paths.cache_dir, ctx.sources, ctx.library_name)   # not refreshed (no scan)
    if hasattr(ctx, "scopes_for"):
        library.scopes = ctx.scopes_for(library)    # feed: and folder: through the subscriptions
    available = {f.name for f in dataclasses.fields(app_module.Services)}
    kwargs = {"library": library, "settings": ctx.settings}
    if corpus is None and "feed_store" in available and ctx.paths.feed_store.exists():
        kwargs["feed_store"] = ctx.paths.feed_store
        kwargs["feed_entries"] = ctx.paths.feed_entries
    closers = [library.close]
    if "state" in available:
        from feedreader.core.marks.store import StateStore

        state = StateStore.open(ctx.paths.state_db)
        kwargs["state"] = state
        closers.append(state.close)
    if "page_cache" in available:
        from feedreader.core.web.pagecache import PageCache

        kwargs["page_cache"] = PageCache(ctx.paths.page_cache)
    if "scan_on_start" in available:
        kwargs["scan_on_start"] = False
    return app_module.FeedReaderApp(app_module.Services(**kwargs)), library, closers


def premark(corpus: Path | None, fraction: float) -> int:
    """Mark every n-th article read, like a reader's archive (before the app starts)."""
    if fraction <= 0:
        return 0
    from feedreader.core.library.library import Library
    from feedreader.core.marks.store import StateStore

    ctx = context(corpus)
    step = max(1, round(1 / fraction))
    with Library.open(ctx.paths.cache_dir, ctx.sources, ctx.library_name) as library:
        rows = [row for i, row in enumerate(library.iter_rows("newest")) if i % step == 0]
    state = StateStore.open(ctx.paths.state_db)
    try:
        state.set_marks(rows, read=True, label="benchmark")
    finally:
        state.close()
    return len(rows)


async def measure(corpus: Path | None, samples: int, size: tuple[int, int],
                  profile: Path | None = None, profile_keys: tuple[str, ...] = ()) -> dict:
    from textual import events
    from textual._compositor import CompositorUpdate
    from textual.messages import InvokeLater

    from feedreader.core.ids import aid_from_id
    from feedreader.ui.article_list import ArticleList
    from feedreader.ui.article_view import ArticleView

    app, library, closers = build_app(corpus)
    try:   # the collector settings ``feedreader`` runs with
        from feedreader.ui.run import tune_gc
    except ImportError:
        tune_gc = None
    if tune_gc is not None:
        tune_gc()
    results: dict[str, dict] = {}
    # cProfile from each key of ``profile_keys`` until the detail pane's frame (stats to ``profile``)
    profiler = cProfile.Profile() if profile is not None else None
    try:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            console = app.console
            original_display = app._display

            # the key being timed: when its action ran, and the first frame after that;
            # when the detail pane was given the article under the cursor, and the first frame after that
            timing: dict[str, float | None] = {"applied": None, "frame": None, "frame_cpu": None,
                                               "frame_thread": None, "shown": None, "detail": None,
                                               "detail_cpu": None, "detail_thread": None, "stamping": None}

            def queued(but: tuple[type, ...] = ()) -> bool:
                """Any message still to handle in the app, but of the types ``but``."""
                pumps = [app, *app.screen.walk_children(with_self=True)]
                return any(not isinstance(m, but) for p in pumps for m in p._message_queue.values)

            def display(screen, renderable):
                # the bytes the real driver would write for this update
                if isinstance(renderable, CompositorUpdate):
                    renderable.render_segments(console)
                shown = original_display(screen, renderable)
                out = time.perf_counter()       # the frame is out (before the checks below allocate)
                out_cpu = time.process_time()
                out_thread = time.thread_time()     # the UI thread's alone (no worker threads)
                # (a callback waiting for the next refresh, InvokeLater, cannot change this frame)
                if timing["applied"] is not None and timing["frame"] is None and not queued((InvokeLater,)):
                    timing["frame"] = out
                    timing["frame_cpu"] = out_cpu
                    timing["frame_thread"] = out_thread
                if timing["shown"] is not None and timing["detail"] is None and not queued((InvokeLater,)):
                    timing["detail"] = out
                    timing["detail_cpu"] = out_cpu
                    timing["detail_thread"] = out_thread
                    if profiler is not None:
                        profiler.disable()
                return shown

            original_run_action = app.run_action

            async def run_action(*args, **kwargs):
                done = await original_run_action(*args, **kwargs)
                if timing["applied"] is None:
                    timing["applied"] = time.perf_counter()
                return done

            app._display = display
            app.run_action = run_action
            lst = app.query_one(ArticleList)
            view = app.query_one(ArticleView)
            original_show = view.show

            def show(article, *args, **kwargs):
                done = original_show(article, *args, **kwargs)
                if (timing["stamping"] and article is not None
                        and aid_from_id(article.id) == lst.current and timing["shown"] is None):
                    timing["shown"] = time.perf_counter()
                return done

            view.show = show
            waited = time.perf_counter()
            # a large library's first paint may show the order's head only (ListModel.partial):
            # the keys are timed on the whole list, once the app has read it
            while getattr(lst.model, "partial", False) and time.perf_counter() - waited < 300:
                await pilot.pause(0.05)
            results["whole_order_s"] = round(time.perf_counter() - waited, 2)
            rows = len(lst.model)

            async def handled() -> None:
                quiet = 0
                while quiet < 3:                # every queue empty three turns of the loop in a row
                    await asyncio.sleep(0)
                    quiet = 0 if queued() else quiet + 1
                app.screen._on_timer_update()   # layout + render the dirty lines, as a frame would

            async def press(key: str, profiled: bool = False) -> dict[str, float]:
                """The key's figures in ms: ``frame`` (to the frame that shows the key's
                action), ``handled`` (to the first frame after every message was handled),
                ``settled`` (until the work the key deferred to after its frame, e.g. the
                detail pane and the render-ahead, is painted too), ``detail`` (to the frame
                that shows the detail pane's new article); ``*_cpu`` the process's CPU ms
                to the same points, ``*_thread`` the UI thread's alone. ``profiled``: the
                profiler runs from the key until the detail pane's frame."""
                char = key if len(key) == 1 else (" " if key == "space" else None)
                for name in timing:
                    timing[name] = None
                timing["stamping"] = True
                if profiled and profiler is not None:
                    profiler.enable()
                t0, c0, h0 = time.perf_counter(), time.process_time(), time.thread_time()
                app._driver.send_message(events.Key(key, char))
                await handled()
                t1, c1, h1 = time.perf_counter(), time.process_time(), time.thread_time()
                frame = timing["frame"] if timing["applied"] is not None else None
                frame_cpu = timing["frame_cpu"] if frame is not None else None
                frame_thread = timing["frame_thread"] if frame is not None else None
                timing["applied"] = None        # stop stamping the key's frame
                await handled()                 # after-refresh callbacks and what they cause
                t2, c2, h2 = time.perf_counter(), time.process_time(), time.thread_time()
                timing["stamping"] = None
                if profiler is not None:
                    profiler.disable()
                first, first_cpu, first_thread = (frame or t1), (frame_cpu or c1), (frame_thread or h1)
                detail = timing["detail"] if timing["shown"] is not None else None
                detail_cpu = timing["detail_cpu"] if detail is not None else None
                detail_thread = timing["detail_thread"] if detail is not None else None
                if timing["shown"] is not None and detail is None:      # shown, never painted after: the end
                    detail, detail_cpu, detail_thread = t2, c2, h2
                return {"frame": (first - t0) * 1000, "handled": (t1 - t0) * 1000, "settled": (t2 - t0) * 1000,
                        "cpu": (first_cpu - c0) * 1000, "settled_cpu": (c2 - c0) * 1000,
                        "detail": ((detail or first) - t0) * 1000,
                        "detail_cpu": ((detail_cpu or first_cpu) - c0) * 1000,
                        "thread_cpu": (first_thread - h0) * 1000,
                        "detail_thread_cpu": ((detail_thread or first_thread) - h0) * 1000}

            async def settle() -> None:
                # a reader's pause between keys: what the key left for when the app is
                # idle (the page after a page key is rendered ahead then) gets done
                await pilot.pause()

            async def run(name: str, keys: list[str], between: list[str] | None = None) -> None:
                figures: dict[str, list[float]] = {}
                for i in range(samples):
                    key = keys[i % len(keys)]
                    for part, value in (await press(key, profiled=name in profile_keys)).items():
                        figures.setdefault(part, []).append(value)
                    await settle()
                    for extra in between or []:
                        await press(extra)
                        await settle()
                results[name] = summary(figures["frame"])
                for part in ("handled", "settled",
                             "cpu",                 # the process's CPU time, all threads
                             "settled_cpu",
                             "detail",              # key -> the pane shows the article
                             "detail_cpu",
                             "thread_cpu", "detail_thread_cpu"):     # the UI thread's CPU time
                    results[name][part] = summary(figures[part])

            await settle()
            await run("noop", ["f12"])
            await run("move", ["j"])
            lst.cursor = rows // 2
            await settle()
            await run("move_middle", ["j", "k"])
            await run("page", ["pagedown"])
            await run("mark", ["m"], between=["j"])
            # orders: the first switch to each order is not cached (an SQL sort)
            await run("sort", ["s"])
            await run("unread_filter", ["u"])
            results["rows"] = rows
            results["order_at_end"] = lst.model.order
            await pilot.press("q")
        if profiler is not None and profile is not None:
            profiler.dump_stats(str(profile))
    finally:
        for close in closers:
            try:
                close()
            except Exception:  # noqa: BLE001
                pass
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("corpus", type=Path, nargs="?", default=None)
    p.add_argument("--samples", type=int, default=60)
    p.add_argument("--read-fraction", type=float, default=0.3, help="articles marked read before the run")
    p.add_argument("--columns", type=int, default=200)
    p.add_argument("--rows", type=int, default=50)
    p.add_argument("--profile", type=Path, default=None, metavar="STATS",
                   help="cProfile from each key until the detail pane's frame; pstats file to STATS")
    p.add_argument("--profile-keys", nargs="+", default=["move", "move_middle", "page"],
                   help="the runs profiled (noop move move_middle page mark sort unread_filter)")
    args = p.parse_args(argv)
    marked = premark(args.corpus, args.read_fraction)
    started = time.perf_counter()
    results = asyncio.run(measure(args.corpus, args.samples, (args.columns, args.rows), args.profile,
                                  tuple(args.profile_keys) if args.profile else ()))
    results["premarked_read"] = marked
    results["seconds"] = round(time.perf_counter() - started, 2)
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(results))
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
