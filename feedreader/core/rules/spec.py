"""A scoring rule as the config file writes it (``[[rules]]`` in config.toml).

``config.py`` checks the types (a wrong one is reported and that rule
skipped); the query in ``match`` is compiled, and its mistakes reported with
their position, by ``rules.compile_rules``.
"""

from __future__ import annotations

from dataclasses import dataclass

ACTIONS = ("read", "hide", "flag")   # the marks an action sets: read, hidden, flagged
ADD_RANGE = (-100, 100)


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """``match`` (the query language), ``add`` (points added to the score of
    every article it matches, may be negative), ``action`` (None or one of
    ``ACTIONS``, applied once per article), ``name`` (optional, for people),
    ``position`` (1-based place among the config's rules)."""

    match: str
    add: int = 0
    action: str | None = None
    name: str = ""
    position: int = 0

    @property
    def label(self) -> str:
        """What reasons and reports call the rule: its name, else its query."""
        return self.name or self.match

    @property
    def where(self) -> str:
        """``rule "ai policy" (rules[2])``, for messages."""
        return f'rule "{self.label}" (rules[{self.position}])' if self.position else f'rule "{self.label}"'


_KEYS = ("name", "match", "add", "action")
MAX_RULES = 200
NAME_LIMIT = 80


def specs_from_config(value: object, source: str = "config") -> tuple[tuple[RuleSpec, ...], list[str]]:
    """The ``[[rules]]`` array of tables of a parsed config file: (the rules
    whose keys have the right types, a sentence for every mistake). A rule
    with a wrong key is skipped (and said so); the others are kept. Its
    query is not checked here (``rules.compile_rules`` does, with a column)."""
    problems: list[str] = []
    if value is None:
        return (), problems
    if not isinstance(value, list):
        return (), [f"{source}: rules must be an array of tables ([[rules]] with match = \"...\"); ignored"]
    specs: list[RuleSpec] = []
    for n, table in enumerate(value[:MAX_RULES], 1):
        where = f"{source}: rules[{n}]"
        if not isinstance(table, dict):
            problems.append(f"{where} must be a table with match = \"...\"; skipped")
            continue
        name = table.get("name", "")
        if isinstance(name, str) and name.isprintable() and len(name) <= NAME_LIMIT:
            where = f'{where} ("{name}")' if name else where
        else:
            problems.append(f"{where}: name must be a short line of text (at most {NAME_LIMIT} characters); skipped")
            continue
        wrong = [k for k in table if k not in _KEYS]
        if wrong:
            problems.append(f"{where}: unknown key {wrong[0]!r} (known: {', '.join(_KEYS)}); ignored")
        match, add, action = table.get("match"), table.get("add", 0), table.get("action")
        if not isinstance(match, str) or not match.strip() or len(match) > 1000:
            problems.append(f"{where}: match must be a query like 'topic:AI', got {_short(match)}; skipped")
        elif isinstance(add, bool) or not isinstance(add, int) or not ADD_RANGE[0] <= add <= ADD_RANGE[1]:
            problems.append(f"{where}: add must be a whole number from {ADD_RANGE[0]} to {ADD_RANGE[1]}, "
                            f"got {_short(add)}; skipped")
        elif action is not None and action not in ACTIONS:
            problems.append(f"{where}: action must be one of {', '.join(ACTIONS)}, got {_short(action)}; skipped")
        elif not add and action is None:
            problems.append(f"{where}: does nothing (give it add = N or an action); skipped")
        else:
            specs.append(RuleSpec(match, add, action, name, n))
    if len(value) > MAX_RULES:
        problems.append(f"{source}: more than {MAX_RULES} rules; the rest are ignored")
    return tuple(specs), problems


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
