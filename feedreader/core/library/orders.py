"""The orders of the list: their names, labels and SQL, in one place.

``ORDERS`` is every order a caller may ask for (``Library.order``), in the
order a "cycle the sort" key goes through them; ``ORDER_LABELS`` says each for
a person; ``ORDER_SQL`` is the ``ORDER BY`` of each over ``articles``, with the
parameters ``order_params`` gives (the ranked order's reference time).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:   # no sqlite3 at import: the command line reads ORDERS before any database
    import sqlite3

ORDER_LABELS = {"newest": "newest first", "best": "best first", "ranked": "ranked"}
ORDERS = tuple(ORDER_LABELS)          # ("newest", "best", "ranked")
DEFAULT_ORDER = ORDERS[0]

ORDER_SQL = {
    # NULL sorts below every value, so DESC puts unknown dates/scores last;
    # written this way the order is a scan of the articles_newest/_best index.
    # "best" and "ranked" use the score (quality + scoring rules, core/rules;
    # the quality until the rules have scored an article)
    "newest": "ORDER BY published DESC, quality DESC, aid",
    "best": "ORDER BY score DESC, published DESC, aid",
    # the score weighed by age, like a news ranking: (s + 1) / (age_hours + 2) ^ 1.5,
    # age measured from ``ranked_reference`` (the newest article) so an archive
    # ranks the same any day
    "ranked": (
        "ORDER BY published IS NULL, "
        "(coalesce(score, 0) + 1) / pow((:ref - coalesce(published, 0)) / 3600.0 + 2, 1.5) DESC, "
        "published DESC, aid"
    ),
}
assert tuple(ORDER_SQL) == ORDERS


def ranked_reference(conn: sqlite3.Connection) -> int:
    """The time the ranked order measures ages from: the newest article's
    date (unix seconds), or now when no article has a date."""
    ref = conn.execute("SELECT max(published) FROM articles").fetchone()[0]
    return ref if ref is not None else int(time.time())


def order_params(conn: sqlite3.Connection, order: str) -> dict[str, int]:
    """The named parameters ``ORDER_SQL[order]`` needs."""
    return {"ref": ranked_reference(conn)} if order == "ranked" else {}


def ranked_head_since(conn: sqlite3.Connection, limit: int) -> int | None:
    """A date (unix seconds) that every one of the first ``limit`` articles of the
    ranked order is published on or after, so that its head is a range of the
    ``articles_newest`` index rather than a sort of every article (~0.2 s at
    1,000,000); None when there is no such bound (fewer dated articles than ``limit``).

    The ``limit``-th best rank ``v`` among the newest ``4 * limit`` articles is at most
    the head's last; an article older than ``age`` hours, where
    ``(best score + 1) / (age + 2) ^ 1.5 = v``, ranks below ``v`` whatever its score.
    """
    ref = ranked_reference(conn)
    rows = conn.execute(
        "SELECT (coalesce(score, 0) + 1) / pow((:ref - published) / 3600.0 + 2, 1.5) FROM articles"
        " WHERE published IS NOT NULL ORDER BY published DESC LIMIT :n", {"ref": ref, "n": 4 * limit},
    ).fetchall()
    if len(rows) < limit:
        return None
    v = sorted((r[0] for r in rows), reverse=True)[limit - 1]
    top = max(conn.execute("SELECT max(score) FROM articles").fetchone()[0] or 0, 0)
    if v <= 0:
        return None
    hours = ((top + 1) / v) ** (2 / 3) - 2
    return int(ref - (hours * 1.01 + 1) * 3600)    # (a margin for rounding)
