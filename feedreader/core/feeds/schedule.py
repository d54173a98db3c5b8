"""When to fetch a feed next: pure functions, no clock, no I/O.

:func:`next_check` turns what the last fetch told us into the time of the
next one:

* **429 / 503 with Retry-After** (seconds or an HTTP date): not before that
  time; jitter only ever moves it later.
* **A failure** (``fail_count`` > 0, the count including this failure):
  exponential back-off, ``refresh_every * 2**fail_count``, at most
  ``max_backoff`` (1 day) unless ``refresh_every`` itself is longer.
* **Success** (200, 304): ``refresh_every``, or longer when the server says
  its content stays fresh longer: ``Cache-Control: max-age`` (else
  ``Expires``, measured against the response's ``Date``) and the RSS
  ``<ttl>``. A server can slow us down, never speed us up.

Every interval is kept within ``[min_interval, max_interval]`` (60 s and 7
days by default) and spread by ±10 % (``rng``; ``None`` for no jitter) so
that feeds added together do not stay in lock-step.

:func:`parse_duration` reads the durations people write in settings
("90s", "30m", "1h", "2d", "1w", "1h30m").
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import Protocol

__all__ = [
    "DEFAULT_MAX_BACKOFF",
    "DEFAULT_MAX_INTERVAL",
    "DEFAULT_MIN_INTERVAL",
    "JITTER",
    "cache_lifetime",
    "next_check",
    "parse_duration",
    "parse_http_date",
    "retry_after",
]

DEFAULT_MIN_INTERVAL = 60.0
DEFAULT_MAX_INTERVAL = 7 * 86400.0
DEFAULT_MAX_BACKOFF = 86400.0
JITTER = 0.10
MAX_DURATION = 366 * 86400.0


class Random(Protocol):
    def random(self) -> float: ...


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    """Header names lower-cased (a plain dict is case-sensitive; httpx's is not)."""
    return {str(k).lower(): str(v) for k, v in headers.items()}


def parse_http_date(value: str) -> float | None:
    """An HTTP date (RFC 9110: IMF-fixdate, RFC 850, asctime) as Unix time, or None."""
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:  # "-0000": UTC, says RFC 5322
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        stamp = parsed.timestamp()
    except (OverflowError, ValueError, OSError):
        return None
    return stamp if math.isfinite(stamp) else None


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from ``now`` given a Retry-After value (delay-seconds or
    an HTTP date), or None when it is absent or unreadable. Never negative."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(min(int(value[:12]), 10**11))
    when = parse_http_date(value)
    if when is None:
        return None
    return max(0.0, when - now)


_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d{1,12})\"?", re.IGNORECASE)


def cache_lifetime(headers: Mapping[str, str], now: float) -> float | None:
    """How long the server says the response stays fresh, in seconds, or None.

    ``Cache-Control: max-age`` wins over ``Expires`` (as in HTTP); ``Expires``
    is measured from the response's ``Date`` when there is one (so that a
    skewed server clock does not matter), else from ``now``. An unreadable or
    past ``Expires`` means "already stale": None.
    """
    h = _lower(headers)
    control = h.get("cache-control", "")
    match = _MAX_AGE.search(control)
    if match:
        return float(match.group(1))
    expires = h.get("expires")
    if expires is None:
        return None
    when = parse_http_date(expires)
    if when is None:
        return None
    date = parse_http_date(h["date"]) if "date" in h else None
    lifetime = when - (date if date is not None else now)
    return lifetime if lifetime > 0 else None


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def next_check(
    now: float,
    *,
    refresh_every: float,
    status: int | None,
    headers: Mapping[str, str] | None = None,
    ttl_minutes: float | None = None,
    fail_count: int = 0,
    rng: Random | None,
    min_interval: float = DEFAULT_MIN_INTERVAL,
    max_interval: float = DEFAULT_MAX_INTERVAL,
    max_backoff: float = DEFAULT_MAX_BACKOFF,
) -> float:
    """The Unix time at which to fetch the feed again (see the module docstring).

    ``status`` is the HTTP status of the last attempt (None: no response,
    e.g. a network error); ``fail_count`` the number of failures in a row
    including this one (0 after a success); ``ttl_minutes`` the feed's RSS
    ``<ttl>`` if it had one; ``rng`` anything with ``random() -> [0, 1)``.
    """
    if not (min_interval > 0 and max_interval >= min_interval):
        raise ValueError(f"need 0 < min_interval <= max_interval, got {min_interval} and {max_interval}")
    if not (math.isfinite(refresh_every) and refresh_every > 0):
        raise ValueError(f"refresh_every must be a positive number of seconds, got {refresh_every!r}")
    h = _lower(headers or {})
    u = rng.random() if rng is not None else None  # None: no jitter

    if status in (429, 503):
        wait = retry_after(h.get("retry-after"), now)
        if wait is not None:
            # the server's time is a floor: jitter only later
            later = 1 + JITTER * u if u is not None else 1.0
            return now + _clamp(wait * later, min_interval, max_interval)

    if fail_count > 0:
        ceiling = max(refresh_every, max_backoff)
        delay = min(refresh_every * 2.0 ** min(fail_count, 60), ceiling)
    else:
        delay = refresh_every
        hints = [cache_lifetime(h, now)]
        if ttl_minutes is not None and math.isfinite(ttl_minutes) and ttl_minutes > 0:
            hints.append(ttl_minutes * 60.0)
        delay = max([delay] + [x for x in hints if x is not None])
    if u is not None:
        delay *= 1 + JITTER * (2 * u - 1)
    return now + _clamp(delay, min_interval, max_interval)


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")
_WHOLE = re.compile(r"(?:\d+(?:\.\d+)?\s*[a-z]+\s*)+")
_HELP = "a number and a unit (s, m, h, d or w), such as 90s, 30m, 1h, 2d or 1h30m"


def parse_duration(value: str) -> float:
    """Seconds in a duration such as "90s", "30m", "1h", "2d", "1w" or "1h30m".

    Raises ValueError with a sentence saying what was wrong and what is expected.
    """
    if not isinstance(value, str):
        raise ValueError(f"a duration must be text such as 1h, not {type(value).__name__}")
    text = value.strip().lower()
    shown = value if len(value) <= 40 else value[:39] + "\u2026"
    if not text:
        raise ValueError(f"empty duration: expected {_HELP}")
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        raise ValueError(f"duration {shown!r} has no unit: expected {_HELP}")
    if not _WHOLE.fullmatch(text):
        raise ValueError(f"cannot read duration {shown!r}: expected {_HELP}")
    total = 0.0
    for number, unit in _PART.findall(text):
        if unit not in _UNITS:
            raise ValueError(f"duration {shown!r}: unknown unit {unit!r}; expected {_HELP}")
        total += float(number) * _UNITS[unit]
    if total <= 0:
        raise ValueError(f"duration {shown!r} must be longer than 0 seconds")
    if total > MAX_DURATION:
        raise ValueError(f"duration {shown!r} is longer than a year")
    return total

