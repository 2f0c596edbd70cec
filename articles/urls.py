from django.contrib.sitemaps import views as sitemap_views
from django.urls import path, re_path, register_converter

from . import api, exports, feeds, health, sitemaps, views
from .admission import heavy
from .caching import cached_page, cached_search_page
from .vocabulary import KIND_URL_PATTERN


class FixedDigits:
    """A number of exactly `digits` digits: no overflow, no negative dates."""

    digits = 2
    regex: str

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.regex = f"[0-9]{{{cls.digits}}}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return f"{int(value):0{self.digits}d}"


class Year(FixedDigits):
    digits = 4


class TwoDigits(FixedDigits):
    digits = 2


register_converter(Year, "yyyy")
register_converter(TwoDigits, "dd")

app_name = "articles"

urlpatterns = [
    path("", cached_page(views.HomeView.as_view()), name="home"),
    path("search/", cached_search_page(heavy(views.SearchView.as_view())), name="search"),
    # For a load balancer (articles/health.py).
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": sitemaps.SITEMAPS, "sitemap_url_name": "articles:sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<slug:section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": sitemaps.SITEMAPS},
        name="sitemap-section",
    ),
    path("robots.txt", sitemaps.robots_txt, name="robots"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("opensearch.xml", sitemaps.opensearch_xml, name="opensearch"),
    path("search/export.csv", exports.export, {"fmt": "csv"}, name="export-csv"),
    path("search/export.jsonl", exports.export, {"fmt": "jsonl"}, name="export-jsonl"),
    path("search/suggest.json", views.entity_suggestions, name="suggest"),
    path("compare/", cached_search_page(heavy(views.compare_view)), name="compare"),
    path("compare/data.csv", views.compare_csv, name="compare-csv"),
    path(
        "search/facets/<slug:key>/",
        cached_search_page(heavy(views.FacetView.as_view())),
        name="facet",
    ),
    path("stories/<int:pk>-<slug:slug>/", cached_page(views.StoryView.as_view()), name="story"),
    path("stories/<int:pk>/", cached_page(views.StoryView.as_view()), name="story-short"),
    path("stories/<int:pk>/cite.ris", views.story_ris, name="story-ris"),
    path("clusters/<int:pk>/", cached_page(views.ClusterView.as_view()), name="cluster"),
    path("sources/<slug:slug>/", cached_page(views.SourceView.as_view()), name="source"),
    path("sources/<slug:slug>/feed/", feeds.SourceFeed(), name="feed-source"),
    path("feeds/latest/", feeds.LatestFeed(), name="feed-latest"),
    path("feeds/search/", heavy(feeds.SearchFeed()), name="feed-search"),
    path("archive/", cached_page(views.ArchiveIndex.as_view()), name="archive"),
    path("archive/undated/", cached_page(views.UndatedArchive.as_view()), name="archive-undated"),
    path(
        "archive/on/<dd:month>-<dd:day>/",
        cached_page(views.OnThisDay.as_view()),
        name="on-this-day",
    ),
    path("archive/<yyyy:year>/", cached_page(views.YearArchive.as_view()), name="archive-year"),
    path(
        "archive/<yyyy:year>/<dd:month>/",
        cached_page(views.MonthArchive.as_view()),
        name="archive-month",
    ),
    path(
        "archive/<yyyy:year>/<dd:month>/<dd:day>/",
        cached_page(views.DayArchive.as_view()),
        name="archive-day",
    ),
    path("api/", api.root, name="api-root"),
    path("api/stories/", heavy(api.story_list), name="api-stories"),
    path("api/stories/<int:pk>/", api.story_detail, name="api-story"),
    path("api/entities/", api.entity_list, name="api-entities"),
    path("api/suggest/", api.opensearch_suggestions, name="api-suggest"),
    re_path(
        r"^api/entities/(?P<kind>person|organization|place|group|topic)/(?P<slug>[-\w]+)/$",
        api.entity_detail,
        name="api-entity",
    ),
    path("api/entities/<slug:slug>/", api.entity_by_slug, name="api-entity-by-slug"),
    path("api/schema.json", api.schema, name="api-schema"),
    # JSON 404s under /api/ (any character, a newline too); paths without a final slash
    # still get APPEND_SLASH's redirect.
    re_path(r"^api/(?:[\s\S]*/)?$", api.not_found, name="api-not-found"),
    re_path(
        rf"^(?P<kind>{KIND_URL_PATTERN})/(?P<slug>[-\w]+)/$",
        cached_page(views.EntityView.as_view()),
        name="entity",
    ),
    re_path(
        rf"^(?P<kind>{KIND_URL_PATTERN})/(?P<slug>[-\w]+)/feed/$",
        feeds.EntityFeed(),
        name="feed-entity",
    ),
]
