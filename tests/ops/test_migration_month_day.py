"""Migration 0017 stores each story's month and day, filled for the stories already there."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("articles", "0016_article_given_metadata")]
AFTER = [("articles", "0017_article_month_day")]


@pytest.mark.django_db(transaction=True)
def test_stories_stored_before_the_migration_get_their_month_and_day():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("articles", "Article")
    dated = old.objects.create(
        title="Cocoa review",
        slug="cocoa-review",
        body="Showers in Bahia.",
        content_hash="a" * 64,
        published_at=datetime(1987, 3, 5, 23, 59, tzinfo=UTC),
    )
    undated = old.objects.create(
        title="Undated", slug="undated", body="No date.", content_hash="b" * 64
    )
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("articles", "Article")
    stored = dict(new.objects.values_list("pk", "month_day"))
    assert stored == {dated.pk: 305, undated.pk: None}
    assert new.objects.filter(month_day=305, is_public=True).count() == 1
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # as the other tests expect


@pytest.mark.django_db
def test_the_table_can_still_be_introspected():
    """Django reads a SQLite table's columns by splitting its SQL at ", "; the
    generated column's expression must not break that (schema changes rely on it)."""
    table = "articles_article"
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
        constraints = connection.introspection.get_constraints(cursor, table)
    assert "month_day" in columns and "published_at" in columns
    assert any(c["index"] and c["columns"][:1] == ["month_day"] for c in constraints.values())
