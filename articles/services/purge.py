"""Deleting what an ingest batch stored."""

from __future__ import annotations

from django.db import transaction

from ..models import Article, IngestBatch
from .archive import archive_changed


@transaction.atomic
def batch_purge(*, batch: IngestBatch, dry_run: bool = False) -> int:
    """Delete the stories an ingest batch stored last (their mentions and versions go too).

    A story belongs to the batch that last created or updated it. Returns how many
    stories were (or, with dry_run, would be) deleted. The batch record stays.
    """
    stories = Article.objects.filter(batch=batch)
    count = stories.count()
    if count and not dry_run:
        ids = list(stories.values_list("pk", flat=True))
        stories.delete()
        archive_changed(article_ids=ids)  # a dry run changes nothing, so the page cache stays
    return count
