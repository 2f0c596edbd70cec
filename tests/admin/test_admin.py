from datetime import UTC, datetime
from io import StringIO

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import tagging
from articles.ingest.types import TaggedEntity
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
from articles.services import curation

from ..conftest import SEED
from ..factories import act, changelist, make_article, make_entity, mention, messages_of

pytestmark = pytest.mark.django_db


def entries(obj, flag: int | None = None):
    found = LogEntry.objects.filter(content_type__model=obj._meta.model_name, object_id=str(obj.pk))
    return found.filter(action_flag=flag) if flag else found


@pytest.fixture
def seed_story() -> Article:
    call_command("ingest", str(SEED), stdout=StringIO())
    return Article.objects.get()


@pytest.fixture
def staff_client(django_user_model):
    """A staff member with the given permissions (codenames in the articles app)."""

    def make(*codenames: str) -> Client:
        user = django_user_model.objects.create_user("editor", password="x", is_staff=True)
        user.user_permissions.set(
            Permission.objects.filter(content_type__app_label="articles", codename__in=codenames)
        )
        client = Client()
        client.force_login(user)
        return client

    return make


# Access


def test_only_staff_reach_the_admin(client, django_user_model, admin_client):
    login = reverse("admin:login")
    assert client.get("/admin/")["Location"].startswith(login)
    reader = django_user_model.objects.create_user("reader", password="x")
    client.force_login(reader)
    assert client.get("/admin/")["Location"].startswith(login)
    assert client.get(changelist("article"))["Location"].startswith(login)
    assert admin_client.get("/admin/").status_code == 200


# Stories


def test_story_list_shows_title_source_date_public_and_entity_count(admin_client, seed_story):
    response = admin_client.get(changelist("article"))
    html = response.content.decode()
    assert seed_story.title in html
    assert "The Associated Press" in html
    row = response.context["cl"].result_list[0]
    assert row.entity_count == seed_story.mentions.count() > 0


@pytest.mark.parametrize(
    ("q", "found"),
    [("Lavrov", True), ("criticizes Russia", True), ("Jane Roe", True), ("zebra", False)],
)
def test_story_search_covers_title_body_and_byline(admin_client, seed_story, q, found):
    Article.objects.filter(pk=seed_story.pk).update(byline="By Jane Roe")
    result = admin_client.get(changelist("article"), {"q": q}).context["cl"].result_list
    assert (seed_story in result) is found


def test_story_filters(admin_client, seed_story):
    dated = make_article(published_at=datetime(2016, 10, 7, tzinfo=UTC), section="World")
    old = make_article(published_at=datetime(2011, 1, 1, tzinfo=UTC), is_public=False)

    def titles(**params) -> set[str]:
        result = admin_client.get(changelist("article"), params).context["cl"].result_list
        return {story.title for story in result}

    assert titles(dated="no") == {seed_story.title}
    assert titles(dated="yes") == {dated.title, old.title}
    assert titles(year="2016") == {dated.title}
    assert titles(year="nonsense") == set()
    assert titles(is_public__exact="0") == {old.title}
    assert titles(section="World") == {dated.title}
    assert titles(source__id__exact=str(seed_story.source_id)) == {seed_story.title}
    assert titles(batch__id__exact=str(seed_story.batch_id)) == {seed_story.title}
    years = admin_client.get(changelist("article")).content.decode()
    assert "?year=2016" in years and "?year=2011" in years


def test_hide_and_unhide_actions_are_logged_and_hidden_stories_are_404(
    admin_client, client, seed_story
):
    url = seed_story.get_absolute_url()
    response = act(admin_client, "article", "hide", [seed_story])
    assert "1 stories made hidden." in messages_of(response)
    seed_story.refresh_from_db()
    assert seed_story.is_public is False
    assert client.get(url).status_code == 404
    assert entries(seed_story, CHANGE).get().change_message == "Hidden from the public."

    act(admin_client, "article", "unhide", [seed_story])
    seed_story.refresh_from_db()
    assert seed_story.is_public is True
    assert client.get(url).status_code == 200
    assert entries(seed_story, CHANGE).count() == 2


def test_retag_action_rebuilds_mentions_with_the_tagger(admin_client, seed_story, monkeypatch):
    def fake_tag_many(stories, aliases=None, n_process=1):
        return ([TaggedEntity(name="Sergey Lavrov", kind="person")] for _ in stories)

    monkeypatch.setattr(tagging, "tag_many", fake_tag_many)
    response = act(admin_client, "article", "retag", [seed_story])
    assert "1 stories re-tagged." in messages_of(response)
    assert seed_story.mentions.filter(entity__name="Sergey Lavrov").exists()
    assert seed_story.mentions.filter(entity__kind="topic").exists()
    assert "Re-tagged" in entries(seed_story).get().change_message


def test_reparse_action_updates_the_story(admin_client, seed_story):
    Article.objects.filter(pk=seed_story.pk).update(title="Wrong title")
    response = act(admin_client, "article", "reparse", [seed_story])
    assert "1 stories re-parsed." in messages_of(response)
    seed_story.refresh_from_db()
    assert seed_story.title == "US criticizes Russia over civilian deaths in Syria"
    assert entries(seed_story).get().change_message == "Re-parsed from the stored raw input."


def test_reparse_action_that_fails_shows_an_error_and_changes_nothing(admin_client, seed_story):
    Article.objects.filter(pk=seed_story.pk).update(title="Kept", raw_input="")
    response = act(admin_client, "article", "reparse", [seed_story])
    (message,) = messages_of(response)
    assert "“Kept” was not changed: the story has no stored raw input" in message
    seed_story.refresh_from_db()
    assert seed_story.title == "Kept"
    assert not entries(seed_story).exists()


def test_story_form_shows_mentions_inline_with_entity_autocomplete(admin_client, seed_story):
    response = admin_client.get(reverse("admin:articles_article_change", args=[seed_story.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="mentions-0-entity"' in html
    assert "admin-autocomplete" in html
    assert reverse("admin:autocomplete") in html


# Entities


@pytest.fixture
def twins():
    keep, dupe = make_entity("Bashar al-Assad"), make_entity("Assad")
    EntityAlias.objects.create(entity=dupe, name="President Assad")
    story = make_article()
    mention(story, dupe, count=2)
    mention(make_article(), keep)
    return keep, dupe, story


def test_entity_list_shows_kind_story_and_alias_counts_and_searches_aliases(admin_client, twins):
    _keep, dupe, _ = twins
    response = admin_client.get(changelist("entity"), {"q": "president"})
    (row,) = response.context["cl"].result_list
    assert (row, row.kind, row.story_count, row.alias_count) == (dupe, "person", 1, 1)


def test_merge_asks_first_on_a_csrf_protected_page_with_a_survivor_choice(admin_client, twins):
    keep, dupe, _ = twins
    response = act(admin_client, "entity", "merge_entities", [keep, dupe])
    html = response.content.decode()
    assert response.templates[0].name == "admin/articles/entity/merge_confirmation.html"
    assert "csrfmiddlewaretoken" in html
    assert html.count('type="radio" name="keep"') == 2
    assert Entity.objects.count() == 2  # nothing merged yet


def test_merge_without_a_csrf_token_is_refused(admin_user, twins):
    keep, dupe, _ = twins
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    payload = {
        "action": "merge_entities",
        "_selected_action": [keep.pk, dupe.pk],
        "post": "yes",
        "keep": keep.pk,
    }
    assert client.post(changelist("entity"), payload).status_code == 403
    assert Entity.objects.count() == 2


def test_merge_action_merges_logs_and_redirects_old_urls(admin_client, client, twins, admin_user):
    keep, dupe, story = twins
    old_url = dupe.get_absolute_url()
    response = act(admin_client, "entity", "merge_entities", [keep, dupe], post="yes", keep=keep.pk)
    assert "Merged Assad into Bashar al-Assad." in messages_of(response)[0]
    assert list(Entity.objects.all()) == [keep]
    assert Mention.objects.get(article=story).entity == keep
    assert set(keep.aliases.values_list("name", flat=True)) == {"Assad", "President Assad"}
    assert "Merged into this entity: Assad" in entries(keep, CHANGE).get().change_message
    assert entries(dupe, DELETION).get().user == admin_user
    assert MergeRecord.objects.get().merged_by == admin_user
    moved = client.get(old_url)
    assert moved.status_code == 301
    assert moved["Location"] == keep.get_absolute_url()


def test_merge_of_different_kinds_is_refused(admin_client):
    person, place = make_entity("Georgia"), make_entity("Georgia", Entity.Kind.PLACE)
    response = act(admin_client, "entity", "merge_entities", [person, place])
    assert "Only entities of one kind can be merged" in messages_of(response)[0]
    assert Entity.objects.count() == 2


def test_staff_without_delete_permission_cannot_merge(staff_client, twins):
    keep, dupe, _ = twins
    editor = staff_client("view_entity", "change_entity")
    page = editor.get(changelist("entity"))
    assert page.status_code == 200
    assert "merge_entities" not in page.content.decode()
    act(editor, "entity", "merge_entities", [keep, dupe], post="yes", keep=keep.pk)
    assert Entity.objects.count() == 2
    assert not MergeRecord.objects.exists()


def test_staff_with_change_and_delete_permission_can_merge(staff_client, twins):
    keep, dupe, _ = twins
    curator = staff_client("view_entity", "change_entity", "delete_entity")
    act(curator, "entity", "merge_entities", [keep, dupe], post="yes", keep=keep.pk)
    assert list(Entity.objects.all()) == [keep]


def test_change_kind_action(admin_client, client):
    apple = make_entity("Apple")
    page = act(admin_client, "entity", "change_kind", [apple])
    assert page.templates[0].name == "admin/articles/entity/change_kind.html"
    response = act(admin_client, "entity", "change_kind", [apple], post="yes", kind="organization")
    assert "1 entities changed to organization; 0 merged" in messages_of(response)[0]
    apple.refresh_from_db()
    assert apple.kind == "organization"
    assert client.get("/people/apple/")["Location"] == "/organizations/apple/"
    assert entries(apple, CHANGE).get().change_message == "Kind changed from person."


def test_change_kind_action_merges_into_an_existing_entity(admin_client):
    org = make_entity("Apple", Entity.Kind.ORGANIZATION)
    person = make_entity("Apple")
    mention(make_article(), person)
    response = act(admin_client, "entity", "change_kind", [person], post="yes", kind="organization")
    assert "0 entities changed to organization; 1 merged" in messages_of(response)[0]
    assert list(Entity.objects.all()) == [org]
    assert org.mentions.count() == 1
    assert MergeRecord.objects.get().keep == org


def test_split_alias_action(admin_client):
    bush = make_entity("George W. Bush")
    alias = EntityAlias.objects.create(entity=bush, name="George H.W. Bush")
    father = make_article()
    mention(father, bush, surface="George H.W. Bush")
    response = act(admin_client, "entityalias", "split_out", [alias])
    assert "George H.W. Bush is now a person of its own, with 1 mentions." in messages_of(response)
    new = Entity.objects.get(name="George H.W. Bush")
    assert Mention.objects.get(article=father).entity == new
    assert entries(new, ADDITION).exists() and entries(bush, CHANGE).exists()


def test_entity_form_edits_aliases_inline(admin_client):
    entity = make_entity("Sergey Lavrov")
    url = reverse("admin:articles_entity_change", args=[entity.pk])
    data = {
        "name": "Sergey Lavrov",
        "slug": "sergey-lavrov",
        "kind": "person",
        "description": "",
        "aliases-TOTAL_FORMS": "1",
        "aliases-INITIAL_FORMS": "0",
        "aliases-0-name": "Lavrov",
    }
    assert admin_client.post(url, data).status_code == 302
    assert list(entity.aliases.values_list("name", "normalized")) == [("Lavrov", "lavrov")]


def entity_form(entity: Entity, aliases: list[str] = (), **fields) -> dict:
    data = {"name": entity.name, "slug": entity.slug, "kind": entity.kind, "description": ""}
    data.update(fields)
    data.update({"aliases-TOTAL_FORMS": str(len(aliases)), "aliases-INITIAL_FORMS": "0"})
    data.update({f"aliases-{i}-name": name for i, name in enumerate(aliases)})
    return data


def test_duplicate_aliases_are_a_form_error_not_a_crash(admin_client):
    entity = make_entity("Sergey Lavrov")
    EntityAlias.objects.create(entity=entity, name="Lavrov")
    url = reverse("admin:articles_entity_change", args=[entity.pk])
    response = admin_client.post(url, entity_form(entity, ["FM Lavrov", "fm  lavrov"]))
    assert response.status_code == 200
    assert "This alias is given twice." in response.content.decode()
    response = admin_client.post(
        reverse("admin:articles_entityalias_add"), {"entity": entity.pk, "name": " LAVROV"}
    )
    assert "Sergey Lavrov has this alias already." in response.content.decode()
    assert list(entity.aliases.values_list("name", flat=True)) == ["Lavrov"]


def test_renaming_onto_another_entity_says_to_merge(admin_client):
    entity = make_entity("Sergey Lavrov")
    make_entity("Lavrov")
    url = reverse("admin:articles_entity_change", args=[entity.pk])
    response = admin_client.post(url, entity_form(entity, name="LAVROV", slug="lavrov"))
    errors = response.context["adminform"].form.errors
    assert "merge the two" in errors["name"][0]
    assert "is taken" in errors["slug"][0]
    entity.refresh_from_db()
    assert entity.name == "Sergey Lavrov"


def test_editing_slug_or_kind_in_the_form_keeps_the_old_url_working(admin_client, client):
    entity = make_entity("Sergey Lavrov")
    url = reverse("admin:articles_entity_change", args=[entity.pk])
    admin_client.post(url, entity_form(entity, slug="lavrov"))
    admin_client.post(url, entity_form(entity, slug="lavrov", kind="organization"))
    assert client.get("/people/sergey-lavrov/")["Location"] == "/organizations/lavrov/"
    assert client.get("/people/lavrov/")["Location"] == "/organizations/lavrov/"


# Undo


def test_undo_merge_from_the_merge_record(admin_client, twins, admin_user):
    keep, dupe, story = twins
    act(admin_client, "entity", "merge_entities", [keep, dupe], post="yes", keep=keep.pk)
    record = MergeRecord.objects.get()
    record_url = reverse("admin:articles_mergerecord_change", args=[record.pk])
    entity_page = admin_client.get(reverse("admin:articles_entity_change", args=[keep.pk]))
    assert f"<a href='{record_url}'>Assad</a>" in entity_page.content.decode()
    page = admin_client.get(record_url)
    assert "Undo this merge" in page.content.decode()

    response = act(admin_client, "mergerecord", "undo_merge", [record])
    assert "Restored Assad." in messages_of(response)
    restored = Entity.objects.get(name="Assad")
    assert Mention.objects.get(article=story).entity == restored
    assert list(restored.aliases.values_list("name", flat=True)) == ["President Assad"]
    assert not keep.aliases.exists()
    assert not EntityRedirect.objects.exists()
    assert entries(restored, ADDITION).get().user == admin_user
    record.refresh_from_db()
    assert record.undone_by == admin_user
    page = admin_client.get(reverse("admin:articles_mergerecord_change", args=[record.pk]))
    assert "Undo this merge" not in page.content.decode()


def test_undo_says_which_stories_were_deleted_since(admin_client, twins):
    keep, dupe, story = twins
    curation.entity_merge(keep=keep, remove=[dupe])
    story.delete()
    response = act(admin_client, "mergerecord", "undo_merge", [MergeRecord.objects.get()])
    assert "1 stories they were mentioned in were deleted since" in messages_of(response)[0]
    assert Entity.objects.filter(name="Assad").exists()


def test_undo_twice_is_refused(admin_client, twins):
    keep, dupe, _ = twins
    curation.entity_merge(keep=keep, remove=[dupe])
    record = MergeRecord.objects.get()
    act(admin_client, "mergerecord", "undo_merge", [record])
    response = act(admin_client, "mergerecord", "undo_merge", [record])
    assert "undone already" in messages_of(response)[0]
    assert Entity.objects.filter(name="Assad").count() == 1


# Topic rules


def test_topic_rule_admin_saves_a_rule_and_previews_its_count(admin_client):
    topic = make_entity("Syria war", Entity.Kind.TOPIC)
    make_article("Airstrikes in Aleppo", "Russian airstrikes hit Aleppo.")
    make_article("Football", "Russia wins the match.")
    data = {"topic": topic.pk, "all_terms": "russia", "any_terms": "aleppo", "is_active": "on"}
    assert admin_client.post(reverse("admin:articles_topicrule_add"), data).status_code == 302
    rule = TopicRule.objects.get()
    html = admin_client.get(reverse("admin:articles_topicrule_change", args=[rule.pk])).content
    assert "1 stories" in html.decode() and "Airstrikes in Aleppo" in html.decode()


def test_topic_rule_needs_a_topic_and_a_term(admin_client):
    person = make_entity("Sergey Lavrov")
    response = admin_client.post(
        reverse("admin:articles_topicrule_add"), {"topic": person.pk, "any_terms": "x"}
    )
    assert response.status_code == 200  # the form again, with errors
    assert "topic" in response.context["adminform"].form.errors
    topic = make_entity("Syria war", Entity.Kind.TOPIC)
    response = admin_client.post(reverse("admin:articles_topicrule_add"), {"topic": topic.pk})
    assert "Give at least one term or phrase." in response.content.decode()
    assert not TopicRule.objects.exists()


# Ingest batches


def test_batch_list_shows_counts_and_errors(admin_client, seed_story):
    IngestBatch.objects.filter(pk=seed_story.batch_id).update(
        failed=2, errors=[{"path": "a.txt", "error": "file is empty"}, {"path": "b", "error": "x"}]
    )
    response = admin_client.get(changelist("ingestbatch"))
    assert "a.txt: file is empty (and 1 more)" in response.content.decode()
    assert response.context["cl"].result_list[0].story_count == 1


def test_purge_action_confirms_then_deletes_and_logs(admin_client, seed_story, admin_user):
    batch = seed_story.batch
    page = act(admin_client, "ingestbatch", "purge", [batch])
    assert page.templates[0].name == "admin/articles/ingestbatch/purge_confirmation.html"
    assert "Delete 1 stories" in page.content.decode()
    assert Article.objects.count() == 1

    response = act(admin_client, "ingestbatch", "purge", [batch], post="yes")
    assert "1 stories deleted." in messages_of(response)
    assert not Article.objects.exists() and not Mention.objects.exists()
    assert entries(seed_story, DELETION).get().user == admin_user
    assert entries(batch, CHANGE).get().change_message == "Purged: 1 stories deleted."


def test_purge_needs_permission_to_delete_stories(staff_client, seed_story):
    editor = staff_client("view_ingestbatch", "change_ingestbatch", "delete_ingestbatch")
    act(editor, "ingestbatch", "purge", [seed_story.batch], post="yes")
    assert Article.objects.count() == 1


# Sources


def test_source_merge_action(admin_client, seed_story):
    ap = seed_story.source
    dupe = Source.objects.create(name="AP", slug="ap-2")
    by_dupe = make_article(source=dupe)
    page = act(admin_client, "source", "merge_sources", [ap, dupe])
    assert page.content.decode().count('name="keep"') == 2
    response = act(admin_client, "source", "merge_sources", [ap, dupe], post="yes", keep=ap.pk)
    assert "Merged AP into The Associated Press." in messages_of(response)
    by_dupe.refresh_from_db()
    assert by_dupe.source == ap
    assert not Source.objects.filter(pk=dupe.pk).exists()
    assert entries(dupe, DELETION).exists() and entries(ap, CHANGE).exists()


def test_source_name_is_editable(admin_client, seed_story):
    source = seed_story.source
    url = reverse("admin:articles_source_change", args=[source.pk])
    data = {"name": "Associated Press", "short_name": "AP", "slug": source.slug, "homepage": ""}
    assert admin_client.post(url, data).status_code == 302
    source.refresh_from_db()
    assert (source.name, source.short_name) == ("Associated Press", "AP")
    assert entries(source, CHANGE).exists()


def test_log_is_listed_for_curators(admin_client, twins):
    keep, dupe, _ = twins
    act(admin_client, "entity", "merge_entities", [keep, dupe], post="yes", keep=keep.pk)
    html = admin_client.get(reverse("admin:admin_logentry_changelist")).content.decode()
    assert "Merged into this entity: Assad" in html
    assert "Merged into Bashar al-Assad" in html


# Speed: every changelist runs the same number of queries for 5 rows as for 20.


def populate(n: int) -> None:
    """n rows of every curated model, each wired to the others."""
    batch = IngestBatch.objects.create(errors=[{"path": "x", "error": "bad"}])
    for _ in range(n):
        source = Source.objects.create(
            name=f"Source {Source.objects.count()}", slug=f"s{_}-{n}-{Source.objects.count()}"
        )
        story = make_article(source=source, publisher=source, batch=batch)
        person = make_entity(f"Person {Entity.objects.count()}")
        topic = make_entity(f"Topic {Entity.objects.count()}", Entity.Kind.TOPIC)
        EntityAlias.objects.create(entity=person, name=f"Alias {person.pk}")
        mention(story, person)
        mention(story, topic)
        ArticleVersion.objects.create(article=story, title="Old", body="old", content_hash="x")
        TopicRule.objects.create(topic=topic, any_terms="war")
        EntityRedirect.objects.create(kind="person", old_slug=f"old-{person.pk}", entity=person)
        IngestBatch.objects.create()
        MergeRecord.objects.create(
            keep=person, keep_name=person.name, removed_names="Someone", snapshot={}
        )


@pytest.mark.parametrize(
    "model",
    [
        "article",
        "articleversion",
        "entity",
        "entityalias",
        "mention",
        "entityredirect",
        "mergerecord",
        "topicrule",
        "ingestbatch",
        "source",
    ],
)
def test_changelist_queries_do_not_grow_with_rows(
    admin_client, model, django_assert_max_num_queries
):
    populate(5)
    with CaptureQueriesContext(connection) as five:
        assert admin_client.get(changelist(model)).status_code == 200
    queries_for_five = len(five)  # read now: the next request clears the connection's log
    populate(15)
    with django_assert_max_num_queries(queries_for_five):
        response = admin_client.get(changelist(model))
    assert response.context["cl"].result_count >= 20


def test_log_changelist_queries_do_not_grow_with_rows(
    admin_client, admin_user, django_assert_max_num_queries
):
    def log_rows(n: int) -> None:
        stories = [make_article() for _ in range(n)]
        LogEntry.objects.log_actions(admin_user.pk, stories, CHANGE, "Edited.")

    log_rows(5)
    with CaptureQueriesContext(connection) as five:
        admin_client.get(reverse("admin:admin_logentry_changelist"))
    queries_for_five = len(five)
    log_rows(15)
    with django_assert_max_num_queries(queries_for_five):
        response = admin_client.get(reverse("admin:admin_logentry_changelist"))
    assert response.context["cl"].result_count == 20


def test_every_curation_page_renders(admin_client, seed_story):
    entity = seed_story.entities.first()
    person = make_entity("Sergei Lavrov-Test")
    curation.entity_merge(keep=person, remove=[make_entity("Lavrov-Test")])
    topic = Entity.objects.filter(kind="topic").first()
    objects = {
        "article": seed_story,
        "articleversion": ArticleVersion.objects.create(
            article=seed_story, title="Old", body="old", content_hash="x"
        ),
        "entity": entity,
        "entityalias": person.aliases.get(),
        "mention": seed_story.mentions.first(),
        "entityredirect": EntityRedirect.objects.get(),
        "mergerecord": MergeRecord.objects.get(),
        "topicrule": TopicRule.objects.create(topic=topic, any_terms="Syria"),
        "ingestbatch": seed_story.batch,
        "source": seed_story.source,
    }
    for model, obj in objects.items():
        change = admin_client.get(reverse(f"admin:articles_{model}_change", args=[obj.pk]))
        assert change.status_code == 200, model
        add = admin_client.get(reverse(f"admin:articles_{model}_add")).status_code
        assert add == (403 if model in {"mergerecord", "ingestbatch"} else 200), model  # audit
    act(admin_client, "article", "hide", [seed_story])
    entry = LogEntry.objects.get()
    assert (
        admin_client.get(reverse("admin:admin_logentry_change", args=[entry.pk])).status_code == 200
    )
    autocomplete = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": "topicrule", "field_name": "topic", "term": ""},
    )
    offered = {r["text"] for r in autocomplete.json()["results"]}
    assert str(topic) in offered and str(person) not in offered
