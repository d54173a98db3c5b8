"""The search and filter language typed in the ``/`` box, the ``[views]`` of the
config and ``feedreader list --query``.

A query is a list of terms separated by spaces; an article must match every
term (AND). There is no OR and no grouping.

=====================  ======================================================
``xpe``                a word start, in the title, excerpt, provider name or
                       domain, or topics (case- and accent-insensitive):
                       ``xpe`` finds "Xpeng", ``cafe`` finds "Café"
``"solid state"``      a phrase: these whole words, in this order
``"solid sta"*``       a phrase whose last word is a word start
``-word``, ``-"a b"``  exclude articles that match
``topic:AI``           an article topic, the whole name (``topic:ai`` does not
                       match "AI Ethics"); quotes for several words:
                       ``topic:"Computer Vision"``; a trailing ``*`` matches
                       topic names starting so: ``topic:comp*``
``provider:caixin``    words starting so in the provider's name or domain
``q>50``               quality (0-100): ``q>50 q>=50 q<30 q<=30 q=50``;
                       ``quality`` is a synonym of ``q``; ``q:50`` is ``q=50``
``since:7d``           published in the last 7 days (``12h 7d 2w 3m 1y``;
                       ``m`` is 30 days, ``y`` 365), or on/after a day:
                       ``since:2021-12-01`` (also ``2021-12``, ``2021``)
``before:2021-12-01``  published before that day (or more than an age ago)
``is:unread``          also ``is:read``, ``is:flagged``, ``is:hidden``
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
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import lru_cache

FILTERS = ("topic", "provider", "q", "since", "before", "is")
ALIASES = {"quality": "q"}
IS_VALUES = ("unread", "read", "flagged", "hidden")
QUALITY_OPS = (">=", "<=", ">", "<", "=")
AGE_UNITS = {"h": 3600, "d": 86400, "w": 7 * 86400, "m": 30 * 86400, "y": 365 * 86400}
MAX_LENGTH = 1000
MAX_TERMS = 64

_KEY = re.compile(r"([A-Za-z]+)(>=|<=|:|>|<|=)")
_AGE = re.compile(r"(\d{1,6})([hdwmy])", re.IGNORECASE)
_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_SIMPLE = re.compile(r"[^\s\"\\*]+")

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
    - ``provider``: the name or domain start as typed
    - ``quality``: an int 0..100 compared with ``op`` (``> >= < <= =``)
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
class Query:
    """A parsed query: every term must hold."""

    text: str
    terms: tuple[Term, ...] = ()

    @property
    def is_empty(self) -> bool:
        """No terms: the query filters nothing."""
        return not self.terms

    @property
    def shows_hidden(self) -> bool:
        """The query asks for hidden articles (``is:hidden``)."""
        return any(t.kind == "is" and t.value == "hidden" and not t.negated for t in self.terms)

    @property
    def uses_marks(self) -> bool:
        return any(t.kind == "is" for t in self.terms)

    def highlight_terms(self) -> tuple[Term, ...]:
        """The words and phrases an article's title is highlighted for."""
        return tuple(t for t in self.terms if t.is_text and not t.negated)

    def describe(self) -> str:
        """The query in a normal form (single spaces), for headers and logs."""
        return " ".join(t.raw for t in self.terms)


# --------------------------------------------------------------------------
# folding (the same on both sides: topics stored in the index, terms typed)

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

    def parse(self) -> Query:
        text = self.text
        if len(text) > MAX_LENGTH:
            raise QueryError(f"the query is too long (at most {MAX_LENGTH} characters)", MAX_LENGTH, len(text))
        terms: list[Term] = []
        n = len(text)
        while True:
            while self.i < n and text[self.i].isspace():
                self.i += 1
            if self.i >= n:
                break
            term = self._term()
            if term is None:
                continue
            if len(terms) >= MAX_TERMS:
                raise QueryError(f"too many terms (at most {MAX_TERMS})", term.start, term.end)
            terms.append(term)
        return Query(text, tuple(terms))

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
        """A word up to the next space; a quote inside it is a mistake."""
        text = self.text
        begin = self.i
        while self.i < len(text) and not text[self.i].isspace():
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
        if self.i < len(self.text) and not self.text[self.i].isspace():
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
        if key == "q":
            return self._quality(name, op, start, negated)
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
        if key == "is":
            flag = value.lower()
            if flag not in IS_VALUES or star:
                got = f"got {self.text[vstart:end]!r}" if end > vstart else "got nothing"
                raise QueryError(f"is: must be one of {', '.join(IS_VALUES)}; {got}", at, end)
            return term("is", flag)
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

    def _quality(self, name: str, op: str, start: int, negated: bool) -> Term:
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
        return Term("quality", int(value), negated, False, op, start, end, text[start:end])

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


def _example(key: str) -> str:
    return {
        "topic": "topic:AI",
        "provider": "provider:caixin",
        "since": "since:7d",
        "before": "before:2021-12-01",
        "is": "is:unread",
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
