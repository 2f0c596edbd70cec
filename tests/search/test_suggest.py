"""/search/suggest.json: what the search box offers as the reader types."""

import pytest
from django.urls import reverse

from articles.models import Entity, EntityAlias

from ..factories import make_story

pytestmark = pytest.mark.django_db

URL = reverse("articles:suggest")


@pytest.fixture
def entities():
    people = [("Tony Blair", "person"), ("Labour", "organization")]
    make_story("Blair wins", "Tony Blair won.", entities=people)
    make_story("Blair again", "Tony Blair again.", entities=people)
    make_story("Blair thrice", "Tony Blair, third.", entities=[("Tony Blair", "person")])
    make_story("Blairgowrie fair", "A fair in Blairgowrie.", entities=[("Blairgowrie", "place")])
    make_story("Lionel", "Lionel Blair danced.", entities=[("Lionel Blair", "person")])
    make_story("Assad", "Bashar al-Assad spoke.", entities=[("Bashar al-Assad", "person")])
    EntityAlias.objects.create(entity=Entity.objects.get(name="Bashar al-Assad"), name="Assad")


def results(client, **params) -> list[dict]:
    response = client.get(URL, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()["results"]


def test_word_starts_come_first_then_the_most_written_about(client, entities):
    names = [r["name"] for r in results(client, q="blair")]
    # "Blairgowrie" and Tony Blair start a word with "blair"; Tony has more stories.
    assert names == ["Tony Blair", "Blairgowrie", "Lionel Blair"]


def test_a_result_names_its_kind_and_page(client, entities):
    assert results(client, q="Tony")[0] == {
        "name": "Tony Blair",
        "kind": "person",
        "url": "/people/tony-blair/",
    }


def test_inside_a_word_matches_after_word_starts(client, entities):
    make_story("Labourer", "A farm labourer.", entities=[("Farmlabour Union", "organization")])
    assert [r["name"] for r in results(client, q="labour")] == ["Labour", "Farmlabour Union"]


def test_aliases_match_too(client, entities):
    assert [r["name"] for r in results(client, q="assad")] == ["Bashar al-Assad"]
    EntityAlias.objects.create(entity=Entity.objects.get(name="Tony Blair"), name="PM")
    assert [r["name"] for r in results(client, q="pm")] == ["Tony Blair"]


def test_at_most_eight(client, db):
    for n in range(10):
        make_story(f"Smith {n}", f"Smith number {n}.", entities=[(f"Smith {n}", "person")])
    assert len(results(client, q="smith")) == 8


def test_entities_only_in_hidden_stories_are_not_offered(client, entities):
    from articles.models import Article

    Article.objects.filter(title="Lionel").update(is_public=False)
    assert "Lionel Blair" not in [r["name"] for r in results(client, q="blair")]


def test_one_query_however_many_match(client, entities, django_assert_num_queries):
    with django_assert_num_queries(1):
        results(client, q="a")


@pytest.mark.parametrize("q", ["", "   ", None])
def test_nothing_typed_is_no_results_and_no_query(client, db, django_assert_num_queries, q):
    with django_assert_num_queries(0):
        assert results(client, **({} if q is None else {"q": q})) == []


def test_spaces_are_collapsed(client, entities):
    assert [r["name"] for r in results(client, q="  tony    blair ")] == ["Tony Blair"]


@pytest.mark.parametrize(
    "q",
    [
        "%",
        "_",
        "\\",
        "' OR 1=1 --",
        '"; DROP TABLE articles_entity; --',
        "Blair\u200b",
        "\u202eriaB",
        "🗞️",
        "x" * 100,
        "<script>alert(1)</script>",
    ],
)
def test_odd_input_is_empty_not_an_error(client, entities, q):
    assert results(client, q=q) == []


@pytest.mark.parametrize(
    "query_string",
    [
        "q=Blair%00",
        "q=" + "x" * 101,
        "q=" + "x" * 10_000,
    ],
)
def test_bad_input_is_a_400_in_json(client, entities, query_string):
    response = client.get(f"{URL}?{query_string}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "q" in response.json()["errors"]


@pytest.mark.parametrize("query_string", ["q=%FF%FE", "q=%ED%A0%80", "q=a&q=b", "q[]=x"])
def test_malformed_query_strings_never_500(client, entities, query_string):
    response = client.get(f"{URL}?{query_string}")
    assert response.status_code == 200
    assert isinstance(response.json()["results"], list)


def test_get_only(client, db):
    assert client.post(URL, {"q": "blair"}).status_code == 405
