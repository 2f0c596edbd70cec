"""manage.py purge_batch ID: delete the stories one ingest batch stored."""

from __future__ import annotations

from django.core.management.base import CommandError

from articles import search
from articles.management import ArchiveCommand
from articles.models import IngestBatch
from articles.services import purge


class Command(ArchiveCommand):
    help = "Delete the stories an ingest batch stored (their mentions go with them)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("batch_id", type=int, metavar="ID", help="the ingest batch's id")
        parser.add_argument(
            "--dry-run", action="store_true", help="count the stories, but delete nothing"
        )

    def handle(self, *args, **options) -> None:
        try:
            batch = IngestBatch.objects.get(pk=options["batch_id"])
        except IngestBatch.DoesNotExist:
            raise CommandError(f"no ingest batch with id {options['batch_id']}") from None
        dry_run = options["dry_run"]
        count = purge.batch_purge(batch=batch, dry_run=dry_run)
        if not dry_run:
            search.keep_in_step(build=False)  # gone from search at once
        if options["verbosity"] >= 1:
            if dry_run:
                message = f"dry run, nothing deleted: {batch} has {count} stories"
            else:
                message = f"{batch}: {count} stories deleted"
            self.stdout.write(self.style.SUCCESS(message))
