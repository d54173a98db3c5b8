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
from datetime import date
from typing import Any

from feedreader.core.documents.fastyaml import load_simple
from feedreader.core.documents.fields import (  # noqa: F401 (the limits: named here too)
    BODY_LIMIT,
    EXCERPT_LIMIT,
    INT64_MAX,
    MAX_IMAGES,
    MAX_RELATED,
    MAX_TOPICS,
    MAX_WARNINGS,
    SHORT_LIMIT,
    TITLE_LIMIT,
    URL_DISPLAY_LIMIT,
    _Fields,
)
from feedreader.core.documents.leanfront import lean_facts
from feedreader.core.documents.quietrelated import without_quiet_related
from feedreader.core.documents.safeyaml import (
    BadTimestamp,
    TooLarge,
    YamlRefused,
    load_mapping,
)
from feedreader.core.ids import article_id, identity_of
from feedreader.core.model import Article, Problem, Provider
from feedreader.core.text import clean_text

__all__ = [
    "DOCUMENT_SUFFIXES",
    "MAX_FILE_BYTES",
    "IndexFacts",
    "article_id",
    "load_document",
    "load_for_index",
    "parse_document",
    "parse_for_index",
]

DOCUMENT_SUFFIXES = (".txt", ".md", ".markdown", ".yaml", ".yml")
MAX_FILE_BYTES = 1_000_000

_BOMS_OTHER = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)
_OPENING = re.compile(r"---[ \t]*\r?\n")
_CLOSING = re.compile(r"^---[ \t]*\r?$", re.M)


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


def parse_document(
    data: bytes, path: str, *, related: bool = True
) -> tuple[Article | None, tuple[Problem, ...]]:
    """Parse one document file's bytes. Never raises.

    Returns ``(None, (error,))`` when the file cannot be loaded, else
    ``(article, warnings)`` where each warning Problem names a dropped field.
    ``related=False`` (the index's workers): the related articles are
    checked (the same warnings) but not built; ``article.related`` is ().
    """
    return _guarded(data, str(path), related, False)  # type: ignore[return-value]


# What the index keeps of an article (``parse_for_index``), in this order: id,
# identity, title, provider name, provider domain, published, quality, heat,
# url, topics, excerpt, author, the body's length, the number of images.
IndexFacts = tuple[Any, ...]


def parse_for_index(data: bytes, path: str) -> tuple[IndexFacts | None, tuple[Problem, ...]]:
    """``parse_document(data, path, related=False)``, but what the index keeps
    of the article (``IndexFacts``) instead of the article: the same checks
    and problems, without building the ``Article`` or its ``Image`` objects
    (a cold index's workers; issue 17). Never raises."""
    return _guarded(data, str(path), False, True)  # type: ignore[return-value]


def _guarded(
    data: bytes, path: str, related: bool, lean: bool
) -> tuple[Article | IndexFacts | None, tuple[Problem, ...]]:
    try:
        return _parse(data, path, related, lean)
    except RecursionError:
        return _error(path, "the document is nested too deeply to read")
    except MemoryError:
        return _error(path, "the document is too large to read")
    except Exception as exc:  # noqa: BLE001 - one bad file never stops the others
        # A bug, not the file's fault; still report it per file.
        return _error(path, f"could not be read ({type(exc).__name__})")


def _parse(
    data: bytes, path: str, related: bool = True, lean: bool = False
) -> tuple[Article | IndexFacts | None, tuple[Problem, ...]]:
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
    if lean:
        # (the index's workers: front matter in the seed's layout is read
        # without YAML, leanfront.py; else a related block that loads and
        # warns nothing is not loaded, the index keeps none of it,
        # quietrelated.py)
        facts = lean_facts(front, body_text)
        if facts is not None:
            return facts, ()
        quiet = without_quiet_related(front)
        m = load_simple(quiet, first_line=2) if quiet is not None else None
    else:
        m = None
    if m is None:
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
    # (the fields below are read in this order in both ways: their warnings too)
    excerpt = f.text(m, "excerpt", "", limit=EXCERPT_LIMIT, multiline=True)
    category = f.text(m, "category", "", limit=SHORT_LIMIT)
    kind = f.text(m, "type", "", limit=SHORT_LIMIT)
    quality = f.integer(m, "quality", "", 0, 100, "an integer 0–100")
    published_flag = f.boolean(m, "published", "")
    topics = f.topics(m, "topics")
    images = f.check_images(m, "images", "") if lean else f.images(m, "images", "")
    related_items = f.related(m, "related") if related else f.check_related(m, "related")
    body = clean_text(body_text, multiline=True, limit=BODY_LIMIT) if body_text else ""
    author = f.text(m, "author", "", limit=SHORT_LIMIT)
    problems = tuple(
        Problem(path=path, message=msg, line=line, severity="warning")
        for msg, line in zip(f.warnings, f.lines)
    )
    if lean:
        return (
            article_id(identity), identity, title, provider.name, provider.domain, published, quality,
            heat, url, topics, excerpt, author, len(body), images,
        ), problems
    article = Article(
        id=article_id(identity),
        identity=identity,
        path=path,
        title=title,
        excerpt=excerpt,
        published=published,
        url=url,
        original_url=original_raw,
        web_url=web_raw,
        category=category,
        type=kind,
        quality=quality,
        heat=heat,
        published_flag=published_flag,
        provider=provider,
        topics=topics,
        images=images,  # type: ignore[arg-type]
        related=related_items,
        body=body,
        author=author,
        secured=secured,
        warnings=tuple(f.warnings),
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


def load_document(
    path: str | os.PathLike[str], *, related: bool = True
) -> tuple[Article | None, tuple[Problem, ...]]:
    """Read and parse one document file. Never raises. (``related``: see
    ``parse_document``.)

    The size cap is enforced before the bytes are read (at most
    ``MAX_FILE_BYTES + 1`` bytes are ever read); special files (FIFOs,
    devices, directories) are refused without blocking.
    """
    return _load(str(path), related, False)  # type: ignore[return-value]


def load_for_index(path: str | os.PathLike[str]) -> tuple[IndexFacts | None, tuple[Problem, ...]]:
    """``load_document(path, related=False)`` as ``parse_for_index`` gives it. Never raises."""
    return _load(str(path), False, True)  # type: ignore[return-value]


def _load(spath: str, related: bool, lean: bool) -> tuple[Article | IndexFacts | None, tuple[Problem, ...]]:
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
    return _guarded(data, spath, related, lean)


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
        # one read holds the whole file almost always: when it returns all the
        # bytes fstat counted, and fewer than it asked for, the file ended there
        # (no second read to see the end: one system call less per document).
        # It asks for one byte more than fstat counted, not for the cap: a
        # buffer of the cap is a fresh mmap, mremap and munmap per document in
        # the pool's workers (strace; ~20 us of ~100 us).
        first = os.read(fd, min(st.st_size, MAX_FILE_BYTES) + 1)
        if len(first) == st.st_size and len(first) <= MAX_FILE_BYTES:
            return first
        chunks: list[bytes] = [first]
        remaining = MAX_FILE_BYTES + 1 - len(first)
        while remaining > 0 and first:
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
