"""The library's articles as grouping input, and keeping a saved story index
in step with the library.

``sync_stories(library)`` opens the story file next to the
library's index, loads it, groups the articles that are new or changed since
(by the file's ``mtime_ns``, the version), drops the removed ones, saves and
returns the index. The input comes from the index's own columns (title,
excerpt, provider, date, URL: one query, no file read) and, with
``read_files`` (the default), from the document itself for its related
coverage and body (``Library.article``; ~0.5 ms an article, once per version).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from feedreader.core.library.library import Library
from feedreader.core.stories.features import StoryInput, extract_many
from feedreader.core.stories.index import Changes, StoryIndex
from feedreader.core.stories.store import StoryStore, store_path_for

_COLUMNS = "aid, identity, title, excerpt, provider, domain, published, url, mtime_ns"


def library_versions(library: Library) -> dict[int, int]:
    """aid -> version (the file's mtime_ns) of every article in the library."""
    return dict(library.index.conn.execute("SELECT aid, mtime_ns FROM articles"))


def inputs_from_library(library: Library, aids: Sequence[int], *, read_files: bool = True) -> Iterator[StoryInput]:
    conn = library.index.conn
    for start in range(0, len(aids), 500):
        chunk = list(aids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(f"SELECT {_COLUMNS} FROM articles WHERE aid IN ({marks})", chunk).fetchall()
        for aid, identity, title, excerpt, provider, domain, published, url, mtime_ns in rows:
            related: tuple[str, ...] = ()
            body = ""
            if read_files:
                article = library.article(aid)
                if article is not None and not article.warnings:
                    related = tuple(r.url for r in article.related if r.url)
                    body = article.body
            yield StoryInput(aid, identity, title, excerpt, body, (domain or provider).lower(),
                             float(published) if published is not None else None, url, related, mtime_ns)


def sync_stories(library: Library, *, read_files: bool = True, jobs: int = 1) -> tuple[StoryIndex, Changes]:
    """The library's stories, brought up to date and saved (see the module's doc)."""
    with StoryStore(store_path_for(Path(library.index.db_path))) as store:
        index = store.load() or StoryIndex()
        current = library_versions(library)
        stale = [aid for aid, version in current.items()
                 if aid not in index.features or index.features[aid].version != version]
        removed = [aid for aid in index.features if aid not in current]
        features = extract_many(list(inputs_from_library(library, stale, read_files=read_files)), jobs=jobs)
        changes = index.update(features, removed=removed)
        store.save(index)
    return index, changes
