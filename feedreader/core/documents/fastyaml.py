"""A fast path for the plain block YAML that front matter almost always is.

``safeyaml.load_mapping`` walks libyaml's event stream: correct for any
input, but about 0.2 ms per document, most of an index build's CPU. Front
matter as publishers write it (and as ``seeds/`` shows) uses a small part of
YAML: ``key: value`` lines, nested blocks by indentation, ``- item`` lists,
single-line plain or quoted scalars. :func:`load_simple` reads exactly that
part, a line at a time, and gives up (returns None) at the first thing
outside it, so that the full loader reads the document instead and reports
any error with its own message. It never raises and never decides a
document is broken.

Whatever it accepts it must load exactly as ``safeyaml`` does: the same
values (plain scalars go through the same resolver), the same containers and
the same line numbers. ``tests/core/documents/test_fastyaml.py`` checks that on every
sample, the hostile corpus and generated mutations; the fuzz target checks
it too.

Given up on (the full loader reads these): tabs, CR or other line breaks
(NEL, U+2028/9), a BOM, characters YAML does not allow; comments;
``---``/``...``/``%`` lines; flow collections; anchors, aliases, tags,
block scalars (``|``, ``>``); multi-line scalars; quoted keys or keys that
resolve to something other than a string; escapes in double quotes other
than ``\\"`` and ``\\\\``; ``-`` items alone on a line, ``- - x``,
sequences at their parent key's indent; duplicate keys; more values or
deeper nesting than ``safeyaml`` allows.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any

from feedreader.core.documents.yamlnodes import (
    MAX_DEPTH,
    MAX_NODES,
    BadTimestamp,
    YamlList,
    YamlMap,
    resolve_plain,
)

__all__ = ["load_simple"]

# characters that make a line leave the fast path (looked for only in lines
# that are not ``str.isprintable()``, which covers all of them): tabs, CR and
# the other YAML line breaks (NEL, U+2028/9), the BOM, and what YAML refuses
# (C0 and C1 controls, DEL, surrogates, U+FFFE/U+FFFF)
_GIVE_UP = re.compile("[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\ufeff\u2028\u2029]")
# per line: indent, "- " (a list item), key (plain, a word), rest after ": "
# (every part is optional: ``findall`` gives one match per line, as
# ``str.split("\n")`` gives the lines; a group that did not take part is "")
_LINES = re.compile(r'^( *)(- )?(?:([A-Za-z_][A-Za-z0-9_]*):(?: +|$))?(?:(".*") *|(.*))$', re.M)
# what a plain scalar here may not start with (YAML's indicators, and "-")
_INDICATORS = frozenset("?:,[]{}#&*!|>%@`")
_DIGITS = frozenset("0123456789")
# the words a plain key made of word characters resolves to a bool or null with
# (safeyaml's YAML 1.1 rules; numbers and timestamps start with a digit, sign or dot)
_NOT_STR_KEYS = frozenset(("yes", "no", "true", "false", "on", "off", "null"))
_DOUBLE = re.compile(r'"((?:[^"\\]|\\["\\])*)" *')
_SINGLE = re.compile(r"'((?:[^']|'')*)' *")
_ESCAPE = re.compile(r'\\(["\\])')

_from_iso = datetime.fromisoformat


class _GiveUp(Exception):
    pass


def _scalar(text: str):
    """The value of a one-line scalar (``text`` is stripped on the left)."""
    first = text[:1]
    if first == '"':
        end = text.find('"', 1)
        inner = text[1:end]
        if end > 0 and "\\" not in inner and not text[end + 1:].strip(" "):
            return inner
        m = _DOUBLE.fullmatch(text)         # \" or \\ inside, or no end quote
        if m is None:
            raise _GiveUp
        return _ESCAPE.sub(r"\1", m.group(1))
    if first == "'":
        end = text.rfind("'")
        inner = text[1:end]
        if end < 1 or "'" in inner.replace("''", "") or text[end + 1:].strip(" "):
            raise _GiveUp
        return inner.replace("''", "'")
    text = text.rstrip(" ")
    if (
        first in _INDICATORS or (first == "-" and not text[1:2].isdigit()) or not first
        or text[-1] == ":" or ": " in text or " #" in text
    ):
        raise _GiveUp
    if first in _DIGITS:
        return _number_or_time(text)
    return resolve_plain(text)


def _number_or_time(text: str):
    """The common plain scalars that start with a digit, without the
    resolver's regexes: a decimal integer (``71``) and a UTC timestamp
    (``2019-10-21T08:05:00Z``); anything else goes to the resolver."""
    if text.isdigit() and text.isascii() and (text[0] != "0" or len(text) == 1) and len(text) <= 18:
        return int(text)
    if (
        len(text) == 20 and text[19] == "Z" and text[10] == "T" and text[4] == text[7] == "-"
        and text[13] == text[16] == ":" and text.isascii()
        and (text[:4] + text[5:7] + text[8:10] + text[11:13] + text[14:16] + text[17:19]).isdigit()
    ):
        try:
            # (what datetime(int(text[:4]), ..., tzinfo=timezone.utc) gives, read
            # in C: 0.4 instead of 3 us; every such text is a valid ISO form, and
            # the same dates and times are refused: test_fastyaml_timestamps.py)
            return _from_iso(text)
        except ValueError:
            return BadTimestamp(text)
    return resolve_plain(text)


# The plain and single-quoted values of front matter repeat from document to
# document (types, categories, providers, topics, sizes, true/false): each
# distinct one is read once. (A pure function of the text; the values are
# immutable. What gives up raises and is not kept.)
_scalar_of = lru_cache(maxsize=4096)(_scalar)


def load_simple(text: str, first_line: int = 1) -> YamlMap | None:
    """``text`` loaded as ``safeyaml.load_mapping`` would, or None when it
    is not the plain block YAML this reads (the caller then uses that)."""
    try:
        flat = text.replace("\n", " ")     # (the lines' characters, checked all at once)
        if not flat.isprintable() and _GIVE_UP.search(flat) is not None:
            return None
        heads, values = zip(*_HEADS.findall(text))
        shape = (first_line, heads, tuple(map(bool, values)))
        plan = _PLANS.get(shape)
        if plan:
            try:
                return _build(plan, values)
            except _GiveUp:
                pass                        # a value the plan cannot take: the loop decides
        loaded = _load(text, first_line)
        if plan is None and loaded is not None:
            if len(_PLANS) >= MAX_PLANS:
                _PLANS.clear()
            _PLANS[shape] = _plan(loaded, values, first_line) or False
        return loaded
    except (_GiveUp, RecursionError, MemoryError):
        return None


# --------------------------------------------------------------------------
# shapes: documents laid out alike are built from a plan
# --------------------------------------------------------------------------
#
# The front matter of one publisher (or converter) has the same lines in
# the same order document after document; only the values differ. Such a
# document's *shape* is its first line number, each line's head (indent,
# "- ", "key:" or "key: "; ``_HEADS``) and which lines have something after
# the head. Two documents of the same shape take the same way through
# ``_load`` except where a value decides (how it is quoted, whether it is a
# scalar the fast path reads): so the containers, keys and line numbers of
# the first are kept as a plan, and the next is built from the plan and its
# own values, read by ``_value`` exactly as ``_load`` reads them. A value
# that ``_value`` gives up on sends the document through ``_load`` as if
# there were no plan. (tests/core/documents/test_fastyaml_cold.py)

_HEADS = re.compile(r"^( *+(?:- )?+(?:[A-Za-z_][A-Za-z0-9_]*+:(?: |$))?+)(.*)$", re.M)
MAX_PLANS = 1024
# shape -> plan, or False for a shape whose plan could not be made
_PLANS: dict[tuple[int, tuple[str, ...], tuple[bool, ...]], Any] = {}

_VALUE, _NESTED, _NONE = 0, 1, 2


def _value(text: str) -> Any:
    """A value after its head, as ``_load`` reads it (``text`` is not empty)."""
    if text[0] == " ":
        raise _GiveUp                   # "key:  x" (the loop skips the spaces), "-  x" (refused)
    if text[0] == '"':
        quoted = text.rstrip(" ")
        if len(quoted) > 1 and quoted[-1] == '"':
            inner = quoted[1:-1]
            return _scalar_of(quoted) if '"' in inner or "\\" in inner else inner
    return _scalar_of(text)


def _plan(node: YamlMap | YamlList, values: tuple[str, ...], first_line: int) -> tuple | None:
    """How to build ``node`` again from another document's values; None when
    a value of it did not come from its line's text (then no plan)."""
    is_map = isinstance(node, YamlMap)
    entries: list[tuple[Any, int, Any]] = []
    pairs = node.items() if isinstance(node, YamlMap) else enumerate(node)
    for key, value in pairs:
        at = node.lines[key] - first_line
        if isinstance(value, (YamlMap, YamlList)):
            # (in a list, "- key: ..." has the item's first value after its head)
            if is_map and values[at]:
                return None             # "key:   " (blanks after the head) before a block
            child = _plan(value, values, first_line)
            if child is None:
                return None
            entries.append((key, _NESTED, child))
        elif values[at]:
            entries.append((key, _VALUE, at))
        else:
            entries.append((key, _NONE, None))      # "key:" and nothing under it
    lines = dict(node.lines) if isinstance(node, YamlMap) else list(node.lines)
    return (is_map, node.line, tuple(entries), lines)


_new_map = YamlMap.__new__
_new_list = YamlList.__new__


def _build(plan: tuple, values: tuple[str, ...]) -> Any:
    # (the containers built from one plan share its ``lines``: a loaded
    # document's line numbers are read, never changed; made with ``__new__``
    # and the two slots set, not ``__init__``'s empty ``lines`` and a copy)
    is_map, line, entries, lines = plan
    value = _value
    scalar = _scalar_of
    if is_map:
        mapping = _new_map(YamlMap)
        mapping.line = line
        mapping.lines = lines
        for key, kind, arg in entries:
            if kind == _VALUE:
                text = values[arg]
                if text[0] == '"' and text[-1] == '"' and len(text) > 1:
                    inner = text[1:-1]          # (the common "..." of _value, inline)
                    mapping[key] = scalar(text) if '"' in inner or "\\" in inner else inner
                elif text[0] != " " and text[0] != '"':
                    mapping[key] = scalar(text)     # (``_value``'s last line, inline)
                else:
                    mapping[key] = value(text)
            elif kind == _NESTED:
                mapping[key] = _build(arg, values)
            else:
                mapping[key] = None
        return mapping
    items = _new_list(YamlList)
    items.line = line
    items.lines = lines
    for _index, kind, arg in entries:
        if kind == _VALUE:
            text = values[arg]
            items.append(scalar(text) if text[0] != " " and text[0] != '"' else value(text))
        elif kind == _NESTED:
            items.append(_build(arg, values))
        else:
            items.append(None)
    return items


def _load(text: str, first_line: int) -> YamlMap | None:
    # One pass over the lines. The open container is ``cur`` (at ``cur_indent``,
    # a mapping when ``cur_map``), the ones around it are on ``stack``; a
    # "key:" with nothing after it is ``pending`` until the next line says
    # whether a block opens under it. (A line deeper than the open container
    # after a scalar is a continued scalar: the indent check refuses it.)
    root = YamlMap(first_line)
    cur: Any = root                     # (a YamlMap or a YamlList, as cur_map says)
    cur_indent = 0
    cur_map = True
    stack: list[tuple[Any, int, bool]] = []
    pending: tuple[YamlMap, str, int] | None = None
    nodes = 1
    scalar = _scalar_of
    for number, (spaces, dash, key, quoted, rest) in enumerate(_LINES.findall(text), first_line):
        if not (key or dash or quoted or rest):
            continue                    # a blank line
        indent = len(spaces)
        if pending is not None:
            owner, name, key_indent = pending
            pending = None
            if indent > key_indent:
                # a nested block: a mapping or a list, at this line's indent
                child: YamlMap | YamlList = YamlList(number) if dash else YamlMap(number)
                owner[name] = child
                if len(stack) >= MAX_DEPTH - 1:
                    return None
                stack.append((cur, cur_indent, cur_map))
                cur, cur_indent, cur_map = child, indent, not dash
            elif dash and indent == key_indent:
                return None             # a list at its key's indent
        while indent < cur_indent:
            cur, cur_indent, cur_map = stack.pop()
        if indent != cur_indent:
            return None
        if dash:
            if cur_map:
                return None             # "- " where a key belongs
            cur.lines.append(number)
            if not key:
                if quoted:
                    inner = quoted[1:-1]
                    cur.append(scalar(quoted) if '"' in inner or "\\" in inner else inner)
                elif not rest or rest[0] == " ":
                    return None         # "-" alone, "-  x"
                else:
                    cur.append(scalar(rest))
                nodes += 1
                continue
            # "- key: ...": a mapping item whose keys are two columns in
            mapping = YamlMap(number)
            cur.append(mapping)
            nodes += 1
            if len(stack) >= MAX_DEPTH - 1:
                return None
            stack.append((cur, cur_indent, cur_map))
            cur, cur_indent, cur_map = mapping, indent + 2, True
        elif not key or not cur_map:
            return None                 # a key in a list, or a line that is no "key: value"
        if key in cur or (len(key) <= 5 and key.lower() in _NOT_STR_KEYS):
            return None                 # a duplicate (the loader names both lines); "yes:", "null:"
        cur.lines[key] = number
        nodes += 2
        if quoted:
            inner = quoted[1:-1]
            cur[key] = scalar(quoted) if '"' in inner or "\\" in inner else inner
        elif rest:
            cur[key] = scalar(rest)
        else:
            cur[key] = None             # "key:" and nothing under it (yet)
            pending = (cur, key, cur_indent)
    if not root or nodes > MAX_NODES:
        return None
    root.line = next(iter(root.lines.values()))   # the first line with something on it
    return root
