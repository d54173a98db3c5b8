"""``feedreader stories`` on the labelled set, in a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.core.stories.labelled import DATA


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "feedreader", *args], capture_output=True, text=True, timeout=300)


def test_stories_json_lists_each_story_with_its_articles_and_a_second_run_reuses_the_store():
    labels = json.loads((DATA / "labels.json").read_text(encoding="utf-8"))
    first = run("stories", "--json", str(DATA / "docs"))
    assert first.returncode == 0, first.stderr
    stories = [json.loads(line) for line in first.stdout.splitlines()]
    assert len(stories) >= 80
    for story in stories:
        assert story["size"] == len(story["articles"]) >= 2
        assert {"id", "title", "provider", "published"} <= set(story["articles"][0])
    again = run("stories", "--json", str(DATA / "docs"))
    assert again.stdout == first.stdout
    text = run("stories", str(DATA / "docs"))
    assert text.returncode == 0 and text.stdout.startswith("story ")
    assert len(labels) >= 400
