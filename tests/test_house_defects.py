"""Defects the layout let through (the structure issue), each fixed where its concern
now lives: visibility on QuerySets, every admin write through a service, audit records
read-only. Each test failed before its fix."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from articles import caching, search
from articles.models import Article, Entity, IngestBatch, Mention, MergeRecord, Source
from articles.services import curation
from articles.services import ingest as ingest_service

from .factories import index_now, make_story

pytestmark = pytest.mark.django_db


def test_an_entity_or_source_only_hidden_stories_mention_has_no_public_page(client):
    story = make_story(
        "Secret talks", "Quiet talks.", source="Whisper Wire", entities=[("Ida Lupino", "person")]
    )
    curation.article_set_public(article=story, is_public=False)
    for url in ("/people/ida-lupino/", "/sources/whisper-wire/"):
        assert client.get(url).status_code == 404, url
    curation.article_set_public(article=story, is_public=True)
    for url in ("/people/ida-lupino/", "/sources/whisper-wire/"):
        assert client.get(url).status_code == 200, url
    assert Entity.objects.public().filter(name="Ida Lupino").exists()
    assert Source.objects.public().filter(name="Whisper Wire").exists()


def test_a_mention_deleted_in_the_admin_leaves_search(admin_client):
    story = make_story("Quiet day", "Nothing.", entities=[("Zora Hurston", "person")])
    hits = search.run(search.SearchRequest(query=search.parse("zora")))
    assert hits.ids == [story.pk]
    mention = Mention.objects.get(article=story)
    url = reverse("admin:articles_mention_delete", args=[mention.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert search.run(search.SearchRequest(query=search.parse("zora"))).total == 0


def test_the_more_page_counts_as_the_search_page_does(client, django_assert_num_queries):
    for n in range(14):
        make_story(
            f"Pier {n}",
            f"Pier number {n}.",
            entities=[(f"Person {n % 12}", "person"), ("Ada Byron", "person")],
        )
    page = client.get(reverse("articles:search"), {"q": "pier"})
    shown = {k: v for k, _, v, _ in page.context["facets"]}["person"]
    index_now()
    # Whether the index is behind, and the facet's names: nothing it does not show.
    with django_assert_num_queries(2):
        more = client.get(reverse("articles:facet", args=["person"]), {"q": "pier"})
    values = more.context["values"]
    assert len(values) == 13 > len(shown)
    assert values[: len(shown)] == shown


def test_a_dry_run_purge_leaves_the_page_cache_alone():
    batch = ingest_service.batch_start(paths=["x"], parser_version="1", tagger_version="1")
    story = make_story("Pier", "A pier.")
    Article.objects.filter(pk=story.pk).update(batch=batch)
    before = caching.generation()
    call_command("purge_batch", str(batch.pk), "--dry-run", stdout=StringIO())
    assert caching.generation() == before
    call_command("purge_batch", str(batch.pk), stdout=StringIO())
    assert caching.generation() != before


@pytest.mark.parametrize("model", ["ingestbatch", "mergerecord", "logentry"])
def test_audit_records_are_read_only_in_the_admin(admin_client, model):
    app = "admin" if model == "logentry" else "articles"
    assert admin_client.get(reverse(f"admin:{app}_{model}_add")).status_code == 403


def test_a_batch_cannot_be_changed_or_deleted_in_the_admin(admin_client):
    batch = ingest_service.batch_start(paths=["stories/"], parser_version="1", tagger_version="1")
    change = reverse("admin:articles_ingestbatch_change", args=[batch.pk])
    response = admin_client.post(change, {"paths": "[]", "parser_version": "forged"})
    assert response.status_code == 403
    batch.refresh_from_db()
    assert batch.parser_version == "1" and batch.paths == ["stories/"]
    delete = reverse("admin:articles_ingestbatch_delete", args=[batch.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert IngestBatch.objects.filter(pk=batch.pk).exists()


def test_a_merge_record_cannot_be_deleted_in_the_admin(admin_client):
    keep = make_story("One", "One.", entities=[("Ada Byron", "person")])
    make_story("Two", "Two.", entities=[("Ada Lovelace", "person")])
    assert keep
    curation.entity_merge(
        keep=Entity.objects.get(name="Ada Byron"), remove=[Entity.objects.get(name="Ada Lovelace")]
    )
    record = MergeRecord.objects.get()
    delete = reverse("admin:articles_mergerecord_delete", args=[record.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert MergeRecord.objects.filter(pk=record.pk).exists()
