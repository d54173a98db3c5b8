"""What :meth:`feedreader.core.web.fetch.Fetcher.get` gives back (feeds).

Apart from the fetcher so that callers can name the type without the client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["KEPT_HEADERS", "FetchStatus", "Resource"]

FetchStatus = Literal["fetched", "not_modified", "failed"]
# the response headers a feed's schedule and revalidation need
KEPT_HEADERS = ("etag", "last-modified", "retry-after", "cache-control", "expires", "date")


@dataclass(frozen=True, slots=True)
class Resource:
    """What :meth:`Fetcher.get` found. ``headers``: the KEPT_HEADERS the server
    sent (lower-case names, values exactly as sent); ``permanent_redirect_to``:
    where the 301/308 hops from the start led (None when the first hop was not
    permanent); ``gone``: HTTP 410."""

    url: str
    status: FetchStatus
    http_status: int | None = None
    final_url: str | None = None
    permanent_redirect_to: str | None = None
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    gone: bool = False
    elapsed: float = 0.0

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")
