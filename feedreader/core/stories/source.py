"""The library's articles as grouping input, and keeping a saved story index
in step with the library.

``sync_stories(library)`` opens the story file next to the
library's index, loads it, groups the articles that are new or changed since
(by the file's ``mtime_ns``, the version), drops the removed ones, saves and
returns the index. The input comes from the index's own columns (title,
excerpt, provider, date, URL: one query, no file read) and, with
``read_files`` (the default), from the document itself for its related
coverage and body (as ``Library.article`` does; ~0.1-0.5 ms an article, once per
version), on ``jobs`` processes when there are many.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from feedreader.core.documents.parse import load_document
from feedreader.core.ids import aid_from_id
from feedreader.core.library.library import Library
from feedreader.core.stories.features import Features, StoryInput, extract, extract_many
from feedreader.core.stories.index import Changes, StoryIndex
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
        yield from conn.execute(f"SELECT {_COLUMNS} FROM articles WHERE aid IN ({marks})", chunk)


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


def _read_and_extract(rows: list[tuple]) -> list[Features]:
    return [extract(_input(row, True)) for row in rows]


def features_from_library(library: Library, aids: Sequence[int], *, read_files: bool = True,
                          jobs: int = 1, chunk: int = CHUNK) -> list[Features]:
    """The features of ``aids``; with ``jobs`` > 1 and enough of them, the files are read and
    the features extracted on ``jobs`` processes (the index is read here)."""
    if not read_files or jobs <= 1 or len(aids) < 2 * chunk:
        return extract_many(list(inputs_from_library(library, aids, read_files=read_files)), jobs=jobs)
    import multiprocessing

    rows = list(_rows(library, aids))
    parts = [rows[i : i + chunk] for i in range(0, len(rows), chunk)]
    with multiprocessing.get_context("forkserver").Pool(jobs) as pool:
        return [f for part in pool.imap(_read_and_extract, parts) for f in part]


def sync_stories(library: Library, *, read_files: bool = True, jobs: int = 1) -> tuple[StoryIndex, Changes]:
    """The library's stories, brought up to date and saved (see the module's doc)."""
    with StoryStore(store_path_for(Path(library.index.db_path))) as store:
        index = store.load() or StoryIndex()
        current = library_versions(library)
        stale = [aid for aid, version in current.items()
                 if aid not in index.features or index.features[aid].version != version]
        removed = [aid for aid in index.features if aid not in current]
        features = features_from_library(library, stale, read_files=read_files, jobs=jobs)
        changes = index.update(features, removed=removed)
        store.save(index)
    return index, changes
