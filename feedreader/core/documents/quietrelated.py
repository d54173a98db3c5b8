"""The ``related:`` block that the index may skip (issue 17's cold index).

The index keeps nothing of a document's related articles; its workers load
and check them only for the warnings ``fields.check_related`` gives. That
was a third of a cold index's parsing: the related block is most of the
front matter of the documents FORMAT.md describes.

:func:`without_quiet_related` matches the block against one strict pattern,
the layout of the seed and of the converters: each item ``title``, then
``excerpt``, ``publishedDateTime``, ``webUrl``, ``ampWebUrl``,
``cdnAmpWebUrl``, ``type``, ``provider`` (``name``, ``domain``),
``quality``, ``images`` (``url``, ``width``, ``height``, ``isCached``), in
that order, each once, the optional ones left out or present, every value on
one line: double-quoted strings without escapes, URLs that ``check_url``
takes, UTC timestamps that are real dates, integers in their ranges,
``true``/``false``, plain words that are strings. A block that matches
loads as the fast YAML path would load it and gives no warning; the caller
loads the front matter with the block's lines left empty (so every other
line keeps its number and a second ``related:`` is still a duplicate), and
``related`` is then null. Anything else (another order, another key, a
value outside the pattern, more than ``MAX_RELATED`` items or
``MAX_IMAGES`` images) returns None: the block is loaded and checked as
before. ``tests/core/documents/test_quiet_related.py`` checks that both ways
give the same rows and problems.
"""

from __future__ import annotations

import re
from functools import cache

from feedreader.core.documents.fields import MAX_IMAGES, MAX_RELATED
from feedreader.core.documents.yamlnodes import MAX_NODES

__all__ = ["PIXELS", "PLAIN", "QUOTED", "RELATED_ITEM", "SQ", "STR", "TEXT", "TIME", "URL", "URL_SQ", "WORD",
           "beyond_line_cap", "without_quiet_related"]

# The pieces of the pattern (``leanfront`` builds its own from them): each
# matches a value, after its key, that loads as one line of the fast YAML
# path and that the field it is in takes without a warning.

# a double-quoted scalar without escapes, of the characters the fast YAML
# path reads (fastyaml._GIVE_UP's complement, without '"' and '\')
STR = (r'"[ !#-\[\]-~\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*"')
# a single-quoted scalar (entrydoc.py writes them), ''-escaped quotes only
SQ = (r"'(?:[ -&(-~\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]|'')*'")
QUOTED = f"(?:{STR}|{SQ})"
# plain scalars that resolve to strings: a letter first, never a YAML 1.1
# boolean or null word (more words are refused than need be: they fall back)
NOT_WORD = r"(?!(?i:yes|no|true|false|on|off|null|y|n)\n)"
WORD = NOT_WORD + r"[A-Za-z][A-Za-z0-9_-]*"
PLAIN = NOT_WORD + r"[A-Za-z](?:[A-Za-z0-9 ._&'-]*[A-Za-z0-9._-])?"
# a URL that text._COMMON_URL takes (so check_url does), in quotes: at most
# MAX_URL_LENGTH characters, a host of at most 253
_HOST = r"(?:[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?"
URL = rf'"(?=[^"\n]{{1,2048}}")https?://(?=[A-Za-z0-9._-]{{1,253}}[/?#"]){_HOST}(?:[/?#][!#-\[\]-~]*)?"'
# the same in single quotes (no quote in it)
URL_SQ = rf"'(?=[^'\n]{{1,2048}}')https?://(?=[A-Za-z0-9._-]{{1,253}}[/?#']){_HOST}(?:[/?#][!-&(-\[\]-~]*)?'"
PIXELS = r"(?:1000000|[1-9][0-9]{0,5}|0)"
TEXT = f"(?:{STR}|{PLAIN})"
# a UTC timestamp that is a real date and time (fastyaml reads this form
# with datetime.fromisoformat; an impossible one warns): years 0001-9999,
# days 29-31 only in the months that have them, 29 February in leap years
_LEAP = r"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29"
_DAY = r"(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31"
TIME = rf"(?:(?!0000)[0-9]{{4}}-(?:{_DAY})|{_LEAP})T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z"
RELATED_ITEM = (
    rf"  - title: {STR}\n"
    rf"(?:    excerpt: {STR}\n)?"
    rf"(?:    publishedDateTime: {TIME}\n)?"
    rf"    webUrl: {URL}\n"
    rf"(?:    ampWebUrl: {URL}\n)?"
    rf"(?:    cdnAmpWebUrl: {STR}\n)?"
    rf"(?:    type: (?:{STR}|{WORD})\n)?"
    rf"(?:    provider:\n(?:      name: {TEXT}\n)?(?:      domain: {TEXT}\n)?)?"
    r"(?:    quality: (?:100|[1-9]?[0-9])\n)?"
    rf"(?:    images:\n(?:      - url: {URL}\n(?:        width: {PIXELS}\n)?(?:        height: {PIXELS}\n)?"
    rf"(?:        isCached: (?:true|false)\n)?){{1,{MAX_IMAGES}}})?"
)
_BLOCK = f"(?:{RELATED_ITEM}){{1,{MAX_RELATED}}}"
_MORE = re.compile(r"\n* ")
_HEAD = "\nrelated:\n"
# front matter longer than this is left alone (here and in leanfront): it
# could hold more nodes than the YAML loader allows (at most a few per line),
# and then it is an error
_MAX_LINES = MAX_NODES // 8


def beyond_line_cap(front: str) -> bool:
    """Whether ``front`` has more lines than the patterns may vouch for."""
    return len(front) > _MAX_LINES and front.count("\n") > _MAX_LINES


@cache
def _block() -> re.Pattern[str]:
    """The compiled pattern, made at the first use (~13 ms: the app imports
    this module for the detail pane, which never uses it)."""
    return re.compile(_BLOCK)


def without_quiet_related(front: str) -> str | None:
    """``front`` with the lines of its ``related:`` block left empty when the
    block matches the pattern above (it loads and warns nothing), else None."""
    at = front.find(_HEAD)
    if at == -1 or beyond_line_cap(front):
        return None
    start = at + len(_HEAD)
    found = _block().match(front, start)
    if found is None:
        return None
    end = found.end()
    if _MORE.match(front, end) is not None:
        return None                     # more of the block than the pattern took (after blank lines too)
    return front[:start] + "\n" * front.count("\n", start, end) + front[end:]
