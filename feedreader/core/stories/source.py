"""The library's articles as grouping input, and keeping a saved story index
in step with the library.

``sync_stories(library)`` opens the story file next to the
library's index, groups the articles that are new or changed since (by the
file's ``mtime_ns``, the version: ``update_from_library``), drops the
removed ones and returns the index. The input comes from the index's own columns (title,
excerpt, provider, date, URL: one query, no file read) and, with
``read_files`` (the default), from the document itself for its related
coverage and body (as ``Library.article`` does; ~0.1-0.5 ms an article, once per
version), on ``jobs`` processes when there are many.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice
from pathlib import Path

from feedreader.core.documents.parse import load_document
from feedreader.core.ids import aid_from_id
from feedreader.core.library.library import Library
from feedreader.core.stories.features import StoryInput, extract
from feedreader.core.stories.index import Changes, StoryIndex
from feedreader.core.stories.records import Record, in_processes, pack
from feedreader.core.stories.store import StoryStore, store_path_for

_COLUMNS = "aid, identity, title, excerpt, provider, domain, published, url, mtime_ns, path"
CHUNK = 1000          # articles a worker reads and extracts at a time


def library_versions(library: Library) -> dict[int, int]:
    """aid -> version (the file's mtime_ns) of every article in the library."""
    return dict(library.index.conn.execute("SELECT aid, mtime_ns FROM articles"))


def _rows(library: Library, aids: Sequence[int]) -> Iterator[tuple]:
    conn = library.index.conn
    for start in range(0, len(aids), 500):
        chunk = list(aids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        yield from conn.execute(f"SELECT {_COLUMNS} FROM articles WHERE aid IN ({marks})", chunk).fetchall()


def _input(row: tuple, read_file: bool) -> StoryInput:
    """One index row as grouping input; with ``read_file``, the document's related coverage and
    body too (read again from its file, as ``Library.article`` does: only when the file still
    holds that article and parsed without warnings)."""
    aid, identity, title, excerpt, provider, domain, published, url, mtime_ns, path = row
    related: tuple[str, ...] = ()
    body = ""
    if read_file and path:
        article, _ = load_document(path)
        if article is not None and not article.warnings and aid_from_id(article.id) == aid:
            related = tuple(r.url for r in article.related if r.url)
            body = article.body
    return StoryInput(aid, identity, title, excerpt, body, (domain or provider).lower(),
                      float(published) if published is not None else None, url, related, mtime_ns)


def inputs_from_library(library: Library, aids: Sequence[int], *, read_files: bool = True) -> Iterator[StoryInput]:
    for row in _rows(library, aids):
        yield _input(row, read_files)


def _read_and_pack(rows: list[tuple]) -> list[Record]:
    return [pack(extract(_input(row, True))) for row in rows]


def features_from_library(library: Library, aids: Sequence[int], *, read_files: bool = True,
                          jobs: int = 1, chunk: int = CHUNK) -> Iterator[Record]:
    """The records (packed features) of ``aids``, as they are made; with ``jobs`` > 1 and
    enough of them, the files are read and the features extracted on ``jobs`` processes
    (the index is read here, ``chunk`` rows at a time, at most two chunks a process ahead:
    the rows of 100,000 articles are never in memory at once)."""
    if not read_files or jobs <= 1 or len(aids) < 2 * chunk:
        for row in _rows(library, aids):
            yield pack(extract(_input(row, read_files)))
        return
    rows = _rows(library, aids)
    for out in in_processes(_read_and_pack, iter(lambda: list(islice(rows, chunk)), []), jobs):
        yield from out


def sync_stories(library: Library, *, read_files: bool = True, jobs: int = 1) -> tuple[StoryIndex, Changes]:
    """The library's stories, brought up to date and saved (see the module's doc). The
    index returned works on the story file, closed here: read its stories, not its records."""
    with StoryStore(store_path_for(Path(library.index.db_path))) as store:
        index = store.index(jobs=jobs)
        changes = update_from_library(index, library, read_files=read_files, jobs=jobs)
    return index, changes or Changes(frozenset(), frozenset())


def update_from_library(index: StoryIndex, library: Library, *, read_files: bool = True, jobs: int = 1) -> Changes | None:
    """Group the library's new and changed articles into ``index``, drop its removed ones
    (None: nothing to do)."""
    current = library_versions(library)
    known = index.versions()
    stale = [aid for aid, version in current.items() if known.get(aid) != version]
    removed = [aid for aid in known if aid not in current]
    del known, current
    if not stale and not removed:
        return None
    return index.update(features_from_library(library, stale, read_files=read_files, jobs=jobs), removed=removed)
