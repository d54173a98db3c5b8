"""StoryController: stories in the app, and the scoring rules after each refresh.

- the list in story mode (``c``, binding ``stories.group``): one row per story,
  its best article by score with "+N sources"; ``+``/``right`` expands the
  story under the cursor in place, ``-``/``left`` collapses it. The logic is
  ``core/library/storyview.py`` (``StoryView``, the model's ``stories``);
  here only keys, the cursor and notices. Expanding or collapsing is a
  splice of the story's rows: no pass over the list.
- grouping and rules in the background: after every refresh of the index
  (start-up, ``ctrl+r``, the periodic look, the rescan after a feed refresh)
  a thread worker brings the stories up to date (``core/stories/live.py``:
  only new and changed articles are grouped; nothing when the index did not
  change), then runs the rules (``core/rules/scoring.run_rules``: the articles
  not scored yet, or all of them when the rules changed since the scores were
  computed) with the stories' provider counts, and applies their actions as
  ordinary marks (each one undo step, ``z``). The result comes back in a
  ``StoriesGrouped`` message; the worker writes no app state.
- ``[stories] read_whole_story``: reading one article of a story (opening it,
  or the read timer) marks the story's other articles read too, through the
  marks controller, as one undo step named after the story
  (``MarksController.widen_read``).
- heat: an article without one shows how many providers carry its story.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.binding import Binding
from textual.geometry import Size

from feedreader.config import Settings
from feedreader.core.ids import aid_from_id
from feedreader.core.library.library import Library, ListRow
from feedreader.core.library.storyview import StoryView
from feedreader.core.library.view import ListModel
from feedreader.core.marks.bits import READ
from feedreader.core.marks.store import StateStore
from feedreader.core.model import Article
from feedreader.ui.article_list import ArticleList
from feedreader.ui.messages import StoriesGrouped
from feedreader.ui.safe import plural

if TYPE_CHECKING:
    from feedreader.core.stories.live import LiveStories

STORY_BINDINGS = [
    Binding("c", "story('toggle')", "Stories", show=False, tooltip="One row per story (the best article, +N sources) / "
            "one per article", id="stories.group"),
    Binding("plus,right", "story('expand')", "Expand story", show=False,
            tooltip="Show the story's other articles under it", id="stories.expand"),
    Binding("minus,left", "story('collapse')", "Collapse story", show=False,
            tooltip="Fold the story's articles back into its row", id="stories.collapse"),
]


class StoryController:
    """Story mode, expanding and collapsing, the grouping worker, read_whole_story, heat."""

    def __init__(self, app: App[Any], *, model: ListModel, library: Library, settings: Settings,
                 state: StateStore, marks: Any, on_change: Callable[[], None],
                 update_header: Callable[[], None]) -> None:
        self.app = app
        self.model = model
        self.library = library
        self.settings = settings
        self.state = state
        self.marks = marks                  # the MarksController (ui/marking.py)
        self.on_change = on_change          # the list, search and sources follow new scores or stories
        self.update_header = update_header
        self.view = model.stories = StoryView()
        # features of many new articles in 2 processes (not this one's GIL); made by the first
        # grouping, in its thread (core/stories' imports, ~70 ms, were on the way to the first paint)
        self.live: LiveStories | None = None
        self.running = False
        self._again = False
        self._said: set[str] = set()        # broken rules already reported this session
        self.groupings = 0                  # finished groupings (tests, the header's note)
        self.skipped = False                # the library is over [stories] group_limit: not grouped
        marks.widen_read = self.widen_read

    @property
    def article_list(self) -> ArticleList:
        return self.app.query_one(ArticleList)

    # -- keys -----------------------------------------------------------------
    def toggle(self) -> None:
        if self.skipped and not self.view.on:
            self.app.notify(f"No stories: the app groups them in a library of up to "
                            f"{self.settings.stories.group_limit:,} articles ([stories] group_limit).",
                            title="Stories", severity="warning", timeout=6)
            return
        lst = self.article_list
        keep = lst.current
        self.view.on = not self.view.on
        self.model.rebuild()
        target = keep
        if keep is not None and self.view.on:
            target = self.view.row_for(keep)
            if target != keep:      # the article is a member under another's row: open its story
                at = self.model.index_of(target)
                found = self.view.expand(self.model.keys, at) if at is not None else None
                if found is not None:
                    self.model.splice(*found)
                    target = keep
        lst.reload(keep=target)
        self.update_header()
        if not self.view.on:
            self.app.notify("One row per article", timeout=1.5)
        elif not self.view.data.story_of:
            self.app.notify("No stories yet: none found, or the grouping is still running", timeout=3)
        else:
            self.app.notify(f"One row per story ({plural(len(self.view.data.ranked), 'story', 'stories')}); "
                            "+ expands one, - folds it", timeout=2)

    def expand(self) -> None:
        lst = self.article_list
        found = self.view.expand(self.model.keys, lst.cursor) if self.view.on else None
        if found is None:
            if not self.view.on:
                self.app.notify("c shows one row per story first", timeout=1.5)
            return
        self.model.splice(*found)
        self._resized()

    def collapse(self) -> None:
        lst = self.article_list
        found = self.view.collapse(self.model.keys, lst.cursor) if self.view.on else None
        if found is None:
            return
        start, end, rows, at = found
        self.model.splice(start, end, rows)
        self._resized()
        lst.cursor = at

    def reveal(self, aid: int) -> None:
        """Story mode: open the story of an article folded under its story's row,
        so that it has a row (a jump to it: related coverage)."""
        if not self.view.on or self.model.index_of(aid) is not None:
            return
        row = self.view.row_for(aid)
        at = self.model.index_of(row) if row != aid else None
        found = self.view.expand(self.model.keys, at) if at is not None else None
        if found is not None:
            self.model.splice(*found)
            self._resized()

    def _resized(self) -> None:
        """The list's rows changed in place (one story's): its size and a repaint."""
        lst = self.article_list
        lst.virtual_size = Size(lst.size.width, len(self.model))
        lst.refresh()
        self.update_header()

    # -- grouping and rules in the background ------------------------------------
    def index_changed(self) -> None:
        """The index was refreshed: group and score again (one run at a time)."""
        if self.running:
            self._again = True
            return
        self.running = True
        self.app.run_worker(partial(self._group, self.model.marks), name="stories and rules",
                            group="stories", thread=True, exit_on_error=False)

    def _group(self, marks: dict[int, int]) -> None:
        """(A thread.) Stories, then the rules; the result goes back in a message.
        ``marks`` is the model's own dict: ``run_rules`` copies it (``dict(marks)``,
        one C call under the GIL) only when there is something to score."""
        from feedreader.core.rules.applied import AppliedStore
        from feedreader.core.rules.rules import compile_rules
        from feedreader.core.rules.scoring import run_rules
        from feedreader.core.stories.live import LiveStories, story_sizes
        from textual.worker import get_current_worker

        post = self.app.post_message
        try:
            if self.live is None:       # (one grouping at a time: ``running``)
                self.live = LiveStories(jobs=2)
            live = self.live
            limit = self.settings.stories.group_limit
            # the story file keeps the features; memory holds who is grouped with whom (README "Stories")
            skipped = bool(limit) and self.library.count() > limit
            data = self.view.data if skipped else live.sync(self.library)[0]
            ruleset = compile_rules(self.settings.rules)
            applied = AppliedStore(self.rules_file() if ruleset.acting else None)
            try:
                # (a quit cancels this worker: the scoring stops after its batch, not at the end)
                worker = get_current_worker()
                report = run_rules(self.library, ruleset, marks=marks,
                                   story_sizes=None if skipped else story_sizes(data),
                                   store=self.state if ruleset.acting else None, applied=applied,
                                   stop=lambda: worker.is_cancelled)
            finally:
                applied.close()
            if report.scored and not skipped:
                data = live.rerank(self.library)
            report.problems[:0] = ruleset.problems
            post(StoriesGrouped(data, report, skipped=skipped))
        except Exception as exc:  # noqa: BLE001 (any failure: reported, and the next refresh tries again)
            post(StoriesGrouped(self.view.data, None, f"grouping stories failed: {exc}"))

    def rules_file(self) -> Path:
        """Which rule acted on which article: ``rules.sqlite`` beside the marks (as the CLI)."""
        return self.state.path.with_name("rules.sqlite")

    def grouped(self, message: StoriesGrouped) -> None:
        self.running = False
        self.groupings += 1
        self.skipped = message.skipped
        if self.skipped and "limit" not in self._said:
            self._said.add("limit")
            self.app.notify(f"Stories are not grouped: this library has more than "
                            f"{self.settings.stories.group_limit:,} articles ([stories] group_limit).",
                            title="Stories", timeout=6)
        if message.error:
            self.app.notify(message.error, title="Stories", severity="warning", timeout=6)
        # new stories matter to the list in story mode and to a search (is:story, story:ID)
        searching = self.model.match is not None or self.model.exclude is not None
        changed = (self.view.on or searching) and message.data != self.view.data
        self.view.data = message.data
        report = message.rules
        if report is not None:
            for problem in report.problems:
                text = str(problem)
                if text not in self._said:
                    self._said.add(text)
                    self.app.notify("\n".join(problem.lines()), title="Rules", severity="warning", timeout=8)
            if report.actions:
                self.marks.load_marks()
                for label, _count in report.actions:
                    self.app.notify(f"{label} (z undoes)", title="Rules", timeout=4)
            changed = changed or report.changed
        if changed:
            self.on_change()
        if self._again:
            self._again = False
            self.index_changed()

    # -- reading a story, heat ------------------------------------------------------
    def widen_read(self, rows: list[ListRow | None], label: str | None,
                   undo: bool) -> tuple[list[ListRow | None], str | None, bool]:
        """With ``read_whole_story``: one article read -> its whole story, one undo step."""
        if not self.settings.stories.read_whole_story or len(rows) != 1 or rows[0] is None:
            return rows, label, undo
        row = rows[0]
        others = [a for a in self.view.data.members(row.aid)
                  if a != row.aid and not self.model.flags(a) & READ]
        if not others:
            return rows, label, undo
        found = self.library.rows(others)
        title = row.title or "(untitled)"
        widened: list[ListRow | None] = [row, *(found[a] for a in others if a in found)]
        return widened, f"read the story “{title}” ({plural(len(widened), 'article')})", True

    def with_heat(self, article: Article | None) -> Article | None:
        """``article`` with heat = the providers carrying its story, when it has none."""
        if article is None or article.heat is not None:
            return article
        heat = self.view.data.heat(aid_from_id(article.id))
        return article if heat is None else replace(article, heat=heat)
