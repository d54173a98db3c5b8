"""The marks export file: writing it, and checking one before it is imported.

Format (``"version": 1``), one JSON object, UTF-8, ASCII-only as written::

    {"format": "feedreader-state", "version": 1,
     "exported_at": "2026-05-09T07:35:25.123Z",
     "marks": [
      {"identity": "https://example.com/a", "id": "0f3c9a1b2d4e5f60",
       "read": true, "hidden": false, "flagged": false,
       "updated_at": "2026-05-09T07:30:00.000Z"},
      ...
     ]}

* ``marks`` is sorted by ``identity`` (code point order) and holds one entry
  per identity. An entry whose three flags are all false is a record that the
  article was explicitly un-marked at ``updated_at`` (it matters when merging).
* ``id`` is the 16-hex article id, or ``""`` when it was not known.
* Timestamps are UTC, ``YYYY-MM-DDTHH:MM:SS[.fff]Z``.
* Unknown keys are ignored (room for later additions); everything else is
  checked strictly by :func:`parse_state_file` and a file with any bad entry is
  rejected as a whole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import IO

FORMAT_NAME = "feedreader-state"
FORMAT_VERSION = 1
MAX_IMPORT_BYTES = 64 * 1024 * 1024
MAX_IDENTITY_CHARS = 8192

_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z\Z")
_ID = re.compile(r"[0-9a-f]{0,64}\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class StateFileError(ValueError):
    """A marks file that cannot be imported; ``str()`` says why, for a person."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One checked entry of a marks file."""

    identity: str
    id: str
    read: bool
    hidden: bool
    flagged: bool
    updated_at: int  # milliseconds since the epoch, UTC


def format_timestamp(ms: int) -> str:
    """``1715239825123`` -> ``"2024-05-09T07:30:25.123Z"``."""
    seconds, millis = divmod(int(ms), 1000)
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{millis:03d}Z"


def parse_timestamp(text: object) -> int | None:
    """The inverse of :func:`format_timestamp` (1 to 6 fraction digits); None if bad."""
    if not isinstance(text, str) or not _TIMESTAMP.match(text):
        return None
    main, _, frac = text[:-1].partition(".")
    try:
        moment = datetime.strptime(main, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    if moment.year < 1970:
        return None
    return int(moment.timestamp()) * 1000 + int((frac or "0").ljust(3, "0")[:3])


def write_state_file(fp: IO[str], entries: Iterable[Entry], exported_at: int) -> int:
    """Write the export to the text stream ``fp`` (entries already sorted); returns the count."""
    fp.write(
        '{"format": %s, "version": %d, "exported_at": %s, "marks": ['
        % (json.dumps(FORMAT_NAME), FORMAT_VERSION, json.dumps(format_timestamp(exported_at)))
    )
    count = 0
    for entry in entries:
        item = {
            "identity": entry.identity,
            "id": entry.id,
            "read": entry.read,
            "hidden": entry.hidden,
            "flagged": entry.flagged,
            "updated_at": format_timestamp(entry.updated_at),
        }
        fp.write(("\n " if count == 0 else ",\n ") + json.dumps(item, ensure_ascii=True))
        count += 1
    fp.write("\n]}\n")
    return count


def _show(value: object) -> str:
    text = json.dumps(value, ensure_ascii=True) if not isinstance(value, (dict, list)) else type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."


def parse_state_file(data: bytes | str) -> list[Entry]:
    """Check a whole marks file; return its entries or raise :class:`StateFileError`."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if len(data) > MAX_IMPORT_BYTES:
        raise StateFileError(f"the file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MiB")
    if not data.strip():
        raise StateFileError("the file is empty")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StateFileError(f"the file is not UTF-8 text (bad byte at offset {exc.start})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StateFileError(f"the file is not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise StateFileError("the file is not JSON this program can read (nested too deeply)") from None
    if not isinstance(doc, dict):
        raise StateFileError(f"expected a JSON object with \"format\": \"{FORMAT_NAME}\", got a {type(doc).__name__}")
    if doc.get("format") != FORMAT_NAME:
        raise StateFileError(
            f"not a feedreader marks file: \"format\" is {_show(doc.get('format'))}, expected \"{FORMAT_NAME}\""
        )
    version = doc.get("version")
    if type(version) is not int:
        raise StateFileError(f"\"version\" must be a whole number, got {_show(version)}")
    if version != FORMAT_VERSION:
        newer = " (written by a newer feedreader)" if version > FORMAT_VERSION else ""
        raise StateFileError(f"unsupported version {version}{newer}; this feedreader reads version {FORMAT_VERSION}")
    marks = doc.get("marks")
    if not isinstance(marks, list):
        raise StateFileError(f"\"marks\" must be a list, got {_show(marks)}")

    entries: list[Entry] = []
    seen: set[str] = set()
    for n, item in enumerate(marks):
        where = f"marks[{n}]"
        if not isinstance(item, dict):
            raise StateFileError(f"{where} must be an object, got {_show(item)}")
        identity = item.get("identity")
        if not isinstance(identity, str) or not identity:
            raise StateFileError(f"{where}: \"identity\" must be a non-empty string, got {_show(identity)}")
        if len(identity) > MAX_IDENTITY_CHARS:
            raise StateFileError(f"{where}: \"identity\" is longer than {MAX_IDENTITY_CHARS} characters")
        if _CONTROL.search(identity) or any(0xD800 <= ord(c) <= 0xDFFF for c in identity):
            raise StateFileError(f"{where}: \"identity\" contains control characters: {_show(identity)}")
        if identity in seen:
            raise StateFileError(f"{where}: identity {_show(identity)} appears more than once")
        seen.add(identity)
        where = f"{where} ({_show(identity)})"
        article_id = item.get("id", "")
        if not isinstance(article_id, str) or not _ID.match(article_id):
            raise StateFileError(f"{where}: \"id\" must be a lowercase hex string, got {_show(article_id)}")
        flags: list[bool] = []
        for name in ("read", "hidden", "flagged"):
            value = item.get(name)
            if not isinstance(value, bool):
                raise StateFileError(f"{where}: \"{name}\" must be true or false, got {_show(value)}")
            flags.append(value)
        updated_at = parse_timestamp(item.get("updated_at"))
        if updated_at is None:
            raise StateFileError(
                f"{where}: \"updated_at\" must be a UTC time like \"2026-05-09T07:30:00.000Z\", "
                f"got {_show(item.get('updated_at'))}"
            )
        read, hidden, flagged = flags
        entries.append(Entry(identity, article_id, read, hidden, flagged, updated_at))
    return entries
