"""The marks of one article as a value, and as the bits the list keeps per key.

``Marks`` is what the store reads and writes by identity; the in-memory sets
of the list and the search's ``is:`` terms use one small int per ``aid``:
``READ | HIDDEN | FLAGGED``.
"""

from __future__ import annotations

from dataclasses import dataclass

READ, HIDDEN, FLAGGED = 1, 2, 4


@dataclass(frozen=True, slots=True)
class Marks:
    """The marks of one article (all false: unmarked)."""

    read: bool = False
    hidden: bool = False
    flagged: bool = False

    @property
    def any(self) -> bool:
        return self.read or self.hidden or self.flagged


NO_MARKS = Marks()


def bits_of(marks: Marks) -> int:
    """``marks`` as ``READ | HIDDEN | FLAGGED`` bits."""
    return (READ if marks.read else 0) | (HIDDEN if marks.hidden else 0) | (FLAGGED if marks.flagged else 0)
