"""The command palette's own commands (one ``Provider``, as Posting does):
the feed commands that need more than a key (they ask for a URL or a path).

The app's keys, orders and saved views are its system commands
(``FeedReaderApp.get_system_commands``).
"""

from __future__ import annotations

from collections.abc import Callable

from textual.command import DiscoveryHit, Hit, Hits, Provider


class FeedCommands(Provider):
    """Add feed…, Import OPML…"""

    def _commands(self) -> list[tuple[str, str, Callable[[], None]]]:
        sources = getattr(self.app, "sources", None)
        if sources is None:
            return []
        return [
            ("Add feed…", "Subscribe to a feed or a site (its feed is found)", sources.jobs.ask_add),
            ("Import OPML…", "Subscribe to the feeds of an OPML file or a newsboat urls file",
             sources.jobs.ask_import),
        ]

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
