"""Compiling scoring rules: each query parsed once, mistakes reported, not fatal.

``compile_rules(specs)`` gives a ``RuleSet``: the rules that compiled, and a
``RuleProblem`` for each one that did not (its name, its place in the config,
the column and the message, as a broken search shows them); the others
still apply. A rule may use every filter of the search box but ``score:``
(the rules make the score). ``fingerprint`` names the rules and the base
formula: stored scores computed with another one are computed again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import tzinfo

from feedreader.core.library.query import Query, QueryError, parse_query
from feedreader.core.rules.base import FORMULA_VERSION
from feedreader.core.rules.spec import RuleSpec


@dataclass(frozen=True, slots=True)
class Rule:
    """A compiled rule: its spec and its parsed query."""

    spec: RuleSpec
    query: Query

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def key(self) -> str:
        """What remembers the articles its action was applied to: the action
        and the query in its normal form (a rule renamed keeps it; a rule
        whose query changes is another rule)."""
        return f"{self.spec.action}|{self.query.describe()}"


@dataclass(frozen=True, slots=True)
class RuleProblem:
    """A rule that does not compile (or cannot run: an unknown feed name)."""

    spec: RuleSpec
    error: QueryError

    def __str__(self) -> str:
        return f"{self.spec.where}: {self.error.describe()}"

    def lines(self) -> list[str]:
        """The message, the query and a caret under the mistake."""
        return [str(self), f"  {self.spec.match}", f"  {self.error.pointer()}"]


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[Rule, ...] = ()
    problems: tuple[RuleProblem, ...] = ()
    fingerprint: str = ""

    @property
    def scoring(self) -> tuple[Rule, ...]:
        """The rules that change the score (``add`` not 0)."""
        return tuple(r for r in self.rules if r.spec.add)

    @property
    def acting(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.spec.action)


def compile_rules(specs: Iterable[RuleSpec], *, now: float | None = None, tz: tzinfo | None = None) -> RuleSet:
    """Parse every rule's query once (``now``/``tz`` anchor ages such as ``since:7d``)."""
    specs = tuple(specs)
    rules: list[Rule] = []
    problems: list[RuleProblem] = []
    for spec in specs:
        try:
            query = parse_query(spec.match, now=now, tz=tz)
            if query.is_empty:
                raise QueryError("the rule matches nothing: write a query, like topic:AI", 0, max(1, len(spec.match)))
            for term in query.terms:
                if term.kind == "score":
                    raise QueryError("a rule cannot use score: (the rules make the score); q: is the quality",
                                     term.start, term.end)
        except QueryError as exc:
            problems.append(RuleProblem(spec, exc))
            continue
        rules.append(Rule(spec, query))
    return RuleSet(tuple(rules), tuple(problems), _fingerprint(specs))


def _fingerprint(specs: tuple[RuleSpec, ...]) -> str:
    text = json.dumps([FORMULA_VERSION, *((s.match, s.add, s.action, s.name) for s in specs)], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
