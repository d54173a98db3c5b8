"""[[rules]] in the config file: types checked with sentences; a wrong rule is skipped, the others kept."""

from __future__ import annotations

import tomllib

from feedreader.config import parse_settings
from feedreader.core.rules.spec import RuleSpec, specs_from_config

CONFIG = '''
[[rules]]
name = "ai policy"
match = 'topic:AI (regulation OR "privacy bill")'
add = 25

[[rules]]
match = 'provider:"Daily Clickbait"'
add = -40

[[rules]]
match = "quality<10"
action = "read"        # or "hide", "flag"

[[rules]]
match = "x"
add = 500

[[rules]]
name = "nothing"
match = "x"

[[rules]]
match = "x"
action = "delete"

[[rules]]
match = 12
add = 1

[[rules]]
match = "topic:AI"
add = 1
colour = "red"
'''


def test_the_issue_example_and_every_mistake():
    settings = parse_settings(tomllib.loads(CONFIG), "config.toml")
    assert settings.rules == (
        RuleSpec('topic:AI (regulation OR "privacy bill")', 25, None, "ai policy", 1),
        RuleSpec('provider:"Daily Clickbait"', -40, None, "", 2),
        RuleSpec("quality<10", 0, "read", "", 3),
        RuleSpec("topic:AI", 1, None, "", 8),
    )
    assert list(settings.problems) == [
        "config.toml: rules[4]: add must be a whole number from -100 to 100, got 500; skipped",
        'config.toml: rules[5] ("nothing"): does nothing (give it add = N or an action); skipped',
        "config.toml: rules[6]: action must be one of read, hide, flag, got 'delete'; skipped",
        "config.toml: rules[7]: match must be a query like 'topic:AI', got 12; skipped",
        "config.toml: rules[8]: unknown key 'colour' (known: name, match, add, action); ignored",
    ]
    assert settings.rules[0].where == 'rule "ai policy" (rules[1])'
    assert settings.rules[1].label == 'provider:"Daily Clickbait"'


def test_rules_must_be_an_array_of_tables():
    assert specs_from_config({"match": "x"}, "c") == (
        (), ['c: rules must be an array of tables ([[rules]] with match = "..."); ignored'])
    assert specs_from_config(None) == ((), [])
    assert specs_from_config(["x"], "c")[1] == ['c: rules[1] must be a table with match = "..."; skipped']
    assert parse_settings({}).rules == ()
