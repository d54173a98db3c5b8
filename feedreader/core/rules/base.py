"""The base quality of an article: the document's own, or an estimate.

A document that says ``quality: N`` has base N ("39 from the document").
An article without one (a feed entry, a hand-written note) gets an estimate
on the same 0-100 scale, from what it has:

======================================  =======  ===============================
signal                                  points   reason shown
======================================  =======  ===============================
the start                               50       "50 estimated (no quality in it)"
full content (body >= 2,000 chars)      +10      "+10 full content"
summary only (body < 500 chars)         −10      "−10 summary only"
title only (no excerpt, body < 500)     −20      "−20 title only"
a long read (body >= 8,000 chars)       +5       "+5 long read"
an image                                +5       "+5 an image"
an author named                         +5       "+5 names its author"
the same story from N providers         +5 (N−1), at most +15 (``story_size``,
                                        from the stories room when it has one)
how you treat its feed or folder        10·(read − ½) + 30·flagged − 30·hidden,
                                        rounded, within ±20; only where the
                                        folder has 10+ articles and you have
                                        marked 5+ of them
======================================  =======  ===============================

``read``, ``flagged`` and ``hidden`` are the shares of the folder's articles
(a feed's entries are one folder) with that mark. The estimate is kept
within 0-100. ``FORMULA_VERSION`` changes whenever this table does (stored
scores are then computed again).
"""

from __future__ import annotations

from dataclasses import dataclass

FORMULA_VERSION = 1
START = 50
FULL_CONTENT, SUMMARY_ONLY, LONG_READ = 2000, 500, 8000
TREATED_ARTICLES, TREATED_MARKS, TREATMENT_LIMIT = 10, 5, 20


@dataclass(frozen=True, slots=True)
class Treatment:
    """How the user treated a folder (a feed): its articles and the marked ones."""

    articles: int
    marked: int = 0
    read: int = 0
    flagged: int = 0
    hidden: int = 0

    def points(self) -> int:
        """The treatment's points (0 while there is too little to go by)."""
        if self.articles < TREATED_ARTICLES or self.marked < TREATED_MARKS:
            return 0
        n = self.articles
        raw = 10 * (self.read / n - 0.5) + 30 * self.flagged / n - 30 * self.hidden / n
        return max(-TREATMENT_LIMIT, min(TREATMENT_LIMIT, round(raw)))

    def reason(self, points: int) -> str:
        n = self.articles
        return (f"{signed(points)} how you treat its feed (of {n}: read {self.read * 100 // n}%, "
                f"flagged {self.flagged * 100 // n}%, hidden {self.hidden * 100 // n}%)")


@dataclass(frozen=True, slots=True)
class Signals:
    """What the base quality is worked out from (the index's columns)."""

    quality: int | None
    body_chars: int = 0
    excerpt_chars: int = 0
    images: int = 0
    has_author: bool = False
    treatment: Treatment | None = None
    story_size: int | None = None


def signed(n: int) -> str:
    """``+25``, ``−10`` (a minus sign, not a hyphen), ``+0``."""
    return f"+{n}" if n >= 0 else f"\u2212{-n}"


def base_quality(s: Signals) -> tuple[int, list[str]]:
    """(base quality 0-100, its reasons in order), per the module's table."""
    if s.quality is not None:
        return s.quality, [f"{s.quality} from the document"]
    reasons = [f"{START} estimated (no quality in it)"]
    points = START

    def add(n: int, why: str) -> None:
        nonlocal points
        if n:
            points += n
            reasons.append(f"{signed(n)} {why}")

    if s.body_chars >= FULL_CONTENT:
        add(10, "full content")
    elif s.body_chars < SUMMARY_ONLY:
        add(-10, "summary only") if s.excerpt_chars else add(-20, "title only")
    if s.body_chars >= LONG_READ:
        add(5, "long read")
    if s.images:
        add(5, "an image")
    if s.has_author:
        add(5, "names its author")
    if s.story_size is not None and s.story_size > 1:
        add(min(15, 5 * (s.story_size - 1)), f"the same story from {s.story_size} providers")
    if s.treatment is not None:
        treat = s.treatment.points()
        if treat:
            points += treat
            reasons.append(s.treatment.reason(treat))
    return max(0, min(100, points)), reasons
