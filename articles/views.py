"""Thin views: parse the request, ask a QuerySet, render."""

from __future__ import annotations

import calendar
import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.core.exceptions import BadRequest
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Q
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_safe
from django.views.generic import DetailView, ListView
from django.views.generic.dates import DayArchiveView, MonthArchiveView, YearArchiveView
from django.views.generic.list import MultipleObjectMixin

from . import compare, search
from .caching import cached_fragment
from .charts import bar_chart, line_chart, month_rows, span_rows, year_rows
from .citations import citation_for, ris
from .clusters import diff
from .exports import spreadsheet_safe
from .filters import ENTITY_PARAMS, ArticleFilter
from .forms import SuggestForm
from .linking import LinkTarget, link_first_mentions
from .models import Article, Entity, EntityRedirect, Source, StoryCluster
from .querysets import ArchiveStats, MergedLatest
from .templatetags.archive import query_with
from .vocabulary import (
    COPIES_PAGE_SIZE,
    ENTITY_SORTS,
    FACET_LIMIT,
    KIND_BY_URL_PREFIX,
    KIND_HEADING,
    PAGE_SIZE,
    EntityKind,
)

# ?copies= on browse pages, as on search: each story cluster once, or every copy.
COPIES = {"collapsed": "Each story once", "all": "Every copy"}


class CountedPaginator(Paginator):
    """A paginator that is told how to count its list, where counting the list's own
    query would be slow (a collapsed listing looks for a better copy row by row)."""

    def __init__(self, object_list, per_page, *, counted: Callable[[], int], **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._counted = counted

    @cached_property
    def count(self) -> int:
        return self._counted()


# A browse page's aggregates (its count, years, co-mentions) are exact for one state of
# the archive, so each is kept under the archive's generation (cached_fragment): read
# from the database once after each change, not once per reader. Seconds bound the
# space, not the freshness.
STATS_SECONDS = 600


class CopiesMixin(MultipleObjectMixin):
    """A browse page lists each story cluster once, by the best ranked of its copies the
    page holds, with "also ran in N other places"; ?copies=all lists every copy. Its
    counts count what it lists."""

    request: HttpRequest  # a mixin for views, which have one
    listing_of = None  # the stories listing() listed, before collapsing
    stats_name = ""  # what the page lists ("home", "entity:12"), naming its aggregates

    def stats(self, what: str, compute: Callable[[], Any]) -> Any:
        """compute()'s answer for this listing and copies mode, kept as cached_fragment
        keeps a fragment: until the archive changes."""
        if not self.stats_name:
            return compute()
        copies = "all" if self.every_copy() else "collapsed"
        return cached_fragment(f"stats:{self.stats_name}:{copies}:{what}", compute, STATS_SECONDS)

    def every_copy(self) -> bool:
        value = self.request.GET.get("copies", "collapsed")
        if value not in COPIES:
            raise BadRequest(f"copies must be one of: {', '.join(COPIES)}")
        return value == "all"

    def listed(self, stories):
        """The page's stories as it counts them; cards add `.with_also_ran()`."""
        return stories if self.every_copy() else stories.collapsed()

    def counted(self, stories):
        """The same stories as listed(), to count over (years, undated, timelines): each
        cluster found in one pass over the set rather than a lookup a story."""
        return stories if self.every_copy() else stories.cluster_heads()

    def listing(self, stories, *, through=None):
        """listed(stories) as the page's list, which the paginator then counts in one
        pass too. Only for a list that is `stories` collapsed and ordered, no more: a
        filter after collapsing changes what is counted. `through` is the same stories
        found another way, through an index that also orders them; it is what is
        listed, collapsed against `stories`."""
        self.listing_of = stories
        if through is None:
            return self.listed(stories)
        return through if self.every_copy() else through.collapsed(among=stories)

    def total(self, queryset) -> int:
        """How many stories the page lists, counted in one pass and kept (stats()). A
        page whose other aggregates already hold its total derives it from them."""
        if self.listing_of is None or self.every_copy():
            return self.stats("total", queryset.count)
        return self.stats("total", self.listing_of.collapsed_count)

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kw):
        return CountedPaginator(
            queryset,
            per_page,
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
            counted=lambda: self.total(queryset),
        )

    def get_context_data(self, **kwargs):
        copies = "all" if self.every_copy() else "collapsed"
        return super().get_context_data(copies=copies, copies_choices=COPIES, **kwargs)


class HomeView(CopiesMixin, ListView):
    template_name = "articles/home.html"
    context_object_name = "stories"
    paginate_by = PAGE_SIZE

    stats_name = "home"

    def get_queryset(self):
        return self.listing(Article.objects.published()).with_also_ran().for_cards().latest()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(cached_fragment("home:highlights", home_highlights, HIGHLIGHTS_SECONDS))
        return context


# The archive's top people and topics count every mention in the archive: kept until
# the archive changes (cached_fragment), and a few minutes at most.
HIGHLIGHTS_SECONDS = 300


def home_highlights() -> dict:
    return {
        "top_people": list(Entity.objects.trusted().top(Entity.Kind.PERSON)),
        "top_topics": list(Entity.objects.trusted().top(Entity.Kind.TOPIC)),
        "years": ArchiveStats.years(Article.objects.published().cluster_heads()),
    }


class StoryView(DetailView):
    template_name = "articles/story.html"
    context_object_name = "story"

    def get_queryset(self):
        return (
            Article.objects.published()
            .with_also_ran()
            .select_related("source", "publisher")
            .for_reading()
        )

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
        mentions = list(
            self.object.mentions.select_related("entity").order_by("salience", "-count")
        )
        groups: dict[str, list] = {}
        targets = []
        for mention in mentions:
            entity = mention.entity
            # Its address, reversed once: the tag list and the body's links both use it.
            entity.url = entity.get_absolute_url()
            groups.setdefault(entity.get_kind_display(), []).append(entity)
            if entity.kind != Entity.Kind.TOPIC:  # a topic is a subject, not a name in the text
                targets.append(
                    LinkTarget(
                        names=(mention.surface, entity.name),
                        url=entity.url,
                        title=f"{entity.name} ({entity.get_kind_display().lower()})",
                    )
                )
        context["entity_groups"] = groups
        context["paragraphs"] = link_first_mentions(self.object.paragraphs, targets)
        published = Article.objects.published()
        related = search.related_ids(self.object, mentions=mentions)
        # What the list shows: the title, linked, and the date; not the bodies.
        shown = published.only("id", "slug", "title", "published_at")
        context["related"] = shown.in_id_order(related)
        context["previous"], context["next"] = published.neighbours(self.object)
        return context


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers and crawlers ask for whatever the page links."""
    return redirect(static("favicon.svg"), permanent=True)


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


def without_empty_parameters(request: HttpRequest) -> HttpResponse | None:
    """A redirect to this URL without its empty parameters (`&from=&to=`, which a form
    sends for every field left blank), or None when it has none: URLs stay clean."""
    if not any(value == "" for _, values in request.GET.lists() for value in values):
        return None
    return redirect(f"{request.path}{query_with(request, page=request.GET.get('page') or None)}")


class CleanQueryMixin:
    def get(self, request, *args, **kwargs):
        return without_empty_parameters(request) or super().get(request, *args, **kwargs)


class SearchView(CleanQueryMixin, ListView):
    """Ranked, highlighted, faceted search; with no query, the whole archive to browse."""

    template_name = "articles/search.html"
    context_object_name = "stories"
    paginate_by: int | None = PAGE_SIZE

    def search_form(self) -> ArticleFilter:
        self.filterset = ArticleFilter(
            self.request.GET or None,
            # The page shows its stories as cards only: a card's columns, not every one.
            queryset=Article.objects.published().for_cards(),
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
            months=self.filterset.active,  # the chart over time, from the same search
        )
        return self.results.stories

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = self.filterset
        query = filterset.query
        results = self.results
        count = results.total
        facets = results.facets
        chips = describe(filterset)
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
            chips=chips,
            # The phone's "Filters (N active)": the query words are not a filter.
            active_filters=sum(1 for chip in chips if chip.key != "q"),
            carried=[
                (key, value)
                for key in CARRIED_PARAMS
                for value in self.request.GET.getlist(key)[:20]
            ],
            searched=filterset.active,
            suggestions=search.suggest(query) if query and not count else [],
            selected={key: set(self.request.GET.getlist(key)) for key, _, _ in FACET_GROUPS},
            links=search_links(self.request),
        )
        if filterset.active and count:
            context["over_time"] = over_time(self.request, filterset, results.months)
        return context


def search_links(request: HttpRequest) -> dict[str, str]:
    """The feed and the exports of the search on this page."""
    params = query_with(request, sort=None)
    return {
        "feed": reverse("articles:feed-search") + params,
        "csv": reverse("articles:export-csv") + params,
        "jsonl": reverse("articles:export-jsonl") + params,
    }


def over_time(
    request: HttpRequest, filterset: ArticleFilter, counts: search.MonthCounts | None = None
) -> dict:
    """The search's exact story counts by year, or by month within the year it is
    narrowed to (or the one year all its matches fall in); each bar links to the
    search narrowed to it. `counts`: the page's search counted them already."""
    if counts is None:
        counts = filterset.month_counts(checked=True)
    years = counts.by_year()
    year = (
        filterset.form.cleaned_data.get("year") if hasattr(filterset.form, "cleaned_data") else None
    )
    if year is None and len(years) == 1:
        year = next(iter(years))
    if year is not None:
        year = int(year)

        def month_url(y: int, m: int) -> str:
            last = calendar.monthrange(y, m)[1]
            return query_with(
                request, year=y, **{"from": f"{y}-{m:02d}-01", "to": f"{y}-{m:02d}-{last}"}
            )

        rows = month_rows(year, counts.in_year(year), month_url)
        by = "month"
    else:
        rows = year_rows(years, lambda y: query_with(request, year=y))
        by = "year"
    peak = max((row["count"] for row in rows), default=0)
    return {
        "rows": rows,
        "chart": bar_chart(rows, peak),
        "by": by,
        "year": year,
        "undated": counts.undated,
    }


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


class SourceView(CopiesMixin, ListView):
    template_name = "articles/source.html"
    context_object_name = "stories"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.source = get_object_or_404(Source.objects.public(), slug=self.kwargs["slug"])
        published = Article.objects.published()
        stories = published.filter(Q(source=self.source) | Q(publisher=self.source))
        # Years, undated and the total in one pass over the source's stories: a source
        # can hold most of the archive, and each pass reads all of its rows.
        self.stats_name = f"source:{self.source.pk}"
        self.years, self.undated = self.stats(
            "years", lambda: ArchiveStats.years_and_undated(self.counted(stories))
        )
        if self.every_copy():
            branches = [
                published.filter(source=self.source),
                published.filter(publisher=self.source),
            ]
        else:  # each cluster once, by its best copy among all of the source's stories
            branches = [
                published.filter(source=self.source).collapsed(among=stories),
                published.filter(publisher=self.source).collapsed(among=stories),
            ]
        return MergedLatest(
            *(branch.latest() for branch in branches),
            rows=stories.with_also_ran().for_listing(),
        )

    def total(self, queryset) -> int:
        return self.undated + sum(row["count"] for row in self.years)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            source=self.source,
            years=self.years,
            undated=self.undated,
            **kwargs,
        )


# "Often mentioned with": the most co-mentioned entities, at most this many of a kind.
CO_MENTIONED_LIMIT = 40
CO_MENTIONED_PER_KIND = 8


class EntityView(CopiesMixin, ListView):
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
        published = Article.objects.published()
        stories = published.for_entity(self.entity)
        self.entity_stories = stories  # counted (entity_stats) only when not kept
        self.stats_name = f"entity:{self.entity.pk}"
        self.sort = self._sort()
        if self.sort == "central":
            # The same stories, found through the mentions' centrality index, which
            # orders them too; the counts still come from `stories`.
            central = self.listing(stories, through=published.central_to(self.entity))
            return central.with_also_ran().for_cards(joined=False)
        return self.listing(stories).with_also_ran().for_cards().latest()

    def _sort(self) -> str:
        """Every entity's page ranks by how central the entity is to each story (named
        in the headline, the lede, how often); ?sort=newest puts the newest first."""
        sort = self.request.GET.get("sort", "central")
        if sort not in ENTITY_SORTS:
            raise BadRequest(f"sort must be one of: {', '.join(ENTITY_SORTS)}")
        return sort

    def entity_stats(self) -> dict[str, Any]:
        """The entity's stories over time, its undated ones and its co-mentions."""

        def compute() -> dict[str, Any]:
            # Built here, not with the page's listing: half a millisecond of queryset
            # building that a page whose stats are kept never used.
            counted = self.counted(self.entity_stories)
            return {
                "timeline": ArchiveStats.timeline(counted),
                "undated": counted.filter(published_at__isnull=True).count(),
                "co_mentioned": ArchiveStats.co_mentioned(
                    self.entity, limit=CO_MENTIONED_LIMIT, stories=counted
                ),
            }

        return self.stats("entity", compute)

    def total(self, queryset) -> int:
        # The timeline counts every dated story the page lists, once.
        stats = self.entity_stats()
        return stats["undated"] + sum(row["count"] for row in stats["timeline"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(entity=self.entity, **kwargs)
        stats = self.entity_stats()
        timeline = stats["timeline"]
        peak = max((row["count"] for row in timeline), default=0)
        co_mentioned: dict[str, list[dict]] = {kind: [] for kind in Entity.Kind.values}
        for row in stats["co_mentioned"]:
            entity = Entity(kind=row["entity__kind"], slug=row["entity__slug"])
            group = co_mentioned.setdefault(row["entity__kind"], [])
            if len(group) < CO_MENTIONED_PER_KIND:
                group.append({**row, "url": entity.get_absolute_url()})
        context.update(
            timeline=timeline,
            chart=bar_chart(timeline, peak),
            undated=stats["undated"],
            feed_url=reverse(
                "articles:feed-entity",
                kwargs={"kind": self.kwargs["kind"], "slug": self.entity.slug},
            ),
            co_mentioned=[
                (KIND_HEADING[kind], rows) for kind, rows in co_mentioned.items() if rows
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
        values = self.results.facets.get(self.kind, [])
        find = self.request.GET.get("find", "").strip()[:200]
        key = self.kwargs["key"]
        return {
            "view": self,
            "filterset": self.filterset,
            "form": self.filterset.form,
            "chips": describe(self.filterset),
            "facet_key": key,
            "facet_label": self.label,
            "values": [v for v in values if find.lower() in v["name"].lower()] if find else values,
            "total_values": len(values),
            "find": find,
            "selected": set(self.request.GET.getlist(key)),
            # The search this page counts, kept when the filter box is submitted.
            "kept": [
                (k, v) for k, vs in self.request.GET.lists() if k != "find" for v in vs[:20] if v
            ],
            "limit": self.limit,
        }


def _utc(year: int, month: int = 1, day: int = 1) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


def _period_end(start: datetime, period: str) -> datetime:
    """Where the period that begins at `start` ends (the end of time past year 9999)."""
    try:
        if period == "year":
            return _utc(start.year + 1)
        if period == "month":
            return _utc(start.year + start.month // 12, start.month % 12 + 1)
        return start + timedelta(days=1)
    except (ValueError, OverflowError):
        return datetime.max.replace(tzinfo=UTC)


def period_url(when, period: str) -> str:
    if period == "year":
        return reverse("articles:archive-year", args=[when.year])
    if period == "month":
        return reverse("articles:archive-month", args=[when.year, when.month])
    return reverse("articles:archive-day", args=[when.year, when.month, when.day])


PERIOD_FORMATS = {"year": "Y", "month": "F Y", "day": "j F Y"}


def month_calendar(year: int, month: int, counts: dict[int, int], current: int | None = None):
    """The weeks of a month, Monday first: a cell per day with its story count and,
    when it has stories, a link to its page."""
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdayscalendar(year, month):
        weeks.append(
            [
                {
                    "day": d,
                    "date": date(year, month, d) if d else None,
                    "count": counts.get(d, 0),
                    "url": period_url(date(year, month, d), "day") if counts.get(d) else "",
                    "current": d == current,
                }
                if d
                else None
                for d in week
            ]
        )
    return {
        "month": date(year, month, 1),
        "weeks": weeks,
        "weekdays": [(calendar.day_abbr[i], calendar.day_name[i]) for i in range(7)],
    }


class DatedArchiveMixin(CopiesMixin):
    """Stories by date, newest first within the period; invalid dates are a 404. Each
    page links the nearest earlier and later periods that have stories, and a month's
    or a day's page shows the month as a calendar of story counts.

    The archive by date (these pages, the undated list, on this day and the index's
    counts) collapses clusters over the whole archive: a cluster is listed once, on its
    original's date, so a year's count is the sum of its months'."""

    date_field = "published_at"
    allow_empty = True
    allow_future = True
    make_object_list = True
    month_format = "%m"
    paginate_by = PAGE_SIZE
    context_object_name = "stories"
    template_name = "articles/archive_period.html"

    def get_queryset(self):
        return self.listed(Article.objects.published()).with_also_ran().for_listing().latest()

    def get_dated_items(self):
        try:
            return super().get_dated_items()
        except (ValueError, OverflowError) as exc:
            raise Http404("No such date") from exc

    def get_date_list(self, queryset, date_type=None, ordering="ASC"):
        """Django's list of the period's months or days with stories, which no page here
        shows (the chart and the calendar count them in SQL, ArchiveStats): not fetched.
        Django reads every story of the period for it, and on SQLite truncates each one's
        date in Python (two thirds of a month's page at 10k stories). With allow_empty,
        nothing else needs it: an empty period is a page, not a 404."""
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        when = context.get(self.period)
        start = _utc(
            when.year,
            getattr(when, "month", 1) if self.period != "year" else 1,
            when.day if self.period == "day" else 1,
        )
        end = _period_end(start, self.period)
        published = Article.objects.published()
        before, after = ArchiveStats.around(published, start, end)
        context["earlier"] = (
            {"url": period_url(before, self.period), "label": before} if before else None
        )
        context["later"] = (
            {"url": period_url(after, self.period), "label": after} if after else None
        )
        context["period"] = self.period
        context["period_format"] = PERIOD_FORMATS[self.period]
        crumbs = [("Archive", reverse("articles:archive"))]
        if self.period != "year":
            crumbs.append((str(start.year), period_url(start, "year")))
        if self.period == "day":
            crumbs.append((f"{start:%B %Y}", period_url(start, "month")))
        context["crumbs"] = crumbs
        if self.period == "year":
            months = ArchiveStats.months(
                published.filter(published_at__gte=start, published_at__lt=end)
            )
            rows = month_rows(
                start.year,
                {m % 100: n for m, n in months.items()},
                lambda y, m: period_url(date(y, m, 1), "month"),
            )
            context["months"] = rows
            context["chart"] = bar_chart(rows, max((r["count"] for r in rows), default=0))
        else:
            month_start = _utc(start.year, start.month)
            counts = ArchiveStats.days(published, month_start, _period_end(month_start, "month"))
            context["calendar"] = month_calendar(
                start.year, start.month, counts, start.day if self.period == "day" else None
            )
        return context


class YearArchive(DatedArchiveMixin, YearArchiveView):  # type: ignore[misc]  # django-stubs types the mixins' shared attributes apart
    period = "year"


class MonthArchive(DatedArchiveMixin, MonthArchiveView):  # type: ignore[misc]  # django-stubs types the mixins' shared attributes apart
    period = "month"


class DayArchive(DatedArchiveMixin, DayArchiveView):  # type: ignore[misc]  # django-stubs types the mixins' shared attributes apart
    period = "day"


COVERAGE_MONTHLY_YEARS = 3


def fold_empty_years(table: list[dict]) -> list[dict]:
    """The coverage table with each run of two or more empty years as one row
    ("1988–2003", no stories), so an archive of 1987 and 2004 is not sixteen rows of dots."""
    folded: list[dict] = []
    run: list[dict] = []

    def close() -> None:
        if len(run) >= 2:
            folded.append({"gap": f"{run[-1]['year']}–{run[0]['year']}", "years": len(run)})
        else:
            folded.extend(run)
        run.clear()

    for row in table:
        if row["count"]:
            close()
            folded.append(row)
        else:
            run.append(row)
    close()
    return folded


class ArchiveIndex(CopiesMixin, ListView):
    """The archive's coverage: stories by year as a chart, and by month as a table."""

    template_name = "articles/archive_index.html"
    context_object_name = "years"

    def get_queryset(self):
        # The years and the undated in one pass over the collapsed archive, which each
        # took a pass of their own (14 ms each at 9k stories on SQLite).
        years, self.undated = ArchiveStats.years_and_undated(
            self.counted(Article.objects.published())
        )
        return years

    def get_context_data(self, **kwargs):
        months = ArchiveStats.months(Article.objects.published())
        years: dict[int, int] = {}
        for month, n in months.items():
            years[month // 100] = years.get(month // 100, 0) + n
        rows = year_rows(years, lambda y: period_url(date(y, 1, 1), "year"))
        # A few years of stories show best month by month; more, year by year.
        by_month = len(rows) <= COVERAGE_MONTHLY_YEARS
        bars = (
            span_rows(months, lambda y, m: period_url(date(y, m, 1), "month")) if by_month else rows
        )
        table = [
            {
                "year": row["label"],
                "count": row["count"],
                "url": row["url"],
                "months": [
                    {
                        "count": months.get(int(row["label"]) * 100 + m, 0),
                        "url": period_url(date(int(row["label"]), m, 1), "month"),
                        "name": calendar.month_name[m],
                    }
                    for m in range(1, 13)
                ],
            }
            for row in reversed(rows)
        ]
        return super().get_context_data(
            coverage=fold_empty_years(table),
            undated=self.undated,
            today=timezone.localdate(),
            chart=bar_chart(bars, max((b["count"] for b in bars), default=0)),
            chart_by="month" if by_month else "year",
            month_abbr=[(calendar.month_abbr[m], calendar.month_name[m]) for m in range(1, 13)],
            **kwargs,
        )


class UndatedArchive(CopiesMixin, ListView):
    template_name = "articles/archive_period.html"
    context_object_name = "stories"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        undated = self.listed(Article.objects.published()).filter(published_at__isnull=True)
        return undated.with_also_ran().for_listing().order_by("title", "id")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            heading="Stories with no known date",
            crumbs=[("Archive", reverse("articles:archive"))],
            **kwargs,
        )


def nearest_days(days: dict[tuple[int, int], int], month: int, day: int, n: int = 3):
    """The `n` month-days before and after (month, day) that have stories in some year,
    nearest first, going round the year's end."""
    order = {}
    for (m, d), count in days.items():
        try:
            order[(m, d)] = (date(2000, m, d).timetuple().tm_yday, count)
        except ValueError:
            continue
    here = date(2000, month, day).timetuple().tm_yday

    def distance(key, forward: bool) -> int:
        gap = (order[key][0] - here) % 366
        return gap if forward else (366 - gap) % 366

    others = [key for key in order if key != (month, day)]
    after = sorted(others, key=lambda k: distance(k, True))[:n]
    # A day is offered once, on the side it is nearer (a small archive's days are near
    # both ways round the year).
    before = [
        k
        for k in sorted(others, key=lambda k: distance(k, False))
        if k not in after or distance(k, False) < distance(k, True)
    ][:n]
    after = [k for k in after if k not in before]

    def link(key):
        return {
            "day": date(2000, *key),
            "count": order[key][1],
            "url": reverse("articles:on-this-day", args=list(key)),
        }

    return [link(k) for k in before], [link(k) for k in after]


class OnThisDay(CopiesMixin, ListView):
    """Stories published on this month and day in any year, and the nearest days with
    stories either side (an empty day offers them first)."""

    template_name = "articles/archive_period.html"
    context_object_name = "stories"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        month, day = self.kwargs["month"], self.kwargs["day"]
        try:
            self.day = date(2000, month, day)  # a leap year, so 29 February exists
        except ValueError as exc:
            raise Http404("No such day") from exc
        # The day in UTC, as the archive's dates are (Article.month_day). Filtered after
        # collapsing: a cluster is listed on its original's day only.
        that_day = self.listed(Article.objects.published()).filter(month_day=month * 100 + day)
        return that_day.with_also_ran().for_listing().latest()

    def get_context_data(self, **kwargs):
        before, after = nearest_days(
            ArchiveStats.month_days(Article.objects.published()), self.day.month, self.day.day
        )
        return super().get_context_data(
            heading=f"On this day: {self.day:%-d %B}",
            on_this_day=True,
            days_before=before,
            days_after=after,
            crumbs=[("Archive", reverse("articles:archive"))],
            **kwargs,
        )


MEASURES = {"count": "Stories", "share": "Share of all stories (%)"}


def _comparison(request: HttpRequest):
    """The queries of `?q=…&q=…` and their comparison (None for fewer than two), or
    the error that stops them being compared."""
    try:
        queries = compare.queries_from(request.GET.getlist("q")[: compare.MAX_QUERIES + 1])
    except compare.CompareError as exc:
        return [q for q in request.GET.getlist("q") if q.strip()], None, str(exc)
    if len(queries) < compare.MIN_QUERIES:
        return queries, None, ""
    return queries, compare.compare(queries), ""


@require_safe
def compare_view(request: HttpRequest) -> HttpResponse:
    """Two to five searches over time on one chart, as counts or as shares."""
    if cleaned := without_empty_parameters(request):
        return cleaned
    queries, comparison, error = _comparison(request)
    measure = request.GET.get("measure", "count")
    if measure not in MEASURES:
        error = error or f"measure must be one of: {', '.join(MEASURES)}"
        measure = "count"
    context = {
        "queries": queries,
        "fields": [*queries, *[""] * (compare.MAX_QUERIES - len(queries))][: compare.MAX_QUERIES],
        "error": error,
        "measure": measure,
        "measures": MEASURES,
        "max_queries": compare.MAX_QUERIES,
    }
    if comparison is not None:
        values = [s.shares if measure == "share" else s.counts for s in comparison.series]
        chart = line_chart(comparison.labels, values)
        for line, series in zip(chart.get("lines", []), comparison.series, strict=True):
            line["query"] = series.query
            for point, period in zip(line["points"], comparison.periods, strict=True):
                year, month = period
                if month:
                    last = calendar.monthrange(year, month)[1]
                    params = {"from": f"{year}-{month:02d}-01", "to": f"{year}-{month:02d}-{last}"}
                else:
                    params = {"year": year}
                point["url"] = (
                    reverse("articles:search") + "?" + urlencode({"q": series.query, **params})
                )
        context.update(
            comparison=comparison,
            chart=chart,
            rows=[
                {
                    "label": label,
                    "all": comparison.all_stories[i],
                    "values": [(s.counts[i], s.shares[i]) for s in comparison.series],
                }
                for i, label in enumerate(comparison.labels)
            ],
            csv_url=reverse("articles:compare-csv") + query_with(request, measure=None),
        )
    return render(request, "articles/compare.html", context, status=400 if error else 200)


@require_safe
def compare_csv(request: HttpRequest) -> HttpResponse:
    """The compared series as CSV: a row per period, each query's count and share."""
    queries, comparison, error = _comparison(request)
    if error or comparison is None:
        return HttpResponseBadRequest(
            error or f"Give {compare.MIN_QUERIES} to {compare.MAX_QUERIES} searches: ?q=…&q=…",
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="newsarchive-compare.csv"'
    writer = csv.writer(response)
    header = [comparison.by, "all_stories"]
    for q in queries:
        header += [spreadsheet_safe(f"{q} stories"), spreadsheet_safe(f"{q} share_percent")]
    writer.writerow(header)
    for i, (year, month) in enumerate(comparison.periods):
        row = [f"{year}-{month:02d}" if month else str(year), comparison.all_stories[i]]
        for s in comparison.series:
            row += [s.counts[i], f"{s.shares[i]:.2f}"]
        writer.writerow(row)
    return response


class ClusterView(DetailView):
    """A story cluster's versions: its public copies with their source, date and length,
    COPIES_PAGE_SIZE a page (?page=N), and any two side by side (?a=<id>&b=<id>; the
    original and the next by default), whichever pages they are listed on. Each copy on
    the page is rendered once, and the page takes the same queries however many copies
    the cluster has."""

    template_name = "articles/cluster.html"
    context_object_name = "cluster"
    model = StoryCluster

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ordered = (
            Article.objects.published()
            .for_listing()
            .filter(cluster=self.object)
            .order_by("cluster_rank", "id")
        )
        paginator = Paginator(ordered, COPIES_PAGE_SIZE)
        if not paginator.count:
            raise Http404("No such story cluster")
        try:
            page = paginator.page(self.request.GET.get("page", 1))
        except InvalidPage as exc:
            raise Http404("No such page of copies") from exc
        first_two = list(page.object_list[:2]) if page.number == 1 else list(ordered[:2])
        chosen = []
        for key, default in (("a", first_two[0].pk), ("b", first_two[-1].pk)):
            value = self.request.GET.get(key, "")
            if value == "":
                chosen.append(default)
            elif not value.isdigit():
                raise BadRequest(f"{key} must be the id of one of this cluster's copies")
            else:
                chosen.append(int(value))
        compared = (
            ordered.defer(None).for_reading().select_related("source", "publisher").in_bulk(chosen)
        )
        if any(pk not in compared for pk in chosen):
            raise BadRequest("a and b must be the ids of two of this cluster's copies")
        left, right = compared[chosen[0]], compared[chosen[1]]
        for copy in (*page.object_list, left, right):
            copy.label = _copy_name(copy)
        rows = diff.paragraphs(left.body.split("\n\n"), right.body.split("\n\n"))
        on_page = {copy.pk for copy in page.object_list}
        context.update(
            copies=page.object_list,
            copy_count=paginator.count,
            page_obj=page,
            paginator=paginator,
            pagination_noun="copies",
            more=paginator.count - page.end_index(),
            original=first_two[0],
            left=left,
            right=right,
            # A compared copy listed on another page keeps its place in the form.
            kept=[
                (key, copy.pk)
                for key, copy in (("a", left), ("b", right))
                if copy.pk not in on_page
            ],
            left_name=left.label,
            right_name=right.label,
            rows=rows,
            changes=diff.summary(rows),
        )
        return context


def _copy_name(copy: Article) -> str:
    """A copy as the phone layout of the diff labels it: who ran it, and when."""
    site = copy.publisher or copy.source
    day = f"{copy.published_at:%-d %b %Y}" if copy.published_at else "undated"
    return f"{site.name if site else 'Copy ' + str(copy.pk)}, {day}"
