"""OR, groups, and the feed:/folder:/author:/link:/score: filters against a real index."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedreader.core.library.library import Library
from feedreader.core.library.query import Group, QueryError, Term, parse_query
from feedreader.core.marks.bits import FLAGGED, HIDDEN, READ

NOW = datetime(2022, 3, 1, 12, 0, tzinfo=timezone.utc).timestamp()
UTC = timezone.utc


def doc(title: str, url: str, *, author: str = "", quality: int | None = 50, topics=(), excerpt: str = "") -> str:
    lines = ["---", f"title: {json.dumps(title)}", f"originalUrl: {url}", "publishedDateTime: 2022-02-01T00:00:00Z",
             "provider:", "  name: Example", "  domain: example.com"]
    if quality is not None:
        lines.append(f"quality: {quality}")
    if author:
        lines.append(f"author: {json.dumps(author)}")
    if excerpt:
        lines.append(f"excerpt: {json.dumps(excerpt)}")
    if topics:
        lines += ["topics:", *(f"  - {json.dumps(t)}" for t in topics)]
    return "\n".join(lines + ["---", ""])


FILES = {
    "docs/a.txt": doc("Lunar lander returns", "https://space.example.com/lander", author="Ann Smith",
                      topics=("Space",), quality=80),
    "docs/b.txt": doc("Privacy bill passes", "https://gov.example.org/privacy", topics=("AI",), quality=40),
    "docs/c.txt": doc("AI regulation stalls", "https://gov.example.org/ai-rules", topics=("AI",), quality=None,
                      author="Bo Smithers"),
    "feeds/1/x.txt": doc("Chip maker grows", "https://chips.example.net/grows", author="Cy Jones", quality=None),
    "feeds/1/y.txt": doc("Lunar chips", "https://chips.example.net/lunar", quality=None),
    "feeds/2/z.txt": doc("Privacy in space", "https://news.example.com/space-privacy", topics=("AI",), quality=10),
}


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("or")
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture(scope="module")
def lib(root, tmp_path_factory):
    library = Library.open(tmp_path_factory.mktemp("cache"), [root / "docs", root / "feeds"])
    library.refresh(workers=1)
    yield library
    library.close()


def names(lib: Library, root: Path, text: str, **kw) -> set[str]:
    result = lib.search(text, now=NOW, tz=UTC, **kw)
    paths = {row.aid: row.path for row in lib.iter_rows("newest")}
    return {str(Path(paths[a]).relative_to(root.resolve())) for a in result.match} if result.match is not None else {"*"}


def scopes_for(root: Path):
    feeds = {"chips": [str(root.resolve() / "feeds" / "1") + "/"], "news": [str(root.resolve() / "feeds" / "2") + "/"]}
    folders = {"tech": feeds["chips"] + feeds["news"], "docs": [str(root.resolve() / "docs") + "/"], "empty": []}

    def scopes(kind: str, name: str):
        return (feeds if kind == "feed" else folders).get(name.lower())

    return scopes


def test_or_and_groups(lib, root):
    assert names(lib, root, "topic:AI (regulation OR \"privacy bill\")") == {"docs/b.txt", "docs/c.txt"}
    assert names(lib, root, "lunar OR chip") == {"docs/a.txt", "feeds/1/x.txt", "feeds/1/y.txt"}
    assert names(lib, root, "lunar OR q>70") == {"docs/a.txt", "feeds/1/y.txt"}
    assert names(lib, root, "-(lunar OR privacy)") == {"docs/c.txt", "feeds/1/x.txt"}
    assert names(lib, root, "privacy -(space OR q<20)") == {"docs/b.txt"}
    assert names(lib, root, "q<20 OR q>70") == {"docs/a.txt", "feeds/2/z.txt"}


def test_author_and_link(lib, root):
    assert names(lib, root, "author:smith") == {"docs/a.txt", "docs/c.txt"}      # word starts: Smithers too
    assert names(lib, root, 'author:"ann smith"') == {"docs/a.txt"}
    assert names(lib, root, "smith") == {"docs/a.txt", "docs/c.txt"}             # words are searched in authors
    assert names(lib, root, "link:GOV.example.org") == {"docs/b.txt", "docs/c.txt"}
    assert names(lib, root, "link:/lunar") == {"feeds/1/y.txt"}
    assert names(lib, root, "link:%") == set() and names(lib, root, "link:_") == set()   # no wildcards
    assert names(lib, root, "link:ai-rules") == {"docs/c.txt"}
    assert names(lib, root, "-link:example.org -link:example.net") == {"docs/a.txt", "feeds/2/z.txt"}


def test_score_is_the_quality_until_scored(lib, root):
    assert names(lib, root, "score>=40") == {"docs/a.txt", "docs/b.txt"}
    assert names(lib, root, "-score>=40") == {"docs/c.txt", "feeds/1/x.txt", "feeds/1/y.txt", "feeds/2/z.txt"}


def test_feed_and_folder_through_the_callers_scopes(lib, root):
    scopes = scopes_for(root)
    assert names(lib, root, "feed:chips", scopes=scopes) == {"feeds/1/x.txt", "feeds/1/y.txt"}
    assert names(lib, root, "folder:tech -feed:chips", scopes=scopes) == {"feeds/2/z.txt"}
    assert names(lib, root, "folder:docs lunar OR feed:news", scopes=scopes) == {"docs/a.txt", "feeds/2/z.txt"}
    assert names(lib, root, "folder:empty", scopes=scopes) == set()
    assert names(lib, root, "-folder:empty lunar", scopes=scopes) == {"docs/a.txt", "feeds/1/y.txt"}
    with pytest.raises(QueryError) as info:
        lib.search("lunar feed:nope", scopes=scopes)
    assert info.value.message == "feed: there is no feed called 'nope'" and (info.value.position, info.value.end) == (6, 15)


def test_folder_of_a_document_source_by_its_name_without_scopes(lib, root):
    assert names(lib, root, "folder:docs") == {"docs/a.txt", "docs/b.txt", "docs/c.txt"}
    assert names(lib, root, "folder:DOCS lunar") == {"docs/a.txt"}
    with pytest.raises(QueryError) as info:
        lib.search("feed:chips")
    assert info.value.message == "feed: there is no feed called 'chips'"


# --------------------------------------------------------------------------
# a tree's result is its leaves' results combined (each leaf is a flat query,
# which test_search.py checks against a plain Python reference)

_LEAVES = ["lunar", "chip", "privacy", "space", "topic:AI", "q>30", "q<20", "author:smith", "link:gov",
           "is:read", "is:flagged", "feed:chips", "folder:tech", "since:2022-01-01", "score>45", '"privacy bill"']
_NODE = st.recursive(
    st.sampled_from(_LEAVES) | st.sampled_from(_LEAVES).map(lambda t: "-" + t),
    lambda inner: st.tuples(st.lists(inner, min_size=2, max_size=3), st.sampled_from([" ", " OR "]), st.booleans())
    .map(lambda x: ("-" if x[2] else "") + "(" + x[1].join(x[0]) + ")"),
    max_leaves=6,
)


def _combine(node, leaf_sets, every):
    if isinstance(node, Term):
        return leaf_sets[(node.start, node.end)]
    sets = [_combine(c, leaf_sets, every) for c in node.children]
    out = set.intersection(*sets) if node.op == "and" else set.union(*sets)
    return every - out if node.negated else out


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_NODE, min_size=1, max_size=3).map(" ".join))
def test_trees_equal_their_leaves_combined(lib, root, text):
    scopes = scopes_for(root)
    rows = list(lib.iter_rows("newest"))
    every = {r.aid for r in rows}
    marks = {rows[0].aid: READ, rows[1].aid: READ | FLAGGED, rows[2].aid: HIDDEN, 12345: READ | FLAGGED}
    query = parse_query(text, now=NOW, tz=UTC)
    leaf_sets = {}
    for term in query.terms:
        bare = term.raw[1:] if term.negated else term.raw
        found = lib.search(bare, marks=marks, now=NOW, tz=UTC, scopes=scopes).match
        found = every if found is None else found
        leaf_sets[(term.start, term.end)] = every - found if term.negated else found
    tree = query.tree if query.tree is not None else Group("and", query.terms)
    expected = _combine(tree, leaf_sets, every)
    assert lib.search(query, marks=marks, scopes=scopes).match == expected
    searcher = lib.searcher()
    try:
        assert searcher.search(text, marks=marks, now=NOW, tz=UTC, scopes=scopes).match == expected
    finally:
        searcher.close()
