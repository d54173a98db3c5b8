"""The page cache: fetched HTML on disk, one pair of files per URL.

``<sha256 of the URL>.html`` holds the body exactly as received (after
content decoding), ``<hash>.json`` what is known about it (final URL, HTTP
status, validators, when, content type, size) and the last error, and
``<hash>.text.json`` the readable text extracted from it (made on demand,
kept while the HTML does not change). Every write goes to a temporary file
in the same directory and is moved into place with ``os.replace``, so a
reader never sees half a file. A failed refetch only records its error in the
metadata: the good copy stays.

The directory is created on the first write; nothing happens at import.

Size: :meth:`PageCache.prune` keeps the directory (pages and the
``images/`` beside them) under a cap, removing the least recently *read*
first. Reading a page's text (:meth:`PageCache.readable`: the reader view,
``show --text``) touches the mtime of its ``.text.json``: that mtime is when
it was last read; a page never read counts from when its body was fetched
(a revalidation that changes nothing does not make a page recent). An
image's ``.img`` is touched when it is read from the cache
(``ImageCache.get``), and a fetch that stores images prunes too
(``images.fetch_image``), so the cap holds for pages and images together.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from feedreader.core.files import replace_atomically
from feedreader.core.text import check_url, clean_text
from feedreader.core.web.encoding import decode_html

META_VERSION = 1
TEXT_VERSION = 1          # bump when readable.py's output changes
MAX_META_BYTES = 64_000
MAX_VALIDATOR = 256

CacheState = Literal["cached", "failed", "none"]


@dataclass(frozen=True, slots=True)
class CacheStatus:
    """What the cache knows about one URL.

    ``cached``: a good copy is on disk (``error`` is set when the last
    refetch failed; the copy is still the one shown). ``failed``: no copy,
    and ``error`` says why the last try failed. ``none``: never fetched.
    """

    state: CacheState
    error: str | None = None
    fetched_at: float | None = None    # unix seconds of the copy on disk
    size: int | None = None

    @property
    def cached(self) -> bool:
        return self.state == "cached"


def url_key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()


def safe_validator(value: str | None) -> str | None:
    """An ETag / Last-Modified value we may send back, or None."""
    if not value or len(value) > MAX_VALIDATOR:
        return None
    if not all(" " <= c <= "~" for c in value):
        return None
    return value


class PageCache:
    """Fetched pages of one cache directory (``Paths.page_cache``)."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.dir = Path(directory)

    # -- locations ----------------------------------------------------------
    def _path(self, url: str, suffix: str) -> Path:
        return self.dir / f"{url_key(url)}{suffix}"

    # -- reading ------------------------------------------------------------
    def meta(self, url: str) -> dict[str, Any] | None:
        """The metadata record of ``url`` (validated), or None."""
        data = _read_json(self._path(url, ".json"))
        if not isinstance(data, dict) or data.get("version") != META_VERSION or data.get("url") != url:
            return None
        return data

    def status(self, url: str | None) -> CacheStatus:
        if not url:
            return CacheStatus("none")
        meta = self.meta(url)
        if meta is None:
            return CacheStatus("none")
        error = meta.get("error") if isinstance(meta.get("error"), str) else None
        if error is not None:
            error = clean_text(error, limit=200)
        size = meta.get("size")
        if isinstance(size, int) and self._body_ok(url, size):
            fetched_at = meta.get("fetched_at")
            return CacheStatus(
                "cached", error, fetched_at if isinstance(fetched_at, (int, float)) else None, size
            )
        if error is not None:
            return CacheStatus("failed", error)
        return CacheStatus("none")

    def _body_ok(self, url: str, size: int) -> bool:
        try:
            return self._path(url, ".html").stat().st_size == size
        except OSError:
            return False

    def html_bytes(self, url: str) -> bytes | None:
        meta = self.meta(url)
        if meta is None or not isinstance(meta.get("size"), int):
            return None
        try:
            body = self._path(url, ".html").read_bytes()
        except OSError:
            return None
        return body if len(body) == meta["size"] else None

    def html(self, url: str) -> str | None:
        """The cached page as text, or None when there is no good copy."""
        body = self.html_bytes(url)
        if body is None:
            return None
        meta = self.meta(url) or {}
        ctype = meta.get("content_type")
        return decode_html(body, ctype if isinstance(ctype, str) else None)

    def validators(self, url: str) -> dict[str, str]:
        """Conditional request headers for a refetch (only with a good copy)."""
        meta = self.meta(url)
        if meta is None or not self._body_ok(url, meta.get("size", -1)):
            return {}
        out = {}
        etag = safe_validator(meta.get("etag"))
        modified = safe_validator(meta.get("last_modified"))
        if etag:
            out["If-None-Match"] = etag
        if modified:
            out["If-Modified-Since"] = modified
        return out

    def readable(self, url: str | None):
        """The readable text of the cached page (extracted once, then kept), or None."""
        from feedreader.core.web.readable import ReadableText, extract_readable

        if not url:
            return None
        meta = self.meta(url)
        if meta is None:
            return None
        stamp = [TEXT_VERSION, meta.get("fetched_at"), meta.get("size")]
        saved = _read_json(self._path(url, ".text.json"), limit=50_000_000)
        if isinstance(saved, dict) and saved.get("stamp") == stamp:
            self._touch(self._path(url, ".text.json"))
            try:
                return ReadableText(
                    title=clean_text(saved["title"], limit=1000),
                    text=clean_text(saved["text"], multiline=True, limit=2_000_000),
                    links=tuple(link for link in saved["links"] if check_url(link)),
                    url=str(saved["url"]),
                )
            except (KeyError, TypeError):
                pass
        html = self.html(url)
        if html is None:
            return None
        final_url = meta.get("final_url")
        final = final_url if isinstance(final_url, str) else url
        result = extract_readable(html, final)
        if result is not None:
            record = {"stamp": stamp, "title": result.title, "text": result.text,
                      "links": list(result.links), "url": result.url}
            try:
                self._write(self._path(url, ".text.json"), json.dumps(record, ensure_ascii=False).encode("utf-8"))
            except OSError:
                pass   # a read-only cache still reads
        return result

    @staticmethod
    def _touch(path: Path) -> None:
        """Note that a page was read now (its last-read time, for :meth:`prune`)."""
        try:
            os.utime(path)
        except OSError:
            pass   # a read-only cache still reads

    # -- size ---------------------------------------------------------------
    def entries(self) -> list[CacheEntry]:
        """Every page and image on disk, least recently read first."""
        out = [*_entries(self.dir, ".html", "page"), *_entries(self.dir / "images", ".img", "image")]
        out.sort(key=lambda e: e.last_read)
        return out

    def usage(self) -> CacheUsage:
        """How big the cache is (``feedreader cache status``)."""
        entries = self.entries()
        kept = [e for e in entries if e.kind != "leftover"]
        return CacheUsage(
            size=sum(e.size for e in entries),
            pages=sum(e.kind == "page" for e in kept),
            images=sum(e.kind == "image" for e in kept),
            oldest_read=kept[0].last_read if kept else None,
            page_bytes=sum(e.size for e in kept if e.kind == "page"),
            image_bytes=sum(e.size for e in kept if e.kind == "image"),
        )

    def prune(self, max_bytes: int) -> PruneReport:
        """Remove the least recently read pages (and images) until the cache
        holds at most ``max_bytes``; files that cannot be removed are skipped."""
        entries = self.entries()
        total = sum(e.size for e in entries)
        removed = freed = 0
        for entry in entries:
            if total <= max_bytes:
                break
            gone = 0
            for path in entry.files:   # the metadata first: a half-removed page reads as "not fetched"
                try:
                    size = path.stat().st_size
                    path.unlink()
                except OSError:
                    continue
                gone += size
            if gone:
                removed += 1
                freed += gone
                total -= gone
        return PruneReport(removed, freed, total)

    # -- writing ------------------------------------------------------------
    def _write(self, path: Path, data: bytes) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        replace_atomically(path, lambda fp: fp.write(data))

    def _write_meta(self, url: str, meta: dict[str, Any]) -> None:
        meta["version"] = META_VERSION
        meta["url"] = url
        self._write(self._path(url, ".json"), json.dumps(meta, ensure_ascii=False, indent=1).encode("utf-8"))

    def store(
        self,
        url: str,
        body: bytes,
        *,
        final_url: str,
        http_status: int,
        content_type: str | None,
        etag: str | None,
        last_modified: str | None,
        now: float | None = None,
    ) -> None:
        """Keep a freshly fetched page (body first, then its metadata)."""
        now = time.time() if now is None else now
        self._write(self._path(url, ".html"), body)
        self._write_meta(url, {
            "final_url": final_url,
            "status": http_status,
            "etag": safe_validator(etag),
            "last_modified": safe_validator(last_modified),
            "fetched_at": now,
            "checked_at": now,
            "content_type": clean_text(content_type or "", limit=200) or None,
            "size": len(body),
            "error": None,
            "error_at": None,
        })

    def mark_not_modified(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
                          now: float | None = None) -> None:
        """A 304: the copy is still good; note when we checked (and new validators)."""
        meta = self.meta(url)
        if meta is None:
            return
        meta["checked_at"] = time.time() if now is None else now
        meta["error"] = meta["error_at"] = None
        if safe_validator(etag):
            meta["etag"] = etag
        if safe_validator(last_modified):
            meta["last_modified"] = last_modified
        self._write_meta(url, meta)

    def record_failure(self, url: str, error: str, *, now: float | None = None) -> None:
        """Remember why the last fetch failed, keeping any good copy."""
        meta = self.meta(url) or {"size": None, "fetched_at": None}
        meta["error"] = clean_text(error, limit=200)
        meta["error_at"] = time.time() if now is None else now
        self._write_meta(url, meta)


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """One cached page (or image) and its files, as :meth:`PageCache.prune` sees it."""

    kind: Literal["page", "image", "leftover"]     # leftover: a crash's temporary file
    files: tuple[Path, ...]     # metadata first
    size: int                   # bytes, all its files
    last_read: float            # unix seconds


@dataclass(frozen=True, slots=True)
class CacheUsage:
    size: int                   # bytes, pages, images and a crash's leftovers
    pages: int
    images: int
    oldest_read: float | None
    page_bytes: int = 0
    image_bytes: int = 0        # the images/ folder (core/web/images.py)


@dataclass(frozen=True, slots=True)
class PruneReport:
    removed: int     # pages and images
    freed: int       # bytes
    size: int        # bytes left


_TEMP_AGE = 3600.0   # a temporary file older than this was left by a crash


def _entries(folder: Path, body: str, kind: Literal["page", "image"]) -> Iterator[CacheEntry]:
    """The entries of one folder: files grouped by their hash (``<hash>.<suffix>``)."""
    groups: dict[str, list[tuple[str, os.stat_result]]] = {}
    now = time.time()
    try:
        with os.scandir(folder) as it:
            for item in it:
                try:
                    if not item.is_file(follow_symlinks=False):
                        continue
                    st = item.stat(follow_symlinks=False)
                except OSError:
                    continue
                name = item.name
                if name.startswith(".") and name.endswith(".tmp"):
                    if now - st.st_mtime > _TEMP_AGE:   # left over: goes first
                        yield CacheEntry("leftover", (Path(item.path),), st.st_size, 0.0)
                    continue
                key, dot, _suffix = name.partition(".")
                if dot and len(key) == 64:
                    groups.setdefault(key, []).append((name, st))
    except OSError:
        return
    for key, files in groups.items():
        times = {name[len(key):]: st.st_mtime for name, st in files}
        last_read = times.get(".text.json", times.get(body, max(times.values())))
        ordered = sorted(files, key=lambda f: (f[0] != f"{key}.json", f[0]))
        yield CacheEntry(kind, tuple(folder / name for name, _ in ordered),
                         sum(st.st_size for _, st in files), last_read)


def _read_json(path: Path, limit: int = MAX_META_BYTES) -> Any:
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError:
        return None
    if len(data) > limit:
        return None
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None
