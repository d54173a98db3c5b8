"""The app's messages (feedreader.ui.messages): dataclasses, and a flood of
progress counts is handled as its newest one."""

from __future__ import annotations

from textual.app import App

from feedreader.ui.messages import BrowserOpened, IndexBatch, IndexProgress, IndexScanned


def test_a_newer_count_replaces_an_older_one_and_nothing_else_does():
    older, newer = IndexProgress(10, 200), IndexProgress(20, 200)
    assert older.can_replace(newer)
    assert not older.can_replace(IndexBatch())
    assert not older.can_replace(IndexScanned([]))
    assert not IndexBatch().can_replace(IndexBatch())     # each batch rebuilds the list: none is dropped


async def test_a_flood_of_counts_reaches_the_handler_as_fewer_messages():
    seen: list[tuple[int, int]] = []

    class Counting(App[None]):
        def on_index_progress(self, message: IndexProgress) -> None:
            seen.append((message.done, message.total))

    app = Counting()
    async with app.run_test() as pilot:
        for done in range(1, 501):          # all queued before the app handles one
            app.post_message(IndexProgress(done, 500))
        await pilot.pause()
    assert seen[-1] == (500, 500)                 # the last one always arrives
    assert len(seen) < 500                        # the stale ones were dropped


def test_messages_carry_their_fields():
    message = BrowserOpened("https://example.com/", False, "no such file")
    assert (message.url, message.started, message.error) == ("https://example.com/", False, "no such file")
    assert IndexBatch().at is None and IndexBatch(at=1.5).at == 1.5
