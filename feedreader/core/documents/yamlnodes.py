"""What the YAML loaders of front matter share: the values they build.

``safeyaml`` (the event walker) and ``fastyaml`` (its fast path for plain block
YAML) must load exactly the same values, so both use these: the containers
with line numbers (:class:`YamlMap`, :class:`YamlList`), the markers for
values that cannot be represented (:class:`TooLarge`, :class:`BadTimestamp`),
the error (:class:`YamlRefused`), the limits, and the resolution of scalars
by PyYAML ``SafeLoader``'s rules (YAML 1.1).
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from yaml.resolver import Resolver

from feedreader.core.text import clean_text

MAX_DEPTH = 20
MAX_NODES = 10_000
MAX_NUMBER_CHARS = 100  # longer numeric literals become TooLarge


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
        # (no dict.__init__: a new dict is empty already, and the loaders make many)
        self.line = line
        self.lines: dict[Any, int] = {}


class YamlList(list):
    """A sequence read from YAML; ``lines[i]`` is the file line of item i."""

    __slots__ = ("line", "lines")

    def __init__(self, line: int) -> None:
        # (no list.__init__: a new list is empty already)
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
SCALAR_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP, "!"}
MAP_TAGS = {_T + "map", "!"}
SEQ_TAGS = {_T + "seq", "!"}

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


def construct(tag: str, value: str, line: int) -> Any:
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
    raise YamlRefused(f"line {line}: {tag_name(tag)} value '{short}' is not valid", line)


def resolve_plain(value: str) -> Any:
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


def tag_name(tag: str) -> str:
    name = tag[len(_T):] if tag.startswith(_T) else tag
    name = "!!" + name if tag.startswith(_T) else name
    # Tags come from the file: keep them short and printable in messages.
    name = "".join(ch if ch.isprintable() and ch.isascii() else "?" for ch in name[:60])
    return f"'{name}'"
