"""Parsing document files for the index, here or in a process pool.

``parse_files`` turns a chunk of (path, size, mtime_ns) into the rows the
index stores (``Row``); it is top-level so that a pool's workers can run it.
``make_pool`` starts that pool (forkserver, the parser preloaded, workers at a
lower priority than the process that writes the index).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TextIO

from feedreader.core.ids import aid_from_id
from feedreader.core.library.schema import EVERY_TOKEN, TOPIC_SEP
from feedreader.core.model import Article, Problem

if TYPE_CHECKING:  # the pool is imported when a refresh needs it (startup time)
    from feedreader.core.documents.parse import IndexFacts
    from concurrent.futures import Executor, Future
    from multiprocessing.context import BaseContext

ArticleRow = tuple[Any, ...]   # the ``articles`` columns, in INSERT_ARTICLE's order; aid first
Row = tuple[str, int, int, ArticleRow | None, str | None]  # (path, size, mtime_ns, article row, problems JSON)


def _problems_json(problems: Sequence[Problem]) -> str | None:
    if not problems:
        return None
    return json.dumps([[p.severity, p.line, p.message] for p in problems], ensure_ascii=False)


@lru_cache(maxsize=4096)
def _topic_key(topic: str) -> str:
    """``folding.topic_key`` (a character at a time) once per distinct topic:
    the same few hundred names come back in every chunk."""
    from feedreader.core.library.folding import topic_key

    return topic_key(topic)


def article_row(article: Article, mtime_ns: int) -> ArticleRow:
    """The ``articles`` row of an article (its search index entry follows it)."""
    facts = (
        article.id, article.identity, article.title, article.provider.name, article.provider.domain,
        article.published, article.quality, article.heat, article.url, article.topics, article.excerpt,
        article.author, len(article.body), len(article.images),
    )
    return index_row(facts, article.path, mtime_ns)


def index_row(facts: IndexFacts, path: str, mtime_ns: int) -> ArticleRow:
    """The ``articles`` row of what ``parse_for_index`` gives (``IndexFacts``)."""
    (aid, identity, title, provider_name, provider_domain, published, quality, heat, url, topics,
     excerpt, author, body_length, image_count) = facts
    return (
        aid_from_id(aid),
        identity,
        path,
        mtime_ns,
        title,
        provider_name,
        provider_domain,
        int(published.timestamp()) if published else None,
        quality,
        heat,
        url,
        TOPIC_SEP.join(topics),
        excerpt,
        " ".join([EVERY_TOKEN, *map(_topic_key, topics)]) if topics else EVERY_TOKEN,
        author,
        body_length,
        image_count,
        quality,     # the score until the rules score it (reasons NULL)
    )


def parse_files(facts: Sequence[tuple[str, int, int]]) -> list[Row]:
    """Parse a chunk of files; top-level so a process pool can run it."""
    from feedreader.core.documents.parse import load_for_index

    out: list[Row] = []
    for path, size, mtime_ns in facts:
        # (what the index keeps: no Article is built, no related items, no images)
        found, problems = load_for_index(path)
        row = index_row(found, path, mtime_ns) if found is not None else None
        out.append((path, size, mtime_ns, row, _problems_json(problems)))
    return out


def parse_chunk(facts: Sequence[tuple[str, int, int]]) -> tuple[list[Row], float]:
    """``parse_files`` for a pool's worker: the rows and the CPU seconds they took."""
    started = time.process_time()
    rows = parse_files(facts)
    return rows, time.process_time() - started


# --------------------------------------------------------------------------
# the pool

_HELPERS_LOCK = threading.Lock()
WORKER_NICE = 5  # see _worker_priority
_PRELOAD = ["feedreader.core.library.pool", "feedreader.core.documents.parse", "feedreader.core.documents.codec"]


def make_pool(workers: int) -> Executor:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx: BaseContext
    try:
        forkserver = multiprocessing.get_context("forkserver")
    except ValueError:
        ctx = multiprocessing.get_context("spawn")
    else:
        forkserver.set_forkserver_preload(_PRELOAD)  # workers start with the parser imported
        ctx = forkserver
    start_helpers(ctx)
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_priority)


def wait_first(futures: Iterable[Future[Any]], timeout: float) -> None:
    """Wait until one of ``futures`` is done, at most ``timeout`` seconds."""
    from concurrent.futures import FIRST_COMPLETED, wait

    wait(futures, timeout=timeout, return_when=FIRST_COMPLETED)


def _worker_priority() -> None:
    """Parse at a lower priority than the process that writes the index (and
    runs the UI). Since the workers read the seed's layout without YAML
    (leanfront.py) they need less CPU than the writer (100,000 articles:
    ~6 CPU-s against ~7.5 s of rows and FTS5), and the writer is what a cold
    index waits for. On two cores a worker that lands on the writer's core
    takes 1024/(1024+w) of it from the writer: nice 2 (w=655) left it 61 %,
    nice 5 (w=335) 75 %. ``feedreader check`` of 100,000, alternated runs:
    at rest nice 2 / 5 / 8 took 8.26 / 7.24 / 6.94 s; beside one busy
    program 9.46 / 10.47 / 11.78 s (the workers get less of the machine):
    nice 5 is the middle of the two."""
    try:
        os.nice(WORKER_NICE)
    except OSError:
        pass


def start_helpers(ctx: BaseContext) -> None:
    """Start multiprocessing's helper processes with a stderr that has a file descriptor.

    The resource tracker passes ``sys.stderr.fileno()`` to its child. Inside
    a Textual app ``sys.stderr`` is a capture object whose ``fileno()`` is -1,
    and starting the first worker fails with "bad value(s) in fds_to_keep"
    (a cold start in the app would index nothing, a first story grouping
    would fail). Start the helpers once,
    up front, with the real stderr (or /dev/null) in place.
    """
    import sys
    from multiprocessing import resource_tracker

    def usable(stream: TextIO | None) -> bool:
        try:
            return stream is not None and stream.fileno() >= 0
        except (AttributeError, OSError, ValueError):
            return False

    with _HELPERS_LOCK:
        saved = sys.stderr
        if usable(saved):
            return
        devnull = None
        if usable(sys.__stderr__):
            sys.stderr = sys.__stderr__
        else:
            devnull = open(os.devnull, "w")
            sys.stderr = devnull
        try:
            resource_tracker.ensure_running()
            if ctx.get_start_method() == "forkserver":
                from multiprocessing import forkserver

                forkserver.ensure_running()
        finally:
            sys.stderr = saved
            if devnull is not None:
                devnull.close()
