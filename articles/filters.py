"""The search form: every query parameter /search/, feeds and the API understand."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef

from .models import Article, Entity, Mention, Source
from .search import MAX_QUERY_LENGTH

SORTS = [("relevance", "Relevance"), ("newest", "Newest first"), ("oldest", "Oldest first")]
ENTITY_PARAMS = {
    "person": Entity.Kind.PERSON,
    "organization": Entity.Kind.ORGANIZATION,
    "place": Entity.Kind.PLACE,
    "group": Entity.Kind.GROUP,
    "topic": Entity.Kind.TOPIC,
}


class EntityFilter(django_filters.ModelMultipleChoiceFilter):
    """`?person=a&person=b`: stories that mention every one of them (AND)."""

    def __init__(self, kind: str, **kwargs) -> None:
        kwargs.setdefault("queryset", Entity.objects.filter(kind=kind))
        kwargs.setdefault("to_field_name", "slug")
        kwargs.setdefault(
            "error_messages",
            {"invalid_choice": f"There is no {kind} “%(value)s” in the archive."},
        )
        super().__init__(**kwargs)

    def filter(self, qs, value):
        for entity in value or []:
            qs = qs.filter(Exists(Mention.objects.filter(article=OuterRef("pk"), entity=entity)))
        return qs


class ArticleFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label="Search", max_length=MAX_QUERY_LENGTH, strip=True
    )
    person = EntityFilter(Entity.Kind.PERSON, label="Person")
    organization = EntityFilter(Entity.Kind.ORGANIZATION, label="Organization")
    place = EntityFilter(Entity.Kind.PLACE, label="Place")
    group = EntityFilter(Entity.Kind.GROUP, label="Group")
    topic = EntityFilter(Entity.Kind.TOPIC, label="Topic")
    source = django_filters.ModelChoiceFilter(
        queryset=Source.objects.all(),
        to_field_name="slug",
        label="Source",
        error_messages={"invalid_choice": "There is no such source in the archive."},
    )
    section = django_filters.CharFilter(field_name="section", lookup_expr="iexact", max_length=200)
    date_from = django_filters.DateFilter(
        field_name="published_at", lookup_expr="date__gte", label="From"
    )
    date_to = django_filters.DateFilter(
        field_name="published_at", lookup_expr="date__lte", label="To"
    )
    year = django_filters.NumberFilter(
        field_name="published_at",
        lookup_expr="year",
        label="Year",
        min_value=1,
        max_value=9999,
    )
    has_date = django_filters.ChoiceFilter(
        choices=[("true", "Dated"), ("false", "Undated")],
        method="filter_has_date",
        label="Date",
        empty_label="Any",
    )
    sort = django_filters.ChoiceFilter(
        choices=SORTS, method="filter_sort", label="Sort by", empty_label=None
    )

    class Meta:
        model = Article
        fields: list[str] = []

    # The search page ranks a bounded number of candidates itself (views.SearchView);
    # feeds, exports and the API rank in SQL.
    rank_in_sql = True
    # Whether the matches are many: then the newest are found by walking the archive
    # newest first (see querysets.FTSMatch). Set before `qs` is read.
    walk_newest = False

    def filter_q(self, queryset, name, value):
        if self.rank_in_sql:
            return queryset.search(value)
        return queryset.matching(value, walk_newest=self.walk_newest)

    def filter_has_date(self, queryset, name, value):
        return queryset.filter(published_at__isnull=value != "true")

    def filter_sort(self, queryset, name, value):
        return queryset  # applied last, in filter_queryset, once every filter is in

    @property
    def sort_order(self) -> str:
        """The order asked for, or the default: relevance with a query, else newest."""
        chosen = getattr(self.form, "cleaned_data", {}).get("sort")
        return chosen or ("relevance" if self.query else "newest")

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        sort = self.sort_order
        if sort == "relevance":
            return queryset.by_relevance()
        if sort == "oldest":
            return queryset.oldest()
        return queryset.latest()

    @property
    def query(self) -> str:
        if not self.is_bound or not hasattr(self.form, "cleaned_data"):
            return ""
        return self.form.cleaned_data.get("q") or ""

    @property
    def only_query(self) -> bool:
        """A query and nothing else to narrow it (a sort order aside)."""
        data = getattr(self.form, "cleaned_data", {})
        return bool(self.query) and not any(
            value not in (None, "") and (not hasattr(value, "exists") or bool(value))
            for key, value in data.items()
            if key not in ("q", "sort")
        )

    @property
    def active(self) -> bool:
        """Whether any filter or query was given (a sort order alone does not count)."""
        data = getattr(self.form, "cleaned_data", {})
        return any(
            value not in (None, "") and (not hasattr(value, "exists") or bool(value))
            for key, value in data.items()
            if key != "sort"
        )


class SearchPageFilter(ArticleFilter):
    """The search page's: it ranks a bounded set of candidates itself."""

    rank_in_sql = False


# URL parameters are `from` and `to`, which Python cannot name as attributes.
for _filterset in (ArticleFilter, SearchPageFilter):
    _filterset.base_filters["from"] = _filterset.base_filters.pop("date_from")
    _filterset.base_filters["to"] = _filterset.base_filters.pop("date_to")
