"""The story cards every list page shows, drawn by one Jinja2 component (the
story_cards tag): what a card says, how it escapes, and the on-this-day year headings."""

import datetime as dt

import pytest
from django.template import engines
from django.utils.safestring import mark_safe

from articles.models import Article, Source, StoryCluster

from ..factories import make_article

pytestmark = pytest.mark.django_db


def cards(stories, **options) -> str:
    args = " ".join(f"{key}={key}" for key in options)
    page = engines["django"].from_string("{% load archive %}{% story_cards stories " + args + " %}")
    return page.render({"stories": stories, **options})


def test_a_card_shows_title_link_source_date_dateline_and_summary():
    source = Source.objects.create(name="Wire & Co", slug="wire-co")
    story = make_article(
        "Harbour reopens",
        source=source,
        dateline="PORTSMOUTH",
        summary="The harbour reopened on Monday.",
        published_at=dt.datetime(2004, 3, 9, 23, 30, tzinfo=dt.UTC),
    )
    html = cards([story], heading=2)
    assert (
        f'<h2 class="card-title"><a href="{story.get_absolute_url()}">Harbour reopens</a></h2>'
        in html
    )
    assert "<span>Wire &amp; Co</span>" in html
    assert '<time datetime="2004-03-09T23:30:00+00:00">9 Mar 2004</time>' in html
    assert "<span>PORTSMOUTH</span>" in html
    assert '<p class="summary">The harbour reopened on Monday.</p>' in html
    assert "also-ran" not in html


def test_an_undated_story_says_so_and_the_default_heading_is_h3():
    html = cards([make_article("No date here")])
    assert '<h3 class="card-title">' in html
    assert "<span>Undated</span>" in html and "<time" not in html


def test_also_ran_counts_the_other_places_in_singular_and_plural():
    one = make_article("Wire story A", cluster=StoryCluster.objects.create())
    three = make_article("Wire story B", cluster=StoryCluster.objects.create())
    one.also_ran, three.also_ran = 1, 3
    html = cards([one, three])
    assert f'href="/clusters/{one.cluster_id}/"' in html
    assert "Also ran in 1 other place</a>" in html
    assert "Also ran in 3 other places</a>" in html


def test_a_search_snippet_replaces_the_summary_and_keeps_its_marks():
    hit, other = make_article("Hit", summary="Plain"), make_article("Other", summary="Kept")
    snippets = {hit.pk: mark_safe("the <mark>harbour</mark> &amp; quay")}
    html = cards([hit, other], snippets=snippets)
    assert '<p class="snippet">the <mark>harbour</mark> &amp; quay</p>' in html
    assert "Plain" not in html
    assert '<p class="summary">Kept</p>' in html


def test_every_stored_field_is_escaped():
    story = make_article(
        '<script>alert("t")</script>',
        dateline="<b>X</b>",
        summary="<img src=x onerror=alert(1)>",
    )
    html = cards([story])
    assert "<script>" not in html and "<b>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;X&lt;/b&gt;" in html


def test_on_this_day_heads_each_year_once_a_level_above_the_cards():
    stories = [
        make_article(f"Story {year} {n}", published_at=dt.datetime(year, 5, 6, tzinfo=dt.UTC))
        for year, n in ((2005, 1), (2005, 2), (1987, 1))
    ]
    html = cards(stories, heading=3, by_year=True)
    assert html.count("<h2>2005</h2>") == 1 and html.count("<h2>1987</h2>") == 1
    assert html.index("<h2>2005</h2>") < html.index("Story 2005 2") < html.index("<h2>1987</h2>")
    assert html.count('<h3 class="card-title">') == 3
    assert "<h2>" not in cards(stories, heading=2)


def test_a_card_shows_the_date_in_the_sites_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"
    story = make_article("Late", published_at=dt.datetime(2004, 3, 10, 2, 0, tzinfo=dt.UTC))
    html = cards([story])
    assert '<time datetime="2004-03-09T21:00:00-05:00">9 Mar 2004</time>' in html


def test_a_list_page_makes_no_query_per_card(client, django_assert_max_num_queries):
    for n in range(12):
        make_article(f"Listed {n}", published_at=dt.datetime(2004, 1, n + 1, tzinfo=dt.UTC))
    with django_assert_max_num_queries(8):
        page = client.get("/")
    assert page.content.decode().count('class="story-card"') == 12
    assert Article.objects.count() == 12
