from django.urls import path, re_path

from . import views

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("search/facets/<slug:key>/", views.FacetView.as_view(), name="facet"),
    path("stories/<int:pk>-<slug:slug>/", views.StoryView.as_view(), name="story"),
    path("stories/<int:pk>/", views.StoryView.as_view(), name="story-short"),
    path("sources/<slug:slug>/", views.SourceView.as_view(), name="source"),
    re_path(
        r"^(?P<kind>people|organizations|places|groups|topics)/(?P<slug>[-\w]+)/$",
        views.EntityView.as_view(),
        name="entity",
    ),
]
