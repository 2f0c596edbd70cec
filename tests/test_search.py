"""Search behaves the same on SQLite and PostgreSQL: `make test` runs this file on both."""

import pytest
from django.urls import reverse

from articles import search
from articles.models import Article

from .factories import make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive():
    return {
        "blair": make_story(
            "Blair defends election timing",
            "Tony Blair said the general election would be fought on the economy.\n\n"
            "The prime minister spoke in London.",
            entities=[("Tony Blair", "person"), ("London", "place")],
            topics=["Politics"],
            published="2005-04-05",
        ),
        "brown": make_story(
            "Brown sets out budget plans",
            "Gordon Brown, the chancellor, promised economic stability and lower taxes.",
            entities=[("Gordon Brown", "person"), ("Tony Blair", "person")],
            topics=["Politics"],
            published="2005-03-16",
        ),
        "oil": make_story(
            "Oil prices rise on supply fears",
            "Crude oil prices climbed as OPEC met in Vienna. Gas prices also rose.",
            entities=[("OPEC", "organization"), ("Vienna", "place")],
            topics=["Business"],
            source="Reuters",
            published="1987-02-26",
        ),
        "terror": make_story(
            "Terrorism laws debated",
            "MPs debated terrorist detention. The home secretary defended the plans.",
            topics=["Politics"],
            published=None,
        ),
    }


def titles(response) -> list[str]:
    return [story.title for story in response.context["stories"]]


def get(client, **params):
    response = client.get(reverse("articles:search"), params)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Blair", {"blair", "brown"}),  # Brown's story names Blair as an entity
        ("election economy", {"blair"}),  # every word must match
        ('"prime minister"', {"blair"}),
        ('"minister prime"', set()),
        ("oil OR taxes", {"oil", "brown"}),
        ("politics -brown", {"blair", "terror"}),
        ("terror*", {"terror"}),
        ("prices", {"oil"}),  # stemming: price/prices
        ("zebra", set()),
    ],
)
def test_websearch_syntax(client, archive, q, expected):
    found = set(titles(get(client, q=q)))
    assert found == {archive[key].title for key in expected}


@pytest.mark.parametrize(
    "q",
    [
        '"',
        "OR",
        "-",
        "***",
        "((",
        "a AND",
        "'; DROP TABLE articles_article; --",
        "\\",
        "NEAR(",
        "x" * 600,
        "é😀",
    ],
)
def test_unparseable_input_never_errors(client, archive, q):
    get(client, q=q)
    assert Article.objects.count() == 4


def test_title_matches_rank_first(client, archive):
    found = titles(get(client, q="blair"))
    assert found[0] == archive["blair"].title


def test_sort_orders(client, archive):
    assert titles(get(client, q="politics", sort="newest"))[:2] == [
        archive["blair"].title,
        archive["brown"].title,
    ]
    oldest = titles(get(client, q="politics", sort="oldest"))
    assert oldest[0] == archive["brown"].title
    assert oldest[-1] == archive["terror"].title  # undated last


def test_snippets_highlight_and_escape(client, db):
    make_story("Markup story", "The <script>alert('x')</script> budget & a <b>bold</b> claim.")
    html = get(client, q="budget").content.decode()
    assert "<mark>budget</mark>" in html
    assert "<script>alert" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<b>bold</b>" not in html


def test_entity_filters_combine_with_and(client, archive):
    assert set(titles(get(client, person="tony-blair"))) == {
        archive["blair"].title,
        archive["brown"].title,
    }
    assert titles(get(client, person=["tony-blair", "gordon-brown"])) == [archive["brown"].title]
    assert titles(get(client, person="tony-blair", q="london")) == [archive["blair"].title]


def test_source_year_and_date_filters(client, archive):
    assert titles(get(client, source="reuters")) == [archive["oil"].title]
    assert set(titles(get(client, year="2005"))) == {archive["blair"].title, archive["brown"].title}
    assert titles(get(client, **{"from": "2005-04-01"})) == [archive["blair"].title]
    assert titles(get(client, to="2000-01-01")) == [archive["oil"].title]
    assert titles(get(client, has_date="false")) == [archive["terror"].title]


@pytest.mark.parametrize(
    "params",
    [
        {"person": "nobody"},
        {"from": "2005-13-45"},
        {"to": "yesterday"},
        {"sort": "bogus"},
        {"year": "-5"},
        {"year": "99999999999999999999"},
        {"has_date": "maybe"},
        {"source": "../../etc/passwd"},
        {"q": "a\x00b"},
    ],
)
def test_invalid_values_are_form_errors_not_500(client, archive, params):
    response = get(client, **params)
    assert response.context["form"].errors


def test_facets_count_the_filtered_results(client, archive):
    response = get(client, q="politics")
    facets = {key: values for key, label, values, more in response.context["facets"]}
    assert {v["name"]: v["count"] for v in facets["person"]} == {"Tony Blair": 2, "Gordon Brown": 1}
    assert {v["name"]: v["count"] for v in facets["topic"]} == {"Politics": 3}
    assert {v["name"]: v["count"] for v in facets["year"]} == {"2005": 2}
    html = response.content.decode()
    assert "?q=politics&amp;person=tony-blair" in html


def test_restated_query_has_removable_chips(client, archive):
    response = get(client, q="blair", person="tony-blair", source="bbc", year="2005")
    text = " ".join(response.content.decode().split())
    assert 'mentioning <span class="chip-value">‘blair’</span>' in text
    assert 'about person <span class="chip-value">Tony Blair</span>' in text
    chips = response.context["chips"]
    assert [chip.key for chip in chips] == ["q", "person", "source", "year"]
    assert "?person=tony-blair&amp;source=bbc&amp;year=2005" in text  # remove q


def test_no_results_suggests_near_misses_and_dropping_filters(client, archive):
    response = get(client, q="Tony Blaer")
    assert "Tony Blair" in response.context["suggestions"]
    response = get(client, q="oil", person="tony-blair")
    html = response.content.decode()
    assert "Try removing a filter" in html


def test_hidden_stories_never_match(client, archive):
    archive["oil"].is_public = False
    archive["oil"].save()
    assert titles(get(client, q="oil")) == []
    response = get(client, q="prices OR politics")
    facets = {key: values for key, label, values, more in response.context["facets"]}
    assert "Reuters" not in {v["name"] for v in facets.get("source", [])}


def test_search_page_query_count_is_constant(client, archive, django_assert_num_queries):
    from django.db import connection

    # Count (PostgreSQL first asks the planner for an estimate), the newest matches,
    # their ranking, the page, two facet queries (entities; sources and years), snippets.
    expected = 7 + (connection.vendor == "postgresql")
    with django_assert_num_queries(expected) as first:
        get(client, q="politics")
    for n in range(25):
        make_story(f"Politics story {n}", f"Politics and more politics number {n}.")
    with django_assert_num_queries(len(first.captured_queries)):
        get(client, q="politics", page="2")


def test_pagination_keeps_query_and_past_the_end_is_404(client, db):
    for n in range(25):
        make_story(f"Budget story {n}", f"Budget number {n}.")
    html = get(client, q="budget").content.decode()
    assert "?q=budget&amp;page=2" in html
    assert client.get(reverse("articles:search"), {"q": "budget", "page": 9}).status_code == 404


def test_more_facet_page(client, archive):
    response = client.get(reverse("articles:facet", args=["person"]), {"q": "politics"})
    assert response.status_code == 200
    assert [v["name"] for v in response.context["values"]] == ["Tony Blair", "Gordon Brown"]
    assert client.get(reverse("articles:facet", args=["bogus"])).status_code == 404


def test_parser_compiles_the_same_query_for_both_engines():
    parsed = search.parse('oil OR gas "prime minister" -labour tax*')
    assert search.to_fts5(parsed.groups) == '("oil" OR "gas") AND "prime minister" AND "tax" *'
    assert (
        search.to_tsquery(parsed.groups) == "('oil' | 'gas') & ('prime' <-> 'minister') & 'tax':*"
    )
    assert [str(t) for t in parsed.excluded] == ["labour"]


def test_broad_results_are_ranked_and_faceted_within_a_cap(client, archive, monkeypatch):
    from articles.views import SearchView

    monkeypatch.setattr(SearchView, "CAP", 2)
    response = get(client, q="politics")
    assert response.context["result_count"] == 3
    assert response.context["ranked_cap"]
    assert len(response.context["stories"]) == 2  # the two newest, ranked
    assert "relevance ranking covers the 2 most recent" in response.content.decode()
    facets = {key: values for key, label, values, more in response.context["facets"]}
    assert {v["name"]: v["count"] for v in facets["topic"]} == {"Politics": 2}
    by_date = get(client, q="politics", sort="newest")
    assert len(by_date.context["stories"]) == 3  # a date sort pages through every match


QUERIES = [
    "politics", "prices", "blair OR oil", '"prime minister"', "pric*", "politics -budget",
    "election economy", "nothing-matches-this",
]  # fmt: skip


@pytest.mark.parametrize("q", QUERIES)
def test_the_fast_match_count_agrees_with_counting_stories(archive, q):
    from articles.models import Article
    from articles.services import article_set_public

    article_set_public(article=archive["brown"], is_public=False)  # hidden: never counted
    expected = Article.objects.published().search(q).count()
    assert Article.objects.public_match_count(q) == (expected, False)
    assert Article.objects.published().matching(q).count() == expected


@pytest.mark.parametrize("q", QUERIES)
def test_ranking_the_candidates_agrees_with_ranking_in_sql(archive, q):
    from articles.models import Article

    for n in range(6):  # ties: equal stories on different days
        make_story(f"Politics brief {n}", "Politics today.", published=f"2004-01-0{n + 1}")
    expected = list(
        Article.objects.published().search(q).by_relevance().values_list("pk", flat=True)
    )
    newest = list(Article.objects.published().matching(q).most_recent_ids(1000))
    assert Article.objects.ranked_ids(q, newest) == expected


def test_the_newest_candidates_are_newest_first_undated_last(archive):
    from articles.models import Article

    expected = [archive["blair"].pk, archive["brown"].pk, archive["terror"].pk]
    for walk in (False, True):  # found by primary key, or by walking the newest-first index
        matches = Article.objects.published().matching("politics", walk_newest=walk)
        assert list(matches.most_recent_ids(10)) == expected
        assert list(matches.most_recent_ids(2)) == expected[:2]


def test_ranked_pages_fetch_only_their_stories(client, db, monkeypatch, django_assert_num_queries):
    from articles.views import SearchView

    for n in range(30):
        make_story(f"Budget story {n}", "Budget " * (n + 1) + "and more.", published="2005-01-01")
    monkeypatch.setattr(SearchView, "CAP", 25)
    first, second = get(client, q="budget"), get(client, q="budget", page=2)
    assert first.context["ranked_cap"]
    shown = titles(first) + titles(second)
    assert len(shown) == len(set(shown)) == 25
    from articles.models import Article

    newest = Article.objects.published().matching("budget").most_recent_ids(25)
    ranked = Article.objects.published().search("budget").filter(pk__in=list(newest))
    assert shown == [story.title for story in ranked.by_relevance()]


def test_a_broad_query_may_be_estimated_and_says_so(client, archive, monkeypatch):
    """PostgreSQL estimates a count above the threshold (SQLite counts exactly, cheaply)."""
    from django.db import connection

    from articles.models import Article
    from articles.views import SearchView

    count, estimated = Article.objects.public_match_count("politics", estimate_above=0)
    assert estimated == (connection.vendor == "postgresql")
    if not estimated:
        assert count == 3
    monkeypatch.setattr(SearchView, "ESTIMATE_ABOVE", 0)
    monkeypatch.setattr(SearchView, "CAP", 1)
    html = get(client, q="politics").content.decode()
    assert ("About <strong>" in html) == estimated
    by_date = get(client, q="politics", sort="newest")
    assert by_date.context["result_count"] == 3 and not by_date.context["estimated"]


def test_estimates_are_rounded_to_two_figures():
    from articles.querysets import _round_estimate

    assert [_round_estimate(n) for n in (7, 42, 999, 33417, 5051)] == [7, 42, 1000, 33000, 5100]


def test_postgresql_keeps_a_long_storys_search_vector_in_its_row():
    """Reading a vector from the TOAST table cost a lookup per story walked or ranked."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's column storage; SQLite keeps its index in FTS5")
    words = " ".join(f"word{n} shares{n} ledger{n}." for n in range(400))
    story = make_story("A long story", words)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_size(search_vector), (SELECT attstorage FROM pg_attribute "
            "WHERE attrelid = 'articles_article'::regclass "
            "AND attname = 'search_vector') FROM articles_article WHERE id = %s",
            [story.pk],
        )
        size, storage = cursor.fetchone()
    assert storage == "m"  # MAIN: compressed in the row, moved out only as a last resort
    assert size > 2000  # long enough that the default storage would have moved it out
