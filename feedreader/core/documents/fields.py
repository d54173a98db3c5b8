"""The typed fields of a document's front matter (FORMAT.md), for ``parse.py``.

Every field is type-checked strictly: a wrong one is dropped with a warning
naming the line (``_Fields`` collects them), the rest of the article still
loads; every string is cleaned with :func:`~feedreader.core.text.clean_text`;
URLs are checked with :func:`~feedreader.core.text.check_url`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sized
from datetime import date, datetime, timezone
from typing import Any

from feedreader.core.documents.safeyaml import BadTimestamp, TooLarge, YamlList, YamlMap
from feedreader.core.model import Image, Provider, Related
from feedreader.core.text import check_url, clean_text, url_problem

# Caps on field sizes (characters) and list lengths.
TITLE_LIMIT = 500
EXCERPT_LIMIT = 5_000
BODY_LIMIT = 100_000
SHORT_LIMIT = 200  # category, type, provider name/domain, topic
URL_DISPLAY_LIMIT = 2_100  # a little over MAX_URL_LENGTH so a too-long URL shows it is cut
MAX_TOPICS = 50
MAX_IMAGES = 50
MAX_RELATED = 50
MAX_WARNINGS = 50
INT64_MAX = 2**63 - 1

_UTC = timezone.utc

# --------------------------------------------------------------------------
# describing values in messages
# --------------------------------------------------------------------------


def _describe(value: Any) -> str:
    """What a wrong value is, for a message (cleaned, short)."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, int):
        text = str(value) if abs(value) < 10**30 else f"a {len(str(abs(value)))}-digit number"
        return f"the integer {text}"
    if isinstance(value, float):
        return f"the number {value!r}"
    if isinstance(value, TooLarge):
        return f"a number with {value.digits:,} digits"
    if isinstance(value, BadTimestamp):
        return f"the impossible date '{clean_text(value.text, limit=40)}'"
    if isinstance(value, str):
        return f"the string '{clean_text(value, limit=40)}'"
    if isinstance(value, datetime):
        return "a timestamp"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"  # pragma: no cover - the loader builds no other types


class _Fields:
    """Collects warnings while fields of one document are read."""

    __slots__ = ("warnings", "lines")

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.lines: list[int | None] = []

    def warn(self, line: int | None, message: str) -> None:
        if len(self.warnings) >= MAX_WARNINGS:
            return
        if len(self.warnings) == MAX_WARNINGS - 1:
            line, message = None, "more problems in this file were not reported"
        self.warnings.append(f"line {line}: {message}" if line else message)
        self.lines.append(line)

    # ---- typed getters: (value or None); a wrong type warns and gives None

    def text(self, m: YamlMap, key: str, where: str, *, limit: int, multiline: bool = False) -> str:
        value = m.get(key)
        if value is None:
            return ""
        if isinstance(value, str):
            return clean_text(value, multiline=multiline, limit=limit)
        hint = " (put it in quotes)" if isinstance(value, (int, float, date)) else ""
        self.warn(m.lines.get(key), f"{where}{key} must be a string, got {_describe(value)}{hint}")
        return ""

    def integer(self, m: YamlMap, key: str, where: str, low: int, high: int, expected: str) -> int | None:
        value = m.get(key)
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return value
        self.warn(m.lines.get(key), f"{where}{key} must be {expected}, got {_describe(value)}")
        return None

    def boolean(self, m: YamlMap, key: str, where: str) -> bool | None:
        value = m.get(key)
        if value is None or isinstance(value, bool):
            return value
        self.warn(m.lines.get(key), f"{where}{key} must be true or false, got {_describe(value)}")
        return None

    def timestamp(self, m: YamlMap, key: str, where: str) -> datetime | None:
        value = m.get(key)
        if value is None:
            return None
        result = _to_utc(value)
        if result is None:
            self.warn(
                m.lines.get(key),
                f"{where}{key} must be a date and time like 2021-12-15T12:20:00Z, "
                f"got {_describe(value)}",
            )
        return result

    def url(self, m: YamlMap, key: str, where: str) -> tuple[str, str | None]:
        """(raw value cleaned for display, checked URL or None)."""
        value = m.get(key)
        if value is None:
            return "", None
        if not isinstance(value, str):
            self.warn(m.lines.get(key), f"{where}{key} must be a URL string, got {_describe(value)}")
            return "", None
        checked = check_url(value)
        if checked is not None:
            return checked, checked     # (printable, no spaces, short: clean_text keeps it as it is)
        if value.strip():
            self.warn(m.lines.get(key), f"{where}{key} will not be opened ({url_problem(value)})")
        return clean_text(value, limit=URL_DISPLAY_LIMIT), None

    def mapping(self, m: YamlMap, key: str, where: str, what: str) -> YamlMap | None:
        value = m.get(key)
        if value is None:
            return None
        if isinstance(value, YamlMap):
            return value
        self.warn(m.lines.get(key), f"{where}{key} must be {what}, got {_describe(value)}")
        return None

    def sequence(self, m: YamlMap, key: str, where: str, what: str) -> YamlList | None:
        value = m.get(key)
        if value is None:
            return None
        if isinstance(value, YamlList):
            return value
        self.warn(m.lines.get(key), f"{where}{key} must be {what}, got {_describe(value)}; ignored")
        return None

    # ---- compound fields

    def mappings(
        self, seq: YamlList, name: str, what: str, out: Sized, limit: int, too_many: str
    ) -> Iterator[tuple[int, str, YamlMap]]:
        """(line, label ``name[n]``, item) for each mapping in ``seq``; any other
        item is warned about ("must be ``what``") and dropped; once ``out`` (what
        the caller kept) holds ``limit``, the next mapping warns ``too_many`` and
        the rest are dropped."""
        for i, item in enumerate(seq):
            line = seq.lines[i]
            label = f"{name}[{i + 1}]"
            if not isinstance(item, YamlMap):
                self.warn(line, f"{label} must be {what}, got {_describe(item)}; dropped")
                continue
            if len(out) >= limit:
                self.warn(line, too_many)
                return
            yield line, label, item

    def provider(self, m: YamlMap, key: str, where: str) -> Provider | None:
        pm = self.mapping(m, key, where, "a mapping with name and domain")
        if pm is None:
            return None
        inner = f"{where}{key}."
        return Provider(
            name=self.text(pm, "name", inner, limit=SHORT_LIMIT),
            domain=self.text(pm, "domain", inner, limit=SHORT_LIMIT),
        )

    def images(self, m: YamlMap, key: str, where: str) -> tuple[Image, ...]:
        out: list[Image] = []
        for url, raw, width, height, cached in self._image_fields(m, key, where, out):
            out.append(Image(url=url, raw_url=raw, width=width, height=height, is_cached=cached))
        return tuple(out)

    def check_images(self, m: YamlMap, key: str, where: str) -> int:
        """The warnings ``images`` gives, in the same order, and the number of
        images it keeps, without building them (``check_related``, and the
        index, which keeps only the number)."""
        kept: list[None] = []
        for _fields in self._image_fields(m, key, where, kept):
            kept.append(None)
        return len(kept)

    def _image_fields(self, m: YamlMap, key: str, where: str,
                      kept: Sized) -> Iterator[tuple[str | None, str, int | None, int | None, bool | None]]:
        """(url, raw url, width, height, isCached) of each image the caller is to
        keep (it adds each to ``kept``, which bounds them), with their warnings."""
        seq = self.sequence(m, key, where, "a list of images (url, width, height)")
        if not seq:
            return
        for line, label, item in self.mappings(
            seq, f"{where}{key}", "a mapping with a url", kept, MAX_IMAGES,
            f"{where}{key}: more than {MAX_IMAGES} images; the rest are dropped",
        ):
            inner = label + "."
            raw, url = self.url(item, "url", inner)
            if not raw:
                self.warn(line, f"{label} has no url; dropped")
                continue
            yield (url, raw,
                   self.integer(item, "width", inner, 0, 1_000_000, "a whole number of pixels"),
                   self.integer(item, "height", inner, 0, 1_000_000, "a whole number of pixels"),
                   self.boolean(item, "isCached", inner))

    def topics(self, m: YamlMap, key: str) -> tuple[str, ...]:
        seq = self.sequence(m, key, "", "a list of strings")
        if not seq:
            return ()
        out: list[str] = []
        seen: set[str] = set()
        for i, item in enumerate(seq):
            if not isinstance(item, str):
                self.warn(seq.lines[i], f"topics[{i + 1}] must be a string, got {_describe(item)}; dropped")
                continue
            topic = clean_text(item, limit=SHORT_LIMIT)
            if topic and topic not in seen:
                if len(out) >= MAX_TOPICS:
                    self.warn(seq.lines[i], f"more than {MAX_TOPICS} topics; the rest are dropped")
                    break
                seen.add(topic)
                out.append(topic)
        return tuple(out)

    def check_related(self, m: YamlMap, key: str) -> tuple[()]:
        """The warnings ``related`` gives, in the same order, without building
        the items (the index keeps none of them; the detail pane reads the
        file again): no text is cleaned unless its emptiness decides."""
        seq = self.sequence(m, key, "", "a list of related articles")
        if not seq:
            return ()
        kept: list[None] = []
        for line, label, item in self.mappings(
            seq, "related", "a mapping (title, webUrl, …)", kept, MAX_RELATED,
            f"more than {MAX_RELATED} related articles; the rest are dropped",
        ):
            inner = label + "."
            title = self.raw_text(item, "title", inner)
            raw, _web = self.url(item, "webUrl", inner)
            self.url(item, "ampWebUrl", inner)
            if not raw and not (title.strip() if title.isprintable() else clean_text(title, limit=TITLE_LIMIT)):
                self.warn(line, f"{label} has neither a title nor a webUrl; dropped")
                continue
            self.raw_text(item, "excerpt", inner)
            self.timestamp(item, "publishedDateTime", inner)
            self.raw_text(item, "type", inner)
            pm = self.mapping(item, "provider", inner, "a mapping with name and domain")
            if pm is not None:
                self.raw_text(pm, "name", f"{inner}provider.")
                self.raw_text(pm, "domain", f"{inner}provider.")
            self.integer(item, "quality", inner, 0, 100, "an integer 0–100")
            self.check_images(item, "images", inner)
            kept.append(None)
        return ()

    def raw_text(self, m: YamlMap, key: str, where: str) -> str:
        """``text``'s warning, and the value not cleaned ("" for none or a wrong type)."""
        value = m.get(key)
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        hint = " (put it in quotes)" if isinstance(value, (int, float, date)) else ""
        self.warn(m.lines.get(key), f"{where}{key} must be a string, got {_describe(value)}{hint}")
        return ""

    def related(self, m: YamlMap, key: str) -> tuple[Related, ...]:
        seq = self.sequence(m, key, "", "a list of related articles")
        if not seq:
            return ()
        out: list[Related] = []
        for line, label, item in self.mappings(
            seq, "related", "a mapping (title, webUrl, …)", out, MAX_RELATED,
            f"more than {MAX_RELATED} related articles; the rest are dropped",
        ):
            inner = label + "."
            title = self.text(item, "title", inner, limit=TITLE_LIMIT)
            raw, web = self.url(item, "webUrl", inner)
            _amp_raw, amp = self.url(item, "ampWebUrl", inner)
            if not title and not raw:
                self.warn(line, f"{label} has neither a title nor a webUrl; dropped")
                continue
            out.append(
                Related(
                    title=title,
                    excerpt=self.text(item, "excerpt", inner, limit=EXCERPT_LIMIT, multiline=True),
                    published=self.timestamp(item, "publishedDateTime", inner),
                    url=web or amp,
                    raw_url=raw,
                    amp_url=amp,
                    type=self.text(item, "type", inner, limit=SHORT_LIMIT),
                    provider=self.provider(item, "provider", inner),
                    quality=self.integer(item, "quality", inner, 0, 100, "an integer 0–100"),
                    images=self.images(item, "images", inner),
                )
            )
        return tuple(out)


def _to_utc(value: Any) -> datetime | None:
    """A YAML timestamp/date or an ISO-8601 string as an aware UTC datetime."""
    try:
        if isinstance(value, str):
            text = value.strip()
            if not text or len(text) > 64:
                return None
            if text[-1:] in ("z", "Z"):
                text = text[:-1] + "+00:00"
            value = datetime.fromisoformat(text)
        if isinstance(value, datetime):
            if value.tzinfo is None:
                return value.replace(tzinfo=_UTC)
            return value.astimezone(_UTC)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=_UTC)
    except (ValueError, OverflowError, TypeError):
        return None
    return None
