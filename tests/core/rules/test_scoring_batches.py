"""Scoring in batches (``scoring.BATCH``): the same scores, reasons and actions
as one pass; a stop between two batches keeps what was written and leaves
the rest for the next run (a full rescore starts again: its fingerprint is
written with the last batch only)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from feedreader.core.library import scores
from feedreader.core.library.library import Library
from feedreader.core.marks.store import StateStore
from feedreader.core.rules import scoring
from feedreader.core.rules.applied import AppliedStore
from feedreader.core.rules.rules import compile_rules
from feedreader.core.rules.scoring import run_rules
from feedreader.core.rules.spec import RuleSpec

from tests.core.rules.test_rules import FILES, RULES, doc

EXTRA = {f"docs/more{n}.txt": doc(f"More AI news {n}", f"more{n}", quality=20 + n, topics=("AI",) if n % 2 else ())
         for n in range(7)}


def library_at(tmp_path: Path, name: str) -> Library:
    src = tmp_path / name / "src"
    for rel, text in {**FILES, **EXTRA}.items():
        path = src / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    library = Library.open(tmp_path / name / "cache", [src / "docs", src / "feeds"])
    library.refresh(workers=1)
    return library


def stored(library: Library) -> dict[str, tuple[int | None, str | None]]:
    conn = sqlite3.connect(library.index.db_path)
    try:
        return {title: (score, reasons) for title, score, reasons in
                conn.execute("SELECT title, score, reasons FROM articles")}
    finally:
        conn.close()


@pytest.fixture
def two(tmp_path: Path):
    one, other = library_at(tmp_path, "one"), library_at(tmp_path, "other")
    yield one, other
    one.close()
    other.close()


def test_batches_give_the_scores_reasons_and_counts_of_one_pass(two, monkeypatch):
    whole, batched = two
    ruleset = compile_rules(RULES)
    expected = run_rules(whole, ruleset)
    monkeypatch.setattr(scoring, "BATCH", 3)
    report = run_rules(batched, ruleset)
    total = len(FILES) + len(EXTRA)
    assert report.full and report.considered == expected.considered == total
    assert report.scored == expected.scored and report.matched == expected.matched
    assert report.matched["ai policy"] == 2     # (the rule's words are in two articles only)
    assert stored(batched) == stored(whole)
    assert all(reasons is not None for _score, reasons in stored(batched).values())
    # only new articles next time, in batches too
    assert run_rules(batched, ruleset).considered == 0


def test_actions_see_every_batch(two, monkeypatch, tmp_path):
    _whole, library = two
    monkeypatch.setattr(scoring, "BATCH", 4)
    ruleset = compile_rules([RuleSpec("topic:AI", action="flag", name="flag ai", position=1)])
    with StateStore.open(tmp_path / "state.db") as store, AppliedStore(tmp_path / "rules.sqlite") as applied:
        report = run_rules(library, ruleset, marks={}, store=store, applied=applied)
        # 2 of FILES and the odd ones of EXTRA, in one undo step although they came in 4 batches
        assert report.actions == [('rule "flag ai": 5 articles flagged', 5)]


def test_a_stop_between_batches_keeps_what_was_written_and_the_next_run_goes_on(two, monkeypatch):
    _whole, library = two
    monkeypatch.setattr(scoring, "BATCH", 4)
    ruleset = compile_rules(RULES)
    asked = []

    def stop() -> bool:
        asked.append(1)
        return True

    first = run_rules(library, ruleset, stop=stop)
    assert asked == [1] and first.considered == 4
    conn = library.index.conn
    # a full run stopped: no fingerprint, so the next run scores every article again
    assert scores.fingerprint(conn) is None
    assert sum(reasons is not None for _s, reasons in stored(library).values()) == 4
    second = run_rules(library, ruleset)
    assert second.full and second.considered == len(FILES) + len(EXTRA)
    assert scores.fingerprint(conn) == ruleset.fingerprint
    assert all(reasons is not None for _s, reasons in stored(library).values())


def test_a_stopped_run_of_new_articles_leaves_the_rest_unscored(two, monkeypatch, tmp_path):
    _whole, library = two
    ruleset = compile_rules(RULES)
    run_rules(library, ruleset)
    src = Path(library.sources[0])
    for n in range(5):
        (src / f"new{n}.txt").write_text(doc(f"New piece {n}", f"new{n}", quality=60))
    library.refresh(workers=1)
    monkeypatch.setattr(scoring, "BATCH", 2)
    report = run_rules(library, ruleset, stop=lambda: True)
    assert not report.full and report.considered == 2
    assert len(scores.unscored(library.index.conn)) == 3
    rest = run_rules(library, ruleset)
    assert rest.considered == 3 and scores.unscored(library.index.conn) == []


def test_the_actions_of_a_stopped_run_are_applied_by_the_next(two, monkeypatch, tmp_path):
    """A quit stops the app's run before its actions: the articles it scored are
    not scored again, so the next run with a marks store acts on them."""
    _whole, library = two
    ruleset = compile_rules(RULES)
    with StateStore.open(tmp_path / "state.db") as store, AppliedStore(tmp_path / "rules.sqlite") as applied:
        # scored and acted on once (nothing pending): the next runs see only new articles
        run_rules(library, ruleset, marks={}, store=store, applied=applied)
        assert not scores.actions_pending(library.index.conn)
        src = Path(library.sources[0])
        for n in range(5):
            (src / f"thin{n}.txt").write_text(doc(f"Thin new piece {n}", f"thin{n}", quality=3))
        library.refresh(workers=1)
        monkeypatch.setattr(scoring, "BATCH", 2)
        stopped = run_rules(library, ruleset, marks={}, store=store, applied=applied, stop=lambda: True)
        assert stopped.considered == 2 and stopped.actions == []
        rest = run_rules(library, ruleset, marks={}, store=store, applied=applied)
        assert rest.considered == 3
        assert all(store.get(f"https://example.com/thin{n}").read for n in range(5))
