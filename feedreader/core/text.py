"""Cleaning untrusted text for the terminal, and checking URLs.

Everything that comes from a document file is hostile until it has been
through this module:

* :func:`clean_text` removes whatever a terminal could act on (escape
  sequences, C0/C1 controls, DEL) or that could disguise text (bidi
  overrides/isolates, zero-width characters), turns lone surrogates into
  U+FFFD, normalises whitespace and caps the length. Markup is *not* escaped:
  the UI renders Rich ``Text`` objects, never markup strings.
* :func:`check_url` says whether a URL may be opened or fetched (http/https
  with a plausible host, nothing that could confuse a browser, a shell or an
  argument parser); :func:`url_problem` says why not, for a person.
* :func:`canonical_url` gives the identity form of an accepted URL.

Speed matters (every string of 100,000 documents passes through here), so
the work is done by ``str.translate`` and a few precompiled regexes, with a
fast path for the common "already clean" string.
"""

from __future__ import annotations

import ipaddress
import re

__all__ = [
    "ELLIPSIS",
    "MAX_URL_LENGTH",
    "canonical_url",
    "check_url",
    "clean_text",
    "is_clean",
    "url_problem",
]

ELLIPSIS = "\u2026"
MAX_URL_LENGTH = 2048

# --------------------------------------------------------------------------
# clean_text
# --------------------------------------------------------------------------

# Whole 7-bit escape sequences, so that their parameters do not survive as
# litter (8-bit C1 controls are deleted one by one by the translate table: a
# lone U+009B or U+009D cannot start anything once it is gone):
#   CSI  ESC [ params intermediates final        (final byte may be missing)
#   OSC/DCS/SOS/PM/APC  ESC ] P X ^ _  ... up to BEL or ST (ESC \), or up to the
#        next ESC / end of string when unterminated
#   any other ESC: ESC, intermediates, one final byte (nF, Fp, Fe, Fs)
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
_SURROGATES = re.compile(r"[\ud800-\udfff]+")

# Characters that are deleted outright (after escape sequences are gone).
_DELETE = (
    [c for c in range(0x00, 0x20) if c not in (0x09, 0x0A, 0x0B, 0x0C, 0x0D)]
    + [0x7F]
    + [c for c in range(0x80, 0xA0) if c != 0x85]
    + list(range(0x202A, 0x202F))  # LRE RLE PDF LRO RLO
    + list(range(0x2066, 0x206A))  # LRI RLI FSI PDI
    + [0x200E, 0x200F, 0x061C]  # LRM RLM ALM
    + [0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF]  # zero-width, word joiner, BOM
    + list(range(0x2061, 0x2065))  # invisible math operators
    + list(range(0x206A, 0x2070))  # deprecated format characters
    + [0xFFF9, 0xFFFA, 0xFFFB]  # interlinear annotation
    + [0x180E]  # Mongolian vowel separator (invisible)
)
# Characters that break a line: a space in single-line text, "\n" otherwise.
_BREAKS = [0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029]

_SINGLE: dict[int, str | None] = {c: None for c in _DELETE}
_SINGLE.update({c: " " for c in _BREAKS})
_SINGLE[0x09] = " "

_MULTI: dict[int, str | None] = {c: None for c in _DELETE}
_MULTI.update({c: "\n" for c in _BREAKS})
_MULTI[0x09] = "\t"

_WS_RUN = re.compile(r"\s+")
_TRAILING_WS = re.compile(r"[^\S\n]\n")  # only a cheap "is there any" probe
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
_CRLF = re.compile(r"\r\n")
_DOUBLE_SPACE = "  "


def _fix_surrogates(match: re.Match[str]) -> str:
    # Pairs written as two escapes ("\ud83d\ude00") become the real character;
    # lone halves become U+FFFD.
    return match.group().encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _cap(value: str, limit: int) -> str:
    if len(value) <= limit:
        return value
    if limit <= 0:
        return ""
    return value[: limit - 1].rstrip() + ELLIPSIS


def clean_text(value: str, *, multiline: bool = False, limit: int = 2000) -> str:
    """Return ``value`` made safe to show in a terminal.

    Single-line (default): every run of whitespace (including tabs, newlines,
    U+2028/U+2029) becomes one space; the result is trimmed. Multi-line:
    ``\\n`` and ``\\t`` are kept (CR/CRLF/U+2028/U+2029 become ``\\n``),
    trailing spaces are stripped from each line and more than one blank line
    in a row is collapsed. In both modes escape sequences, C0/C1 controls,
    DEL, bidi controls and zero-width characters are removed and lone
    surrogates become U+FFFD. The result has at most ``limit`` characters; a
    cut is marked with a trailing "…".
    """
    if not isinstance(value, str):
        raise TypeError(f"clean_text needs a str, got {type(value).__name__}")
    # Fast path: a printable string has no controls, format characters,
    # separators other than " ", or surrogates (str.isprintable is exact
    # about this: categories Cc Cf Cs Co Cn Zl Zp Zs except " " are false).
    if value.isprintable():
        if _DOUBLE_SPACE in value:
            value = _WS_RUN.sub(" ", value)
        return _cap(value.strip(), limit)
    if "\x1b" in value:
        value = _ESCAPES.sub("", value)
    if _SURROGATES.search(value):
        value = _SURROGATES.sub(_fix_surrogates, value)
    if multiline:
        if "\r" in value:
            value = _CRLF.sub("\n", value)
        value = value.translate(_MULTI)
        if _TRAILING_WS.search(value):
            # per line, not by regex: "[^\S\n]+(?=\n)" backtracks quadratically
            # on a long run of blanks that is not followed by a newline
            value = "\n".join([line.rstrip() for line in value.split("\n")])
        value = _MANY_BLANK_LINES.sub("\n\n", value)
        value = value.strip()
        # Leading whitespace of the first line is stripped above; later lines
        # keep their indentation (it can be meaningful in a body).
    else:
        value = value.translate(_SINGLE)
        value = _WS_RUN.sub(" ", value).strip()
    return _cap(value, limit)


_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
    "\u200b-\u200d\u2060\ufeff\u2028\u2029\ud800-\udfff]"
)


def is_clean(value: str, *, multiline: bool = False) -> bool:
    """True when ``value`` holds nothing :func:`clean_text` would remove.

    (Single-line text must not contain newlines or tabs either.) Used by
    tests and assertions; cheap enough for debug checks.
    """
    if _FORBIDDEN.search(value):
        return False
    if not multiline and ("\n" in value or "\t" in value):
        return False
    return True


# --------------------------------------------------------------------------
# URLs
# --------------------------------------------------------------------------

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_LABEL = re.compile(r"(?!-)[^\W_](?:[\w\-]{0,61}[^\W_])?\Z|[^\W_]\Z")
_NUMERIC_LABEL = re.compile(r"(?:0[xX][0-9A-Fa-f]*|[0-9]+)\Z")
_PORT = re.compile(r"[0-9]{1,5}\Z")


def _short(value: str, size: int = 40) -> str:
    """A short cleaned excerpt of an untrusted value, for messages."""
    return clean_text(value, limit=size)


def _host_problem(host: str) -> str | None:
    if not host:
        return "has no host"
    if host.startswith("["):
        if not host.endswith("]"):
            return "has a malformed IPv6 address"
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return "has a malformed IPv6 address"
        return None
    name = host[:-1] if host.endswith(".") else host
    if not name or len(name) > 253:
        return f"host '{_short(host)}' is not a valid host name"
    labels = name.split(".")
    if _NUMERIC_LABEL.match(labels[-1]):
        # Browsers read a host ending in a number as an IPv4 address (with
        # hex, octal and short forms); accept only the plain dotted form.
        try:
            ipaddress.IPv4Address(name)
        except ValueError:
            return f"host '{_short(host)}' is not a valid IP address or host name"
        return None
    for label in labels:
        if not _LABEL.match(label):
            return f"host '{_short(host)}' is not a valid host name"
    return None


def url_problem(value: object) -> str | None:
    """Why ``value`` may not be opened or fetched, for a person; None if it may."""
    if not isinstance(value, str):
        return f"is not a string (got {type(value).__name__})"
    if not value:
        return "is empty"
    if len(value) > MAX_URL_LENGTH:
        return f"longer than {MAX_URL_LENGTH} characters ({len(value)})"
    if value != value.strip():
        return "has leading or trailing whitespace"
    # isprintable() is False for controls, format characters (bidi,
    # zero-width), separators and surrogates; " " is printable so test it too.
    if not value.isprintable() or " " in value:
        return "contains whitespace or control characters"
    if "\\" in value:
        return "contains a backslash"
    if value.startswith("-"):
        return "starts with '-'"
    m = _SCHEME.match(value)
    if m is None:
        return "has no scheme (expected http:// or https://)"
    scheme = m.group(1).lower()
    if scheme not in ("http", "https"):
        return f"scheme '{_short(m.group(1), 20)}' is not http or https"
    rest = value[m.end():]
    if not rest.startswith("//"):
        return f"is not of the form {scheme}://host/..."
    rest = rest[2:]
    end = len(rest)
    for sep in "/?#":
        i = rest.find(sep)
        if i != -1 and i < end:
            end = i
    netloc = rest[:end]
    if "@" in netloc:
        return "has user info (user@host)"
    if not netloc:
        return "has no host"
    host, port = netloc, None
    if netloc.startswith("["):
        close = netloc.find("]")
        if close == -1:
            return "has a malformed IPv6 address"
        host = netloc[: close + 1]
        after = netloc[close + 1:]
        if after:
            if not after.startswith(":"):
                return "has a malformed IPv6 address"
            port = after[1:]
    elif ":" in netloc:
        host, _, port = netloc.rpartition(":")
    if port is not None:
        if not _PORT.match(port) or not 1 <= int(port) <= 65535:
            return f"has an invalid port '{_short(port, 10)}'"
    return _host_problem(host)


# The common shape that url_problem accepts, in one regex (it must never
# accept more: tests/core/test_text_urls_cold.py): lowercase http(s), a host of dotted
# ASCII labels ending in one that starts with a letter (never an IP address),
# no user info or port, then printable ASCII without spaces or backslashes.
_COMMON_URL = re.compile(
    r"https?://((?:[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)(?:[/?#][!-\[\]-~]*)?"
)


def check_url(value: object) -> str | None:
    """``value`` unchanged if it is an http(s) URL that may be opened or fetched, else None."""
    if type(value) is str and len(value) <= MAX_URL_LENGTH:
        common = _COMMON_URL.fullmatch(value)
        if common is not None and len(common.group(1)) <= 253:
            return value
    if url_problem(value) is None:
        return value  # type: ignore[return-value]
    return None


def canonical_url(url: str) -> str:
    """The identity form of a URL.

    Lowercase scheme and host, default port (:80 for http, :443 for https)
    dropped, fragment dropped, empty path -> "/", path and query kept exactly.
    Meant for URLs that :func:`check_url` accepted; others are normalised as
    far as they can be and otherwise returned without their fragment.
    """
    if _CANONICAL.fullmatch(url) is not None:
        return url                  # already in the identity form (the common case)
    return _canonical_url(url)


# A URL that is its own identity form: lowercase http(s), a host of lowercase
# letters, digits, ".", "-", "_" (no user info, no port), a path, no fragment:
# what _canonical_url gives back unchanged (tests/core/test_text_urls_cold.py)
_CANONICAL = re.compile(r"https?://[a-z0-9._-]*/[^#]*")


def _canonical_url(url: str) -> str:
    url = url.split("#", 1)[0]
    m = _SCHEME.match(url)
    if m is None or not url[m.end():].startswith("//"):
        return url
    scheme = m.group(1).lower()
    rest = url[m.end() + 2:]
    end = len(rest)
    for sep in "/?":
        i = rest.find(sep)
        if i != -1 and i < end:
            end = i
    netloc, tail = rest[:end], rest[end:]
    userinfo, at, hostport = netloc.rpartition("@")
    hostport = hostport.lower()
    default = {"http": ":80", "https": ":443"}.get(scheme)
    if default and hostport.endswith(default):
        hostport = hostport[: -len(default)]
    if not tail.startswith("/"):
        tail = "/" + tail
    return f"{scheme}://{userinfo}{at}{hostport}{tail}"


def plural(n: int, noun: str, many: str | None = None) -> str:
    """``"1 file"``, ``"2 files"``, ``"1,234 entries"`` (``many``: the plural
    when it is not ``noun + "s"``). Every count in a message goes through here."""
    return f"{n:,} {noun if n == 1 else (many or noun + 's')}"
