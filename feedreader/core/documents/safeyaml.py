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
with the (file) line number of each entry in ``.lines``. They, the markers and
the scalar rules live in ``yamlnodes.py``, shared with the fast path
(``fastyaml.py``).
"""

from __future__ import annotations

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

from feedreader.core.documents.yamlnodes import (
    MAP_TAGS,
    MAX_DEPTH,
    MAX_NODES,
    SCALAR_TAGS,
    SEQ_TAGS,
    BadTimestamp,
    TooLarge,
    YamlList,
    YamlMap,
    YamlRefused,
    construct,
    resolve_plain,
    tag_name,
)
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


def _libyaml_parser() -> type | None:
    """libyaml's parser class, or None when PyYAML was built without it."""
    try:  # pragma: no branch - depends on how PyYAML was built
        from yaml._yaml import CParser
    except ImportError:  # pragma: no cover
        return None
    return CParser


_CParser = _libyaml_parser()

HAVE_LIBYAML = bool(getattr(yaml, "__with_libyaml__", False)) and _CParser is not None


# --------------------------------------------------------------------------
# the walker
# --------------------------------------------------------------------------


def _parser(text: str):
    if HAVE_LIBYAML and _CParser is not None:   # (HAVE_LIBYAML says so too; mypy reads this one)
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
    container: YamlMap | YamlList | None
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
                    value = resolve_plain(event.value) if event.implicit[0] else event.value
                elif tag in SCALAR_TAGS:
                    value = construct(tag, event.value, line)
                else:
                    raise YamlRefused(f"line {line}: YAML tag {tag_name(tag)} is not allowed", line)
                container = None
            else:
                if cls is MappingStartEvent:
                    if tag is not None and tag not in MAP_TAGS:
                        raise YamlRefused(f"line {line}: YAML tag {tag_name(tag)} is not allowed", line)
                    container = YamlMap(line)
                else:
                    if tag is not None and tag not in SEQ_TAGS:
                        raise YamlRefused(f"line {line}: YAML tag {tag_name(tag)} is not allowed", line)
                    container = YamlList(line)
                if len(stack) >= MAX_DEPTH:
                    raise YamlRefused(
                        f"line {line}: front matter is nested deeper than {MAX_DEPTH} levels", line
                    )
                value = container
            if not stack:
                if not isinstance(container, YamlMap):   # (container is a YamlMap for a MappingStartEvent)
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
