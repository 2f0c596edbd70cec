"""A topic's page ranks its stories by how central the topic is, newest first on request;
topic mentions carry real counts and headline/lede flags (issue 15). Invented stories."""

from __future__ import annotations

import pytest

from articles.ingest.types import ParsedStory
from articles.models import Article, Entity, Mention
from articles.services import ingest as ingest_service
from articles.tagging import TopicEvidence, TopicPattern, topic_evidence

from ..factories import make_story

pytestmark = pytest.mark.django_db

RULES = (TopicPattern("Elections", phrases=("general election", "polling day")),)


def elections_story(title, *paragraphs, published):
    story = make_story(title, "\n\n".join(paragraphs), published=published)
    parsed = ParsedStory(path="t", title=title, body="\n\n".join(paragraphs), topics=["Elections"])
    ingest_service.mentions_replace(
        article=story, entities=ingest_service.topic_entities(parsed=parsed, rules=RULES)
    )
    return story


@pytest.fixture
def stories():
    passing = elections_story(
        "New phone goes on sale",
        "The phone has a larger screen and a faster chip.",
        "Sales were strong, though one buyer said he would wait until after the general election.",
        published="2005-05-03",
    )
    central = elections_story(
        "General election date is set",
        "The general election will be held in May, the prime minister said.",
        "Parties began to plan for polling day.",
        published="2005-04-01",
    )
    lede = elections_story(
        "Parties prepare",
        "Candidates are preparing for the general election campaign.",
        "Leaflets were printed.",
        published="2005-04-20",
    )
    return {"passing": passing, "central": central, "lede": lede}


def test_topic_mentions_carry_real_counts_and_flags(stories):
    topic = Entity.objects.get(kind="topic", name="Elections")
    by_story = {m.article_id: m for m in Mention.objects.filter(entity=topic)}
    central = by_story[stories["central"].pk]
    assert (central.count, central.in_headline, central.in_lede) == (3, True, True)
    lede = by_story[stories["lede"].pk]
    assert (lede.count, lede.in_headline, lede.in_lede) == (1, False, True)
    passing = by_story[stories["passing"].pk]
    assert (passing.count, passing.in_headline, passing.in_lede) == (1, False, False)


def test_a_section_topic_the_text_never_names_counts_once():
    story = ParsedStory(path="t", title="Budget day", body="Taxes rise.", section="Politics")
    assert topic_evidence(story, "Politics") == TopicEvidence(1, False, False)


def titles(response):
    return [story.title for story in response.context["stories"]]


def test_topic_page_ranks_by_centrality_and_sorts_newest_on_request(client, stories):
    url = Entity.objects.get(kind="topic", name="Elections").get_absolute_url()
    response = client.get(url)
    assert response.status_code == 200
    # The passing mention is the newest story, yet comes last.
    assert titles(response) == [
        "General election date is set",
        "Parties prepare",
        "New phone goes on sale",
    ]
    page = response.content.decode()
    assert 'aria-current="true"' in page and "Most central first" in page
    assert 'href="?sort=newest"' in page
    newest = client.get(url, {"sort": "newest"})
    assert titles(newest) == [
        "New phone goes on sale",
        "Parties prepare",
        "General election date is set",
    ]


def test_a_section_named_like_the_topic_counts_toward_centrality(client):
    quiet = make_story("Quiet day", "Nothing of note.", section="Elections", published="2005-01-01")
    loud = make_story("Ballots", "Ballots were counted.", published="2005-02-01")
    topic = Entity.objects.get(kind="topic", name="Elections")
    Mention.objects.create(article=loud, entity=topic, count=2)  # count 2, no flags: score 2
    # The section's story: count 1 (score 1) plus 3 for the section.
    assert list(Article.objects.central_to(topic)) == [quiet, loud]


def test_every_entity_puts_central_stories_first_and_a_bad_sort_is_400(client, stories):
    # Issue 16: a person's page, like a topic's, ranks the most central stories first
    # (named in the headline here); ?sort=newest is the other order.
    person = Entity.objects.create(name="Orla Quade", kind="person", slug="orla-quade")
    Mention.objects.create(article=stories["central"], entity=person, in_headline=True)
    Mention.objects.create(article=stories["passing"], entity=person)
    response = client.get(person.get_absolute_url())
    assert response.context["stories"][0] == stories["central"]
    newest = client.get(person.get_absolute_url(), {"sort": "newest"})
    assert titles(newest) == ["New phone goes on sale", "General election date is set"]
    topic = Entity.objects.get(kind="topic", name="Elections")
    assert client.get(topic.get_absolute_url(), {"sort": "oldest"}).status_code == 400


def test_the_central_listing_reads_the_centrality_index(client, stories, settings):
    """The first page of an entity's most central stories walks the mentions' (entity,
    centrality) index rather than reading and sorting every story of the entity."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "sqlite":
        pytest.skip("the plan asserted is SQLite's; PostgreSQL plans by its statistics")
    settings.NEWSARCHIVE_PAGE_CACHE_SECONDS = 0
    url = Entity.objects.get(kind="topic", name="Elections").get_absolute_url()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    sqls = [q["sql"] for q in captured]
    listing = next(sql for sql in sqls if "ORDER BY" in sql and "centrality" in sql)
    with connection.cursor() as cursor:
        # The captured SQL has its parameters inlined; the listing's are numbers only.
        cursor.execute(f"EXPLAIN QUERY PLAN {listing}")
        plan = " ".join(str(row[3]) for row in cursor.fetchall())
    assert "mention_entity_central" in plan, plan
