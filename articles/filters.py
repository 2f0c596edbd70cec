"""The search form: every query parameter /search/, feeds and the API understand."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import django_filters
from django.db import connections
from django.db.models import Max, QuerySet

from .models import Article, Entity, Mention, Source
from .querysets import IdIn, StoriesById
from .search import MAX_QUERY_LENGTH

# Past this many matches, relevance ranking covers only the newest SEARCH_CAP of them (and
# the search page counts its facets over those): ranking or faceting every match of a broad
# query costs time in proportion to the archive. Sorted by date, every match is reachable.
# Past it too, PostgreSQL's count is the planner's estimate: it counts a match by visiting
# its row (84 ms for 8,300 of 25k stories).
SEARCH_CAP = 1000

SORTS = [("relevance", "Relevance"), ("newest", "Newest first"), ("oldest", "Oldest first")]
ENTITY_PARAMS = {
    "person": Entity.Kind.PERSON,
    "organization": Entity.Kind.ORGANIZATION,
    "place": Entity.Kind.PLACE,
    "group": Entity.Kind.GROUP,
    "topic": Entity.Kind.TOPIC,
}


class SlugsField(django_filters.fields.ModelMultipleChoiceField):
    """Slugs, where one left empty (`?person=`, as a blank form field sends) is not given."""

    def clean(self, value):
        return super().clean([slug for slug in value or [] if slug != ""])


class EntityFilter(django_filters.ModelMultipleChoiceFilter):
    """`?person=a&person=b`: stories that mention every one of them (AND)."""

    field_class = SlugsField
    # The most of one kind a search names; the API's schema publishes it.
    max_values = 10

    def __init__(self, kind: str, **kwargs) -> None:
        self.kind = kind
        kwargs.setdefault("queryset", Entity.objects.filter(kind=kind))
        kwargs.setdefault("to_field_name", "slug")
        kwargs.setdefault(
            "error_messages",
            {"invalid_choice": f"There is no {kind} “%(value)s” in the archive."},
        )
        super().__init__(**kwargs)

    def filter(self, qs, value):
        for entity in value or []:
            qs = qs.filter(pk__in=Mention.objects.filter(entity=entity).values("article_id"))
        return qs


@dataclass
class SearchResults:
    """What a search found, in the order it asked for."""

    matches: QuerySet
    stories: Sequence[Article]  # `matches`, or StoriesById in an order of relevance
    total: int  # every match; an estimate where `estimated`
    estimated: bool
    cap: int  # how many of the newest matches an order of relevance covers
    newest: list[int] | None = None  # their ids, where ranking fetched them

    @property
    def capped(self) -> bool:
        return self.total > self.cap

    @cached_property
    def candidates(self) -> QuerySet:
        """The stories facets count: every match, or the newest `cap` of many, fetched
        once (only the search page asks) so that facets do not run the match again."""
        if self.newest is None and not self.capped:
            return self.matches
        newest = self.newest
        if newest is None:
            newest = list(self.matches.most_recent_ids(self.cap))
        return Article.objects.filter(IdIn(newest))

    @property
    def ranked_cap(self) -> bool:
        """Whether the order of relevance reaches only the newest of the matches."""
        return self.capped and isinstance(self.stories, StoriesById)

    @property
    def reachable(self) -> int:
        """How many stories this order can be paged through."""
        return len(self.stories) if isinstance(self.stories, StoriesById) else self.total


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

    # results() ranks a bounded number of candidates itself (the search page, the API,
    # feeds); an export ranks every match in SQL.
    rank_in_sql = False
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

    def results(
        self, *, cap: int | None = None, estimate_above: int | None = None
    ) -> SearchResults:
        """The matches in the order asked for, counted, with the candidates for facets.

        By relevance, the newest `cap` matches (all of them, if fewer) are fetched once
        and ranked; the total of a query with no other filter is counted from the index
        (SQLite) or estimated past `estimate_above` (PostgreSQL, by relevance only)."""
        cap = SEARCH_CAP if cap is None else cap  # read now, so that a test may lower it
        estimate_above = cap if estimate_above is None else estimate_above
        query = self.query
        relevance = bool(query) and self.sort_order == "relevance"
        estimated = False
        if query and self.only_query:
            total, estimated = Article.objects.public_match_count(
                query, estimate_above=estimate_above if relevance else None
            )
            self.walk_newest = self._dense(total, cap)  # before qs is read
            stories = self.qs
        else:
            stories = self.qs
            total = stories.count()
        if not relevance:
            return SearchResults(stories, stories, total, estimated, cap)
        newest = list(stories.most_recent_ids(cap))
        ranked = StoriesById(Article.objects.ranked_ids(query, newest), self.queryset)
        return SearchResults(stories, ranked, total, estimated, cap, newest)

    def _dense(self, matches: int, cap: int) -> bool:
        """Whether the newest `cap` matches are found sooner by walking the archive newest
        first (about cap × stories / matches steps) than by looking every match up and
        sorting them (about `matches` steps): only when the matches are many."""
        if matches <= cap or connections[self.queryset.db].vendor != "sqlite":
            return False  # PostgreSQL plans its own
        span = Article.objects.aggregate(last=Max("id"))["last"] or 0
        return matches * matches > cap * span

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


class ExportFilter(ArticleFilter):
    """An export's: every match, in order of relevance over all of them."""

    rank_in_sql = True


# URL parameters are `from` and `to`, which Python cannot name as attributes.
for _filterset in (ArticleFilter, ExportFilter):
    _filterset.base_filters["from"] = _filterset.base_filters.pop("date_from")
    _filterset.base_filters["to"] = _filterset.base_filters.pop("date_to")
