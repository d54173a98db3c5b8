"""Reading and writing subscription lists: OPML 1.0/2.0 and newsboat's ``urls``.

:func:`read_subscriptions` takes the bytes of either kind of file (it tells
them apart by content: XML starts with ``<``) and returns every feed it could
accept plus one sentence per thing it could not (:class:`ImportResult`). It
never raises for bad input; the file is hostile until proven otherwise:

* XML is read by the standard library's streaming expat parser. Any DTD with
  an internal subset, a system/public id or an entity declaration is refused
  (so no entity expansion, no external entities, no network); a bare
  ``<!DOCTYPE opml>`` is allowed. (lxml was the first choice, but libxml2
  without ``huge_tree`` refuses nesting deeper than 256 and so would drop a
  whole file; with ``huge_tree`` it lifts its other limits too.)
* The input is capped at :data:`MAX_BYTES`, at :data:`MAX_OUTLINES` outlines
  (or lines), and folders at :data:`MAX_FOLDER_DEPTH` levels (deeper feeds go
  into the deepest kept folder). Nesting is tracked in a list, never by
  recursion, so 100,000 levels cost memory, not the stack.
* Every string goes through :func:`~feedreader.core.text.clean_text`, every
  URL through :func:`~feedreader.core.text.check_url`; a bad URL is reported
  with its line and skipped, the rest import. A URL listed twice (after
  :func:`~feedreader.core.text.canonical_url`) is kept once and reported once.

Folders are strings, their levels joined by ``/`` (``"News/Tech"``); ``""`` is
the top level. :func:`write_opml` writes OPML 2.0 with one nested outline per
folder level, so that import -> export -> import gives the same subscriptions
in the same order (a tree keeps a folder's feeds together, so exporting a list
that interleaves folders moves each feed next to the first one of its folder).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from xml.parsers import expat

from feedreader.core.text import canonical_url, check_url, clean_text, url_problem

__all__ = [
    "MAX_BYTES",
    "MAX_FOLDER_DEPTH",
    "MAX_OUTLINES",
    "ImportResult",
    "Subscription",
    "clean_folder",
    "load_subscriptions",
    "read_subscriptions",
    "write_opml",
]

MAX_BYTES = 16 * 1024 * 1024
MAX_OUTLINES = 20_000
MAX_FOLDER_DEPTH = 16
MAX_PROBLEMS = 200          # sentences kept; the rest are counted in one more
TITLE_LIMIT = 300
FOLDER_LIMIT = 100          # per level
_SKIPPED_KINDS = ("query:", "exec:", "filter:")


@dataclass(frozen=True)
class Subscription:
    """One feed to subscribe to: a checked URL, a cleaned title ("" for none)
    and a folder path (levels joined by "/", "" for the top level)."""

    url: str
    title: str = ""
    folder: str = ""


@dataclass(frozen=True)
class ImportResult:
    feeds: tuple[Subscription, ...]
    problems: tuple[str, ...]


def clean_folder(value: str) -> str:
    """A folder path in its one written form: levels cleaned, trimmed, empty
    levels dropped, at most :data:`MAX_FOLDER_DEPTH` levels, joined by "/"."""
    return "/".join(_folder_parts(value)[:MAX_FOLDER_DEPTH])


def _folder_parts(value: str) -> list[str]:
    parts = (clean_text(p, limit=FOLDER_LIMIT) for p in value.split("/"))
    return [p for p in parts if p]


def _short(value: str, size: int = 80) -> str:
    return clean_text(value, limit=size)


class _Collector:
    """Accepted feeds and problem sentences, shared by both readers."""

    def __init__(self, name: str) -> None:
        self.name = _short(name, 120) or "the file"
        self.feeds: list[Subscription] = []
        self.problems: list[str] = []
        self.extra_problems = 0
        self.first_line: dict[str, int] = {}
        self.duplicates: dict[str, list[int]] = {}
        self.deep = 0
        self.deep_line = 0

    def problem(self, text: str, line: int | None = None) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.extra_problems += 1
            return
        where = f"{self.name} line {line}" if line is not None else self.name
        self.problems.append(f"{where}: {text}")

    def feed(self, raw_url: str, title: str, parts: list[str], line: int, what: str) -> None:
        url = raw_url.strip()
        title = clean_text(title, limit=TITLE_LIMIT)
        if check_url(url) is None:
            shown = _short(url) or "(empty)"
            self.problem(f"{what}URL '{shown}': {url_problem(url)}; skipped", line)
            return
        key = canonical_url(url)
        if key in self.first_line:
            self.duplicates.setdefault(key, []).append(line)
            return
        self.first_line[key] = line
        if len(parts) > MAX_FOLDER_DEPTH:
            self.deep += 1
            self.deep_line = self.deep_line or line
            parts = parts[:MAX_FOLDER_DEPTH]
        self.feeds.append(Subscription(url=url, title=title, folder="/".join(parts)))

    def result(self) -> ImportResult:
        for key, lines in self.duplicates.items():
            more = ", ".join(str(n) for n in lines[:5]) + (", ..." if len(lines) > 5 else "")
            self.problem(
                f"'{_short(key)}' is listed {len(lines) + 1} times (again on line {more}); "
                "it was imported once",
                self.first_line[key],
            )
        if self.deep:
            self.problem(
                f"folders are nested more than {MAX_FOLDER_DEPTH} levels deep; "
                f"{self.deep} feed(s) from deeper folders were put in the "
                f"{MAX_FOLDER_DEPTH}th-level folder above them",
                self.deep_line,
            )
        problems = self.problems
        if self.extra_problems:
            problems = problems + [f"{self.name}: ... and {self.extra_problems} more problem(s)"]
        return ImportResult(feeds=tuple(self.feeds), problems=tuple(problems))


def read_subscriptions(data: bytes, name: str) -> ImportResult:
    """The subscriptions in an OPML file or a newsboat ``urls`` file.

    ``name`` (the file name) is used in the problem sentences only. Never
    raises for bad content (a non-bytes ``data`` is a TypeError).
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"read_subscriptions needs bytes, got {type(data).__name__}")
    data = bytes(data)
    out = _Collector(name)
    if len(data) > MAX_BYTES:
        out.problem(f"is larger than {MAX_BYTES // (1024 * 1024)} MiB ({len(data):,} bytes); nothing was imported")
        return out.result()
    head = data[:4]
    if head.startswith((b"\xfe\xff", b"\xff\xfe", b"\x00<", b"<\x00")):
        _read_opml(data, out)  # UTF-16 XML
        return out.result()
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    stripped = body.lstrip(b" \t\r\n")
    if not stripped:
        out.problem("is empty; nothing was imported")
    elif stripped.startswith(b"<"):
        _read_opml(data, out)
    else:
        _read_urls(body, out)
    return out.result()


# -- OPML ------------------------------------------------------------------------


def load_subscriptions(path: Path) -> ImportResult:
    """:func:`read_subscriptions` of a file (at most :data:`MAX_BYTES` read);
    ``OSError`` when it cannot be read."""
    with path.open("rb") as fp:
        data = fp.read(MAX_BYTES + 1)
    return read_subscriptions(data, path.name)


class _Refused(Exception):
    """The document asks for something we never do (a DTD, entities)."""


class _Enough(Exception):
    """More outlines than we read."""


def _local(tag: str) -> str:
    return tag.rpartition(":")[2].lower()


def _read_opml(data: bytes, out: _Collector) -> None:
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    # Per element: the number of folder levels it added (popped at its end).
    pushed: list[int] = []
    parts: list[str] = []
    state = {"root": True, "body": 0, "seen_body": 0, "outlines": 0}

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if state["root"]:
            state["root"] = False
            if local != "opml":
                raise _Refused(f"is not an OPML file (its root element is <{_short(tag, 30)}>)")
        if local == "body":
            state["body"] += 1
            state["seen_body"] = 1
        if local != "outline" or not state["body"]:
            pushed.append(0)
            return
        state["outlines"] += 1
        if state["outlines"] > MAX_OUTLINES:
            raise _Enough
        lowered = {_local(k): v for k, v in attrs.items()}
        title = lowered.get("title") or lowered.get("text") or ""
        line = parser.CurrentLineNumber
        if "xmlurl" in lowered:
            what = f"outline '{_short(title, 60)}': " if title.strip() else "outline: "
            out.feed(lowered["xmlurl"], title, parts, line, what)
            pushed.append(0)
            return
        if lowered.get("type", "").lower() == "include":
            out.problem("an outline includes another OPML file by URL; it was not fetched", line)
        level = _folder_parts(title)
        parts.extend(level)
        pushed.append(len(level))

    def end(tag: str) -> None:
        n = pushed.pop() if pushed else 0
        if n:
            del parts[-n:]
        if _local(tag) == "body":
            state["body"] -= 1

    def doctype(name: str, system_id: str | None, public_id: str | None, internal: int) -> None:
        if system_id or public_id or internal:
            raise _Refused("declares a DTD (<!DOCTYPE ...> with declarations); such files are refused")

    def entity(*_args: object) -> None:
        raise _Refused("declares XML entities; such files are refused")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = entity
    parser.ExternalEntityRefHandler = lambda *a: 0  # never reached: DTDs are refused first
    try:
        parser.Parse(data, True)
    except _Refused as exc:
        out.feeds.clear()
        out.first_line.clear()
        out.duplicates.clear()
        out.problem(f"{exc}; nothing was imported")
    except _Enough:
        out.problem(
            f"has more than {MAX_OUTLINES:,} outlines; only the first {MAX_OUTLINES:,} were read",
            parser.CurrentLineNumber,
        )
    except expat.ExpatError as exc:
        reason = expat.ErrorString(exc.code) if exc.code else str(exc)
        kept = f"the {len(out.feeds)} feed(s) before it were kept" if out.feeds else "nothing was imported"
        out.problem(f"is not well-formed XML ({reason}, column {exc.offset}); {kept}", exc.lineno)
    except (ValueError, LookupError) as exc:  # unknown encoding and the like
        out.problem(f"cannot be read as XML ({_short(str(exc))}); nothing was imported")
    else:
        if not state["seen_body"] and not out.problems:
            out.problem("has no <body> with outlines; nothing was imported")


# -- newsboat urls ----------------------------------------------------------------


def _tokens(line: str) -> list[str]:
    """newsboat's words: blanks separate, "double quotes" group, backslash
    escapes inside quotes. An unclosed quote runs to the end of the line."""
    words: list[str] = []
    word: list[str] = []
    in_word = quoted = escaped = False
    for ch in line:
        if quoted:
            if escaped:
                word.append(ch)
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                quoted = False
            else:
                word.append(ch)
        elif ch == '"':
            quoted = in_word = True
        elif ch in " \t":
            if in_word:
                words.append("".join(word))
                word, in_word = [], False
        else:
            word.append(ch)
            in_word = True
    if in_word:
        words.append("".join(word))
    return words


def _read_urls(body: bytes, out: _Collector) -> None:
    if b"\x00" in body:
        out.problem("is neither OPML nor a newsboat urls file (it holds binary data); nothing was imported")
        return
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = body.count(b"\n", 0, exc.start) + 1
        out.problem(f"is not UTF-8 text (a bad byte on line {bad}); nothing was imported")
        return
    extra_tags = 0
    for number, raw in enumerate(text.splitlines(), 1):
        if number > MAX_OUTLINES:
            out.problem(f"has more than {MAX_OUTLINES:,} lines; only the first {MAX_OUTLINES:,} were read", number)
            break
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        words = _tokens(line)
        if not words:
            continue
        first = words[0]
        kind = next((k for k in _SKIPPED_KINDS if first.lower().startswith(k)), None)
        if kind is not None:
            out.problem(f"a newsboat '{kind[:-1]}' feed ('{_short(first, 60)}') cannot be imported; skipped", number)
            continue
        titles = [w[1:] for w in words[1:] if w.startswith("~")]
        tags = [w for w in words[1:] if not w.startswith("~") and w.strip() and w != "!"]
        if len(tags) > 1:
            extra_tags += 1
        out.feed(first, titles[0] if titles else "", _folder_parts(tags[0]) if tags else [], number, "")
    if extra_tags:
        out.problem(f"{extra_tags} feed(s) have more than one tag; the first tag of each became its folder")


# -- writing -----------------------------------------------------------------------


def _attr(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
        .replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;")
    )


@dataclass
class _Node:
    name: str
    items: list[Subscription | _Node] = field(default_factory=list)
    children: dict[str, _Node] = field(default_factory=dict)


def write_opml(feeds: Iterable[Subscription], *, title: str = "feedreader subscriptions",
               now: float | None = None) -> bytes:
    """OPML 2.0 (UTF-8) for ``feeds``: one nested outline per folder level,
    feeds and folders in the order they first appear."""
    root = _Node("")
    for sub in feeds:
        node = root
        for part in _folder_parts(sub.folder)[:MAX_FOLDER_DEPTH]:
            child = node.children.get(part)
            if child is None:
                child = node.children[part] = _Node(part)
                node.items.append(child)
            node = child
        node.items.append(sub)
    stamp = formatdate(time.time() if now is None else now, usegmt=True)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head>",
        f"    <title>{_attr(clean_text(title))}</title>",
        f"    <dateCreated>{stamp}</dateCreated>",
        "  </head>",
        "  <body>",
    ]
    # An explicit stack of (node, next item index): no recursion.
    stack: list[tuple[_Node, int]] = [(root, 0)]
    while stack:
        node, i = stack.pop()
        pad = "  " * (len(stack) + 2)
        if i == len(node.items):
            if stack:
                lines.append(f"{pad[:-2]}</outline>")
            continue
        stack.append((node, i + 1))
        item = node.items[i]
        if isinstance(item, _Node):
            name = _attr(item.name)
            lines.append(f'{pad}<outline text="{name}" title="{name}">')
            stack.append((item, 0))
            continue
        text = _attr(clean_text(item.title, limit=TITLE_LIMIT))
        shown = f' title="{text}"' if text else ""
        lines.append(f'{pad}<outline type="rss" text="{text}"{shown} xmlUrl="{_attr(clean_text(item.url, limit=8192))}"/>')
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines).encode("utf-8")
