"""``feedreader rules ...``: tune the scoring rules of the config's ``[[rules]]``.

    feedreader rules test QUERY [PATH...] [--limit N] [--json]
    feedreader rules stats [PATH...] [--json]
    feedreader rules rescore [PATH...]

``test`` and ``stats`` only read (no score is written, no action applied);
``rescore`` scores every article again and applies the actions, as ``list``
and the app do for new articles after each refresh (``apply_rules``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from feedreader.cli.common import Context, add_common_options, add_paths_argument
from feedreader.core.text import plural

if TYPE_CHECKING:
    from feedreader.core.library.library import Library, ListRow
    from feedreader.core.rules.rules import RuleSet
    from feedreader.core.rules.scoring import RulesReport


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "rules",
        help="scoring rules: what a query would match, how often each rule matches",
        description="Tune the scoring rules ([[rules]] in config.toml): each has a match (the search "
        "language), an add (points) and/or an action (read, hide, flag).",
    )
    cmds = p.add_subparsers(dest="rules_command", metavar="SUBCOMMAND", required=True)
    c = cmds.add_parser("test", help="what a rule matching QUERY would match (count and the first rows)",
                        description="Print how many articles a rule with this match would match, and the "
                        "first of them, best first (exit status 2 if the query has a mistake).")
    c.add_argument("query", metavar="QUERY")
    add_paths_argument(c)
    c.add_argument("--limit", type=int, default=10, metavar="N", help="rows to print (default 10)")
    c.add_argument("--json", action="store_true", help="JSON lines: id, score, quality, title, provider, url")
    add_common_options(c)
    c.set_defaults(func=cmd_test)
    c = cmds.add_parser("stats", help="every rule with how many articles it matches and acted on",
                        description="Every configured rule, in order, with how many articles it matches now "
                        "and how many its action was applied to; broken rules with the mistake.")
    add_paths_argument(c)
    c.add_argument("--json", action="store_true", help="one JSON object per rule")
    add_common_options(c)
    c.set_defaults(func=cmd_stats)
    c = cmds.add_parser("rescore", help="score every article again and apply the actions",
                        description="Score every article again (is: terms, ages and how you treat a feed "
                        "are evaluated when a score is computed) and apply the rules' actions.")
    add_paths_argument(c)
    add_common_options(c)
    c.set_defaults(func=cmd_rescore)


# --------------------------------------------------------------------------
# the rules' part of other commands

def ruleset_of(ctx: Context, *, quiet: bool = False) -> RuleSet:
    """The config's rules compiled; each broken one said on stderr (unless ``quiet``)."""
    from feedreader.core.rules.rules import compile_rules

    ruleset = compile_rules(getattr(ctx.settings, "rules", ()))
    if not quiet:
        for problem in ruleset.problems:
            print("feedreader: " + "\n".join(problem.lines()), file=sys.stderr)
    return ruleset


def apply_rules(ctx: Context, library: Library, *, force: bool = False, act: bool = True,
                story_sizes: dict[int, int] | None = None) -> RulesReport:
    """Score what needs it and apply the actions (see core/rules/scoring.py);
    says broken rules and the actions taken on stderr. Sets ``library.scopes``.
    ``act=False`` (read-only commands: ``list``): scores only, the marks are
    only read; the actions wait for the app or ``rules rescore``."""
    from feedreader.core.rules.applied import AppliedStore
    from feedreader.core.rules.scoring import marks_by_aid, run_rules

    ruleset = ruleset_of(ctx)
    library.scopes = ctx.scopes_for(library)
    if not (ruleset.acting and act):   # nothing to write in the data dir: the marks are only read
        with ctx.read_marks() as marks:
            report = run_rules(library, ruleset, marks=marks_by_aid(marks.marks()), force=force,
                               story_sizes=story_sizes)
    else:
        with ctx.open_marks() as store, AppliedStore(ctx.paths.data_dir / "rules.sqlite") as applied:
            for warning in ([applied.warning] if applied.warning else []):
                print(f"feedreader: {warning}", file=sys.stderr)
            report = run_rules(library, ruleset, marks=marks_by_aid(store.marks()), store=store, applied=applied,
                               force=force, story_sizes=story_sizes)
    for problem in report.problems:
        print("feedreader: " + "\n".join(problem.lines()), file=sys.stderr)
    for label, _count in report.actions:
        print(f"feedreader: {label} (undo: the app's undo key, or mark them back)", file=sys.stderr)
    return report


def score_fields(library: Library, aids: list[int]) -> dict[int, tuple[int | None, list[str]]]:
    """(score, score_reasons) of these articles for ``--json``."""
    from feedreader.core.library.scores import reasons_in

    return reasons_in(library.index.conn, aids)


# --------------------------------------------------------------------------
# the commands

def _marks(ctx: Context) -> dict[int, int]:
    from feedreader.core.rules.scoring import marks_by_aid

    with ctx.read_marks() as store:
        for warning in store.pop_warnings():
            print(f"feedreader: {warning}", file=sys.stderr)
        return marks_by_aid(store.marks())


def cmd_test(args: argparse.Namespace) -> int:
    from feedreader.core.library.scores import fingerprint
    from feedreader.core.rules.rules import compile_rules
    from feedreader.core.rules.spec import RuleSpec

    ctx = Context.from_args(args)
    ctx.print_settings_problems()
    tested = compile_rules([RuleSpec(args.query, add=1)])
    if tested.problems:
        error = tested.problems[0].error
        print(f"feedreader: rules test: {error.message}\n  {args.query}\n  {error.pointer()}", file=sys.stderr)
        return 2
    rule = tested.rules[0]
    marks = _marks(ctx)
    from feedreader.core.library.query import QueryError

    with ctx.open_library() as library:
        library.scopes = ctx.scopes_for(library)
        try:
            result = library.search(rule.query, marks=marks)
        except QueryError as exc:
            print(f"feedreader: rules test: {exc.message}\n  {args.query}\n  {exc.pointer()}", file=sys.stderr)
            return 2
        total = library.count()
        count = result.count if result.count is not None else total
        match = result.match
        rows: list[ListRow] = []
        for row in library.iter_rows("best"):
            if len(rows) >= max(0, args.limit):
                break
            if match is None or row.aid in match:
                rows.append(row)
        if args.json:
            for row in rows:
                print(json.dumps({"id": row.id, "score": row.score, "quality": row.quality, "title": row.title,
                                  "provider": row.provider, "url": row.url}, ensure_ascii=False))
            return 0
        print(f"{count:,} of {total:,} article{'' if total == 1 else 's'} match {rule.query.describe()}")
        for row in rows:
            score = "  -" if row.score is None else f"{row.score:3d}"
            print(f"  {score}  {row.id}  {row.provider[:20]:20}  {row.title}")
        if count > len(rows):
            print(f"  … and {count - len(rows):,} more")
        if fingerprint(library.index.conn) != ruleset_of(ctx, quiet=True).fingerprint:
            print("(the scores shown are from other rules: 'feedreader rules rescore' or the app scores them again)")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from feedreader.core.rules.applied import AppliedStore
    from feedreader.core.rules.scoring import rule_stats, signed

    ctx = Context.from_args(args)
    ctx.print_settings_problems()
    ruleset = ruleset_of(ctx, quiet=True)
    marks = _marks(ctx)
    remembered = ctx.paths.data_dir / "rules.sqlite"   # only read here: not created
    with ctx.open_library() as library, AppliedStore(remembered if remembered.exists() else None) as applied:
        library.scopes = ctx.scopes_for(library)
        stats = rule_stats(library, ruleset, marks=marks, applied=applied)
        total = library.count()
    if args.json:
        for s in stats:
            print(json.dumps({"position": s.spec.position, "name": s.spec.name, "match": s.spec.match,
                              "add": s.spec.add, "action": s.spec.action, "matched": s.matched,
                              "applied": s.applied, "error": str(s.problem) if s.problem else None},
                             ensure_ascii=False))
        return 0
    if not stats:
        print("no rules: add [[rules]] tables to config.toml (see the README, \"Scoring rules\")")
        return 0
    print(f"{'#':>3}  {'rule':32}  {'does':12}  {'matches':>9}  {'acted on':>8}")
    for s in stats:
        does = " ".join(filter(None, [signed(s.spec.add) if s.spec.add else "", s.spec.action or ""]))
        matched = "broken" if s.matched is None else f"{s.matched:,}"
        applied_n = f"{s.applied:,}" if s.spec.action else ""
        print(f"{s.spec.position:>3}  {s.spec.label[:32]:32}  {does:12}  {matched:>9}  {applied_n:>8}")
    print(f"(of {plural(total, 'article')})")
    broken = [s.problem for s in stats if s.problem is not None]
    for problem in broken:
        print("\n".join(problem.lines()), file=sys.stderr)
    return 1 if broken else 0


def cmd_rescore(args: argparse.Namespace) -> int:
    ctx = Context.from_args(args)
    ctx.print_settings_problems()
    with ctx.open_library() as library:
        report = apply_rules(ctx, library, force=True)
    print(f"scored {report.considered:,} articles ({report.scored:,} changed) in {report.seconds:.2f} s")
    return 1 if report.problems else 0
