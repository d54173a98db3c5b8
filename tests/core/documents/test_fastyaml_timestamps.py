"""The fast path's UTC timestamps (``2021-11-06T13:05:00Z``, read by
``datetime.fromisoformat``) are the datetimes the fields would make of
them one by one, and the event walker's; the same impossible ones are
BadTimestamp."""

from __future__ import annotations

import itertools
from datetime import datetime, timezone

import pytest
from test_fastyaml import same

from feedreader.core.documents import fastyaml
from feedreader.core.documents.fastyaml import load_simple
from feedreader.core.documents.safeyaml import load_events
from feedreader.core.documents.yamlnodes import BadTimestamp

YEARS = ["0000", "0001", "1970", "2000", "2021", "2024", "9999"]
MONTHS = ["00", "01", "02", "04", "12", "13", "99"]
DAYS = ["00", "01", "28", "29", "30", "31", "32"]
HOURS = ["00", "09", "23", "24", "25"]
MINUTES = ["00", "59", "60"]
SECONDS = ["00", "59", "60", "61"]


def by_fields(text: str) -> datetime | None:
    try:
        return datetime(int(text[:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]),
                        int(text[14:16]), int(text[17:19]), tzinfo=timezone.utc)
    except ValueError:
        return None


def test_every_field_at_its_edges() -> None:
    checked = impossible = 0
    for y, mo, d, h, mi, s in itertools.product(YEARS, MONTHS, DAYS, HOURS, MINUTES, SECONDS):
        text = f"{y}-{mo}-{d}T{h}:{mi}:{s}Z"
        want = by_fields(text)
        got = fastyaml._number_or_time(text)
        if want is None:
            assert isinstance(got, BadTimestamp) and got.text == text, text
            impossible += 1
        else:
            assert type(got) is datetime and got == want and got.tzinfo is timezone.utc, text
        checked += 1
    assert impossible and checked - impossible          # both kinds were met


@pytest.mark.parametrize("text", [
    "2021-11-06T13:05:00Z", "2024-02-29T23:59:59Z", "2023-02-29T10:00:00Z", "2021-11-06T24:00:00Z",
    "0000-01-01T00:00:00Z", "2021-11-06T13:05:60Z",
])
def test_the_walker_loads_the_same(text: str) -> None:
    front = f"publishedDateTime: {text}\nrelated:\n  - publishedDateTime: {text}\n"
    fastyaml._scalar_of.cache_clear()
    fast = load_simple(front, 2)
    assert fast is not None and same(fast, load_events(front, 2))
