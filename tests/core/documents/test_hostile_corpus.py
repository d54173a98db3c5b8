"""Every file of tests/hostile/corpus through load_document, with both YAML backends.

For each file: the expectation in tests/hostile/expected.json holds (loads or
not, the problem text, chosen fields). For every article that loads: every
string reachable in it except ``secured`` is clean for the terminal, and
every checked URL passes ``check_url``.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

import pytest

from feedreader.core.documents import safeyaml
from feedreader.core.documents.parse import load_document
from feedreader.core.model import Article, Image, Provider, Related
from feedreader.core.text import check_url, is_clean

HOSTILE = Path(__file__).resolve().parents[2] / "hostile"
CORPUS = HOSTILE / "corpus"
EXPECTED: dict[str, dict[str, Any]] = json.loads((HOSTILE / "expected.json").read_text("utf-8"))
MULTILINE_FIELDS = {"excerpt", "body"}
CHECKED_URL_FIELDS = {(Article, "url"), (Image, "url"), (Related, "url"), (Related, "amp_url")}

# "fast": as shipped (fastyaml first); the others walk every document's events
BACKENDS = ["fast", "libyaml", "pure"] if safeyaml.HAVE_LIBYAML else ["fast", "pure"]


@pytest.fixture(params=BACKENDS)
def backend(request, monkeypatch) -> str:
    from feedreader.core.documents import fastyaml

    if request.param != "fast":
        monkeypatch.setattr(fastyaml, "load_simple", lambda text, first_line=1: None)
    if request.param == "pure":
        monkeypatch.setattr(safeyaml, "HAVE_LIBYAML", False)
    return request.param


def test_corpus_is_big_enough_and_matches_expectations() -> None:
    files = {p.name for p in CORPUS.iterdir()}
    assert files == set(EXPECTED), "rerun tests/hostile/make_corpus.py"
    assert len(files) >= 45
    assert sum(1 for e in EXPECTED.values() if not e["loads"]) >= 20
    assert sum(1 for e in EXPECTED.values() if e["loads"]) >= 20


def walk_strings(obj: Any, field: str = "") -> Iterator[tuple[str, str, type | None, str]]:
    """(dotted path, last field name, owner class, value) for every str in obj."""
    if isinstance(obj, str):
        yield field, field.rsplit(".", 1)[-1], None, obj
    elif isinstance(obj, (tuple, list)):
        for i, item in enumerate(obj):
            yield from walk_strings(item, f"{field}.{i}")
    elif dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            if f.name == "secured":
                continue
            value = getattr(obj, f.name)
            path = f"{field}.{f.name}" if field else f.name
            if isinstance(value, str):
                yield path, f.name, type(obj), value
            else:
                yield from walk_strings(value, path)


def get_field(article: Article, dotted: str) -> Any:
    want_len = dotted.endswith("_len")
    if want_len:
        dotted = dotted[: -len("_len")]
    value: Any = article
    for part in dotted.split("."):
        value = value[int(part)] if part.isdigit() else getattr(value, part)
    if want_len:
        return len(value)
    return normalise(value)


def normalise(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return [normalise(v) for v in value]
    if isinstance(value, Provider):
        return {"name": value.name, "domain": value.domain}
    return value


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_file(name: str, backend: str) -> None:
    expect = dict(EXPECTED[name])
    if backend == "pure":
        expect.update(expect.pop("pure", {}))
    expect.pop("pure", None)
    path = CORPUS / name
    article, problems = load_document(path)
    messages = [p.message for p in problems]

    # every problem is for a person: names the file, is clean, one line
    for p in problems:
        assert p.path == str(path)
        assert is_clean(p.message), repr(p.message)
        assert len(p.message) < 400
        assert p.severity == ("warning" if article is not None else "error")
        if p.line is not None:
            assert p.message.startswith(f"line {p.line}:") or f"line {p.line}" in p.message

    assert (article is not None) == expect["loads"], messages
    if not expect["loads"]:
        assert len(problems) == 1
    contains = expect.get("problem_contains")
    if contains:
        assert any(contains in m for m in messages), messages
    if expect.get("no_problems"):
        assert problems == (), messages
    if article is None:
        return

    assert article.warnings == tuple(messages)
    if "title" in expect:
        assert article.title == expect["title"]
    if "url" in expect:
        assert article.url == expect["url"]
    for dotted, value in expect.get("field", {}).items():
        assert get_field(article, dotted) == value, dotted

    # nothing that reaches the terminal can act on it
    for dotted, last, _owner, value in walk_strings(article):
        assert is_clean(value, multiline=last in MULTILINE_FIELDS), (dotted, value[:80])

    # every checked URL is openable; nothing else is
    def urls(obj: Any) -> Iterator[str | None]:
        if isinstance(obj, (tuple, list)):
            for item in obj:
                yield from urls(item)
        elif dataclasses.is_dataclass(obj):
            for f in dataclasses.fields(obj):
                value = getattr(obj, f.name)
                if (type(obj), f.name) in CHECKED_URL_FIELDS:
                    yield value
                elif isinstance(value, (tuple, list)) or dataclasses.is_dataclass(value):
                    yield from urls(value)

    for url in urls(article):
        assert url is None or check_url(url) == url

    # the opaque blob never leaks into anything shown
    if article.secured:
        shown = repr(article) + "\n".join(messages)
        assert article.secured not in shown


def test_fuzz_target_accepts_the_corpus() -> None:
    """The fuzz target's contract check holds on every corpus file (and keeps working)."""
    import runpy

    fuzz = runpy.run_path(str(Path(__file__).resolve().parents[3] / "fuzz" / "fuzz_parser.py"),
                          run_name="fuzz_parser")
    for data in fuzz["seed_inputs"]():
        fuzz["check_one"](data)
