"""The untrusted-file boundary: a document file becomes an Article or a Problem.

``parse`` reads one file (size cap, encoding, front matter and body) and
checks every field, so nothing downstream has to clean or check again;
``safeyaml`` is the strict YAML loader (no tags, anchors or aliases, bounded
size and depth) and ``fastyaml`` its fast path for plain block YAML, which
must load exactly what ``safeyaml`` loads or give up (``yamlnodes``: the
values both build); ``codec`` turns an
Article into the JSON of ``--json``. Imports only the base modules of core.
"""
