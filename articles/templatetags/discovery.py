"""<link> tags that let browsers and feed readers find the feeds and the search."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from ..models import Entity, Source
from ..vocabulary import KIND_URL_PREFIX

register = template.Library()


@register.simple_tag(takes_context=True)
def feed_links(context) -> str:
    """The latest-stories feed, plus the feed of whatever this page lists."""
    links = [(reverse("articles:feed-latest"), "newsarchive: latest stories")]
    entity = context.get("entity")
    source = context.get("source")
    filterset = context.get("filterset")
    request = context.get("request")
    if isinstance(entity, Entity) and entity.pk:
        url = reverse(
            "articles:feed-entity",
            kwargs={"kind": KIND_URL_PREFIX[entity.kind], "slug": entity.slug},
        )
        links.append((url, f"newsarchive: {entity.name}"))
    elif isinstance(source, Source) and source.pk:
        links.append((reverse("articles:feed-source", kwargs={"slug": source.slug}), source.name))
    elif filterset is not None and request is not None and getattr(filterset, "active", False):
        params = request.GET.copy()
        params.pop("page", None)
        url = f"{reverse('articles:feed-search')}?{params.urlencode()}"
        links.append((url, "newsarchive: this search"))
    return format_html_join(
        "\n  ",
        '<link rel="alternate" type="application/atom+xml" title="{}" href="{}">',
        ((title, url) for url, title in links),
    )


@register.simple_tag
def opensearch_link() -> str:
    return format_html(
        '<link rel="search" type="application/opensearchdescription+xml" '
        'title="newsarchive" href="{}">',
        reverse("articles:opensearch"),
    )
