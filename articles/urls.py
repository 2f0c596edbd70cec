from django.urls import path, re_path, register_converter

from . import views


class FixedDigits:
    """A number of exactly `digits` digits: no overflow, no negative dates."""

    digits = 2

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
    path("", views.HomeView.as_view(), name="home"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("search/suggest.json", views.suggest, name="suggest"),
    path("search/facets/<slug:key>/", views.FacetView.as_view(), name="facet"),
    path("stories/<int:pk>-<slug:slug>/", views.StoryView.as_view(), name="story"),
    path("stories/<int:pk>/", views.StoryView.as_view(), name="story-short"),
    path("sources/<slug:slug>/", views.SourceView.as_view(), name="source"),
    path("archive/", views.ArchiveIndex.as_view(), name="archive"),
    path("archive/undated/", views.UndatedArchive.as_view(), name="archive-undated"),
    path("archive/on/<dd:month>-<dd:day>/", views.OnThisDay.as_view(), name="on-this-day"),
    path("archive/<yyyy:year>/", views.YearArchive.as_view(), name="archive-year"),
    path("archive/<yyyy:year>/<dd:month>/", views.MonthArchive.as_view(), name="archive-month"),
    path(
        "archive/<yyyy:year>/<dd:month>/<dd:day>/",
        views.DayArchive.as_view(),
        name="archive-day",
    ),
    re_path(
        r"^(?P<kind>people|organizations|places|groups|topics)/(?P<slug>[-\w]+)/$",
        views.EntityView.as_view(),
        name="entity",
    ),
]
