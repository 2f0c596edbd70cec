"""Recording what search must read again, in the same transaction as the write.

Every service that changes what search sees calls one of these before its
transaction commits: a committed write always has its change in the log, and a
rolled-back one never does. The indexer (indexer.py) turns the log into index
updates; nothing here touches the index itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections, router
from django.db.models import Q
from django.utils import timezone

from ..models import Article, Mention, SearchChange


def record(*, article_ids: Iterable[int]) -> int:
    """Log that these stories changed (created, edited, hidden, shown or deleted), in id
    order, in one statement: a model instance a row cost more than the insert (a group's
    clusters log a hundred)."""
    ids = sorted({int(pk) for pk in article_ids})
    if not ids:
        return 0
    connection = connections[router.db_for_write(SearchChange)]  # as bulk_create chose
    table, article_id, created_at = (
        connection.ops.quote_name(name)
        for name in (SearchChange._meta.db_table, "article_id", "created_at")
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement however many rows; ids are drawn in the rows' order.
            cursor.execute(
                f"INSERT INTO {table} ({article_id}, {created_at}) "
                "SELECT v.id, %s FROM UNNEST(%s::bigint[]) WITH ORDINALITY AS v(id, n) "
                "ORDER BY v.n",
                [now, ids],
            )
        else:  # SQLite runs an executemany in process, with no round trips
            cursor.executemany(
                f"INSERT INTO {table} ({article_id}, {created_at}) VALUES (%s, %s)",
                [(pk, now) for pk in ids],
            )
    return len(ids)


def record_for_entities(*, entity_ids: Iterable[int]) -> int:
    """Log every story that mentions these entities (renamed, merged, re-kinded, split or
    about to be deleted: call it before a delete, while the mentions still exist)."""
    entity_ids = list(entity_ids)
    if not entity_ids:
        return 0
    stories = Mention.objects.filter(entity_id__in=entity_ids).values_list("article_id", flat=True)
    return record(article_ids=stories.distinct())


def record_for_sources(*, source_ids: Iterable[int]) -> int:
    """Log every story credited to or published by these sources."""
    source_ids = list(source_ids)
    if not source_ids:
        return 0
    stories = Article.objects.filter(
        Q(source_id__in=source_ids) | Q(publisher_id__in=source_ids)
    ).values_list("pk", flat=True)
    return record(article_ids=stories)


def cluster_document_id(cluster_id: int) -> int:
    """The index's id for a cluster's collapsed document: negative, so it never meets a
    story's (and below -1, the index's own state)."""
    return -int(cluster_id) - 1


def record_for_clusters(*, story_ids: Iterable[int], cluster_ids: Iterable[int]) -> int:
    """Log stories whose cluster changed, and clusters whose copies changed (or that
    are gone): the index re-reads each story and each cluster's collapsed document."""
    ids = {int(pk) for pk in story_ids}
    ids |= {cluster_document_id(pk) for pk in cluster_ids if pk is not None}
    return record(article_ids=ids)
