"""The pure logic of feedreader: everything but the screen and the command line.

Rooms (one job each):

* base modules, usable by every room: ``model`` (Article, Problem), ``text``
  (cleaning text for the terminal, checking URLs), ``files`` (atomic
  replace), ``detail`` (an article as text, for ``show`` and the detail
  pane), ``ids`` (an article's identity, id and aid), ``sql`` (SQLite
  helpers);
* ``documents/``: untrusted document files -> Article or Problem (the
  parser, strict YAML, the ``--json`` codec);
* ``library/``: files -> index -> ordered lists (walk, schema, pool, index,
  orders, query language, search, the list model);
* ``marks/``: the marks store (read, hidden, flagged), its undo and its
  export file;
* ``web/``: guarded fetching, the page cache, readable text;
* ``feeds/``: subscriptions and feed entries as articles;
* ``sync/``: talking to a feed server;
* ``rules/``: scoring rules in the query language (score, reasons, actions).

Import rule (checked by ``tests/test_architecture.py`` with import-linter,
lazy imports included): base modules import no room; ``documents``,
``marks`` and ``web`` import only the base, never each other; ``library``
may import ``documents`` and ``marks``; ``feeds`` may import ``web`` and
``documents``; ``sync`` may import ``feeds``, ``marks`` and ``web``; ``rules``
and ``stories`` may import ``library``. Nothing in
core imports Textual, Rich or ``feedreader.config`` (settings come in as
arguments), and nothing here creates a connection, client or folder at
import time.
"""
