"""StoryIndex: the time window, providers, the chaining guard, incremental
updates against the batch result, removals, stable ids, the store."""

from __future__ import annotations

import random

import pytest

from feedreader.core.stories import StoryIndex, StoryInput
from feedreader.core.stories.cluster import average_link
from feedreader.core.stories.score import Rarity
from feedreader.core.stories.store import StoryStore
from feedreader.core.stories.tables import saved_postings
from tests.core.stories.labelled import load_set, measure

H = 3600.0
T0 = 1_650_000_000.0


def article(aid: int, provider: str, hours: float, title: str, excerpt: str, **kw) -> StoryInput:
    return StoryInput(aid, f"https://{provider}/{aid}", title, excerpt, provider=provider,
                      published=T0 + hours * H, url=f"https://{provider}/{aid}", **kw)


TAKEOVER = ("Northwind Motors to buy Lumen Biosciences for $1.2 billion",
            "Northwind Motors said on Monday it would acquire Lumen Biosciences for $1.2 billion in cash. "
            "The offer is 31% above the last closing price, said Dana Whitcombe.")
REWRITE = ("Lumen agrees to $1.2bn takeover by Northwind",
           "Lumen Biosciences has agreed to be bought by Northwind in an all-cash deal valued at $1.2bn, "
           "a premium of 31 percent. Whitcombe called it a chance to grow faster.")


def test_a_copy_and_a_rewrite_from_other_providers_join():
    index = StoryIndex()
    index.update([article(1, "a.example.com", 0, *TAKEOVER), article(2, "b.example.org", 3, *TAKEOVER),
                  article(3, "c.example.net", 6, *REWRITE)])
    assert index.groups() == [(1, 2, 3)]


def test_the_time_window_keeps_a_repeat_apart():
    index = StoryIndex()
    index.update([article(1, "a.example.com", 0, *TAKEOVER), article(2, "b.example.org", 71, *TAKEOVER),
                  article(3, "c.example.net", 200, *TAKEOVER)])
    assert index.groups() == [(1, 2)]


def test_the_same_provider_twice_is_not_coverage_unless_a_near_copy():
    index = StoryIndex()
    index.update([article(1, "a.example.com", 0, *TAKEOVER), article(2, "a.example.com", 2, *REWRITE)])
    assert index.groups() == []
    index.update([article(3, "a.example.com", 3, "UPDATE 1-" + TAKEOVER[0], TAKEOVER[1])])
    assert index.groups() == [(1, 3)]


def test_a_related_link_counts():
    plain = ("Lumen deal", "Northwind buys Lumen.")
    index = StoryIndex()
    index.update([article(1, "a.example.com", 0, *plain),
                  article(2, "b.example.org", 1, "Northwind and Lumen", "Lumen goes to Northwind.",
                          related=("https://a.example.com/1",))])
    assert index.groups() == [(1, 2)]


def test_average_link_does_not_chain():
    # a-b-c-d in a line, each link strong, but a and d (and a-c, b-d) unlinked:
    # single link would make one group of four
    links = {1: {2: 0.9}, 2: {1: 0.9, 3: 0.9}, 3: {2: 0.9, 4: 0.9}, 4: {3: 0.9}}
    groups = average_link([1, 2, 3, 4], lambda n: links[n], merge=0.5)
    assert groups == [[1, 2], [3, 4]]
    # two tight triangles joined by one loose pair stay two
    tri = {1: {2: .8, 3: .8}, 2: {1: .8, 3: .8}, 3: {1: .8, 2: .8, 4: .4},
           4: {3: .4, 5: .8, 6: .8}, 5: {4: .8, 6: .8}, 6: {4: .8, 5: .8}}
    assert average_link([1, 2, 3, 4, 5, 6], lambda n: tri[n], merge=0.3) == [[1, 2, 3], [4, 5, 6]]
    # and a group may not span more than max_span
    pair = {1: {2: 0.9}, 2: {1: 0.9}}
    times = {1: 0.0, 2: 100.0}
    assert average_link([1, 2], lambda n: pair[n], 0.5, times.get, max_span=50) == [[1], [2]]


def _whole_set_rarity(inputs):
    whole = StoryIndex()
    whole.update(inputs)
    return Rarity(whole.document_frequencies(), len(whole))


def test_incremental_updates_give_the_batch_result():
    """With the same rarity weights, any order and any batch size give the batch groups."""
    inputs, _ = load_set()
    rarity = _whole_set_rarity(inputs)
    batch = StoryIndex(rarity=rarity)
    batch.update(inputs)
    for seed, step in ((1, 50), (2, 1), (3, 7)):
        shuffled = list(inputs)
        random.Random(seed).shuffle(shuffled)
        index = StoryIndex(rarity=rarity)
        for start in range(0, len(shuffled), step):
            index.update(shuffled[start : start + step])
        assert index.groups() == batch.groups()
        assert {s.id for s in index.stories()} == {s.id for s in batch.stories()}


def _agrees_and_is_accurate(index, batch, truth, what: str, agreement_f1: float) -> None:
    """``index`` agrees with ``batch`` (taken as the truth) to ``agreement_f1`` B-cubed, and meets
    the accuracy targets on the labels."""
    as_truth = {aid: str(g) for g in batch.groups() for aid in g}
    as_truth.update({aid: f"alone {aid}" for aid in truth if aid not in as_truth})
    agreement = measure(index.groups(), as_truth)
    print(f"\n{what}: {agreement}")
    assert agreement.bcubed_f1 >= agreement_f1
    m = measure(index.groups(), truth)
    assert m.pair_precision >= 0.9 and m.bcubed_f1 >= 0.85


def test_the_drift_of_the_rarity_weights_changes_little():
    """With the weights of the collection as it grows (the default), an
    incremental run one article at a time agrees with the batch run on
    almost every pair, and is as accurate."""
    inputs, truth = load_set()
    batch = StoryIndex()
    batch.update(inputs)
    shuffled = list(inputs)
    random.Random(4).shuffle(shuffled)
    index = StoryIndex()
    for item in shuffled:
        index.update([item])
    _agrees_and_is_accurate(index, batch, truth, "incremental (one at a time) against batch", 0.98)


def test_removing_and_changing_articles_regroups_only_what_they_touch():
    inputs, _ = load_set()
    index = StoryIndex()
    index.update(inputs)
    story = max(index.stories(), key=lambda s: s.size)
    first, rest = story.members[0], story.members[1:]
    changes = index.update(removed=[first])
    assert story.id in changes.gone                   # the id came from the earliest article
    after = index.story_of(rest[0])
    assert after is not None and set(after.members) <= set(rest) and after.id in changes.changed
    again = StoryIndex()
    again.update([i for i in inputs if i.aid != first])
    assert index.groups() == again.groups()
    # putting it back gives the old story, with its old id
    back = index.update([i for i in inputs if i.aid == first])
    assert story.id in back.changed and index.story_of(first) == story


def test_story_ids_are_stable_across_runs():
    inputs, _ = load_set()
    a, b = StoryIndex(), StoryIndex()
    a.update(inputs)
    b.update(list(reversed(inputs)))
    assert [s.id for s in a.stories()] == [s.id for s in b.stories()]
    assert all(len(s.id) == 16 for s in a.stories())


def test_the_store_saves_and_loads_the_index_and_then_only_changes(tmp_path):
    inputs, _ = load_set()
    index = StoryIndex()
    index.update(inputs[:300])
    path = tmp_path / "x.stories.db"
    with StoryStore(path) as store:
        assert store.load() is None
        assert store.save(index) == 300
    with StoryStore(path) as store:
        loaded = store.load()
        assert loaded is not None and loaded.groups() == index.groups()
        loaded.update(inputs[300:])
        written = store.save(loaded)
        assert 0 < written < len(inputs)
        assert store.versions().keys() == {i.aid for i in inputs}
    with StoryStore(path) as store:
        final = store.load()
        assert final is not None
        final_links = final.links
    same = StoryIndex()
    same.update(inputs[:300])
    same.update(inputs[300:])
    assert final.groups() == same.groups()      # (the stories are in memory: the file is closed)
    assert final_links == same.links


def test_a_damaged_store_is_started_afresh(tmp_path):
    path = tmp_path / "x.stories.db"
    path.write_bytes(b"not a database" * 100)
    with StoryStore(path) as store:
        assert store.load() is None
        index = StoryIndex()
        index.update([article(1, "a.example.com", 0, *TAKEOVER), article(2, "b.example.org", 1, *TAKEOVER)])
        store.save(index)
    with StoryStore(path) as store:
        loaded = store.load()
    assert loaded is not None and loaded.groups() == [(1, 2)]


def test_a_part_too_big_to_regroup_whole_is_regrouped_around_the_change():
    """Above ``regroup_limit`` a connected part is regrouped only around the
    touched articles (their links and those articles' groups): the result is
    close to the batch one and as accurate. A limit of 2 forces that path for
    every part of the labelled set."""
    inputs, truth = load_set()
    batch = StoryIndex()
    batch.update(inputs)
    shuffled = list(inputs)
    random.Random(6).shuffle(shuffled)
    index = StoryIndex(regroup_limit=2)
    for start in range(0, len(shuffled), 10):
        index.update(shuffled[start : start + 10])
    _agrees_and_is_accurate(index, batch, truth, "regrouped around the changes against batch", 0.95)
    # every article is in at most one group, and a group's members say so
    seen = [aid for group in index.groups() for aid in group]
    assert len(seen) == len(set(seen))
    assert all(index.story_of(aid) is not None and aid in index.story_of(aid).members for aid in seen)


def test_the_fast_score_of_prepared_articles_is_the_score():
    from itertools import combinations

    from feedreader.core.stories import extract
    from feedreader.core.stories.records import pack
    from feedreader.core.stories.score import DEFAULT_WEIGHTS, fast_score, link_score_of, score

    inputs, _ = load_set()
    features = [extract(i) for i in inputs[:120]]
    rarity = _whole_set_rarity(inputs)

    def prepared(f):
        record = pack(f)
        return rarity.prepared(record.aid, record.published, record.data)

    linked = 0
    for a, b in combinations(features, 2):
        expected = score(a, b, rarity)
        fast = fast_score(prepared(a), prepared(b))
        assert abs(fast - expected) < 1e-9, (a.aid, b.aid)
        # what linking scores with: the same number at the edge or above, else none
        assert link_score_of(prepared(a), prepared(b)) == (fast if fast >= DEFAULT_WEIGHTS.edge else 0.0)
        linked += expected >= 0.3
    assert linked > 50          # the pairs compared include many that link


@pytest.mark.parametrize("per_job", [1, 4])
def test_a_first_grouping_on_two_processes_gives_the_one_process_result(tmp_path, monkeypatch, per_job):
    """The time order cut into slices (linking.plan: one a process, or several so that a
    slice's result held in the app is small), each compared on a worker from the story
    file: the same links, postings and groups as in one process."""
    from feedreader.core.stories import index as index_module

    inputs, truth = load_set()
    one = StoryIndex()
    one.update(inputs)
    monkeypatch.setattr(index_module, "PARALLEL", 50)
    monkeypatch.setattr(index_module, "SLICES_PER_JOB", per_job)
    made: list[int] = []
    real_plan = index_module.plan

    def counted(*args):
        slices = real_plan(*args)
        made.append(len(slices))
        return slices

    monkeypatch.setattr(index_module, "plan", counted)
    with StoryStore(tmp_path / "x.stories.db") as store:
        two = store.index(jobs=2)
        changes = two.update(inputs)
        assert made[0] == 2 if per_job == 1 else made[0] > 2     # (4: more slices than processes)
        assert two.groups() == one.groups() and two.links == one.links
        assert changes.scored_pairs > 0
        assert {s.id for s in two.stories()} == {s.id for s in one.stories()}
        def postings(conn):
            return saved_postings(conn)

        assert postings(store.conn) == postings(one.conn)
        # and the next update (in this process) reads those postings
        more = [article(10**9 + 1, "z.example.net", 0, *TAKEOVER)]
        assert two.update(more).scored_pairs >= 0
        assert not store.conn.execute("SELECT * FROM unfinished").fetchall()


def test_a_story_file_left_in_the_middle_of_an_update_is_started_afresh(tmp_path):
    path = tmp_path / "x.stories.db"
    with StoryStore(path) as store:
        index = store.index()
        index.update([article(1, "a.example.com", 0, *TAKEOVER), article(2, "b.example.org", 1, *TAKEOVER)])
        assert index.groups() == [(1, 2)]
        store.conn.execute("INSERT INTO unfinished VALUES(0)")
    with StoryStore(path) as store:
        again = store.index()
        assert len(again) == 0 and again.groups() == [] and store.versions() == {}


def test_changed_and_removed_articles_leave_the_saved_postings(tmp_path):
    """The postings saved for each time bucket are those of the records the bucket
    holds after articles were changed (another date: another bucket) and removed."""
    from feedreader.core.stories.records import candidate_keys, unpack

    inputs, _ = load_set()
    path = tmp_path / "x.stories.db"
    with StoryStore(path) as store:
        store.index().update(inputs)
    gone = [i.aid for i in inputs[::5]]
    changed = [StoryInput(i.aid, i.identity, "Unrelated " + i.title[::-1], "", provider=i.provider,
                          published=(i.published or 0) + 30 * 24 * H) for i in inputs[1::7]]
    with StoryStore(path) as store:
        index = store.index()
        index.update(changed, removed=gone)
        expected: dict[int, dict[int, set[int]]] = {}
        for aid, bucket, data in store.conn.execute("SELECT aid, bucket, data FROM features"):
            for key, _ in candidate_keys(unpack(data)):
                expected.setdefault(bucket, {}).setdefault(key, set()).add(aid)
        saved = {bucket: {key: set(aids) for key, aids in postings.items()}
                 for bucket, postings in saved_postings(store.conn).items() if postings}
        assert saved == expected
        back = {c.aid for c in changed}          # removed and given again: there
        assert len(index) == len({i.aid for i in inputs} - set(gone) | back)
        assert not (set(gone) - back) & {aid for group in index.groups() for aid in group}


def _expected_postings(conn):
    from feedreader.core.stories.records import candidate_keys, unpack

    expected: dict[int, dict[int, set[int]]] = {}
    for aid, bucket, data in conn.execute("SELECT aid, bucket, data FROM features"):
        for key, _ in candidate_keys(unpack(data)):
            expected.setdefault(bucket, {}).setdefault(key, set()).add(aid)
    return expected


def _saved_as_sets(conn):
    return {bucket: {key: set(aids) for key, aids in postings.items()}
            for bucket, postings in saved_postings(conn).items() if postings}


def test_a_few_new_articles_are_noted_beside_the_saved_postings_then_written_into_them(tmp_path):
    """A small update adds its articles to a bucket's saved postings as ``posting_extra`` rows
    (the blob is not written again); past EXTRA_LIMIT of them the blob is rewritten with them;
    an unreadable blob is made again. The groups are the batch's all along."""
    from feedreader.core.stories.tables import EXTRA_LIMIT

    inputs, _ = load_set()
    rarity = _whole_set_rarity(inputs)
    batch = StoryIndex(rarity=rarity)
    batch.update(inputs)
    ordered = sorted(inputs, key=lambda i: i.aid)
    first, rest = ordered[: len(ordered) - 30], ordered[len(ordered) - 30 :]
    path = tmp_path / "x.stories.db"
    with StoryStore(path) as store:
        index = StoryIndex(rarity=rarity, conn=store.conn)
        index.update(first)
        assert not store.conn.execute("SELECT * FROM posting_extra").fetchall()
        blobs = dict(store.conn.execute("SELECT bucket, data FROM postings"))
        for item in rest:
            index.update([item])
        extra = store.conn.execute("SELECT bucket, aid FROM posting_extra").fetchall()
        assert {aid for _, aid in extra} == {i.aid for i in rest}
        assert {b for b, _ in extra} <= blobs.keys()
        assert dict(store.conn.execute("SELECT bucket, data FROM postings")) == blobs   # not rewritten
        assert _saved_as_sets(store.conn) == _expected_postings(store.conn)
        assert index.groups() == batch.groups()
        # one bucket given more than EXTRA_LIMIT articles, one at a time: its blob takes them in
        bucket, aid = extra[0]
        base = next(i for i in rest if i.aid == aid)
        for n in range(EXTRA_LIMIT + 2):
            index.update([StoryInput(10**9 + n, f"https://x.example.com/{n}", f"Filler {n} wombat",
                                     provider="x.example.com", published=base.published)])
        left = store.conn.execute("SELECT count(*) FROM posting_extra WHERE bucket = ?", (bucket,)).fetchone()[0]
        assert left <= EXTRA_LIMIT
        assert dict(store.conn.execute("SELECT bucket, data FROM postings"))[bucket] != blobs[bucket]
        assert _saved_as_sets(store.conn) == _expected_postings(store.conn)
        # an unreadable blob is made again from the records
        store.conn.execute("UPDATE postings SET data = x'0102' WHERE bucket = ?", (bucket,))
        index.update([StoryInput(2 * 10**9, "https://y.example.com/1", "Filler wombat again",
                                 provider="y.example.com", published=base.published)])
        assert _saved_as_sets(store.conn) == _expected_postings(store.conn)
        assert index.groups() == batch.groups()       # the fillers join nothing
