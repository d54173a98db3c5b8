"""Every local mark with its ``updated_at``: what the merge compares.

The marks store's public API gives the times only through its export (JSON
written, then parsed and checked strictly: ~0.2 ms a row, seconds for a big
store). A sync needs them at every run, so this reads the marks table
directly through a *read-only* connection (``mode=ro``: it can never write
or lock the store), and falls back to the export when the store is not
backed by its file (in memory after a storage failure) or the read fails.

It knows the table's columns (``identity, read, hidden, flagged,
updated_at``); a method on the store (``marks_with_times()``) would be the
better home for this -- asked for in issue 18's report.
"""

from __future__ import annotations

import io
import sqlite3
from contextlib import closing

from feedreader.core.marks.exchange import parse_state_file
from feedreader.core.marks.store import StateStore
from feedreader.core.sync.merge import Local

__all__ = ["local_marks"]


def local_marks(marks: StateStore) -> dict[str, Local]:
    """identity -> Local(read, hidden, flagged, updated_at) for every marks row."""
    if marks.persistent and marks.path.exists():
        try:
            uri = marks.path.resolve().as_uri() + "?mode=ro"
            with closing(sqlite3.connect(uri, uri=True, timeout=5)) as conn:
                rows = conn.execute("SELECT identity, read, hidden, flagged, updated_at FROM marks").fetchall()
            return {i: Local(bool(r), bool(h), bool(f), int(t)) for i, r, h, f, t in rows}
        except (sqlite3.Error, ValueError, TypeError):
            pass
    buf = io.StringIO()
    marks.export(buf)
    return {e.identity: Local(e.read, e.hidden, e.flagged, e.updated_at) for e in parse_state_file(buf.getvalue())}
