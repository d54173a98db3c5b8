"""The library as grouping input (core/stories/source.py), on a real index of
the labelled set: reading the files on worker processes gives the features
read in this one, related coverage and body included."""

from __future__ import annotations

from feedreader.core.library.library import Library
from feedreader.core.stories.source import features_from_library, library_versions, sync_stories
from feedreader.core.stories.records import unpack
from tests.core.stories.labelled import DATA


def test_files_read_on_two_processes_give_the_same_features(tmp_path):
    with Library.open(tmp_path / "cache", [DATA / "docs"]) as library:
        library.refresh(workers=1)
        aids = sorted(library_versions(library))
        here = list(features_from_library(library, aids, jobs=1))
        there = list(features_from_library(library, aids, jobs=2, chunk=100))
        quick = list(features_from_library(library, aids, read_files=False))
        index, changes = sync_stories(library, jobs=2)
        again, nothing = sync_stories(library, jobs=2)
    assert len(here) == len(aids) > 400
    assert sorted(there, key=lambda f: f.aid) == sorted(here, key=lambda f: f.aid)
    assert sum(1 for r in here if unpack(r.data).links) > 100     # the related coverage came from the files
    assert not any(unpack(r.data).links for r in quick)
    assert index.groups() == again.groups() and len(index.groups()) >= 80
    assert nothing.scored_pairs == 0 and not nothing.changed
