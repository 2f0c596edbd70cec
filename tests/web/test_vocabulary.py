"""The vocabulary is defined once (articles/vocabulary.py) and every reader of it agrees."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from articles import vocabulary
from articles.filters import ENTITY_PARAMS, ArticleFilter
from articles.models import Entity
from articles.openapi import SCHEMA
from articles.search.backends.base import SORTS

from ..factories import make_story


def test_every_kind_has_a_prefix_a_heading_and_a_filter():
    kinds = set(Entity.Kind.values)
    assert set(vocabulary.KIND_URL_PREFIX) == kinds == set(vocabulary.KIND_HEADING)
    assert set(ENTITY_PARAMS) == kinds
    assert len(set(vocabulary.KIND_URL_PREFIX.values())) == len(kinds)  # prefixes differ


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(Entity.Kind.values))
def test_each_kinds_pages_answer_under_its_prefix(client, kind):
    make_story("Harbour", "The harbour opened.", entities=[("Alpha Beta", kind)])
    entity = Entity.objects.get(name="Alpha Beta")
    url = entity.get_absolute_url()
    assert url == f"/{vocabulary.KIND_URL_PREFIX[kind]}/{entity.slug}/"
    assert client.get(url).status_code == 200
    feed = reverse(
        "articles:feed-entity",
        kwargs={"kind": vocabulary.KIND_URL_PREFIX[kind], "slug": entity.slug},
    )
    assert client.get(feed).status_code == 200


def test_the_search_sorts_are_the_forms_and_the_backends():
    assert [value for value, _ in ArticleFilter.base_filters["sort"].extra["choices"]] == list(
        SORTS
    )


def test_the_api_publishes_the_vocabularys_bounds():
    stories = SCHEMA["paths"]["/api/stories/"]["get"]["parameters"]
    page_size = next(p for p in stories if p["name"] == "page_size")
    assert page_size["schema"]["anyOf"][0]["maximum"] == vocabulary.API_STORY_MAX_PAGE_SIZE
    entities = SCHEMA["paths"]["/api/entities/"]["get"]["parameters"]
    q = next(p for p in entities if p["name"] == "q")
    assert q["schema"]["maxLength"] == vocabulary.NAME_QUERY_MAX_LENGTH


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/search/?q=harbour"])
def test_templates_read_the_query_length_from_the_vocabulary(client, url):
    html = client.get(url).content.decode()
    lengths = set(re.findall(r'name="q"[^>]*maxlength="(\d+)"|maxlength="(\d+)"', html))
    assert {int(n) for pair in lengths for n in pair if n} == {vocabulary.MAX_QUERY_LENGTH}
