"""What ``feed:NAME`` and ``folder:NAME`` in a query mean: the entry folders
of the subscribed feeds they name (``library.search.Scopes``).

Feed entries live in ``<entries dir>/<feed id>/`` (HACKING.md "Feeds"), so a
feed is a path prefix to the library, which never imports this room: the
caller (``session``, the CLI) builds the resolver here and hands it over.

- ``feed:NAME``: the feeds whose title (the user's or the feed's) or URL is
  NAME (any case; a URL also without its scheme, ``www.`` or trailing
  slash); if none is, the feeds whose title starts with NAME.
- ``folder:NAME``: the feeds in folder NAME, in its subfolders, or in a
  subfolder called NAME (``folder:AI`` finds "Tech/AI"); and whatever
  ``fallback`` gives (``Library.source_scopes``: document folders by name).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from feedreader.core.feeds.store import Feed

Resolver = Callable[[str, str], Sequence[str] | None]


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def _bare_url(url: str) -> str:
    url = url.casefold().strip()
    for scheme in ("https://", "http://"):
        if url.startswith(scheme):
            url = url[len(scheme):]
    if url.startswith("www."):
        url = url[4:]
    return url.rstrip("/")


def feed_scopes(feeds: Iterable[Feed], entries_dir: Path, fallback: Resolver | None = None) -> Resolver:
    """A resolver over a snapshot of ``feeds`` (cheap to call per keystroke)."""
    entries = str(Path(entries_dir).resolve())
    table = [(f"{entries}{os.sep}{feed.id}{os.sep}", feed) for feed in feeds]

    def feed_prefixes(name: str) -> list[str]:
        key, bare = _key(name), _bare_url(name)
        exact = [prefix for prefix, f in table
                 if key in (_key(f.user_title), _key(f.title), _key(f.url)) or (bare and bare == _bare_url(f.url))]
        if exact:
            return exact
        return [prefix for prefix, f in table if key and (_key(f.name).startswith(key) or _key(f.title).startswith(key))]

    def folder_prefixes(name: str) -> list[str]:
        key = _key(name).strip("/")   # a folder, its subfolders, a subfolder of that name anywhere
        return [prefix for prefix, f in table if key and f.folder and f"/{key}/" in f"/{_key(f.folder)}/"]

    def resolve(kind: str, name: str) -> Sequence[str] | None:
        found = feed_prefixes(name) if kind == "feed" else folder_prefixes(name) if kind == "folder" else []
        extra = fallback(kind, name) if fallback is not None else None
        if not found and extra is None:
            return None
        return [*found, *(extra or ())]

    return resolve
