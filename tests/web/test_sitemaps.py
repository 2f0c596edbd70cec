"""Discovery: the sitemap index and its sections, robots.txt and OpenSearch."""

from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import sitemaps
from articles.models import Article, Entity, Source

from ..factories import make_story

pytestmark = pytest.mark.django_db
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
OS = "{http://a9.com/-/spec/opensearch/1.1/}"


@pytest.fixture
def archive():
    blair = make_story(
        "Blair wins third term",
        "Tony Blair won.",
        entities=[("Tony Blair", "person")],
        topics=["Politics"],
    )
    make_story("Cocoa review", "Showers in Bahia.", source="Reuters")
    hidden = make_story(
        "Hidden story",
        "Secret.",
        source="Secret Agency",
        entities=[("Tony Hidden", "person")],
    )
    Article.objects.filter(pk=hidden.pk).update(is_public=False)
    return {"blair": blair, "hidden": hidden}


def xml(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    return ElementTree.fromstring(response.content)


def locations(client, url) -> list[str]:
    return [loc.text for loc in xml(client, url).iter(f"{SM}loc")]


def test_sitemap_index_lists_each_section(client, archive):
    assert locations(client, "/sitemap.xml") == [
        "http://testserver/sitemap-stories.xml",
        "http://testserver/sitemap-entities.xml",
        "http://testserver/sitemap-sources.xml",
    ]
    lastmods = [e.text for e in xml(client, "/sitemap.xml").iter(f"{SM}lastmod")]
    assert len(lastmods) == 1  # stories carry a date; entities and sources do not


def test_sections_list_public_pages_only(client, archive):
    stories = locations(client, "/sitemap-stories.xml")
    assert "http://testserver" + archive["blair"].get_absolute_url() in stories
    assert len(stories) == 2
    assert all("hidden" not in url for url in stories)
    assert locations(client, "/sitemap-entities.xml") == [
        "http://testserver" + Entity.objects.get(name=name).get_absolute_url()
        for name in ("Politics", "Tony Blair")
    ]
    assert locations(client, "/sitemap-sources.xml") == [
        "http://testserver/sources/bbc/",
        "http://testserver/sources/reuters/",
    ]
    assert Source.objects.filter(name="Secret Agency").exists()


def test_sections_split_at_ten_thousand(client, archive, monkeypatch):
    assert all(site.limit == 10_000 for site in sitemaps.SITEMAPS.values())
    monkeypatch.setattr(sitemaps.StorySitemap, "limit", 1)
    assert locations(client, "/sitemap.xml")[:2] == [
        "http://testserver/sitemap-stories.xml",
        "http://testserver/sitemap-stories.xml?p=2",
    ]
    assert len(locations(client, "/sitemap-stories.xml?p=2")) == 1
    assert client.get("/sitemap-stories.xml?p=3").status_code == 404


@pytest.mark.parametrize(
    "url", ["/sitemap-nothing.xml", "/sitemap-stories.xml?p=abc", "/sitemap-stories.xml?p=-1"]
)
def test_bad_sitemap_requests_are_404(client, archive, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url", ["/sitemap.xml", "/sitemap-stories.xml", "/sitemap-entities.xml", "/sitemap-sources.xml"]
)
def test_sitemap_queries_do_not_grow(client, archive, url, django_assert_num_queries):
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(6):
        make_story(f"Story {n}", f"Body {n}.", source=f"Source {n}", topics=[f"Topic {n}"])
    with django_assert_num_queries(len(few)):
        client.get(url)


def test_robots_txt(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().splitlines() == [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/export.",
        "Allow: /",
        "",
        "Sitemap: http://testserver/sitemap.xml",
    ]


def test_opensearch_description(client, db):
    response = client.get("/opensearch.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/opensearchdescription+xml")
    root = ElementTree.fromstring(response.content)
    assert root.findtext(f"{OS}ShortName") == "newsarchive"
    templates = {url.get("type"): url.get("template") for url in root.findall(f"{OS}Url")}
    assert templates["text/html"] == "http://testserver/search/?q={searchTerms}"
    assert templates["application/atom+xml"] == "http://testserver/feeds/search/?q={searchTerms}"
    assert (
        templates["application/x-suggestions+json"]
        == "http://testserver/api/suggest/?q={searchTerms}"
    )


# What the W3C feed validator allows on an OpenSearch Url (OpenSearch 1.1, "Url element").
URL_ATTRIBUTES = {"template", "type", "rel", "indexOffset", "pageOffset"}
URL_RELS = {"results", "suggestions", "self", "collection"}


def test_opensearch_passes_the_validators_rules(client, db):
    body = client.get("/opensearch.xml").content
    root = ElementTree.fromstring(body)
    namespaces = {el.tag.split("}")[0][1:] for el in root.iter() if el.tag.startswith("{")}
    assert namespaces == {"http://a9.com/-/spec/opensearch/1.1/"}  # no unknown namespace
    assert b"xmlns:" not in body
    assert len(root.findtext(f"{OS}ShortName")) <= 16
    assert len(root.findtext(f"{OS}Description")) <= 1024
    urls = root.findall(f"{OS}Url")
    for url in urls:
        assert set(url.attrib) <= URL_ATTRIBUTES, url.attrib  # no method attribute
        assert url.get("rel", "results") in URL_RELS
    assert {url.get("type") for url in urls if url.get("rel") == "results"} >= {"text/html"}
    [example] = root.findall(f"{OS}Query")
    assert example.get("role") == "example" and example.get("searchTerms")


def test_the_opensearch_templates_answer(client, db):
    root = ElementTree.fromstring(client.get("/opensearch.xml").content)
    example = root.find(f"{OS}Query").get("searchTerms")
    for url in root.findall(f"{OS}Url"):
        target = url.get("template").replace("{searchTerms}", example)
        assert client.get(target.removeprefix("http://testserver")).status_code == 200, target


def test_pages_link_the_opensearch_description(client, db):
    html = client.get("/").content.decode()
    head = html[: html.index("</head>")]
    assert (
        '<link rel="search" type="application/opensearchdescription+xml" '
        'title="newsarchive" href="/opensearch.xml">'
    ) in head
