"""The words a "more like this" search asks for: chosen the same way in every process."""

import math

from articles.search.backends.tantivy_backend import LIKE_TERMS, like_terms


def test_the_rarest_and_most_repeated_words_come_first_and_ties_go_by_field_and_word():
    counts = {("body", "harbour"): 3, ("body", "quay"): 1, ("title", "quay"): 1, ("body", "a"): 9}
    held = {"harbour": 4, "quay": 2, "a": 90}
    terms = like_terms(counts, lambda field, term: held[term], num_docs=100)
    assert [(field, term) for _, field, term in terms] == [
        ("body", "harbour"),
        ("body", "quay"),
        ("title", "quay"),
        ("body", "a"),  # nine times, but in nine stories of ten
    ]
    idf = math.log(1 + (100 - 4 + 0.5) / (4 + 0.5))
    assert math.isclose(terms[0][0], 3 * idf)


def test_at_most_the_limit_and_ties_are_broken_alike_whatever_the_order_given():
    words = [f"w{n:03d}" for n in range(3 * LIKE_TERMS)]  # all tie
    forward = like_terms({("body", w): 1 for w in words}, lambda f, t: 5, num_docs=1000)
    backward = like_terms({("body", w): 1 for w in reversed(words)}, lambda f, t: 5, num_docs=1000)
    assert len(forward) == LIKE_TERMS
    assert forward == backward
    assert [term for _, _, term in forward] == words[:LIKE_TERMS]


def test_a_word_of_one_story_or_of_more_stories_than_are_live_is_left_out():
    counts = {("body", "only-here"): 5, ("body", "stale"): 5, ("body", "kept"): 1}
    held = {"only-here": 1, "stale": 120, "kept": 3}
    terms = like_terms(counts, lambda field, term: held[term], num_docs=100)
    assert [term for _, _, term in terms] == ["kept"]
