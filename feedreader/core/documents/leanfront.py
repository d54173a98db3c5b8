"""What the index keeps of a document in the seed's layout, read without YAML
(issue 17's cold index).

Front matter as the seed and the converters write it has its keys in one
order, each value on one line. :func:`lean_facts` matches the whole of it
against one strict pattern built from ``quietrelated``'s pieces (each a
value that loads as one line of the fast YAML path and that its field takes
without a warning) and reads the ``IndexFacts`` straight from the match,
through the same cleaning and identity functions as ``parse.py``: about
half a document's parsing. A document that matches loads to the same values
and has no problems; anything else (another order, another key, a comment,
a value outside the pattern) returns None and is parsed as before.
``tests/core/documents/test_lean_front.py`` checks that both ways agree.

The order: ``category``, ``title`` (the only key it needs), ``excerpt``,
``publishedDateTime``, ``originalUrl``, ``webUrl``, ``type``, ``quality``,
``heat``, ``published`` (and a feed entry's ``updatedDateTime`` after
``publishedDateTime``), then the blocks ``provider`` (``name``,
``domain``), ``topics``, ``images``, ``related`` (``quietrelated``'s
items), then ``secured``, ``author``, and a feed entry's ``kind``,
``feedUrl``, ``entryKey``; blank lines between the blocks.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from typing import Any

from feedreader.core.documents.fields import (
    BODY_LIMIT,
    EXCERPT_LIMIT,
    MAX_IMAGES,
    MAX_RELATED,
    MAX_TOPICS,
    SHORT_LIMIT,
    TITLE_LIMIT,
    _to_utc,
)
from feedreader.core.documents.quietrelated import (
    PIXELS,
    PLAIN,
    QUOTED,
    RELATED_ITEM,
    TIME,
    URL,
    URL_SQ,
    WORD,
    beyond_line_cap,
)
from feedreader.core.ids import article_id, identity_of
from feedreader.core.text import clean_text

__all__ = ["lean_facts"]

_BLANKS = r"\n*"
_Q = QUOTED                             # a string in double or single quotes (entrydoc.py writes these)
_TEXT = f"(?:{QUOTED}|{PLAIN})"
_LINK = f"(?:{URL}|{URL_SQ})"
_FRONT = (
    rf"(?:category: (?:{_Q}|{WORD})\n)?"
    rf"title: (?P<title>{_Q})\n"
    rf"(?:excerpt: (?P<excerpt>{_Q})\n)?"
    rf"(?:publishedDateTime: (?P<published>{TIME})\n)?"
    rf"(?:updatedDateTime: {TIME}\n)?"
    rf"(?:originalUrl: (?P<original>{_LINK})\n)?"
    rf"(?:webUrl: (?P<web>{_LINK})\n)?"
    rf"(?:type: (?:{_Q}|{WORD})\n)?"
    r"(?:quality: (?P<quality>100|[1-9]?[0-9])\n)?"
    r"(?:heat: (?P<heat>-1|0|[1-9][0-9]{0,17})\n)?"        # (-1 or 0 .. 10**18 - 1: within INT64_MAX)
    r"(?:published: (?:true|false)\n)?"
    + _BLANKS
    + rf"(?:provider:\n(?:  name: (?P<name>{_TEXT})\n)?(?:  domain: (?P<domain>{_TEXT})\n)?{_BLANKS})?"
    rf"(?:topics:\n(?P<topics>(?:  - {_TEXT}\n){{1,{MAX_TOPICS}}}){_BLANKS})?"
    rf"(?:images:\n(?P<images>(?:  - url: {_LINK}\n(?:    width: {PIXELS}\n)?(?:    height: {PIXELS}\n)?"
    rf"(?:    isCached: (?:true|false)\n)?){{1,{MAX_IMAGES}}}){_BLANKS})?"
    rf"(?:related:\n(?:{RELATED_ITEM}){{1,{MAX_RELATED}}}{_BLANKS})?"
    rf"(?:secured: {_Q}\n{_BLANKS})?"
    rf"(?:author: (?P<author>{_Q})\n{_BLANKS})?"
    rf"(?:kind: (?:{_Q}|{WORD})\n)?(?:feedUrl: {_Q}\n)?(?:entryKey: {_Q}\n)?{_BLANKS}"
)
_from_iso = datetime.fromisoformat
_TOPIC = f"  - ({_TEXT})\n"


def _value(text: str) -> str:
    """The string a value of the pattern loads as: a double-quoted one without
    its quotes (it has no escapes), a single-quoted one without its quotes and
    with '' read as ', a plain one as it is."""
    first = text[:1]
    if first == '"':
        return text[1:-1]
    if first == "'":
        return text[1:-1].replace("''", "'")
    return text


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The compiled patterns (the front matter, a topic), made at the first
    use (~65 ms: the app imports this module for the detail pane, which
    never uses them)."""
    return re.compile(_FRONT), re.compile(_TOPIC)


def lean_facts(front: str, body_text: str) -> tuple[Any, ...] | None:
    """``parse_for_index``'s facts for a document with this front matter and
    body (and no problems), or None when the front matter is not in the
    layout above (the caller parses it with YAML)."""
    if beyond_line_cap(front):
        return None
    front_pattern, topic_pattern = _patterns()
    m = front_pattern.fullmatch(front)
    if m is None:
        return None
    (title_raw, excerpt_raw, published_raw, original_raw, web_raw, quality_raw, heat_raw, name_raw, domain_raw,
     topics_raw, images_raw, author_raw) = m.group(
        "title", "excerpt", "published", "original", "web", "quality", "heat", "name", "domain", "topics",
        "images", "author")
    title = clean_text(_value(title_raw), limit=TITLE_LIMIT)
    url = original_raw[1:-1] if original_raw else web_raw[1:-1] if web_raw else None    # (no quote in a URL)
    if not title and url is None:
        return None                     # an error: the YAML way words it
    # (as the YAML way: fastyaml reads this form with fromisoformat, fields._to_utc makes it UTC)
    published = _to_utc(_from_iso(published_raw)) if published_raw else None
    name = clean_text(_value(name_raw), limit=SHORT_LIMIT) if name_raw else ""
    domain = clean_text(_value(domain_raw), limit=SHORT_LIMIT) if domain_raw else ""
    topics: list[str] = []
    if topics_raw:
        for item in topic_pattern.findall(topics_raw):
            topic = clean_text(_value(item), limit=SHORT_LIMIT)
            if topic and topic not in topics:
                topics.append(topic)
    identity = identity_of(url, title, published, name)
    body = clean_text(body_text, multiline=True, limit=BODY_LIMIT) if body_text else ""
    return (
        article_id(identity), identity, title, name, domain, published,
        int(quality_raw) if quality_raw else None,
        int(heat_raw) if heat_raw and heat_raw != "-1" else None,     # (-1: unknown)
        url,
        tuple(topics),
        clean_text(_value(excerpt_raw), multiline=True, limit=EXCERPT_LIMIT) if excerpt_raw else "",
        clean_text(_value(author_raw), limit=SHORT_LIMIT) if author_raw else "",
        len(body),
        images_raw.count("  - url: ") if images_raw else 0,
    )
