from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from articles.models import Article, Entity

from ..conftest import SEED

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed_story() -> Article:
    call_command("ingest", str(SEED), stdout=StringIO())
    return Article.objects.get()


def test_home_lists_the_latest_stories(client, seed_story, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        response = client.get(reverse("articles:home"))
    assert response.status_code == 200
    assert seed_story.title in response.content.decode()


def test_home_page_queries_do_not_grow_with_stories(client, seed_story, django_assert_num_queries):
    for n in range(5):
        Article.objects.create(title=f"Story {n}", slug=f"story-{n}", body="x", content_hash=str(n))
    # count, page, top people, top topics, years: the same however many stories
    with django_assert_num_queries(5):
        client.get(reverse("articles:home"))


def test_story_page_shows_disclaimer_above_body_and_no_chrome(client, seed_story):
    response = client.get(seed_story.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "This archived news story is available only for your personal" in html
    body = html[html.index("<body") :]
    assert body.index("This archived news story") < body.index("WASHINGTON (AP)")
    assert "Copyright © The Associated Press. All rights reserved." in html
    assert "4–5 minutes" in html
    for chrome in (
        "Save Story",
        "Estimated read time",
        "Most recent U.S. stories",
        "Related topics",
        "Subscribe to the Trending 5",
        "KSL Weather Forecast",
    ):
        assert chrome not in html
    assert html.count("<p>") >= 17


def test_story_permalink_redirects_to_canonical_slug(client, seed_story):
    response = client.get(reverse("articles:story", kwargs={"pk": seed_story.pk, "slug": "old"}))
    assert response.status_code == 301
    assert response["Location"] == seed_story.get_absolute_url()
    short = client.get(reverse("articles:story-short", kwargs={"pk": seed_story.pk}))
    assert short.status_code == 301


def test_unknown_story_is_404(client, db):
    response = client.get("/stories/999999-nothing/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_hidden_story_is_404(client, seed_story):
    seed_story.is_public = False
    seed_story.save()
    assert client.get(seed_story.get_absolute_url()).status_code == 404
    assert seed_story.title not in client.get(reverse("articles:home")).content.decode()


def test_search_finds_the_seed(client, seed_story):
    response = client.get(reverse("articles:search"), {"q": "Lavrov cease-fire"})
    assert response.status_code == 200
    assert seed_story.title in response.content.decode()
    assert (
        seed_story.title
        not in client.get(reverse("articles:search"), {"q": "zebra"}).content.decode()
    )


def test_source_and_topic_pages(client, seed_story):
    assert client.get(seed_story.source.get_absolute_url()).status_code == 200
    topic = Entity.objects.get(kind="topic", name="U.S.")
    response = client.get(topic.get_absolute_url())
    assert response.status_code == 200
    assert seed_story.title in response.content.decode()


@pytest.mark.parametrize("page", ["999", "-1", "abc", "0"])
def test_bad_page_numbers_are_404_not_500(client, seed_story, page):
    assert client.get(reverse("articles:home"), {"page": page}).status_code == 404
