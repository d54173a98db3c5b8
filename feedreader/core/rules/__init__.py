"""Scoring rules: rules written in the query language give every article a
score (its base quality plus the rules that match) and may act on it once
(mark it read, hide it, flag it). May import the library and base modules.

- ``spec.py``: ``RuleSpec``, a rule as the config file writes it (``[[rules]]``)
- ``rules.py``: compiling rules once (``compile_rules`` -> ``RuleSet``; a broken
  rule is a ``RuleProblem`` with its name and position, the others apply)
- ``base.py``: the base quality: the document's, or an estimate from signals
- ``scoring.py``: scoring the index (new articles, or all when the rules
  change), the actions, the explanation of a score, stats
- ``applied.py``: which (rule, article) actions were applied (data dir)

Import from the modules (``config.py`` imports ``spec`` at start-up: this
package loads nothing else until asked).
"""
