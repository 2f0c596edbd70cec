"""The prepared ingest cache: known names cost no query, new ones only their insert,
and the database still decides when another ingest got there first."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from articles.ingest.types import ParsedStory, TaggedEntity
from articles.models import Entity, EntityAlias
from articles.services import ingest as ingest_service

pytestmark = pytest.mark.django_db


def parsed(title: str, names: list[tuple[str, str]]) -> ParsedStory:
    return ParsedStory(
        path=f"cache/{title}.txt",
        title=title,
        body=f"{title}. A body long enough to be a story about {title}.",
        source="BBC",
        published_at=datetime(2005, 3, 1, tzinfo=UTC),
        entities=[
            TaggedEntity(name=n, kind=k, count=1, salience=i) for i, (n, k) in enumerate(names)
        ],
        raw=title,
        format="plain",
    )


def test_known_names_cost_no_query(django_assert_num_queries):
    blair = Entity.objects.create(name="Tony Blair", kind="person", slug="tony-blair")
    cache = ingest_service.IngestCache.prepared()
    with django_assert_num_queries(0):
        found = ingest_service.entity_get_or_create(name="tony  BLAIR", kind="person", cache=cache)
    assert found.pk == blair.pk and found.name == "Tony Blair"


def test_aliases_resolve_without_a_query(django_assert_num_queries):
    us = Entity.objects.create(name="United States", kind="place", slug="united-states")
    EntityAlias.objects.create(entity=us, name="U.S.", normalized="u.s.")
    cache = ingest_service.IngestCache.prepared()
    with django_assert_num_queries(0):
        assert (
            ingest_service.entity_get_or_create(name="U.S.", kind="place", cache=cache).pk == us.pk
        )
    # An alias of a place is not a person of that name.
    person = ingest_service.entity_get_or_create(name="U.S.", kind="person", cache=cache)
    assert person.pk != us.pk and person.kind == "person"


def test_new_names_take_a_free_slug_once():
    Entity.objects.create(name="Paris", kind="place", slug="paris")
    Entity.objects.create(name="Paris Hilton", kind="person", slug="paris")
    cache = ingest_service.IngestCache.prepared()
    first = ingest_service.entity_get_or_create(name="PARIS", kind="person", cache=cache)
    again = ingest_service.entity_get_or_create(name="Paris", kind="person", cache=cache)
    assert first.pk == again.pk
    assert Entity.objects.get(pk=first.pk).slug == "paris-2"
    assert Entity.objects.filter(kind="person").count() == 2


def test_a_name_created_elsewhere_meanwhile_is_found_not_doubled():
    cache = ingest_service.IngestCache.prepared()
    # Another ingest stores the name after this cache was loaded.
    other = Entity.objects.create(name="Gordon Brown", kind="person", slug="gordon-brown")
    found = ingest_service.entity_get_or_create(name="Gordon Brown", kind="person", cache=cache)
    assert found.pk == other.pk
    assert Entity.objects.filter(name__iexact="gordon brown").count() == 1


def test_cached_entities_never_overwrite_what_curators_wrote():
    entity = Entity.objects.create(
        name="Amnesty International", kind="organization", slug="amnesty", description="Kept."
    )
    cache = ingest_service.IngestCache.prepared()
    ingest_service.entity_get_or_create(
        name="Amnesty International", kind="organization", cache=cache
    ).save()
    entity.refresh_from_db()
    assert (entity.slug, entity.description) == ("amnesty", "Kept.")


def test_prepared_and_plain_caches_store_the_same_archive():
    names = [("Tony Blair", "person"), ("Labour", "organization"), ("London", "place")]
    plain = ingest_service.IngestCache()
    ingest_service.article_ingest(parsed=parsed("One", names), cache=plain)
    prepared = ingest_service.IngestCache.prepared()
    ingest_service.article_ingest(
        parsed=parsed("Two", [*names, ("Leeds", "place")]), cache=prepared
    )
    assert Entity.objects.count() == 4
    assert sorted(Entity.objects.values_list("slug", flat=True)) == [
        "labour", "leeds", "london", "tony-blair",
    ]  # fmt: skip


def test_clear_reloads_what_the_database_holds():
    cache = ingest_service.IngestCache.prepared()
    entity = ingest_service.entity_get_or_create(name="Kofi Annan", kind="person", cache=cache)
    Entity.objects.filter(pk=entity.pk).delete()  # as if its story's transaction rolled back
    cache.clear()
    again = ingest_service.entity_get_or_create(name="Kofi Annan", kind="person", cache=cache)
    assert Entity.objects.filter(pk=again.pk).exists()
