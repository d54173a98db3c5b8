"""Which rule actions were applied to which articles (user data, data dir).

An action (mark read, hide, flag) is applied once per article: after that
the user's own marks win, an undo included (undoing a rule's marks does not
make the rule mark them again). This small SQLite file remembers each
(rule key, article identity) pair and when it was applied; deleting it only
means the actions are applied again to what the rules match.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS applied(
    rule TEXT NOT NULL, identity TEXT NOT NULL, at INTEGER NOT NULL,
    PRIMARY KEY(rule, identity)
) WITHOUT ROWID;
"""


class AppliedStore:
    """The (rule, identity) pairs whose action was applied. Thread-safe."""

    def __init__(self, path: Path | str | None, *, clock: Callable[[], float] = time.time) -> None:
        """``path`` None: in memory (tests, a read-only data dir)."""
        self.path = None if path is None else Path(path)
        self._clock = clock
        self._lock = threading.Lock()
        self.warning: str | None = None
        target = ":memory:"
        if self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                target = str(self.path)
            except OSError as exc:
                self.warning = f"cannot create {self.path.parent} ({exc.strerror}); rule actions are not remembered"
        try:
            self._conn = self._open(target)
        except sqlite3.DatabaseError as exc:
            self.warning = f"cannot use {self.path} ({exc}); rule actions are remembered for this run only"
            self._conn = self._open(":memory:")

    @staticmethod
    def _open(target: str) -> sqlite3.Connection:
        conn = sqlite3.connect(target, timeout=10, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(_SCHEMA)
        return conn

    def applied(self, rule: str, identities: Iterable[str]) -> set[str]:
        """Those of ``identities`` the rule's action was applied to."""
        values = list(identities)
        found: set[str] = set()
        with self._lock:
            for start in range(0, len(values), 500):
                chunk = values[start : start + 500]
                sql = f"SELECT identity FROM applied WHERE rule=? AND identity IN ({','.join('?' * len(chunk))})"
                found.update(r[0] for r in self._conn.execute(sql, (rule, *chunk)))
        return found

    def record(self, rule: str, identities: Iterable[str]) -> None:
        now = int(self._clock())
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany("INSERT OR IGNORE INTO applied VALUES(?,?,?)",
                                       [(rule, i, now) for i in identities])
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def counts(self) -> dict[str, int]:
        """Articles each rule key's action was applied to, ever."""
        with self._lock:
            return dict(self._conn.execute("SELECT rule, count(*) FROM applied GROUP BY rule"))

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> "AppliedStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
