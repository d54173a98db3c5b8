"""Scoring the index with the rules, applying their actions, explaining a score.

``run_rules`` is called after every refresh of the library and whenever the
rules change (it is cheap when neither happened: one look at a partial
index). It scores the articles that have no score yet (new and changed
ones), or every article when the rules (their fingerprint) differ from the
ones the stored scores were computed with. Nothing is parsed again: the
signals are columns of the index, the rules run as searches over it.

    score = clamp(base quality + the ``add`` of every rule that matches, 0, 100)

The base quality is ``base.base_quality`` (the document's, or an estimate).
The score stays on the quality's 0-100 scale, so ``score>50`` and ``q>50``
read alike and one rule cannot push an article off the scale; when the sum
leaves it, the reasons say "kept within 0-100". Scores and reasons live in
the index (``articles.score``, ``articles.reasons``; ``library/scores.py``).

What is evaluated when the score is computed, not live: ``is:`` terms in a
rule, ages (``since:7d``, from when the rules were compiled) and how you
treat a feed. They are brought up to date when the rules change or the
index is rebuilt (``feedreader rules rescore``).

Actions (``read``, ``hide``, ``flag``) are ordinary marks set through the marks
store (one undo step per rule and run, labelled with the rule), applied
once per article: ``AppliedStore`` remembers each (rule, article).
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from feedreader.core.ids import aid_of_identity
from feedreader.core.library import scores
from feedreader.core.library.query import QueryError
from feedreader.core.marks.bits import FLAGGED, HIDDEN, READ, Marks, bits_of
from feedreader.core.rules.applied import AppliedStore
from feedreader.core.rules.base import Signals, Treatment, base_quality, signed
from feedreader.core.rules.rules import Rule, RuleProblem, RuleSet
from feedreader.core.rules.spec import RuleSpec

if TYPE_CHECKING:
    from feedreader.core.library.library import Library
    from feedreader.core.library.search import Scopes, SearchResult

__all__ = ["Explanation", "RuleStat", "RulesReport", "explain", "explanation", "marks_by_aid", "rule_stats",
           "run_rules", "signed"]

_MARK = {"read": ("read", "marked read"), "hide": ("hidden", "hidden"), "flag": ("flagged", "flagged")}


class MarksWriter(Protocol):
    """What an action needs of the marks store (``marks.store.StateStore``)."""

    def set_marks(self, items: Iterable[Any], *, read: bool | None = None, hidden: bool | None = None,
                  flagged: bool | None = None, label: str | None = None) -> Any: ...


@dataclass
class RulesReport:
    scored: int = 0                     # articles whose score or reasons changed
    considered: int = 0                 # articles scored (the new ones, or all when the rules changed)
    full: bool = False                  # every article was scored (the rules changed)
    seconds: float = 0.0
    problems: list[RuleProblem] = field(default_factory=list)   # rules that could not run (unknown feed)
    matched: dict[str, int] = field(default_factory=dict)      # rule label -> scored articles it matched
    actions: list[tuple[str, int]] = field(default_factory=list)   # (undo label, articles changed)

    @property
    def changed(self) -> bool:
        """Scores or marks changed: the list should be read again."""
        return bool(self.scored or self.actions)


def marks_by_aid(marks: Mapping[str, Marks]) -> dict[int, int]:
    """The marks store's marks (by identity) as aid -> READ|HIDDEN|FLAGGED bits."""
    out: dict[int, int] = {}
    for identity, m in marks.items():
        bits = bits_of(m)
        if bits:
            out[aid_of_identity(identity)] = bits
    return out


def _contains(result: SearchResult, aid: int) -> bool:   # (for the actions: a few articles each)
    if result.include is not None:
        return aid in result.include
    if result.exclude is not None:
        return aid not in result.exclude
    return True


def _folder(path: str) -> str:
    return path.rsplit(os.sep, 1)[0]


def _treatments(library: Library, marks: Mapping[int, int]) -> dict[str, Treatment]:
    """How the user treated each folder's articles (feeds are folders)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for aid, path in scores.paths(library.index.conn):
        c = counts[_folder(path)]
        c[0] += 1
        bits = marks.get(aid, 0)
        if bits:
            c[1] += 1
            c[2] += bool(bits & READ)
            c[3] += bool(bits & FLAGGED)
            c[4] += bool(bits & HIDDEN)
    return {folder: Treatment(*c) for folder, c in counts.items()}


def _matches(library: Library, rules: Sequence[Rule], marks: Mapping[int, int], scopes: Scopes | None,
             problems: list[RuleProblem]) -> list[tuple[Rule, SearchResult]]:
    out = []
    for rule in rules:
        try:
            out.append((rule, library.search(rule.query, marks=marks, scopes=scopes)))
        except QueryError as exc:   # an unknown feed or folder name: this rule only
            problems.append(RuleProblem(rule.spec, exc))
    return out


# articles scored and written at a time: the rows of one batch are held in
# memory, not the whole library's (1,000,000 unscored articles after a cold
# index were ~330 MB more at the app's first start, all written in one
# transaction that a quit waited ~19 s for); a stop asked for between two
# batches is seen there
BATCH = 50_000


def run_rules(
    library: Library,
    ruleset: RuleSet,
    *,
    marks: Mapping[int, int] | None = None,
    scopes: Scopes | None = None,
    store: MarksWriter | None = None,
    applied: AppliedStore | None = None,
    force: bool = False,
    story_sizes: Mapping[int, int] | None = None,
    stop: Callable[[], bool] | None = None,
) -> RulesReport:
    """Score what needs it (see the module docstring) and apply the actions of
    the rules to the articles scored (with ``store`` and ``applied``; without
    them no action runs). ``marks``: aid -> bits (``marks_by_aid``), for
    ``is:`` terms and the feed treatment; ``scopes`` for ``feed:``/``folder:``
    (default: the library's); ``story_sizes``: aid -> providers of its story.

    Articles are scored ``BATCH`` at a time, each batch written in its own
    transaction; ``stop`` (when it says True between two batches) ends the
    run there, its actions left to the next run (as pending). When every
    article is scored (the rules changed) their fingerprint is written with
    the last batch: a run stopped before scores every article again next time."""
    started = time.perf_counter()
    conn = library.index.conn
    report = RulesReport(full=force or scores.fingerprint(conn) != ruleset.fingerprint)
    acting = store is not None and applied is not None
    pending = ruleset.acting and scores.actions_pending(conn)     # scored by a read-only command before
    after = 0       # the last row (``id``) read, when scoring every article

    def next_batch() -> tuple[list[scores.Signals], bool]:
        """The next articles to score, and whether they are the last."""
        nonlocal after
        if report.full:
            batch = scores.signals_after(conn, after, BATCH)
            if batch:
                after = batch[-1][7][0]
            return batch, len(batch) < BATCH
        aids = scores.unscored(conn, BATCH)
        return (list(scores.signals(conn, aids)) if aids else []), len(aids) < BATCH

    batch, last = next_batch()
    if not batch and not (pending and acting):
        return report
    marks = dict(marks or {})
    matches = _matches(library, ruleset.rules, marks, scopes, report.problems)
    adding = [(rule.spec.add, f"{signed(rule.spec.add)} {rule.label}", rule.label, result)
              for rule, result in matches if rule.spec.add]
    for _add, _reason, label, _result in adding:
        report.matched[label] = 0
    scorer = _Scorer(library, marks, story_sizes)
    scored: list[int] = []      # the articles scored, for the actions (kept only when acting)
    stopped = False
    while True:
        rows = scorer.rows(batch, adding, report.matched)
        report.considered += len(rows)
        if acting:
            scored.extend(signal[0] for signal in batch)
        if rows or (report.full and last):
            # (a run of new articles only has the fingerprint stored already)
            written = scores.write(library.index, rows, ruleset.fingerprint if last else None)
            report.scored += written
            if rows and not written and not report.full:
                break           # (unscored rows that could not be scored: no endless loop)
        if last:
            break
        if stop is not None and stop():
            stopped = True
            break
        batch, last = next_batch()
    if report.scored:
        library.invalidate()
    if acting and not stopped:
        assert store is not None and applied is not None
        _act(library, [m for m in matches if m[0].spec.action], scores.all_keys(conn) if pending else scored,
             store, applied, report)
        if pending:
            scores.set_actions_pending(library.index, False)
    elif ruleset.acting and report.considered:
        # no marks store (a read-only command), or a run stopped before its actions: the
        # articles it scored are not scored again, so the next run with a store acts on all
        scores.set_actions_pending(library.index, True)
    report.seconds = time.perf_counter() - started
    return report


class _Scorer:
    """The score and reasons of each article of a batch (``run_rules``)."""

    def __init__(self, library: Library, marks: Mapping[int, int], story_sizes: Mapping[int, int] | None) -> None:
        self.library = library
        self.marks = marks
        self.story_sizes = story_sizes
        self.treatments: dict[str, Treatment] | None = None
        # one tuple per distinct list of reasons: articles without a quality (feed entries) share
        # a few dozen lists, and 100,000 copies of them were ~45 MB at a first start (issue 13)
        self.same: dict[tuple[str, ...], tuple[str, ...]] = {}

    def rows(self, batch: list[scores.Signals], adding: list[tuple[int, str, str, SearchResult]],
             matched: dict[str, int]) -> list[tuple[scores.Stored, int, tuple[str, ...]]]:
        keys = {signal[0] for signal in batch}
        hits: dict[int, list[tuple[int, str]]] = defaultdict(list)   # aid -> (add, reason), in rule order
        for add, reason, label, result in adding:
            if result.include is not None:
                found = result.include & keys
            else:
                found = keys - result.exclude if result.exclude is not None else keys
            matched[label] += len(found)
            for aid in found:
                hits[aid].append((add, reason))
        rows: list[tuple[scores.Stored, int, tuple[str, ...]]] = []
        same = self.same
        for aid, path, quality, body, excerpt, images, author, stored in batch:
            treatment = None
            if quality is None:
                if self.treatments is None:
                    self.treatments = _treatments(self.library, self.marks)
                treatment = self.treatments.get(_folder(path))
            story = self.story_sizes.get(aid) if self.story_sizes else None
            total, reasons = base_quality(Signals(quality, body, excerpt, images, author, treatment, story))
            for add, reason in hits.get(aid, ()):
                total += add
                reasons.append(reason)
            score = max(0, min(100, total))
            if score != total:
                reasons.append("kept within 0-100")
            shared = tuple(reasons)
            rows.append((stored, score, same.setdefault(shared, shared)))
        return rows


def _act(library: Library, matches: list[tuple[Rule, SearchResult]], targets: list[int],
         store: MarksWriter, applied: AppliedStore, report: RulesReport) -> None:
    for rule, result in matches:
        hit = [aid for aid in targets if _contains(result, aid)]
        if not hit:
            continue
        identities = set(scores.identities(library.index.conn, hit).values())
        fresh = sorted(identities - applied.applied(rule.key, identities))
        if not fresh:
            continue
        field_name, done = _MARK[str(rule.spec.action)]
        n = len(fresh)
        label = f'rule "{rule.label}": {n:,} article{"" if n == 1 else "s"} {done}'
        change = store.set_marks(fresh, label=label, **{field_name: True})
        applied.record(rule.key, fresh)
        report.actions.append((label, getattr(change, "count", n)))


# --------------------------------------------------------------------------
# explaining, and telling how the rules fare

@dataclass(frozen=True, slots=True)
class Explanation:
    """Why an article scores what it does: the reasons in order, then the score."""

    score: int | None
    reasons: tuple[str, ...]

    @property
    def text(self) -> str:
        """``39 from the document, +25 ai policy, −10 summary only = 54``."""
        return explain(self.score, self.reasons)


def explain(score: int | None, reasons: Sequence[str]) -> str:
    head = ", ".join(reasons)
    if score is None:
        return head or "no score"
    return f"{head} = {score}" if head else str(score)


def explanation(library: Library, aid: int) -> Explanation | None:
    """The stored score of one article and its reasons (None: no such article).
    Before the rules have scored it: its quality, "not scored yet"."""
    found = scores.score_of(library.index.conn, aid)
    if found is None:
        return None
    score, reasons = found
    if reasons is None:
        return Explanation(score, ((f"{score} from the document", "not scored yet") if score is not None
                                   else ("not scored yet",)))
    return Explanation(score, tuple(reasons))


@dataclass(frozen=True, slots=True)
class RuleStat:
    spec: RuleSpec
    matched: int | None           # articles it matches now (None: it does not compile or run)
    applied: int = 0              # articles its action was ever applied to
    problem: RuleProblem | None = None


def rule_stats(library: Library, ruleset: RuleSet, *, marks: Mapping[int, int] | None = None,
               scopes: Scopes | None = None, applied: AppliedStore | None = None) -> list[RuleStat]:
    """Every configured rule, in config order, with how many articles it
    matches now and how many its action was applied to."""
    problems: list[RuleProblem] = list(ruleset.problems)
    found = {id(rule.spec): (rule, result) for rule, result in
             _matches(library, ruleset.rules, dict(marks or {}), scopes, problems)}
    counts = applied.counts() if applied is not None else {}
    by_spec = {id(p.spec): p for p in problems}
    out = []
    specs = sorted([r.spec for r in ruleset.rules] + [p.spec for p in ruleset.problems], key=lambda s: s.position)
    for spec in specs:
        hit = found.get(id(spec))
        matched = hit[1].count if hit is not None else None
        key = hit[0].key if hit is not None else ""
        out.append(RuleStat(spec, matched, counts.get(key, 0), by_spec.get(id(spec))))
    return out
