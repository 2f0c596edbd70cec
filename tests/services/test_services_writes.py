"""Each effect of a write sits in one service: the admin's plain saves and deletes, the one
"archive changed" call, and the ingest run's grouped commits."""

from __future__ import annotations

import pytest

from articles import caching
from articles.ingest.types import ParsedStory
from articles.models import (
    Article,
    Entity,
    EntityRedirect,
    IngestBatch,
    SearchChange,
    Source,
    TopicRule,
)
from articles.services import archive, curation
from articles.services import ingest as ingest_service

from ..factories import make_story

pytestmark = pytest.mark.django_db


def changed_stories() -> set[int]:
    return set(SearchChange.objects.values_list("article_id", flat=True))


def test_archive_changed_names_stories_by_entity_and_source_and_moves_pages_on():
    ada = make_story("Ada", "Ada wrote.", entities=[("Ada Byron", "person")], source="BBC")
    other = make_story("Other", "Nothing here.", source="Reuters")
    SearchChange.objects.all().delete()
    before = caching.generation()
    entity = Entity.objects.get(name="Ada Byron")
    reuters = Source.objects.get(name="Reuters")
    assert archive.archive_changed(entity_ids=[entity.pk], source_ids=[reuters.pk]) == 2
    assert changed_stories() == {ada.pk, other.pk}
    assert caching.generation() != before


def test_archive_changed_with_no_ids_changes_pages_only():
    make_story("Ada", "Ada wrote.")
    SearchChange.objects.all().delete()
    before = caching.generation()
    assert archive.archive_changed() == 0
    assert not SearchChange.objects.exists()
    assert caching.generation() != before


def test_admin_save_of_a_renamed_entity_keeps_its_old_address_and_reaches_search():
    story = make_story("Ada", "Ada wrote.", entities=[("Ada Byron", "person")])
    entity = Entity.objects.get(name="Ada Byron")
    SearchChange.objects.all().delete()
    before = caching.generation()
    entity.name, entity.slug = "Ada Lovelace", "ada-lovelace"
    curation.admin_save(obj=entity, initial={"name": "Ada Byron", "slug": "ada-byron"})
    redirect = EntityRedirect.objects.get()
    assert (redirect.kind, redirect.old_slug, redirect.entity) == ("person", "ada-byron", entity)
    assert changed_stories() == {story.pk}
    assert caching.generation() != before


def test_admin_save_runs_the_related_saves_inside_its_transaction():
    story = make_story("Ada", "Ada wrote.")
    calls = []
    curation.admin_save(obj=story, save_related=lambda: calls.append(story.pk))
    assert calls == [story.pk]


def test_admin_save_of_a_topic_rule_leaves_readers_pages_alone():
    make_story("Budget", "The budget.", topics=["Economy"])
    topic = Entity.objects.get(name="Economy")
    SearchChange.objects.all().delete()
    before = caching.generation()
    rule = TopicRule(topic=topic, all_terms="budget")
    curation.admin_save(obj=rule)
    assert TopicRule.objects.get() == rule
    assert not SearchChange.objects.exists()
    assert caching.generation() == before  # a rule tags nothing until a re-tag


def test_admin_delete_of_a_queryset_tells_search_before_the_rows_go():
    gone = make_story("Wire", "A wire story.", entities=[("Ada Byron", "person")])
    kept = make_story("Home", "A home story.", entities=[("Ada Byron", "person")])
    SearchChange.objects.all().delete()
    before = caching.generation()
    assert curation.admin_delete(objects=Article.objects.filter(pk=gone.pk)) == 1
    assert list(Article.objects.all()) == [kept]
    assert changed_stories() == {gone.pk}
    assert caching.generation() != before


def test_admin_delete_of_one_entity_reaches_every_story_that_named_it():
    first = make_story("One", "Ada wrote.", entities=[("Ada Byron", "person")])
    second = make_story("Two", "Ada again.", entities=[("Ada Byron", "person")])
    SearchChange.objects.all().delete()
    curation.admin_delete(objects=[Entity.objects.get(name="Ada Byron")])
    assert not Entity.objects.filter(name="Ada Byron").exists()
    assert changed_stories() == {first.pk, second.pk}


def test_a_kind_change_into_a_namesake_reaches_the_stories_it_moves():
    """Changing a person "Apple" to an organization merges it into the organization
    "Apple": the stories that named the person now carry the organization's facet, so
    search must read them again (it did not, before the one archive_changed)."""
    person_story = make_story("Pie", "Apple baked.", entities=[("Apple", "person")])
    make_story("Phones", "Apple sold phones.", entities=[("Apple", "organization")])
    SearchChange.objects.all().delete()
    person = Entity.objects.get(name="Apple", kind="person")
    survivor = curation.entity_change_kind(entity=person, kind="organization")
    assert survivor.kind == "organization"
    assert person_story.pk in changed_stories()


# The ingest run: grouped commits and the batch's running counts.


def parsed(title: str) -> ParsedStory:
    return ParsedStory(
        path=f"run/{title}.txt",
        title=title,
        body=f"{title} has a body of its own.",
        raw=title,
        format="plain",
    )


def test_an_ingest_run_commits_in_groups_and_keeps_the_batch_counts(monkeypatch):
    monkeypatch.setattr(ingest_service, "GROUP_SIZE", 2)
    stored, progress = [], []
    real = ingest_service.batch_progress

    def spy(**kwargs):
        real(**kwargs)
        progress.append(IngestBatch.objects.values_list("created", "failed").get())

    monkeypatch.setattr(ingest_service, "batch_progress", spy)
    run = ingest_service.ingest_run_start(
        paths=["run/"], on_stored=lambda name, result: stored.append((name, result.outcome))
    )
    run.add(name="a", parsed=parsed("Alpha"))
    assert progress == []  # waiting for its group
    run.add(name="b", parsed=parsed("Bravo"))
    assert progress == [(2, 0)]  # the group is on record
    run.fail(name="c", reason="could not be read")
    run.skip()
    run.add(name="d", parsed=parsed("Alpha"))  # the same file again
    run.finish()
    assert stored == [("a", "created"), ("b", "created"), ("d", "unchanged")]
    batch = IngestBatch.objects.get()
    assert (batch.created, batch.unchanged, batch.failed, batch.skipped) == (2, 1, 1, 1)
    assert batch.errors == [{"path": "c", "error": "could not be read"}]
    assert batch.finished_at is not None


def test_a_dry_run_stores_nothing_and_keeps_no_batch():
    run = ingest_service.ingest_run_start(paths=["run/"], dry_run=True)
    run.finish()
    assert run.batch is None
    assert not IngestBatch.objects.exists()
