"""Article <-> JSON-able dict, for ``--json``.

The dict uses the dataclass field names; datetimes are ISO 8601 UTC strings
ending in ``Z``; tuples become lists; nested dataclasses become dicts. The
``secured`` field is written only with ``include_secured=True``.
``article_from_dict(article_to_dict(a, include_secured=True)) == a``.

Hand-written (not ``dataclasses.asdict``) because it is on a hot path.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from feedreader.core.model import Article, Image, Provider, Related

__all__ = ["article_from_dict", "article_to_dict", "datetime_from_iso", "datetime_to_iso"]

_UTC = timezone.utc


def datetime_to_iso(value: datetime | None) -> str | None:
    """``2021-12-15T12:20:00Z`` (microseconds kept when present); None stays None."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=_UTC)
    elif value.utcoffset():
        value = value.astimezone(_UTC)
    text = value.replace(tzinfo=None).isoformat()
    return text + "Z"


def datetime_from_iso(value: str | None) -> datetime | None:
    """Inverse of :func:`datetime_to_iso`: an aware UTC datetime, or None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 string, got {type(value).__name__}")
    dt = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    if dt.tzinfo is None:
        return dt.replace(tzinfo=_UTC)
    return dt.astimezone(_UTC)


def _provider_to(p: Provider) -> dict[str, str]:
    return {"name": p.name, "domain": p.domain}


def _image_to(i: Image) -> dict[str, Any]:
    return {
        "url": i.url,
        "raw_url": i.raw_url,
        "width": i.width,
        "height": i.height,
        "is_cached": i.is_cached,
    }


def _related_to(r: Related) -> dict[str, Any]:
    return {
        "title": r.title,
        "excerpt": r.excerpt,
        "published": datetime_to_iso(r.published),
        "url": r.url,
        "raw_url": r.raw_url,
        "amp_url": r.amp_url,
        "type": r.type,
        "provider": _provider_to(r.provider) if r.provider is not None else None,
        "quality": r.quality,
        "images": [_image_to(i) for i in r.images],
    }


def article_to_dict(a: Article, *, include_secured: bool = False) -> dict[str, Any]:
    """A JSON-able dict of ``a`` (``secured`` only when asked for)."""
    d: dict[str, Any] = {
        "id": a.id,
        "identity": a.identity,
        "path": a.path,
        "title": a.title,
        "excerpt": a.excerpt,
        "published": datetime_to_iso(a.published),
        "url": a.url,
        "original_url": a.original_url,
        "web_url": a.web_url,
        "category": a.category,
        "type": a.type,
        "quality": a.quality,
        "heat": a.heat,
        "published_flag": a.published_flag,
        "provider": _provider_to(a.provider),
        "topics": list(a.topics),
        "images": [_image_to(i) for i in a.images],
        "related": [_related_to(r) for r in a.related],
        "body": a.body,
        "author": a.author,
        "warnings": list(a.warnings),
    }
    if include_secured:
        d["secured"] = a.secured
    return d


def _provider_from(d: dict[str, Any] | None) -> Provider | None:
    if d is None:
        return None
    return Provider(name=d.get("name", ""), domain=d.get("domain", ""))


def _image_from(d: dict[str, Any]) -> Image:
    return Image(
        url=d.get("url"),
        raw_url=d.get("raw_url", ""),
        width=d.get("width"),
        height=d.get("height"),
        is_cached=d.get("is_cached"),
    )


def _related_from(d: dict[str, Any]) -> Related:
    return Related(
        title=d.get("title", ""),
        excerpt=d.get("excerpt", ""),
        published=datetime_from_iso(d.get("published")),
        url=d.get("url"),
        raw_url=d.get("raw_url", ""),
        amp_url=d.get("amp_url"),
        type=d.get("type", ""),
        provider=_provider_from(d.get("provider")),
        quality=d.get("quality"),
        images=tuple(_image_from(i) for i in d.get("images") or ()),
    )


def article_from_dict(d: dict[str, Any]) -> Article:
    """Rebuild an :class:`Article` from :func:`article_to_dict`'s output.

    Missing optional keys take the dataclass defaults; a missing ``id``,
    ``identity`` or ``path`` raises ``KeyError``. The program itself never
    reads ``--json`` back: this inverse is kept for the round-trip tests
    (``tests/core/documents/test_codec.py``), which prove that ``--json``
    loses nothing.
    """
    return Article(
        id=d["id"],
        identity=d["identity"],
        path=d["path"],
        title=d.get("title", ""),
        excerpt=d.get("excerpt", ""),
        published=datetime_from_iso(d.get("published")),
        url=d.get("url"),
        original_url=d.get("original_url", ""),
        web_url=d.get("web_url", ""),
        category=d.get("category", ""),
        type=d.get("type", ""),
        quality=d.get("quality"),
        heat=d.get("heat"),
        published_flag=d.get("published_flag"),
        provider=_provider_from(d.get("provider")) or Provider(),
        topics=tuple(d.get("topics") or ()),
        images=tuple(_image_from(i) for i in d.get("images") or ()),
        related=tuple(_related_from(r) for r in d.get("related") or ()),
        body=d.get("body", ""),
        author=d.get("author", ""),
        secured=d.get("secured"),
        warnings=tuple(d.get("warnings") or ()),
    )
