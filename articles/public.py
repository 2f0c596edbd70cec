"""What the public may see of entities and sources: only what public stories mention.

An entity or source that only hidden stories mention would reveal those stories,
so feeds and sitemaps treat it as absent.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import Article, Entity, Mention, Source


def public_entities() -> QuerySet[Entity]:
    mentioned = Mention.objects.filter(entity=OuterRef("pk"), article__is_public=True)
    return Entity.objects.filter(Exists(mentioned))


def public_sources() -> QuerySet[Source]:
    credited = Article.objects.published().filter(
        Q(source=OuterRef("pk")) | Q(publisher=OuterRef("pk"))
    )
    return Source.objects.filter(Exists(credited))
