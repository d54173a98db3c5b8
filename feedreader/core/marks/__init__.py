"""The user's marks: read, hidden and flagged, keyed by article identity.

``store`` is the marks database (SQLite in the data dir, never losing a
committed mark, moving a damaged file aside), with ``db`` its SQL and
``changes`` what a change did and how it is undone; ``exchange`` is the
export/import file format; ``bits`` is the per-article ``READ | HIDDEN |
FLAGGED`` int the list and the search use. Imports only the base modules
of core.
"""
