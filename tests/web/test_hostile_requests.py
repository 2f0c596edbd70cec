"""Every URL, fed hostile values, answers with a page or a 4xx: never a 5xx."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

from articles.models import Article, Entity

from ..conftest import SEED

pytestmark = pytest.mark.django_db

HOSTILE_VALUES = [
    "",
    "-1",
    "0",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "../../../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "%00",
    "\x00",
    "a\x00b",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    '"',
    "*",
    "x" * 5000,
    "😀" * 100,
    "%ff%fe",
    "2005-02-30",
    "9999-99-99",
]
HOSTILE_PARAMS = [
    "q", "page", "page_size", "sort", "person", "organization", "place", "group", "topic",
    "source", "section", "from", "to", "year", "has_date", "kind", "format",
]  # fmt: skip


def all_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if str(entry.pattern).startswith("admin/"):
                continue
            yield from all_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


@pytest.fixture
def archive():
    call_command("ingest", str(SEED), stdout=StringIO())
    return Article.objects.get(), Entity.objects.first()


def sample_urls(article, entity) -> list[str]:
    """A concrete URL for every public pattern, with valid values where it needs them."""
    samples = {
        "pk": str(article.pk),
        "slug": article.slug,
        "kind": "topics",
        "year": "2015",
        "month": "12",
        "day": "29",
        "key": "person",
    }
    urls = []
    for route, _pattern in all_patterns():
        url = "/" + route.lstrip("^").rstrip("$")
        url = url.replace("sources/<slug:slug>", f"sources/{article.source.slug}")
        for name, value in samples.items():
            for converter in ("int", "slug", "str", "yyyy", "dd", "path", ""):
                token = f"<{converter}:{name}>" if converter else f"<{name}>"
                url = url.replace(token, value)
        url = url.replace("(?P<kind>people|organizations|places|groups|topics)", "topics")
        url = url.replace("(?P<slug>[-\\w]+)", entity.slug)
        if "<" in url or "(" in url or "\\" in url:
            continue  # a pattern this sweep cannot fill in; covered by its own tests
        urls.append(url)
    return urls


def test_sweep_covers_the_public_urls(archive):
    urls = sample_urls(*archive)
    assert len(urls) >= 12
    assert "/search/" in urls


def test_every_url_with_hostile_query_strings(client, archive):
    failures = []
    for url in sample_urls(*archive):
        for value in HOSTILE_VALUES:
            params = dict.fromkeys(HOSTILE_PARAMS, value)
            response = client.get(url, params)
            if response.status_code >= 500:
                failures.append((url, value, response.status_code))
    assert failures == []


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_hostile_path_segments(client, archive, value):
    from urllib.parse import quote

    article, _entity = archive
    for template in (
        "/stories/{v}/",
        "/stories/{pk}-{v}/",
        "/people/{v}/",
        "/topics/{v}/",
        "/sources/{v}/",
        "/archive/{v}/",
        "/archive/on/{v}/",
        "/search/facets/{v}/",
        "/{v}",
        "/static/{v}",
    ):
        url = template.format(v=quote(value, safe=""), pk=article.pk)
        response = client.get(url)
        assert response.status_code < 500, url


def test_huge_query_string_is_refused_or_handled(client, archive):
    response = client.get("/search/", {"q": "war " * 20000})
    assert response.status_code < 500
    response = client.get("/search/?" + "&".join(f"person=p{n}" for n in range(2000)))
    assert response.status_code == 400  # Django's limit on fields, shown on our 400 page
    assert "Bad request" in response.content.decode()
