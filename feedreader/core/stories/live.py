"""Stories kept up to date for a running app (and the command line's one-off runs).

``LiveStories.sync(library)`` does what ``source.sync_stories`` does (group the
new and changed articles, drop the removed ones, save the story file) but
keeps the ``StoryIndex`` (on the story file, which stays open) between
calls, so a run after a refresh that changed nothing costs one look at the
versions, and the stories are read from the file once. It then writes the index's story table
(``library/storyview.py``: what ``is:story`` and ``story:ID`` search) and
returns a ``StoryData`` (aid -> story, members best first by score, providers).

Only public parts of ``core/stories`` are used (``StoryIndex``, ``StoryStore``,
``source``'s inputs): the grouping is theirs.
"""

from __future__ import annotations

from pathlib import Path

from feedreader.core.library.library import Library
from feedreader.core.library.storyview import StoryData, write_story_table
from feedreader.core.sql import select_in
from feedreader.core.stories.index import Changes, StoryIndex
from feedreader.core.stories.source import update_from_library
from feedreader.core.stories.store import StoryStore, store_path_for


class LiveStories:
    """One library's stories, kept in memory; ``sync`` from one thread at a time."""

    def __init__(self, *, read_files: bool = True, jobs: int = 1) -> None:
        self.read_files = read_files
        self.jobs = jobs
        self.index: StoryIndex | None = None     # on the story file, kept open between calls
        self._store: StoryStore | None = None
        self._path: Path | None = None
        self.data: StoryData | None = None
        self._generation: str | None = None    # the index's generation the data was made at

    def sync(self, library: Library) -> tuple[StoryData, Changes | None]:
        """The stories, brought up to date; Changes None when the index had not
        changed since the last call (its generation: articles and scores)."""
        generation = _generation(library)
        if self.data is not None and generation == self._generation:
            return self.data, None
        path = store_path_for(Path(library.index.db_path))
        if self.index is None or self._path != path:
            self.close()
            self._store = StoryStore(path)
            self.index = self._store.index(jobs=self.jobs)
            self._path = path
        index = self.index
        changes = update_from_library(index, library, read_files=self.read_files, jobs=self.jobs)
        self.data = data = story_data(library, index)
        write_story_table(library.index, data.story_of)
        self._generation = _generation(library)
        return data, changes

    def close(self) -> None:
        """Close the story file (the next ``sync`` opens it again)."""
        if self._store is not None:
            self._store.close()
        self._store = None
        self.index = None

    def rerank(self, library: Library) -> StoryData:
        """The stories' members ordered again after scores changed."""
        if self.index is None:
            return self.sync(library)[0]
        self.data = story_data(library, self.index)
        self._generation = _generation(library)
        return self.data


def _generation(library: Library) -> str | None:
    """The index's generation (``meta``: bumped by every change to articles or scores)."""
    row = library.index.conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
    return row[0] if row else None


def story_data(library: Library, index: StoryIndex) -> StoryData:
    """The stories of ``index`` as the list and the search use them: members
    best first (score, then the newest), the providers carrying each."""
    stories = index.stories()
    aids = [a for story in stories for a in story.members]
    scores = dict(select_in(library.index.conn, "SELECT aid, score FROM articles WHERE aid IN ({})", aids))
    facts = index.facts(aids)
    story_of: dict[int, str] = {}
    ranked: dict[str, tuple[int, ...]] = {}
    providers: dict[str, int] = {}
    for story in stories:
        members = [a for a in story.members if a in scores and a in facts]
        if len(members) < 2:
            continue
        # best first as the "best" order has them: score, then the newest
        members.sort(key=lambda a: (-(scores[a] if scores[a] is not None else -1), -(facts[a][0] or 0.0)))
        ranked[story.id] = tuple(members)
        providers[story.id] = len({facts[a][1] for a in members})
        for a in members:
            story_of[a] = story.id
    return StoryData(story_of, ranked, providers).prepare()


def story_sizes(data: StoryData) -> dict[int, int]:
    """aid -> how many providers carry its story (the rules' base-quality signal)."""
    return {aid: data.providers[sid] for aid, sid in data.story_of.items()}
