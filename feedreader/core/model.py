"""The article model: frozen dataclasses, built by the document parser
(``documents/parse.py``).

Every ``str`` field of these classes has already been cleaned for the terminal
(``text.clean_text``) when the object is built: the boundary is the parser, and
nothing downstream needs to clean again. URL fields come in pairs: the raw
value, cleaned for *display* (``original_url``), and the checked value that may
be *opened or fetched* (``url``), which is ``None`` when the raw value was not a
safe http(s) URL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal


@dataclass(frozen=True, slots=True)
class Provider:
    name: str = ""
    domain: str = ""


@dataclass(frozen=True, slots=True)
class Image:
    url: str | None          # checked http(s) URL, or None
    raw_url: str = ""        # the value as written, cleaned for display
    width: int | None = None
    height: int | None = None
    is_cached: bool | None = None


@dataclass(frozen=True, slots=True)
class Related:
    title: str = ""
    excerpt: str = ""
    published: datetime | None = None   # aware, UTC
    url: str | None = None              # checked webUrl (else ampWebUrl), or None
    raw_url: str = ""                   # webUrl as written, cleaned for display
    amp_url: str | None = None
    type: str = ""
    provider: Provider | None = None
    quality: int | None = None
    images: tuple[Image, ...] = ()


@dataclass(frozen=True, slots=True)
class Article:
    id: str                             # short stable id derived from identity
    identity: str                       # canonical originalUrl/webUrl (see ids.py)
    path: str                           # the file it came from (absolute)
    title: str = ""
    excerpt: str = ""
    published: datetime | None = None   # aware, UTC; None when unknown
    url: str | None = None              # checked originalUrl, else webUrl; None if neither is safe
    original_url: str = ""              # raw originalUrl, cleaned for display
    web_url: str = ""                   # raw webUrl, cleaned for display
    category: str = ""
    type: str = ""
    quality: int | None = None          # 0..100
    heat: int | None = None             # None when unknown (-1 in the file)
    published_flag: bool | None = None  # the aggregator's own "published" flag
    provider: Provider = field(default_factory=Provider)
    topics: tuple[str, ...] = ()
    images: tuple[Image, ...] = ()
    related: tuple[Related, ...] = ()
    body: str = ""                      # text after the front matter, cleaned (multi-line)
    author: str = ""                    # who wrote it, as the document names them ("" when it does not)
    secured: str | None = field(default=None, repr=False)  # opaque: never shown, decoded or logged
    warnings: tuple[str, ...] = ()      # fields dropped while parsing, with reasons

    @property
    def lead_image(self) -> Image | None:
        return self.images[0] if self.images else None


Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with one document file, phrased for a person.

    ``error``: the file was not loaded. ``warning``: it loaded, but a field was
    dropped (the message says which and why).
    """

    path: str
    message: str
    line: int | None = None
    severity: Severity = "error"

    @property
    def shown_path(self) -> str:
        """The path cleaned for a terminal (file names may hold escape bytes)."""
        from feedreader.core.text import clean_text

        return clean_text(self.path, limit=4096)

    def __str__(self) -> str:
        # the message already says "line N: ..." where a line is known
        return f"{self.shown_path}: {self.severity}: {self.message}"

