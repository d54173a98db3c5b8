"""The folders of the last complete walk, with their mtimes: where to look first.

A folder's mtime changes when an entry is created, deleted or renamed in it
(POSIX), not when a file in it is written in place. So at a start the child
walk (``walk.PreWalk``) first stats only the folders the last complete walk
recorded (~1,100 of them for 1,000,000 files), and lists just those whose
mtime changed: a name the index does not know there is a new file, a known
name that is gone a vanished file (``quick_pass``). Those go to the refresh at
once; the full walk then stats every file, as before, for the files changed
in place and anything the records missed.

The records only decide what is looked at first. The full walk decides
what the index holds, so a stale, missing or wrong record (a crash, another
program, a folder changed twice within the clock's granularity) costs
time, never correctness. They live in the index's ``meta`` table (one JSON
value; no change to the schema) and are written by each complete walk.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat as stat_mod
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Union
from feedreader.core.library.schema import FILE_FACTS, write_transaction

FOLDERS_KEY = "walk_folders"

Found = tuple[str, int, int]            # (path, size, mtime_ns), as walk.Found
Event = Union[Found, str]               # a new file's (path, size, mtime_ns), or a vanished file's path

_AFTER_SEP = chr(ord(os.sep) + 1)       # the first character after the separator: ends a prefix range


def load_folders(conn: sqlite3.Connection) -> dict[str, int]:
    """The folders (path -> mtime_ns) of the last complete walk; {} when none
    (or the value is not what this module writes)."""
    try:
        row = conn.execute("SELECT value FROM meta WHERE key=?", (FOLDERS_KEY,)).fetchone()
        data = json.loads(row[0]) if row else None
    except (sqlite3.Error, ValueError, TypeError):
        return {}
    folders = data.get("folders") if isinstance(data, dict) else None
    if not isinstance(folders, dict):
        return {}
    return {k: v for k, v in folders.items() if isinstance(k, str) and type(v) is int}


def save_folders(conn: sqlite3.Connection, folders: dict[str, int]) -> None:
    """Record the folders of a complete walk (call outside a transaction).
    Nothing is written when they are the ones recorded; an error (a
    read-only index, say) is not raised: they are only hints."""
    text = json.dumps({"folders": folders}, ensure_ascii=False, separators=(",", ":"))
    try:
        row = conn.execute("SELECT value FROM meta WHERE key=?", (FOLDERS_KEY,)).fetchone()
        if row is not None and row[0] == text:
            return
        with write_transaction(conn):
            conn.execute("INSERT OR REPLACE INTO meta VALUES(?, ?)", (FOLDERS_KEY, text))
    except sqlite3.Error:
        pass


class KnownFiles:
    """The index's file facts, by folder: folder -> {name: size * 2**64 + mtime_ns}.

    What a walk compares every file it finds with. Held this way it is
    ~160 MB for 1,000,000 files instead of ~330 MB as one dict of paths to
    (size, mtime) tuples (the start-up child's peak), and quicker to load."""

    __slots__ = ("folders", "_last", "_current")

    def __init__(self, rows: Iterable[tuple[str, int, int]] = ()) -> None:
        folders: dict[str, dict[str, int]] = {}
        sep = os.sep
        for path, size, mtime in rows:
            folder, _, name = path.rpartition(sep)
            names = folders.get(folder)
            if names is None:
                names = folders[folder] = {}
            names[name] = (size << 64) + mtime
        self.folders = folders
        self._last: str | None = None
        self._current: dict[str, int] | None = None

    def pop_same(self, path: str, size: int, mtime_ns: int) -> bool:
        """Forget ``path``; True if it was known with this size and mtime.
        (Files come folder by folder from a walk: the folder's dict is kept.)"""
        folder, _, name = path.rpartition(os.sep)
        if folder != self._last:
            self._last, self._current = folder, self.folders.get(folder)
        names = self._current
        if names is None:
            return False
        return names.pop(name, None) == (size << 64) + mtime_ns

    def discard(self, path: str) -> None:
        folder, _, name = path.rpartition(os.sep)
        names = self.folders.get(folder)
        if names is not None:
            names.pop(name, None)

    def __contains__(self, path: object) -> bool:
        if not isinstance(path, str):
            return False
        folder, _, name = path.rpartition(os.sep)
        return name in self.folders.get(folder, ())

    def paths(self) -> list[str]:
        """Every path still known (after a walk: the ones it did not find)."""
        sep = os.sep
        return [folder + sep + name for folder, names in self.folders.items() for name in names]


def names_in_folder(conn: sqlite3.Connection, folder: str, subfolders: Sequence[str] = ()) -> set[str]:
    """The names of the index's files directly in ``folder``.

    Ranges of the files' primary key (only the key is read: no row of the
    table), ``folder/`` up to the next prefix, less the ranges of the
    ``subfolders`` (paths) the caller knows; the files of any other
    subfolder are read and left out."""
    prefix = folder + os.sep
    cut = len(prefix)
    low = prefix
    ranges = []
    for sub in sorted(s + os.sep for s in subfolders):      # disjoint: each is a name in ``folder``
        ranges.append((low, sub))
        low = sub[:-1] + _AFTER_SEP
    ranges.append((low, folder + _AFTER_SEP))
    names: set[str] = set()
    for low, high in ranges:
        if low < high:
            names.update(p[cut:] for (p,) in conn.execute(
                "SELECT path FROM files WHERE path >= ? AND path < ?", (low, high)))
    stray = [n for n in names if os.sep in n]
    if stray:
        names.difference_update(stray)
    return names


def files_under(conn: sqlite3.Connection, folder: str) -> dict[str, tuple[int, int]]:
    """The index's files anywhere under ``folder``: path -> (size, mtime_ns)."""
    rows = conn.execute(f"{FILE_FACTS} WHERE path >= ? AND path < ?", (folder + os.sep, folder + _AFTER_SEP))
    return {p: (s, m) for p, s, m in rows}


WalkFolder = Callable[[str, int, tuple[str, ...], int], Iterator[Found]]   # walk.walk_folder


def quick_pass(conn: sqlite3.Connection, roots: Sequence[str], folders: dict[str, int],
               suffixes: tuple[str, ...], max_depth: int, walk_folder: WalkFolder) -> Iterator[Event]:
    """The files added and removed since ``folders`` were recorded, found by
    listing only the folders whose mtime changed (``roots``: the resolved
    folder sources): a new file as (path, size, mtime_ns), a vanished one as
    its path. A file is reported at most once; files changed in place are
    not found here (the full walk finds them). A new folder is walked with
    ``walk_folder`` (``walk.walk_folder``: walk.py imports this module).

    A changed folder costs a listing of its names and a read of the index's
    names there (both in C; ~30 ms for 8,600 files); only the names new to
    it are stat-ed."""
    changed = []
    for folder, recorded in folders.items():
        if not _walkable(folder, roots, max_depth):
            continue                # not a folder the walk lists (a record from elsewhere)
        try:
            st = os.lstat(folder)
            gone = not stat_mod.S_ISDIR(st.st_mode)
        except (FileNotFoundError, NotADirectoryError):
            gone = True
        except OSError:
            continue                # unreadable: the full walk says so
        if gone or st.st_mtime_ns != recorded:
            changed.append((folder, gone))
    if not changed:
        return
    children: dict[str, list[str]] = {}
    for folder in folders:
        children.setdefault(os.path.dirname(folder), []).append(folder)
    seen: set[str] = set()
    for folder, gone in changed:
        subs = children.get(folder, ())
        known = names_in_folder(conn, folder, subs)
        prefix = folder + os.sep
        if gone:
            for name in known:
                yield prefix + name
            continue
        try:
            listed = set(os.listdir(folder))
        except OSError:
            continue
        for name in known - listed:
            yield prefix + name
        new = listed - known
        if subs:
            new.difference_update(os.path.basename(s) for s in subs)
        for name in new:
            if name[0] == ".":
                continue
            path = prefix + name
            try:
                st = os.lstat(path)
                if stat_mod.S_ISDIR(st.st_mode):      # a new folder: everything in it
                    depth = _depth(path, roots)
                    if depth is not None and depth <= max_depth:
                        yield from _new_folder(conn, path, depth, suffixes, max_depth, seen, walk_folder)
                    continue
                if not name.lower().endswith(suffixes):
                    continue
                if stat_mod.S_ISLNK(st.st_mode):
                    st = os.stat(path)
                if not stat_mod.S_ISREG(st.st_mode):
                    continue
            except OSError:
                continue
            if path not in seen:
                seen.add(path)
                yield path, st.st_size, st.st_mtime_ns


def _new_folder(conn: sqlite3.Connection, folder: str, depth: int, suffixes: tuple[str, ...], max_depth: int,
                seen: set[str], walk_folder: WalkFolder) -> Iterator[Event]:
    known = files_under(conn, folder)
    for item in walk_folder(folder, depth, suffixes, max_depth):
        path = item[0]
        if path not in seen and known.get(path) != item[1:]:
            seen.add(path)
            yield item


def _walkable(folder: str, roots: Sequence[str], max_depth: int) -> bool:
    """``folder`` is one the walk would list: a root, or inside one (no hidden
    or ``..`` part, not too deep)."""
    if folder in roots:
        return True
    if os.path.normpath(folder) != folder or (os.sep + ".") in folder:
        return False
    depth = _depth(folder, roots)
    return depth is not None and depth <= max_depth


def _depth(folder: str, roots: Sequence[str]) -> int | None:
    """How deep ``folder`` is in the deepest root holding it (None: in none)."""
    best = None
    for root in roots:
        if folder.startswith(root + os.sep):
            depth = folder.count(os.sep, len(root) + 1) + 1
            best = depth if best is None else min(best, depth)
    return best
