"""Audit of issues 14 and 16 on the command line, as real processes: messages
that say what is wrong (a [keys] entry whose id is no binding id), one is
singular ("1 story", "1 entry"), and the read-only commands with the scoring
rules of issue 15 in the config."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from docs import doc, write


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "feedreader", *args], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ))


def configure(isolated_dirs, text: str) -> None:
    isolated_dirs["config"].mkdir(parents=True, exist_ok=True)
    (isolated_dirs["config"] / "config.toml").write_text(text, encoding="utf-8")


def test_a_keys_entry_that_is_no_binding_id_says_so(tmp_path, isolated_dirs):
    write(tmp_path / "docs", "a.txt", doc("One", "https://x.example.com/one"))
    configure(isolated_dirs, '[keys]\n"[bold]x" = "w"\n"marks.flag" = "?"\n')
    proc = run("list", str(tmp_path / "docs"))
    assert proc.returncode == 0, proc.stderr
    assert 'keys.[bold]x is not a binding id like "marks.read"' in proc.stderr
    assert "keys.[bold]x must be a key name" not in proc.stderr          # 'w' is a fine key
    assert "got '?' (write 'question_mark')" in proc.stderr


def test_stories_count_one_story_in_the_singular(tmp_path):
    folder = tmp_path / "docs"
    excerpt = 'excerpt: "US tightens chip export controls on Nvidia AI chips sold to China, officials said"'
    for n, provider in enumerate(("Alpha News", "Beta Wire", "Gamma Post")):
        write(folder, f"s{n}.txt", doc(f"US tightens Nvidia AI chip export rules for China ({provider})",
                                       f"https://{n}.example.com/chips", provider=provider, extra=excerpt,
                                       published=f"2021-12-15T1{n}:00:00Z"))
    write(folder, "other.txt", doc("Gardening tips for a rainy spring", "https://garden.example.com/tips",
                                   provider="Garden Weekly", topics=("Gardening",)))
    proc = run("stories", str(folder))
    assert proc.returncode == 0, proc.stderr
    assert "1 story of 3 articles, of 4 articles in all" in proc.stderr, proc.stderr


ACTING_RULE = '[[rules]]\nname = "flag misc"\nmatch = "topic:Misc"\naction = "flag"\n'


def test_list_with_an_acting_rule_does_not_write_the_marks(tmp_path, isolated_dirs):
    folder = tmp_path / "docs"
    write(folder, "a.txt", doc("One", "https://x.example.com/one", topics=("Misc",)))
    configure(isolated_dirs, ACTING_RULE)
    proc = run("list", str(folder))
    assert proc.returncode == 0, proc.stderr
    data = isolated_dirs["data"]
    written = sorted(p.name for p in data.iterdir()) if data.exists() else []
    assert not [name for name in written if name.startswith(("state.db", "rules.sqlite"))], (written, proc.stderr)
