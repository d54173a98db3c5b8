"""Two-way sync with a feed server (issue 18).

``greader`` is a thin, typed client for the Google Reader API that FreshRSS,
Miniflux, CommaFeed, Inoreader and The Old Reader share. The sync engine and
the backend protocol build on it.
"""
