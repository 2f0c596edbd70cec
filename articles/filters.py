"""The search form: every query parameter /search/, feeds, the API and exports understand.

The FilterSet validates the parameters; the search index answers them (see
articles/search/): exact totals, BM25 over every match, exact facet counts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import django_filters
from django import forms
from django.db.models import QuerySet

from . import search
from .models import Article, Entity, Source
from .vocabulary import FACET_LIMIT, MAX_QUERY_LENGTH, SEARCH_SORTS, EntityKind

# A kind's filter is named after it: ?person=<slug>.
ENTITY_PARAMS: dict[str, str] = {kind.value: kind for kind in EntityKind}


class SlugsField(django_filters.fields.ModelMultipleChoiceField):
    """Slugs, where one left empty (`?person=`, as a blank form field sends) is not given."""

    def clean(self, value):
        return super().clean([slug for slug in value or [] if slug != ""])


class KeptSelect(forms.Select):
    """A select of fixed choices whose HTML is kept a process for each name, chosen
    value and attributes. The search page draws three (date, sort, copies) on every
    search through Django's form templates, an option at a time (0.5 ms of the page),
    and they come out the same for the same few values; a value that is not one of the
    choices is drawn as usual, and not kept."""

    _kept: ClassVar[dict[tuple, str]] = {}

    def render(self, name, value, attrs=None, renderer=None):
        choices = tuple(self.choices)
        if value is not None and value not in {str(key) for key, _ in choices}:
            return super().render(name, value, attrs, renderer)
        # Attributes in their order: the HTML writes them in it.
        key = (name, value, tuple((attrs or {}).items()), tuple(self.attrs.items()))
        key += (self.is_required, choices, renderer)
        try:
            html = self._kept.get(key)
        except TypeError:  # an attribute that cannot be a key
            return super().render(name, value, attrs, renderer)
        if html is None:
            html = self._kept[key] = super().render(name, value, attrs, renderer)
        return html


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
        return qs  # the search index applies it (ArticleFilter.search_request)


class SearchHits(Sequence):
    """The stories one search matched, in its order, looked up a window at a time:
    what a paginator or a feed slices. Its length is the exact total."""

    def __init__(
        self, request: search.SearchRequest, first: search.SearchResponse, queryset: QuerySet
    ) -> None:
        self.request, self.first, self.queryset = request, first, queryset

    def __len__(self) -> int:
        return self.first.total

    def count(self) -> int:  # type: ignore[override]  # Paginator's count(), not list.count(x)
        return self.first.total

    def ids(self, start: int, stop: int) -> list[int]:
        start, stop = max(0, start), min(stop, self.first.total)
        if stop <= start:
            return []
        window = self.request.offset, self.request.offset + len(self.first.ids)
        if window[0] <= start and stop <= window[1]:
            return self.first.ids[start - window[0] : stop - window[0]]
        request = search.SearchRequest(
            query=self.request.query,
            filters=self.request.filters,
            sort=self.request.sort,
            offset=start,
            limit=stop - start,
        )
        return search.run(request).ids

    def __getitem__(self, index):
        if not isinstance(index, slice):
            if index < 0:
                index += len(self)
            found = self[index : index + 1]
            if not found:
                raise IndexError(index)
            return found[0]
        start, stop, step = index.indices(len(self))
        return search.stories_for(self.ids(start, stop)[::step], self.queryset)


@dataclass
class SearchResults:
    """What a search found: the stories in order, the exact total and facet counts."""

    stories: SearchHits
    total: int
    query: search.ParsedQuery | None
    facets: dict[str, list[dict]] = field(default_factory=dict)
    months: search.MonthCounts | None = None  # when results(months=True)


def _named_facets(found: dict[str, list[tuple[int, int]]], limit: int) -> dict[str, list[dict]]:
    """Facet counts by id, as {"slug", "name", "count"} rows, in the index's order: most
    first, ties by id (the value the archive knew first comes first). The index cuts
    the list at `limit` in that order, so a shorter list is always a longer one's start
    (the search page's ten and the "More…" page's hundreds agree)."""
    entity_ids = [pk for kind in search.ENTITY_FACETS for pk, _ in found.get(kind, [])]
    entities = {
        pk: (slug, name)
        for pk, slug, name in Entity.objects.filter(pk__in=entity_ids).values_list(
            "pk", "slug", "name"
        )
    } if entity_ids else {}  # fmt: skip
    source_ids = [pk for pk, _ in found.get("source", [])]
    sources = {
        pk: (slug, name)
        for pk, slug, name in Source.objects.filter(pk__in=source_ids).values_list(
            "pk", "slug", "name"
        )
    } if source_ids else {}  # fmt: skip
    facets: dict[str, list[dict]] = {}
    for kind, counts in found.items():
        if kind == "year":
            facets[kind] = [
                {"slug": str(year), "name": str(year), "count": n}
                for year, n in sorted(counts, reverse=True)
            ]
            continue
        names = sources if kind == "source" else entities
        rows = [
            {"slug": names[pk][0], "name": names[pk][1], "count": n}
            for pk, n in counts
            if pk in names
        ]
        facets[kind] = rows[:limit]
    return facets


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
        widget=KeptSelect,
    )
    sort = django_filters.ChoiceFilter(
        choices=SEARCH_SORTS,
        method="filter_sort",
        label="Sort by",
        empty_label=None,
        widget=KeptSelect,
    )
    copies = django_filters.ChoiceFilter(
        choices=[("collapsed", "Each story once"), ("all", "Every copy")],
        method="filter_sort",
        label="Copies",
        empty_label=None,
        widget=KeptSelect,
    )

    class Meta:
        model = Article
        fields: list[str] = []

    # The form class, built once (see get_form_class).
    _form_class: ClassVar[type[forms.Form] | None] = None

    def get_form_class(self) -> type[forms.Form]:
        """django-filter builds every filter's field and a form class from them for each
        FilterSet, a tenth of a search page's CPU (1-1.5 ms); they come out the same
        every time, so the class is built once. Each form copies the class's fields when
        it is made, as every Django form does, so no request shares a field's state."""
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            cls._form_class = form_class
        return form_class

    def filter_q(self, queryset, name, value):
        return queryset  # the search index answers it (see results)

    def filter_has_date(self, queryset, name, value):
        return queryset

    def filter_sort(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        # Every filter is the index's to apply: `qs` is never the answer, results() is.
        return queryset

    @property
    def sort_order(self) -> str:
        """The order asked for, or the default: relevance with a query, else newest."""
        chosen = getattr(self.form, "cleaned_data", {}).get("sort")
        return chosen or ("relevance" if self.query else "newest")

    @property
    def parsed_query(self) -> search.ParsedQuery | None:
        return search.parse(self.query) if self.query else None

    def search_filters(self) -> search.Filters:
        data = getattr(self.form, "cleaned_data", {})
        entities = {
            kind: tuple(entity.pk for entity in data.get(key) or [])
            for key, kind in ENTITY_PARAMS.items()
            if data.get(key)
        }
        has_date = data.get("has_date")
        year = data.get("year")
        return search.Filters(
            entities=entities,
            source=data["source"].pk if data.get("source") else None,
            section=(data.get("section") or "").strip().lower(),
            date_from=data.get("from"),
            date_to=data.get("to"),
            year=int(year) if year is not None else None,
            has_date=None if not has_date else has_date == "true",
            every_copy=data.get("copies") == "all",
        )

    def results(
        self,
        *,
        offset: int = 0,
        limit: int = 20,
        facets: Sequence[str] = (),
        facet_limit: int = FACET_LIMIT + 1,
        every_copy: bool | None = None,
        months: bool = False,
    ) -> SearchResults:
        """The matches in the order asked for, with the window `offset`/`limit` fetched,
        the exact total, and exact counts of `facets` over every match (the top
        `facet_limit` of each; the default is one more than a page shows), and with
        `months` their counts by month too, from the same search."""
        parsed = self.parsed_query
        filters = self.search_filters()
        if every_copy is not None:
            filters = dataclasses.replace(filters, every_copy=every_copy)
        request = search.SearchRequest(
            query=parsed,
            filters=filters,
            sort=self.sort_order,
            offset=max(0, offset),
            limit=max(0, limit),
            facets=tuple(facets),
            facet_limit=facet_limit,
            months=months,
        )
        if self.query and not parsed:
            # Nothing searchable in what was typed ("*", "--"): nothing matches.
            found = search.SearchResponse(ids=[], total=0, months=search.MonthCounts())
        else:
            found = search.run(request)
        return SearchResults(
            stories=SearchHits(request, found, self.queryset),
            total=found.total,
            query=parsed,
            facets=_named_facets(found.facets, facet_limit),
            months=found.months,
        )

    def month_counts(self, *, checked: bool = False) -> search.MonthCounts:
        """Exact counts of this search's matches by month, and how many are undated
        (`checked`: results() has just run, so the index is in step)."""
        parsed = self.parsed_query
        if self.query and not parsed:
            return search.MonthCounts()
        request = search.SearchRequest(query=parsed, filters=self.search_filters(), limit=0)
        return search.month_counts(request, checked=checked)

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
            if key not in ("q", "sort", "copies")
        )

    @property
    def active(self) -> bool:
        """Whether any filter or query was given (a sort order alone does not count)."""
        data = getattr(self.form, "cleaned_data", {})
        return any(
            value not in (None, "") and (not hasattr(value, "exists") or bool(value))
            for key, value in data.items()
            if key not in ("sort", "copies")
        )


# URL parameters are `from` and `to`, which Python cannot name as attributes.
ArticleFilter.base_filters["from"] = ArticleFilter.base_filters.pop("date_from")
ArticleFilter.base_filters["to"] = ArticleFilter.base_filters.pop("date_to")
