"""``feedreader list --json`` gives each article's ``story``, and ``--query`` takes
``is:story`` / ``story:ID``: real processes on a part of the labelled story set."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.helpers.storyset import copy_stories, labels_by_id


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "feedreader", *args], capture_output=True, text=True, timeout=300)


def test_list_json_gives_the_story_shared_by_the_articles_of_one_story(tmp_path):
    labels = copy_stories(tmp_path / "docs")
    label_of = labels_by_id(tmp_path / "docs", labels)
    out = run("list", "--json", str(tmp_path / "docs"))
    assert out.returncode == 0, out.stderr
    items = [json.loads(line) for line in out.stdout.splitlines()]
    assert {i["id"] for i in items} == set(label_of)
    by_story: dict[str, set[str]] = {}
    for item in items:
        size = len(labels[label_of[item["id"]]])
        if size == 1:
            assert item["story"] is None
        else:
            assert isinstance(item["story"], str) and len(item["story"]) == 16
            by_story.setdefault(item["story"], set()).add(label_of[item["id"]])
    # one id per labelled story, and never two labels under one id
    assert all(len(found) == 1 for found in by_story.values())
    assert len(by_story) == sum(len(n) > 1 for n in labels.values())

    # the same ids as `feedreader stories`, and the query language finds them
    stories = [json.loads(line) for line in run("stories", "--json", str(tmp_path / "docs")).stdout.splitlines()]
    assert {s["id"] for s in stories} == set(by_story)
    story = stories[0]
    picked = run("list", "--json", "--query", f"story:{story['id']}", str(tmp_path / "docs"))
    assert picked.returncode == 0, picked.stderr
    assert sorted(json.loads(line)["id"] for line in picked.stdout.splitlines()) == \
        sorted(a["id"] for a in story["articles"])
    alone = run("list", "--json", "--query=-is:story", str(tmp_path / "docs"))
    assert {json.loads(line)["story"] for line in alone.stdout.splitlines()} == {None}
    assert len(alone.stdout.splitlines()) == sum(len(n) == 1 for n in labels.values())
    broken = run("list", "--query", "story:", str(tmp_path / "docs"))
    assert broken.returncode == 2 and "story: needs a story id" in broken.stderr
