"""How the fetcher behaves: limits a user can set in ``[fetch]`` of the config file.

They live here, beside the fetcher, so core never imports ``feedreader.config``
(which reads the file and builds these).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FetchSettings:
    jobs: int = 8
    per_host: int = 2
    timeout: float = 10.0      # connect/read timeout, seconds
    deadline: float = 30.0     # whole page, seconds
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    cache_max_mb: int = 500    # the page cache's cap (least recently read pages go first); 0 = no cap
