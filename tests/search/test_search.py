"""Search behaves the same on SQLite and PostgreSQL: `make test` runs this file on both."""

import pytest
from django.urls import reverse

from articles import search
from articles.models import Article

from ..factories import index_now, make_story

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
    # Whether the index is behind the change log, the page's stories, their bodies for
    # snippets, the names of the entity facets and of the source facet: counting,
    # ranking, facets and highlighting are the index's.
    index_now()
    with django_assert_num_queries(5):
        get(client, q="politics")
    for n in range(25):
        make_story(f"Politics story {n}", f"Politics and more politics number {n}.")
    index_now()
    with django_assert_num_queries(5):
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


def test_the_parser_reads_the_query_language_once():
    parsed = search.parse('oil OR gas "prime minister" -labour tax*')
    assert [[str(term) for term in group] for group in parsed.groups] == [
        ["oil", "gas"],
        ['"prime minister"'],
        ["tax*"],
    ]
    assert [str(term) for term in parsed.excluded] == ["labour"]
    # Common words go when others are there, and stay when they are all there is.
    assert search.parse("the bank of england").positive_words == ["bank", "england"]
    assert search.parse("The Who").positive_words == ["the", "who"]


def test_stop_words_alone_still_search(client, db):
    make_story("The Who play again", "The band The Who played its old songs.")
    make_story("Budget", "The budget was set.")
    assert titles(get(client, q="The Who")) == ["The Who play again"]
