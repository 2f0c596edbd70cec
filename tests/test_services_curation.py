from io import StringIO
from itertools import count

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.text import slugify

from articles import tagging
from articles.ingest.types import IngestError, TaggedEntity
from articles.models import (
    Article,
    ArticleVersion,
    Entity,
    EntityAlias,
    EntityRedirect,
    IngestBatch,
    Mention,
    MergeRecord,
    Source,
    TopicRule,
)
from articles.services import curation, purge, retag
from articles.services.curation import CurationError

from .conftest import SEED
from .factories import make_story

pytestmark = pytest.mark.django_db


# Small builders, shared with test_admin.py.

_serial = count(1)


def make_article(title: str = "", body: str = "", **fields) -> Article:
    n = next(_serial)
    title = title or f"Story {n}"
    return Article.objects.create(
        title=title,
        slug=slugify(title),
        body=body or f"The body of story {n}.",
        content_hash=f"hash-{n}",
        **fields,
    )


def make_entity(name: str, kind: str = Entity.Kind.PERSON, **fields) -> Entity:
    return Entity.objects.create(name=name, kind=kind, slug=slugify(name), **fields)


def mention(article: Article, entity: Entity, **fields) -> Mention:
    return Mention.objects.create(article=article, entity=entity, **fields)


@pytest.fixture
def seed_story() -> Article:
    call_command("ingest", str(SEED), stdout=StringIO())
    return Article.objects.get()


# Merging entities


@pytest.fixture
def assad():
    """Two records of one man, mentioned apart and together."""
    keep = make_entity("Bashar al-Assad")
    EntityAlias.objects.create(entity=keep, name="Bashar Assad")
    dupe = make_entity("Assad")
    EntityAlias.objects.create(entity=dupe, name="Bashar Assad")  # already the survivor's
    EntityAlias.objects.create(entity=dupe, name="President Assad")
    both, only_dupe, only_keep = make_article(), make_article(), make_article()
    mention(both, keep, count=2, first_offset=40, salience=3, in_lede=True)
    mention(both, dupe, count=3, first_offset=10, salience=1, in_headline=True)
    mention(only_dupe, dupe, count=1, first_offset=5, surface="Assad")
    mention(only_keep, keep, count=4)
    return keep, dupe, both, only_dupe, only_keep


def test_merge_moves_mentions_adding_up_where_a_story_has_both(assad):
    keep, dupe, both, only_dupe, only_keep = assad
    result = curation.entity_merge(keep=keep, remove=[dupe])
    assert result == keep
    assert not Entity.objects.filter(pk=dupe.pk).exists()
    merged = Mention.objects.get(article=both)
    assert (merged.entity, merged.count, merged.first_offset, merged.salience) == (keep, 5, 10, 1)
    assert merged.in_headline and merged.in_lede
    moved = Mention.objects.get(article=only_dupe)
    assert (moved.entity, moved.count, moved.surface) == (keep, 1, "Assad")
    assert Mention.objects.get(article=only_keep).count == 4
    assert Mention.objects.filter(entity=keep).count() == 3


def test_merging_several_that_share_a_story_folds_them_all_and_undoes_cleanly():
    keep, first, second = make_entity("Keep"), make_entity("First"), make_entity("Second")
    story = make_article()
    mention(story, first, count=1, first_offset=50, salience=0, in_lede=True)
    mention(story, second, count=2, first_offset=20, salience=2, in_headline=True)
    curation.entity_merge(keep=keep, remove=[first, second])
    (merged,) = Mention.objects.all()
    assert (merged.entity, merged.count, merged.first_offset, merged.salience) == (keep, 3, 20, 2)
    assert merged.in_headline and merged.in_lede

    curation.entity_merge_undo(record=MergeRecord.objects.get())
    assert not keep.mentions.exists()
    counts = dict(Mention.objects.values_list("entity__name", "count"))
    assert counts == {"First": 1, "Second": 2}


def test_merge_makes_removed_names_aliases_without_duplicates(assad):
    keep, dupe, *_ = assad
    curation.entity_merge(keep=keep, remove=[dupe])
    names = sorted(keep.aliases.values_list("name", flat=True))
    assert names == ["Assad", "Bashar Assad", "President Assad"]


def test_merge_leaves_a_permanent_redirect(client, assad):
    keep, dupe, *_ = assad
    old_url = dupe.get_absolute_url()
    curation.entity_merge(keep=keep, remove=[dupe])
    response = client.get(old_url)
    assert response.status_code == 301
    assert response["Location"] == keep.get_absolute_url()
    assert client.get(reverse("articles:entity", args=["people", "nobody"])).status_code == 404


def test_a_second_merge_repoints_older_redirects_so_there_is_one_hop(client):
    a, b, c = make_entity("A Person"), make_entity("B Person"), make_entity("C Person")
    curation.entity_merge(keep=b, remove=[a])
    curation.entity_merge(keep=c, remove=[b])
    assert client.get("/people/a-person/")["Location"] == c.get_absolute_url()
    assert set(EntityRedirect.objects.values_list("entity", flat=True)) == {c.pk}


def test_a_live_entity_wins_over_a_redirect_of_its_slug(client):
    old, survivor = make_entity("Sam Smith"), make_entity("Samuel Smith")
    curation.entity_merge(keep=survivor, remove=[old])
    newcomer = make_entity("Sam Smith")  # a different person, given the freed slug
    mention(make_story("Sam Smith sings", "A new singer."), newcomer)  # public pages need one
    assert client.get(newcomer.get_absolute_url()).status_code == 200
    assert client.get(newcomer.get_absolute_url(), {"page": "99"}).status_code == 404


def test_merge_refuses_other_kinds_and_nothing_to_merge():
    person, place = make_entity("Georgia"), make_entity("Georgia", kind=Entity.Kind.PLACE)
    with pytest.raises(CurationError, match="one kind"):
        curation.entity_merge(keep=person, remove=[place])
    with pytest.raises(CurationError):
        curation.entity_merge(keep=person, remove=[person])
    assert Entity.objects.count() == 2


def test_merge_moves_topic_rules_to_the_survivor():
    keep, dupe = make_entity("Elections", "topic"), make_entity("Voting", "topic")
    rule = TopicRule.objects.create(topic=dupe, any_terms="ballot")
    curation.entity_merge(keep=keep, remove=[dupe])
    rule.refresh_from_db()
    assert rule.topic == keep


def test_merge_is_recorded_and_can_be_undone(client, assad, admin_user):
    keep, dupe, both, only_dupe, only_keep = assad
    curation.entity_merge(keep=keep, remove=[dupe], user=admin_user)
    record = MergeRecord.objects.get()
    assert (record.keep, record.merged_by, record.removed_names) == (keep, admin_user, "Assad")

    result = curation.entity_merge_undo(record=record, user=admin_user)

    restored = Entity.objects.get(name="Assad")
    assert result.restored == [restored] and result.skipped_stories == 0
    assert restored.pk == dupe.pk and restored.slug == dupe.slug
    assert sorted(restored.aliases.values_list("name", flat=True)) == [
        "Bashar Assad",
        "President Assad",
    ]
    assert list(keep.aliases.values_list("name", flat=True)) == ["Bashar Assad"]
    kept = Mention.objects.get(article=both, entity=keep)
    assert (kept.count, kept.first_offset, kept.salience, kept.in_headline) == (2, 40, 3, False)
    back = Mention.objects.get(article=both, entity=restored)
    assert (back.count, back.first_offset, back.salience, back.in_headline) == (3, 10, 1, True)
    assert Mention.objects.get(article=only_dupe).entity == restored
    assert Mention.objects.get(article=only_keep).entity == keep
    assert not EntityRedirect.objects.exists()
    assert client.get(restored.get_absolute_url()).status_code == 200
    record.refresh_from_db()
    assert record.undone_at is not None and record.undone_by == admin_user
    with pytest.raises(CurationError, match="undone already"):
        curation.entity_merge_undo(record=record)


def test_undo_skips_stories_deleted_since_and_says_so(assad):
    keep, dupe, both, only_dupe, _only_keep = assad
    curation.entity_merge(keep=keep, remove=[dupe])
    only_dupe.delete()
    result = curation.entity_merge_undo(record=MergeRecord.objects.get())
    assert result.skipped_stories == 1
    assert list(result.restored[0].mentions.values_list("article", flat=True)) == [both.pk]


def test_undo_refuses_when_the_name_is_taken_again_and_changes_nothing(assad):
    keep, dupe, *_ = assad
    curation.entity_merge(keep=keep, remove=[dupe])
    make_entity("ASSAD")
    with pytest.raises(CurationError, match="exists again"):
        curation.entity_merge_undo(record=MergeRecord.objects.get())
    assert MergeRecord.objects.get().undone_at is None
    assert Mention.objects.filter(entity=keep).count() == 3


def test_undo_refuses_when_the_survivor_is_gone(assad):
    keep, dupe, *_ = assad
    curation.entity_merge(keep=keep, remove=[dupe])
    keep.delete()
    with pytest.raises(CurationError, match="cannot undo"):
        curation.entity_merge_undo(record=MergeRecord.objects.get())


# Kinds and aliases


def test_change_kind_moves_the_url_and_redirects(client):
    apple = make_entity("Apple")
    old_url = apple.get_absolute_url()
    changed = curation.entity_change_kind(entity=apple, kind=Entity.Kind.ORGANIZATION)
    assert changed.pk == apple.pk and changed.kind == "organization"
    assert changed.get_absolute_url() == "/organizations/apple/"
    assert client.get(old_url)["Location"] == "/organizations/apple/"


def test_change_kind_merges_into_an_existing_entity_of_that_kind():
    org = make_entity("Apple", Entity.Kind.ORGANIZATION)
    person = make_entity("apple")
    story = make_article()
    mention(story, person, count=2)
    result = curation.entity_change_kind(entity=person, kind=Entity.Kind.ORGANIZATION)
    assert result == org
    assert not Entity.objects.filter(pk=person.pk).exists()
    assert Mention.objects.get(article=story).entity == org
    assert EntityRedirect.target(kind="person", slug="apple") == org


def test_change_kind_refuses_a_topic_with_rules():
    topic = make_entity("Weather", Entity.Kind.TOPIC)
    TopicRule.objects.create(topic=topic, any_terms="rain")
    with pytest.raises(CurationError, match="topic rules"):
        curation.entity_change_kind(entity=topic, kind=Entity.Kind.PLACE)


def test_split_alias_takes_the_mentions_written_that_way():
    bush = make_entity("George W. Bush")
    alias = EntityAlias.objects.create(entity=bush, name="George H.W. Bush")
    son, father = make_article(), make_article()
    mention(son, bush, surface="George W. Bush")
    mention(father, bush, surface="George H.W. Bush")
    new = curation.alias_split(alias=alias)
    assert (new.name, new.kind) == ("George H.W. Bush", "person")
    assert Mention.objects.get(article=father).entity == new
    assert Mention.objects.get(article=son).entity == bush
    assert not bush.aliases.exists()


def test_split_alias_refuses_an_existing_name():
    bush = make_entity("George W. Bush")
    make_entity("Bush")
    alias = EntityAlias.objects.create(entity=bush, name="Bush")
    with pytest.raises(CurationError, match="exists already"):
        curation.alias_split(alias=alias)
    assert EntityAlias.objects.filter(pk=alias.pk).exists()


# Re-tagging and re-parsing


def test_retag_keeps_topics_and_adds_what_the_tagger_finds(seed_story, monkeypatch):
    seen = []

    def fake_tag_many(stories, aliases=None, n_process=1):
        for story in stories:
            seen.append(story)
            yield [TaggedEntity(name="Sergey Lavrov", kind="person", count=3, salience=1)]

    monkeypatch.setattr(tagging, "tag_many", fake_tag_many)
    topics_before = set(seed_story.mentions.filter(entity__kind="topic").values_list("entity"))
    assert topics_before

    assert retag.articles_retag(articles=Article.objects.all()) == 1

    (story,) = seen
    assert (story.title, story.body, story.section) == (
        seed_story.title,
        seed_story.body,
        seed_story.section,
    )
    assert set(seed_story.mentions.filter(entity__kind="topic").values_list("entity")) == (
        topics_before
    )
    lavrov = seed_story.mentions.get(entity__kind="person")
    assert (lavrov.entity.name, lavrov.count, lavrov.salience) == ("Sergey Lavrov", 3, 1)


def test_reparse_updates_fields_from_the_raw_input(seed_story):
    Article.objects.filter(pk=seed_story.pk).update(title="Edited by hand", section="")
    retag.article_reparse(article=seed_story)
    seed_story.refresh_from_db()
    assert seed_story.title == "US criticizes Russia over civilian deaths in Syria"
    assert seed_story.section == "U.S."
    assert ArticleVersion.objects.get(article=seed_story).title == "Edited by hand"


def test_reparse_that_fails_changes_nothing(seed_story):
    Article.objects.filter(pk=seed_story.pk).update(raw_format="nonsense", title="Kept")
    seed_story.refresh_from_db()
    with pytest.raises(IngestError, match="unknown format"):
        retag.article_reparse(article=seed_story)
    seed_story.refresh_from_db()
    assert seed_story.title == "Kept"
    assert not ArticleVersion.objects.exists()


# Batches and sources


def test_batch_purge_dry_run_counts_and_the_real_run_deletes(seed_story):
    batch = seed_story.batch
    other = make_article()
    assert purge.batch_purge(batch=batch, dry_run=True) == 1
    assert Article.objects.count() == 2
    assert purge.batch_purge(batch=batch) == 1
    assert list(Article.objects.all()) == [other]
    assert not Mention.objects.exists()
    assert IngestBatch.objects.filter(pk=batch.pk).exists()


def test_purge_batch_command(seed_story):
    batch_id = str(seed_story.batch_id)
    out = StringIO()
    call_command("purge_batch", batch_id, "--dry-run", stdout=out)
    assert "dry run, nothing deleted" in out.getvalue() and "has 1 stories" in out.getvalue()
    assert Article.objects.count() == 1
    out = StringIO()
    call_command("purge_batch", batch_id, stdout=out)
    assert "1 stories deleted" in out.getvalue()
    assert Article.objects.count() == 0
    with pytest.raises(CommandError, match="no ingest batch with id 999"):
        call_command("purge_batch", "999", stdout=StringIO())


def test_source_merge_repoints_source_and_publisher():
    ap = Source.objects.create(name="The Associated Press", slug="ap")
    dupe = Source.objects.create(name="Associated Press", slug="associated-press", short_name="AP")
    by_dupe = make_article(source=dupe)
    published_by_dupe = make_article(source=ap, publisher=dupe)
    curation.source_merge(keep=ap, remove=[dupe])
    assert list(Source.objects.all()) == [ap]
    by_dupe.refresh_from_db()
    published_by_dupe.refresh_from_db()
    assert by_dupe.source == ap and published_by_dupe.publisher == ap
    ap.refresh_from_db()
    assert ap.short_name == "AP"


# Topic rules


def test_topic_rule_counts_stories_with_all_terms_and_any_term():
    topic = make_entity("Syria war", Entity.Kind.TOPIC)
    make_article("Strikes in Aleppo", "Russian AIRSTRIKES hit the city.")
    make_article("Talks", "Russia and the U.S. discuss a cease-fire in Syria.")
    make_article("Football", "Russia wins.")
    rule = TopicRule(topic=topic, all_terms="russia", any_terms="airstrikes, aleppo")
    assert rule.matching_articles().count() == 1
    rule.phrases = "cease-fire in Syria"
    assert rule.matching_articles().count() == 2
    rule.any_terms = rule.phrases = ""
    assert rule.matching_articles().count() == 3
    assert TopicRule(topic=topic).matching_articles().count() == 0
