"""The archive's management commands share one base: they refuse to start, with what to
do, on a database that cannot be reached or is not migrated, rather than end in a
traceback at their first query."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor


def unapplied_migrations(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The migrations the database still lacks, as "app.name", in the order they run."""
    executor = MigrationExecutor(connections[using])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


class ArchiveCommand(BaseCommand):
    def execute(self, *args, **options):
        try:
            pending = unapplied_migrations()
        except DatabaseError as exc:
            raise CommandError(f"cannot reach the database: {exc}".strip()) from None
        if pending:
            noun = "migration" if len(pending) == 1 else "migrations"
            raise CommandError(
                f"the database is not migrated ({len(pending)} {noun} to apply, from "
                f"{pending[0]}): run `python manage.py migrate` first"
            )
        return super().execute(*args, **options)
