"""A small, strict YAML loader for front matter, built on the event stream.

Why not ``yaml.safe_load``: it builds the whole node graph with a recursive
composer (a 100,000-deep ``[[[[…`` can exhaust the C stack), it expands
aliases (billion laughs), silently keeps the last of duplicate keys, and it
gives no line numbers with the values. Here the parser's event stream
(libyaml's ``CParser`` when available, else PyYAML's pure parser; both are
iterative) is walked with an explicit stack, and:

* anchors and aliases are refused at the first one (so an alias bomb fails
  after a few events);
* nesting deeper than ``MAX_DEPTH`` and more than ``MAX_NODES`` values are
  refused as soon as they are seen;
* explicit tags other than the core ones (``!!str``, ``!!int``, …) are refused,
  so nothing can ask for object construction (``!!python/object…``);
* duplicate mapping keys are refused, naming both lines;
* plain scalars are resolved with the same rules as PyYAML's ``SafeLoader``
  (YAML 1.1: int incl. ``0x``/``0o``/sexagesimal, float, bool incl.
  ``yes``/``on``, null, timestamp); values that cannot be represented become
  markers (:class:`TooLarge`, :class:`BadTimestamp`) so that the caller can
  drop just that field with a precise reason.

Containers are :class:`YamlMap` / :class:`YamlList`: a plain ``dict``/``list``
with the (file) line number of each entry in ``.lines``.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.resolver import Resolver

from feedreader.core.text import clean_text

__all__ = [
    "MAX_DEPTH",
    "MAX_NODES",
    "BadTimestamp",
    "TooLarge",
    "YamlList",
    "YamlMap",
    "YamlRefused",
    "load_events",
    "load_mapping",
]

MAX_DEPTH = 20
MAX_NODES = 10_000
MAX_NUMBER_CHARS = 100  # longer numeric literals become TooLarge

try:  # pragma: no branch - depends on how PyYAML was built
    from yaml._yaml import CParser as _CParser  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    _CParser = None

HAVE_LIBYAML = bool(getattr(yaml, "__with_libyaml__", False)) and _CParser is not None


class YamlRefused(Exception):
    """The front matter cannot be loaded. ``message`` is for a person."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class YamlMap(dict):
    """A mapping read from YAML; ``lines[key]`` is the file line of the key."""

    __slots__ = ("line", "lines")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.lines: dict[Any, int] = {}


class YamlList(list):
    """A sequence read from YAML; ``lines[i]`` is the file line of item i."""

    __slots__ = ("line", "lines")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.lines: list[int] = []


class TooLarge:
    """A numeric literal too long to be a sensible value (e.g. 5,000 digits)."""

    __slots__ = ("digits",)

    def __init__(self, digits: int) -> None:
        self.digits = digits

    def __repr__(self) -> str:
        return f"TooLarge({self.digits})"


class BadTimestamp:
    """A YAML timestamp that names no real time (2021-02-30, hour 25…)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"BadTimestamp({self.text!r})"


# --------------------------------------------------------------------------
# scalar resolution (PyYAML SafeLoader rules)
# --------------------------------------------------------------------------

_T = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP = (
    _T + "str", _T + "int", _T + "float", _T + "bool", _T + "null", _T + "timestamp",
)
_SCALAR_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP, "!"}
_MAP_TAGS = {_T + "map", "!"}
_SEQ_TAGS = {_T + "seq", "!"}

# first character -> [(tag, regex)], in PyYAML's order; only the types we build
_RESOLVERS: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    first: [(tag, rx) for tag, rx in entries if tag in (_INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP)]
    for first, entries in Resolver.yaml_implicit_resolvers.items()
}

_BOOLS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}
_TS = re.compile(
    r"""^(?P<year>[0-9][0-9][0-9][0-9])
        -(?P<month>[0-9][0-9]?)
        -(?P<day>[0-9][0-9]?)
        (?:(?:[Tt]|[ \t]+)
        (?P<hour>[0-9][0-9]?)
        :(?P<minute>[0-9][0-9])
        :(?P<second>[0-9][0-9])
        (?:\.(?P<fraction>[0-9]*))?
        (?:[ \t]*(?P<tz>Z|(?P<tz_sign>[-+])(?P<tz_hour>[0-9][0-9]?)
        (?::(?P<tz_minute>[0-9][0-9]))?))?)?$""",
    re.X,
)


_NON_DIGITS = re.compile(r"[^0-9]+")


def _too_large(value: str) -> TooLarge:
    return TooLarge(len(_NON_DIGITS.sub("", value)))


def _to_int(value: str) -> int | TooLarge:
    value = value.replace("_", "")
    if len(value) > MAX_NUMBER_CHARS:
        return _too_large(value)
    sign = 1
    if value[:1] == "-":
        sign = -1
    if value[:1] in ("+", "-"):
        value = value[1:]
    if value == "0":
        return 0
    if value.startswith("0b"):
        return sign * int(value[2:], 2)
    if value.startswith("0x"):
        return sign * int(value[2:], 16)
    if value.startswith("0o"):
        return sign * int(value[2:], 8)
    if value[:1] == "0":
        return sign * int(value, 8)
    if ":" in value:
        total = 0
        for part in value.split(":"):
            total = total * 60 + int(part)
        return sign * total
    return sign * int(value)


def _to_float(value: str) -> float | TooLarge:
    value = value.replace("_", "").lower()
    if len(value) > MAX_NUMBER_CHARS:
        return _too_large(value)
    sign = 1.0
    if value[:1] == "-":
        sign = -1.0
    if value[:1] in ("+", "-"):
        value = value[1:]
    if value == ".inf":
        return sign * float("inf")
    if value == ".nan":
        return float("nan")
    if ":" in value:
        total = 0.0
        for part in value.split(":"):
            total = total * 60 + float(part)
        return sign * total
    return sign * float(value)


def _to_timestamp(value: str) -> _dt.datetime | _dt.date | BadTimestamp:
    m = _TS.match(value)
    if m is None:
        return BadTimestamp(value)
    g = m.groupdict()
    try:
        year, month, day = int(g["year"]), int(g["month"]), int(g["day"])
        if not g["hour"]:
            return _dt.date(year, month, day)
        fraction = 0
        if g["fraction"]:
            fraction = int(g["fraction"][:6].ljust(6, "0"))
        tzinfo = None
        if g["tz_sign"]:
            delta = _dt.timedelta(hours=int(g["tz_hour"]), minutes=int(g["tz_minute"] or 0))
            tzinfo = _dt.timezone(-delta if g["tz_sign"] == "-" else delta)
        elif g["tz"]:
            tzinfo = _dt.timezone.utc
        return _dt.datetime(
            year, month, day, int(g["hour"]), int(g["minute"]), int(g["second"]),
            fraction, tzinfo=tzinfo,
        )
    except (ValueError, OverflowError):
        return BadTimestamp(value)


def _construct(tag: str, value: str, line: int) -> Any:
    try:
        if tag == _STR or tag == "!":
            return value
        if tag == _INT:
            return _to_int(value)
        if tag == _FLOAT:
            return _to_float(value)
        if tag == _BOOL:
            return _BOOLS[value.lower()]
        if tag == _NULL:
            return None
        if tag == _TIMESTAMP:
            return _to_timestamp(value)
    except (ValueError, KeyError, IndexError, OverflowError):
        pass
    short = clean_text(value, limit=30)
    raise YamlRefused(f"line {line}: {_tag_name(tag)} value '{short}' is not valid", line)


def _resolve_plain(value: str) -> Any:
    """Value of a plain (unquoted, untagged) scalar, as SafeLoader would give it."""
    resolvers = _RESOLVERS.get(value[:1])
    if resolvers:
        for tag, rx in resolvers:
            if rx.match(value):
                if tag == _NULL:
                    return None
                if tag == _BOOL:
                    return _BOOLS[value.lower()]
                if tag == _INT:
                    try:
                        return _to_int(value)
                    except ValueError:
                        return _too_large(value)
                if tag == _FLOAT:
                    try:
                        return _to_float(value)
                    except ValueError:  # pragma: no cover - the regex vouches
                        return value
                return _to_timestamp(value)
    elif not value:
        return None
    return value


def _tag_name(tag: str) -> str:
    name = tag[len(_T):] if tag.startswith(_T) else tag
    name = "!!" + name if tag.startswith(_T) else name
    # Tags come from the file: keep them short and printable in messages.
    name = "".join(ch if ch.isprintable() and ch.isascii() else "?" for ch in name[:60])
    return f"'{name}'"


# --------------------------------------------------------------------------
# the walker
# --------------------------------------------------------------------------


def _parser(text: str):
    if HAVE_LIBYAML:
        return _CParser(text)
    return yaml.SafeLoader(text)  # only its parser (get_event) is used


def load_mapping(text: str, first_line: int = 1) -> YamlMap:
    """Load ``text`` (one YAML document whose top level is a mapping).

    ``first_line`` is the file line number of the first line of ``text`` so
    that every line number (in ``.lines`` and in messages) is a file line.
    Raises :class:`YamlRefused` with a message for a person; never anything
    else for any input (YAML errors are converted).

    The plain block YAML of nearly every document is read by
    :mod:`fastyaml` (twice as fast); anything else by :func:`load_events`,
    with the same result.
    """
    from feedreader.core.documents.fastyaml import load_simple

    fast = load_simple(text, first_line)
    if fast is not None:
        return fast
    return load_events(text, first_line)


def load_events(text: str, first_line: int = 1) -> YamlMap:
    """:func:`load_mapping` by walking the parser's events, for any input."""
    offset = first_line
    parser = None
    try:
        parser = _parser(text)  # the pure reader checks characters right here
        return _walk(parser, offset)
    except YamlRefused:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + offset if mark is not None else None
        what = exc.problem or "syntax error"
        if exc.context:
            what = f"{what} ({exc.context})"
        where = f"line {line}: " if line else ""
        raise YamlRefused(f"{where}YAML syntax error: {clean_text(what, limit=200)}", line) from None
    except yaml.YAMLError as exc:
        # ReaderError and friends: no mark, but a position
        line = None
        pos = getattr(exc, "position", None)
        if isinstance(pos, int):
            line = text.count("\n", 0, pos) + offset
        reason = getattr(exc, "reason", None) or "syntax error"
        character = getattr(exc, "character", None)
        if isinstance(character, str) and len(character) == 1:
            character = ord(character)
        if isinstance(character, int) and not isinstance(character, bool):
            reason = f"{reason} (U+{character:04X})"
        where = f"line {line}: " if line else ""
        raise YamlRefused(f"{where}YAML error: {clean_text(str(reason), limit=200)}", line) from None
    finally:
        dispose = getattr(parser, "dispose", None)
        if dispose is not None:
            dispose()


def _walk(parser, offset: int) -> YamlMap:
    get_event = parser.get_event
    # frames: [container, is_map, pending_key, pending_key_line]
    stack: list[list[Any]] = []
    root: YamlMap | None = None
    nodes = 0
    documents = 0
    _NOKEY = _walk  # sentinel: no key pending
    while True:
        event = get_event()
        cls = event.__class__
        if cls is ScalarEvent or cls is MappingStartEvent or cls is SequenceStartEvent:
            line = event.start_mark.line + offset
            if event.anchor is not None:
                raise YamlRefused(
                    f"line {line}: YAML anchors (&name) are not allowed in front matter", line
                )
            nodes += 1
            if nodes > MAX_NODES:
                raise YamlRefused(f"line {line}: front matter has more than {MAX_NODES:,} values", line)
            tag = event.tag
            if cls is ScalarEvent:
                if tag is None:
                    value = _resolve_plain(event.value) if event.implicit[0] else event.value
                elif tag in _SCALAR_TAGS:
                    value = _construct(tag, event.value, line)
                else:
                    raise YamlRefused(f"line {line}: YAML tag {_tag_name(tag)} is not allowed", line)
                container = None
            else:
                if cls is MappingStartEvent:
                    if tag is not None and tag not in _MAP_TAGS:
                        raise YamlRefused(f"line {line}: YAML tag {_tag_name(tag)} is not allowed", line)
                    container = YamlMap(line)
                else:
                    if tag is not None and tag not in _SEQ_TAGS:
                        raise YamlRefused(f"line {line}: YAML tag {_tag_name(tag)} is not allowed", line)
                    container = YamlList(line)
                if len(stack) >= MAX_DEPTH:
                    raise YamlRefused(
                        f"line {line}: front matter is nested deeper than {MAX_DEPTH} levels", line
                    )
                value = container
            if not stack:
                if cls is not MappingStartEvent:
                    kind = "a list" if cls is SequenceStartEvent else "a single value"
                    raise YamlRefused(
                        f"line {line}: front matter must be a mapping of 'key: value' lines, "
                        f"found {kind}",
                        line,
                    )
                root = container
            else:
                frame = stack[-1]
                parent = frame[0]
                if frame[1]:
                    if frame[2] is _NOKEY:
                        if container is not None:
                            raise YamlRefused(
                                f"line {line}: a list or mapping cannot be used as a key", line
                            )
                        if value in parent:
                            first = parent.lines[value]
                            shown = clean_text(str(value), limit=40)
                            raise YamlRefused(
                                f"line {line}: duplicate key '{shown}' (first at line {first})",
                                line,
                            )
                        frame[2] = value
                        frame[3] = line
                    else:
                        key = frame[2]
                        parent[key] = value
                        parent.lines[key] = frame[3]
                        frame[2] = _NOKEY
                else:
                    parent.append(value)
                    parent.lines.append(line)
            if container is not None:
                stack.append([container, cls is MappingStartEvent, _NOKEY, 0])
        elif cls is MappingEndEvent or cls is SequenceEndEvent:
            stack.pop()
        elif cls is AliasEvent:
            line = event.start_mark.line + offset
            raise YamlRefused(f"line {line}: YAML aliases (*name) are not allowed in front matter", line)
        elif cls is DocumentStartEvent:
            documents += 1
            if documents > 1:
                line = event.start_mark.line + offset
                raise YamlRefused(f"line {line}: front matter holds more than one YAML document", line)
        elif cls is StreamEndEvent:
            break
        # StreamStart, DocumentEnd: nothing to do
    if root is None:
        raise YamlRefused("front matter is empty", None)
    return root
