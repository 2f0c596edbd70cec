"""Deleting what an ingest batch stored."""

from __future__ import annotations

from django.db import transaction

from ..caching import archive_changed
from ..models import Article, IngestBatch
from .archive import search_index_delete


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
        search_index_delete(article_ids=ids)
        archive_changed()  # a dry run changes nothing, so the page cache stays
    return count
