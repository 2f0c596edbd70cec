from datetime import UTC, datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse, reverse_lazy

from articles.models import Article

from ..factories import index_now, make_article, make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def stories():
    return [
        make_story(
            "Blair wins third term",
            "Tony Blair won a third term.",
            published="2005-05-06",
            entities=[("Tony Blair", "person"), ("Labour", "organization")],
            topics=["Politics"],
        ),
        make_story(
            "Blair reshuffles cabinet",
            "Tony Blair reshuffled his cabinet.",
            published="2005-05-09",
            entities=[("Tony Blair", "person"), ("Labour", "organization")],
            topics=["Politics"],
        ),
        make_story(
            "Budget day",
            "Gordon Brown presents the budget.",
            published="2004-03-17",
            entities=[("Gordon Brown", "person")],
            topics=["Politics"],
        ),
        make_story("Undated note", "A story with no date.", published=None),
        make_story("Cocoa review", "Showers in Bahia.", published="1987-05-06", source="Reuters"),
    ]


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response


def test_home_shows_top_people_topics_and_years(client, stories):
    response = page(client, reverse("articles:home"))
    html = response.content.decode()
    assert [e.name for e in response.context["top_people"]] == ["Tony Blair", "Gordon Brown"]
    assert [e.name for e in response.context["top_topics"]] == ["Politics"]
    assert [row["year"] for row in response.context["years"]] == [2005, 2004, 1987]
    assert reverse("articles:archive-undated") in html


def test_home_query_count(client, stories, django_assert_num_queries):
    with django_assert_num_queries(5):
        page(client, reverse("articles:home"))


def test_date_archives(client, stories):
    year = page(client, reverse("articles:archive-year", args=[2005]))
    assert {s.title for s in year.context["stories"]} == {
        "Blair wins third term",
        "Blair reshuffles cabinet",
    }
    month = page(client, reverse("articles:archive-month", args=[2005, 5]))
    assert len(month.context["stories"]) == 2
    day = page(client, reverse("articles:archive-day", args=[2005, 5, 6]))
    assert [s.title for s in day.context["stories"]] == ["Blair wins third term"]
    undated = page(client, reverse("articles:archive-undated"))
    assert [s.title for s in undated.context["stories"]] == ["Undated note"]
    index = page(client, reverse("articles:archive"))
    assert index.context["undated"] == 1
    assert index.context["years"] == [
        {"year": 2005, "count": 2},
        {"year": 2004, "count": 1},
        {"year": 1987, "count": 1},
    ]


def test_archive_index_query_count(client, stories, settings, django_assert_num_queries):
    settings.NEWSARCHIVE_PAGE_CACHE_SECONDS = 0
    # The years and the undated in one pass, and the months.
    with django_assert_num_queries(2):
        page(client, reverse("articles:archive"))


def test_on_this_day_spans_years(client, stories):
    response = page(client, reverse("articles:on-this-day", args=[5, 6]))
    assert [s.title for s in response.context["stories"]] == [
        "Blair wins third term",
        "Cocoa review",
    ]
    assert page(client, "/archive/on/02-29/").status_code == 200


def test_on_this_day_is_the_utc_day_whoever_writes_the_date(client, stories, settings):
    settings.NEWSARCHIVE_PAGE_CACHE_SECONDS = 0
    late = make_story("Late edition", "Filed at night.", published="2005-05-06")
    # 23:30 in New York on 5 May is 03:30 on 6 May in UTC, the archive's day (the day
    # archive's too). A queryset update skips save(): the database keeps month_day.
    evening = datetime(2005, 5, 5, 23, 30, tzinfo=ZoneInfo("America/New_York"))
    Article.objects.filter(pk=late.pk).update(published_at=evening)
    assert Article.objects.get(pk=late.pk).month_day == 506
    titles = [s.title for s in page(client, "/archive/on/05-06/").context["stories"]]
    assert titles == ["Late edition", "Blair wins third term", "Cocoa review"]
    assert "Late edition" in page(client, "/archive/2005/05/06/").content.decode()
    assert not page(client, "/archive/on/05-05/").context["stories"]
    # Its neighbours count it on the same day.
    before = page(client, "/archive/on/05-09/").context["days_before"]
    assert {(d["day"].month, d["day"].day): d["count"] for d in before}[(5, 6)] == 3
    Article.objects.filter(pk=late.pk).update(published_at=None)
    assert Article.objects.get(pk=late.pk).month_day is None
    assert len(page(client, "/archive/on/05-06/").context["stories"]) == 2


def test_on_this_day_query_count(client, stories, settings, django_assert_num_queries):
    settings.NEWSARCHIVE_PAGE_CACHE_SECONDS = 0
    # Every day's count, the day's count and its page of stories.
    with django_assert_num_queries(3):
        page(client, "/archive/on/05-06/")
    with django_assert_num_queries(2):  # an empty day has no page to read
        page(client, "/archive/on/12-25/")


def test_a_leap_day_is_a_month_day_of_its_own():
    story = make_story("Leap", "A leap day.", published="2004-02-29")
    assert story.published_at == datetime(2004, 2, 29, tzinfo=UTC)
    assert Article.objects.filter(month_day=229).get() == story


@pytest.mark.parametrize(
    "url",
    [
        "/archive/2005/13/",
        "/archive/2005/02/30/",
        "/archive/0000/",
        "/archive/99999/",
        "/archive/-1/",
        "/archive/on/13-01/",
        "/archive/on/02-30/",
        "/archive/on/00-00/",
        "/archive/abcd/",
        "/archive/2005/00/",
    ],
)
def test_impossible_dates_are_404(client, stories, url):
    assert client.get(url).status_code == 404


def test_entity_page(client, stories):
    blair = stories[0].entities.get(name="Tony Blair")
    response = page(client, blair.get_absolute_url())
    html = response.content.decode()
    assert response.context["paginator"].count == 2
    assert "<svg" in html and "<table" in html
    # Grouped by kind, each group under its label.
    assert [
        (label, [row["entity__name"] for row in rows])
        for label, rows in response.context["co_mentioned"]
    ] == [("Organizations", ["Labour"]), ("Topics", ["Politics"])]
    assert "?person=tony-blair" in html


def test_unknown_entity_or_kind_is_404(client, stories):
    assert client.get("/people/nobody/").status_code == 404
    assert client.get("/aliens/tony-blair/").status_code == 404
    assert client.get("/organizations/tony-blair/").status_code == 404


def test_source_page_counts(client, stories):
    source = stories[0].source
    response = page(client, source.get_absolute_url())
    assert response.context["paginator"].count == 4
    assert response.context["undated"] == 1
    assert [row["year"] for row in response.context["years"]] == [2005, 2004]
    assert client.get("/sources/nope/").status_code == 404


def test_story_related_and_neighbours(client, stories):
    response = page(client, stories[0].get_absolute_url())
    assert next(s.title for s in response.context["related"]) == "Blair reshuffles cabinet"
    assert "Cocoa review" not in [s.title for s in response.context["related"]]
    assert response.context["previous"].title == "Budget day"
    assert response.context["next"].title == "Blair reshuffles cabinet"


@pytest.mark.django_db
def test_neighbours_walk_date_then_id_within_the_source(django_assert_num_queries):
    """Stories of one moment are ordered by id; other sources, undated and hidden stories
    are never a neighbour."""
    from datetime import UTC, datetime

    from articles.models import Article, Source

    bbc, other = (
        Source.objects.create(name="BBC", slug="bbc"),
        Source.objects.create(name="Other", slug="other"),
    )
    noon, later = datetime(2005, 5, 6, 12, tzinfo=UTC), datetime(2005, 5, 7, tzinfo=UTC)
    first = make_article("First", source=bbc, published_at=noon)
    make_article("Elsewhere", source=other, published_at=noon)
    make_article("Hidden", source=bbc, published_at=noon, is_public=False)
    middle = make_article("Middle", source=bbc, published_at=noon)
    make_article("Undated", source=bbc)
    last = make_article("Last", source=bbc, published_at=later)
    published = Article.objects.published()
    with django_assert_num_queries(2):
        assert published.neighbours(middle) == (first, last)
    assert published.neighbours(first) == (None, middle)
    assert published.neighbours(last) == (middle, None)


class _Headings(HTMLParser):
    def __init__(self):
        super().__init__()
        self.levels: list[int] = []

    def handle_starttag(self, tag, attrs):
        if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self.levels.append(int(tag[1]))


@pytest.mark.parametrize(
    "url",
    [
        reverse_lazy("articles:home"),
        reverse_lazy("articles:search") + "?q=Blair",
        reverse_lazy("articles:archive-year", args=[2005]),
        reverse_lazy("articles:on-this-day", args=[5, 6]),
        reverse_lazy("articles:entity", args=["people", "tony-blair"]),
        reverse_lazy("articles:source", args=["bbc"]),
    ],
)
def test_headings_never_skip_a_level(client, stories, url):
    parser = _Headings()
    parser.feed(page(client, str(url)).content.decode())
    assert parser.levels[0] == 1
    steps = list(zip(parser.levels, parser.levels[1:], strict=False))
    assert all(b <= a + 1 for a, b in steps), parser.levels


def test_home_highlights_and_count_are_cached(client, stories, django_assert_num_queries, settings):
    settings.NEWSARCHIVE_PAGE_CACHE_SECONDS = 0  # the fragments alone, not the whole page
    page(client, reverse("articles:home"))
    with django_assert_num_queries(1):  # the page of stories; its count is kept
        page(client, reverse("articles:home"))


def test_related_stories_are_the_most_alike_and_never_hidden(client, db):
    from articles.services import curation

    story = make_story(
        "Glacier retreat alarms Alpine villages",
        "The Rhone glacier retreated again this summer, and Alpine villages below it "
        "fear floods from meltwater lakes.",
        entities=[("Rhone Glacier", "place"), ("Switzerland", "place")],
    )
    alike = make_story(
        "Meltwater lakes grow below the Rhone glacier",
        "Scientists measured the meltwater lakes under the retreating Rhone glacier, "
        "which Alpine villages watch closely.",
        entities=[("Rhone Glacier", "place")],
    )
    hidden = make_story(
        "Rhone glacier meltwater floods an Alpine village",
        "Meltwater from the Rhone glacier flooded an Alpine village below the lakes.",
        entities=[("Rhone Glacier", "place")],
    )
    make_story("Budget vote delayed", "MPs delayed the budget vote again.")
    curation.article_set_public(article=hidden, is_public=False)
    response = client.get(story.get_absolute_url())
    related = list(response.context["related"])
    assert related[0] == alike
    assert hidden not in related and story not in related


def test_related_stories_survive_an_index_full_of_replaced_documents(client, db):
    """Re-indexing a story leaves its old document deleted but still counted in the
    index's word statistics until segments merge. Tantivy's "more like this" compared
    those counts with the live documents only, and panicked (a 500 on every story page)
    once a word was in more old and new documents than there were live ones."""
    from articles.services import curation

    story = make_story(
        "Glacier melt alarms villages",
        "The glacier melted early, and villages below the glacier fear its lakes.",
        entities=[("Rhone Glacier", "place")],
    )
    alike = make_story(
        "Glacier lakes measured",
        "Scientists measured the lakes the glacier left, a record for the valley.",
        entities=[("Rhone Glacier", "place")],
    )
    make_story("Budget vote delayed", "MPs delayed the budget vote again, the third time.")
    index_now()  # the three in one segment
    for article in (story, alike):  # both replaced: five documents hold "the", three live
        curation.article_set_public(article=article, is_public=False)
        curation.article_set_public(article=article, is_public=True)
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    assert list(response.context["related"]) == [alike]


def test_co_mentioned_counts_public_stories_and_breaks_ties_by_name():
    from articles.models import Entity
    from articles.querysets import ArchiveStats
    from articles.services import curation

    cast = [("Ada Byron", "person")]
    make_story("One", "First.", entities=[*cast, ("Zed Ward", "person"), ("Bath", "place")])
    make_story("Two", "Second.", entities=[*cast, ("Zed Ward", "person"), ("Avon", "place")])
    make_story("Three", "Third.", entities=[*cast, ("Cole Hart", "person"), ("Avon", "place")])
    hidden = make_story("Four", "Fourth.", entities=[*cast, ("Bath", "place")])
    curation.article_set_public(article=hidden, is_public=False)
    ada = Entity.objects.get(name="Ada Byron")
    top = ArchiveStats.co_mentioned(ada, limit=3)
    # Avon and Zed Ward twice each (Bath's second story is hidden); Bath and Cole Hart
    # tie for third place, which goes to the first by name.
    assert [(row["entity__name"], row["count"]) for row in top] == [
        ("Avon", 2),
        ("Zed Ward", 2),
        ("Bath", 1),
    ]
    assert top[0]["entity__kind"] == "place" and top[0]["entity__slug"] == "avon"
    assert ArchiveStats.co_mentioned(Entity.objects.get(name="Cole Hart"), limit=1) == [
        {
            "entity__name": "Ada Byron",
            "entity__slug": "ada-byron",
            "entity__kind": "person",
            "count": 1,
        }
    ]


def test_kept_page_aggregates_follow_every_change(client, db, settings):
    """An entity's and a source's counts, years and co-mentions are kept between
    readers, and a change (a hidden story here) shows in the next render."""
    from articles.services import curation

    settings.NEWSARCHIVE_PAGE_CACHE_SECONDS = 0  # the kept aggregates, not whole pages
    cast = [("Ada Byron", "person"), ("Bath", "place")]
    first = make_story("Ada in Bath", "Ada Byron went to Bath.", entities=cast)
    make_story("Ada again", "Ada Byron wrote again.", entities=cast[:1], published=None)
    make_story("Ada abroad", "Ada Byron sailed.", entities=cast[:1], published="2006-01-02")
    entity, source = "/people/ada-byron/", "/sources/bbc/"
    before = page(client, entity).context
    assert before["paginator"].count == 3 and before["undated"] == 1
    assert [row["count"] for row in before["timeline"]] == [1, 1]
    assert before["co_mentioned"][0][1][0]["entity__name"] == "Bath"
    assert page(client, source).context["paginator"].count == 3
    curation.article_set_public(article=first, is_public=False)
    after = page(client, entity).context
    assert after["paginator"].count == 2 and after["undated"] == 1
    assert [row["count"] for row in after["timeline"]] == [1]
    assert after["co_mentioned"] == []
    source_page = page(client, source).context
    assert source_page["paginator"].count == 2
    assert [row["year"] for row in source_page["years"]] == [2006]


def test_a_second_reader_does_not_count_again(client, stories, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.NEWSARCHIVE_PAGE_CACHE_SECONDS = 0
    cold = page(client, "/people/tony-blair/")
    with CaptureQueriesContext(connection) as warm:
        again = page(client, "/people/tony-blair/")
    assert again.context["paginator"].count == cold.context["paginator"].count
    assert again.context["timeline"] == cold.context["timeline"]
    # The entity, its aliases, the page of stories and their sources (apart, so that the
    # page is read in the centrality index's order); no count, years or co-mentions.
    assert len(warm.captured_queries) == 4


@pytest.mark.parametrize(
    ("value", "shown"), [(0, "0"), (7, "7"), (1234, "1,234"), (1234567, "1,234,567"), ("x", "x")]
)
def test_thousands_writes_counts_as_intcomma_does(value, shown):
    from django.contrib.humanize.templatetags.humanize import intcomma

    from articles.templatetags.archive import thousands

    assert thousands(value) == shown
    if isinstance(value, int):
        assert thousands(value) == intcomma(value)


@pytest.mark.parametrize(
    ("low", "high", "shown"),
    [(1, 1, "1 minute<"), (3, 3, "3 minutes<"), (4, 5, "4–5 minutes<")],
)
def test_read_time_reads_as_english(client, db, low, high, shown):
    """A read time of "less than a minute" is stored as 1-1: the page said "1 minutes"."""
    story = make_story("Harbour opens", "The harbour opened at dawn.")
    type(story).objects.filter(pk=story.pk).update(read_time_min=low, read_time_max=high)
    assert shown in page(client, story.get_absolute_url()).content.decode()


def test_the_story_page_reads_its_mentions_once(client, stories, django_assert_num_queries):
    """The story, its mentions (read once: the related search's document takes the
    page's), the index's freshness, the related stories and the two neighbours."""
    index_now()
    with django_assert_num_queries(6):
        page(client, stories[0].get_absolute_url())


def test_the_story_page_leaves_the_parsers_input_unread(client, stories):
    """The raw file a story was parsed from (a saved page can be many times the story)
    and its given metadata are the admin's and retag's, not the reader's page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    type(stories[0]).objects.filter(pk=stories[0].pk).update(raw_input="<html>" + "x" * 50_000)
    with CaptureQueriesContext(connection) as queries:
        page(client, stories[0].get_absolute_url())
    story_reads = [q["sql"] for q in queries.captured_queries if "articles_article" in q["sql"]]
    assert story_reads
    assert not any("raw_input" in sql or "given_metadata" in sql for sql in story_reads)


def test_the_related_search_document_is_the_indexed_one_from_the_pages_mentions(stories):
    from articles.search.documents import document_for

    story = stories[0]
    mentions = list(story.mentions.select_related("entity").order_by("salience", "-count"))
    assert len(mentions) >= 3
    held, read = document_for(story, mentions), document_for(story)
    assert held == read and held.names and held.entities


@pytest.mark.django_db
def test_a_source_page_lists_what_it_wrote_and_published_newest_first_each_once(
    client, django_assert_num_queries, settings
):
    """Its stories as source and as publisher, merged in one order (newest first, the
    undated last, ties by id), a story that is both listed once, and a cluster once by
    its best copy among all of them; the same queries on every page."""
    from datetime import UTC, datetime

    from articles.models import Source, StoryCluster

    site, wire = (Source.objects.create(name=n, slug=n.lower()) for n in ("Site", "Wire"))
    day = lambda n: datetime(2005, 5, n, tzinfo=UTC)  # noqa: E731
    wrote = [make_article(f"Wrote {n}", source=site, published_at=day(n)) for n in (1, 3, 5)]
    ran = [
        make_article(f"Ran {n}", source=wire, publisher=site, published_at=day(n)) for n in (2, 4)
    ]
    both = make_article("Both", source=site, publisher=site, published_at=day(4))
    undated = make_article("Undated", publisher=site)
    make_article("Elsewhere", source=wire, published_at=day(6))
    make_article("Hidden", source=site, published_at=day(7), is_public=False)
    cluster = StoryCluster.objects.create()
    original = make_article("Copy A", source=wire, publisher=site, published_at=day(8),
                            cluster=cluster, cluster_rank=0)  # fmt: skip
    make_article("Copy B", source=site, published_at=day(9), cluster=cluster, cluster_rank=1)

    page = client.get("/sources/site/")
    titles = [s.title for s in page.context["stories"]]
    assert titles == [
        "Copy A",
        "Wrote 5",
        "Both",
        "Ran 4",
        "Wrote 3",
        "Ran 2",
        "Wrote 1",
        "Undated",
    ]
    assert page.context["stories"][0].also_ran == 1
    every = client.get("/sources/site/", {"copies": "all"})
    assert [s.title for s in every.context["stories"]][:2] == ["Copy B", "Copy A"]
    assert len(every.context["stories"]) == 9 and wrote and ran and both and undated
    assert original.pk in [s.pk for s in page.context["stories"]]
    # The source, each list's ids and dates, and the page's stories (counts are kept).
    settings.NEWSARCHIVE_PAGE_CACHE_SECONDS = 0
    with django_assert_num_queries(4):
        client.get("/sources/site/")


def test_an_entity_page_reads_what_its_cards_show_in_the_same_queries_however_many(
    client, stories, django_assert_num_queries, settings
):
    """The entity, its aliases and the page of stories with their sources (joined, or
    for the central order one more query); its counts are kept. No card makes a query
    of its own for a field the page did not fetch."""
    from articles.models import Entity, Source

    settings.NEWSARCHIVE_PAGE_CACHE_SECONDS = 0
    blair = Entity.objects.get(name="Tony Blair")
    url = blair.get_absolute_url()
    for n in range(6):
        source, publisher = (Source.objects.get_or_create(name=f"{w} {n}", slug=f"{w}-{n}")[0]
                             for w in ("Wire", "Site"))  # fmt: skip
        story = make_article(f"More Blair {n}", source=source, publisher=publisher,
                             dateline="LONDON", summary="Blair again.")  # fmt: skip
        story.mentions.create(entity=blair, count=1)
    for sort, queries in (("central", 4), ("newest", 3)):
        first = client.get(url, {"sort": sort})
        assert "More Blair 5" in first.content.decode() and "LONDON" in first.content.decode()
        with django_assert_num_queries(queries):
            again = client.get(url, {"sort": sort})
        assert again.content == first.content


@pytest.mark.parametrize(
    "url",
    [
        reverse_lazy("articles:archive-year", args=[2005]),
        reverse_lazy("articles:archive-month", args=[2005, 5]),
    ],
)
def test_year_and_month_pages_read_no_list_of_dates_they_do_not_show(client, stories, url):
    """Django's date archive views fetch the period's distinct months or days (every
    story of the period, its date truncated one by one on SQLite); these pages count them
    in SQL for their chart and calendar instead, so that list is never asked for."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = page(client, url)
    assert "Blair wins third term" in response.content.decode()
    assert not [q["sql"] for q in queries if "SELECT DISTINCT" in q["sql"].upper()]
    assert len(queries) == 5


def _plans(client, url: str, *, where: str) -> dict[str, str]:
    """SQLite's query plans of the page's queries whose SQL matches `where`, by SQL."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    plans = {}
    with connection.cursor() as cursor:
        for sql in (q["sql"] for q in captured if re.search(where, q["sql"])):
            # The captured SQL has its parameters inlined; these pages' are numbers only.
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            plans[sql] = " ".join(str(row[3]) for row in cursor.fetchall())
    return plans


@pytest.mark.parametrize(
    ("url", "where", "index"),
    [
        # The stories it published, newest first: walked in that order, not by date
        # through the whole archive, nor read and sorted.
        (
            "/sources/bbc/",
            r'^SELECT \S+ AS "pk", \S+ AS "published_at" FROM .*"publisher_id" = \d+ AND',
            "article_publisher_date",
        ),
        # A day in any year, and every day's count.
        ("/archive/on/05-06/", r'"month_day"', "article_month_day"),
    ],
)
def test_the_page_reads_its_index(client, stories, settings, url, where, index):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the plan asserted is SQLite's; PostgreSQL plans by its statistics")
    settings.NEWSARCHIVE_PAGE_CACHE_SECONDS = 0
    plans = _plans(client, url, where=where)
    assert plans and all(index in plan for plan in plans.values()), plans
    # A page of stories is read in the index's order, not all read and then sorted.
    pages = [plan for sql, plan in plans.items() if " LIMIT " in sql]
    assert pages and not any("TEMP B-TREE FOR ORDER BY" in plan for plan in pages), pages
