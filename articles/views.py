"""Thin views: parse the request, ask a QuerySet, render."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import DetailView, ListView

from .models import Article, Entity, EntityRedirect, Source

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


class SearchView(ListView):
    template_name = "articles/search.html"
    context_object_name = "stories"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.query = self.request.GET.get("q", "").strip()[:500]
        stories = Article.objects.published().for_listing().latest()
        return stories.search(self.query) if self.query else stories.none()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["query"] = self.query
        return context


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

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            if hasattr(self, "entity"):  # the entity exists; only the page number was bad
                raise
            # A merged or re-kinded entity's old URL moves permanently to where it went.
            moved = EntityRedirect.target(kind=KIND_BY_PREFIX[kwargs["kind"]], slug=kwargs["slug"])
            if moved is None:
                raise
            return redirect(moved, permanent=True)
