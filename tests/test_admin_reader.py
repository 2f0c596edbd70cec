"""The admin speaks the site's words, and a story's change page shows its mentions a
page at a time (issue 16)."""

import pytest
from django.contrib import admin

from articles.models import Article, Mention

from .factories import make_story

pytestmark = pytest.mark.django_db


def test_titles_and_names_are_the_sites():
    assert admin.site.site_header == "newsarchive curation"
    assert admin.site.site_title == "newsarchive curation"
    assert Article._meta.verbose_name == "story"
    assert Article._meta.verbose_name_plural == "stories"


@pytest.fixture
def busy_story():
    story = make_story("Busy story", "Many names.", entities=[("Main Person", "person")])
    for n in range(24):
        other = make_story(f"Other {n}", f"Other body {n}.", entities=[(f"Name {n}", "person")])
        Mention.objects.create(article=story, entity=other.entities.get(), count=1, salience=n + 2)
    return story


def _mention_forms(response) -> list:
    formset = next(
        f.formset for f in response.context["inline_admin_formsets"] if f.formset.model is Mention
    )
    return formset


def test_the_change_page_shows_mentions_ten_at_a_time(admin_client, busy_story):
    url = f"/admin/articles/article/{busy_story.pk}/change/"
    first = admin_client.get(url)
    assert first.status_code == 200
    formset = _mention_forms(first)
    assert formset.total == 25 and formset.pages == 3 and len(formset.forms) == 10
    html = first.content.decode()
    assert "page 1 of 3 (25 in all" in html and 'href="?mentions_page=2"' in html
    last = _mention_forms(admin_client.get(url, {"mentions_page": 3}))
    assert len(last.forms) == 5
    # Past the end or not a number: the nearest page, never an error.
    assert len(_mention_forms(admin_client.get(url, {"mentions_page": 99})).forms) == 5
    assert len(_mention_forms(admin_client.get(url, {"mentions_page": "x"})).forms) == 10


def test_the_change_page_costs_the_same_queries_however_many_mentions(
    admin_client, busy_story, django_assert_max_num_queries
):
    for n in range(30):
        other = make_story(f"More {n}", f"More body {n}.", entities=[(f"More {n}", "person")])
        Mention.objects.create(article=busy_story, entity=other.entities.get(), count=1)
    # One page of ten rows, each row's entity shown by its autocomplete: a fixed ceiling.
    with django_assert_max_num_queries(30):
        admin_client.get(f"/admin/articles/article/{busy_story.pk}/change/")
