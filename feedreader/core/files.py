"""Replacing a file atomically: a temporary file beside it, renamed over it.

A crash (or a full disk) leaves either the old file or the new one, never half
of either. ``durable=True`` also fsyncs the file and its folder before
returning (for the user's own data, like a marks export), and keeps the
permissions of the file it replaces.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, TypeVar

T = TypeVar("T")


def replace_atomically(target: Path, write: Callable[[IO[bytes]], T], *, durable: bool = False) -> T:
    """Run ``write(fp)`` on a temporary file next to ``target``, then move it into place."""
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        if durable:
            os.fchmod(fd, _mode_for(target))
        with os.fdopen(fd, "wb") as fp:
            result = write(fp)
            if durable:
                fp.flush()
                os.fsync(fp.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if durable:
        _fsync_folder(directory)
    return result


def _fsync_folder(directory: Path) -> None:
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def _mode_for(target: Path) -> int:
    """Keep the permissions of the file being replaced; a new file gets 0666 & ~umask."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask
