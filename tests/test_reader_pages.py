"""The reader's archive (issue 16): paging, dates, search over time, compare, facets,
entity and story pages, freshness of stored fragments. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import search
from articles.filters import ArticleFilter
from articles.linking import LinkTarget, link_first_mentions
from articles.models import Article
from articles.templatetags.archive import page_numbers

from .factories import index_now, make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive():
    return [
        make_story(
            "Blair wins third term",
            "Tony Blair won a third term for Labour. Blair thanked voters.",
            published="2005-05-06",
            entities=[("Tony Blair", "person"), ("Labour", "organization")],
            topics=["Politics"],
        ),
        make_story(
            "Blair reshuffles cabinet",
            "Tony Blair reshuffled his cabinet in London.",
            published="2005-05-09",
            entities=[("Tony Blair", "person"), ("London", "place"), ("Labour", "organization")],
            topics=["Politics"],
        ),
        make_story(
            "Budget day",
            "Gordon Brown presents the budget. Blair agrees.",
            published="2004-03-17",
            entities=[("Gordon Brown", "person"), ("Tony Blair", "person")],
            topics=["Economy"],
        ),
        make_story(
            "Blair undated",
            "Tony Blair in a story of no known date.",
            published=None,
            entities=[("Tony Blair", "person")],
        ),
        make_story("Cocoa review", "Showers in Bahia.", published="1987-05-06", source="Reuters"),
    ]


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# -- paging ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "last", "expected"),
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (1, 10, [1, 2, 3, None, 10]),
        (5, 10, [1, 2, 3, 4, 5, 6, 7, None, 10]),
        (10, 10, [1, None, 8, 9, 10]),
        (4, 7, [1, 2, 3, 4, 5, 6, 7]),  # a gap of one page shows the page, not "…"
    ],
)
def test_page_numbers_show_first_last_and_a_window(number, last, expected):
    assert page_numbers(number, last) == expected


def test_pages_are_numbered_with_range_and_rel_links(client):
    for n in range(45):
        make_story(f"Budget story {n}", f"Budget number {n}.", published="2005-03-01")
    html = html_of(client.get(reverse("articles:search"), {"q": "budget", "page": 2}))
    assert "21–40 of 45 stories" in html
    assert 'rel="prev" href="?q=budget&amp;page=1"' in html
    assert 'rel="next" href="?q=budget&amp;page=3"' in html
    assert "Next →" in html and "← Previous" in html
    assert re.search(r'aria-current="page" href="\?q=budget&amp;page=2"', html)
    assert "Older" not in html  # relevance order has no "older"
    home = html_of(client.get(reverse("articles:home")))
    assert "1–20 of 45 stories" in home and "← Previous</span>" in home


# -- clean URLs ------------------------------------------------------------------------


def test_empty_parameters_redirect_to_a_clean_url(client, archive):
    response = client.get("/search/?q=blair&from=&to=&has_date=&sort=")
    assert response.status_code == 302
    assert response["Location"] == "/search/?q=blair"
    facet = client.get("/search/facets/person/?q=blair&from=")
    assert facet.status_code == 302 and facet["Location"] == "/search/facets/person/?q=blair"
    compare = client.get("/compare/?q=blair&q=&q=brown")
    assert compare.status_code == 302 and compare["Location"] == "/compare/?q=blair&q=brown"


def test_links_on_the_search_page_carry_no_empty_parameters(client, archive):
    html = html_of(client.get("/search/?q=blair&person=tony-blair"))
    links = re.findall(r'href="([^"]*\?[^"]*)"', html)
    assert links
    assert not [link for link in links if re.search(r"=(&|$)", link.replace("&amp;", "&"))]


# -- facets ----------------------------------------------------------------------------


def test_a_selected_facet_value_shows_selected_and_removes_in_one_click(client, archive):
    html = html_of(client.get("/search/", {"q": "blair", "person": "tony-blair"}))
    selected = re.search(r'<li class="selected"><a href="([^"]+)" aria-current="true">', html)
    assert selected, "the selected person is marked"
    assert selected.group(1) == "/search/?q=blair"
    # The others still add to the search.
    assert 'href="/search/?q=blair&amp;person=tony-blair&amp;person=gordon-brown"' in html


def test_the_phone_filter_button_counts_filters_not_the_query_words(client, archive):
    words_only = html_of(client.get("/search/", {"q": "blair"}))
    assert ">Filters</button>" in words_only
    one = html_of(client.get("/search/", {"q": "blair", "person": "tony-blair"}))
    assert ">Filters (1 active)</button>" in one
    two = html_of(client.get("/search/", {"person": "tony-blair", "topic": "politics"}))
    assert ">Filters (2 active)</button>" in two


def test_feed_and_export_links_follow_the_search(client, archive):
    html = html_of(client.get("/search/", {"q": "blair", "sort": "newest"}))
    assert 'href="/feeds/search/?q=blair"' in html
    assert 'href="/search/export.csv?q=blair"' in html
    assert 'href="/search/export.jsonl?q=blair"' in html


def test_the_more_page_filters_its_values(client, archive):
    url = reverse("articles:facet", args=["person"])
    everyone = client.get(url, {"q": "blair"})
    assert [v["name"] for v in everyone.context["values"]] == ["Tony Blair", "Gordon Brown"]
    found = client.get(url, {"q": "blair", "find": "gord"})
    assert [v["name"] for v in found.context["values"]] == ["Gordon Brown"]
    html = html_of(found)
    assert "1 of 2 shown" in html and 'class="facet-all facet-columns"' in html
    # The value's link searches without the filter box's word.
    assert 'href="/search/?q=blair&amp;person=gordon-brown"' in html
    assert '<input type="hidden" name="q" value="blair">' in html


# -- counts over time ------------------------------------------------------------------


@pytest.mark.parametrize(
    "params", [{"q": "blair"}, {"q": "blair", "person": "gordon-brown"}, {"topic": "politics"}, {}]
)
def test_month_counts_are_exact(archive, params):
    data = QueryDict(mutable=True)
    for key, value in params.items():
        data.setlist(key, [value])
    filterset = ArticleFilter(data or None, queryset=Article.objects.published())
    assert filterset.is_valid() or not params
    results = filterset.results(limit=0, facets=["year"])
    counts = filterset.month_counts()
    assert sum(counts.months.values()) + counts.undated == results.total
    assert counts.by_year() == {int(r["slug"]): r["count"] for r in results.facets.get("year", [])}
    for month, n in counts.months.items():
        year, m = divmod(month, 100)
        expected = sum(
            1
            for a in Article.objects.filter(pk__in=list(results.stories.ids(0, results.total)))
            if a.published_at and (a.published_at.year, a.published_at.month) == (year, m)
        )
        assert n == expected


@pytest.mark.parametrize(
    "params", [{"q": "blair"}, {"q": "blair", "person": "gordon-brown"}, {"topic": "politics"}, {}]
)
def test_months_counted_with_the_search_are_the_month_counts(archive, params):
    data = QueryDict(mutable=True)
    for key, value in params.items():
        data.setlist(key, [value])
    filterset = ArticleFilter(data or None, queryset=Article.objects.published())
    assert filterset.is_valid() or not params
    facets = ["person", "year", "topic"]
    alone = filterset.results(limit=0, facets=facets)
    together = filterset.results(limit=0, facets=facets, months=True)
    assert alone.months is None
    expected = filterset.month_counts()
    assert together.months == expected
    assert sum(together.months.months.values()) + together.months.undated == together.total
    # The year facet, summed from the months, is the one counted on its own.
    assert together.facets == alone.facets and together.total == alone.total


def test_the_search_page_charts_from_its_own_search(client, archive, monkeypatch):
    def second_search(*args, **kwargs):
        raise AssertionError("the chart searched again")

    monkeypatch.setattr(search, "month_counts", second_search)
    response = client.get("/search/", {"q": "blair"})
    assert [(r["label"], r["count"]) for r in response.context["over_time"]["rows"]] == [
        ("2004", 1),
        ("2005", 2),
    ]


def test_the_search_page_charts_the_query_by_year_with_links(client, archive):
    response = client.get("/search/", {"q": "blair"})
    over_time = response.context["over_time"]
    assert over_time["by"] == "year"
    assert [(r["label"], r["count"]) for r in over_time["rows"]] == [("2004", 1), ("2005", 2)]
    assert over_time["undated"] == 1
    bar = next(r for r in over_time["rows"] if r["label"] == "2005")
    assert bar["url"] == "?q=blair&year=2005"
    narrowed = client.get("/search/" + bar["url"])
    assert narrowed.context["result_count"] == 2
    # Narrowed to a year, the chart is that year's months.
    months = narrowed.context["over_time"]
    assert months["by"] == "month" and len(months["rows"]) == 12
    may = months["rows"][4]
    assert (may["label"], may["count"]) == ("May 2005", 2)
    assert may["url"] == "?q=blair&year=2005&from=2005-05-01&to=2005-05-31"
    assert client.get("/search/" + may["url"]).context["result_count"] == 2


# -- compare ---------------------------------------------------------------------------


def test_compare_draws_counts_and_shares(client, archive):
    response = client.get("/compare/", {"q": ["blair", "brown"]})
    html = html_of(response)
    comparison = response.context["comparison"]
    assert comparison.by == "year"
    assert comparison.labels == [str(y) for y in range(1987, 2006)]
    i2005 = comparison.labels.index("2005")
    assert comparison.all_stories[i2005] == 2
    blair, brown = comparison.series
    assert blair.counts[i2005] == 2 and blair.shares[i2005] == 100.0
    assert brown.counts[comparison.labels.index("2004")] == 1
    assert blair.total == 4 and blair.undated == 1
    assert "<polyline" in html and 'href="/search/?q=blair&amp;year=2005"' in html
    shares = client.get("/compare/", {"q": ["blair", "brown"], "measure": "share"})
    assert "100.0% of all stories" in html_of(shares)


def test_compare_csv(client, archive):
    response = client.get("/compare/data.csv", {"q": ["blair", "-brown cocoa"]})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    # A query starting "-" is quoted so a spreadsheet shows it, not runs it.
    assert rows[0] == [
        "year",
        "all_stories",
        "blair stories",
        "blair share_percent",
        "'-brown cocoa stories",
        "'-brown cocoa share_percent",
    ]
    assert ["2005", "2", "2", "100.00", "0", "0.00"] in rows
    assert ["1987", "1", "0", "0.00", "1", "100.00"] in rows  # cocoa, not Brown


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": ["a", "b", "c", "d", "e", "f"]}, "at most 5"),
        ({"q": ["blair", "*"]}, "nothing to search for"),
        ({"q": ["blair", "x" * 600]}, "at most 500"),
        ({"q": ["blair", "brown"], "measure": "bogus"}, "measure must be one of"),
    ],
)
def test_compare_refuses_bad_input_with_a_clear_400(client, archive, params, message):
    response = client.get("/compare/", params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_compare_with_fewer_than_two_queries_asks_for_another(client, archive):
    assert "Compare searches over time" in html_of(client.get("/compare/"))
    assert "Add a second search" in html_of(client.get("/compare/", {"q": "blair"}))
    assert client.get("/compare/data.csv", {"q": "blair"}).status_code == 400


# -- dates -----------------------------------------------------------------------------


def test_day_pages_link_the_nearest_days_with_stories_and_a_calendar(client, archive):
    response = client.get("/archive/2005/05/07/")  # an empty day between two with stories
    html = html_of(response)
    assert response.context["earlier"]["url"] == "/archive/2005/05/06/"
    assert response.context["later"]["url"] == "/archive/2005/05/09/"
    assert "No stories on 7 May 2005." in html and "No stories.</p>" not in html
    cells = {
        cell["day"]: cell for week in response.context["calendar"]["weeks"] for cell in week if cell
    }
    assert cells[6]["count"] == 1 and cells[6]["url"] == "/archive/2005/05/06/"
    assert cells[9]["count"] == 1 and cells[7]["count"] == 0 and cells[7]["current"]
    day_six = (
        '<a href="/archive/2005/05/06/"><span class="day">6<span class="visually-hidden">'
        ' May 2005:</span></span> <span class="n">1<span class="visually-hidden"> story</span>'
    )
    assert day_six in html


def test_month_and_year_neighbours_skip_empty_stretches(client, archive):
    month = client.get("/archive/2004/03/")
    assert month.context["earlier"]["url"] == "/archive/1987/05/"
    assert month.context["later"]["url"] == "/archive/2005/05/"
    year = client.get("/archive/2004/")
    assert year.context["earlier"]["url"] == "/archive/1987/"
    assert year.context["later"]["url"] == "/archive/2005/"
    assert [r["count"] for r in year.context["months"]][2] == 1
    last = client.get("/archive/2005/")
    assert last.context["later"] is None


def test_breadcrumbs_name_the_year_and_link_only_upwards(client, archive):
    html = html_of(client.get("/archive/2005/05/"))
    crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', html, re.S).group(0)
    assert '<a href="/archive/">Archive</a>' in crumbs
    assert '<a href="/archive/2005/">2005</a>' in crumbs
    assert '<li aria-current="page">May 2005</li>' in crumbs
    assert 'href="/archive/2005/05/"' not in crumbs
    day = html_of(client.get("/archive/2005/05/06/"))
    assert '<a href="/archive/2005/05/">May 2005</a>' in day


def test_on_this_day_offers_the_nearest_days_with_stories(client, archive):
    response = client.get("/archive/on/05-07/")
    html = html_of(response)
    assert "No stories on 7 May in any year." in html
    # Each day once, on its nearer side: 17 March is 51 days before, 314 after.
    assert [d["url"] for d in response.context["days_before"]] == [
        "/archive/on/05-06/",
        "/archive/on/03-17/",
    ]
    assert [d["url"] for d in response.context["days_after"]] == ["/archive/on/05-09/"]
    # From 20 December the year's end is crossed going on: 17 March is 87 days away.
    round_year = client.get("/archive/on/12-20/")
    assert [d["url"] for d in round_year.context["days_after"]] == [
        "/archive/on/03-17/",
        "/archive/on/05-06/",
        "/archive/on/05-09/",
    ]
    assert round_year.context["days_before"] == []  # all nearer going on


def test_the_archive_index_charts_coverage_with_a_table(client, archive):
    response = client.get("/archive/")
    html = html_of(response)
    assert response.context["chart_by"] == "year"  # 1987 to 2005: too long for months
    coverage = {row.get("year", row.get("gap")): row for row in response.context["coverage"]}
    assert coverage["2005"]["count"] == 2 and coverage["2005"]["months"][4]["count"] == 2
    # The sixteen empty years between 1987 and 2004 are one row, not sixteen rows of dots.
    assert coverage["1988–2003"]["years"] == 16 and "1990" not in coverage
    assert "No stories in these 16 years" in html
    assert [row.get("year", row.get("gap")) for row in response.context["coverage"]] == [
        "2005", "2004", "1988–2003", "1987",
    ]  # fmt: skip
    assert 'aria-label="May 2005: 2"' in html and "<svg" in html
    assert response.context["undated"] == 1
    assert ">No known date</a></th><td>1</td>" in html


def test_the_coverage_table_has_no_undated_row_when_every_story_is_dated(client):
    make_story("Dated", "A dated story.", published="2001-02-03")
    html = html_of(client.get("/archive/"))
    assert "2001" in html and "No known date" not in html


# -- entity and story pages ------------------------------------------------------------


def test_entity_pages_group_co_mentions_by_kind_and_count_the_undated(client, archive):
    blair = archive[0].entities.get(name="Tony Blair")
    response = client.get(blair.get_absolute_url())
    html = html_of(response)
    assert response.context["sort"] == "central"  # the most central first, for every kind
    assert response.context["undated"] == 1
    assert [label for label, _ in response.context["co_mentioned"]] == [
        "People",
        "Organizations",
        "Places",
        "Topics",
    ]
    assert '<p class="kind-label">Person</p>' in html
    assert "1 undated not shown" in html
    newest = client.get(blair.get_absolute_url(), {"sort": "newest"})
    assert [s.title for s in newest.context["stories"]][:1] == ["Blair reshuffles cabinet"]


def test_the_first_mention_of_each_entity_links_to_its_page(client, archive):
    html = html_of(client.get(archive[1].get_absolute_url()))
    body = re.search(r'<div class="story-body">(.*?)</div>', html, re.S).group(1)
    assert body.count('href="/people/tony-blair/"') == 1
    assert '<a class="entity-link" href="/places/london/" title="London (place)">London</a>' in body


def test_entity_links_never_let_the_body_write_markup():
    paragraphs = [
        '<script>alert(1)</script> Tony Blair met "Brown" & <b>co</b>.',
        "Tony Blair again, and Tony.",
    ]
    targets = [
        LinkTarget(names=("Tony Blair", "Tony"), url="/people/tony-blair/", title="Tony <Blair>"),
        LinkTarget(names=("<b>co</b>",), url="/organizations/co/", title="co"),
    ]
    first, second = link_first_mentions(paragraphs, targets)
    assert "<script>" not in first and "&lt;script&gt;" in first
    assert '<a class="entity-link" href="/people/tony-blair/" title="Tony &lt;Blair&gt;">' in first
    assert (
        '<a class="entity-link" href="/organizations/co/" title="co">&lt;b&gt;co&lt;/b&gt;</a>'
        in first
    )
    assert "&quot;Brown&quot; &amp;" in first
    assert "entity-link" not in second  # only the first mention


# -- freshness -------------------------------------------------------------------------


def test_an_ingest_clears_the_home_pages_stored_highlights(client, archive, tmp_path):
    before = client.get(reverse("articles:home"))
    assert [row["year"] for row in before.context["years"]] == [2005, 2004, 1987]
    story = tmp_path / "story.json"
    story.write_text(
        json.dumps(
            {
                "headline": "Cocoa harvest ends",
                "text": "The cocoa harvest ended early this year.",
                "published": "2011-06-01T09:00:00Z",
            }
        ),
        encoding="utf-8",
    )
    call_command("ingest", str(story), "--source", "BBC", stdout=StringIO(), stderr=StringIO())
    assert Article.objects.filter(published_at__year=2011).exists()
    after = client.get(reverse("articles:home"))
    assert [row["year"] for row in after.context["years"]] == [2011, 2005, 2004, 1987]


def test_an_ingest_moves_a_sources_kept_counts_on(client, archive, tmp_path, settings):
    settings.NEWSARCHIVE_PAGE_CACHE_SECONDS = 0  # the kept aggregates, not whole pages
    url = reverse("articles:source", args=["bbc"])
    before = client.get(url).context
    story = tmp_path / "story.json"
    story.write_text(
        json.dumps({"headline": "Cocoa harvest ends", "text": "The cocoa harvest ended early.",
                    "published": "2011-06-01T09:00:00Z"}),
        encoding="utf-8",
    )  # fmt: skip
    call_command("ingest", str(story), "--source", "BBC", stdout=StringIO(), stderr=StringIO())
    after = client.get(url).context
    assert after["paginator"].count == before["paginator"].count + 1
    assert after["years"][0] == {"year": 2011, "count": 1}
    assert client.get(reverse("articles:home")).context["paginator"].count == len(archive) + 1


def test_a_curation_clears_the_stored_highlights(client, archive):
    from articles.services import curation

    client.get(reverse("articles:home"))
    curation.article_set_public(article=archive[4], is_public=False)
    years = [row["year"] for row in client.get(reverse("articles:home")).context["years"]]
    assert years == [2005, 2004]


# -- constant query counts on every list page ------------------------------------------

LIST_PAGES = [
    "/",
    "/search/?q=story",
    "/search/?topic=politics",
    "/search/facets/person/?q=story",
    "/people/tony-blair/",
    "/sources/bbc/",
    "/archive/",
    "/archive/2005/",
    "/archive/2005/05/",
    "/archive/2005/05/06/",
    "/archive/on/05-06/",
    "/archive/undated/",
    "/compare/?q=story&q=blair",
]


def _queries(client, url) -> int:
    index_now()
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


@pytest.mark.parametrize("url", LIST_PAGES)
def test_list_pages_cost_the_same_queries_however_many_stories(client, archive, settings, url):
    settings.NEWSARCHIVE_PAGE_CACHE_SECONDS = 0
    for n in range(3):
        make_story(
            f"Blair story {n}",
            f"Tony Blair story {n} with Gordon Brown.",
            published=f"2005-05-0{6 + n % 2}",
            entities=[("Tony Blair", "person"), (f"Person {n}", "person")],
            topics=["Politics"],
        )
    few = _queries(client, url)
    for n in range(30):
        make_story(
            f"Blair story more {n}",
            f"Tony Blair story more {n} with someone {n}.",
            published=f"2005-05-0{6 + n % 2}" if n % 5 else None,
            entities=[
                ("Tony Blair", "person"),
                (f"Someone {n}", "person"),
                ("Labour", "organization"),
            ],
            topics=["Politics"],
            source="BBC" if n % 3 else "Reuters",
        )
    assert _queries(client, url) == few


def test_search_over_time_costs_no_query_of_its_own(client, archive, django_assert_num_queries):
    # The search page's five (see test_search.py), the chart included.
    index_now()
    with django_assert_num_queries(5):
        response = client.get("/search/", {"q": "blair"})
    assert response.context["over_time"]["rows"]


def test_month_counts_search_the_index_not_the_database(archive, django_assert_max_num_queries):
    index_now()
    with django_assert_max_num_queries(1):  # whether the index is in step, at most
        counts = search.month_counts(search.SearchRequest(limit=0))
    assert counts.by_year() == {1987: 1, 2004: 1, 2005: 2} and counts.undated == 1
