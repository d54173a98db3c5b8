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
