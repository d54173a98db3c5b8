"""Scoring rules against a real index and a real marks store: compiling, the
base estimate, scores and reasons, orders, rescoring without parsing, actions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from feedreader.core.ids import aid_of_identity
from feedreader.core.library.library import Library
from feedreader.core.marks.store import StateStore
from feedreader.core.rules.applied import AppliedStore
from feedreader.core.rules.base import Signals, Treatment, base_quality
from feedreader.core.rules.rules import compile_rules
from feedreader.core.rules.scoring import explanation, marks_by_aid, rule_stats, run_rules
from feedreader.core.rules.spec import RuleSpec


def doc(title: str, slug: str, *, quality: int | None = None, topics=(), author: str = "", body: str = "",
        excerpt: str = "An excerpt.", images: int = 0, provider: str = "Example") -> str:
    lines = ["---", f"title: {json.dumps(title)}", f"originalUrl: https://example.com/{slug}",
             "publishedDateTime: 2022-02-01T00:00:00Z", "provider:", f"  name: {json.dumps(provider)}",
             "  domain: example.com"]
    if quality is not None:
        lines.append(f"quality: {quality}")
    if author:
        lines.append(f"author: {json.dumps(author)}")
    if excerpt:
        lines.append(f"excerpt: {json.dumps(excerpt)}")
    if topics:
        lines += ["topics:", *(f"  - {json.dumps(t)}" for t in topics)]
    if images:
        lines += ["images:", *(f"  - url: https://example.com/i{n}.jpg" for n in range(images))]
    return "\n".join(lines + ["---", body])


FILES = {
    "docs/policy.txt": doc("AI regulation advances", "policy", quality=39, topics=("AI",)),
    "docs/bill.txt": doc("A privacy bill", "bill", quality=90, topics=("AI",), excerpt="privacy bill text"),
    "docs/clickbait.txt": doc("You won't believe", "click", quality=30, provider="Daily Clickbait"),
    "docs/low.txt": doc("Thin piece", "low", quality=5),
    "feeds/7/full.txt": doc("Long entry", "full", body="word " * 500, author="Ann", images=1),
    "feeds/7/short.txt": doc("Short entry", "short"),
}

RULES = [
    RuleSpec('topic:AI (regulation OR "privacy bill")', add=25, name="ai policy", position=1),
    RuleSpec('provider:"Daily Clickbait"', add=-40, position=2),
    RuleSpec("quality<10", action="read", position=3),
]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    for name, text in FILES.items():
        path = tmp_path / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path / "src"


@pytest.fixture
def lib(root: Path, tmp_path: Path):
    library = Library.open(tmp_path / "cache", [root / "docs", root / "feeds"])
    library.refresh(workers=1)
    yield library
    library.close()


def by_title(lib: Library) -> dict[str, int]:
    return {row.title: row.aid for row in lib.iter_rows("newest")}


def scores_of(lib: Library) -> dict[str, int | None]:
    return {row.title: row.score for row in lib.iter_rows("newest")}


# --------------------------------------------------------------------------
# compiling

def test_a_broken_rule_is_reported_with_its_name_and_position_and_the_others_apply(lib):
    ruleset = compile_rules([
        RuleSpec("topic:AI q>>5", add=5, name="broken", position=1),
        RuleSpec("provider:", add=5, position=2),
        RuleSpec("score>50", add=5, position=3),
        RuleSpec("   ", add=5, position=4),
        RuleSpec("topic:AI", add=10, name="ai", position=5),
    ])
    assert [r.label for r in ruleset.rules] == ["ai"]
    assert [str(p) for p in ruleset.problems] == [
        'rule "broken" (rules[1]): column 12: q> needs a whole number from 0 to 100 (like q>50), got \'>5\'',
        'rule "provider:" (rules[2]): column 1: provider: needs a name or domain, e.g. provider:caixin',
        'rule "score>50" (rules[3]): column 1: a rule cannot use score: (the rules make the score); q: is the quality',
        'rule "   " (rules[4]): column 1: the rule matches nothing: write a query, like topic:AI',
    ]
    assert ruleset.problems[0].lines()[1:] == ["  topic:AI q>>5", "             ^^"]
    run_rules(lib, ruleset)
    assert scores_of(lib)["AI regulation advances"] == 49


def test_a_rule_naming_an_unknown_feed_is_reported_when_it_runs(lib):
    ruleset = compile_rules([RuleSpec("feed:nowhere", add=50, name="nowhere", position=1),
                             RuleSpec("topic:AI", add=1, position=2)])
    report = run_rules(lib, ruleset)
    assert [str(p) for p in report.problems] == [
        "rule \"nowhere\" (rules[1]): column 1: feed: there is no feed called 'nowhere'"]
    assert scores_of(lib)["A privacy bill"] == 91


# --------------------------------------------------------------------------
# the base quality

def test_the_documents_quality_is_the_base():
    assert base_quality(Signals(39, body_chars=0)) == (39, ["39 from the document"])


def test_an_estimate_from_signals():
    assert base_quality(Signals(None, body_chars=0, excerpt_chars=80)) == (
        40, ["50 estimated (no quality in it)", "\u221210 summary only"])
    assert base_quality(Signals(None, body_chars=0, excerpt_chars=0))[0] == 30
    assert base_quality(Signals(None, body_chars=9000, excerpt_chars=80, images=2, has_author=True)) == (
        75, ["50 estimated (no quality in it)", "+10 full content", "+5 long read", "+5 an image", "+5 names its author"])
    assert base_quality(Signals(None, body_chars=600, story_size=3))[1][-1] == "+10 the same story from 3 providers"


def test_how_a_feed_is_treated_moves_the_estimate_once_there_is_enough_to_go_by():
    assert Treatment(articles=9, marked=9, read=9, flagged=9).points() == 0          # too few articles
    assert Treatment(articles=100, marked=4, read=4).points() == 0                   # too few marks
    assert Treatment(articles=100, marked=50, read=50).points() == 0
    assert Treatment(articles=100, marked=100, read=100, flagged=20).points() == 11
    assert Treatment(articles=100, marked=60, read=20, hidden=60).points() == -20     # within ±20
    score, reasons = base_quality(Signals(None, body_chars=600, treatment=Treatment(20, 20, 20, 4, 0)))
    assert score == 61 and reasons[-1] == "+11 how you treat its feed (of 20: read 100%, flagged 20%, hidden 0%)"


# --------------------------------------------------------------------------
# scores in the index

def test_scores_and_their_reasons(lib):
    report = run_rules(lib, compile_rules(RULES))
    assert report.full and report.scored == len(FILES)
    assert scores_of(lib) == {
        "AI regulation advances": 64, "A privacy bill": 100, "You won't believe": 0, "Thin piece": 5,
        "Long entry": 70, "Short entry": 40,
    }
    aids = by_title(lib)
    assert explanation(lib, aids["AI regulation advances"]).text == "39 from the document, +25 ai policy = 64"
    assert explanation(lib, aids["A privacy bill"]).reasons == (
        "90 from the document", "+25 ai policy", "kept within 0-100")
    assert explanation(lib, aids["You won't believe"]).text == (
        '30 from the document, \u221240 provider:"Daily Clickbait", kept within 0-100 = 0')
    assert explanation(lib, aids["Short entry"]).text == (
        "50 estimated (no quality in it), \u221210 summary only = 40")
    assert report.matched == {"ai policy": 2, 'provider:"Daily Clickbait"': 1}


def test_before_scoring_the_score_is_the_quality(lib):
    assert scores_of(lib)["AI regulation advances"] == 39 and scores_of(lib)["Short entry"] is None
    assert explanation(lib, by_title(lib)["AI regulation advances"]).text == "39 from the document, not scored yet = 39"


def test_best_and_ranked_follow_the_score(lib):
    before = [row.title for row in lib.iter_rows("best")]
    assert before[0] == "A privacy bill" and before[-1] in ("Long entry", "Short entry")   # unknown quality last
    run_rules(lib, compile_rules(RULES))
    assert [row.title for row in lib.iter_rows("best")] == [
        "A privacy bill", "Long entry", "AI regulation advances", "Short entry", "Thin piece", "You won't believe"]
    assert lib.first_rows("best", 2)[1].title == "Long entry"
    assert [row.title for row in lib.iter_rows("ranked")][:2] == ["A privacy bill", "Long entry"]
    assert {r.title for r in lib.rows([r.aid for r in lib.iter_rows("newest")]).values()
            if r.score is not None and r.score >= 64} == {"A privacy bill", "Long entry", "AI regulation advances"}


def test_nothing_to_do_when_nothing_changed_and_only_new_articles_are_scored(lib, root):
    ruleset = compile_rules(RULES)
    run_rules(lib, ruleset)
    assert run_rules(lib, ruleset).scored == 0
    (root / "docs" / "new.txt").write_text(doc("New AI regulation", "new", quality=50, topics=("AI",)))
    lib.refresh(workers=1)
    report = run_rules(lib, ruleset)
    assert not report.full and report.scored == 1
    assert scores_of(lib)["New AI regulation"] == 75


def test_changed_rules_rescore_everything_without_reading_a_file(lib, root):
    run_rules(lib, compile_rules(RULES))
    shutil.rmtree(root)                                   # nothing left to parse
    report = run_rules(lib, compile_rules([RuleSpec("topic:AI", add=-30, name="less ai", position=1)]))
    assert report.full and report.considered == len(FILES)
    assert report.scored == 3   # written: the ones whose score or reasons changed
    assert scores_of(lib)["AI regulation advances"] == 9
    assert scores_of(lib)["You won't believe"] == 30


def test_scores_follow_a_search_for_score(lib):
    run_rules(lib, compile_rules(RULES))
    assert {lib.rows([a])[a].title for a in lib.search("score>=64").match} == {
        "A privacy bill", "Long entry", "AI regulation advances"}


# --------------------------------------------------------------------------
# actions

def test_actions_are_marks_applied_once_and_undoable(lib, tmp_path):
    ruleset = compile_rules(RULES + [RuleSpec("topic:AI", action="flag", name="flag ai", position=4)])
    with StateStore.open(tmp_path / "data" / "state.db") as store, AppliedStore(tmp_path / "data" / "rules.sqlite") as applied:
        report = run_rules(lib, ruleset, marks=marks_by_aid(store.marks()), store=store, applied=applied)
        assert report.actions == [('rule "quality<10": 1 article marked read', 1),
                                  ('rule "flag ai": 2 articles flagged', 2)]
        low = "https://example.com/low"
        assert store.get(low).read and store.get("https://example.com/bill").flagged
        assert store.undo() == 'Undid: rule "flag ai": 2 articles flagged'
        assert not store.get("https://example.com/bill").flagged
        # the rules change (a full run): the undone action is not applied again
        again = compile_rules(RULES + [RuleSpec("topic:AI", action="flag", name="flag ai", add=1, position=4)])
        assert run_rules(lib, again, marks=marks_by_aid(store.marks()), store=store, applied=applied).actions == []
        assert not store.get("https://example.com/bill").flagged
        stats = {s.spec.label: (s.matched, s.applied) for s in
                 rule_stats(lib, again, marks=marks_by_aid(store.marks()), applied=applied)}
        assert stats == {"ai policy": (2, 0), 'provider:"Daily Clickbait"': (1, 0), "quality<10": (1, 1),
                         "flag ai": (2, 2)}
    # remembered in the data dir
    with AppliedStore(tmp_path / "data" / "rules.sqlite") as applied:
        assert applied.applied(ruleset.rules[2].key, [low, "x"]) == {low}


def test_actions_of_articles_scored_without_a_marks_store_wait_for_the_next_run_with_one(lib, tmp_path):
    """`feedreader list` scores but never writes marks: the next run that may
    (the app, `rules rescore`) acts on those articles although they are scored."""
    ruleset = compile_rules(RULES + [RuleSpec("topic:AI", action="flag", name="flag ai", position=4)])
    first = run_rules(lib, ruleset)             # a read-only command: scores only
    assert first.scored and first.actions == []
    assert not (tmp_path / "data" / "state.db").exists()
    with StateStore.open(tmp_path / "data" / "state.db") as store, AppliedStore(tmp_path / "data" / "rules.sqlite") as applied:
        report = run_rules(lib, ruleset, marks=marks_by_aid(store.marks()), store=store, applied=applied)
        assert report.scored == 0       # nothing to score again
        assert report.actions == [('rule "quality<10": 1 article marked read', 1),
                                  ('rule "flag ai": 2 articles flagged', 2)]
        assert store.get("https://example.com/bill").flagged
        # done once: a later run has nothing to do
        assert run_rules(lib, ruleset, marks=marks_by_aid(store.marks()), store=store, applied=applied).actions == []


def test_is_terms_in_rules_use_the_marks(lib, tmp_path):
    aids = by_title(lib)
    marks = {aids["Thin piece"]: 1, aid_of_identity("https://elsewhere.example/") : 1}
    run_rules(lib, compile_rules([RuleSpec("is:read", add=50, position=1)]), marks=marks)
    assert scores_of(lib)["Thin piece"] == 55 and scores_of(lib)["Short entry"] == 40
