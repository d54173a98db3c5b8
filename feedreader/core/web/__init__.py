"""Everything that touches the network, guarded.

``netguard`` keeps fetches off private and local addresses (checked at
connect time); ``fetch`` is the HTTP client with its limits (``settings``
holds them, so core never reads the config); ``pagecache`` keeps fetched
pages and their readable text; ``readable`` turns HTML into the reader
view's text, with ``encoding`` to decode it. Imports only the base modules
of core.
"""
