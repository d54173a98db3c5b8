"""The refresh schedule: polite to servers, bounded, spread out."""

from __future__ import annotations

import random
from email.utils import formatdate

import pytest

from feedreader.core.feeds.schedule import (
    DEFAULT_MAX_INTERVAL,
    DEFAULT_MIN_INTERVAL,
    cache_lifetime,
    next_check,
    parse_duration,
    parse_http_date,
    retry_after,
)

NOW = 1_700_000_000.0
HOUR = 3600.0
DAY = 86400.0


class Fixed:
    """An rng that always returns one value (0 = earliest, 0.999 = latest)."""

    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


def delay(**kw) -> float:
    kw.setdefault("refresh_every", HOUR)
    kw.setdefault("status", 200)
    kw.setdefault("headers", {})
    kw.setdefault("rng", None)
    return next_check(NOW, **kw) - NOW


def http_date(t: float) -> str:
    return formatdate(t, usegmt=True)


# -- success -----------------------------------------------------------------------------


def test_plain_success_waits_refresh_every():
    assert delay() == HOUR
    assert delay(status=304) == HOUR


def test_jitter_is_ten_percent_each_way_and_spreads_feeds():
    assert delay(rng=Fixed(0.0)) == pytest.approx(0.9 * HOUR)
    assert delay(rng=Fixed(0.999999)) == pytest.approx(1.1 * HOUR, rel=1e-5)
    rng = random.Random(7)
    spread = {round(delay(rng=rng)) for _ in range(200)}
    assert len(spread) > 150
    assert min(spread) >= 0.9 * HOUR and max(spread) <= 1.1 * HOUR


def test_max_age_makes_us_wait_longer_never_shorter():
    assert delay(headers={"Cache-Control": "public, max-age=7200"}) == 7200
    assert delay(headers={"cache-control": "max-age=60"}) == HOUR
    assert delay(headers={"Cache-Control": "no-cache"}) == HOUR


def test_max_age_wins_over_expires():
    headers = {"Cache-Control": "max-age=5400", "Expires": http_date(NOW + 5 * HOUR)}
    assert delay(headers=headers) == 5400


def test_expires_is_measured_from_the_server_date():
    # server clock 10 hours behind ours: Expires 3h after its Date means 3h
    server_now = NOW - 10 * HOUR
    headers = {"Date": http_date(server_now), "Expires": http_date(server_now + 3 * HOUR)}
    assert delay(headers=headers) == 3 * HOUR
    assert delay(headers={"Expires": http_date(NOW + 2 * HOUR)}) == 2 * HOUR


@pytest.mark.parametrize("value", ["0", "-1", "yesterday", "", http_date(NOW - DAY)])
def test_past_or_bad_expires_changes_nothing(value):
    assert delay(headers={"Expires": value}) == HOUR
    assert cache_lifetime({"Expires": value}, NOW) is None


def test_rss_ttl_in_minutes():
    assert delay(ttl_minutes=180) == 3 * HOUR
    assert delay(ttl_minutes=5) == HOUR
    assert delay(ttl_minutes=0) == HOUR
    assert delay(ttl_minutes=float("nan")) == HOUR


def test_the_longest_hint_wins():
    assert delay(ttl_minutes=300, headers={"Cache-Control": "max-age=7200"}) == 5 * HOUR


def test_bounds_hold_whatever_the_server_says():
    assert delay(headers={"Cache-Control": "max-age=999999999999"}) == DEFAULT_MAX_INTERVAL
    assert delay(ttl_minutes=10**9) == DEFAULT_MAX_INTERVAL
    assert delay(refresh_every=1) == DEFAULT_MIN_INTERVAL
    assert delay(refresh_every=10, min_interval=300, max_interval=600) == 300
    assert delay(refresh_every=DAY, min_interval=300, max_interval=600) == 600
    # jitter never escapes the bounds either
    assert delay(refresh_every=DEFAULT_MAX_INTERVAL, rng=Fixed(0.999)) == DEFAULT_MAX_INTERVAL


# -- Retry-After ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_seconds(status):
    assert delay(status=status, fail_count=1, headers={"Retry-After": "7200"}) == 7200


def test_retry_after_http_date():
    headers = {"retry-after": http_date(NOW + 3 * HOUR)}
    assert delay(status=503, fail_count=1, headers=headers) == 3 * HOUR


def test_retry_after_jitter_only_moves_later():
    headers = {"Retry-After": "1000"}
    assert delay(status=429, fail_count=1, headers=headers, rng=Fixed(0.0)) == 1000
    assert delay(status=429, fail_count=1, headers=headers, rng=Fixed(0.5)) == pytest.approx(1050)


def test_retry_after_is_bounded():
    assert delay(status=429, fail_count=1, headers={"Retry-After": "1"}) == DEFAULT_MIN_INTERVAL
    assert delay(status=429, fail_count=1, headers={"Retry-After": "99999999999999999"}) == DEFAULT_MAX_INTERVAL
    assert delay(status=503, fail_count=1, headers={"Retry-After": http_date(NOW - DAY)}) == DEFAULT_MIN_INTERVAL


def test_retry_after_on_other_statuses_is_ignored():
    assert delay(status=500, fail_count=1, headers={"Retry-After": "40000"}) == 2 * HOUR


def test_unreadable_retry_after_falls_back_to_back_off():
    assert delay(status=429, fail_count=2, headers={"Retry-After": "soon"}) == 4 * HOUR


def test_retry_after_parsing():
    assert retry_after("120", NOW) == 120
    assert retry_after(" 0 ", NOW) == 0
    assert retry_after(http_date(NOW + 60), NOW) == 60
    assert retry_after(http_date(NOW - 60), NOW) == 0
    assert retry_after("-5", NOW) is None
    assert retry_after("1.5", NOW) is None
    assert retry_after(None, NOW) is None


# -- failures ----------------------------------------------------------------------------


def test_back_off_doubles_per_failure_and_caps_at_a_day():
    got = [delay(status=500, fail_count=n) for n in range(1, 9)]
    assert got == [2 * HOUR, 4 * HOUR, 8 * HOUR, 16 * HOUR, DAY, DAY, DAY, DAY]
    assert delay(status=None, fail_count=1) == 2 * HOUR  # network error: no response


def test_back_off_ignores_cache_hints():
    assert delay(status=500, fail_count=1, headers={"Cache-Control": "max-age=500000"}) == 2 * HOUR


def test_back_off_never_shortens_a_long_refresh_setting():
    assert delay(refresh_every=3 * DAY, status=500, fail_count=5) == 3 * DAY


def test_a_huge_fail_count_does_not_overflow():
    assert delay(status=500, fail_count=10**6) == DAY


def test_back_off_is_jittered_too():
    assert delay(status=500, fail_count=1, rng=Fixed(0.0)) == pytest.approx(0.9 * 2 * HOUR)


@pytest.mark.parametrize("kw", [{"refresh_every": 0}, {"refresh_every": -5}, {"refresh_every": float("inf")},
                                {"min_interval": 0}, {"min_interval": 100, "max_interval": 50}])
def test_nonsense_settings_are_refused(kw):
    with pytest.raises(ValueError):
        delay(**kw)


# -- parsing -------------------------------------------------------------------------------


def test_http_dates_in_all_three_forms():
    expected = 1445412480.0
    assert parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT") == expected
    assert parse_http_date("Wednesday, 21-Oct-15 07:28:00 GMT") == expected
    assert parse_http_date("Wed Oct 21 07:28:00 2015") == expected
    assert parse_http_date("not a date") is None
    assert parse_http_date("Wed, 99 Oct 2015 07:28:00 GMT") is None


@pytest.mark.parametrize(
    "text, seconds",
    [("90s", 90), ("30m", 1800), ("1h", 3600), ("2d", 172800), ("1w", 604800), ("1h30m", 5400),
     (" 1.5H ", 5400), ("2h 15m", 8100)],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "text, words",
    [("", "empty"), ("10", "no unit"), ("abc", "cannot read"), ("5y", "unknown unit 'y'"), ("0s", "longer than 0"),
     ("-1h", "cannot read"), ("400d", "longer than a year"), ("1h x", "cannot read"), ("h1", "cannot read")],
)
def test_parse_duration_says_what_is_wrong(text, words):
    with pytest.raises(ValueError) as caught:
        parse_duration(text)
    assert words in str(caught.value)
    assert "90s, 30m, 1h" in str(caught.value) or words.startswith("longer")
