"""The search and filter language typed in the ``/`` box, the ``[views]`` of the
config and ``feedreader list --query``.

A query is a list of terms separated by spaces; an article must match every
term (AND). ``OR`` (upper case, between two terms) matches either side, and
binds looser than AND: ``a b OR c`` is ``(a b) OR c``. Parentheses group:
``topic:AI (regulation OR "privacy bill")``; ``-( ... )`` excludes what the
group matches. A lone ``OR`` (at the start or the end) is the word "or".

=====================  ======================================================
``xpe``                a word start, in the title, excerpt, provider name or
                       domain, topics or author (case- and accent-insensitive):
                       ``xpe`` finds "Xpeng", ``cafe`` finds "Café"
``"solid state"``      a phrase: these whole words, in this order
``"solid sta"*``       a phrase whose last word is a word start
``-word``, ``-"a b"``  exclude articles that match
``topic:AI``           an article topic, the whole name (``topic:ai`` does not
                       match "AI Ethics"); quotes for several words:
                       ``topic:"Computer Vision"``; a trailing ``*`` matches
                       topic names starting so: ``topic:comp*``
``provider:caixin``    words starting so in the provider's name or domain
``author:smith``       words starting so in the author's name
``link:example.com``   the article's web address contains this (any case):
                       a domain, a path, a word of the URL
``feed:NAME``          entries of a subscribed feed, by its title or URL
``folder:NAME``        a feed folder, or a document source folder by its name
                       (feed: and folder: are resolved by the caller, see
                       ``search.Scopes``)
``q>50``               quality (0-100): ``q>50 q>=50 q<30 q<=30 q=50``;
                       ``quality`` is a synonym of ``q``; ``q:50`` is ``q=50``
``score>50``           the score (quality and scoring rules, 0-100), same forms
``since:7d``           published in the last 7 days (``12h 7d 2w 3m 1y``;
                       ``m`` is 30 days, ``y`` 365), or on/after a day:
                       ``since:2021-12-01`` (also ``2021-12``, ``2021``)
``before:2021-12-01``  published before that day (or more than an age ago)
``is:unread``          also ``is:read``, ``is:flagged``, ``is:hidden``; ``is:story``: in a story with others
``story:ID``           the articles of one story (its id, or the id's start)
=====================  ======================================================

Any term can be negated with ``-`` (``-is:read``, ``-topic:AI``). A filter
on quality or date never matches an article where that value is unknown,
so its negation does. Dates are the user's local days (``tz``), ages count
back from ``now``. A word that is only punctuation (``&``) is ignored; a word
containing ``:`` must be quoted (``"re:invent"``).

``parse_query`` turns the text into a :class:`Query` or raises
:class:`QueryError` with a message for a person and the position of the
mistake in the text. Nothing here touches SQL: ``search.py`` runs a
Query against the index.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo

from feedreader.core.library.folding import (  # noqa: F401 (named here too, see __all__)
    feed_query, fold, fold_char, folder_query, has_token, is_token_char, provider_query, quote, topic_key, topic_query,
)

# (the folding of words and the query text helpers live in folding.py; named
# here too for the callers that import them from the language)
__all__ = [
    "FILTERS", "Group", "Node", "Query", "QueryError", "SavedView", "Term",
    "feed_query", "fold", "fold_char", "folder_query", "has_token", "is_token_char",
    "parse_query", "provider_query", "quote", "saved_views", "topic_key", "topic_query", "view_for_key",
]

FILTERS = ("topic", "provider", "author", "link", "feed", "folder", "q", "score", "since", "before", "is", "story")
ALIASES = {"quality": "q"}
SCOPE_KINDS = ("feed", "folder")   # resolved into path prefixes by the caller (search.Scopes)
IS_VALUES = ("unread", "read", "flagged", "hidden", "story")
QUALITY_OPS = (">=", "<=", ">", "<", "=")
AGE_UNITS = {"h": 3600, "d": 86400, "w": 7 * 86400, "m": 30 * 86400, "y": 365 * 86400}
MAX_LENGTH = 1000
MAX_TERMS = 64
MAX_DEPTH = 8              # parentheses inside parentheses

_KEY = re.compile(r"([A-Za-z]+)(>=|<=|:|>|<|=)")
_AGE = re.compile(r"(\d{1,6})([hdwmy])", re.IGNORECASE)
_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")

_KNOWN = ", ".join(FILTERS)
_DATE_HINT = "a date (2021-12-01) or an age (12h, 7d, 2w, 3m, 1y)"
_TOPIC_HINT = 'e.g. topic:AI or topic:"Computer Vision"'


class QueryError(ValueError):
    """A mistake in a query: ``message`` for a person, ``position`` (0-based
    index into the query text) where it is, ``end`` where it stops."""

    def __init__(self, message: str, position: int, end: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.end = max(position + 1, end if end is not None else position + 1)

    def __str__(self) -> str:
        return self.message

    def pointer(self) -> str:
        """``   ^^^`` under the query text, marking the mistake."""
        return " " * self.position + "^" * (self.end - self.position)

    def describe(self) -> str:
        """``column N: message`` (1-based column), for the command line."""
        return f"column {self.position + 1}: {self.message}"


@dataclass(frozen=True, slots=True)
class Term:
    """One term of a query.

    ``kind`` and ``value``:

    - ``word``: the word as typed (always matched as a word start)
    - ``phrase``: the words inside the quotes (``prefix``: ``"..."*``)
    - ``topic``: the topic as typed (``prefix``: ``topic:comp*``)
    - ``provider`` / ``author``: the name (or domain) start as typed
    - ``link``: the text the article's URL must contain, as typed
    - ``feed`` / ``folder``: the name as typed (``prefix``: ``feed:hack*``)
    - ``quality`` / ``score``: an int 0..100 compared with ``op`` (``> >= < <= =``)
    - ``since`` / ``before``: unix seconds (published >= / < that instant)
    - ``is``: one of ``IS_VALUES``
    """

    kind: str
    value: str | int
    negated: bool = False
    prefix: bool = False
    op: str = ""
    start: int = 0
    end: int = 0
    raw: str = ""

    @property
    def is_text(self) -> bool:
        return self.kind in ("word", "phrase")


@dataclass(frozen=True, slots=True)
class Group:
    """Terms joined by ``op`` ("and": all of them, "or": any), maybe negated
    (``-( ... )``). Only queries with ``OR`` or a negated group have groups."""

    op: str
    children: tuple["Node", ...]
    negated: bool = False


Node = Term | Group


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query.

    ``terms`` are its terms in the order typed. ``tree`` is None when every
    term must hold (no ``OR``, no negated group: the common case, and the
    only one before ``OR`` existed); else the whole expression, whose
    leaves are ``terms`` (each ``negated`` as typed, inside its group).
    """

    text: str
    terms: tuple[Term, ...] = ()
    tree: Node | None = None

    @property
    def is_empty(self) -> bool:
        """No terms: the query filters nothing."""
        return not self.terms

    @property
    def is_flat(self) -> bool:
        """Every term must hold (no ``OR``, no negated group)."""
        return self.tree is None

    def positive_terms(self) -> tuple[Term, ...]:
        """The terms whose match makes an article match (not excluded by a ``-``
        on them or on a group around them)."""
        if self.tree is None:
            return tuple(t for t in self.terms if not t.negated)
        out: list[Term] = []

        def walk(node: Node, negated: bool) -> None:
            if isinstance(node, Term):
                if node.negated == negated:
                    out.append(node)
                return
            for child in node.children:
                walk(child, negated != node.negated)

        walk(self.tree, False)
        return tuple(out)

    @property
    def shows_hidden(self) -> bool:
        """The query asks for hidden articles (``is:hidden``)."""
        return any(t.kind == "is" and t.value == "hidden" for t in self.positive_terms())

    @property
    def uses_marks(self) -> bool:
        return any(t.kind == "is" for t in self.terms)

    def uses(self, kind: str) -> bool:
        """Whether a term of this kind (``feed``, ``score``, …) is in the query."""
        return any(t.kind == kind for t in self.terms)

    def highlight_terms(self) -> tuple[Term, ...]:
        """The words and phrases an article's title is highlighted for."""
        return tuple(t for t in self.positive_terms() if t.is_text)

    def describe(self) -> str:
        """The query in a normal form (single spaces), for headers and logs."""
        if self.tree is None:
            return " ".join(t.raw for t in self.terms)
        return _describe(self.tree, top=True)


def _describe(node: Node, *, top: bool = False) -> str:
    if isinstance(node, Term):
        return node.raw
    inner = (" OR " if node.op == "or" else " ").join(_describe(c) for c in node.children)
    if node.negated:
        return f"-({inner})"
    return inner if top or node.op == "and" else f"({inner})"


def _negate(node: Node) -> Node:
    if isinstance(node, Group):
        return replace(node, negated=not node.negated)
    raw = node.raw[1:] if node.negated and node.raw.startswith("-") else "-" + node.raw
    return replace(node, negated=not node.negated, raw=raw)


def _join(op: str, nodes: list[Node]) -> Node:
    """``nodes`` joined by ``op``; groups of the same op inside are merged."""
    merged: list[Node] = []
    for node in nodes:
        if isinstance(node, Group) and node.op == op and not node.negated:
            merged.extend(node.children)
        else:
            merged.append(node)
    return merged[0] if len(merged) == 1 else Group(op, tuple(merged))


def _leaves(node: Node) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    return [t for child in node.children for t in _leaves(child)]


# --------------------------------------------------------------------------
# parsing

def parse_query(text: str, *, now: float | None = None, tz: tzinfo | None = None) -> Query:
    """Parse ``text``; raises :class:`QueryError` on a mistake.

    ``now`` (unix seconds, default the current time) anchors ages such as
    ``since:7d``; ``tz`` (default the local zone) is the zone of dates such
    as ``before:2021-12-01``.
    """
    return _Parser(text, time.time() if now is None else now, tz).parse()


class _Parser:
    def __init__(self, text: str, now: float, tz: tzinfo | None) -> None:
        self.text = text
        self.now = now
        self.tz = tz
        self.i = 0
        self.depth = 0        # parentheses open at ``i``
        self.terms: list[Term] = []

    def parse(self) -> Query:
        text = self.text
        if len(text) > MAX_LENGTH:
            raise QueryError(f"the query is too long (at most {MAX_LENGTH} characters)", MAX_LENGTH, len(text))
        node = self._expression(None)
        terms = tuple(self.terms)
        if node is None:
            return Query(text, ())
        if isinstance(node, Term) or (node.op == "and" and not node.negated
                                      and all(isinstance(c, Term) for c in node.children)):
            return Query(text, tuple(_leaves(node)))   # every term must hold
        return Query(text, terms, node)

    # -- OR, AND and parentheses -------------------------------------------
    def _expression(self, opening: int | None) -> Node | None:
        """Terms up to the end (or the ``)`` closing the group opened at
        ``opening``): AND within each run, ``OR`` between runs."""
        text = self.text
        n = len(text)
        runs: list[list[Node]] = [[]]
        while True:
            while self.i < n and text[self.i].isspace():
                self.i += 1
            if self.i >= n:
                if opening is not None:
                    raise QueryError("missing closing parenthesis ')'", opening, n)
                break
            ch = text[self.i]
            if ch == ")":
                if opening is None:
                    raise QueryError("')' without a '(' before it", self.i)
                self.i += 1
                break
            if runs[-1] and self._at_or():
                self.i += 2
                runs.append([])
                continue
            node = self._unary()
            if node is not None:
                runs[-1].append(node)
        alternatives = [_join("and", run) for run in runs if run]
        return _join("or", alternatives) if alternatives else None

    def _at_or(self) -> bool:
        """``OR`` as a word of its own with something after it (else it is the word "or")."""
        text, i = self.text, self.i
        if not text.startswith("OR", i) or (i + 2 < len(text) and not (text[i + 2].isspace() or text[i + 2] in "()")):
            return False
        j = i + 2
        while j < len(text) and text[j].isspace():
            j += 1
        return j < len(text) and text[j] != ")"

    def _unary(self) -> Node | None:
        text = self.text
        start = self.i
        negated = text.startswith("-(", start)
        if negated or text[start] == "(":
            opening = start + negated
            if self.depth >= MAX_DEPTH:
                raise QueryError(f"parentheses nested too deeply (at most {MAX_DEPTH})", opening)
            self.i = opening + 1
            self.depth += 1
            node = self._expression(opening)
            self.depth -= 1
            if node is None:
                raise QueryError("empty parentheses: put terms between them, like (a OR b)", start, self.i)
            return _negate(node) if negated else node
        term = self._term()
        if term is not None:
            if len(self.terms) >= MAX_TERMS:
                raise QueryError(f"too many terms (at most {MAX_TERMS})", term.start, term.end)
            self.terms.append(term)
        return term

    # -- one term -------------------------------------------------------------
    def _term(self) -> Term | None:
        text = self.text
        start = self.i
        negated = False
        if text[self.i] == "-":
            negated = True
            self.i += 1
            if self.i >= len(text) or text[self.i].isspace():
                raise QueryError(
                    "'-' must be followed by a word, a \"phrase\" or a filter (no space after it)", start
                )
        if text[self.i] == '"':
            value, prefix = self._quoted()
            self._end_of_term()
            if not has_token(value):
                if not value.strip():
                    raise QueryError('empty quotes: put words between them, like "solid state"', start, self.i)
                return None
            return Term("phrase", value, negated, prefix, start=start, end=self.i, raw=text[start : self.i])
        match = _KEY.match(text, self.i)
        if match and (match.group(2) == ":" or _canonical(match.group(1)) in FILTERS):
            # "key:" is always a filter; "E=mc2" is a word unless the key is known
            return self._filter(match, start, negated)
        word = self._bare().rstrip("*")
        if not has_token(word):
            return None  # punctuation only: the index has no words for it
        return Term("word", word, negated, True, start=start, end=self.i, raw=text[start : self.i])

    def _bare(self) -> str:
        """A word up to the next space (or a ``)`` closing a group); a quote inside it is a mistake."""
        text = self.text
        begin = self.i
        while self.i < len(text) and not text[self.i].isspace():
            if text[self.i] == ")" and self.depth:
                break
            if text[self.i] == '"':
                raise QueryError(
                    'a quote (") must start a phrase: put a space before it, like "solid state"', self.i
                )
            self.i += 1
        return text[begin : self.i]

    def _quoted(self) -> tuple[str, bool]:
        """A quoted string at ``self.i`` (``\\"`` and ``\\\\`` escape); then an optional ``*``."""
        text = self.text
        opening = self.i
        self.i += 1
        out: list[str] = []
        while self.i < len(text):
            ch = text[self.i]
            if ch == "\\" and self.i + 1 < len(text) and text[self.i + 1] in '"\\':
                out.append(text[self.i + 1])
                self.i += 2
                continue
            if ch == '"':
                self.i += 1
                prefix = False
                if self.i < len(text) and text[self.i] == "*":
                    prefix = True
                    self.i += 1
                return "".join(out), prefix
            out.append(ch)
            self.i += 1
        raise QueryError('missing closing quote (")', opening, len(text))

    def _end_of_term(self) -> None:
        if self.i < len(self.text) and not self.text[self.i].isspace() and not (self.text[self.i] == ")" and self.depth):
            raise QueryError("put a space after the closing quote", self.i)

    def _value(self) -> tuple[str, int, bool, bool]:
        """A filter's value: (text, where it starts, was quoted, ends with a ``*``)."""
        start = self.i
        if self.i < len(self.text) and self.text[self.i] == '"':
            value, star = self._quoted()
            self._end_of_term()
            return value, start, True, star
        value = self._bare()
        return value.rstrip("*"), start, False, value.endswith("*")

    # -- filters --------------------------------------------------------------
    def _filter(self, match: re.Match[str], start: int, negated: bool) -> Term:
        name, op = match.group(1).lower(), match.group(2)
        key = _canonical(name)
        self.i = match.end()
        key_end = match.end()
        if key not in FILTERS:
            self._bare_or_quoted_skip()
            raise QueryError(
                f"unknown filter '{name}:' (known: {_KNOWN}; put a word with ':' in quotes)", start, key_end
            )
        if key in ("q", "score"):
            return self._quality(name, op, start, negated, "quality" if key == "q" else "score")
        if op != ":":
            self._bare_or_quoted_skip()
            raise QueryError(f"{name} takes ':', as in {_example(key)}", match.start(2), key_end)
        value, vstart, quoted, star = self._value()
        end = self.i
        at = vstart if value or quoted or star else start  # where a missing value is reported
        raw = self.text[start:end]

        def term(kind: str, v: str | int, *, prefix: bool = False, op: str = "") -> Term:
            return Term(kind, v, negated, prefix, op, start, end, raw)

        if key == "topic":
            name_text = value.strip()
            if not name_text:
                raise QueryError(f"topic: needs a topic name, {_TOPIC_HINT}", at, end)
            if not topic_key(name_text):
                raise QueryError(f"topic: needs letters or digits, got {value!r}", vstart, end)
            return term("topic", name_text, prefix=star)
        if key == "provider":
            name_text = value.strip()
            if not name_text:
                raise QueryError("provider: needs a name or domain, e.g. provider:caixin", at, end)
            if not has_token(name_text):
                raise QueryError(f"provider: needs letters or digits, got {value!r}", vstart, end)
            return term("provider", name_text, prefix=True)
        if key in _NAMED:
            name_text = value.strip()
            if not name_text:
                raise QueryError(f"{key}: needs {_NAMED[key]}, e.g. {_example(key)}", at, end)
            if key == "author" and not has_token(name_text):
                raise QueryError(f"author: needs letters or digits, got {value!r}", vstart, end)
            return term(key, name_text if key != "link" else name_text.lower(), prefix=star or key == "author")
        if key == "is":
            flag = value.lower()
            if flag not in IS_VALUES or star:
                got = f"got {self.text[vstart:end]!r}" if end > vstart else "got nothing"
                raise QueryError(f"is: must be one of {', '.join(IS_VALUES)}; {got}", at, end)
            return term("story", "") if flag == "story" else term("is", flag)   # (storyview.py)
        # since / before
        if end == vstart:
            raise QueryError(f"{key}: needs {_DATE_HINT}", start, end)
        return term(key, self._when(key, self.text[vstart:end].strip('"'), vstart, end))

    def _bare_or_quoted_skip(self) -> None:
        """Step over a filter's value (so the error can cover it)."""
        try:
            self._value()
        except QueryError:
            pass

    def _quality(self, name: str, op: str, start: int, negated: bool, kind: str) -> Term:
        text = self.text
        if op == ":":
            for candidate in QUALITY_OPS:
                if text.startswith(candidate, self.i):
                    op = candidate
                    self.i += len(candidate)
                    break
            else:
                op = "="
        vstart = self.i
        label = text[start + negated : vstart]
        value = self._bare()
        end = self.i
        if not value.isascii() or not value.isdigit() or not 0 <= int(value) <= 100:
            got = f"got {value!r}" if value else "got nothing"
            raise QueryError(
                f"{label} needs a whole number from 0 to 100 (like {name}>50), {got}",
                vstart if value else start,
                max(end, vstart),
            )
        return Term(kind, int(value), negated, False, op, start, end, text[start:end])

    def _when(self, key: str, value: str, vstart: int, end: int) -> int:
        age = _AGE.fullmatch(value)
        if age:
            return int(self.now - int(age.group(1)) * AGE_UNITS[age.group(2).lower()])
        date = _DATE.fullmatch(value)
        if not date:
            raise QueryError(f"{key}: needs {_DATE_HINT}, got {value!r}", vstart, end)
        year, month, day = int(date.group(1)), int(date.group(2) or 1), int(date.group(3) or 1)
        try:
            when = datetime(year, month, day, tzinfo=self.tz)
            return int(when.timestamp())
        except (ValueError, OverflowError, OSError):
            raise QueryError(f"{key}: there is no date {value!r}", vstart, end) from None


def _canonical(name: str) -> str:
    name = name.lower()
    return ALIASES.get(name, name)


_NAMED = {
    "author": "a name",
    "link": "part of a web address",
    "feed": "a subscribed feed's title or URL",
    "folder": "a folder name",
    "story": "a story id (feedreader stories)",
}


def _example(key: str) -> str:
    return {
        "topic": "topic:AI",
        "provider": "provider:caixin",
        "author": "author:smith",
        "link": "link:example.com",
        "feed": 'feed:"Hacker News"',
        "folder": "folder:Tech",
        "since": "since:7d",
        "before": "before:2021-12-01",
        "is": "is:unread",
        "story": "story:0f3c",
    }[key]


# --------------------------------------------------------------------------
# saved views

@dataclass(frozen=True, slots=True)
class SavedView:
    """A named query from the config's ``[views]``; ``key`` is "1".."9" or ""."""

    name: str
    text: str
    key: str = ""
    error: QueryError | None = None

    @property
    def label(self) -> str:
        return f"{self.key} {self.name}" if self.key else self.name


def saved_views(views: Sequence[tuple[str, str]], *, now: float | None = None) -> list[SavedView]:
    """The config's views in file order, the first nine on keys 1..9; a view
    whose query does not parse carries its ``error`` (shown, never applied)."""
    out: list[SavedView] = []
    for position, (name, text) in enumerate(views):
        error = None
        try:
            parse_query(text, now=now)
        except QueryError as exc:
            error = exc
        out.append(SavedView(name, text, str(position + 1) if position < 9 else "", error))
    return out


def view_for_key(views: list[SavedView], key: str) -> SavedView | None:
    """The view on digit ``key`` ("1".."9"), if there is one."""
    for view in views:
        if view.key == key:
            return view
    return None
