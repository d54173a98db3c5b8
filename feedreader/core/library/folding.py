"""Folding words the way the index does, and writing query text.

``fold`` and ``topic_key`` are the same on both sides: what the index stores
(``pool.article_row``) and what a typed term is compared with (``query.py``,
``search.py``). ``quote`` and the ``*_query`` helpers write one term of the
language for a value (a topic, a provider, a feed, a folder), quoted when it
needs to be.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SIMPLE = re.compile(r"[^\s\"\\*()]+")



@lru_cache(maxsize=4096)
def is_token_char(ch: str) -> bool:
    """A letter, digit or private-use character: part of a word for the index."""
    cat = unicodedata.category(ch)
    return cat[0] in "LN" or cat == "Co"


@lru_cache(maxsize=4096)
def fold_char(ch: str) -> str:
    """One character without accents, lower case (like the index's tokenizer;
    "ﬁ" gives "fi", a combining accent gives "")."""
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def fold(text: str) -> str:
    """Text without accents, lower case: ``fold("Café Zürich") == "cafe zurich"``."""
    return "".join(fold_char(c) for c in text)


def has_token(text: str) -> bool:
    """Whether the full-text index sees any word in ``text`` (letters or digits)."""
    return any(is_token_char(c) for c in fold(text))


def topic_key(topic: str) -> str:
    """A topic name as one index token: folded, letters and digits only.

    ``topic_key("Computer Vision") == "computervision"``; the index stores the
    keys of an article's topics so that ``topic:`` matches whole names.
    """
    return "".join(c for c in fold(topic) if is_token_char(c))


def quote(value: str) -> str:
    """``value`` as one term of the language (quoted when it needs to be)."""
    if _SIMPLE.fullmatch(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def topic_query(topic: str) -> str:
    """The query text that filters on one topic: ``topic:"Computer Vision"``."""
    return f"topic:{quote(topic)}"


def provider_query(provider: str) -> str:
    """The query text that filters on one provider (name or domain)."""
    return f"provider:{quote(provider)}"


def feed_query(name: str) -> str:
    """The query text that filters on one subscribed feed (its title or URL)."""
    return f"feed:{quote(name)}"


def folder_query(name: str) -> str:
    """The query text that filters on one folder (a feed folder or a source folder)."""
    return f"folder:{quote(name)}"


