"""An article's three names, and the functions between them.

* ``identity``: the text an article is known by across restarts, renames and
  moves of its file: the canonical ``originalUrl`` (else ``webUrl``), or, when
  the document has no safe URL, ``doc:`` + a hash of its title, date and
  provider. Marks are keyed by it.
* ``id``: 16 lowercase hex characters, the first 8 bytes of sha256(identity).
  What a person types (``feedreader show 0f3c``) and what ``--json`` gives.
* ``aid``: the same 8 bytes as a signed 64-bit integer, SQLite's INTEGER: the
  key of every in-memory set and index row.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from feedreader.core.text import canonical_url


def article_id(identity: str) -> str:
    """16 lowercase hex characters: the first 8 bytes of sha256(identity)."""
    return hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def aid_from_id(article_id: str) -> int:
    """16 hex chars -> signed 64-bit integer (SQLite's INTEGER)."""
    value = int(article_id, 16)
    return value - (1 << 64) if value >= (1 << 63) else value


def id_from_aid(aid: int) -> str:
    """The inverse of :func:`aid_from_id`."""
    return f"{aid & 0xFFFFFFFFFFFFFFFF:016x}"


def aid_of_identity(identity: str) -> int:
    return aid_from_id(article_id(identity))


def identity_of(url: str | None, title: str, published: datetime | None, provider: str) -> str:
    """The identity of an article with the checked ``url`` (or none)."""
    if url is not None:
        return canonical_url(url)
    key = json.dumps([title, published.isoformat() if published else None, provider], ensure_ascii=True)
    return "doc:" + hashlib.sha256(key.encode("ascii")).hexdigest()
