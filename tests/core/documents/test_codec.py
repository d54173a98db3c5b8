"""Article <-> dict round trips."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from feedreader.core.documents.codec import (
    article_from_dict,
    article_to_dict,
    datetime_from_iso,
    datetime_to_iso,
)
from feedreader.core.documents.parse import load_document
from feedreader.core.model import Article, Image, Provider, Related

SEED = Path(__file__).resolve().parents[3] / "seeds" / "000_17b63d52bf50f52a.txt"
UTC = timezone.utc


def seed() -> Article:
    article, _ = load_document(SEED)
    assert article is not None
    return article


def test_seed_round_trips_through_json() -> None:
    a = seed()
    d = article_to_dict(a, include_secured=True)
    back = article_from_dict(json.loads(json.dumps(d)))
    assert back == a
    assert back.secured == a.secured


def test_secured_is_left_out_by_default() -> None:
    a = seed()
    d = article_to_dict(a)
    assert "secured" not in d
    assert a.secured is not None and a.secured not in json.dumps(d)
    assert article_from_dict(d) == replace(a, secured=None)


def test_shape_is_json_friendly() -> None:
    d = article_to_dict(seed())
    assert d["published"] == "2021-12-15T12:20:00Z"
    assert d["related"][0]["published"] == "2021-12-15T08:27:00Z"
    assert d["topics"] == ["Computer Vision", "AI"]
    assert d["provider"] == {"name": "Caixin Global", "domain": "caixinglobal.com"}
    assert d["images"][0]["width"] == 560 and d["images"][0]["is_cached"] is True
    assert json.loads(json.dumps(d)) == d


def test_minimal_and_odd_articles_round_trip() -> None:
    odd = Article(
        id="0" * 16,
        identity="doc:abc",
        path="/p/ä.txt",
        published=datetime(1, 1, 1, tzinfo=UTC),
        quality=0,
        heat=0,
        published_flag=True,
        images=(Image(url=None, raw_url="javascript:x"),),
        related=(Related(title="r", provider=None, published=datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
                 Related(provider=Provider("n", "d"), images=(Image(url="https://i.example/"),))),
        warnings=("line 3: something",),
        secured="",
    )
    for a in (Article(id="1" * 16, identity="x", path="p"), odd):
        assert article_from_dict(json.loads(json.dumps(article_to_dict(a, include_secured=True)))) == a


def test_datetime_helpers() -> None:
    plus2 = timezone(timedelta(hours=2))
    assert datetime_to_iso(datetime(2021, 12, 15, 14, 20, tzinfo=plus2)) == "2021-12-15T12:20:00Z"
    assert datetime_to_iso(datetime(2021, 12, 15, 12, 20, 0, 5)) == "2021-12-15T12:20:00.000005Z"
    assert datetime_to_iso(None) is None
    assert datetime_from_iso("2021-12-15T12:20:00Z") == datetime(2021, 12, 15, 12, 20, tzinfo=UTC)
    assert datetime_from_iso("2021-12-15T12:20:00Z").tzinfo is UTC
    assert datetime_from_iso(None) is None
