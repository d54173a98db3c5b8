from __future__ import annotations

from feedreader.core.stories.features import (
    StoryInput, entities_of, extract, numbers_of, sketch_similarity, stem, terms_of,
)


def test_numbers_are_read_with_their_scale_and_units():
    same = numbers_of("$1.2bn") + numbers_of("1.2 billion dollars") + numbers_of("$1,200 million")
    assert len(set(same)) == 1
    assert numbers_of("12 percent") == numbers_of("12%") == numbers_of("12 per cent") == ["p:12"]
    assert numbers_of("430,000 cars") == ["n:430000"]
    assert numbers_of("in 2021, 3 cars") == []             # years and small bare numbers say nothing
    assert numbers_of("5 m") == []                         # five metres, not five million
    assert numbers_of("$5m") == ["n:5e+06"]


def test_entities_are_capitalised_words_but_not_sentence_starters():
    found = entities_of("Shares of Northwind Motors rose. The offer is above Lumen's price, said Dana Whitcombe.")
    assert found == ["northwind", "motors", "lumen", "dana", "whitcombe"]
    assert entities_of("Northwind said on Monday") == ["northwind", "monday"]


def test_a_title_case_headline_lends_only_the_names_the_text_capitalises():
    f = extract(StoryInput(1, "a", "Carmaker Xpeng Deletes 430,000 Photos for Misuse of Facial Recognition",
                           "Chinese electric-vehicle startup Xpeng said the photos were deleted."))
    assert "xpeng" in f.entities and "chinese" in f.entities
    assert "delet" not in f.entities and "photo" not in f.entities and "carmaker" not in f.entities
    assert "n:430000" in f.numbers


def test_terms_are_stemmed_and_stopwords_dropped():
    assert terms_of("The company is recalling vehicles; recalls were recalled") == [
        "company", "recall", "vehicl", "recall", "recall"]
    assert stem("companies") == "company"


def test_the_sketch_estimates_shingle_overlap():
    a = extract(StoryInput(1, "a", "Northwind recalls cars", "A brake sensor can fail in the cold, the company said on Monday."))
    b = extract(StoryInput(2, "b", "Northwind recalls cars", "A brake sensor can fail in the cold, the company told reporters on Monday."))
    c = extract(StoryInput(3, "c", "Lumen raises money", "Investors put cash into a biotech firm in Leeds."))
    assert sketch_similarity(a.sketch, a.sketch) == 1.0
    assert 0.4 < sketch_similarity(a.sketch, b.sketch) < 1.0
    assert sketch_similarity(a.sketch, c.sketch) == 0.0


def test_links_are_canonical_and_exclude_the_article_itself():
    f = extract(StoryInput(1, "https://x.example.com/a", "t", url="https://X.example.com:443/a#top",
                           related=("https://X.EXAMPLE.com/a", "https://y.example.org/b#c")))
    assert f.url == "https://x.example.com/a"
    assert f.links == ("https://y.example.org/b",)
