"""Deleting stories: what an ingest batch stored, or what the admin deletes."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from ..models import Article, IngestBatch
from .archive import archive_changed
from .clusters import clusters_of, clusters_settle


@transaction.atomic
def batch_purge(*, batch: IngestBatch, dry_run: bool = False) -> int:
    """Delete the stories an ingest batch stored last (their mentions and versions go too).

    A story belongs to the batch that last created or updated it. Returns how many
    stories were (or, with dry_run, would be) deleted. The batch record stays.
    """
    stories = Article.objects.filter(batch=batch)
    count = stories.count()
    if count and not dry_run:
        articles_delete(stories=stories)  # a dry run changes nothing, so the cache stays
    return count


@transaction.atomic
def articles_delete(*, stories: QuerySet[Article]) -> int:
    """Delete these stories (their mentions, keys and versions go too) and take them out
    of search. The clusters they were copies of are ranked again, dissolved when one
    copy is left, and their collapsed documents re-read. Returns how many stories.
    The admin's deletes call it too."""
    ids = list(stories.values_list("pk", flat=True))
    if not ids:
        return 0
    cluster_ids = clusters_of(stories=stories)
    Article.objects.filter(pk__in=stories.values("pk")).delete()
    clusters_settle(cluster_ids=cluster_ids)
    archive_changed(article_ids=ids)
    return len(ids)
