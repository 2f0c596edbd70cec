"""Thin views: parse the request, ask a QuerySet, render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.cache import cache
from django.core.exceptions import BadRequest
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_safe
from django.views.generic import DetailView, ListView
from django.views.generic.dates import DayArchiveView, MonthArchiveView, YearArchiveView

from . import search
from .citations import citation_for, ris
from .filters import ENTITY_PARAMS, ArticleFilter
from .forms import SuggestForm
from .models import Article, Entity, EntityRedirect, Source
from .querysets import ArchiveStats
from .vocabulary import (
    ENTITY_SORTS,
    FACET_LIMIT,
    KIND_BY_URL_PREFIX,
    KIND_HEADING,
    PAGE_SIZE,
    EntityKind,
)


class HomeView(ListView):
    template_name = "articles/home.html"
    context_object_name = "stories"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return Article.objects.published().for_listing().latest()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(cache.get_or_set("home:highlights", home_highlights, HIGHLIGHTS_SECONDS))
        return context


# The archive's top people and topics count every mention in the archive: worth
# keeping for a few minutes rather than recounting on every visit to the home page.
HIGHLIGHTS_SECONDS = 300


def home_highlights() -> dict:
    return {
        "top_people": list(Entity.objects.trusted().top(Entity.Kind.PERSON)),
        "top_topics": list(Entity.objects.trusted().top(Entity.Kind.TOPIC)),
        "years": ArchiveStats.years(Article.objects.published()),
    }


class StoryView(DetailView):
    template_name = "articles/story.html"
    context_object_name = "story"

    def get_queryset(self):
        return Article.objects.published().select_related("source", "publisher")

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        # The id is the permalink; a changed or missing slug redirects to the canonical URL.
        if kwargs.get("slug") != self.object.slug:
            return redirect(self.object, permanent=True)
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_object(self, queryset=None):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        mentions = self.object.mentions.select_related("entity").order_by("salience", "-count")
        groups: dict[str, list] = {}
        for mention in mentions:
            groups.setdefault(mention.entity.get_kind_display(), []).append(mention.entity)
        context["entity_groups"] = groups
        published = Article.objects.published()
        related = search.related_ids(self.object)
        context["related"] = published.select_related("source").in_id_order(related)
        context["previous"], context["next"] = published.neighbours(self.object)
        return context


@require_safe
def story_ris(request: HttpRequest, pk: int) -> HttpResponse:
    """The story's citation as a RIS file, which Zotero, EndNote and Mendeley import."""
    story = get_object_or_404(
        Article.objects.published().select_related("source", "publisher"), pk=pk
    )
    citation = citation_for(
        story,
        permalink=request.build_absolute_uri(story.get_absolute_url()),
        accessed=timezone.localdate(),
    )
    response = HttpResponse(
        ris(citation), content_type="application/x-research-info-systems; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{citation.key}.ris"'
    return response


@dataclass
class Chip:
    """One part of the restated query, with the parameter that removes it."""

    phrase: str
    value: str
    key: str
    raw: str | None = None


CHIP_PHRASES = {
    "q": "mentioning",
    "person": "about person",
    "organization": "about organization",
    "place": "about place",
    "group": "about group",
    "topic": "on topic",
    "source": "from",
    "section": "in section",
    "from": "published from",
    "to": "published until",
    "year": "in",
    "has_date": "",
}


def describe(filterset: ArticleFilter) -> list[Chip]:
    data: dict[str, Any] = getattr(filterset.form, "cleaned_data", {})
    chips: list[Chip] = []
    for key, phrase in CHIP_PHRASES.items():
        value: Any = data.get(key)
        if value in (None, ""):
            continue
        if key in ENTITY_PARAMS:
            chips += [Chip(phrase, entity.name, key, entity.slug) for entity in value]
        elif key == "source":
            chips.append(Chip(phrase, value.name, key))
        elif key == "q":
            chips.append(Chip(phrase, f"‘{value}’", key))
        elif key == "has_date":
            known = value == "true"
            chips.append(Chip("", "with a known date" if known else "with no known date", key))
        elif key == "year":
            chips.append(Chip(phrase, str(int(value)), key))
        else:
            chips.append(Chip(phrase, str(value), key))
    return chips


class SearchView(ListView):
    """Ranked, highlighted, faceted search; with no query, the whole archive to browse."""

    template_name = "articles/search.html"
    context_object_name = "stories"
    paginate_by: int | None = PAGE_SIZE

    def search_form(self) -> ArticleFilter:
        self.filterset = ArticleFilter(
            self.request.GET or None,
            queryset=Article.objects.published().for_listing(),
            request=self.request,
        )
        self.filterset.is_valid()
        return self.filterset

    def get_queryset(self):
        self.search_form()
        # The page asked for is fetched with the count and facets, in one search.
        page = self.request.GET.get(self.page_kwarg) or 1
        number = int(page) if str(page).isdigit() else 1
        self.results = self.filterset.results(
            offset=(max(1, number) - 1) * PAGE_SIZE,
            limit=PAGE_SIZE,
            facets=[kind for _, _, kind in FACET_GROUPS],
        )
        return self.results.stories

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = self.filterset
        query = filterset.query
        results = self.results
        count = results.total
        facets = results.facets
        context.update(
            filterset=filterset,
            form=filterset.form,
            query=query,
            result_count=count,
            snippets=search.snippets(results.query, context["stories"]) if query else {},
            facets=[
                (
                    key,
                    label,
                    facets.get(kind, [])[:FACET_LIMIT],
                    len(facets.get(kind, [])) > FACET_LIMIT,
                )
                for key, label, kind in FACET_GROUPS
                if facets.get(kind)
            ],
            chips=describe(filterset),
            carried=[
                (key, value)
                for key in CARRIED_PARAMS
                for value in self.request.GET.getlist(key)[:20]
            ],
            searched=filterset.active,
            suggestions=search.suggest(query) if query and not count else [],
        )
        return context


# Filters the refine form keeps as hidden fields (it shows the others as inputs).
CARRIED_PARAMS = [*ENTITY_PARAMS, "source", "section", "year"]

FACET_GROUPS = [
    *((kind.value, KIND_HEADING[kind], kind) for kind in EntityKind),
    ("source", "Sources", "source"),
    ("year", "Years", "year"),
]


@require_GET
@cache_control(public=True, max_age=60)
def entity_suggestions(request: HttpRequest) -> JsonResponse:
    """Entities for the search box to offer as the reader types (static/js/autocomplete.js)."""
    form = SuggestForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    q = form.cleaned_data["q"]
    entities = Entity.objects.trusted().autocomplete(q) if q else []
    return JsonResponse(
        {
            "results": [
                {"name": e.name, "kind": e.kind, "url": e.get_absolute_url()} for e in entities
            ]
        }
    )


class SourceView(ListView):
    template_name = "articles/source.html"
    context_object_name = "stories"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.source = get_object_or_404(Source.objects.public(), slug=self.kwargs["slug"])
        self.source_stories = Article.objects.published().filter(
            Q(source=self.source) | Q(publisher=self.source)
        )
        return self.source_stories.for_listing().latest()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            source=self.source,
            years=ArchiveStats.years(self.source_stories),
            undated=self.source_stories.filter(published_at__isnull=True).count(),
            **kwargs,
        )


class EntityView(ListView):
    """A person's, organization's, place's, group's or topic's page."""

    template_name = "articles/entity.html"
    context_object_name = "stories"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        kind = KIND_BY_URL_PREFIX[self.kwargs["kind"]]
        self.entity = get_object_or_404(
            Entity.objects.public().prefetch_related("aliases"),
            kind=kind,
            slug=self.kwargs["slug"],
        )
        self.entity_stories = Article.objects.published().for_entity(self.entity)
        stories = self.entity_stories.for_listing()
        self.sort = self._sort()
        return stories.central_to(self.entity) if self.sort == "central" else stories.latest()

    def _sort(self) -> str:
        """A topic's page ranks by how central the topic is, other entities' pages
        newest first; ?sort= picks the other order."""
        default = "central" if self.entity.kind == Entity.Kind.TOPIC else "newest"
        sort = self.request.GET.get("sort", default)
        if sort not in ENTITY_SORTS:
            raise BadRequest(f"sort must be one of: {', '.join(ENTITY_SORTS)}")
        return sort

    def get_context_data(self, **kwargs):
        context = super().get_context_data(entity=self.entity, **kwargs)
        timeline = ArchiveStats.timeline(self.entity_stories)
        peak = max((row["count"] for row in timeline), default=0)
        context.update(
            timeline=timeline,
            chart=bar_chart(timeline, peak),
            co_mentioned=[
                {
                    **row,
                    "url": Entity(
                        kind=row["entity__kind"], slug=row["entity__slug"]
                    ).get_absolute_url(),
                }
                for row in ArchiveStats.co_mentioned(self.entity)
            ],
            filter_key=next(k for k, v in ENTITY_PARAMS.items() if v == self.entity.kind),
            sort=self.sort,
            sorts=ENTITY_SORTS,
        )
        return context

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            if hasattr(self, "entity"):  # the entity exists; only the page number was bad
                raise
            # A merged or re-kinded entity's old URL moves permanently to where it went.
            moved = EntityRedirect.target(
                kind=KIND_BY_URL_PREFIX[kwargs["kind"]], slug=kwargs["slug"]
            )
            if moved is None:
                raise
            return redirect(moved, permanent=True)


def bar_chart(rows: list[dict], peak: int, *, width: int = 600, height: int = 160) -> dict:
    """Geometry for a server-side SVG bar chart of counts over time."""
    if not rows or not peak:
        return {}
    gap = 2
    bar = max(2, (width - gap * len(rows)) // len(rows))
    bars = []
    for i, row in enumerate(rows):
        h = max(1, round(row["count"] / peak * (height - 20)))
        bars.append({**row, "x": i * (bar + gap), "y": height - h, "w": bar, "h": h})
    return {"width": len(rows) * (bar + gap), "height": height, "bars": bars, "peak": peak}


class FacetView(SearchView):
    """Every value of one facet for the current search ("More people…")."""

    template_name = "articles/facet.html"
    paginate_by = None
    limit = 500

    def get(self, request, *args, **kwargs):
        groups = {key: (label, kind) for key, label, kind in FACET_GROUPS}
        if kwargs["key"] not in groups:
            raise Http404("No such facet")
        self.label, self.kind = groups[kwargs["key"]]
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        self.search_form()
        # The same search as the results page, counting one facet further down its list.
        self.results = self.filterset.results(limit=0, facets=[self.kind], facet_limit=self.limit)
        return []

    def get_context_data(self, **kwargs):
        return {
            "view": self,
            "filterset": self.filterset,
            "form": self.filterset.form,
            "chips": describe(self.filterset),
            "facet_key": self.kwargs["key"],
            "facet_label": self.label,
            "values": self.results.facets.get(self.kind, []),
            "limit": self.limit,
        }


class DatedArchiveMixin:
    """Stories by date, newest first within the period; invalid dates are a 404."""

    date_field = "published_at"
    allow_empty = True
    allow_future = True
    make_object_list = True
    month_format = "%m"
    paginate_by = PAGE_SIZE
    context_object_name = "stories"
    template_name = "articles/archive_period.html"

    def get_queryset(self):
        return Article.objects.published().for_listing().latest()

    def get_dated_items(self):
        try:
            return super().get_dated_items()
        except (ValueError, OverflowError) as exc:
            raise Http404("No such date") from exc


class YearArchive(DatedArchiveMixin, YearArchiveView):  # type: ignore[misc]  # django-stubs types the mixins' shared attributes apart
    period = "year"


class MonthArchive(DatedArchiveMixin, MonthArchiveView):  # type: ignore[misc]  # django-stubs types the mixins' shared attributes apart
    period = "month"


class DayArchive(DatedArchiveMixin, DayArchiveView):  # type: ignore[misc]  # django-stubs types the mixins' shared attributes apart
    period = "day"


class ArchiveIndex(ListView):
    template_name = "articles/archive_index.html"
    context_object_name = "years"

    def get_queryset(self):
        return ArchiveStats.years(Article.objects.published())

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            undated=Article.objects.published().filter(published_at__isnull=True).count(),
            today=timezone.localdate(),
            **kwargs,
        )


class UndatedArchive(ListView):
    template_name = "articles/archive_period.html"
    context_object_name = "stories"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return (
            Article.objects.published()
            .for_listing()
            .filter(published_at__isnull=True)
            .order_by("title", "id")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(heading="Stories with no known date", **kwargs)


class OnThisDay(ListView):
    """Stories published on this month and day in any year."""

    template_name = "articles/archive_period.html"
    context_object_name = "stories"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        month, day = self.kwargs["month"], self.kwargs["day"]
        try:
            self.day = date(2000, month, day)  # a leap year, so 29 February exists
        except ValueError as exc:
            raise Http404("No such day") from exc
        return (
            Article.objects.published()
            .for_listing()
            .filter(published_at__month=month, published_at__day=day)
            .latest()
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            heading=f"On this day: {self.day:%-d %B}", on_this_day=True, **kwargs
        )
