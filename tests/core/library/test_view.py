"""ListModel (core/library/view.py): filters, marks and search results on the samples,
checked against the same filters written out plainly."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedreader.core.library.library import Library
from feedreader.core.marks.bits import FLAGGED, HIDDEN, READ
from feedreader.core.library.view import ListModel

SEEDS = Path(__file__).resolve().parents[3] / "seeds"


@pytest.fixture
def lib(tmp_path):
    with Library.open(tmp_path / "cache", [SEEDS]) as library:
        library.refresh()
        yield library


def expected(lib: Library, model: ListModel, keep=lambda aid: True) -> list[int]:
    out = []
    for aid in lib.order(model.order):
        bits = model.marks.get(aid, 0)
        if bits & HIDDEN and not model.show_hidden:
            continue
        if model.unread_only and bits & READ:
            continue
        if model.flagged_only and not bits & FLAGGED:
            continue
        if keep(aid):
            out.append(aid)
    return out


def test_a_search_matching_most_articles_filters_by_what_it_leaves_out(lib):
    model = ListModel(lib)
    model.rebuild()
    everything = list(model.keys)
    result = lib.search("-ev")              # "ev" is a whole word in a few titles
    assert result.exclude is not None and result.include is None
    assert 0 < len(result.exclude) < len(everything) // 2
    assert result.count == len(everything) - len(result.exclude) == len(result.match)
    model.set_search(result)
    model.rebuild()
    assert model.keys == [a for a in everything if a not in result.exclude]
    assert set(model.keys) == result.match
    narrow = lib.search("ev")
    assert narrow.exclude is None and narrow.include == result.exclude
    model.set_search(narrow)
    model.rebuild()
    assert set(model.keys) == result.exclude
    model.set_search(None)
    model.rebuild()
    assert model.keys == everything


def test_marks_changed_one_by_one_filter_like_marks_replaced(lib):
    model = ListModel(lib)
    order = lib.order("newest")
    model.replace_marks({order[0]: READ, order[1]: HIDDEN, order[2]: FLAGGED | READ})
    model.unread_only = True
    model.rebuild()                         # the mark sets are computed here ...
    assert model.keys == expected(lib, model)
    model.set_flags(order[3], READ)         # ... and kept up to date from now on
    model.set_flags(order[0], 0)
    model.set_flags(order[1], FLAGGED)
    for unread_only, flagged_only, show_hidden in [(True, False, False), (False, True, False),
                                                   (False, False, True), (False, False, False)]:
        model.unread_only, model.flagged_only, model.show_hidden = unread_only, flagged_only, show_hidden
        model.rebuild()
        assert model.keys == expected(lib, model)
    fresh = ListModel(lib)
    fresh.replace_marks(dict(model.marks))
    fresh.rebuild()
    assert fresh.keys == model.keys
    assert model.unread == sum(1 for a in model.keys if not model.marks.get(a, 0) & READ)


def test_a_search_for_unread_uses_the_marks(lib):
    model = ListModel(lib)
    order = lib.order("newest")
    marks = {order[0]: READ, order[1]: READ, order[2]: HIDDEN}
    model.replace_marks(marks)
    result = lib.search("-is:read", marks=marks)
    model.set_search(result)
    model.rebuild()
    assert model.keys == expected(lib, model, lambda aid: not marks.get(aid, 0) & READ)


@pytest.mark.parametrize("limit", [0, 10**9])
def test_positions_without_a_map_of_every_key_are_the_positions(lib, monkeypatch, limit):
    """Above POSITION_MAP_LIMIT keys (1,000,000 articles) index_of looks near the last
    painted row, then scans; first_listed finds the nearest listed candidate in one pass."""
    from feedreader.core.library import view

    monkeypatch.setattr(view, "POSITION_MAP_LIMIT", limit)
    monkeypatch.setattr(view, "NEAR", 3)
    model = ListModel(lib)
    model.rebuild()
    keys = list(model.keys)
    assert len(keys) > 20
    model.row_at(len(keys) - 1)      # the "cursor" at the end: every other look-up misses the window
    for position, aid in enumerate(keys):
        assert model.index_of(aid) == position
    assert model.index_of(12345) is None
    assert (model._positions is None) == (limit == 0)
    # every other article read, unread only: the nearest listed article after one that went
    for aid in keys[::2]:
        model.set_flags(aid, READ)
    model.unread_only = True
    model.rebuild()
    assert model.keys == keys[1::2]
    assert model.first_listed(keys[4:9]) == model.keys.index(keys[5])
    assert model.first_listed(keys[4:5]) is None
    assert model.first_listed([]) is None


def test_the_unread_count_after_sort_switches_and_marks_is_a_fresh_count(lib):
    """The unfiltered list's unread count comes from each order's mark bytes, kept
    across sort switches and brought up to date as marks change (``_MarkBytes``):
    it must equal a count made from scratch every time."""
    model = ListModel(lib)
    keys = list(lib.order("newest"))

    def fresh() -> int:
        again = ListModel(lib, model.order)
        again.replace_marks(dict(model.marks))
        again.show_hidden = model.show_hidden
        again.rebuild()
        return again.unread

    for aid in keys[::3]:
        model.set_flags(aid, READ)
    model.rebuild()
    steps = [("order", "best"), ("read", keys[1]), ("order", "ranked"), ("unread", keys[0]),
             ("hide", keys[2]), ("order", "newest"), ("read", keys[2]), ("show_hidden", True),
             ("read", keys[4]), ("unread_only", True), ("read", keys[5]), ("unread_only", False),
             ("unhide", keys[2]), ("order", "best")]
    for what, value in steps:
        if what == "order":
            model.order = value
            model.rebuild()
        elif what in ("show_hidden", "unread_only"):
            setattr(model, what, value)
            model.rebuild()
        else:
            bits = {"read": READ, "unread": 0, "hide": HIDDEN | (model.flags(value) & READ),
                    "unhide": model.flags(value) & READ}[what]
            model.set_flags(value, bits)
            model.rebuild()     # as the app does when it re-filters (the kept count is used)
        assert model.unread == fresh(), (what, value)
    kept = {name: marked.bits for name, marked in model._bytes.items()}
    assert kept    # bytes kept ...
    for order in ("newest", "best", "ranked"):
        model.order = order
        model.set_flags(keys[7], model.flags(keys[7]) ^ READ)
        model.rebuild()
        assert model.unread == fresh(), order
    assert all(model._bytes[name].bits is bits for name, bits in kept.items())   # ... changed in place


def test_a_sort_switch_counts_with_the_bytes_it_has(lib):
    """Every order at one index generation holds the same articles: the unfiltered
    unread count of a new order comes from the bytes of another (none made for it)."""
    model = ListModel(lib)
    keys = list(lib.order("newest"))
    for aid in keys[::4]:
        model.set_flags(aid, READ)
    model.rebuild()
    assert set(model._bytes) == {"newest"}
    model.set_flags(keys[1], READ)              # pending in newest's bytes
    model.order = "best"
    model.rebuild()
    assert set(model._bytes) == {"newest"}
    assert model.unread == len(keys) - len(keys[::4]) - 1


def test_many_marks_at_once_make_the_bytes_again(lib, monkeypatch):
    """More changed marks than ``PENDING_SCAN`` since the bytes were made: made again
    from the marks (the same result as one by one)."""
    from feedreader.core.library import view

    monkeypatch.setattr(view, "PENDING_SCAN", 2)
    model = ListModel(lib)
    keys = list(lib.order("newest"))
    model.set_flags(keys[0], READ)
    model.unread_only = True
    model.rebuild()
    assert keys[0] not in model.keys
    for aid in keys[1:6]:
        model.set_flags(aid, READ | FLAGGED)
    model.set_flags(keys[0], 0)
    model.rebuild()
    assert model.keys == expected(lib, model)
    model.unread_only, model.flagged_only = False, True
    model.rebuild()
    assert model.keys == keys[1:6] and model.unread == 0      # flagged, and read
    model.set_flags(keys[9], FLAGGED)
    model.rebuild()
    assert model.keys == [*keys[1:6], keys[9]] and model.unread == 1


def test_a_large_library_without_its_order_at_hand_lists_the_head_first(lib, monkeypatch):
    """``partial``: a rebuild lists the order's first HEAD_ROWS keys from SQL when the
    order is neither cached nor saved at the index's generation; once it is, the whole."""
    from feedreader.core.library import view

    monkeypatch.setattr(view, "HEAD_ABOVE", 0)
    monkeypatch.setattr(view, "HEAD_ROWS", 3)
    model = ListModel(lib)
    assert not lib.order_ready("newest")
    model.rebuild()
    assert model.partial and model.total == lib.count()
    everything = lib.order("newest")          # (the worker's read)
    assert model.keys == everything[:3] and lib.head("newest", 3) == everything[:3]
    assert lib.order_ready("newest")
    model.rebuild()
    assert not model.partial and model.keys == everything and model.total == len(everything)
    model.order = "best"                      # a first switch to an order: its head too
    model.rebuild()
    assert model.partial and model.keys == lib.head("best", 3)
    lib.order("best")
    model.rebuild()
    assert not model.partial and model.keys == lib.order("best")
    assert lib.head("ranked", 5) == lib.order("ranked")[:5]


def test_an_order_saved_at_the_generation_is_at_hand(lib, tmp_path, monkeypatch):
    from feedreader.core.library import view

    monkeypatch.setattr(view, "HEAD_ABOVE", 0)
    everything = lib.order("newest")
    lib.close()                               # saves the orders read
    with Library.open(tmp_path / "cache", [SEEDS]) as again:
        assert again.order_ready("newest") and not again.order_ready("best")
        model = ListModel(again)
        model.rebuild()
        assert not model.partial and model.keys == everything


def test_the_ranked_head_is_the_ranked_order_s_start(lib):
    """``Library.head("ranked")`` reads a range of recent articles (orders.ranked_head_since):
    the same keys as the start of the whole ranked order, for every length."""
    from feedreader.core.library.orders import ranked_head_since

    ranked = lib.order("ranked")
    lib.invalidate()                          # (head reads SQL, not the cached order)
    assert ranked_head_since(lib.index.conn, 3) is not None     # the bound is used on the samples
    for limit in (1, 2, 3, 5, 8, len(ranked) // 2, len(ranked), len(ranked) + 5):
        assert lib.head("ranked", limit) == ranked[:limit], limit
