"""`feedreader list --query` as a real process: the search language, marks, mistakes."""

from __future__ import annotations

import json
import subprocess
import sys

from docs import SEED

SEEDS = SEED.parent
XPENG = "Carmaker Xpeng Deletes 430,000 Photos for Misuse of Facial Recognition"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "feedreader", *args], capture_output=True, text=True, timeout=120)


def titles(*args: str) -> list[str]:
    proc = run("list", "--json", str(SEEDS), *args)
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line)["title"] for line in proc.stdout.splitlines()]


def test_query_filters_the_list_in_order():
    assert titles("--query", "topic:AI xpeng") == [XPENG]
    assert titles("--query", "provider:caixin") == [XPENG]
    ai = titles("--query", "topic:ai")
    assert len(ai) == 12 and XPENG in ai
    # the list's order is kept: the matches appear as in the full list
    everything = titles()
    assert ai == [t for t in everything if t in ai]
    assert XPENG not in titles("--query", "topic:AI -xpeng")
    best = titles("--query", "q>=70", "--sort", "best")
    assert best and all(t in everything for t in best)
    assert titles("--query", "") == everything


def test_is_filters_use_the_marks_store():
    ids = {json.loads(l)["title"]: json.loads(l)["id"] for l in run("list", "--json", str(SEEDS)).stdout.splitlines()}
    mark = run("mark", "flag", ids[XPENG], "--path", str(SEEDS))
    assert mark.returncode == 0, mark.stderr
    assert titles("--query", "is:flagged") == [XPENG]
    assert XPENG not in titles("--query", "-is:flagged topic:AI")
    # a hidden article is listed when the query asks for hidden ones
    assert run("mark", "hide", ids[XPENG], "--path", str(SEEDS)).returncode == 0
    assert XPENG not in titles("--query", "topic:AI")
    assert titles("--query", "is:hidden") == [XPENG]


def test_a_mistake_exits_2_and_points_at_it():
    proc = run("list", str(SEEDS), "--query", "topic:AI q>abc")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines()[-3:] == [
        "feedreader: --query: q> needs a whole number from 0 to 100 (like q>50), got 'abc'",
        "  topic:AI q>abc",
        "             ^^^",
    ]
    proc = run("list", str(SEEDS), "--query", "since:yesterday")
    assert proc.returncode == 2
    assert "since: needs a date (2021-12-01) or an age (12h, 7d, 2w, 3m, 1y), got 'yesterday'" in proc.stderr
