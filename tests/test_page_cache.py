"""Browse pages come whole from the cache for readers, and never outlive a change."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from articles import caching
from articles.models import Article, Entity
from articles.services import curation

from .factories import make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def story():
    return make_story(
        "Blair wins third term",
        "Tony Blair has won a third term as prime minister of the United Kingdom.",
        entities=[("Tony Blair", "person")],
    )


def test_a_second_visit_costs_no_query(client, story, django_assert_num_queries):
    url = story.get_absolute_url()
    first = client.get(url)
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second.status_code == 200
    assert second.content == first.content
    assert "max-age=60" in second["Cache-Control"]


@pytest.mark.parametrize(
    "url",
    [
        reverse("articles:home"),
        reverse("articles:archive"),
        reverse("articles:archive-year", kwargs={"year": 2005}),
        reverse("articles:archive-undated"),
    ],
)
def test_browse_pages_are_stored(client, story, django_assert_num_queries, url):
    client.get(url)
    with django_assert_num_queries(0):
        assert client.get(url).status_code == 200


def test_hiding_a_story_takes_it_off_every_stored_page(client, story):
    home, url = reverse("articles:home"), story.get_absolute_url()
    assert story.title in client.get(home).content.decode()
    assert client.get(url).status_code == 200
    curation.article_set_public(article=story, is_public=False)
    assert story.title not in client.get(home).content.decode()
    assert client.get(url).status_code == 404


def change_form_data(response) -> dict:
    """What an admin change form would post back unedited: its fields and inlines."""
    data = {}
    forms = [response.context["adminform"].form]
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        forms += [management, *formset.formset.forms]
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = "on" if value is True else value
    return data


def edit_in_admin(admin_client, obj, **changes) -> None:
    """Change `obj` through its admin form, as a curator would."""
    change = reverse(f"admin:articles_{obj._meta.model_name}_change", args=[obj.pk])
    data = {**change_form_data(admin_client.get(change)), **changes}
    assert admin_client.post(change, data).status_code == 302


def test_an_edited_headline_shows_at_once(client, admin_client, story):
    url = story.get_absolute_url()
    client.get(url)
    edit_in_admin(admin_client, story, title="Blair wins a historic third term")
    assert "historic third term" in client.get(url).content.decode()


def test_a_renamed_entity_shows_its_new_name_at_once(client, admin_client, story):
    entity = Entity.objects.get(name="Tony Blair")
    client.get(entity.get_absolute_url())
    edit_in_admin(admin_client, entity, name="Anthony Blair")
    assert "Anthony Blair" in client.get(entity.get_absolute_url()).content.decode()


def test_a_story_deleted_in_the_admin_leaves_every_stored_page(client, admin_client, story):
    home, url = reverse("articles:home"), story.get_absolute_url()
    client.get(home), client.get(url)
    delete = reverse("admin:articles_article_delete", args=[story.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert story.title not in client.get(home).content.decode()
    assert client.get(url).status_code == 404


def test_a_new_story_shows_on_the_home_page_at_once(client, story):
    home = reverse("articles:home")
    client.get(home)
    make_story("Brown becomes chancellor", "Gordon Brown stays at the Treasury.")
    assert "Brown becomes chancellor" in client.get(home).content.decode()


def test_a_merge_moves_the_entity_pages_on(client, story):
    make_story("Blair visits Leeds", "Mr Blair went north.", entities=[("T. Blair", "person")])
    keep = Entity.objects.get(name="Tony Blair")
    remove = Entity.objects.get(name="T. Blair")
    client.get(keep.get_absolute_url())
    before = caching.generation()
    curation.entity_merge(keep=keep, remove=[remove])
    assert caching.generation() != before
    assert "Blair visits Leeds" in client.get(keep.get_absolute_url()).content.decode()


def test_signed_in_curators_always_get_a_fresh_page(client, story):
    user = get_user_model().objects.create_user("editor", password="x" * 12, is_staff=True)
    client.force_login(user)
    url = story.get_absolute_url()
    client.get(url)
    Article.objects.filter(pk=story.pk).update(title="Changed behind the cache's back")
    assert "behind the cache" in client.get(url).content.decode()


def test_a_search_page_is_kept_until_the_archive_changes(client, story, django_assert_num_queries):
    url = reverse("articles:search")
    first = client.get(url, {"q": "blair"}).content.decode()
    Article.objects.filter(pk=story.pk).update(title="Changed behind the cache's back")
    # Only whether the index is behind the change log is asked; the page is the one stored.
    with django_assert_num_queries(1):
        again = client.get(url, {"q": "blair"}).content.decode()
    assert again == first
    curation.article_set_public(article=story, is_public=False)
    assert story.title not in client.get(url, {"q": "blair"}).content.decode()


def test_a_search_page_is_rendered_again_once_the_index_moves_on(client, story):
    from articles.search.changes import record

    url = reverse("articles:search")
    assert "behind the cache" not in client.get(url, {"q": "blair"}).content.decode()
    Article.objects.filter(pk=story.pk).update(title="Blair changed behind the cache's back")
    record(article_ids=[story.pk])  # a change the index applies, though the page cache was not told
    assert "behind the cache" in client.get(url, {"q": "blair"}).content.decode()


def test_search_pages_are_never_stored_for_curators(client, story):
    user = get_user_model().objects.create_user("curator", password="x" * 12)
    client.force_login(user)
    url = reverse("articles:search")
    client.get(url, {"q": "blair"})
    Article.objects.filter(pk=story.pk).update(title="Changed behind the cache's back")
    assert "behind the cache" in client.get(url, {"q": "blair"}).content.decode()


def test_missing_pages_are_not_stored(client, story):
    url = reverse("articles:story-short", kwargs={"pk": story.pk + 100})
    assert client.get(url).status_code == 404
    assert client.get(url).status_code == 404


def test_off_when_the_setting_is_zero(client, story, settings):
    settings.NEWSARCHIVE_PAGE_CACHE_SECONDS = 0
    url = story.get_absolute_url()
    client.get(url)
    Article.objects.filter(pk=story.pk).update(title="Changed behind the cache's back")
    assert "behind the cache" in client.get(url).content.decode()


def test_a_lost_generation_never_revives_old_pages(client, story):
    from django.core.cache import cache

    url = story.get_absolute_url()
    client.get(url)
    old = caching.generation()
    cache.delete(caching.GENERATION_KEY)  # evicted
    assert caching.generation() != old
    Article.objects.filter(pk=story.pk).update(title="Changed behind the cache's back")
    assert "behind the cache" in client.get(url).content.decode()


def test_a_shared_redis_cache_is_configured_from_the_environment(monkeypatch):
    """DJANGO_REDIS_URL puts every worker on one cache, so one change reaches them all."""
    import importlib
    import os

    import newsarchive.settings as project_settings

    monkeypatch.setitem(os.environ, "DJANGO_REDIS_URL", "redis://127.0.0.1:6379/9")
    try:
        fresh = importlib.reload(project_settings)
        assert fresh.CACHES["default"] == {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/9",
            "KEY_PREFIX": "",
        }
    finally:
        monkeypatch.delitem(os.environ, "DJANGO_REDIS_URL")
        importlib.reload(project_settings)


def test_without_redis_every_process_on_the_machine_shares_a_file_cache(monkeypatch, tmp_path):
    import importlib
    import os

    import newsarchive.settings as project_settings

    monkeypatch.delitem(os.environ, "DJANGO_REDIS_URL", raising=False)
    monkeypatch.setitem(os.environ, "NEWSARCHIVE_CACHE_DIR", str(tmp_path))
    try:
        fresh = importlib.reload(project_settings)
        assert fresh.CACHES["default"]["BACKEND"].endswith("FileBasedCache")
        assert fresh.CACHES["default"]["LOCATION"] == str(tmp_path)
    finally:
        monkeypatch.delitem(os.environ, "NEWSARCHIVE_CACHE_DIR")
        importlib.reload(project_settings)


def test_two_workers_sharing_redis_see_one_generation():
    """Two processes' caches on one Redis: a change made through one moves the other on."""
    import socket

    from django.core.cache.backends.redis import RedisCache

    with socket.socket() as probe:
        probe.settimeout(0.5)
        if probe.connect_ex(("127.0.0.1", 6379)) != 0:
            pytest.skip(
                "no Redis on 127.0.0.1:6379 (only deployments that set DJANGO_REDIS_URL use it)"
            )
    worker_a = RedisCache("redis://127.0.0.1:6379/9", {"KEY_PREFIX": "newsarchive-test"})
    worker_b = RedisCache("redis://127.0.0.1:6379/9", {"KEY_PREFIX": "newsarchive-test"})
    worker_a.delete(caching.GENERATION_KEY)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(caching, "cache", worker_a)
            before = caching.generation()
            caching.archive_changed()
        assert worker_b.get(caching.GENERATION_KEY) == before + 1
    finally:
        worker_a.delete(caching.GENERATION_KEY)
