"""Document files -> :class:`Article` (or a :class:`Problem` saying why not).

The boundary between untrusted files and the rest of the program:

* shape (UTF-8, ``---`` front matter ``---``, body) is checked here;
* YAML is loaded by :mod:`feedreader.core.documents.safeyaml` (event stream, no aliases,
  no tags, bounded depth and size, duplicate keys refused, line numbers);
* every field is type-checked strictly (FORMAT.md); a wrong field is dropped
  with a warning naming the line, the rest of the article still loads;
* every string is cleaned with :func:`~feedreader.core.text.clean_text`
  except ``secured``, which is kept untouched and never quoted in a message;
* URLs are kept for display (cleaned) and checked with
  :func:`~feedreader.core.text.check_url` before anything may open them.

:func:`parse_document` and :func:`load_document` never raise.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterator, Sized
from datetime import date, datetime, timezone
from typing import Any

from feedreader.core.ids import article_id, identity_of
from feedreader.core.model import Article, Image, Problem, Provider, Related
from feedreader.core.documents.safeyaml import BadTimestamp, TooLarge, YamlList, YamlMap, YamlRefused, load_mapping
from feedreader.core.text import check_url, clean_text, url_problem

__all__ = [
    "DOCUMENT_SUFFIXES",
    "MAX_FILE_BYTES",
    "article_id",
    "load_document",
    "parse_document",
]

DOCUMENT_SUFFIXES = (".txt", ".md", ".markdown", ".yaml", ".yml")
MAX_FILE_BYTES = 1_000_000

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
_BOMS_OTHER = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)
_OPENING = re.compile(r"---[ \t]*\r?\n")
_CLOSING = re.compile(r"^---[ \t]*\r?$", re.M)


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
        seq = self.sequence(m, key, where, "a list of images (url, width, height)")
        if not seq:
            return ()
        out: list[Image] = []
        for line, label, item in self.mappings(
            seq, f"{where}{key}", "a mapping with a url", out, MAX_IMAGES,
            f"{where}{key}: more than {MAX_IMAGES} images; the rest are dropped",
        ):
            inner = label + "."
            raw, url = self.url(item, "url", inner)
            if not raw:
                self.warn(line, f"{label} has no url; dropped")
                continue
            out.append(
                Image(
                    url=url,
                    raw_url=raw,
                    width=self.integer(item, "width", inner, 0, 1_000_000, "a whole number of pixels"),
                    height=self.integer(item, "height", inner, 0, 1_000_000, "a whole number of pixels"),
                    is_cached=self.boolean(item, "isCached", inner),
                )
            )
        return tuple(out)

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


# --------------------------------------------------------------------------
# parsing
# --------------------------------------------------------------------------


def _error(path: str, message: str, line: int | None = None) -> tuple[None, tuple[Problem, ...]]:
    return None, (Problem(path=path, message=message, line=line, severity="error"),)


def _decode(data: bytes) -> str:
    """UTF-8 text of ``data`` (BOM removed); raises ValueError with a reason."""
    for bom, name in _BOMS_OTHER:
        if data.startswith(bom):
            raise ValueError(f"the file is {name} encoded; save it as UTF-8")
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    nul = data.find(b"\x00")
    if nul != -1:
        line = data.count(b"\n", 0, nul) + 1
        raise ValueError(
            f"line {line}: contains a NUL byte at byte {nul} (a binary or UTF-16 file?)"
        )
    try:
        return data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + start
        line = data.count(b"\n", 0, offset) + 1
        raise ValueError(
            f"line {line}: not valid UTF-8 (byte 0x{data[offset]:02x} at byte offset {offset})"
        ) from None


def _closing(text: str, start: int) -> re.Match[str] | None:
    """``_CLOSING.search(text, start)`` (``start`` begins a line), looking only
    at the lines that begin with "---" (the regex would try every line)."""
    at = start
    while True:
        if text.startswith("---", at):
            found = _CLOSING.match(text, at)
            if found is not None:
                return found
        at = text.find("\n---", at)
        if at == -1:
            return None
        at += 1


def _split(text: str) -> tuple[str, str, int]:
    """(front matter, body, file line of the body's first line); ValueError if no front matter."""
    if not text or text.isspace():
        raise ValueError("the file is empty")
    opening = _OPENING.match(text)
    if opening is None:
        if text.rstrip("\r\n \t") == "---":
            raise ValueError("no closing '---' line after the front matter")
        if text.startswith("---\r"):
            raise ValueError("uses CR-only (old Mac) line endings; save it with LF or CRLF")
        raise ValueError("does not start with a '---' line (front matter)")
    closing = _closing(text, opening.end())
    if closing is None:
        raise ValueError("no closing '---' line after the front matter")
    front = text[opening.end(): closing.start()]
    body = text[closing.end():]
    if body.startswith("\n"):
        body = body[1:]
    body_line = 2 + front.count("\n") + 1
    return front, body, body_line


def parse_document(data: bytes, path: str) -> tuple[Article | None, tuple[Problem, ...]]:
    """Parse one document file's bytes. Never raises.

    Returns ``(None, (error,))`` when the file cannot be loaded, else
    ``(article, warnings)`` where each warning Problem names a dropped field.
    """
    path = str(path)
    try:
        return _parse(data, path)
    except RecursionError:
        return _error(path, "the document is nested too deeply to read")
    except MemoryError:
        return _error(path, "the document is too large to read")
    except Exception as exc:  # noqa: BLE001 - one bad file never stops the others
        # A bug, not the file's fault; still report it per file.
        return _error(path, f"could not be read ({type(exc).__name__})")


def _parse(data: bytes, path: str) -> tuple[Article | None, tuple[Problem, ...]]:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        return _error(path, "internal error: document data is not bytes")
    data = bytes(data)
    if len(data) > MAX_FILE_BYTES:
        return _error(path, f"the file is larger than {MAX_FILE_BYTES:,} bytes ({len(data):,} bytes)")
    try:
        text = _decode(data)
        front, body_text, _body_line = _split(text)
    except ValueError as exc:
        return _error(path, str(exc), _line_of(str(exc)))
    try:
        m = load_mapping(front, first_line=2)
    except YamlRefused as exc:
        return _error(path, exc.message, exc.line)

    f = _Fields()
    title = f.text(m, "title", "", limit=TITLE_LIMIT)
    original_raw, original = f.url(m, "originalUrl", "")
    web_raw, web = f.url(m, "webUrl", "")
    url = original or web
    published = f.timestamp(m, "publishedDateTime", "")
    provider = f.provider(m, "provider", "") or Provider()

    if not title and url is None:
        if original_raw or web_raw:
            return _error(path, "no title, and neither originalUrl nor webUrl is a usable http(s) URL")
        return _error(path, "no title and no originalUrl/webUrl")

    secured = m.get("secured")
    if secured is not None and not isinstance(secured, str):
        f.warn(m.lines.get("secured"), f"secured must be a string, got {_kind(secured)}; ignored")
        secured = None

    heat = f.integer(m, "heat", "", -1, INT64_MAX, "an integer (-1 for unknown)")
    if heat == -1:
        heat = None

    identity = identity_of(url, title, published, provider.name)

    article = Article(
        id=article_id(identity),
        identity=identity,
        path=path,
        title=title,
        excerpt=f.text(m, "excerpt", "", limit=EXCERPT_LIMIT, multiline=True),
        published=published,
        url=url,
        original_url=original_raw,
        web_url=web_raw,
        category=f.text(m, "category", "", limit=SHORT_LIMIT),
        type=f.text(m, "type", "", limit=SHORT_LIMIT),
        quality=f.integer(m, "quality", "", 0, 100, "an integer 0–100"),
        heat=heat,
        published_flag=f.boolean(m, "published", ""),
        provider=provider,
        topics=f.topics(m, "topics"),
        images=f.images(m, "images", ""),
        related=f.related(m, "related"),
        body=clean_text(body_text, multiline=True, limit=BODY_LIMIT) if body_text else "",
        author=f.text(m, "author", "", limit=SHORT_LIMIT),
        secured=secured,
        warnings=tuple(f.warnings),
    )
    problems = tuple(
        Problem(path=path, message=msg, line=line, severity="warning")
        for msg, line in zip(f.warnings, f.lines)
    )
    return article, problems


def _kind(value: Any) -> str:
    """Type of a value without showing it (for ``secured``)."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float, TooLarge)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (date, BadTimestamp)):
        return "a date"
    return "something else"


_LINE_PREFIX = re.compile(r"line (\d+):")


def _line_of(message: str) -> int | None:
    m = _LINE_PREFIX.match(message)
    return int(m.group(1)) if m else None


# --------------------------------------------------------------------------
# loading from disk
# --------------------------------------------------------------------------

_ERRNO_REASONS = {
    errno.ENOENT: "file not found",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EISDIR: "is a directory, not a file",
    errno.ELOOP: "too many levels of symbolic links",
    errno.ENAMETOOLONG: "file name too long",
    errno.ENOTDIR: "a part of the path is not a directory",
    errno.EIO: "input/output error while reading",
}


def _os_reason(exc: OSError) -> str:
    reason = _ERRNO_REASONS.get(exc.errno or 0)
    if reason:
        return reason
    return (exc.strerror or type(exc).__name__).lower()


def load_document(path: str | os.PathLike[str]) -> tuple[Article | None, tuple[Problem, ...]]:
    """Read and parse one document file. Never raises.

    The size cap is enforced before the bytes are read (at most
    ``MAX_FILE_BYTES + 1`` bytes are ever read); special files (FIFOs,
    devices, directories) are refused without blocking.
    """
    spath = str(path)
    try:
        data = _read_capped(spath)
    except _TooBig as exc:
        return _error(spath, f"the file is larger than {MAX_FILE_BYTES:,} bytes ({exc.size:,} bytes)")
    except _NotRegular as exc:
        return _error(spath, f"not a regular file ({exc.kind})")
    except OSError as exc:
        return _error(spath, _os_reason(exc))
    except Exception as exc:  # noqa: BLE001
        return _error(spath, f"could not be read ({type(exc).__name__})")
    return parse_document(data, spath)


class _TooBig(Exception):
    def __init__(self, size: int) -> None:
        self.size = size


class _NotRegular(Exception):
    def __init__(self, kind: str) -> None:
        self.kind = kind


def _file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def _read_capped(path: str) -> bytes:
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError:
        raise _NotRegular("a directory") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _NotRegular(_file_kind(st.st_mode))
        if st.st_size > MAX_FILE_BYTES:
            raise _TooBig(st.st_size)
        chunks: list[bytes] = []
        remaining = MAX_FILE_BYTES + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
        if len(data) > MAX_FILE_BYTES:
            raise _TooBig(max(len(data), st.st_size))
        return data
    finally:
        os.close(fd)
