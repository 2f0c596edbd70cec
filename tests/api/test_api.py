"""The JSON API: every response is checked against the OpenAPI document it serves."""

from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from jsonschema import Draft202012Validator, FormatChecker

from articles import api, openapi
from articles.models import Article
from articles.openapi import SCHEMA

from ..factories import index_now, make_story

pytestmark = pytest.mark.django_db


def check(response, path: str, status: int = 200) -> dict | list:
    """The response has `status` and matches what the schema promises for it."""
    assert response.status_code == status, response.content
    # The schema documents the content type, or this lookup fails.
    documented = SCHEMA["paths"][path]["get"]["responses"][str(status)]["content"]
    content_type = response["Content-Type"].split(";")[0]
    schema = documented[content_type]["schema"]
    data = response.json()
    Draft202012Validator({**SCHEMA, **schema}).validate(data)
    return data


def stories(client, **params) -> dict:
    return check(client.get("/api/stories/", params), "/api/stories/")


def titles(data: dict) -> list[str]:
    return [story["title"] for story in data["results"]]


def test_schema_is_served_and_valid(client):
    response = client.get(reverse("articles:api-schema"))
    assert response.status_code == 200
    assert response.json() == SCHEMA
    for schema in SCHEMA["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    # Every route the API serves is documented.
    for url in ["/api/", "/api/stories/", "/api/entities/", "/api/suggest/", "/api/schema.json"]:
        assert url in SCHEMA["paths"]


def test_story_list_is_the_public_archive_newest_first(client, archive):
    data = stories(client)
    assert data["count"] == 4
    assert data["next"] is None and data["previous"] is None
    assert titles(data) == ["Blair wins third term", "Budget day", "Cocoa review", "Undated note"]
    blair = data["results"][0]
    assert blair["url"] == f"http://testserver/api/stories/{archive['blair'].pk}/"
    assert blair["html_url"] == "http://testserver" + archive["blair"].get_absolute_url()
    assert blair["original_url"] == "https://news.example/blair"
    assert blair["published_at"].startswith("2005-05-06T00:00:00")
    assert blair["source"] == {
        "name": "BBC",
        "slug": "bbc",
        "html_url": "http://testserver/sources/bbc/",
    }


@pytest.mark.parametrize(
    "params",
    [
        {"q": "Blair"},
        {"q": "budget OR showers"},
        {"person": "tony-blair"},
        {"person": ["tony-blair", "gordon-brown"]},
        {"topic": "politics", "sort": "oldest"},
        {"organization": "labour"},
        {"place": "london"},
        {"source": "reuters"},
        {"section": "politics"},
        {"from": "2004-01-01", "to": "2004-12-31"},
        {"year": "2005"},
        {"has_date": "false"},
        {"q": "secret"},
    ],
)
def test_story_list_answers_like_search(client, archive, params):
    page = client.get(reverse("articles:search"), params)
    expected = [story.title for story in page.context["stories"]]
    assert titles(stories(client, **params)) == expected
    assert "Hidden story about Tony Hidden" not in expected


def test_pages_link_to_each_other_keeping_the_query(client, archive):
    first = stories(client, topic="politics", page_size="1")
    assert first["count"] == 2
    assert first["previous"] is None
    link = urlsplit(first["next"])
    assert (link.scheme, link.netloc, link.path) == ("http", "testserver", "/api/stories/")
    assert parse_qs(link.query) == {"topic": ["politics"], "page_size": ["1"], "page": ["2"]}
    second = stories(client, **{k: v[0] for k, v in parse_qs(link.query).items()})
    assert second["next"] is None
    assert parse_qs(urlsplit(second["previous"]).query)["page"] == ["1"]
    assert titles(first) + titles(second) == ["Blair wins third term", "Budget day"]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"page": "-1"}, 400),
        ({"page": "0"}, 400),
        ({"page": "abc"}, 400),
        ({"page": "1e3"}, 400),
        ({"page": "٣"}, 400),  # an Arabic-Indic digit: int() would take it
        ({"page": "9" * 50}, 400),
        ({"page": "999"}, 404),
        ({"page_size": "0"}, 400),
        ({"page_size": "101"}, 400),
        ({"page_size": "100000"}, 400),
        ({"page_size": "-5"}, 400),
        ({"q": "x" * 100_000}, 400),
        ({"q": "Blair\x00"}, 400),
        ({"person": "nobody"}, 404),  # well formed, but no such person: not found
        ({"person": "tony\x00blair"}, 400),
        ({"source": "\x00"}, 400),
        ({"year": "99999"}, 400),
        ({"from": "yesterday"}, 400),
        ({"sort": "random"}, 400),
    ],
)
def test_hostile_story_list_parameters_are_4xx(client, archive, params, status):
    data = check(client.get("/api/stories/", params), "/api/stories/", status)
    assert data["status"] == status
    assert data["detail"]


def test_invalid_filters_say_which(client, archive):
    data = check(client.get("/api/stories/", {"person": "nobody"}), "/api/stories/", 404)
    assert list(data["errors"]) == ["person"]
    data = check(client.get("/api/stories/", {"from": "May 2005"}), "/api/stories/", 400)
    assert data["errors"] == {"from": ["Expected a date, YYYY-MM-DD, or empty."]}


def test_the_largest_page_is_allowed(client, archive):
    assert stories(client, page_size="100")["count"] == 4


def test_story_detail_has_every_field(client, archive):
    story = archive["blair"]
    data = check(client.get(f"/api/stories/{story.pk}/"), "/api/stories/{id}/")
    assert data["id"] == story.pk
    assert data["body"] == "Tony Blair won a third term for Labour."
    assert data["disclaimer"] == "For personal use only."
    assert data["copyright"] == "© BBC"
    assert data["read_time"] == {"min": 2, "max": 3}
    assert data["byline"] == "Nick Assinder"
    assert [(e["name"], e["kind"], e["salience"]) for e in data["entities"]] == [
        ("Tony Blair", "person", 1),
        ("Labour", "organization", 2),
        ("London", "place", 3),
    ]
    blair = data["entities"][0]
    assert blair["url"] == "http://testserver/api/entities/person/tony-blair/"
    assert blair["html_url"] == "http://testserver/people/tony-blair/"
    assert blair["count"] == 1
    assert [t["name"] for t in data["topics"]] == ["Politics"]
    provenance = data["provenance"]
    assert provenance["url"] == "https://news.example/blair"
    assert provenance["source_path"] == "test/Blair wins third term.txt"
    assert provenance["raw_format"] == "plain"
    assert provenance["batch_id"] is None
    assert provenance["content_hash"] == Article.objects.get(pk=story.pk).content_hash
    assert provenance["created_at"] and provenance["updated_at"]


def test_hidden_and_unknown_stories_are_json_404s(client, archive):
    for url in [f"/api/stories/{archive['hidden'].pk}/", "/api/stories/999999/"]:
        data = check(client.get(url), "/api/stories/{id}/", 404)
        assert data["status"] == 404


def entities(client, **params) -> dict:
    return check(client.get("/api/entities/", params), "/api/entities/")


def names(data: dict) -> list[str]:
    return [entity["name"] for entity in data["results"]]


def test_entities_by_story_count(client, archive):
    data = entities(client)
    # Tony Blair is in two public stories; Tony Hidden only in the hidden one.
    assert names(data)[:2] == ["Politics", "Tony Blair"]
    assert "Tony Hidden" not in names(data)
    blair = next(e for e in data["results"] if e["name"] == "Tony Blair")
    assert blair["story_count"] == 2  # the hidden story does not count


def test_entity_autocomplete(client, archive):
    assert names(entities(client, q="tony")) == ["Tony Blair"]
    assert names(entities(client, q="blair")) == ["Tony Blair"]  # inside the name
    assert names(entities(client, q="bliar")) == ["Tony Blair"]  # an alias
    assert names(entities(client, q="lon")) == ["London"]
    assert names(entities(client, q="o", kind="person")) == ["Tony Blair", "Gordon Brown"]
    # A name starting with the text comes before one merely containing it.
    assert names(entities(client, q="l"))[:2] == ["Labour", "London"]
    assert names(entities(client, q="zebra")) == []
    assert entities(client, page_size="2")["next"].endswith("page_size=2&page=2")


def test_suggestions_for_the_browser_search_box(client, archive):
    response = client.get("/api/suggest/", {"q": "to"})
    assert response["Content-Type"] == "application/x-suggestions+json"
    assert check(response, "/api/suggest/") == ["to", ["Tony Blair"]]
    assert check(client.get("/api/suggest/", {"q": "l"}), "/api/suggest/")[1][:2] == [
        "Labour",
        "London",
    ]
    assert check(client.get("/api/suggest/", {"q": "hidden"}), "/api/suggest/") == ["hidden", []]
    check(client.get("/api/suggest/", {"q": "x" * 101}), "/api/suggest/", 400)


def test_suggestions_are_capped(client, db):
    for n in range(12):
        make_story(f"Story {n}", f"Body {n}.", entities=[(f"Tony Number {n}", "person")])
    assert len(client.get("/api/suggest/", {"q": "tony"}).json()[1]) == 8


def test_entity_pages_are_small_by_default(client, archive, monkeypatch):
    assert api.API_ENTITY_PAGE_SIZE == 10
    monkeypatch.setattr(api, "API_ENTITY_PAGE_SIZE", 2)
    data = entities(client)
    assert data["count"] == 5
    assert len(data["results"]) == 2


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "people"},
        {"q": "x" * 101},
        {"q": "to\x00ny"},
        {"page_size": "51"},
        {"page": "-1"},
    ],
)
def test_hostile_entity_parameters_are_400(client, archive, params):
    check(client.get("/api/entities/", params), "/api/entities/", 400)


def test_entity_detail(client, archive):
    data = check(client.get("/api/entities/person/tony-blair/"), "/api/entities/{kind}/{slug}/")
    assert data["name"] == "Tony Blair"
    assert data["aliases"] == ["Bliar"]
    assert data["story_count"] == 2
    assert data["stories_url"] == "http://testserver/api/stories/?person=tony-blair"
    assert data["feed_url"] == "http://testserver/people/tony-blair/feed/"
    assert titles(client.get(data["stories_url"]).json()) == [
        "Blair wins third term",
        "Budget day",
    ]
    topic = check(client.get("/api/entities/topic/politics/"), "/api/entities/{kind}/{slug}/")
    assert topic["stories_url"].endswith("?topic=politics")


@pytest.mark.parametrize(
    "url",
    [
        "/api/entities/person/nobody/",
        "/api/entities/place/tony-blair/",
        "/api/entities/person/tony-hidden/",  # only a hidden story mentions him
    ],
)
def test_unknown_entities_are_404(client, archive, url):
    check(client.get(url), "/api/entities/{kind}/{slug}/", 404)


def test_a_bare_slug_redirects_to_its_kind(client, archive):
    response = client.get("/api/entities/tony-blair/")
    data = check(response, "/api/entities/{slug}/", 302)
    assert response["Location"] == "/api/entities/person/tony-blair/"
    assert data["url"] == "http://testserver/api/entities/person/tony-blair/"


def test_an_ambiguous_bare_slug_lists_the_choices(client, archive):
    make_story(
        "Jordan and Jordan",
        "Michael Jordan visited Jordan.",
        entities=[("Jordan", "person"), ("Jordan", "place")],
    )
    data = check(client.get("/api/entities/jordan/"), "/api/entities/{slug}/", 300)
    assert [(c["kind"], c["url"]) for c in data["choices"]] == [
        ("person", "http://testserver/api/entities/person/jordan/"),
        ("place", "http://testserver/api/entities/place/jordan/"),
    ]
    check(client.get("/api/entities/tony-hidden/"), "/api/entities/{slug}/", 404)


def test_the_api_is_read_only(client, archive):
    response = client.post("/api/stories/", {})
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response.json()["status"] == 405
    assert client.head("/api/stories/").status_code == 200


def test_the_root_links_everything(client, db):
    data = check(client.get("/api/"), "/api/")
    assert data == {
        "stories": "http://testserver/api/stories/",
        "entities": "http://testserver/api/entities/",
        "schema": "http://testserver/api/schema.json",
    }
    for url in data.values():
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", ["/api/nothing/", "/api/stories/abc/", "/api/entities/a/b/c/"])
def test_unknown_api_urls_are_json_404s(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_hidden_stories_appear_nowhere_in_the_api(client, archive):
    urls = [
        "/api/stories/",
        "/api/stories/?q=secret",
        "/api/stories/?person=tony-blair",
        "/api/entities/",
        "/api/entities/?q=hidden",
        "/api/entities/person/tony-blair/",
    ]
    for url in urls:
        body = client.get(url).content.decode()
        assert "Hidden" not in body, url


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        "/api/stories/",
        "/api/stories/?q=blair&topic=politics&person=tony-blair&page_size=50",
        "/api/entities/",
        "/api/entities/?q=t&kind=person",
        "/api/suggest/?q=t",
    ],
)
def test_list_queries_do_not_grow_with_data(client, archive, url, django_assert_num_queries):
    index_now()
    few = count_queries(client, url)
    for n in range(8):
        make_story(
            f"Another story {n}",
            f"Story {n} mentions Tony Blair and Person {n}.",
            entities=[("Tony Blair", "person"), (f"Person {n}", "person")],
            topics=["Politics", f"Topic {n}"],
            source=f"Source {n}",
        )
    index_now()
    with django_assert_num_queries(few):
        client.get(url)


def test_story_detail_queries_do_not_grow_with_entities(client, archive):
    few = count_queries(client, f"/api/stories/{archive['cocoa'].pk}/")
    many = make_story(
        "Crowded story",
        "Everyone is here.",
        entities=[(f"Person {n}", "person") for n in range(12)],
        topics=[f"Topic {n}" for n in range(5)],
    )
    assert count_queries(client, f"/api/stories/{many.pk}/") == few


HOSTILE_QUERIES = [
    '"',
    "OR",
    "-",
    "***",
    "((",
    "a AND",
    "'; DROP TABLE articles_article; --",
    "\\",
    "NEAR(",
    "%_%",
    "é😀",
    "x" * 501,
    "\x00",
]
MACHINE_ENDPOINTS = [
    "/api/stories/",
    "/api/entities/",
    "/api/suggest/",
    "/feeds/search/",
    "/search/export.csv",
    "/search/export.jsonl",
]


@pytest.mark.parametrize("url", MACHINE_ENDPOINTS)
@pytest.mark.parametrize("q", HOSTILE_QUERIES)
def test_hostile_queries_are_answered_or_refused_never_500(client, archive, url, q):
    response = client.get(url, {"q": q})
    assert response.status_code in (200, 400)
    if response.streaming:
        b"".join(response.streaming_content)
    assert Article.objects.count() == 5


def test_a_missing_final_slash_still_redirects(client, db):
    response = client.get("/api/stories?q=x")
    assert response.status_code == 301
    assert response["Location"] == "/api/stories/?q=x"


def test_a_search_ranks_every_match_and_counts_exactly_in_any_order(client, archive):
    """No cap: relevance pages through every match, as the date orders do."""
    first = stories(client, q="tony", page_size="1")
    assert first["count"] == 2 and first["next"] is not None
    second = client.get("/api/stories/", {"q": "tony", "page_size": "1", "page": "2"}).json()
    assert {*titles(first), *titles(second)} == {"Blair wins third term", "Budget day"}
    assert "count_is_estimate" not in first and "relevance_cap" not in first
    by_date = stories(client, q="tony", sort="oldest")
    assert by_date["count"] == 2
    assert titles(by_date) == ["Budget day", "Blair wins third term"]


def test_a_narrow_search_is_ranked_whole_and_counted_exactly(client, archive):
    data = stories(client, q="tony")
    assert data["count"] == 2
    assert set(titles(data)) == {"Blair wins third term", "Budget day"}


# The contract as a client holds the API to it (issue 19) ---------------------


def problem_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    data = response.json()
    Draft202012Validator({**SCHEMA, **SCHEMA["components"]["schemas"]["Problem"]}).validate(data)
    assert data["status"] == status
    return data


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "QUERY", "TRACE"])
@pytest.mark.parametrize("url", ["/api/", "/api/stories/", "/api/stories/1/", "/api/nothing/"])
def test_unsafe_methods_are_405_problems_not_csrf_pages(db, method, url):
    # A client that enforces CSRF as a browser does: the API must not ask for a token.
    response = Client(enforce_csrf_checks=True).generic(method, url)
    problem_of(response, 405)
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response["Access-Control-Allow-Origin"] == "*"


def test_a_cors_preflight_is_answered(client, db):
    response = client.options(
        "/api/stories/?q=blair",
        headers={
            "Origin": "https://elsewhere.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "If-None-Match",
        },
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"].split(", ")
    assert response["Access-Control-Allow-Headers"] == "If-None-Match"
    assert int(response["Access-Control-Max-Age"]) > 0
    assert response["Allow"] == "GET, HEAD, OPTIONS"


@pytest.mark.parametrize("url", ["/api/stories/", "/api/stories/999999/", "/api/nothing/"])
def test_every_api_answer_allows_any_origin(client, archive, url):
    response = client.get(url, headers={"Origin": "https://elsewhere.example"})
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]


@pytest.mark.parametrize(
    "url", ["/api/stories/%0A/", "/api/stories/%0A", "/api/entities/a%0Ab/c/", "/api/x%00/"]
)
def test_odd_api_paths_are_problem_404s(client, db, url):
    response = client.get(url, follow=True)
    problem_of(response, 404)


def test_a_django_400_under_the_api_is_a_problem(client, db):
    # Too many fields: Django refuses the request before any view runs.
    response = client.get("/api/stories/?" + "&".join(f"person=p{n}" for n in range(2000)))
    problem_of(response, 400)


def parameter(path: str, name: str) -> dict:
    [found] = [p for p in SCHEMA["paths"][path]["get"]["parameters"] if p["name"] == name]
    return found["schema"]


def test_the_page_maximum_is_in_the_schema(client, archive):
    maximum = parameter("/api/stories/", "page")["anyOf"][0]["maximum"]
    assert maximum == openapi.API_MAX_PAGE
    problem_of(client.get("/api/stories/", {"page": "1000000000"}), 400)
    problem_of(client.get("/api/stories/", {"page": str(maximum + 1)}), 400)
    problem_of(client.get("/api/stories/", {"page": str(maximum)}), 404)  # valid, but past the end


@pytest.mark.parametrize(
    "name", ["q", "person", "topic", "source", "section", "from", "to", "year", "has_date", "sort"]
)
def test_an_empty_parameter_is_allowed_and_means_not_given(client, archive, name):
    schema = parameter("/api/stories/", name)
    empty = [""] if schema.get("type") == "array" else ""
    assert Draft202012Validator(schema).is_valid(empty)
    assert stories(client, **{name: ""})["count"] == stories(client)["count"]


@pytest.mark.parametrize("path", ["/api/entities/", "/api/suggest/"])
def test_an_empty_kind_is_allowed(client, archive, path):
    assert Draft202012Validator(parameter(path, "kind")).is_valid("")
    assert client.get(path, {"kind": ""}).status_code == 200


@pytest.mark.parametrize(
    ("path", "name", "values"),
    [
        ("/api/stories/", "page", ["1", "2"]),
        ("/api/stories/", "q", ["blair", "budget"]),
        ("/api/stories/", "sort", ["newest", "oldest"]),
        ("/api/entities/", "page_size", ["1", "1"]),
        ("/api/suggest/", "kind", ["person", "place"]),
    ],
)
def test_a_repeated_single_parameter_is_400(client, archive, path, name, values):
    data = problem_of(client.get(path, {name: values}), 400)
    assert data["errors"] == {name: ["Given more than once."]}


def test_a_repeated_entity_parameter_is_several(client, archive):
    assert titles(stories(client, person=["tony-blair", "gordon-brown"])) == ["Budget day"]
    maximum = parameter("/api/stories/", "person")["maxItems"]
    too_many = [f"p{n}" for n in range(maximum + 1)]
    problem_of(client.get("/api/stories/", {"person": too_many}), 400)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("year", "2005.5"),
        ("year", "1e3"),
        ("year", " 2005"),
        ("year", "02005"),
        ("from", "05/06/2005"),
        ("from", "2005-5-6"),
        ("to", "2005-02-30"),
        ("section", "x" * 201),
        ("q", " " * 501),  # too long as sent, though empty once stripped
        ("person", "Tony Blair"),
    ],
)
def test_values_the_schema_forbids_are_400(client, archive, name, value):
    schema = parameter("/api/stories/", name)
    instance = [value] if schema.get("type") == "array" else value
    assert not Draft202012Validator(schema, format_checker=FormatChecker()).is_valid(instance)
    problem_of(client.get("/api/stories/", {name: value}), 400)


def test_conditional_gets_answer_304(client, archive):
    first = client.get("/api/stories/")
    etag, modified = first["ETag"], first["Last-Modified"]
    stored = Article.objects.order_by("-updated_at").first().updated_at
    assert parsedate_to_datetime(modified) == stored.replace(microsecond=0)
    again = client.get("/api/stories/", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.get("/api/stories/", headers={"If-Modified-Since": modified}).status_code == 304
    detail = client.get(f"/api/stories/{archive['blair'].pk}/")
    assert (
        client.get(detail.wsgi_request.path, headers={"If-None-Match": detail["ETag"]}).status_code
        == 304
    )
    make_story("A new story", "Something happened.", published="2007-01-01")
    changed = client.get("/api/stories/", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_unknown_filter_values_are_404_problems(client, archive):
    for params in [{"person": "nobody"}, {"source": "nowhere"}, {"topic": "no-such-topic"}]:
        data = problem_of(client.get("/api/stories/", params), 404)
        assert list(data["errors"]) == list(params)
