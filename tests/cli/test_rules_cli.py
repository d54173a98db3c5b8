"""`feedreader rules test/stats/rescore` and `list --json` scores, as a real process with a real config."""

from __future__ import annotations

import json
import subprocess
import sys

from docs import SEED

SEEDS = SEED.parent
XPENG = "Carmaker Xpeng Deletes 430,000 Photos for Misuse of Facial Recognition"

CONFIG = '''
[[rules]]
name = "xpeng news"
match = 'xpeng OR (topic:AI "facial recognition")'
add = 25

[[rules]]
match = 'provider:"Sprocket & Byte"'
add = -40

[[rules]]
name = "thin"
match = "quality<10"
action = "read"

[[rules]]
name = "broken"
match = "topic:AI q>>5"
add = 5
'''


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "feedreader", *args], capture_output=True, text=True, timeout=180)


def configure(isolated_dirs, text: str = CONFIG) -> None:
    isolated_dirs["config"].mkdir(parents=True, exist_ok=True)
    (isolated_dirs["config"] / "config.toml").write_text(text)


def listed(*args: str) -> list[dict]:
    proc = run("list", "--json", str(SEEDS), *args)
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_rules_test_prints_the_count_and_the_first_rows(isolated_dirs):
    proc = run("rules", "test", "xpeng OR topic:Batteries", str(SEEDS), "--limit", "1")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    count = int(lines[0].split()[0])
    assert lines[0] == f"{count} of 51 articles match xpeng OR topic:Batteries" and count >= 2
    assert len([l for l in lines if l.startswith("  ") and not l.startswith("  …")]) == 1
    assert lines[2] == f"  … and {count - 1} more"
    rows = [json.loads(l) for l in run("rules", "test", "xpeng", str(SEEDS), "--json").stdout.splitlines()]
    assert [r["title"] for r in rows] == [XPENG]


def test_rules_test_points_at_a_mistake(isolated_dirs):
    proc = run("rules", "test", "(xpeng OR", str(SEEDS))
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[-3:] == [
        "feedreader: rules test: missing closing parenthesis ')'", "  (xpeng OR", "  ^^^^^^^^^"]
    proc = run("rules", "test", "score>5", str(SEEDS))
    assert proc.returncode == 2 and "a rule cannot use score:" in proc.stderr


def test_list_json_gives_score_and_reasons_and_leaves_actions_to_rescore(isolated_dirs):
    configure(isolated_dirs)
    rows = listed()
    item = next(r for r in rows if r["title"] == XPENG)
    assert item["score"] == min(100, item["quality"] + 25)
    assert item["score_reasons"][:2] == [f"{item['quality']} from the document", "+25 xpeng news"]
    sprocket = [r for r in rows if r["provider"] == "Sprocket & Byte"]
    assert sprocket and all(r["score"] == max(0, r["quality"] - 40) for r in sprocket)
    thin = [r for r in rows if r["quality"] is not None and r["quality"] < 10]
    # list only looks (issue 14): the action waits for the app or `rules rescore`
    assert thin and not any(r["read"] for r in thin)
    assert not (isolated_dirs["data"] / "state.db").exists()
    proc = run("list", "--json", str(SEEDS))
    assert 'rule "broken" (rules[4]): column 12: q> needs a whole number' in proc.stderr
    # best first is by score
    best = listed("--sort", "best")
    assert [r["score"] for r in best] == sorted((r["score"] for r in best), key=lambda s: -1 if s is None else s,
                                                reverse=True)
    # rescore applies the action, once: unmark, rescore again, still unread
    proc = run("rules", "rescore", str(SEEDS))
    assert proc.returncode == 0 and 'rule "thin"' in proc.stderr, proc.stderr
    assert all(r["read"] for r in listed() if r["id"] in {t["id"] for t in thin})
    assert run("mark", "unread", thin[0]["id"], "--path", str(SEEDS)).returncode == 0
    assert run("rules", "rescore", str(SEEDS)).returncode == 0
    again = next(r for r in listed() if r["id"] == thin[0]["id"])
    assert not again["read"]


def test_rules_stats_and_rescore(isolated_dirs):
    configure(isolated_dirs)
    assert run("list", str(SEEDS)).returncode == 0
    stats = [json.loads(l) for l in run("rules", "stats", str(SEEDS), "--json").stdout.splitlines()]
    assert stats[2]["applied"] == 0 and stats[2]["matched"] >= 1     # list only scores
    assert run("rules", "rescore", str(SEEDS)).returncode == 0
    proc = run("rules", "stats", str(SEEDS), "--json")
    stats = [json.loads(l) for l in proc.stdout.splitlines()]
    assert [(s["position"], s["name"] or s["match"]) for s in stats] == [
        (1, "xpeng news"), (2, 'provider:"Sprocket & Byte"'), (3, "thin"), (4, "broken")]
    assert stats[1]["matched"] == 4 and stats[3]["matched"] is None and stats[3]["error"].startswith('rule "broken"')
    assert stats[2]["applied"] == stats[2]["matched"] >= 1
    text = run("rules", "stats", str(SEEDS))
    assert text.returncode == 1 and "−40" in text.stdout and "broken" in text.stdout
    configure(isolated_dirs, '[[rules]]\nmatch = "xpeng"\nadd = -100\n')
    proc = run("rules", "rescore", str(SEEDS))
    assert proc.returncode == 0 and proc.stdout.startswith("scored 51 articles (")
    assert next(r for r in listed() if r["title"] == XPENG)["score"] == 0
