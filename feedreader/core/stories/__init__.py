"""Stories: articles from different providers about the same event, grouped.

``features`` (what an article says: terms, entities, numbers, links, a
shingle sketch), ``score`` (how alike two articles are, from weighted parts),
``cluster`` (average-link grouping that does not chain), ``index``
(``StoryIndex``: incremental updates), ``store`` (the index saved in the
cache dir, disposable) and ``source`` (the library's articles as input).
May import ``library`` (read-only) and the base modules.
"""

from feedreader.core.stories.features import Features, StoryInput, extract, input_from_article
from feedreader.core.stories.index import Changes, Story, StoryIndex, story_id
from feedreader.core.stories.score import DEFAULT_WEIGHTS, Weights

__all__ = [
    "DEFAULT_WEIGHTS",
    "Changes",
    "Features",
    "Story",
    "StoryIndex",
    "StoryInput",
    "Weights",
    "extract",
    "input_from_article",
    "story_id",
]
