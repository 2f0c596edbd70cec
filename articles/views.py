"""Thin views: parse the request, ask a QuerySet, render."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import DetailView, ListView

from .filters import ENTITY_PARAMS, ArticleFilter
from .models import Article, Entity, Source
from .querysets import FACET_LIMIT

PAGE_SIZE = 20
KIND_BY_PREFIX = {prefix: kind for kind, prefix in Entity.URL_PREFIX.items()}


class HomeView(ListView):
    template_name = "articles/home.html"
    context_object_name = "stories"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return Article.objects.published().for_listing().latest()


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
        return context


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
    data = getattr(filterset.form, "cleaned_data", {})
    chips: list[Chip] = []
    for key, phrase in CHIP_PHRASES.items():
        value = data.get(key)
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
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.filterset = ArticleFilter(
            self.request.GET or None,
            queryset=Article.objects.published().for_listing(),
            request=self.request,
        )
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = self.filterset
        query = filterset.query
        page_ids = [story.pk for story in context["stories"]]
        count = context["paginator"].count
        facets = filterset.qs.facet_counts() if count else {}
        context.update(
            filterset=filterset,
            form=filterset.form,
            query=query,
            result_count=count,
            snippets=Article.objects.snippets(query, page_ids) if query else {},
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
            suggestions=Entity.objects.suggest(query) if query and not count else [],
        )
        return context


# Filters the refine form keeps as hidden fields (it shows the others as inputs).
CARRIED_PARAMS = [*ENTITY_PARAMS, "source", "section", "year"]

FACET_GROUPS = [
    ("person", "People", Entity.Kind.PERSON),
    ("organization", "Organizations", Entity.Kind.ORGANIZATION),
    ("place", "Places", Entity.Kind.PLACE),
    ("group", "Groups", Entity.Kind.GROUP),
    ("topic", "Topics", Entity.Kind.TOPIC),
    ("source", "Sources", "source"),
    ("year", "Years", "year"),
]


class SourceView(ListView):
    template_name = "articles/source.html"
    context_object_name = "stories"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.source = get_object_or_404(Source, slug=self.kwargs["slug"])
        return Article.objects.published().for_listing().filter(source=self.source).latest()

    def get_context_data(self, **kwargs):
        return super().get_context_data(source=self.source, **kwargs)


class EntityView(ListView):
    template_name = "articles/entity.html"
    context_object_name = "stories"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        kind = KIND_BY_PREFIX[self.kwargs["kind"]]
        self.entity = get_object_or_404(Entity, kind=kind, slug=self.kwargs["slug"])
        return Article.objects.published().for_listing().for_entity(self.entity).latest()

    def get_context_data(self, **kwargs):
        return super().get_context_data(entity=self.entity, **kwargs)


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

    def get_context_data(self, **kwargs):
        values = self.filterset.qs.facet_counts(limit=self.limit, kinds=[self.kind])
        return {
            "view": self,
            "filterset": self.filterset,
            "form": self.filterset.form,
            "chips": describe(self.filterset),
            "facet_key": self.kwargs["key"],
            "facet_label": self.label,
            "values": values.get(self.kind, []),
            "limit": self.limit,
        }
