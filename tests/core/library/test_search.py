"""Search against a real index: words, folding, filters, marks, safety, keeping in step."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from docs import SEED
from feedreader.core.ids import aid_from_id
from feedreader.core.library.schema import SCHEMA_VERSION
from feedreader.core.library.library import Library
from feedreader.core.library.query import QueryError, parse_query, topic_query
from feedreader.core.library.search import SearchCancelled, plan, fts_string, highlighter, search
from feedreader.core.marks.bits import FLAGGED, HIDDEN, READ

NOW = datetime(2022, 3, 1, 12, 0, tzinfo=timezone.utc).timestamp()
UTC = timezone.utc
XPENG = "Carmaker Xpeng Deletes 430,000 Photos for Misuse of Facial Recognition"


def article(
    title: str,
    slug: str,
    *,
    excerpt: str = "",
    provider: str = "Example News",
    domain: str = "news.example.com",
    topics: tuple[str, ...] = (),
    quality: int | None = 50,
    published: str | None = "2021-12-15T12:20:00Z",
) -> str:
    lines = ["---", f"title: {json.dumps(title)}", f"originalUrl: https://{domain}/{slug}"]
    if excerpt:
        lines.append(f"excerpt: {json.dumps(excerpt)}")
    if published:
        lines.append(f"publishedDateTime: {published}")
    if quality is not None:
        lines.append(f"quality: {quality}")
    lines += ["provider:", f"  name: {json.dumps(provider)}", f"  domain: {domain}"]
    if topics:
        lines.append("topics:")
        lines += [f"  - {json.dumps(t)}" for t in topics]
    return "\n".join(lines + ["---", ""])


CORPUS = {
    "cafe": article("Café culture in Zürich", "cafe", excerpt="A naïve review of espresso bars.",
                    topics=("Économie", "Food"), quality=80, published="2022-02-27T08:00:00Z"),
    "decomposed": article("Cafe\u0301s reopen", "decomposed", topics=("Food",), quality=None,
                          published="2022-02-20T08:00:00Z"),
    "solid": article("Solid-state batteries: what next", "solid", excerpt="Lithium metal anodes.",
                     provider="Greenline Report", domain="greenline.example.org",
                     topics=("Batteries", "AI Ethics"), quality=30, published="2021-11-30T23:00:00Z"),
    "state": article("The state of solid fuels", "state", topics=("Energy",), quality=60,
                     published="2021-12-01T00:00:00Z"),
    "ai": article("Machine learning spots fraud", "ai", excerpt="Banks deploy models.",
                  provider="Eastbridge Markets", domain="eastbridge.example.net",
                  topics=("AI", "Finance"), quality=90, published=None),
    "quirky": article('He said "OR" and NEAR(a b) -- then DROP TABLE articles;', "quirky",
                      topics=("Computer Vision",), quality=0, published="2021-06-01T00:00:00Z"),
}


def aid_of(lib: Library, slug: str) -> int:
    for row in lib.iter_rows("newest"):
        if row.url and row.url.endswith("/" + slug):
            return row.aid
    raise KeyError(slug)


@pytest.fixture
def lib(tmp_path: Path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for slug, text in CORPUS.items():
        (folder / f"{slug}.txt").write_text(text, encoding="utf-8")
    library = Library.open(tmp_path / "cache", [folder])
    library.refresh(workers=1)
    assert library.count() == len(CORPUS) and library.problems() == []
    yield library
    library.close()


def found(lib: Library, text: str, marks=None) -> set[str]:
    result = lib.search(text, marks=marks, now=NOW, tz=UTC)
    assert result.match is not None
    slugs = {aid: slug for slug in CORPUS for aid in [aid_of(lib, slug)]}
    return {slugs[a] for a in result.match}


# --------------------------------------------------------------------------
# words and phrases


def test_empty_query_filters_nothing(lib):
    result = lib.search("   ", now=NOW)
    assert result.match is None and result.count is None and result.highlight is None


def test_words_match_word_starts_in_every_column(lib):
    assert found(lib, "zür") == {"cafe"}                 # title
    assert found(lib, "espresso") == {"cafe"}            # excerpt
    assert found(lib, "greenline") == {"solid"}          # provider name
    assert found(lib, "eastbridge.example") == {"ai"}    # domain
    assert found(lib, "financ") == {"ai"}                # topic
    assert found(lib, "ursch") == set()                  # not a word start
    assert found(lib, "ich") == set()


def test_case_and_accent_insensitive(lib):
    assert found(lib, "CAFE") == {"cafe", "decomposed"}
    assert found(lib, "cafés") == {"decomposed"}
    assert found(lib, "ZURICH naive") == {"cafe"}
    assert found(lib, "economie") == {"cafe"}
    assert found(lib, "ÉCONOMIE") == {"cafe"}


def test_phrases_are_whole_words_in_order(lib):
    assert found(lib, '"solid state"') == {"solid"}
    assert found(lib, "solid state") == {"solid", "state"}
    assert found(lib, '"solid sta"') == set()
    assert found(lib, '"solid sta"*') == {"solid"}
    assert found(lib, '"state solid"') == set()


def test_exclusions(lib):
    assert found(lib, "solid -batteries") == {"state"}
    assert found(lib, '-"solid state" solid') == {"state"}
    assert found(lib, "-cafe -solid") == {"ai", "quirky"}
    assert found(lib, "-topic:food -q<50") == {"ai", "state"}


def test_typed_fts_and_sql_syntax_is_searched_as_words(lib):
    assert found(lib, "OR") == {"quirky"}   # "or" (two letters: a whole word, not "org")
    assert found(lib, "ORG") == {"solid"}   # a word start: "org" in greenline.example.org
    assert found(lib, '"OR"') == {"quirky"}
    assert found(lib, "AND") == {"quirky"}
    assert found(lib, "NEAR(a") == {"quirky"}
    assert found(lib, '"drop table articles;"') == {"quirky"}
    assert found(lib, "'; DROP TABLE articles; --") == {"quirky"}
    assert found(lib, "^cafe") == {"cafe", "decomposed"}
    assert found(lib, '"\\"OR\\" and"') == {"quirky"}
    assert lib.count() == len(CORPUS)


# --------------------------------------------------------------------------
# filters


def test_topic_is_the_whole_name_folded(lib):
    assert found(lib, "topic:AI") == {"ai"}
    assert found(lib, "topic:ai*") == {"ai"}         # two letters: the whole name
    assert found(lib, "topic:aie*") == {"solid"}     # "AI Ethics"
    assert found(lib, 'topic:"ai ethics"') == {"solid"}
    assert found(lib, "topic:economie") == {"cafe"}
    assert found(lib, 'topic:"COMPUTER VISION"') == {"quirky"}
    assert found(lib, "topic:vision") == set()
    assert found(lib, "topic:comp*") == {"quirky"}
    assert found(lib, "-topic:food") == {"solid", "state", "ai", "quirky"}
    assert found(lib, topic_query("AI Ethics")) == {"solid"}


def test_provider_is_a_word_start_of_name_or_domain(lib):
    assert found(lib, "provider:green") == {"solid"}
    assert found(lib, 'provider:"greenline rep"') == {"solid"}
    assert found(lib, "provider:greenline.example.org") == {"solid"}
    assert found(lib, "provider:eastbridge.exa") == {"ai"}
    assert found(lib, "provider:eastbridge.ex") == set()   # "ex" is a whole word: too short to be a start
    assert found(lib, "provider:example") == set(CORPUS)
    # a provider filter does not look at titles
    assert found(lib, "provider:cafe") == set()


def test_quality_filters_and_unknown_quality(lib):
    assert found(lib, "q>50") == {"cafe", "state", "ai"}
    assert found(lib, "q>=60") == {"cafe", "state", "ai"}
    assert found(lib, "q>60") == {"cafe", "ai"}
    assert found(lib, "q<30") == {"quirky"}
    assert found(lib, "q<=30") == {"solid", "quirky"}
    assert found(lib, "quality=90") == {"ai"}
    # unknown quality never matches a comparison, so it matches its negation
    assert "decomposed" not in found(lib, "q<100") | found(lib, "q>=0")
    assert found(lib, "-q>=0") == {"decomposed"}


def test_dates_and_ages_and_unknown_dates(lib):
    assert found(lib, "since:7d") == {"cafe"}                      # 2022-02-22 12:00 on
    assert found(lib, "since:2w") == {"cafe", "decomposed"}
    assert found(lib, "since:2021-12-01") == {"cafe", "decomposed", "state"}
    assert found(lib, "before:2021-12-01") == {"solid", "quirky"}
    assert found(lib, "since:2021-12 before:2022") == {"state"}
    assert found(lib, "-since:2021") == {"ai"}                     # undated: matches the negation
    # the injected clock moves ages
    later = lib.search("since:7d", now=NOW + 30 * 86400, tz=UTC)
    assert later.match == set()


def test_is_filters_use_the_marks_given(lib):
    marks = {
        aid_of(lib, "cafe"): READ,
        aid_of(lib, "solid"): READ | FLAGGED,
        aid_of(lib, "ai"): HIDDEN,
        aid_from_id("00000000000000ff"): FLAGGED,  # a mark for an article not in this library
    }
    assert found(lib, "is:read", marks) == {"cafe", "solid"}
    assert found(lib, "is:unread", marks) == {"decomposed", "state", "ai", "quirky"}
    assert found(lib, "-is:read", marks) == found(lib, "is:unread", marks)
    assert found(lib, "-is:unread", marks) == {"cafe", "solid"}
    assert found(lib, "is:flagged", marks) == {"solid"}
    assert found(lib, "is:hidden", marks) == {"ai"}
    assert found(lib, "-is:hidden -is:flagged", marks) == set(CORPUS) - {"ai", "solid"}
    assert found(lib, "is:read is:unread", marks) == set()
    assert found(lib, "solid is:read", marks) == {"solid"}
    assert found(lib, "solid is:unread", marks) == {"state"}
    assert found(lib, "is:flagged", None) == set()
    assert found(lib, "is:unread", None) == set(CORPUS)
    assert lib.search("is:hidden", marks=marks).shows_hidden


def test_everything_combined(lib):
    marks = {aid_of(lib, "state"): READ}
    assert found(lib, "sol q>=30 since:2021-11-01 -topic:batteries is:unread", marks) == set()
    assert found(lib, "sol q>=30 since:2021-11-01 -topic:batteries -is:unread", marks) == {"state"}
    assert found(lib, 'provider:green "lithium metal" topic:aieth* before:2m q<50', marks) == {"solid"}


def test_a_bad_query_raises_query_error(lib):
    with pytest.raises(QueryError) as info:
        lib.search("topic:AI q>abc")
    assert info.value.position == 11


# --------------------------------------------------------------------------
# the known samples


def test_the_samples(tmp_path):
    with Library.open(tmp_path / "cache", [SEED.parent]) as library:
        library.refresh(workers=1)

        def titles(text: str) -> set[str]:
            result = library.search(text, now=NOW, tz=UTC)
            return {r.title for r in library.rows(list(result.match)).values()}

        assert titles("xpe") == {XPENG}
        assert titles("topic:AI xpeng") == {XPENG}
        assert titles("provider:caixin") == {XPENG}
        assert titles("caixinglobal.com") == {XPENG}
        assert XPENG not in titles("topic:AI -xpeng")
        assert len(titles("topic:AI")) == 12
        assert all("Quillon" in t for t in titles("quillon"))
        assert len(titles("quillon")) >= 3


# --------------------------------------------------------------------------
# the full-text table stays in step with the index


def fts_rows(lib: Library) -> dict[int, str]:
    return dict(lib.index.conn.execute("SELECT rowid, title FROM article_text"))


def test_full_text_rows_follow_edits_deletes_and_duplicates(lib, tmp_path):
    folder = tmp_path / "docs"
    assert fts_rows(lib) == {r.aid: r.title for r in lib.iter_rows("newest")}
    # edit: the old words go, the new ones come
    path = folder / "state.txt"
    path.write_text(CORPUS["state"].replace("The state of solid fuels", "Hydrogen kettles"), encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    # delete
    (folder / "quirky.txt").unlink()
    # duplicate: another file with the same URL, newer, wins
    dup = folder / "z-dup.txt"
    dup.write_text(CORPUS["ai"].replace("Machine learning spots fraud", "Fraud models, again"), encoding="utf-8")
    st = dup.stat()
    os.utime(dup, ns=(st.st_atime_ns, st.st_mtime_ns + 2 * 10**9))
    lib.refresh(workers=1)
    assert fts_rows(lib) == {r.aid: r.title for r in lib.iter_rows("newest")}
    assert lib.search("hydrogen kettles", now=NOW).count == 1
    assert lib.search("fuels", now=NOW).count == 0
    assert lib.search("drop", now=NOW).count == 0
    assert lib.search("machine", now=NOW).count == 0
    assert lib.search('"fraud models"', now=NOW).count == 1
    # the newer duplicate goes away: the older file's data comes back
    dup.unlink()
    lib.refresh(workers=1)
    assert fts_rows(lib) == {r.aid: r.title for r in lib.iter_rows("newest")}
    assert lib.search("machine", now=NOW).count == 1


def test_an_index_from_before_search_is_rebuilt(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(CORPUS["cafe"], encoding="utf-8")
    with Library.open(tmp_path / "cache", [folder]) as library:
        library.refresh(workers=1)
        db = library.index.db_path
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE article_text")
    conn.execute("UPDATE meta SET value=? WHERE key='schema'", (str(SCHEMA_VERSION - 1),))
    conn.commit()
    conn.close()
    with Library.open(tmp_path / "cache", [folder]) as library:
        assert library.index.notice and "rebuilt" in library.index.notice
        library.refresh(workers=1)
        assert library.search("zurich", now=NOW).count == 1


def test_parallel_indexing_fills_the_full_text_table(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(450):
        (folder / f"{i}.txt").write_text(article(f"Story number w{i}", f"s{i}", topics=("AI",)), encoding="utf-8")
    with Library.open(tmp_path / "cache", [folder]) as library:
        library.refresh(workers=2)
        assert library.search("topic:AI", now=NOW).count == 450
        assert library.search("w449", now=NOW).count == 1


# --------------------------------------------------------------------------
# safety: user text is never SQL or FTS syntax


def test_sql_text_never_contains_user_text():
    text = r"""bobby'); DROP TABLE x;-- "a\"b" -zz topic:'q' provider:"o\"k" q>5 since:7d"""
    query = parse_query(text, now=NOW, tz=UTC)
    steps = plan(query)
    assert len(steps) == 3
    for step in steps:
        for sql in (step.count, step.select, step.inverse):
            for fragment in ("bobby", "DROP", "zz", "'q'", 'o"', 'a"'):
                assert fragment not in sql
            assert sql.count("?") == len(step.params) == len(step.inverse_params) == 1
    match = steps[0].params[0]
    assert '"bobby\');"*' in match and '"DROP"*' in match and '"a""b"' in match and '"o""k"' in match
    assert fts_string('say "hi"', prefix=True) == '"say ""hi"""*'
    assert fts_string("a\x00b") == '"a b"'


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list("ab \"*:()^-+'`;ORNEAND{}.q>1topic\\é\x00")), max_size=30))
def test_any_query_either_runs_or_says_what_is_wrong(lib, text):
    try:
        result = lib.search(text, marks={}, now=NOW, tz=UTC)
    except QueryError:
        return
    assert result.match is None or result.match <= {aid_of(lib, s) for s in CORPUS}


# --------------------------------------------------------------------------
# highlighting


def spans_of(text: str, title: str) -> list[str]:
    hl = highlighter(parse_query(text, now=NOW))
    return [title[a:b] for a, b in hl(title)] if hl else []


def test_highlight_word_starts_folded():
    assert spans_of("xpe", XPENG) == ["Xpe"]
    assert spans_of("ZUR caf", "Café culture in Zürich") == ["Caf", "Zür"]
    assert spans_of("cafes", "Cafe\u0301s reopen") == ["Cafe\u0301s"]
    assert spans_of("facial photos", XPENG) == ["Photos", "Facial"]
    assert spans_of("peng", XPENG) == []


def test_highlight_phrases_and_hyphenated_words():
    assert spans_of('"solid state"', "Solid-state batteries, solid states") == ["Solid-state"]
    assert spans_of('"solid state"*', "Solid-state batteries, solid states") == ["Solid-state", "solid state"]
    assert spans_of("e-comm", "The e-commerce boom") == ["e-comm"]


def test_no_highlight_for_exclusions_and_filters():
    assert highlighter(parse_query("-xpeng topic:AI provider:caixin q>5", now=NOW)) is None
    assert spans_of("photo -xpeng", XPENG) == ["Photo"]


def test_highlight_overlapping_terms_merge():
    assert spans_of("car carma", XPENG) == ["Carma"]


# --------------------------------------------------------------------------
# Searcher: its own connection, a newer search interrupts an older one


def test_searcher_matches_search_and_closes(lib):
    searcher = lib.searcher()
    try:
        a = searcher.search("solid -batteries", now=NOW)
        b = search(lib.index.conn, "solid -batteries", now=NOW)
        assert a.match == b.match == {aid_of(lib, "state")}
    finally:
        searcher.close()
    searcher.close()  # twice is fine


def test_searcher_sees_articles_indexed_after_it_opened(lib, tmp_path):
    searcher = lib.searcher()
    try:
        before = searcher.search("-solid", now=NOW).match
        assert before == {aid_of(lib, s) for s in ("cafe", "decomposed", "ai", "quirky")}
        (tmp_path / "docs" / "new.txt").write_text(article("Brand new", "new"), encoding="utf-8")
        lib.refresh(workers=1)
        assert searcher.search("-solid", now=NOW).match == before | {aid_of(lib, "new")}
        assert searcher.search("is:unread", now=NOW).count == len(CORPUS) + 1
    finally:
        searcher.close()


def test_a_newer_search_interrupts_a_running_one(lib):
    searcher = lib.searcher()
    conn = searcher._connection()
    started = threading.Event()
    first: dict = {}

    def slow() -> int:  # holds the first search inside SQLite until the second one comes
        if not started.is_set():
            started.set()
            time.sleep(0.3)
        return 0

    conn.set_progress_handler(slow, 1)

    def run_first() -> None:
        try:
            first["result"] = searcher.search("is:unread", now=NOW)
        except SearchCancelled as exc:
            first["cancelled"] = exc

    thread = threading.Thread(target=run_first)
    thread.start()
    assert started.wait(5)
    second = searcher.search("cafe", now=NOW)
    thread.join(5)
    conn.set_progress_handler(None, 1)
    searcher.close()
    assert "cancelled" in first and "result" not in first, first
    assert second.match == {aid_of(lib, "cafe"), aid_of(lib, "decomposed")}


# --------------------------------------------------------------------------
# against a plain Python reference, for many generated queries (this drives
# both ways of reading a step: the set itself, or every other key)


def _words(text: str) -> list[str]:
    from feedreader.core.library.search import _tokens

    return [w for w, _s, _e in _tokens(text)]


def _has_run(haystack: list[str], needle: list[str], prefix: bool) -> bool:
    k = len(needle)
    prefix = prefix and len(needle[-1]) >= 3     # the README: shorter words match whole words
    for i in range(len(haystack) - k + 1):
        if haystack[i : i + k - 1] == needle[:-1] and (
            haystack[i + k - 1].startswith(needle[-1]) if prefix else haystack[i + k - 1] == needle[-1]
        ):
            return True
    return False


def reference(lib: Library, text: str, marks: dict[int, int]) -> set[int]:
    from feedreader.core.library.schema import EVERY_TOKEN
    from feedreader.core.library.query import topic_key

    query = parse_query(text, now=NOW, tz=UTC)
    out = set()
    for row in lib.iter_rows("newest"):
        art = lib.article(row.aid)
        fields = [art.title, art.excerpt, art.provider.name, art.provider.domain, "\n".join(art.topics),
                  " ".join([EVERY_TOKEN, *(topic_key(t) for t in art.topics)])]
        bits = marks.get(row.aid, 0)
        published = int(art.published.timestamp()) if art.published else None
        ok = True
        for term in query.terms:
            value = term.value
            if term.kind in ("word", "phrase"):
                hit = any(_has_run(_words(f), _words(str(value)), term.prefix) for f in fields)
            elif term.kind == "topic":
                key = topic_key(str(value))
                start = term.prefix and len(key) >= 3
                hit = any(topic_key(t).startswith(key) if start else topic_key(t) == key for t in art.topics)
            elif term.kind == "provider":
                hit = any(_has_run(_words(f), _words(str(value)), True) for f in fields[2:4])
            elif term.kind == "quality":
                q = art.quality
                hit = q is not None and {">": q > value, ">=": q >= value, "<": q < value,
                                         "<=": q <= value, "=": q == value}[term.op]
            elif term.kind == "since":
                hit = published is not None and published >= value
            elif term.kind == "before":
                hit = published is not None and published < value
            else:
                hit = {"read": bool(bits & READ), "unread": not bits & READ,
                       "flagged": bool(bits & FLAGGED), "hidden": bool(bits & HIDDEN)}[value]
            if hit == term.negated:
                ok = False
                break
        if ok:
            out.add(row.aid)
    return out


_VOCAB = ["caf", "cafe", "zurich", "solid", "state", "sol", "s", "the", "of", "fuels", "batteries", "lithium",
          "machine", "fraud", "or", "news", "example", "green", "c", "e", "a"]
_TERM = st.one_of(
    st.sampled_from(_VOCAB),
    st.sampled_from(['"solid state"', '"state of"', '"cafe culture"', '"solid sta"*', '"the state"']),
    st.sampled_from(_VOCAB).map(lambda w: "-" + w),
    st.sampled_from(["AI", "ai*", "food", '"AI Ethics"', "economie", "comp*", "e*", "energy"]).map(lambda t: "topic:" + t),
    st.sampled_from(["green", "example", "eastbridge.example.net", '"example news"', "ex"]).map(lambda p: "provider:" + p),
    st.builds(lambda op, n: f"q{op}{n}", st.sampled_from([">", ">=", "<", "<=", "="]), st.sampled_from([0, 30, 50, 60, 90, 100])),
    st.sampled_from(["since:7d", "since:2021-12-01", "before:2021-12-01", "since:2022", "before:2w"]),
    st.sampled_from(["is:read", "is:unread", "is:flagged", "is:hidden"]),
)
_QUERY = st.lists(st.tuples(st.booleans(), _TERM), min_size=1, max_size=4).map(
    lambda terms: " ".join(("-" + t if neg and not t.startswith("-") else t) for neg, t in terms)
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_QUERY)
def test_results_equal_a_plain_python_reference(lib, text):
    marks = {aid_of(lib, "cafe"): READ, aid_of(lib, "solid"): READ | FLAGGED, aid_of(lib, "ai"): HIDDEN,
             aid_from_id("00000000000000ff"): READ | FLAGGED | HIDDEN}
    expected = reference(lib, text, marks)
    assert lib.search(text, marks=marks, now=NOW, tz=UTC).match == expected
    searcher = lib.searcher()
    try:
        assert searcher.search(text, marks=marks, now=NOW, tz=UTC).match == expected
    finally:
        searcher.close()
