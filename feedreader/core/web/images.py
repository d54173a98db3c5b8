"""Article images: fetched under the fetcher's guards, cached on disk, decoded within bounds.

``ImageCache`` keeps one pair of files per image URL in ``<page cache>/images``
(beside the pages, so clearing or pruning the page cache takes them too):
``<sha256>.img`` holds the bytes as received and ``<sha256>.json`` what is
known (content type, size, when, or the last error). ``fetch_image`` gets an
image through :meth:`Fetcher.get` (private addresses blocked, a size cap on
the bytes, the timeout and deadline, only http(s)). ``decode_image`` turns
bytes into a small RGB(A) Pillow image, or an ``ImageProblem`` saying why
not: never an exception, and never more than ``MAX_PIXELS`` decoded.

Nothing here touches the terminal; the UI shows what ``decode_image`` gives.
"""

from __future__ import annotations

import io
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from feedreader.core.files import replace_atomically
from feedreader.core.text import check_url, clean_text, url_problem

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

    from feedreader.core.web.fetch import Fetcher

__all__ = [
    "IMAGE_ACCEPT", "MAX_IMAGE_BYTES", "MAX_PIXELS", "DecodedImage", "ImageCache", "ImageFetch",
    "ImageProblem", "decode_image", "fetch_image", "is_svg",
]

IMAGE_ACCEPT = "image/avif;q=0.1,image/webp,image/png,image/jpeg,image/gif,image/*;q=0.8"
MAX_IMAGE_BYTES = 8_000_000       # bytes of one image on the wire (after content decoding)
MAX_PIXELS = 40_000_000           # width × height Pillow may decode (a 30,000×30,000 PNG is 900 M)
MAX_SIDE = 1600                   # the decoded image is reduced to fit this box (the pane is smaller)
FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP")   # what Pillow may try: no exotic decoders
META_VERSION = 1
MAX_META_BYTES = 16_000
PRUNE_SHARE = 50                  # a fetch prunes again after 1/50 of the cap stored (the cap holds within 2%)

ProblemKind = Literal["svg", "too_large", "corrupt", "unsupported", "fetch"]


@dataclass(frozen=True, slots=True)
class ImageProblem:
    """Why an image is not shown: ``kind`` for the placeholder, ``message`` for people."""

    kind: ProblemKind
    message: str


@dataclass(frozen=True, slots=True)
class DecodedImage:
    """A decoded image ready to draw: ``image`` is at most ``MAX_SIDE`` on a side;
    ``width``/``height`` are the file's own size; ``frames`` > 1: animated (first frame shown)."""

    image: PILImage
    width: int
    height: int
    format: str
    frames: int = 1


@dataclass(frozen=True, slots=True)
class ImageFetch:
    """What ``fetch_image`` did: ``data`` the bytes (cached or fetched), or ``error``."""

    url: str
    data: bytes | None
    error: str | None = None
    fetched: bool = False          # True: from the network now; False: from the cache (or failed)
    content_type: str | None = None


def is_svg(data: bytes, content_type: str | None = None) -> bool:
    """SVG (XML): never decoded, shown as a link."""
    if content_type and "svg" in content_type.lower():
        return True
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head[:256]


def decode_image(data: bytes, *, max_pixels: int = MAX_PIXELS, max_side: int = MAX_SIDE,
                 content_type: str | None = None) -> DecodedImage | ImageProblem:
    """Decode ``data`` within bounds (a thread's work: up to a few hundred ms).

    The header is read first and its declared size checked against
    ``max_pixels`` before a pixel is decoded; Pillow's own bomb limit
    (``Image.MAX_IMAGE_PIXELS``) is set to the same budget as a second guard.
    A truncated or corrupt file, a header that lies, an unknown format: an
    ``ImageProblem``. An animated image gives its first frame."""
    if not data:
        return ImageProblem("corrupt", "the image is empty")
    if is_svg(data, content_type):
        return ImageProblem("svg", "SVG image (not drawn in the terminal)")
    from PIL import Image, ImageFile

    Image.MAX_IMAGE_PIXELS = max_pixels     # Pillow's guard: DecompressionBombError past 2× this
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        im = Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError:
        return ImageProblem("too_large", "the image is too large to decode")
    except Image.UnidentifiedImageError:
        return ImageProblem("unsupported", "not an image format that can be shown")
    except Exception as exc:   # noqa: BLE001 - a hostile header must not end the app
        return ImageProblem("corrupt", f"the image cannot be read ({_short(exc)})")
    try:
        width, height = im.size
        if width <= 0 or height <= 0:
            return ImageProblem("corrupt", "the image declares no size")
        if width * height > max_pixels:
            return ImageProblem("too_large", f"the image is too large to decode ({width:,}×{height:,} pixels)")
        frames = int(getattr(im, "n_frames", 1) or 1)
        fmt = im.format or "?"
        if fmt == "JPEG":
            im.draft("RGB", (max_side, max_side))   # decode at a reduced scale: faster, less memory
        im.seek(0)
        im.load()
        frame = im.convert("RGBA" if im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info else "RGB")
        frame.thumbnail((max_side, max_side))
    except Image.DecompressionBombError:
        return ImageProblem("too_large", "the image is too large to decode")
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError, IndexError, TypeError) as exc:
        return ImageProblem("corrupt", f"the image is damaged or truncated ({_short(exc)})")
    except Exception as exc:   # noqa: BLE001 - Pillow's decoders raise many kinds
        return ImageProblem("corrupt", f"the image cannot be decoded ({_short(exc)})")
    finally:
        im.close()
    return DecodedImage(frame, width, height, fmt, frames)


def _short(exc: BaseException) -> str:
    return clean_text(str(exc) or type(exc).__name__, limit=120)


class ImageCache:
    """Fetched images of one directory (``<page cache>/images``); created on the first write."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.dir = Path(directory)
        self._since_prune: int | None = None    # bytes stored since the last prune (None: none yet)

    def _path(self, url: str, suffix: str) -> Path:
        from feedreader.core.web.pagecache import url_key

        return self.dir / f"{url_key(url)}{suffix}"

    def meta(self, url: str) -> dict[str, Any] | None:
        try:
            with open(self._path(url, ".json"), "rb") as f:
                raw = f.read(MAX_META_BYTES + 1)
            data = json.loads(raw) if len(raw) <= MAX_META_BYTES else None
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("version") != META_VERSION or data.get("url") != url:
            return None
        return data

    def get(self, url: str) -> tuple[bytes, str | None] | None:
        """(bytes, content type) of a good copy, or None."""
        meta = self.meta(url)
        if meta is None or not isinstance(meta.get("size"), int):
            return None
        try:
            data = self._path(url, ".img").read_bytes()
        except OSError:
            return None
        if len(data) != meta["size"]:
            return None
        try:
            os.utime(self._path(url, ".img"))   # read now: the page cache's cap removes the least recently read
        except OSError:
            pass    # a read-only cache still reads
        content_type = meta.get("content_type")
        return data, content_type if isinstance(content_type, str) else None

    def error(self, url: str) -> str | None:
        meta = self.meta(url)
        error = meta.get("error") if meta else None
        return clean_text(error, limit=200) if isinstance(error, str) else None

    def store(self, url: str, data: bytes, content_type: str | None, *, now: float | None = None) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        replace_atomically(self._path(url, ".img"), lambda f: f.write(data))
        self._write_meta(url, {"size": len(data), "content_type": (content_type or "")[:200],
                               "fetched_at": time.time() if now is None else now})
        if self._since_prune is not None:
            self._since_prune += len(data)

    def keep_under(self, max_bytes: int) -> bool:
        """Prune the page cache this folder is part of (``<page cache>/images``:
        pages and images, least recently read first) to ``max_bytes``, after
        the first image stored and then every ``max_bytes // PRUNE_SHARE``
        bytes stored (a prune reads the whole folder); True if it pruned."""
        from feedreader.core.web.pagecache import PageCache

        if max_bytes <= 0 or (self._since_prune is not None and self._since_prune < max_bytes // PRUNE_SHARE):
            return False
        self._since_prune = 0
        PageCache(self.dir.parent).prune(max_bytes)
        return True

    def record_failure(self, url: str, error: str, *, now: float | None = None) -> None:
        """A failed fetch: the error is kept (a good copy, if any, stays)."""
        meta = self.meta(url) or {}
        meta = {k: v for k, v in meta.items() if k in ("size", "content_type", "fetched_at")}
        meta.update(error=clean_text(error, limit=200), failed_at=time.time() if now is None else now)
        self.dir.mkdir(parents=True, exist_ok=True)
        self._write_meta(url, meta)

    def _write_meta(self, url: str, meta: dict[str, Any]) -> None:
        record = {"version": META_VERSION, "url": url, **meta}
        payload = json.dumps(record).encode("utf-8")
        replace_atomically(self._path(url, ".json"), lambda f: f.write(payload))

    def prune(self, older_than: float, *, now: float | None = None) -> int:
        """Delete images not written for ``older_than`` seconds; the number of files removed."""
        limit = (time.time() if now is None else now) - older_than
        removed = 0
        try:
            entries = list(self.dir.iterdir())
        except OSError:
            return 0
        for path in entries:
            if path.suffix not in (".img", ".json", ".tmp"):
                continue
            try:
                if path.stat().st_mtime < limit:
                    path.unlink()
                    removed += 1
            except OSError:
                continue
        return removed


async def fetch_image(fetcher: Fetcher, cache: ImageCache | None, url: str | None, *,
                      max_bytes: int = MAX_IMAGE_BYTES, refetch: bool = False) -> ImageFetch:
    """The image at ``url``: from the cache, else through ``fetcher.get`` (then
    cached). Only http(s) URLs that ``check_url`` accepts. Never raises (except
    cancellation)."""
    import asyncio

    if not url or check_url(url) is None:
        return ImageFetch(str(url or "")[:2048], None, f"not fetched: {url_problem(url or '') or 'no URL'}")
    if cache is not None and not refetch:
        hit = await asyncio.to_thread(cache.get, url)
        if hit is not None:
            return ImageFetch(url, hit[0], content_type=hit[1])

    async def failed(error: str) -> ImageFetch:
        """The failure, remembered by the cache (a cache that cannot write is passed over)."""
        if cache is not None:
            try:
                await asyncio.to_thread(cache.record_failure, url, error)
            except OSError:
                pass
        return ImageFetch(url, None, error)

    resource = await fetcher.get(url, validators={}, accept=IMAGE_ACCEPT, max_bytes=max_bytes)
    if resource.status != "fetched" or resource.error:
        return await failed(resource.error or f"HTTP {resource.http_status}")
    content_type = (resource.content_type or "").split(";")[0].strip().lower() or None
    if content_type and not (content_type.startswith("image/") or content_type == "application/octet-stream"):
        return await failed(f"not an image ({clean_text(content_type, limit=60)})")
    if cache is not None:
        try:
            await asyncio.to_thread(cache.store, url, resource.body, content_type)
            cap = fetcher.settings.cache_max_mb * 1_000_000
            if cap:     # the page cache's cap counts the images (pagecache.py "Size")
                await asyncio.to_thread(cache.keep_under, cap)
        except OSError:
            pass   # a full or read-only cache must not fail the image itself
    return ImageFetch(url, resource.body, fetched=True, content_type=content_type)
