"""Reads: the archive's query vocabulary, on QuerySets."""

from __future__ import annotations

from django.db import models
from django.db.models import Count, Q


class ArticleQuerySet(models.QuerySet):
    def published(self) -> ArticleQuerySet:
        """Stories the public may see."""
        return self.filter(is_public=True)

    def for_listing(self) -> ArticleQuerySet:
        """What a story card needs, in one query: no N+1 on source or publisher."""
        return self.select_related("source", "publisher").defer("raw_input", "body")

    def latest(self) -> ArticleQuerySet:
        return self.order_by(models.F("published_at").desc(nulls_last=True), "-id")

    def for_entity(self, entity) -> ArticleQuerySet:
        return self.filter(mentions__entity=entity)

    def search(self, q: str) -> ArticleQuerySet:
        """Stories matching every word of `q` in the title or body."""
        words = q.split()
        if not words:
            return self
        condition = Q()
        for word in words:
            condition &= Q(title__icontains=word) | Q(body__icontains=word)
        return self.filter(condition)


class EntityQuerySet(models.QuerySet):
    def with_story_counts(self) -> EntityQuerySet:
        return self.annotate(
            story_count=Count("mentions", filter=Q(mentions__article__is_public=True))
        )
