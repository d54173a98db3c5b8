"""Highlighting the words of a query in a title, folded like the index.

``word_start`` says whether a typed word is matched as a word start (the
search's rule, ``search.match_expression``); ``highlighter`` gives the spans
of a title that a query's words and phrases match, the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from feedreader.core.library.folding import fold_char, is_token_char
from feedreader.core.library.query import Query

Spans = list[tuple[int, int]]
Highlighter = Callable[[str], Spans]

PREFIX_CHARS = 3   # shorter word starts are whole words


def word_start(text: str, prefix: bool) -> bool:
    """Whether ``text`` is matched as a word start: asked for, and its last
    word has at least ``PREFIX_CHARS`` characters. "s" or "ai" match whole
    words: one or two letters start a word in nearly every article, which
    is no filter, and the index has no prefix tables (see schema.py), so a
    word start is a scan of the words that begin so: a few ms from three
    letters, 60-130 ms at 100,000 articles for one letter."""
    if not prefix:
        return False
    words = _tokens(text)
    return bool(words) and len(words[-1][0]) >= PREFIX_CHARS



def _tokens(text: str) -> list[tuple[str, int, list[int]]]:
    """Folded words of ``text``: (word, start, end after each folded char)."""
    out: list[tuple[str, int, list[int]]] = []
    word: list[str] = []
    ends: list[int] = []
    start = 0
    for i, ch in enumerate(text):
        folded = fold_char(ch)
        if not folded:
            if word and ends:  # a combining mark: part of the word it follows
                ends[-1] = i + 1
            continue
        for f in folded:
            if is_token_char(f):
                if not word:
                    start = i
                word.append(f)
                ends.append(i + 1)
            elif word:
                out.append(("".join(word), start, ends))
                word, ends = [], []
    if word:
        out.append(("".join(word), start, ends))
    return out


def highlighter(query: Query) -> Highlighter | None:
    """A function giving the spans of a title that the query's words and
    phrases match (word starts, folded like the index), or None."""
    patterns: list[tuple[tuple[str, ...], bool]] = []
    for term in query.highlight_terms():
        words = tuple(w for w, _s, _e in _tokens(str(term.value)))
        if words:
            patterns.append((words, word_start(str(term.value), term.prefix)))
    if not patterns:
        return None

    @lru_cache(maxsize=2048)
    def spans(title: str) -> Spans:
        tokens = _tokens(title)
        found: Spans = []
        for words, prefix in patterns:
            k = len(words)
            for i in range(len(tokens) - k + 1):
                if any(tokens[i + j][0] != words[j] for j in range(k - 1)):
                    continue
                last_text, _start, last_ends = tokens[i + k - 1]
                tail = words[-1]
                if prefix:
                    if not last_text.startswith(tail):
                        continue
                    end = last_ends[len(tail) - 1]
                elif last_text == tail:
                    end = last_ends[-1]
                else:
                    continue
                found.append((tokens[i][1], end))
        return _merge(found)

    return spans


def _merge(spans: Spans) -> Spans:
    out: Spans = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out
