"""From files to ordered lists: the documents seen through their index.

``walk`` finds the document files (and, at start-up, walks in a forked
child); ``schema`` holds the index's tables, SQL, connection and damage
check; ``pool`` parses files for it in a process pool; ``index`` keeps the
SQLite index (a disposable cache) in step with the files; ``library`` opens
it for a set of sources and gives orders (``orders``), rows and articles;
``query`` is the search language (``folding``: words folded like the
index), ``search`` runs it on the index (``highlight``: the words in a
title), ``scores`` holds the scores the rules write, and ``view`` is the
list model the UI shows. May import ``documents`` and ``marks``.
"""
