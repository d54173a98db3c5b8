"""Feeds: subscriptions, feed parsing, OPML, refresh."""
