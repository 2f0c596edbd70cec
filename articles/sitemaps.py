"""How crawlers and browsers find the archive: sitemaps, robots.txt, OpenSearch."""

from __future__ import annotations

import os

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from .models import Article, Entity, Source

URLS_PER_PAGE = 10_000
# The search OpenSearch offers as its example Query.
OPENSEARCH_EXAMPLE = "election"


class StorySitemap(Sitemap):
    limit = URLS_PER_PAGE

    def items(self):
        return Article.objects.published().only("id", "slug", "updated_at").order_by("id")

    def lastmod(self, item: Article):
        return item.updated_at

    def get_latest_lastmod(self):
        # Django's default loads every item to take the newest date; ask SQL instead.
        return Article.objects.published().aggregate(latest=Max("updated_at"))["latest"]


class EntitySitemap(Sitemap):
    """People, organizations, places, groups and topics that public stories mention."""

    limit = URLS_PER_PAGE

    def items(self):
        return Entity.objects.public().only("id", "kind", "slug").order_by("id")


class SourceSitemap(Sitemap):
    limit = URLS_PER_PAGE

    def items(self):
        return Source.objects.public().only("id", "slug").order_by("id")


SITEMAPS = {"stories": StorySitemap, "entities": EntitySitemap, "sources": SourceSitemap}


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    exports = os.path.commonprefix(  # noqa: RUF071 - the character prefix of two URLs is meant
        [reverse("articles:export-csv"), reverse("articles:export-jsonl")]
    )
    lines = [
        "User-agent: *",
        f"Disallow: {reverse('admin:index')}",
        f"Disallow: {exports}",
        "Allow: /",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('articles:sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
def opensearch_xml(request: HttpRequest) -> HttpResponse:
    """Lets a browser add the archive's search to its search engines."""
    return render(
        request,
        "opensearch.xml",
        {"base": f"{request.scheme}://{request.get_host()}", "example": OPENSEARCH_EXAMPLE},
        content_type="application/opensearchdescription+xml; charset=utf-8",
    )
