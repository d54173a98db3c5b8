"""The sources pane's lines after a recount: the changed counts painted, the
other lines left as they were (not made again: at 1,000 feeds that was
~45 ms of the UI thread per recount), new rows made afresh."""

from __future__ import annotations

from textual.app import App, ComposeResult

from feedreader.core.feeds.store import Feed
from feedreader.core.library.scopes import Count
from feedreader.ui.sources import SourcesPane, build_rows


def feed(n: int, folder: str = "News") -> Feed:
    return Feed(id=n, url=f"https://f{n}.example/rss", title=f"Feed {n}", user_title="", folder=folder, site_url="",
                added=0.0, etag=None, last_modified=None, last_fetch=None, last_status=None, not_modified=False,
                last_error=None, next_check=0.0, fail_count=0, gone=False, refresh_every=None, entry_count=0)


class PaneApp(App[None]):
    def compose(self) -> ComposeResult:
        yield SourcesPane(on_choose=lambda scope: None, handle=lambda message: None, id="sources")


def prompts(pane: SourcesPane) -> list[str]:
    lst = pane.option_list
    return [str(lst.get_option_at_index(i).prompt) for i in range(lst.option_count)]


async def test_a_recount_repaints_the_changed_lines_only():
    rows = build_rows(["docs"], [feed(1), feed(2), feed(3, "")])
    counts = {r.scope: Count(10, 5) for r in rows}
    app = PaneApp()
    async with app.run_test(size=(80, 20)) as pilot:
        pane = app.query_one(SourcesPane)
        pane.add_class("-shown")
        pane.show_rows(rows, counts)
        await pilot.pause()
        before = [pane.option_list.get_option_at_index(i).prompt for i in range(len(rows))]
        assert all("     5 " in text for text, row in zip(prompts(pane), rows) if row.kind != "heading")
        pane.option_list.highlighted = 4
        changed = dict(counts, **{"feed:2": Count(10, 4), "all": Count(30, 14)})
        pane.show_rows(list(rows), changed)
        await pilot.pause()
        after = [pane.option_list.get_option_at_index(i).prompt for i in range(len(rows))]
        redone = [rows[i].scope for i in range(len(rows)) if after[i] is not before[i]]
        assert redone == ["all", "feed:2"]
        assert "     4   Feed 2" in prompts(pane)[[r.scope for r in rows].index("feed:2")]
        assert prompts(pane)[0].startswith("    14 All")
        assert pane.option_list.highlighted == 4          # the highlight stays put
        # a chosen scope is underlined: that line changes too
        pane.chosen = "feed:1"
        pane.show_rows(rows, changed)
        await pilot.pause()
        line = pane.option_list.get_option_at_index([r.scope for r in rows].index("feed:1")).prompt
        assert any("underline" in str(span.style) for span in line.spans)
        # other rows (a feed added): made afresh, every count right
        more = build_rows(["docs"], [feed(1), feed(2), feed(3, ""), feed(4)])
        pane.show_rows(more, dict(changed, **{"feed:4": Count(2, 2)}))
        await pilot.pause()
        assert pane.option_list.option_count == len(more)
        assert "     2   Feed 4" in prompts(pane)[[r.scope for r in more].index("feed:4")]
